//! GetEntitlements (AWSMPEntitlementService), paged as AWS pages it, and the contract a test sets for a
//! customer (`POST /_sim/aws/entitlements`).

use super::*;

#[derive(Debug, Deserialize)]
pub(super) struct GetEntitlementsRequest {
    #[serde(rename = "ProductCode")]
    product_code: Option<String>,
    #[serde(rename = "Filter", default)]
    filter: HashMap<String, Vec<String>>,
    #[serde(rename = "NextToken")]
    next_token: Option<String>,
    #[serde(rename = "MaxResults")]
    max_results: Option<i64>,
}

/// What `POST /_sim/aws/entitlements` sets: a customer's contract, replacing what it had.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitlementsRequest {
    pub aws_account_id: String,
    pub product_code: Option<String>,
    pub entitlements: Vec<EntitlementIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitlementIn {
    pub dimension: String,
    pub integer_value: Option<i64>,
    pub double_value: Option<f64>,
    pub boolean_value: Option<bool>,
    pub string_value: Option<String>,
    /// Unix seconds.
    pub expiration_date: Option<i64>,
}

impl Simulator {
    /// Replaces a customer's entitlements (what a contract or its amendment grants).
    pub fn set_entitlements(&self, req: EntitlementsRequest) -> Result<usize, String> {
        let account =
            AwsAccountId::parse(&req.aws_account_id).map_err(|e| describe_in(Locale::en, "aws_account_id", e))?;
        let product = match req.product_code.as_deref() {
            Some(code) => ProductCode::parse(code).map_err(|e| describe_in(Locale::en, "product_code", e))?,
            None => self.default_product.clone(),
        };
        let mut state = self.lock();
        let customer = state.customer_ids.entry(account.clone()).or_insert_with(|| random_string(9)).clone();
        let list: Vec<serde_json::Value> = req
            .entitlements
            .into_iter()
            .map(|e| {
                let mut value = serde_json::Map::new();
                if let Some(v) = e.integer_value {
                    value.insert("IntegerValue".into(), json!(v));
                }
                if let Some(v) = e.double_value {
                    value.insert("DoubleValue".into(), json!(v));
                }
                if let Some(v) = e.boolean_value {
                    value.insert("BooleanValue".into(), json!(v));
                }
                if let Some(v) = e.string_value {
                    value.insert("StringValue".into(), json!(v));
                }
                let mut out = json!({
                    "ProductCode": product.as_str(),
                    "Dimension": e.dimension,
                    "CustomerIdentifier": customer,
                    "CustomerAWSAccountId": account.as_str(),
                    "Value": value,
                });
                if let Some(at) = e.expiration_date {
                    out["ExpirationDate"] = json!(at);
                }
                out
            })
            .collect();
        let n = list.len();
        state.entitlements.insert((account.as_str().to_owned(), product.as_str().to_owned()), list);
        Ok(n)
    }

    /// GetEntitlements: ProductCode required; filtered by `CUSTOMER_AWS_ACCOUNT_ID` (or all of the product's);
    /// pages of `MaxResults` (1–25, default 25) with an opaque `NextToken`.
    pub(super) fn get_entitlements(&self, req: &GetEntitlementsRequest) -> Result<serde_json::Value, AwsError> {
        let product = req.product_code.as_deref().ok_or(AwsError::InvalidParameter("ProductCode is required"))?;
        let size = req.max_results.unwrap_or(25);
        if !(1..=25).contains(&size) {
            return Err(AwsError::InvalidParameter("MaxResults must be between 1 and 25"));
        }
        if req.filter.keys().any(|k| {
            !["CUSTOMER_AWS_ACCOUNT_ID", "CUSTOMER_IDENTIFIER", "DIMENSION", "LICENSE_ARN"].contains(&k.as_str())
        }) {
            return Err(AwsError::InvalidParameter("Unknown filter name"));
        }
        let start = match req.next_token.as_deref() {
            None => 0,
            Some(token) => token
                .strip_prefix("page-")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or(AwsError::InvalidParameter("NextToken is not valid"))?,
        };
        let state = self.lock();
        let accounts = req.filter.get("CUSTOMER_AWS_ACCOUNT_ID");
        let mut all: Vec<&serde_json::Value> = state
            .entitlements
            .iter()
            .filter(|((account, p), _)| p == product && accounts.is_none_or(|list| list.contains(account)))
            .flat_map(|(_, list)| list.iter())
            .filter(|e| req.filter.get("DIMENSION").is_none_or(|dims| dims.iter().any(|d| e["Dimension"] == json!(d))))
            .collect();
        all.sort_by_key(|e| (e["CustomerAWSAccountId"].to_string(), e["Dimension"].to_string()));
        let size = size as usize;
        let page: Vec<&serde_json::Value> = all.iter().skip(start).take(size).copied().collect();
        let mut out = json!({ "Entitlements": page });
        if start + size < all.len() {
            out["NextToken"] = json!(format!("page-{}", start + size));
        }
        Ok(out)
    }
}

pub(super) async fn set_entitlements(
    State(sim): State<Simulator>,
    body: Result<Json<EntitlementsRequest>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    match sim.set_entitlements(req) {
        Ok(n) => Json(json!({ "entitlements": n })).into_response(),
        Err(message) => bad_request(message),
    }
}
