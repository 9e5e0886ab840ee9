//! The billing center as the owner of a billing account sees it: every workspace with how it is settled and
//! the state of that settlement.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingCenter {
    pub billing_username: String,
    pub workspaces: Vec<BillingWorkspace>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingWorkspace {
    pub id: i64,
    pub name: String,
    pub site_code: String,
    pub owner: String,
    pub settlement: Settlement,
    /// When the current settlement began (Unix seconds).
    pub since: Option<i64>,
    pub state: BillingState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Settlement {
    /// Billed through AWS Marketplace to this AWS account (12 digits).
    AwsMarketplace {
        aws_account_id: String,
    },
    BillingCenter,
}

impl Settlement {
    /// `…1234`: the last four digits, as the billing center shows an AWS account.
    pub fn account_tail(&self) -> Option<String> {
        match self {
            Settlement::AwsMarketplace { aws_account_id } => {
                Some(format!("…{}", &aws_account_id[aws_account_id.len().saturating_sub(4)..]))
            }
            Settlement::BillingCenter => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingState {
    Active,
    PaymentFailed,
    CancellationPending,
    /// The AWS subscription ended: the workspace locks in this many days.
    LockedIn {
        days: i64,
    },
    Locked,
}

/// A workspace's start page: what it is, how it is billed, and how to start sending it data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceStart {
    pub id: i64,
    pub name: String,
    pub site_code: String,
    pub language_code: String,
    pub settlement: Settlement,
    pub state: BillingState,
    /// The workspace's DataKit token.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aws_account_is_shown_by_its_last_four_digits() {
        let s = Settlement::AwsMarketplace { aws_account_id: "123456789012".into() };
        assert_eq!(s.account_tail().as_deref(), Some("…9012"));
        assert_eq!(Settlement::BillingCenter.account_tail(), None);
    }
}
