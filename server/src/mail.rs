//! Outgoing mail through lettre: SMTP when `SMTP_URL` is set, otherwise the embedded mailbox (dev), which
//! keeps every message in memory for `/_dev/mailbox` and `/_dev/mailbox.json`.

use app::ssr::ports::{MailError, Mailer, OutgoingMail};
use async_trait::async_trait;
use lettre::message::{header::ContentType, Mailbox as Address};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

/// Builds the message lettre sends (and the mailbox keeps), so both paths format mail identically.
fn build(from: &Address, mail: &OutgoingMail) -> Result<Message, MailError> {
    let to: Address = mail.to.as_str().parse().map_err(|e| MailError::Rejected(format!("{e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone())
        .map_err(|e| MailError::Rejected(e.to_string()))
}

/// Refuses now a message that could never be sent (its address does not parse).
pub fn check(mail: &OutgoingMail) -> Result<(), MailError> {
    mail.to.as_str().parse::<Address>().map(drop).map_err(|e| MailError::Rejected(format!("{e}")))
}

/// What an SMTP failure means for the outbox: the service is down or will not take us (no answer, 421, TLS,
/// authentication) → [`MailError::Unavailable`]; it put this message off (another 4xx) → `Deferred`; it refused
/// this message for good (another 5xx) → `Rejected`.
fn classify(e: lettre::transport::smtp::Error) -> MailError {
    let text = e.to_string();
    match e.status().map(u16::from) {
        None | Some(421 | 454 | 530 | 534 | 535 | 538) => MailError::Unavailable(text),
        Some(code) if code >= 500 => MailError::Rejected(text),
        Some(_) => MailError::Deferred(text),
    }
}

/// Sends through an SMTP server (`smtp://user:pass@host:port`, lettre's URL form).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Address,
}

impl SmtpMailer {
    pub fn new(url: &str, from: Address) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Unavailable(format!("SMTP_URL: {e}")))?
            // One exchange's limit (lettre's default is a minute); the outbox retries.
            .timeout(Some(std::time::Duration::from_secs(15)))
            .build();
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        let message = build(&self.from, &mail)?;
        self.transport.send(message).await.map_err(classify)?;
        metrics::counter!("portal_mail_sent_total", "transport" => "smtp").increment(1);
        Ok(())
    }
}

/// One message as the dev mailbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivered {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// RFC 3339.
    pub sent_at: String,
}

/// The embedded mailbox: every message the portal sent, newest first, the last [`Mailbox::CAPACITY`] kept.
#[derive(Clone)]
pub struct Mailbox {
    from: Address,
    messages: Arc<Mutex<VecDeque<Delivered>>>,
}

impl Mailbox {
    pub const CAPACITY: usize = 1000;

    pub fn new(from: Address) -> Self {
        Self { from, messages: Arc::default() }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Delivered>> {
        self.messages.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Newest first; only those sent to `to` (case-insensitively) when given.
    pub fn list(&self, to: Option<&str>) -> Vec<Delivered> {
        let to = to.map(str::to_lowercase);
        self.lock().iter().filter(|m| to.as_ref().is_none_or(|to| &m.to.to_lowercase() == to)).cloned().collect()
    }
}

#[async_trait]
impl Mailer for Mailbox {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        // Build the real message so that what the mailbox accepts, SMTP would accept too.
        build(&self.from, &mail)?;
        let sent_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| MailError::Unavailable(e.to_string()))?;
        let mut messages = self.lock();
        messages.push_front(Delivered { to: mail.to, subject: mail.subject, text: mail.text, sent_at });
        messages.truncate(Self::CAPACITY);
        metrics::counter!("portal_mail_sent_total", "transport" => "mailbox").increment(1);
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    fn from() -> Address {
        "Guance <no-reply@example.com>".parse().expect("from")
    }

    fn mail(to: &str, subject: &str) -> OutgoingMail {
        OutgoingMail { to: to.into(), subject: subject.into(), text: "Your code is 123456".into(), valid_until: None }
    }

    #[tokio::test]
    async fn the_mailbox_keeps_mail_newest_first_and_filters_by_address() {
        let mailbox = Mailbox::new(from());
        mailbox.send(mail("a@example.com", "first")).await.expect("send");
        mailbox.send(mail("b@example.com", "second")).await.expect("send");
        mailbox.send(mail("A@Example.com", "third")).await.expect("send");
        let all = mailbox.list(None);
        assert_eq!(all.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["third", "second", "first"]);
        let for_a = mailbox.list(Some("a@example.com"));
        assert_eq!(for_a.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["third", "first"]);
        assert!(time::OffsetDateTime::parse(&all[0].sent_at, &time::format_description::well_known::Rfc3339).is_ok());
        assert!(matches!(mailbox.send(mail("not an address", "x")).await, Err(MailError::Rejected(_))));
        assert_eq!(mailbox.list(None).len(), 3, "a refused message is not kept");
    }

    /// A minimal SMTP peer on loopback (on `port` when given) that records the DATA it receives.
    pub(crate) async fn fake_smtp(port: Option<u16>) -> (u16, tokio::task::JoinHandle<String>) {
        fake_smtp_answering(port, b"250 ok\r\n").await
    }

    /// [`fake_smtp`], answering `rcpt` to RCPT TO.
    pub(crate) async fn fake_smtp_answering(
        port: Option<u16>,
        rcpt: &'static [u8],
    ) -> (u16, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.unwrap_or(0))).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let task = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.expect("accept");
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 fake ESMTP\r\n").await.expect("greet");
            let mut data = String::new();
            let mut in_data = false;
            while let Ok(Some(line)) = lines.next_line().await {
                if in_data {
                    if line == "." {
                        in_data = false;
                        write.write_all(b"250 queued\r\n").await.expect("queued");
                    } else {
                        data.push_str(&line);
                        data.push('\n');
                    }
                    continue;
                }
                let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" => b"250-fake\r\n250 AUTH PLAIN LOGIN\r\n",
                    "AUTH" => b"235 ok\r\n",
                    "RCPT" => rcpt,
                    "DATA" => {
                        in_data = true;
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => {
                        write.write_all(b"221 bye\r\n").await.expect("bye");
                        break;
                    }
                    _ => b"250 ok\r\n",
                };
                write.write_all(reply).await.expect("reply");
            }
            data
        });
        (port, task)
    }

    #[tokio::test]
    async fn smtp_url_sends_real_mail() {
        let (port, server) = fake_smtp(None).await;
        let mailer = SmtpMailer::new(&format!("smtp://user:pass@127.0.0.1:{port}"), from()).expect("mailer");
        mailer.send(mail("buyer@example.com", "Your verification code")).await.expect("send");
        drop(mailer);
        let data =
            tokio::time::timeout(std::time::Duration::from_secs(10), server).await.expect("in time").expect("join");
        assert!(data.contains("Subject: Your verification code"), "{data}");
        assert!(data.contains("To: buyer@example.com"), "{data}");
        assert!(data.contains("Your code is 123456"), "{data}");
    }
}
