//! The Agreement API (`AWSMPCommerceService_v20200301`) as the listing's seller calls it: SearchAgreements,
//! DescribeAgreement and GetAgreementEntitlements in Smithy RPCv2-CBOR — the only protocol the service's model
//! (and so `aws-sdk-marketplaceagreement`) has: `POST /service/AWSMPCommerceService_v20200301/operation/<Op>`
//! with `smithy-protocol: rpc-v2-cbor`, CBOR bodies, timestamps as tag 1 epoch seconds, errors as a map with
//! `__type`. Every license the simulator mints has an agreement; the events the simulator sends change it
//! (an ended subscription ends it), whether or not the event is delivered.

use super::*;
use ciborium::Value;

/// The AWS account that proposes the listing's agreements (the seller, as AWS Marketplace's events name it).
const SELLER: &str = "287250355862";

/// One purchase agreement of the simulator's.
#[derive(Debug, Clone)]
pub(super) struct Agreement {
    pub(super) id: String,
    pub(super) account: AwsAccountId,
    pub(super) product: ProductCode,
    pub(super) license: String,
    pub(super) status: &'static str,
    pub(super) start: i64,
    pub(super) end: Option<i64>,
}

impl Agreement {
    fn summary(&self) -> Value {
        let mut fields = vec![
            ("agreementId", text(&self.id)),
            ("acceptanceTime", timestamp(self.start)),
            ("startTime", timestamp(self.start)),
            ("agreementType", text("PurchaseAgreement")),
            ("acceptor", map(vec![("accountId", text(self.account.as_str()))])),
            ("proposer", map(vec![("accountId", text(SELLER))])),
            (
                "proposalSummary",
                map(vec![
                    (
                        "resources",
                        Value::Array(vec![map(vec![("id", text(&self.product_id())), ("type", text("SaaSProduct"))])]),
                    ),
                    ("offerId", text(&format!("offer-{}", self.product.as_str()))),
                ]),
            ),
            ("status", text(self.status)),
            ("entitlements", Value::Array(vec![map(vec![("licenseArn", text(&self.license))])])),
        ];
        if let Some(end) = self.end {
            fields.push(("endTime", timestamp(end)));
        }
        map(fields)
    }

    fn product_id(&self) -> String {
        format!("prod-{}", self.product.as_str())
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn timestamp(secs: i64) -> Value {
    Value::Tag(1, Box::new(Value::Integer(secs.into())))
}

fn map(fields: Vec<(&str, Value)>) -> Value {
    Value::Map(fields.into_iter().map(|(k, v)| (text(k), v)).collect())
}

fn cbor(status: StatusCode, body: &Value) -> Response {
    let mut bytes = Vec::new();
    if ciborium::into_writer(body, &mut bytes).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        status,
        [
            (header::CONTENT_TYPE, "application/cbor"),
            (header::HeaderName::from_static("smithy-protocol"), "rpc-v2-cbor"),
        ],
        bytes,
    )
        .into_response()
}

/// An RPCv2-CBOR error: its `__type` and message.
pub(super) fn cbor_error(status: StatusCode, kind: &str, message: &str) -> Response {
    cbor(status, &map(vec![("__type", text(kind)), ("message", text(message))]))
}

fn validation(message: &str) -> Response {
    cbor_error(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// A refused request, answered as an RPCv2-CBOR error.
struct Refusal(StatusCode, &'static str, &'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        cbor_error(self.0, self.1, self.2)
    }
}

fn invalid(message: &'static str) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, "ValidationException", message)
}

#[derive(Debug, Deserialize)]
struct FilterIn {
    name: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchAgreementsRequest {
    catalog: Option<String>,
    #[serde(default)]
    filters: Vec<FilterIn>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgreementRequest {
    agreement_id: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn page_start(token: Option<&str>) -> Result<usize, Refusal> {
    match token {
        None => Ok(0),
        Some(token) => {
            token.strip_prefix("page-").and_then(|n| n.parse().ok()).ok_or(invalid("nextToken is not valid"))
        }
    }
}

impl Simulator {
    /// The license of `account` for `product`, and its agreement, made when there is none yet.
    pub(super) fn license_in(state: &mut State_, account: &AwsAccountId, product: &ProductCode) -> String {
        if let Some(license) = state.licenses.get(&(account.clone(), product.clone())) {
            return license.clone();
        }
        let license = format!("arn:aws:license-manager::{account}:license:l-{}", random_hex(16));
        state.licenses.insert((account.clone(), product.clone()), license.clone());
        state.agreements.push(Agreement {
            id: format!("agmt-{}", random_hex(12)),
            account: account.clone(),
            product: product.clone(),
            license: license.clone(),
            status: "ACTIVE",
            start: unix_now(),
            end: None,
        });
        license
    }

    /// The license (and agreement) of `account` for `product`, made when there is none yet.
    pub fn license_of(&self, account: &AwsAccountId, product: &ProductCode) -> String {
        Self::license_in(&mut self.lock(), account, product)
    }

    /// AWS's side of a subscription change: the current agreement of `account` for `product` becomes
    /// `status` (`ACTIVE`, or an end: `CANCELLED`, `EXPIRED`, `TERMINATED`, …), ended now unless active.
    pub fn set_agreement_status(&self, account: &AwsAccountId, product: &ProductCode, status: &'static str) {
        self.set_agreement_status_at(account, product, status, unix_now());
    }

    /// [`Simulator::set_agreement_status`], ended at `at` (Unix seconds) unless active.
    pub fn set_agreement_status_at(
        &self,
        account: &AwsAccountId,
        product: &ProductCode,
        status: &'static str,
        at: i64,
    ) {
        let mut state = self.lock();
        let license = Self::license_in(&mut state, account, product);
        if let Some(agreement) = state.agreements.iter_mut().rev().find(|a| a.license == license) {
            agreement.status = status;
            agreement.end = (status != "ACTIVE").then_some(at);
        }
    }

    /// The agreement whose license an account's new agreement replaces: ended as replaced if still active.
    pub(super) fn replace_agreement(state: &mut State_, old_license: &str) {
        if let Some(agreement) = state.agreements.iter_mut().find(|a| a.license == old_license && a.status == "ACTIVE")
        {
            agreement.status = "REPLACED";
            agreement.end = Some(unix_now());
        }
    }

    fn search_agreements(&self, req: &SearchAgreementsRequest) -> Response {
        if req.catalog.as_deref() != Some("AWSMarketplace") {
            return validation("catalog must be AWSMarketplace");
        }
        let size = req.max_results.unwrap_or(50);
        if !(1..=50).contains(&size) {
            return validation("maxResults must be between 1 and 50");
        }
        let start = match page_start(req.next_token.as_deref()) {
            Ok(start) => start,
            Err(refused) => return refused.into_response(),
        };
        let values = |name: &str| req.filters.iter().find(|f| f.name == name).map(|f| f.values.as_slice());
        if values("PartyType") != Some(&["Proposer".to_owned()][..]) {
            return validation("filter PartyType=Proposer is required of a seller");
        }
        let known = ["PartyType", "AgreementType", "AcceptorAccountId", "ResourceIdentifier", "Status"];
        if req.filters.iter().any(|f| !known.contains(&f.name.as_str())) {
            return validation("unknown filter name");
        }
        let state = self.lock();
        let matches = |a: &&Agreement| {
            values("AgreementType").is_none_or(|v| v.iter().any(|t| t == "PurchaseAgreement"))
                && values("AcceptorAccountId").is_none_or(|v| v.iter().any(|id| id == a.account.as_str()))
                && values("ResourceIdentifier").is_none_or(|v| v.contains(&a.product_id()))
                && values("Status").is_none_or(|v| v.iter().any(|s| s == a.status))
        };
        let all: Vec<&Agreement> = state.agreements.iter().filter(matches).collect();
        let size = size as usize;
        let mut fields = vec![(
            "agreementViewSummaries",
            Value::Array(all.iter().skip(start).take(size).map(|a| a.summary()).collect()),
        )];
        if start + size < all.len() {
            fields.push(("nextToken", text(&format!("page-{}", start + size))));
        }
        cbor(StatusCode::OK, &map(fields))
    }

    fn find_agreement(&self, req: &AgreementRequest) -> Result<Agreement, Refusal> {
        let id = req.agreement_id.as_deref().ok_or(invalid("agreementId is required"))?;
        let state = self.lock();
        let found = state.agreements.iter().find(|a| a.id == id).cloned();
        found.ok_or(Refusal(StatusCode::NOT_FOUND, "ResourceNotFoundException", "The agreement does not exist"))
    }

    fn describe_agreement(&self, req: &AgreementRequest) -> Response {
        match self.find_agreement(req) {
            Ok(agreement) => {
                let Value::Map(mut fields) = agreement.summary() else { return validation("no agreement") };
                // DescribeAgreement's shape has no entitlements (GetAgreementEntitlements has them).
                fields.retain(|(k, _)| k != &text("entitlements"));
                cbor(StatusCode::OK, &Value::Map(fields))
            }
            Err(refused) => refused.into_response(),
        }
    }

    fn get_agreement_entitlements(&self, req: &AgreementRequest) -> Response {
        let agreement = match self.find_agreement(req) {
            Ok(agreement) => agreement,
            Err(refused) => return refused.into_response(),
        };
        if let Err(refused) = page_start(req.next_token.as_deref()) {
            return refused.into_response();
        }
        if req.max_results.is_some_and(|n| !(1..=50).contains(&n)) {
            return validation("maxResults must be between 1 and 50");
        }
        let status = if agreement.status == "ACTIVE" { "PROVISIONED" } else { "DEPROVISIONED" };
        let entitlement = map(vec![
            ("resource", map(vec![("id", text(&agreement.product_id())), ("type", text("SaaSProduct"))])),
            ("type", text("License")),
            ("status", text(status)),
            ("licenseArn", text(&agreement.license)),
        ]);
        cbor(StatusCode::OK, &map(vec![("agreementEntitlements", Value::Array(vec![entitlement]))]))
    }

    /// Answers one Agreement API operation.
    pub(super) fn agreement_operation(&self, operation: &str, body: &[u8]) -> Response {
        match operation {
            "SearchAgreements" => match ciborium::from_reader::<SearchAgreementsRequest, _>(body) {
                Ok(req) => self.search_agreements(&req),
                Err(_) => cbor_error(StatusCode::BAD_REQUEST, "SerializationException", "Malformed request body"),
            },
            "DescribeAgreement" | "GetAgreementEntitlements" => {
                match ciborium::from_reader::<AgreementRequest, _>(body) {
                    Ok(req) if operation == "DescribeAgreement" => self.describe_agreement(&req),
                    Ok(req) => self.get_agreement_entitlements(&req),
                    Err(_) => cbor_error(StatusCode::BAD_REQUEST, "SerializationException", "Malformed request body"),
                }
            }
            _ => cbor_error(StatusCode::BAD_REQUEST, "UnknownOperationException", "Unknown operation"),
        }
    }
}

/// `POST /_sim/aws/service/AWSMPCommerceService_v20200301/operation/{operation}`: signed, RPCv2-CBOR; faults
/// injected for the operation (`throttle`: 429 ThrottlingException, `internal`: 500, `slow`) come first.
pub(super) async fn agreement_rpc(
    State(sim): State<Simulator>,
    axum::extract::Path(operation): axum::extract::Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let signed = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 Credential="));
    if !signed {
        return cbor_error(StatusCode::FORBIDDEN, "AccessDeniedException", "Missing Authentication Token");
    }
    if headers.get("smithy-protocol").and_then(|v| v.to_str().ok()) != Some("rpc-v2-cbor") {
        return validation("smithy-protocol: rpc-v2-cbor is required");
    }
    match sim.take_fault(&operation) {
        Some(FaultKind::Throttle) => {
            return cbor_error(StatusCode::TOO_MANY_REQUESTS, "ThrottlingException", "Rate exceeded")
        }
        Some(FaultKind::Internal | FaultKind::Lost) => {
            return cbor_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerException", "Internal error")
        }
        Some(FaultKind::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(FaultKind::Disabled | FaultKind::Unprocessed | FaultKind::NotSubscribed) | None => {}
    }
    sim.agreement_operation(&operation, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(fields: Vec<(&str, Value)>) -> Vec<u8> {
        let mut bytes = Vec::new();
        ciborium::into_writer(&map(fields), &mut bytes).expect("cbor");
        bytes
    }

    async fn decoded(response: Response) -> (StatusCode, Value) {
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        (status, ciborium::from_reader(&bytes[..]).expect("cbor answer"))
    }

    fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
        value.as_map()?.iter().find(|(k, _)| k.as_text() == Some(name)).map(|(_, v)| v)
    }

    #[tokio::test]
    async fn agreements_are_searched_as_the_seller_and_follow_the_subscription() {
        let sim = Simulator::new(ProductCode::parse("guance-dev").expect("product"));
        let product = sim.default_product().clone();
        for n in 0..3 {
            sim.license_of(&AwsAccountId::parse(&format!("12345678901{n}")).expect("account"), &product);
        }
        let ended = AwsAccountId::parse("123456789011").expect("account");
        sim.set_agreement_status(&ended, &product, "CANCELLED");
        let seller = || {
            Value::Array(vec![map(vec![("name", text("PartyType")), ("values", Value::Array(vec![text("Proposer")]))])])
        };
        let (status, page) = decoded(sim.agreement_operation(
            "SearchAgreements",
            &request(vec![
                ("catalog", text("AWSMarketplace")),
                ("filters", seller()),
                ("maxResults", Value::Integer(2.into())),
            ]),
        ))
        .await;
        assert_eq!(status, StatusCode::OK);
        let summaries = field(&page, "agreementViewSummaries").and_then(Value::as_array).expect("summaries");
        assert_eq!(summaries.len(), 2);
        assert_eq!(field(&page, "nextToken").and_then(Value::as_text), Some("page-2"));
        let second = &summaries[1];
        assert_eq!(field(second, "status").and_then(Value::as_text), Some("CANCELLED"));
        assert!(matches!(field(second, "endTime"), Some(Value::Tag(1, _))), "a tag-1 timestamp");
        let id = field(second, "agreementId").and_then(Value::as_text).expect("id").to_owned();
        let (_, entitlements) =
            decoded(sim.agreement_operation("GetAgreementEntitlements", &request(vec![("agreementId", text(&id))])))
                .await;
        let list = field(&entitlements, "agreementEntitlements").and_then(Value::as_array).expect("list");
        assert_eq!(field(&list[0], "status").and_then(Value::as_text), Some("DEPROVISIONED"));
        // A buyer's view is not the seller's; an unknown agreement is not found.
        let (status, _) =
            decoded(sim.agreement_operation("SearchAgreements", &request(vec![("catalog", text("AWSMarketplace"))])))
                .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, error) =
            decoded(sim.agreement_operation("DescribeAgreement", &request(vec![("agreementId", text("agmt-none"))])))
                .await;
        assert_eq!(
            (status, field(&error, "__type").and_then(Value::as_text)),
            (StatusCode::NOT_FOUND, Some("ResourceNotFoundException"))
        );
    }

    #[tokio::test]
    async fn a_dropped_event_changes_the_agreement_and_delivers_nothing() {
        let sim = Simulator::new(ProductCode::parse("guance-dev").expect("product"));
        let account = AwsAccountId::parse("123456789012").expect("account");
        let license = sim.license_of(&account, sim.default_product());
        let req = EventBridgeSendRequest {
            aws_account_id: account.as_str().to_owned(),
            detail_type: "License Deprovisioned - Manufacturer".into(),
            // Nothing listens there: a delivery would be reported as failed.
            deliver_to: Some("http://127.0.0.1:9/nowhere".into()),
            drop: true,
            at: None,
        };
        let sent = sim.send_eventbridge(req).await.expect("sent");
        assert_eq!((sent["dropped"].as_bool(), &sent["delivered"]), (Some(true), &serde_json::Value::Null));
        let state = sim.lock();
        let agreement = state.agreements.iter().find(|a| a.license == license).expect("agreement");
        assert_eq!(agreement.status, "TERMINATED");
        assert!(agreement.end.is_some());
        assert_eq!(sent["event"]["detail"]["agreement"]["id"], json!(agreement.id), "the event names the agreement");
    }
}
