//! Outbound webhooks to the vendor's own systems (issue 20).
//!
//! **Queue.** A change that publishes an event (`store::webhooks::publish`, called in the change's own
//! transaction, beside its audit entry) queues one delivery per enabled endpoint that asked for the event's
//! type, with the JSON body fixed then: `{"id", "type", "created_at", "data": {…}}`. The event `id` is the same
//! on every attempt and replay, so a receiver that keeps the ids it has seen can ignore repeats
//! (at-least-once delivery). Nothing is sent in a buyer's request: a worker on every instance claims due
//! deliveries under a lease (a conditional UPDATE: of two instances claiming one row exactly one wins) and
//! sends them.
//!
//! **Signature.** `Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(endpoint secret, "<t>.<body>")>`,
//! with `Portal-Event-Id` and `Portal-Event-Type`; the README shows how to verify it.
//!
//! **Attempts.** At most [`ATTEMPT_TIMEOUT`] each (connect and answer), redirects not followed (a 3xx is a
//! failure), at most [`CONCURRENCY`] at once per instance. A 2xx delivers. A 410 Gone disables the endpoint
//! (audited) and dead-letters the delivery. Anything else — another status, a timeout, a refused connection —
//! is retried after 30 s, doubling up to an hour, with jitter, until 24 hours after the event (or its replay);
//! then it is dead-lettered, shown in the console for **Replay**. Every outcome is audited (actor
//! `job:webhooks`).

use app::ssr::ports::StoreError;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// One attempt, connect to last byte of the answer's head, takes at most this long.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries in flight at once on one instance.
pub const CONCURRENCY: usize = 16;
/// How long retries go on after the event (or its replay).
pub const RETRY_WINDOW_SECS: i64 = 24 * 3600;
/// A claimed delivery is another instance's to take again after this long (the holder crashed).
pub const LEASE_SECS: i64 = 60;
/// Deliveries claimed at once.
pub const BATCH: i64 = 64;
/// The worker's pass interval when nothing wakes it.
const TICK: Duration = Duration::from_secs(1);
/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "portal-signature";
/// How far a signature's time may be from the receiver's clock (what the README's snippet accepts).
pub const TOLERANCE_SECS: i64 = 300;

/// The signature header's value for `body` sent at `timestamp` with `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", hex(&mac(secret, timestamp, body)))
}

fn mac(secret: &str, timestamp: i64, body: &str) -> Vec<u8> {
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return Vec::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a receiver does: true when `header` signs `body` with `secret` and its time is within
/// [`TOLERANCE_SECS`] of `now` (constant-time comparison).
pub fn verify(header: &str, secret: &str, body: &str, now: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else { return false };
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return false;
    }
    let expected = hex(&mac(secret, timestamp, body));
    signatures.iter().any(|s| subtle::ConstantTimeEq::ct_eq(s.as_bytes(), expected.as_bytes()).into())
}

/// A new endpoint's signing secret: `whsec_` and 32 bytes from the OS CSPRNG, hex.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", hex(&bytes))
}

/// A new event id: `evt_` and 16 random bytes, hex.
pub fn new_event_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("evt_{}", hex(&bytes))
}

/// The wait before attempt `attempts + 1` (after `attempts` failures): 30 s doubling, at most an hour, plus up
/// to a tenth more at random so that receivers coming back are not met by every instance at once.
pub fn backoff(attempts: i64) -> i64 {
    let base = 30i64.saturating_mul(1 << attempts.clamp(1, 20).saturating_sub(1)).min(3600);
    base + rand::random::<u32>() as i64 % (base / 10 + 1)
}

/// A delivery claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: i64,
    pub endpoint_id: i64,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
    pub attempts: i64,
    pub window_start: i64,
    pub customer_id: Option<i64>,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx.
    Delivered { status: u16 },
    /// 410 Gone: the receiver says the endpoint is no more.
    Gone,
    /// Anything else: the status if the receiver answered, and what went wrong.
    Failed { status: Option<u16>, error: String },
}

/// The queue's storage.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Claims up to `limit` due deliveries (pending, due by `now`, not leased) until `now + lease_secs`.
    async fn claim_deliveries(&self, now: i64, lease_secs: i64, limit: i64) -> Result<Vec<Claimed>, StoreError>;
    /// Records an attempt's outcome (audited): delivered; gone (endpoint disabled, delivery dead); failed
    /// (`retry_at` the next attempt, or `None`: dead-lettered).
    async fn record_attempt(
        &self,
        delivery: &Claimed,
        outcome: &Outcome,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError>;
}

/// When to try again after `delivery` failed once more at `now`: `None` when that would be past its window.
pub fn next_attempt(delivery: &Claimed, now: i64) -> Option<i64> {
    let at = now + backoff(delivery.attempts + 1);
    (at <= delivery.window_start + RETRY_WINDOW_SECS).then_some(at)
}

/// The delivery worker of one instance.
pub struct Webhooks {
    store: Arc<dyn WebhookStore>,
    http: reqwest::Client,
    wake: Arc<tokio::sync::Notify>,
}

impl Webhooks {
    pub fn new(store: Arc<dyn WebhookStore>) -> Result<Self, reqwest::Error> {
        // reqwest is built without a TLS provider of its own (https:// receivers): the process's one.
        crate::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("guance-portal-webhooks/1")
            .build()?;
        Ok(Webhooks { store, http, wake: Arc::new(tokio::sync::Notify::new()) })
    }

    /// Sends one delivery and says what became of it (never longer than [`ATTEMPT_TIMEOUT`]).
    pub async fn attempt(&self, delivery: &Claimed, now: i64) -> Outcome {
        let sent = self
            .http
            .post(&delivery.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(&delivery.secret, now, &delivery.body))
            .header("portal-event-id", &delivery.event_id)
            .header("portal-event-type", &delivery.event_type)
            .body(delivery.body.clone())
            .send();
        match tokio::time::timeout(ATTEMPT_TIMEOUT, sent).await {
            Err(_) => Outcome::Failed { status: None, error: "no answer within 10 seconds".to_owned() },
            Ok(Err(e)) if e.is_timeout() => {
                Outcome::Failed { status: None, error: "no answer within 10 seconds".to_owned() }
            }
            Ok(Err(e)) => Outcome::Failed { status: None, error: format!("not reached: {}", short(&e)) },
            Ok(Ok(res)) => {
                let status = res.status();
                if status.is_success() {
                    Outcome::Delivered { status: status.as_u16() }
                } else if status == reqwest::StatusCode::GONE {
                    Outcome::Gone
                } else if status.is_redirection() {
                    Outcome::Failed {
                        status: Some(status.as_u16()),
                        error: "redirected (redirects are not followed)".to_owned(),
                    }
                } else {
                    Outcome::Failed { status: Some(status.as_u16()), error: format!("answered {status}") }
                }
            }
        }
    }

    /// One pass: claims what is due and sends it, [`CONCURRENCY`] at a time; returns the attempts made.
    pub async fn deliver_due(&self, now: i64) -> Result<usize, StoreError> {
        use futures::StreamExt;
        let claimed = self.store.claim_deliveries(now, LEASE_SECS, BATCH).await?;
        let count = claimed.len();
        let results: Vec<Result<(), StoreError>> = futures::stream::iter(claimed)
            .map(|delivery| async move {
                let outcome = self.attempt(&delivery, now).await;
                let retry_at = match outcome {
                    Outcome::Failed { .. } => next_attempt(&delivery, app::ssr::ports::now()),
                    _ => None,
                };
                self.store.record_attempt(&delivery, &outcome, retry_at, app::ssr::ports::now()).await
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<()>, StoreError>>()?;
        Ok(count)
    }

    /// Wakes the worker (a new event, a replay).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A handle that wakes the worker.
    pub fn waker(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// The worker: a pass every second, or at once when woken; a full batch is followed by another pass.
    pub fn spawn_worker(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let webhooks = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                match webhooks.deliver_due(app::ssr::ports::now()).await {
                    Ok(n) if n as i64 >= BATCH => continue,
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "webhook deliveries could not be read"),
                }
                let _ = tokio::time::timeout(TICK, webhooks.wake.notified()).await;
            }
        })
    }
}

/// An error in a few words (reqwest's chain names the URL; the console shows the URL already).
fn short(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "the connection was refused or failed".to_owned()
    } else if e.is_request() {
        "the request could not be sent".to_owned()
    } else {
        "the answer could not be read".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_body_secret_and_time() {
        let header = signature("whsec_x", 1_000, r#"{"id":"evt_1"}"#);
        assert!(header.starts_with("t=1000,v1=") && header.len() == "t=1000,v1=".len() + 64);
        assert!(verify(&header, "whsec_x", r#"{"id":"evt_1"}"#, 1_000));
        assert!(verify(&header, "whsec_x", r#"{"id":"evt_1"}"#, 1_000 + TOLERANCE_SECS));
        assert!(!verify(&header, "whsec_x", r#"{"id":"evt_2"}"#, 1_000), "another body");
        assert!(!verify(&header, "whsec_y", r#"{"id":"evt_1"}"#, 1_000), "another secret");
        assert!(!verify(&header, "whsec_x", r#"{"id":"evt_1"}"#, 1_000 + TOLERANCE_SECS + 1), "too old");
        let moved = header.replace("t=1000", "t=1001");
        assert!(!verify(&moved, "whsec_x", r#"{"id":"evt_1"}"#, 1_001), "the time is signed too");
        assert!(!verify("v1=abc", "whsec_x", "{}", 0));
        assert!(!verify("", "whsec_x", "{}", 0));
        // The same value a receiver computes by hand (Python: hmac.new(b"k", b"1.{}", sha256).hexdigest()).
        assert_eq!(signature("k", 1, "{}"), "t=1,v1=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158");
    }

    #[test]
    fn retries_back_off_to_an_hour_and_stop_after_a_day() {
        for (attempts, base) in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (40, 3600)] {
            let wait = backoff(attempts);
            assert!(wait >= base && wait <= base + base / 10, "{attempts}: {wait}");
        }
        let delivery = |attempts, window_start| Claimed {
            id: 1,
            endpoint_id: 1,
            url: String::new(),
            secret: String::new(),
            event_id: String::new(),
            event_type: String::new(),
            body: String::new(),
            attempts,
            window_start,
            customer_id: None,
        };
        assert!(next_attempt(&delivery(0, 0), 100).is_some_and(|at| (130..=133).contains(&at)));
        assert_eq!(next_attempt(&delivery(12, 0), RETRY_WINDOW_SECS - 10), None, "past the window: dead");
        assert!(new_secret().starts_with("whsec_") && new_secret().len() == 6 + 64);
        assert_ne!(new_event_id(), new_event_id());
    }
}
