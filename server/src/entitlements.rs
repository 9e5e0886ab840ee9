//! Contract listings: what a customer is entitled to. Read with `GetEntitlements` (filtered by the customer's
//! AWS account id, paging through `NextToken`) when the buyer registers and when AWS says the entitlement
//! changed; stored as a whole. An empty answer means "no active contract", never an error.

use app::ssr::ports::StoreError;
use async_trait::async_trait;
use serde::Serialize;

/// One entitlement: a dimension and its value, with the contract's expiry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entitlement {
    pub dimension: String,
    pub value: EntitlementValue,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum EntitlementValue {
    Integer(i64),
    Double(f64),
    Boolean(bool),
    String(String),
    /// AWS sent no value (a dimension whose presence is the entitlement).
    None,
}

impl EntitlementValue {
    /// (kind, text) as stored.
    pub fn to_row(&self) -> (&'static str, Option<String>) {
        match self {
            EntitlementValue::Integer(v) => ("integer", Some(v.to_string())),
            EntitlementValue::Double(v) => ("double", Some(v.to_string())),
            EntitlementValue::Boolean(v) => ("boolean", Some(v.to_string())),
            EntitlementValue::String(v) => ("string", Some(v.clone())),
            EntitlementValue::None => ("none", None),
        }
    }

    pub fn from_row(kind: &str, text: Option<&str>) -> Self {
        let text = text.unwrap_or_default();
        match kind {
            "integer" => text.parse().map_or(EntitlementValue::None, EntitlementValue::Integer),
            "double" => text.parse().map_or(EntitlementValue::None, EntitlementValue::Double),
            "boolean" => text.parse().map_or(EntitlementValue::None, EntitlementValue::Boolean),
            "string" => EntitlementValue::String(text.to_owned()),
            _ => EntitlementValue::None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntitlementError {
    #[error("AWS Marketplace is unavailable: {0}")]
    Unavailable(String),
    #[error("GetEntitlements refused the request: {0}")]
    Refused(String),
}

/// `GetEntitlements` (the AWS SDK in the portal).
#[async_trait]
pub trait EntitlementSource: Send + Sync {
    /// Every entitlement of `aws_account_id` for `product_code`, all pages.
    async fn get_entitlements(
        &self,
        product_code: &str,
        aws_account_id: &str,
    ) -> Result<Vec<Entitlement>, EntitlementError>;
}

#[async_trait]
pub trait EntitlementStore: Send + Sync {
    /// Replaces the customer's entitlements in one transaction; false when no such customer is recorded.
    async fn replace_entitlements(
        &self,
        customer: i64,
        entitlements: &[Entitlement],
        now: i64,
    ) -> Result<bool, StoreError>;
    async fn entitlements(&self, customer: i64) -> Result<Vec<Entitlement>, StoreError>;
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Aws(#[from] EntitlementError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads the entitlements of the customer (`customer`: its id; AWS filters them by account and product) and
/// stores them; returns how many there are.
pub async fn refresh(
    store: &dyn EntitlementStore,
    source: &dyn EntitlementSource,
    customer: i64,
    aws_account_id: &str,
    product_code: &str,
    now: i64,
) -> Result<usize, RefreshError> {
    let entitlements = source.get_entitlements(product_code, aws_account_id).await?;
    store.replace_entitlements(customer, &entitlements, now).await?;
    if entitlements.is_empty() {
        tracing::info!(aws_account_id, "no active contract (GetEntitlements answered none)");
    }
    Ok(entitlements.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_stored_form() {
        for value in [
            EntitlementValue::Integer(25),
            EntitlementValue::Double(2.5),
            EntitlementValue::Boolean(true),
            EntitlementValue::String("gold".into()),
            EntitlementValue::None,
        ] {
            let (kind, text) = value.to_row();
            assert_eq!(EntitlementValue::from_row(kind, text.as_deref()), value);
        }
    }
}
