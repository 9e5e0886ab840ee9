//! Verification codes: 6 digits from the OS CSPRNG, remembered as an HMAC-SHA256 under the server's secret
//! key (a stolen database cannot be brute-forced offline), mailed through the [`Mailer`].

use app::domain::codes::{CodePurpose, CodeRejection, SendRefusal, CODE_TTL_SECS, MAX_FAILED_CHECKS_PER_DAY};
use app::domain::VerificationCode;
use app::i18n::Locale;
use app::ssr::ports::{CodeError, CodeSubject, Codes, MailError, Mailer, OutgoingMail, VerificationCodes};
use app::ssr::security_log::{record, Event, Subject};
use app::ssr::session::SessionKey;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use std::sync::Arc;

pub struct CodeService {
    key: Vec<u8>,
    store: Arc<dyn VerificationCodes>,
    mailer: Arc<dyn Mailer>,
}

impl CodeService {
    pub fn new(key: Vec<u8>, store: Arc<dyn VerificationCodes>, mailer: Arc<dyn Mailer>) -> Self {
        Self { key, store, mailer }
    }

    /// The MAC binds the code to its purpose and address as well.
    fn mac(&self, purpose: CodePurpose, address: &str, code: &str) -> Result<Vec<u8>, CodeError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key)
            .map_err(|e| CodeError::Mail(MailError::Unavailable(format!("secret key: {e}"))))?;
        for part in [purpose.code(), address, code] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl CodeService {
    /// Wrong codes for `address` reached the daily limit: its owner (when we know one) is told by email. A
    /// failure to mail is logged; the refusal stands either way.
    async fn tell_owner(&self, address: &str, locale: Locale) {
        let owner = match self.store.code_address_owner(address).await {
            Ok(Some(owner)) => owner,
            Ok(None) => return,
            Err(e) => return tracing::error!(error = %e, "the address's owner could not be read"),
        };
        let (subject, text) = app::messages::guessing_mail(locale, address, MAX_FAILED_CHECKS_PER_DAY);
        if let Err(e) = self.mailer.send(OutgoingMail { to: owner, subject, text, valid_until: None }).await {
            tracing::error!(error = %e, "the owner could not be told of the wrong codes");
        }
    }
}

/// Six uniformly random digits from the operating system's CSPRNG.
pub fn generate_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// A reset link's secret: 24 bytes from the operating system's CSPRNG (192 bits), base64url (32 characters).
pub fn generate_secret() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl CodeService {
    /// Records `secret` for `subject` unless the mail service is down or a limit refuses, then mails what
    /// `mail` makes of it (or a stand-in, when there is nobody to send to).
    async fn record_and_mail(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        subject: &CodeSubject,
        secret: &str,
        now: i64,
        mail: impl FnOnce() -> (String, String),
    ) -> Result<Result<(), SendRefusal>, CodeError> {
        // The mail service is down: no code is made (none is used up), and the buyer is told.
        let refused = if self.mailer.failing().await? {
            Some(SendRefusal::MailUnavailable)
        } else {
            let mac = self.mac(purpose, &subject.address, secret)?;
            self.store.record_code(session, purpose, &subject.address, &mac, now).await?.err()
        };
        if let Some(refusal) = refused {
            let detail = format!("{purpose:?} to {}: {refusal:?}", subject.address);
            record(Event::CodeSendRefused, Subject::Nobody, detail).await;
            return Ok(Err(refusal));
        }
        let Some(to) = &subject.deliver_to else {
            self.mailer.send_nowhere().await?;
            return Ok(Ok(()));
        };
        let (subject, text) = mail();
        let mail = OutgoingMail { to: to.as_str().to_owned(), subject, text, valid_until: Some(now + CODE_TTL_SECS) };
        self.mailer.send(mail).await?;
        Ok(Ok(()))
    }
}

#[async_trait]
impl Codes for CodeService {
    async fn send_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        subject: &CodeSubject,
        locale: Locale,
        now: i64,
    ) -> Result<Result<(), SendRefusal>, CodeError> {
        let code = generate_code();
        self.record_and_mail(session, purpose, subject, &code, now, || {
            app::messages::code_mail(locale, purpose, &code, CODE_TTL_SECS / 60)
        })
        .await
    }

    async fn send_link(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        subject: &CodeSubject,
        link_prefix: &str,
        locale: Locale,
        now: i64,
    ) -> Result<Result<(), SendRefusal>, CodeError> {
        let secret = generate_secret();
        self.record_and_mail(session, purpose, subject, &secret, now, || {
            app::messages::reset_link_mail(locale, &format!("{link_prefix}{secret}"), CODE_TTL_SECS / 60)
        })
        .await
    }

    async fn check_secret(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        secret: &str,
        locale: Locale,
        now: i64,
    ) -> Result<Result<(), CodeRejection>, CodeError> {
        let mac = self.mac(purpose, address, secret)?;
        let verdict = self.store.check_code(session, purpose, address, &mac, now).await?;
        if let Err(rejection) = verdict {
            record(Event::CodeRefused, Subject::Nobody, format!("{purpose:?} for {address}: {rejection:?}")).await;
        }
        if verdict == Err(CodeRejection::DailyLimit { reached: true }) {
            self.tell_owner(address, locale).await;
        }
        Ok(verdict)
    }

    async fn check_code(
        &self,
        session: &SessionKey,
        purpose: CodePurpose,
        address: &str,
        code: &VerificationCode,
        locale: Locale,
        now: i64,
    ) -> Result<Result<(), CodeRejection>, CodeError> {
        self.check_secret(session, purpose, address, code.as_str(), locale, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Mailbox;
    use crate::store::test_support::{new_session, temp_store};
    use app::domain::{Email, Username};

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..200).map(|_| generate_code()).collect();
        assert!(codes.iter().all(|c| c.len() == 6 && c.chars().all(|d| d.is_ascii_digit())));
        assert!(codes.len() > 190, "200 draws from a million collide rarely");
    }

    #[tokio::test]
    async fn the_mailed_code_verifies_and_only_a_mac_is_stored() {
        let (store, _dir) = temp_store::<crate::store::SqliteStore>().await;
        let session = new_session(&store, "123456789012").await;
        let mailbox = Mailbox::new("Guance <no-reply@example.com>".parse().expect("from"));
        let service = CodeService::new(b"test key".to_vec(), Arc::new(store.clone()), Arc::new(mailbox.clone()));
        let email = Email::parse("Buyer@Example.com").expect("email");
        let subject = CodeSubject::email(&email);
        let address = email.key();

        service
            .send_code(&session, CodePurpose::Register, &subject, Locale::en, 10)
            .await
            .expect("send")
            .expect("sent");
        let mail = mailbox.list(Some("buyer@example.com")).remove(0);
        let code: String = mail.text.chars().filter(char::is_ascii_digit).take(6).collect();
        let code = VerificationCode::parse(&code).expect("code in mail");
        let stored: Vec<u8> =
            sqlx::query_scalar("SELECT code_mac FROM verification_codes").fetch_one(store.pool()).await.expect("row");
        assert_ne!(stored, code.as_str().as_bytes(), "the code itself is never stored");

        let wrong = VerificationCode::parse(if code.as_str() == "000000" { "111111" } else { "000000" }).expect("code");
        assert_eq!(
            service.check_code(&session, CodePurpose::Register, &address, &wrong, Locale::en, 11).await.expect("check"),
            Err(CodeRejection::Wrong { remaining_attempts: 4 })
        );
        assert_eq!(
            service.check_code(&session, CodePurpose::Register, &address, &code, Locale::en, 12).await.expect("check"),
            Ok(())
        );
        // Bound to purpose: the same code proves nothing else.
        assert_eq!(
            service
                .check_code(&session, CodePurpose::GuanceAccount, &address, &code, Locale::en, 13)
                .await
                .expect("check"),
            Err(CodeRejection::NoCode)
        );
        assert_eq!(
            service.send_code(&session, CodePurpose::Register, &subject, Locale::en, 20).await.expect("send"),
            Err(SendRefusal::TooSoon { retry_after_secs: 50 })
        );
    }

    #[tokio::test]
    async fn the_owner_is_told_once_when_wrong_codes_reach_the_daily_limit() {
        let (store, _dir) = temp_store::<crate::store::SqliteStore>().await;
        let mailbox = Mailbox::new("Guance <no-reply@example.com>".parse().expect("from"));
        let service = CodeService::new(b"test key".to_vec(), Arc::new(store.clone()), Arc::new(mailbox.clone()));
        let email = Email::parse("victim@example.com").expect("email");
        let (subject, address) = (CodeSubject::email(&email), email.key());
        let wrong = VerificationCode::parse("000000").expect("code");
        let mut outcomes = Vec::new();
        for (hour, tries) in [(0, 4), (1, 4), (2, 4)] {
            let session = new_session(&store, "123456789012").await;
            let t = hour * 3600;
            service
                .send_code(&session, CodePurpose::Register, &subject, Locale::en, t)
                .await
                .expect("send")
                .expect("sent");
            for _ in 0..tries {
                outcomes.push(
                    service
                        .check_code(&session, CodePurpose::Register, &address, &wrong, Locale::en, t + 1)
                        .await
                        .expect("check"),
                );
            }
        }
        let limited = outcomes.iter().filter(|o| matches!(o, Err(CodeRejection::DailyLimit { .. }))).count();
        assert_eq!(limited, 3, "the tenth wrong code and every check after it: {outcomes:?}");
        let warnings: Vec<_> = mailbox
            .list(Some("victim@example.com"))
            .into_iter()
            .filter(|m| m.subject.contains("Wrong verification codes"))
            .collect();
        assert_eq!(warnings.len(), 1, "told once");
        assert!(
            warnings[0].text.contains("10 wrong verification codes for this email address"),
            "{}",
            warnings[0].text
        );
    }

    #[tokio::test]
    async fn a_code_for_an_unknown_billing_account_is_recorded_and_limited_alike_but_mailed_nowhere() {
        let (store, _dir) = temp_store::<crate::store::SqliteStore>().await;
        let session = new_session(&store, "123456789012").await;
        let mailbox = Mailbox::new("Guance <no-reply@example.com>".parse().expect("from"));
        let service = CodeService::new(b"test key".to_vec(), Arc::new(store.clone()), Arc::new(mailbox.clone()));
        let nobody = CodeSubject::billing_account(&Username::parse("nobody").expect("username"), None);
        let purpose = CodePurpose::LinkBillingAccount;
        assert_eq!(service.send_code(&session, purpose, &nobody, Locale::en, 10).await.expect("send"), Ok(()));
        assert!(mailbox.list(None).is_empty(), "nothing is mailed");
        assert_eq!(
            service.send_code(&session, purpose, &nobody, Locale::en, 20).await.expect("send"),
            Err(SendRefusal::TooSoon { retry_after_secs: 50 }),
            "the resend delay applies exactly as for a real account"
        );
        let on_file = Email::parse("owner@example.com").expect("email");
        let known = CodeSubject::billing_account(&Username::parse("Owner").expect("username"), Some(on_file));
        assert_eq!(known.address, "billing-account:owner");
        service.send_code(&session, purpose, &known, Locale::en, 30).await.expect("send").expect("sent");
        assert_eq!(mailbox.list(Some("owner@example.com")).len(), 1, "mailed to the address on file");
    }
}
