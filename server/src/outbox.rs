//! Durable mail: every mail the portal sends goes through the outbox. The request that wants a mail stores it
//! (sealed with AES-256-GCM under a key derived from `PORTAL_SECRET_KEY`, so the database never holds a
//! readable code) and returns; the delivery worker sends it through the transport (SMTP, or the dev mailbox)
//! after the response, retries while the mail service is down — every [`RETRY_SECS`] at first, at most every
//! [`MAX_RETRY_SECS`] — and gives up when the mail is worth nothing any more (a code mail when its code
//! expires, a notice after [`NOTICE_DAYS`] days). Rows are claimed under a lease, so instances sharing a
//! database never send one row twice at once; a worker killed mid-send leaves its row to be retried when the
//! lease runs out (a mail may then arrive twice; none is lost).
//!
//! While mail waits for a mail service that failed, [`Mailer::failing`] says so and no new code is made: the
//! buyer is told, and no code or send is used up.

use app::ssr::ports::{now, MailError, Mailer, OutgoingMail, StoreError};
use async_trait::async_trait;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The first retry's delay; each failure doubles it, up to [`MAX_RETRY_SECS`].
pub const RETRY_SECS: i64 = 5;
pub const MAX_RETRY_SECS: i64 = 60;
/// How long a notice (not a code) is retried.
pub const NOTICE_DAYS: i64 = 3;
/// How long one worker holds a claimed row (longer than one SMTP exchange may take: see [`SEND_TIMEOUT`]).
pub const LEASE_SECS: i64 = 60;
/// One delivery attempt's limit.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// Rows claimed at a time.
const BATCH: i64 = 20;
/// How often the worker looks for due mail without being woken.
const TICK: Duration = Duration::from_secs(2);

/// How the error of a row whose mail service was down begins (a deferred message's does not).
pub const DOWN: &str = "down: ";

/// One claimed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: i64,
    /// `None`: a stand-in that goes nowhere.
    pub sealed: Option<Vec<u8>>,
    pub attempts: i64,
}

/// The outbox's storage.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues a mail (`None`: a stand-in) that `origin` (an instance) wants sent.
    async fn enqueue_mail(
        &self,
        origin: &str,
        sealed: Option<&[u8]>,
        now: i64,
        not_after: i64,
    ) -> Result<(), StoreError>;
    /// Leases up to `limit` rows due at `now` (not leased, or their lease ran out) for `lease_secs`; only those
    /// `only_origin` queued when given.
    async fn claim_due_mail(
        &self,
        now: i64,
        lease_secs: i64,
        limit: i64,
        only_origin: Option<&str>,
    ) -> Result<Vec<QueuedMail>, StoreError>;
    /// Delivered (or never deliverable): the row is deleted.
    async fn mail_done(&self, id: i64) -> Result<(), StoreError>;
    /// One more failed attempt; the lease is released and the next attempt is due at `next_attempt_at`.
    async fn mail_failed(&self, id: i64, next_attempt_at: i64, error: &str) -> Result<(), StoreError>;
    /// Forgets mail past its `not_after`; returns how many.
    async fn drop_stale_mail(&self, now: i64) -> Result<u64, StoreError>;
    /// Whether a real mail (not a stand-in) still worth sending found the mail service down at its last attempt
    /// (its error begins with [`DOWN`]); a message the service merely deferred does not count.
    async fn mail_failing(&self, now: i64) -> Result<bool, StoreError>;
    /// Rows in the outbox.
    async fn queued_mail(&self) -> Result<i64, StoreError>;
}

#[derive(Serialize, Deserialize)]
struct Plain {
    to: String,
    subject: String,
    text: String,
}

/// What one pass of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub delivered: u64,
    pub failed: u64,
    pub refused: u64,
    pub stale: u64,
}

pub struct Outbox {
    store: Arc<dyn OutboxStore>,
    transport: Arc<dyn Mailer>,
    key: LessSafeKey,
    wake: Notify,
    /// One delivery pass at a time in this process: a pass that finds a row leased by the worker's pass in
    /// flight waits for it, so the dev mailbox never lists while this instance is still handing a mail over.
    pass: tokio::sync::Mutex<()>,
    /// This instance's name in the rows it queues.
    origin: String,
    /// The transport is this process's own (the dev mailbox): deliver only what this instance queued.
    local_transport: bool,
}

fn store_error(e: StoreError) -> MailError {
    MailError::Unavailable(e.to_string())
}

impl Outbox {
    /// `secret` is `PORTAL_SECRET_KEY`; the sealing key is derived from it for this purpose only.
    pub fn new(store: Arc<dyn OutboxStore>, transport: Arc<dyn Mailer>, secret: &[u8]) -> Result<Self, MailError> {
        Self::with_transport(store, transport, false, secret)
    }

    /// [`Outbox::new`]; `local_transport` when the transport lives in this process (the dev mailbox), so that
    /// another instance sharing the database never delivers this one's mail into its own memory.
    pub fn with_transport(
        store: Arc<dyn OutboxStore>,
        transport: Arc<dyn Mailer>,
        local_transport: bool,
        secret: &[u8],
    ) -> Result<Self, MailError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|e| MailError::Unavailable(e.to_string()))?;
        mac.update(b"guance-portal mail outbox v1");
        let derived = mac.finalize().into_bytes();
        let key = UnboundKey::new(&AES_256_GCM, &derived).map_err(|e| MailError::Unavailable(e.to_string()))?;
        Ok(Self {
            store,
            transport,
            key: LessSafeKey::new(key),
            wake: Notify::new(),
            pass: tokio::sync::Mutex::new(()),
            origin: crate::internal::instance_name(),
            local_transport,
        })
    }

    fn seal(&self, mail: &OutgoingMail) -> Result<Vec<u8>, MailError> {
        let plain = Plain { to: mail.to.clone(), subject: mail.subject.clone(), text: mail.text.clone() };
        let mut data = serde_json::to_vec(&plain).map_err(|e| MailError::Rejected(e.to_string()))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
            .map_err(|_| MailError::Unavailable("sealing failed".into()))?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&data);
        Ok(sealed)
    }

    fn open(&self, sealed: &[u8]) -> Option<OutgoingMail> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::empty(), &mut data).ok()?;
        let plain: Plain = serde_json::from_slice(plain).ok()?;
        Some(OutgoingMail { to: plain.to, subject: plain.subject, text: plain.text, valid_until: None })
    }

    /// Delivers what is due now; returns what happened. The dev mailbox calls this before it lists mail, so
    /// tests and `/_dev/mailbox` see a mail as soon as the request that sent it has answered.
    pub async fn deliver_due(&self) -> Result<Pass, StoreError> {
        let _one_pass = self.pass.lock().await;
        // An empty outbox (the usual case) costs one read, never a write transaction.
        let queued = self.store.queued_mail().await?;
        metrics::gauge!("portal_mail_outbox_queued").set(queued as f64);
        if queued == 0 {
            return Ok(Pass::default());
        }
        let now = now();
        let mut pass = Pass { stale: self.store.drop_stale_mail(now).await?, ..Pass::default() };
        if pass.stale > 0 {
            tracing::warn!(stale = pass.stale, "mail given up: not delivered before it was worth nothing");
        }
        let only = self.local_transport.then_some(self.origin.as_str());
        for row in self.store.claim_due_mail(now, LEASE_SECS, BATCH, only).await? {
            let Some(sealed) = row.sealed else {
                self.store.mail_done(row.id).await?;
                continue;
            };
            let Some(mail) = self.open(&sealed) else {
                // Sealed under another secret key (it was rotated): nobody can read it any more.
                tracing::error!(id = row.id, "a queued mail could not be opened; dropped");
                pass.refused += 1;
                self.store.mail_done(row.id).await?;
                continue;
            };
            let sent = tokio::time::timeout(SEND_TIMEOUT, self.transport.send(mail)).await;
            match sent.unwrap_or_else(|_| Err(MailError::Unavailable("timed out".into()))) {
                Ok(()) => {
                    pass.delivered += 1;
                    self.store.mail_done(row.id).await?;
                }
                Err(MailError::Rejected(e)) => {
                    tracing::error!(id = row.id, error = %e, "a queued mail was refused by the mail service; dropped");
                    pass.refused += 1;
                    self.store.mail_done(row.id).await?;
                }
                Err(failure @ (MailError::Unavailable(_) | MailError::Deferred(_))) => {
                    let delay = (RETRY_SECS << row.attempts.clamp(0, 10)).min(MAX_RETRY_SECS);
                    tracing::warn!(id = row.id, attempts = row.attempts + 1, error = %failure, "mail not delivered; retrying in {delay} s");
                    pass.failed += 1;
                    // Only "down" counts as the mail service failing (see `mail_failing`).
                    let error = match failure {
                        MailError::Unavailable(e) => format!("{DOWN}{e}"),
                        other => other.to_string(),
                    };
                    self.store.mail_failed(row.id, now + delay, &error).await?;
                }
            }
        }
        metrics::counter!("portal_mail_outbox_total", "outcome" => "delivered").increment(pass.delivered);
        metrics::counter!("portal_mail_outbox_total", "outcome" => "failed").increment(pass.failed);
        metrics::counter!("portal_mail_outbox_total", "outcome" => "refused").increment(pass.refused);
        metrics::counter!("portal_mail_outbox_total", "outcome" => "stale").increment(pass.stale);
        Ok(pass)
    }

    /// The delivery worker: a pass when woken by a new mail, and every [`TICK`] for retries.
    pub fn spawn_worker(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let outbox = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                if let Err(e) = outbox.deliver_due().await {
                    tracing::error!(error = %e, "the mail outbox could not be read");
                }
                let _ = tokio::time::timeout(TICK, outbox.wake.notified()).await;
            }
        })
    }

    async fn enqueue(&self, sealed: Option<&[u8]>, not_after: i64) -> Result<(), MailError> {
        self.store.enqueue_mail(&self.origin, sealed, now(), not_after).await.map_err(store_error)?;
        self.wake.notify_one();
        Ok(())
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        // A message the transport could never send is refused now, while the caller can still say so.
        crate::mail::check(&mail)?;
        let not_after = mail.valid_until.unwrap_or_else(|| now() + NOTICE_DAYS * 86_400);
        let sealed = self.seal(&mail)?;
        self.enqueue(Some(&sealed), not_after).await
    }

    async fn send_nowhere(&self) -> Result<(), MailError> {
        self.enqueue(None, now() + LEASE_SECS).await
    }

    async fn failing(&self) -> Result<bool, MailError> {
        self.store.mail_failing(now()).await.map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::tests::fake_smtp;
    use crate::mail::{Mailbox, SmtpMailer};
    use crate::store::test_support::{count, temp_store};
    use crate::store::SqliteStore;

    fn mail(to: &str) -> OutgoingMail {
        OutgoingMail {
            to: to.into(),
            subject: "Your verification code".into(),
            text: "Your code is 123456".into(),
            valid_until: None,
        }
    }

    #[tokio::test]
    async fn mail_is_stored_sealed_and_delivered_after_the_call() {
        let (store, _guard) = temp_store::<SqliteStore>().await;
        let mailbox = Mailbox::new("Guance <no-reply@example.com>".parse().expect("from"));
        let outbox = Outbox::new(Arc::new(store.clone()), Arc::new(mailbox.clone()), b"secret").expect("outbox");
        outbox.send(mail("buyer@example.com")).await.expect("queued");
        outbox.send_nowhere().await.expect("queued");
        assert!(mailbox.list(None).is_empty(), "nothing is sent inside the call");
        let sealed: Vec<u8> = sqlx::query_scalar("SELECT sealed FROM mail_outbox WHERE sealed IS NOT NULL")
            .fetch_one(store.pool())
            .await
            .expect("row");
        let readable = String::from_utf8_lossy(&sealed);
        assert!(!readable.contains("123456") && !readable.contains("buyer@"), "sealed: {readable}");
        assert!(matches!(outbox.send(mail("not an address")).await, Err(MailError::Rejected(_))));

        let pass = outbox.deliver_due().await.expect("pass");
        assert_eq!(pass, Pass { delivered: 1, ..Pass::default() });
        assert_eq!(mailbox.list(Some("buyer@example.com")).len(), 1);
        assert_eq!(count(&store, "mail_outbox").await, 0, "delivered rows and stand-ins are gone");

        // Another secret key cannot open what this one sealed.
        let other = Outbox::new(Arc::new(store.clone()), Arc::new(mailbox.clone()), b"rotated").expect("outbox");
        assert!(other.open(&outbox.seal(&mail("a@example.com")).expect("seal")).is_none());
    }

    /// A transport that takes its time, like an SMTP server mid-conversation.
    struct Slow(Mailbox);

    #[async_trait]
    impl Mailer for Slow {
        async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            self.0.send(mail).await
        }
    }

    #[tokio::test]
    async fn a_pass_waits_for_the_mail_another_pass_is_handing_over() {
        // The dev mailbox runs a pass before it lists; if the worker has just leased the row, that pass must
        // wait for it rather than list an empty mailbox (a test once read "no mail" this way).
        let (store, _guard) = temp_store::<SqliteStore>().await;
        let mailbox = Mailbox::new("Guance <no-reply@example.com>".parse().expect("from"));
        let outbox =
            Arc::new(Outbox::new(Arc::new(store.clone()), Arc::new(Slow(mailbox.clone())), b"secret").expect("outbox"));
        outbox.send(mail("buyer@example.com")).await.expect("queued");
        let worker = {
            let outbox = Arc::clone(&outbox);
            tokio::spawn(async move { outbox.deliver_due().await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        outbox.deliver_due().await.expect("pass");
        assert_eq!(mailbox.list(Some("buyer@example.com")).len(), 1, "listed only after the hand-over");
        assert_eq!(worker.await.expect("join").expect("pass").delivered, 1, "delivered once");
    }

    #[tokio::test]
    async fn smtp_down_the_mail_waits_codes_are_refused_and_it_is_delivered_once_smtp_returns() {
        let (store, _guard) = temp_store::<SqliteStore>().await;
        // A port with nothing listening, which the fake SMTP server takes later.
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
        let smtp = SmtpMailer::new(
            &format!("smtp://user:pass@127.0.0.1:{port}"),
            "Guance <no-reply@example.com>".parse().expect("from"),
        )
        .expect("mailer");
        let outbox = Outbox::new(Arc::new(store.clone()), Arc::new(smtp), b"secret").expect("outbox");
        outbox.send(mail("buyer@example.com")).await.expect("queued while SMTP is down");
        assert!(!outbox.failing().await.expect("failing"));
        assert_eq!(outbox.deliver_due().await.expect("pass").failed, 1);
        assert!(outbox.failing().await.expect("failing"), "a code asked for now would not arrive: say so");
        assert_eq!(count(&store, "mail_outbox").await, 1, "kept for the next attempt");

        let (server_port, server) = fake_smtp(Some(port)).await;
        assert_eq!(server_port, port);
        // The retry is due after its delay; the test moves it forward rather than waiting.
        sqlx::query("UPDATE mail_outbox SET next_attempt_at = 0").execute(store.pool()).await.expect("due");
        assert_eq!(outbox.deliver_due().await.expect("pass").delivered, 1);
        assert!(!outbox.failing().await.expect("failing"));
        assert_eq!(outbox.deliver_due().await.expect("pass"), Pass::default(), "delivered once");
        drop(outbox);
        let data = tokio::time::timeout(Duration::from_secs(10), server).await.expect("in time").expect("join");
        assert!(data.contains("Your code is 123456"), "{data}");
    }

    #[tokio::test]
    async fn a_message_the_service_defers_is_retried_without_holding_back_other_mail() {
        let (store, _guard) = temp_store::<SqliteStore>().await;
        let (port, _server) = crate::mail::tests::fake_smtp_answering(None, b"452 mailbox full\r\n").await;
        let from = "Guance <no-reply@example.com>".parse().expect("from");
        let smtp = SmtpMailer::new(&format!("smtp://user:pass@127.0.0.1:{port}"), from).expect("mailer");
        let outbox = Outbox::new(Arc::new(store.clone()), Arc::new(smtp), b"secret").expect("outbox");
        outbox.send(mail("full@example.com")).await.expect("queued");
        assert_eq!(outbox.deliver_due().await.expect("pass").failed, 1);
        assert_eq!(count(&store, "mail_outbox").await, 1, "kept for a retry");
        assert!(!outbox.failing().await.expect("failing"), "the service is up: codes are still made");
    }

    #[tokio::test]
    async fn a_code_mail_is_given_up_when_its_code_expires() {
        let (store, _guard) = temp_store::<SqliteStore>().await;
        let mailbox = Mailbox::new("Guance <no-reply@example.com>".parse().expect("from"));
        let outbox = Outbox::new(Arc::new(store.clone()), Arc::new(mailbox.clone()), b"secret").expect("outbox");
        outbox.send(OutgoingMail { valid_until: Some(now() - 1), ..mail("buyer@example.com") }).await.expect("queued");
        assert_eq!(outbox.deliver_due().await.expect("pass"), Pass { stale: 1, ..Pass::default() });
        assert!(mailbox.list(None).is_empty());
    }
}
