//! The AWS Marketplace simulator (dev mode only): mints registration tokens and answers the Marketplace APIs
//! in AWS JSON 1.1 with AWS's documented shapes and error types, so the portal can reach it through the real
//! SDK. Requests must carry a SigV4 `Authorization` header (any credentials), as real AWS requires.

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
    /// `BatchMeterUsage`, `ResolveCustomer` or `GetEntitlements`.
    pub operation: String,
    /// `throttle` (400 ThrottlingException), `internal` (500 InternalServiceErrorException), `slow` (processed at
    /// once, answered after `delay_ms`), `lost` (processed, then answered with a 500), `disabled` (400
    /// DisabledApiException), `unprocessed` (every record comes back in UnprocessedRecords).
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
        Self { state: Arc::default(), default_product, delivery: Delivery::default(), http: reqwest::Client::new() }
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
        let license = format!("arn:aws:license-manager::{account}:license:l-{}", random_hex(16));
        self.lock().licenses.insert((account.clone(), product.clone()), license);
    }

    fn resolve(&self, token: &str) -> Result<serde_json::Value, AwsError> {
        let mut state = self.lock();
        let minted = state.tokens.get(token).cloned().ok_or(AwsError::InvalidToken)?;
        if Instant::now() >= minted.expires_at {
            return Err(AwsError::ExpiredToken);
        }
        let customer = state.customer_ids.entry(minted.account.clone()).or_insert_with(|| random_string(9)).clone();
        let license = state
            .licenses
            .entry((minted.account.clone(), minted.product.clone()))
            .or_insert_with(|| format!("arn:aws:license-manager::{}:license:l-{}", minted.account, random_hex(16)))
            .clone();
        Ok(json!({
            "CustomerIdentifier": customer,
            "CustomerAWSAccountId": minted.account.as_str(),
            "ProductCode": minted.product.as_str(),
            "LicenseArn": license,
        }))
    }
}

/// The simulator's routes: `/_sim/aws/tokens`, the AWS endpoint `/_sim/aws/`, and the control routes
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
        Some(FaultKind::Unprocessed) | None => {}
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

#[derive(Debug, Deserialize)]
struct BatchMeterUsageRequest {
    #[serde(rename = "ProductCode")]
    product_code: Option<String>,
    #[serde(rename = "UsageRecords")]
    usage_records: Option<Vec<UsageRecordIn>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct UsageRecordIn {
    #[serde(rename = "Timestamp")]
    timestamp: f64,
    #[serde(rename = "CustomerIdentifier", default, skip_serializing_if = "Option::is_none")]
    customer_identifier: Option<String>,
    #[serde(rename = "CustomerAWSAccountId", default, skip_serializing_if = "Option::is_none")]
    customer_aws_account_id: Option<String>,
    #[serde(rename = "LicenseArn", default, skip_serializing_if = "Option::is_none")]
    license_arn: Option<String>,
    #[serde(rename = "Dimension")]
    dimension: String,
    #[serde(rename = "Quantity", default, skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
    #[serde(rename = "UsageAllocations", default, skip_serializing_if = "Option::is_none")]
    usage_allocations: Option<Vec<serde_json::Value>>,
}

impl Simulator {
    fn take_fault(&self, operation: &str) -> Option<FaultKind> {
        let mut state = self.lock();
        let at = state.faults.iter().position(|(op, _)| op == operation)?;
        Some(state.faults.remove(at).1)
    }

    /// Queues a fault for the next `times` calls of an operation.
    pub fn inject(&self, req: &FaultRequest) -> Result<(), String> {
        let kind = match req.kind.as_str() {
            "throttle" => FaultKind::Throttle,
            "internal" => FaultKind::Internal,
            "slow" => FaultKind::Slow(Duration::from_millis(req.delay_ms.unwrap_or(1000).min(60_000))),
            "unprocessed" => FaultKind::Unprocessed,
            "lost" => FaultKind::Lost,
            "disabled" => FaultKind::Disabled,
            other => {
                return Err(format!(
                    "unknown fault kind {other:?}: throttle, internal, slow, lost, disabled or unprocessed"
                ))
            }
        };
        if !["BatchMeterUsage", "ResolveCustomer", "GetEntitlements"].contains(&req.operation.as_str()) {
            return Err("operation must be BatchMeterUsage, ResolveCustomer or GetEntitlements".to_owned());
        }
        let mut state = self.lock();
        for _ in 0..req.times.unwrap_or(1).min(1000) {
            state.faults.push((req.operation.clone(), kind));
        }
        Ok(())
    }

    /// What BatchMeterUsage answered so far, in order.
    pub fn received(&self) -> Vec<ReceivedRecord> {
        self.lock().received.clone()
    }

    /// BatchMeterUsage as AWS documents it: 1 to 25 records; the whole batch is refused when a timestamp is
    /// more than 6 hours old or in the future, a dimension is not the listing's, or a record names its
    /// customer neither by account + license nor by CustomerIdentifier + ProductCode; an unknown customer
    /// is `CustomerNotSubscribed`; the same customer, dimension and hour with another quantity is
    /// `DuplicateRecord`; an identical record gets the identical answer.
    fn batch_meter_usage(&self, req: BatchMeterUsageRequest, now: i64) -> Result<serde_json::Value, AwsError> {
        let records = req.usage_records.unwrap_or_default();
        if records.is_empty() || records.len() > crate::metering::BATCH_SIZE {
            return Err(AwsError::Validation("UsageRecords must hold 1 to 25 records"));
        }
        let product = match req.product_code.as_deref() {
            Some(code) => Some(ProductCode::parse(code).map_err(|_| AwsError::InvalidProductCode)?),
            None => None,
        };
        for r in &records {
            let ts = r.timestamp as i64;
            if ts < now - crate::metering::WINDOW_SECS || ts > now + 300 {
                return Err(AwsError::TimestampOutOfBounds);
            }
            if !crate::metering::DIMENSIONS.contains(&r.dimension.as_str()) {
                return Err(AwsError::InvalidUsageDimension);
            }
            if !(0..=i64::from(i32::MAX)).contains(&r.quantity.unwrap_or(0)) {
                return Err(AwsError::Validation("Quantity must be between 0 and 2147483647"));
            }
            if let Some(allocations) = &r.usage_allocations {
                if allocations.iter().any(|a| a["Tags"].as_array().is_some_and(|tags| tags.len() > 5)) {
                    return Err(AwsError::InvalidTag);
                }
                let allocated: i64 = allocations.iter().filter_map(|a| a["AllocatedUsageQuantity"].as_i64()).sum();
                if allocations.is_empty() || allocated != r.quantity.unwrap_or(0) {
                    return Err(AwsError::InvalidUsageAllocations);
                }
            }
            // AWS issues CustomerIdentifiers of letters and digits; anything else was never one of its.
            if let Some(id) = r.customer_identifier.as_deref().filter(|id| !id.is_empty()) {
                if id.len() > 255 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    return Err(AwsError::InvalidCustomerIdentifier);
                }
            }
        }
        let mut state = self.lock();
        let mut results = Vec::new();
        for r in records {
            let by_account = r.customer_aws_account_id.as_deref().filter(|id| !id.is_empty());
            let by_identifier = r.customer_identifier.as_deref().filter(|id| !id.is_empty());
            let (customer, subscribed) =
                match (by_account, by_identifier, &product) {
                    (Some(account), None, _) => {
                        let license = r.license_arn.as_deref().ok_or(AwsError::InvalidLicense)?;
                        let known = state.licenses.iter().any(|((a, p), l)| {
                            a.as_str() == account
                                && crate::lifecycle::license_id(l) == crate::lifecycle::license_id(license)
                                && product.as_ref().is_none_or(|code| code == p)
                        });
                        (account.to_owned(), known)
                    }
                    (None, Some(identifier), Some(code)) => {
                        let known = state.customer_ids.iter().any(|(account, id)| {
                            id == identifier && state.licenses.contains_key(&(account.clone(), code.clone()))
                        });
                        (identifier.to_owned(), known)
                    }
                    _ => return Err(AwsError::Validation(
                        "Name the customer by CustomerAWSAccountId + LicenseArn or by CustomerIdentifier + ProductCode",
                    )),
                };
            let quantity = r.quantity.unwrap_or(0);
            let hour = r.timestamp as i64;
            // An account's usage is metered per license (agreement); a legacy customer's per identifier.
            let metered_as = match &r.license_arn {
                Some(license) if by_account.is_some() => {
                    format!("{customer}/{}", crate::lifecycle::license_id(license))
                }
                _ => customer.clone(),
            };
            let key = (metered_as, r.dimension.clone(), hour);
            let (status, record_id) = if !subscribed {
                ("CustomerNotSubscribed", None)
            } else {
                match state.metered.get(&key) {
                    Some((q, id)) if *q == quantity => ("Success", Some(id.clone())),
                    Some(_) => ("DuplicateRecord", None),
                    None => {
                        let id = format!("mr-{}", random_hex(12));
                        state.metered.insert(key, (quantity, id.clone()));
                        ("Success", Some(id))
                    }
                }
            };
            state.received.push(ReceivedRecord {
                customer,
                license_arn: r.license_arn.clone().filter(|_| by_account.is_some()),
                dimension: r.dimension.clone(),
                timestamp: hour,
                quantity,
                status: status.to_owned(),
                metering_record_id: record_id.clone(),
            });
            let mut result = json!({ "UsageRecord": r, "Status": status });
            if let Some(id) = record_id {
                result["MeteringRecordId"] = json!(id);
            }
            results.push(result);
        }
        Ok(json!({ "Results": results, "UnprocessedRecords": [] }))
    }
}

#[derive(Debug, Deserialize)]
struct GetEntitlementsRequest {
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
    fn get_entitlements(&self, req: &GetEntitlementsRequest) -> Result<serde_json::Value, AwsError> {
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

async fn set_entitlements(
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

async fn list_metering(State(sim): State<Simulator>) -> Response {
    Json(json!({ "records": sim.received() })).into_response()
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

/// `POST /_sim/aws/sns/send`: what AWS Marketplace's SNS topics publish about a subscription.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnsSendRequest {
    pub aws_account_id: String,
    /// `subscribe-success`, `subscribe-fail`, `unsubscribe-pending`, `unsubscribe-success` or
    /// `entitlement-updated`.
    pub action: String,
    pub product_code: Option<String>,
    /// Another portal URL to deliver to (default: this portal's).
    pub deliver_to: Option<String>,
}

/// `POST /_sim/aws/eventbridge/send`: an EventBridge event for the listing's seller.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBridgeSendRequest {
    pub aws_account_id: String,
    /// e.g. `License Deprovisioned - Manufacturer`.
    pub detail_type: String,
    pub deliver_to: Option<String>,
}

fn rfc3339_now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

impl Simulator {
    fn sign(&self, mut message: crate::sns::SnsMessage) -> Result<crate::sns::SnsMessage, String> {
        message.signature =
            crate::sns::sign_v2(&message, crate::sns::SIMULATOR_KEY_PKCS8).map_err(|e| e.to_string())?;
        Ok(message)
    }

    fn sns_json(message: &crate::sns::SnsMessage) -> serde_json::Value {
        let mut out = json!({
            "Type": message.kind, "MessageId": message.message_id, "TopicArn": message.topic_arn,
            "Message": message.message, "Timestamp": message.timestamp,
            "SignatureVersion": message.signature_version, "Signature": message.signature,
            "SigningCertURL": message.signing_cert_url,
        });
        if let Some(url) = &message.subscribe_url {
            out["SubscribeURL"] = json!(url);
        }
        if let Some(token) = &message.token {
            out["Token"] = json!(token);
        }
        out
    }

    /// POSTs `body` to the portal; returns (status, the portal's answer).
    async fn deliver(&self, url: &str, headers: &[(&str, String)], body: String) -> serde_json::Value {
        let mut request = self.http.post(url).header("content-type", "text/plain; charset=UTF-8").body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let answer = response.json::<serde_json::Value>().await.unwrap_or(serde_json::Value::Null);
                json!({ "status": status, "answer": answer })
            }
            Err(e) => json!({ "status": 0, "answer": e.to_string() }),
        }
    }

    fn topic(&self, product: &ProductCode, entitlement: bool) -> String {
        let kind = if entitlement { "entitlement" } else { "subscription" };
        format!("arn:aws:sns:us-east-1:287250355862:aws-mp-{kind}-notification-{}", product.as_str())
    }

    /// Publishes a subscription notification as AWS Marketplace's SNS topic would, signed (version 2).
    pub async fn send_sns(&self, req: SnsSendRequest) -> Result<serde_json::Value, String> {
        let account =
            AwsAccountId::parse(&req.aws_account_id).map_err(|e| describe_in(Locale::en, "aws_account_id", e))?;
        let product = match req.product_code.as_deref() {
            Some(code) => ProductCode::parse(code).map_err(|e| describe_in(Locale::en, "product_code", e))?,
            None => self.default_product.clone(),
        };
        let known = [
            "subscribe-success",
            "subscribe-fail",
            "unsubscribe-pending",
            "unsubscribe-success",
            "entitlement-updated",
        ];
        if !known.contains(&req.action.as_str()) {
            return Err(format!("action must be one of {}", known.join(", ")));
        }
        let customer = self.lock().customer_ids.entry(account.clone()).or_insert_with(|| random_string(9)).clone();
        let mut body =
            json!({ "action": req.action, "customer-identifier": customer, "product-code": product.as_str() });
        if req.action.starts_with("subscribe") {
            body["isFreeTrialTermPresent"] = json!("false");
        }
        let message = self.sign(crate::sns::SnsMessage {
            kind: "Notification".into(),
            message_id: format!(
                "{}-{}-{}-{}-{}",
                random_hex(4),
                random_hex(2),
                random_hex(2),
                random_hex(2),
                random_hex(6)
            ),
            topic_arn: self.topic(&product, req.action == "entitlement-updated"),
            subject: None,
            message: body.to_string(),
            timestamp: rfc3339_now(),
            signature_version: "2".into(),
            signature: String::new(),
            signing_cert_url: format!("{}sns/cert.pem", self.delivery.own),
            subscribe_url: None,
            token: None,
        })?;
        let url = req.deliver_to.unwrap_or_else(|| format!("{}/marketplace/aws/sns", self.delivery.portal));
        let sent = Self::sns_json(&message);
        let headers = [
            ("x-amz-sns-message-type", "Notification".to_owned()),
            ("x-amz-sns-message-id", message.message_id.clone()),
        ];
        let delivered = self.deliver(&url, &headers, sent.to_string()).await;
        Ok(json!({ "delivered": delivered, "message": sent }))
    }

    /// Sends a SubscriptionConfirmation; the portal confirms by visiting its SubscribeURL.
    pub async fn send_subscription_confirmation(
        &self,
        deliver_to: Option<String>,
    ) -> Result<serde_json::Value, String> {
        let token = random_hex(32);
        let message = self.sign(crate::sns::SnsMessage {
            kind: "SubscriptionConfirmation".into(),
            message_id: random_hex(16),
            topic_arn: self.topic(&self.default_product, false),
            subject: None,
            message: "You have chosen to subscribe to the topic. To confirm the subscription, visit the SubscribeURL included in this message.".into(),
            timestamp: rfc3339_now(),
            signature_version: "2".into(),
            signature: String::new(),
            signing_cert_url: format!("{}sns/cert.pem", self.delivery.own),
            subscribe_url: Some(format!("{}sns/confirm?Token={token}", self.delivery.own)),
            token: Some(token.clone()),
        })?;
        let url = deliver_to.unwrap_or_else(|| format!("{}/marketplace/aws/sns", self.delivery.portal));
        let headers = [("x-amz-sns-message-type", "SubscriptionConfirmation".to_owned())];
        let delivered = self.deliver(&url, &headers, Self::sns_json(&message).to_string()).await;
        let confirmed = self.lock().confirmed.contains(&token);
        Ok(json!({ "delivered": delivered, "confirmed": confirmed }))
    }

    /// An EventBridge event (`aws.agreement-marketplace`) delivered through an API destination.
    pub async fn send_eventbridge(&self, req: EventBridgeSendRequest) -> Result<serde_json::Value, String> {
        let account =
            AwsAccountId::parse(&req.aws_account_id).map_err(|e| describe_in(Locale::en, "aws_account_id", e))?;
        let product = self.default_product.clone();
        let license = self
            .lock()
            .licenses
            .entry((account.clone(), product.clone()))
            .or_insert_with(|| format!("arn:aws:license-manager::{account}:license:l-{}", random_hex(16)))
            .clone();
        // EventBridge's own examples write the license ARN differently from ResolveCustomer.
        let event_license =
            format!("aws:license-manager:us-east-1:{account}:{}", crate::lifecycle::license_id(&license));
        let event = json!({
            "version": "0",
            "id": format!("{}-{}-{}-{}-{}", random_hex(4), random_hex(2), random_hex(2), random_hex(2), random_hex(6)),
            "detail-type": req.detail_type,
            "source": "aws.agreement-marketplace",
            "account": "287250355862",
            "time": rfc3339_now(),
            "region": "us-east-1",
            "resources": [format!("arn:aws:aws-marketplace::aws:agreement:agmt-{}", random_hex(8))],
            "detail": {
                "requestId": random_hex(16),
                "catalog": "AWSMarketplace",
                "agreement": { "id": format!("agmt-{}", random_hex(8)) },
                "product": { "code": product.as_str(), "id": format!("prod-{}", random_hex(6)) },
                "license": { "arn": event_license },
                "acceptor": { "accountId": account.as_str() },
                "proposer": { "accountId": "287250355862" },
                "offer": { "id": format!("offer-{}", random_hex(8)) },
            },
        });
        let url = req.deliver_to.unwrap_or_else(|| format!("{}/marketplace/aws/eventbridge", self.delivery.portal));
        let headers: Vec<(&str, String)> =
            self.delivery.eventbridge_key.iter().map(|key| ("x-api-key", key.clone())).collect();
        let delivered = self.deliver(&url, &headers, event.to_string()).await;
        Ok(json!({ "delivered": delivered, "event": event }))
    }
}

async fn sns_certificate() -> Response {
    ([(header::CONTENT_TYPE, "application/x-pem-file")], crate::sns::SIMULATOR_CERT_PEM).into_response()
}

async fn sns_send(State(sim): State<Simulator>, body: Result<Json<SnsSendRequest>, JsonRejection>) -> Response {
    let Json(req) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    match sim.send_sns(req).await {
        Ok(out) => Json(out).into_response(),
        Err(message) => bad_request(message),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SubscribeRequest {
    deliver_to: Option<String>,
}

async fn sns_subscribe(State(sim): State<Simulator>, body: Option<Json<SubscribeRequest>>) -> Response {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    match sim.send_subscription_confirmation(req.deliver_to).await {
        Ok(out) => Json(out).into_response(),
        Err(message) => bad_request(message),
    }
}

async fn sns_confirm(
    State(sim): State<Simulator>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let Some(token) = q.get("Token") else {
        return bad_request("Token is required".into());
    };
    sim.lock().confirmed.push(token.clone());
    (
        [(header::CONTENT_TYPE, "text/xml")],
        "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>confirmed</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>",
    )
        .into_response()
}

async fn eventbridge_send(
    State(sim): State<Simulator>,
    body: Result<Json<EventBridgeSendRequest>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    match sim.send_eventbridge(req).await {
        Ok(out) => Json(out).into_response(),
        Err(message) => bad_request(message),
    }
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
