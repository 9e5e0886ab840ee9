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

#[derive(Default)]
struct State_ {
    tokens: HashMap<String, Minted>,
    /// Stable per account, as AWS's CustomerIdentifier is.
    customer_ids: HashMap<AwsAccountId, String>,
    /// Stable per account and product, as an agreement's license is.
    licenses: HashMap<(AwsAccountId, ProductCode), String>,
}

/// The simulator's in-memory state. Dev-only: it is never shared between instances.
#[derive(Clone)]
pub struct Simulator {
    state: Arc<Mutex<State_>>,
    default_product: ProductCode,
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
        Self { state: Arc::default(), default_product }
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

/// The simulator's routes: `/_sim/aws/tokens` and the AWS endpoint `/_sim/aws/`.
pub fn routes<S>(sim: Simulator) -> Router<S> {
    Router::new()
        .route("/_sim/aws/tokens", post(mint_token))
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
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    match target {
        "AWSMPMeteringService.ResolveCustomer" => {
            let Ok(req) = serde_json::from_slice::<ResolveCustomerRequest>(&body) else {
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
