//! AWS Marketplace's subscription events over HTTP:
//! - `POST /marketplace/aws/sns`: SNS notifications, signature-verified ([`crate::sns`]); subscription
//!   confirmations are confirmed; duplicates are recognised by `MessageId`.
//! - `POST /marketplace/aws/eventbridge`: EventBridge API-destination deliveries, authenticated by the
//!   `x-api-key` header (`PORTAL_EVENTBRIDGE_API_KEY`).
//!
//! Either way the event is kept once and applied ([`crate::lifecycle`]); its effects — the final usage sent
//! when a cancellation is pending, the entitlements read again when they changed — run after the answer, so
//! AWS gets its 200 at once.

use crate::entitlements::refresh;
use crate::internal::MeteringState;
use crate::lifecycle::{license_id, Action, LifecycleStore, MarketplaceEvent, Recorded};
use crate::metering::{Backoff, MeteringStore};
use crate::sns::{SnsClient, SnsError, SnsMessage};
use app::ssr::ports::now;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;
use subtle::ConstantTimeEq;

#[derive(Clone)]
pub struct EventsState {
    pub metering: MeteringState,
    pub sns: SnsClient,
    /// `None`: the EventBridge endpoint is not configured (404).
    pub eventbridge_key: Option<Arc<Vec<u8>>>,
    /// The listing's product code: events for other products are ignored (EventBridge) or refused (SNS).
    pub product_code: String,
    /// The SNS topics whose messages are accepted (the listing's own; see [`crate::config`]).
    pub sns_topics: Arc<Vec<String>>,
}

fn answer(status: StatusCode, outcome: &str) -> Response {
    (status, Json(json!({ "outcome": outcome }))).into_response()
}

/// `POST /marketplace/aws/sns`.
pub async fn sns(State(state): State<EventsState>, headers: HeaderMap, body: Bytes) -> Response {
    let message = match SnsMessage::parse(&body) {
        Ok(message) => message,
        Err(e) => return answer(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let header_type = headers.get("x-amz-sns-message-type").and_then(|v| v.to_str().ok());
    if header_type.is_some_and(|t| t != message.kind) {
        return answer(StatusCode::BAD_REQUEST, "x-amz-sns-message-type does not match Type");
    }
    // Anyone can create an SNS topic, subscribe this URL and publish validly signed messages: only the
    // listing's own topics count, checked before anything is fetched, confirmed or stored.
    if !state.sns_topics.contains(&message.topic_arn) {
        tracing::warn!(target: "security", event = "sns_refused", topic = %message.topic_arn, message_id = %message.message_id, detail = "a foreign topic");
        metrics::counter!("portal_security_refusals_total", "kind" => "sns_topic").increment(1);
        return answer(StatusCode::FORBIDDEN, "not a topic of this listing");
    }
    let pem = match state.sns.certificate(&message.signing_cert_url).await {
        Ok(pem) => pem,
        Err(e @ SnsError::CertificateUrl(_)) => return answer(StatusCode::FORBIDDEN, &e.to_string()),
        // SNS retries: the certificate may be reachable then.
        Err(e) => {
            tracing::warn!(error = %e, "SNS signing certificate unavailable");
            return answer(StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
        }
    };
    if let Err(e) = message.verify(&pem, now()) {
        tracing::warn!(target: "security", event = "sns_refused", error = %e, message_id = %message.message_id, detail = "signature");
        let status = if matches!(e, SnsError::Malformed(_)) { StatusCode::BAD_REQUEST } else { StatusCode::FORBIDDEN };
        return answer(status, &e.to_string());
    }
    match message.kind.as_str() {
        "SubscriptionConfirmation" => {
            let url = message.subscribe_url.as_deref().unwrap_or_default();
            match state.sns.confirm(url).await {
                Ok(()) => {
                    tracing::info!(topic = %message.topic_arn, "SNS subscription confirmed");
                    answer(StatusCode::OK, "confirmed")
                }
                Err(e) => answer(StatusCode::BAD_GATEWAY, &e.to_string()),
            }
        }
        "UnsubscribeConfirmation" => answer(StatusCode::OK, "unsubscribed"),
        _ => {
            let Ok(body) = serde_json::from_str::<Value>(&message.message) else {
                return answer(StatusCode::BAD_REQUEST, "Message is not JSON");
            };
            let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
            if text("product-code").as_deref() != Some(state.product_code.as_str()) {
                tracing::warn!(target: "security", event = "sns_refused", message_id = %message.message_id, detail = "another product");
                metrics::counter!("portal_security_refusals_total", "kind" => "sns_product").increment(1);
                return answer(StatusCode::FORBIDDEN, "product-code is not this listing's");
            }
            let Some(action) = text("action").as_deref().and_then(Action::from_sns) else {
                tracing::info!(message = %message.message, "SNS action ignored");
                return answer(StatusCode::OK, "ignored");
            };
            let event = MarketplaceEvent {
                source: "sns",
                source_id: message.message_id.clone(),
                action,
                aws_account_id: text("customer-aws-account-id"),
                customer_identifier: text("customer-identifier"),
                license_id: text("licenseArn").as_deref().map(|arn| license_id(arn).to_owned()),
                product_code: text("product-code"),
                occurred_at: message.timestamp_secs().unwrap_or_else(|_| now()),
            };
            handle(&state, event).await
        }
    }
}

/// `POST /marketplace/aws/eventbridge`.
pub async fn eventbridge(State(state): State<EventsState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(key) = &state.eventbridge_key else {
        return answer(StatusCode::NOT_FOUND, "EventBridge delivery is not configured");
    };
    let presented = headers.get("x-api-key").map(|v| v.as_bytes()).unwrap_or_default();
    if !bool::from(presented.ct_eq(key.as_slice())) {
        tracing::warn!(target: "security", event = "eventbridge_refused", detail = "no valid x-api-key");
        return answer(StatusCode::UNAUTHORIZED, "a valid x-api-key is required");
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return answer(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    if text("/source").as_deref() != Some("aws.agreement-marketplace") {
        return answer(StatusCode::BAD_REQUEST, "source must be aws.agreement-marketplace");
    }
    let (Some(id), Some(detail_type)) = (text("/id"), text("/detail-type")) else {
        return answer(StatusCode::BAD_REQUEST, "id and detail-type are required");
    };
    let Some(action) = Action::from_detail_type(&detail_type) else {
        return answer(StatusCode::OK, "ignored");
    };
    let occurred_at = text("/time")
        .and_then(|t| time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok())
        .map_or_else(now, |t| t.unix_timestamp());
    let marketplace_event = MarketplaceEvent {
        source: "eventbridge",
        source_id: id,
        action,
        aws_account_id: text("/detail/acceptor/accountId"),
        customer_identifier: None,
        license_id: text("/detail/license/arn").as_deref().map(|arn| license_id(arn).to_owned()),
        product_code: text("/detail/product/code"),
        occurred_at,
    };
    if marketplace_event.aws_account_id.is_none() {
        return answer(StatusCode::BAD_REQUEST, "detail.acceptor.accountId is required");
    }
    handle(&state, marketplace_event).await
}

async fn handle(state: &EventsState, event: MarketplaceEvent) -> Response {
    if event.product_code.as_deref().is_some_and(|p| p != state.product_code) {
        return answer(StatusCode::OK, "another product");
    }
    let store = state.metering.store.clone();
    let recorded = match LifecycleStore::record_event(store.as_ref(), &event, now()).await {
        Ok(recorded) => recorded,
        Err(e) => {
            tracing::error!(error = %e, "event not stored");
            // AWS delivers again.
            return answer(StatusCode::SERVICE_UNAVAILABLE, "not stored; deliver again");
        }
    };
    metrics::counter!("portal_marketplace_events_total", "action" => event.action.as_str()).increment(1);
    match recorded {
        Recorded::Replay => answer(StatusCode::OK, "duplicate"),
        Recorded::Waiting => answer(StatusCode::OK, "kept until the customer registers"),
        Recorded::Dropped => {
            tracing::warn!(action = event.action.as_str(), "event for an unknown customer not kept: too many waiting");
            answer(StatusCode::OK, "not kept: too many events wait for unknown customers")
        }
        Recorded::Applied { customer_id, aws_account_id, product_code, moved } => {
            tracing::info!(%aws_account_id, action = event.action.as_str(), ?moved, "subscription event applied");
            effects(state, event.action, customer_id, aws_account_id, product_code);
            answer(StatusCode::OK, "applied")
        }
    }
}

/// What an applied event sets off, after AWS has its answer.
pub fn effects(state: &EventsState, action: Action, customer_id: i64, aws_account_id: String, product_code: String) {
    let metering = state.metering.clone();
    match action {
        Action::UnsubscribePending => {
            tokio::spawn(async move {
                let store: &dyn MeteringStore = metering.store.as_ref();
                match store.freeze_customer(customer_id, now()).await {
                    Ok(records) => tracing::info!(%aws_account_id, records, "final usage frozen"),
                    Err(e) => tracing::error!(error = %e, "final usage not frozen"),
                }
                if let Err(e) = metering.run(Backoff::default()).await {
                    tracing::error!(error = %e, "final usage not sent");
                }
            });
        }
        Action::EntitlementChanged | Action::Subscribed => {
            tokio::spawn(async move {
                let store = metering.store.as_ref();
                if let Err(e) =
                    refresh(store, &metering.marketplace, customer_id, &aws_account_id, &product_code, now()).await
                {
                    tracing::warn!(error = %e, %aws_account_id, "entitlements not read after an event");
                }
            });
        }
        Action::SubscribeFailed | Action::Unsubscribed => {}
    }
}
