//! The AWS Marketplace simulator (dev mode only): mints registration tokens and answers the Marketplace APIs
//! in AWS JSON 1.1 with AWS's documented shapes and error types, so the portal can reach it through the real
//! SDK. Requests must carry a SigV4 `Authorization` header (any credentials), as real AWS requires.

mod agreements;
mod entitlements;
mod events;
mod metering;

use agreements::*;
use app::domain::{AwsAccountId, ProductCode};
use app::i18n::Locale;
use app::messages::describe_in;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use entitlements::*;
use events::*;
use metering::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Default lifetime of a minted token (seconds).
pub const DEFAULT_TTL_SECONDS: u64 = 4 * 60 * 60;
/// Longest lifetime a test may ask for (seconds).
pub const MAX_TTL_SECONDS: u64 = 7 * 24 * 60 * 60;

#[derive(Debug, Clone)]
struct Minted {
    account: AwsAccountId,
    product: ProductCode,
    expires_at: Instant,
}

/// One fault to inject into the next calls of an operation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// `BatchMeterUsage`, `ResolveCustomer`, `GetEntitlements`, `SearchAgreements`, `DescribeAgreement` or
    /// `GetAgreementEntitlements`.
    pub operation: String,
    /// `throttle` (400 ThrottlingException), `internal` (500 InternalServiceErrorException), `slow` (processed at
    /// once, answered after `delay_ms`), `lost` (processed, then answered with a 500), `disabled` (400
    /// DisabledApiException), `unprocessed` (every record comes back in UnprocessedRecords), `not_subscribed`
    /// (BatchMeterUsage: every record answered CustomerNotSubscribed, nothing metered — a buyer AWS no longer
    /// bills, for trying the console's Retry now).
    pub kind: String,
    /// How many calls it affects (default 1).
    pub times: Option<u32>,
    pub delay_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FaultKind {
    Throttle,
    Internal,
    Slow(Duration),
    Disabled,
    Lost,
    Unprocessed,
    NotSubscribed,
}

/// A record BatchMeterUsage received, as the dev route lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedRecord {
    pub customer: String,
    /// The license it was sent with (customers named by account); AWS meters each license apart.
    pub license_arn: Option<String>,
    pub dimension: String,
    pub timestamp: i64,
    pub quantity: i64,
    /// The `UsageAllocations` it came with (none: empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allocations: Vec<crate::metering::Allocation>,
    pub status: String,
    pub metering_record_id: Option<String>,
}

#[derive(Default)]
struct State_ {
    /// Tokens of SNS subscriptions the portal confirmed.
    confirmed: Vec<String>,
    /// GetEntitlements' answer per (account, product): AWS JSON `Entitlement` objects.
    entitlements: HashMap<(String, String), Vec<serde_json::Value>>,
    faults: Vec<(String, FaultKind)>,
    /// Accepted usage per (customer, dimension, hour): its quantity and record id.
    metered: HashMap<(String, String, i64), (i64, String)>,
    /// Every record answered, in order (identical resends included).
    received: Vec<ReceivedRecord>,
    tokens: HashMap<String, Minted>,
    /// Stable per account, as AWS's CustomerIdentifier is.
    customer_ids: HashMap<AwsAccountId, String>,
    /// Stable per account and product, as an agreement's license is.
    licenses: HashMap<(AwsAccountId, ProductCode), String>,
    /// Every license's purchase agreement, oldest first (the Agreement API's answers).
    agreements: Vec<Agreement>,
}

/// Where the simulator delivers events: the portal, and what it knows of itself.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// The portal's base URL (`PORTAL_PUBLIC_URL` in dev).
    pub portal: String,
    /// The simulator's own base URL (`…/_sim/aws/`), for its certificate and confirmation links.
    pub own: String,
    /// The `x-api-key` of EventBridge deliveries.
    pub eventbridge_key: Option<String>,
}

/// The simulator's in-memory state. Dev-only: it is never shared between instances.
#[derive(Clone)]
pub struct Simulator {
    state: Arc<Mutex<State_>>,
    default_product: ProductCode,
    delivery: Delivery,
    http: reqwest::Client,
    partition: crate::partition::Partition,
}

fn random_string(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl Simulator {
    pub fn new(default_product: ProductCode) -> Self {
        crate::install_crypto_provider();
        Self {
            state: Arc::default(),
            default_product,
            delivery: Delivery::default(),
            http: reqwest::Client::new(),
            partition: crate::partition::Partition::default(),
        }
    }

    /// Plays AWS Marketplace of `partition` (the global one, or AWS China's): its SNS topics.
    pub fn in_partition(mut self, partition: crate::partition::Partition) -> Self {
        self.partition = partition;
        self
    }

    /// Delivers SNS notifications and EventBridge events to the portal as `delivery` says.
    pub fn delivering(mut self, delivery: Delivery) -> Self {
        self.delivery = delivery;
        self
    }

    fn lock(&self) -> MutexGuard<'_, State_> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn default_product(&self) -> &ProductCode {
        &self.default_product
    }

    /// Mints a registration token for `account` subscribing to `product`.
    pub fn mint(&self, account: AwsAccountId, product: ProductCode, ttl: Duration) -> String {
        let token = random_string(96);
        let mut state = self.lock();
        state.tokens.insert(token.clone(), Minted { account, product, expires_at: Instant::now() + ttl });
        token
    }

    /// A new agreement of `account` for `product`: its license is replaced by a new one (the old one is no
    /// longer known to metering, as an ended agreement's).
    pub fn new_agreement(&self, account: &AwsAccountId, product: &ProductCode) {
        let mut state = self.lock();
        if let Some(old) = state.licenses.remove(&(account.clone(), product.clone())) {
            Self::replace_agreement(&mut state, &old);
        }
        Self::license_in(&mut state, account, product);
    }

    fn resolve(&self, token: &str) -> Result<serde_json::Value, AwsError> {
        let mut state = self.lock();
        let minted = state.tokens.get(token).cloned().ok_or(AwsError::InvalidToken)?;
        if Instant::now() >= minted.expires_at {
            return Err(AwsError::ExpiredToken);
        }
        let customer = state.customer_ids.entry(minted.account.clone()).or_insert_with(|| random_string(9)).clone();
        let license = Self::license_in(&mut state, &minted.account, &minted.product);
        Ok(json!({
            "CustomerIdentifier": customer,
            "CustomerAWSAccountId": minted.account.as_str(),
            "ProductCode": minted.product.as_str(),
            "LicenseArn": license,
        }))
    }
}

/// The simulator's routes: `/_sim/aws/tokens`, the AWS endpoint `/_sim/aws/` (AWS JSON 1.1 by `X-Amz-Target`;
/// the Agreement API's RPCv2-CBOR under `/_sim/aws/service/…/operation/…`), and the control routes
/// `/_sim/aws/metering` (what BatchMeterUsage received) and `/_sim/aws/faults` (inject, or DELETE to clear).
pub fn routes<S>(sim: Simulator) -> Router<S> {
    Router::new()
        .route("/_sim/aws/tokens", post(mint_token))
        .route("/_sim/aws/metering", axum::routing::get(list_metering))
        .route("/_sim/aws/faults", post(inject_fault).delete(clear_faults))
        .route("/_sim/aws/entitlements", post(set_entitlements))
        .route("/_sim/aws/sns/cert.pem", axum::routing::get(sns_certificate))
        .route("/_sim/aws/sns/send", post(sns_send))
        .route("/_sim/aws/sns/subscribe", post(sns_subscribe))
        .route("/_sim/aws/sns/confirm", axum::routing::get(sns_confirm))
        .route("/_sim/aws/eventbridge/send", post(eventbridge_send))
        .route("/_sim/aws/service/AWSMPCommerceService_v20200301/operation/{operation}", post(agreement_rpc))
        .route("/_sim/aws/", post(aws_json))
        .route("/_sim/aws", post(aws_json))
        .with_state(sim)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MintRequest {
    aws_account_id: String,
    product_code: Option<String>,
    ttl_seconds: Option<u64>,
    /// A new agreement (as after a resubscription): the account gets a new license for the product.
    #[serde(default)]
    new_agreement: bool,
}

#[derive(Debug, Serialize)]
struct MintResponse {
    token: String,
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn mint_token(State(sim): State<Simulator>, body: Result<Json<MintRequest>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    let account = match AwsAccountId::parse(&req.aws_account_id) {
        Ok(account) => account,
        Err(e) => return bad_request(describe_in(Locale::en, "aws_account_id", e)),
    };
    let product = match req.product_code.as_deref().map(ProductCode::parse).transpose() {
        Ok(product) => product.unwrap_or_else(|| sim.default_product.clone()),
        Err(e) => return bad_request(describe_in(Locale::en, "product_code", e)),
    };
    let ttl = req.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
    if ttl > MAX_TTL_SECONDS {
        return bad_request(format!("ttl_seconds must be at most {MAX_TTL_SECONDS}"));
    }
    if req.new_agreement {
        sim.new_agreement(&account, &product);
    }
    let token = sim.mint(account, product, Duration::from_secs(ttl));
    (StatusCode::CREATED, Json(MintResponse { token })).into_response()
}

/// AWS's error types, as `__type` in an AWS JSON 1.1 error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AwsError {
    MissingAuthenticationToken,
    UnknownOperation,
    Serialization,
    InvalidToken,
    ExpiredToken,
    Throttling,
    InternalServiceError,
    Validation(&'static str),
    TimestampOutOfBounds,
    InvalidUsageDimension,
    InvalidProductCode,
    InvalidLicense,
    InvalidParameter(&'static str),
    InvalidTag,
    InvalidUsageAllocations,
    InvalidCustomerIdentifier,
    DisabledApi,
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        let (status, kind, message) = match self {
            AwsError::MissingAuthenticationToken => {
                (StatusCode::FORBIDDEN, "MissingAuthenticationTokenException", "Missing Authentication Token")
            }
            AwsError::UnknownOperation => (StatusCode::BAD_REQUEST, "UnknownOperationException", "Unknown operation"),
            AwsError::Serialization => (StatusCode::BAD_REQUEST, "SerializationException", "Malformed request body"),
            AwsError::InvalidToken => {
                (StatusCode::BAD_REQUEST, "InvalidTokenException", "Registration token is invalid")
            }
            AwsError::ExpiredToken => {
                (StatusCode::BAD_REQUEST, "ExpiredTokenException", "Registration token has expired")
            }
            AwsError::Throttling => (StatusCode::BAD_REQUEST, "ThrottlingException", "Rate exceeded"),
            AwsError::InternalServiceError => {
                (StatusCode::INTERNAL_SERVER_ERROR, "InternalServiceErrorException", "Internal service error")
            }
            AwsError::Validation(message) => (StatusCode::BAD_REQUEST, "ValidationException", message),
            AwsError::TimestampOutOfBounds => (
                StatusCode::BAD_REQUEST,
                "TimestampOutOfBoundsException",
                "Usage records must be at most 6 hours old and not in the future",
            ),
            AwsError::InvalidUsageDimension => {
                (StatusCode::BAD_REQUEST, "InvalidUsageDimensionException", "The usage dimension is not in the listing")
            }
            AwsError::InvalidProductCode => {
                (StatusCode::BAD_REQUEST, "InvalidProductCodeException", "The product code is not valid")
            }
            AwsError::InvalidTag => (StatusCode::BAD_REQUEST, "InvalidTagException", "At most 5 tags per allocation"),
            AwsError::InvalidUsageAllocations => (
                StatusCode::BAD_REQUEST,
                "InvalidUsageAllocationsException",
                "The allocated quantities must add up to the record's Quantity",
            ),
            AwsError::InvalidCustomerIdentifier => {
                (StatusCode::BAD_REQUEST, "InvalidCustomerIdentifierException", "The CustomerIdentifier is not valid")
            }
            AwsError::DisabledApi => {
                (StatusCode::BAD_REQUEST, "DisabledApiException", "The API is disabled in the Region")
            }
            AwsError::InvalidParameter(message) => (StatusCode::BAD_REQUEST, "InvalidParameterException", message),
            AwsError::InvalidLicense => (
                StatusCode::BAD_REQUEST,
                "InvalidLicenseException",
                "Ensure the LicenseArn is valid and matches the customer",
            ),
        };
        let body = json!({ "__type": kind, "message": message }).to_string();
        (
            status,
            [
                (header::CONTENT_TYPE, "application/x-amz-json-1.1"),
                (header::HeaderName::from_static("x-amzn-errortype"), kind),
            ],
            body,
        )
            .into_response()
    }
}

#[derive(Debug, Deserialize)]
struct ResolveCustomerRequest {
    #[serde(rename = "RegistrationToken")]
    registration_token: Option<String>,
}

async fn aws_json(State(sim): State<Simulator>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let signed = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 Credential="));
    if !signed {
        return AwsError::MissingAuthenticationToken.into_response();
    }
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
    match sim.take_fault(&operation) {
        Some(FaultKind::Throttle) => return AwsError::Throttling.into_response(),
        Some(FaultKind::Internal) => return AwsError::InternalServiceError.into_response(),
        Some(FaultKind::Disabled) => return AwsError::DisabledApi.into_response(),
        // Slow: the request is processed at once, its answer comes late (a caller that gives up meanwhile has
        // still been heard, as with real AWS).
        Some(FaultKind::Slow(delay)) => {
            let response = answer(&sim, &target, &body);
            tokio::time::sleep(delay).await;
            return response;
        }
        // Lost: processed, then answered with a 500 (the caller cannot know it was heard).
        Some(FaultKind::Lost) => {
            let _heard = answer(&sim, &target, &body);
            return AwsError::InternalServiceError.into_response();
        }
        Some(FaultKind::Unprocessed) if operation == "BatchMeterUsage" => {
            return match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(req) => json_ok(json!({ "Results": [], "UnprocessedRecords": req["UsageRecords"] })),
                Err(_) => AwsError::Serialization.into_response(),
            };
        }
        Some(FaultKind::NotSubscribed) if operation == "BatchMeterUsage" => return not_subscribed(&body),
        Some(FaultKind::Unprocessed | FaultKind::NotSubscribed) | None => {}
    }
    answer(&sim, &target, &body)
}

fn json_ok(body: serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, "application/x-amz-json-1.1")], body.to_string()).into_response()
}

fn answer(sim: &Simulator, target: &str, body: &[u8]) -> Response {
    match target {
        "AWSMPMeteringService.BatchMeterUsage" => {
            let Ok(req) = serde_json::from_slice::<BatchMeterUsageRequest>(body) else {
                return AwsError::Serialization.into_response();
            };
            match sim.batch_meter_usage(req, unix_now()) {
                Ok(out) => json_ok(out),
                Err(e) => e.into_response(),
            }
        }
        "AWSMPEntitlementService.GetEntitlements" => {
            let Ok(req) = serde_json::from_slice::<GetEntitlementsRequest>(body) else {
                return AwsError::Serialization.into_response();
            };
            match sim.get_entitlements(&req) {
                Ok(out) => json_ok(out),
                Err(e) => e.into_response(),
            }
        }
        "AWSMPMeteringService.ResolveCustomer" => {
            let Ok(req) = serde_json::from_slice::<ResolveCustomerRequest>(body) else {
                return AwsError::Serialization.into_response();
            };
            match sim.resolve(req.registration_token.as_deref().unwrap_or_default()) {
                Ok(out) => ([(header::CONTENT_TYPE, "application/x-amz-json-1.1")], out.to_string()).into_response(),
                Err(e) => e.into_response(),
            }
        }
        _ => AwsError::UnknownOperation.into_response(),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

async fn inject_fault(State(sim): State<Simulator>, body: Result<Json<FaultRequest>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    match sim.inject(&req) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(message) => bad_request(message),
    }
}

async fn clear_faults(State(sim): State<Simulator>) -> Response {
    sim.lock().faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> Simulator {
        Simulator::new(ProductCode::parse("guance-dev").expect("product"))
    }

    fn account(s: &str) -> AwsAccountId {
        AwsAccountId::parse(s).expect("account")
    }

    #[test]
    fn tokens_resolve_to_stable_identities_until_they_expire() {
        let sim = sim();
        let product = sim.default_product().clone();
        let a = sim.mint(account("123456789012"), product.clone(), Duration::from_secs(60));
        let b = sim.mint(account("123456789012"), product.clone(), Duration::from_secs(60));
        assert_ne!(a, b);
        let ra = sim.resolve(&a).expect("a");
        let rb = sim.resolve(&b).expect("b");
        assert_eq!(ra["CustomerAWSAccountId"], "123456789012");
        assert_eq!(ra["ProductCode"], "guance-dev");
        assert_eq!(ra["CustomerIdentifier"], rb["CustomerIdentifier"]);
        assert_eq!(ra["LicenseArn"], rb["LicenseArn"]);
        assert!(ra["LicenseArn"]
            .as_str()
            .is_some_and(|arn| arn.starts_with("arn:aws:license-manager::123456789012:license:l-")));

        let expired = sim.mint(account("123456789012"), product, Duration::ZERO);
        assert_eq!(sim.resolve(&expired), Err(AwsError::ExpiredToken));
        assert_eq!(sim.resolve("nonsense"), Err(AwsError::InvalidToken));
        assert_eq!(sim.resolve(""), Err(AwsError::InvalidToken));
    }
}
