//! The activation under way, as the wizard shows it.

use super::{AwsAccountId, Branch, ProductCode};
use serde::{Deserialize, Serialize};

/// What the wizard shows about the activation under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationSummary {
    pub aws_account_id: AwsAccountId,
    pub product_code: ProductCode,
    pub branch: Option<Branch>,
    /// The billing account this AWS account is linked to, once it is.
    pub billing_username: Option<String>,
    /// AWS Marketplace said the payment for this subscription failed (`subscribe-fail`).
    #[serde(default)]
    pub payment_failed: bool,
}

/// Whether the visitor has an activation session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivationState {
    /// No session: activation starts from AWS Marketplace.
    None,
    /// The session was idle too long and has ended.
    Ended,
    Active(ActivationSummary),
}
