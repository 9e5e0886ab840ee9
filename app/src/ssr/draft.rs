//! The wizard's draft: what the buyer typed so far (kept across reloads, Back and tabs; never a password,
//! only its argon2id hash) and the outcome of the last submission, shown once (post/redirect/get).

use super::ports::Ports;
use super::session::SessionKey;
use super::unavailable;
use crate::error::{AppError, FormErrors};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    #[serde(default)]
    pub register: RegisterDraft,
    #[serde(default)]
    pub link: LinkDraft,
    /// The last code sent from one of the wizard's forms (`register`, `link_billing`, `link_create`): its
    /// Send code button counts down to when another may be asked for at that address.
    #[serde(default)]
    pub code_sent: Option<CodeSent>,
    #[serde(default)]
    pub flash: Flash,
    /// When the answers this session started from were kept (the buyer came back: see [`Draft::resumable`]).
    #[serde(default)]
    pub resumed_from: Option<i64>,
}

/// The link branch's answers, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDraft {
    /// The site selector's choice (a site code); where a new workspace is created.
    #[serde(default)]
    pub site: String,
    /// Billing account username.
    #[serde(default)]
    pub billing_username: String,
    /// The billing account (its username's key) this session proved with a code, waiting for the buyer to
    /// confirm the link ("Link billing account X to AWS account Y?").
    #[serde(default)]
    pub billing_verified: Option<String>,
    /// This session linked the billing account: until a workspace is billed to the AWS account it may undo
    /// the link ("Not your billing account? Start again").
    #[serde(default)]
    pub linked_here: bool,
    /// Create workspace: `existing` (I have a Guance account) or `new`.
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub workspace_name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub terms: bool,
    /// (account kind, email key) proven by a code for Create workspace.
    #[serde(default)]
    pub email_verified: Option<(String, String)>,
    /// Several Guance accounts have the typed email: "I have a Guance account" asks for the username too.
    #[serde(default)]
    pub several_accounts: bool,
}

/// The register branch's answers, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterDraft {
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// The address (key) a code was last sent to.
    #[serde(default)]
    pub code_sent_to: Option<String>,
    /// The address (key) proven by a code.
    #[serde(default)]
    pub email_verified: Option<String>,
    #[serde(default)]
    pub password_hash: Option<String>,
    /// Step 1 (basic information) is complete.
    #[serde(default)]
    pub basic_done: bool,
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub company_size: String,
    /// Step 2 (company information) is complete.
    #[serde(default)]
    pub company_done: bool,
    #[serde(default)]
    pub workspace_name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub terms: bool,
    /// Step 3 (workspace) is complete.
    #[serde(default)]
    pub workspace_done: bool,
    /// Activate succeeded: every step now shows the outcome.
    #[serde(default)]
    pub activated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSent {
    pub form: String,
    /// As typed (the page compares it with what is in the field).
    pub to: String,
    pub at: i64,
}

/// Shown by the next render of the page, then cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// (field id, message), in the order of the form.
    #[serde(default)]
    pub errors: FormErrors,
    #[serde(default)]
    pub notice: Option<String>,
}

impl Flash {
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.notice.is_none()
    }
}

impl Draft {
    /// Where `form` last sent a code, and the seconds until it may send another there (0: now).
    pub fn resend_wait(&self, form: &str, now: i64) -> (String, i64) {
        match &self.code_sent {
            Some(sent) if sent.form == form => {
                let wait = crate::domain::codes::RESEND_AFTER_SECS - (now - sent.at);
                (sent.to.clone(), wait.clamp(0, crate::domain::codes::RESEND_AFTER_SECS))
            }
            _ => (String::new(), 0),
        }
    }

    /// Notes that `form` just sent a code to `to`.
    pub fn sent_code(&mut self, form: &str, to: &str, now: i64) {
        self.code_sent = Some(CodeSent { form: form.to_owned(), to: to.trim().to_owned(), at: now });
    }

    /// What a later session of the same AWS customer may start from, kept `at`: the typed answers and the
    /// step's progress — never a password (its hash), a code, a code's proof or the last page's messages. A
    /// password is asked for again, so step 1 is not done. `None` once activated, or when nothing was typed.
    pub fn resumable(&self, at: i64) -> Option<Draft> {
        if self.register.activated {
            return None;
        }
        let mut kept = Draft { register: self.register.clone(), link: self.link.clone(), ..Draft::default() };
        let r = &mut kept.register;
        (r.code_sent_to, r.email_verified, r.password_hash, r.basic_done) = (None, None, None, false);
        kept.link.email_verified = None;
        (kept.link.billing_verified, kept.link.linked_here) = (None, false);
        kept.link.several_accounts = false;
        if kept == Draft::default() {
            return None;
        }
        kept.resumed_from = Some(at);
        Some(kept)
    }

    /// Reads a stored draft; anything unreadable starts afresh rather than failing the page.
    pub fn from_json(json: &str) -> Self {
        serde_json::from_str(json).unwrap_or_default()
    }

    /// Stored with every typed answer cut at its rule's maximum (a longer one is refused anyway), so a
    /// hostile post cannot grow a stored draft.
    pub fn to_json(&self) -> String {
        let mut draft = self.clone();
        draft.clip();
        serde_json::to_string(&draft).unwrap_or_else(|_| "{}".to_owned())
    }

    fn clip(&mut self) {
        use crate::domain::{CompanyName, Email, Username, WorkspaceName};
        let r = &mut self.register;
        for (field, max) in [
            (&mut r.site, CHOICE_MAX),
            (&mut r.username, Username::MAX),
            (&mut r.email, Email::MAX),
            (&mut r.phone, PHONE_MAX),
            (&mut r.company_name, CompanyName::MAX),
            (&mut r.industry, CHOICE_MAX),
            (&mut r.company_size, CHOICE_MAX),
            (&mut r.workspace_name, WorkspaceName::MAX),
            (&mut r.language, CHOICE_MAX),
        ] {
            clip(field, max);
        }
        let l = &mut self.link;
        for (field, max) in [
            (&mut l.site, CHOICE_MAX),
            (&mut l.billing_username, Username::MAX),
            (&mut l.account, CHOICE_MAX),
            (&mut l.workspace_name, WorkspaceName::MAX),
            (&mut l.language, CHOICE_MAX),
            (&mut l.email, Email::MAX),
            (&mut l.username, Username::MAX),
            (&mut l.phone, PHONE_MAX),
        ] {
            clip(field, max);
        }
        if let Some(sent) = self.code_sent.as_mut() {
            clip(&mut sent.to, Email::MAX);
        }
    }
}

/// The longest kept choice (a site, language, industry or size code; the account kind).
const CHOICE_MAX: usize = 32;
/// The longest kept phone number as typed (E.164 has at most 15 digits; room for spaces and signs).
const PHONE_MAX: usize = 32;

fn clip(s: &mut String, max: usize) {
    if let Some((at, _)) = s.char_indices().nth(max) {
        s.truncate(at);
    }
}

/// The session's draft (an empty one if none was saved yet; see [`Draft::from_json`]).
pub async fn load(ports: &Ports, key: &SessionKey) -> Result<Draft, AppError> {
    let json = ports.store.draft(key).await.map_err(unavailable)?;
    Ok(json.as_deref().map(Draft::from_json).unwrap_or_default())
}

/// Saves the session's draft, and keeps what may be resumed for its AWS customer (`Draft::resumable`).
pub async fn save(ports: &Ports, key: &SessionKey, draft: &Draft) -> Result<(), AppError> {
    ports.store.save_draft(key, &draft.to_json()).await.map_err(unavailable)?;
    let now = super::ports::now();
    let kept = draft.resumable(now).map(|kept| kept.to_json());
    ports.store.keep_draft(key, kept.as_deref(), now).await.map_err(unavailable)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_resumed_is_what_was_typed_never_a_password_or_a_code() {
        assert_eq!(Draft::default().resumable(5), None, "nothing typed, nothing kept");
        let mut draft = Draft::default();
        let r = &mut draft.register;
        (r.site, r.username, r.email, r.company_name) =
            ("us1".into(), "alice".into(), "a@b.example".into(), "ACME".into());
        (r.code_sent_to, r.email_verified) = (Some("a@b.example".into()), Some("a@b.example".into()));
        (r.password_hash, r.basic_done, r.company_done) = (Some("$argon2id$…".into()), true, true);
        draft.link.email_verified = Some(("existing".into(), "a@b.example".into()));
        (draft.link.billing_verified, draft.link.linked_here) = (Some("owner".into()), true);
        draft.sent_code("register", "a@b.example", 3);
        draft.flash.notice = Some("We sent a code".into());
        let kept = draft.resumable(7).expect("kept");
        assert_eq!((kept.register.username.as_str(), kept.register.company_name.as_str()), ("alice", "ACME"));
        assert!(kept.register.company_done, "progress is kept");
        assert_eq!(kept.register.password_hash, None);
        assert!(!kept.register.basic_done, "step 1 asks for the password again");
        assert_eq!((&kept.register.code_sent_to, &kept.register.email_verified), (&None, &None));
        assert_eq!(kept.link.email_verified, None);
        assert_eq!((&kept.link.billing_verified, kept.link.linked_here), (&None, false), "a proof is the session's");
        assert_eq!(kept.code_sent, None);
        assert!(kept.flash.is_empty());
        assert_eq!(kept.resumed_from, Some(7));
        assert!(!kept.to_json().contains("argon2"));
        draft.register.activated = true;
        assert_eq!(draft.resumable(8), None, "a finished activation is not resumed");
    }

    #[test]
    fn drafts_round_trip_and_tolerate_old_or_broken_json() {
        let mut draft = Draft::default();
        draft.register.username = "alice".into();
        draft.flash.errors.push("username", "Enter a username");
        assert_eq!(Draft::from_json(&draft.to_json()), draft);
        assert_eq!(Draft::from_json("{}"), Draft::default());
        assert_eq!(Draft::from_json("not json"), Draft::default());
        assert_eq!(Draft::from_json(r#"{"register":{"username":"bob"}}"#).register.username, "bob");
    }

    #[test]
    fn the_resend_wait_counts_down_from_a_minute_for_the_form_that_sent() {
        let mut draft = Draft::default();
        assert_eq!(draft.resend_wait("register", 100).1, 0);
        draft.sent_code("register", " a@example.com ", 100);
        assert_eq!(draft.resend_wait("register", 100), ("a@example.com".to_owned(), 60));
        assert_eq!(draft.resend_wait("register", 145).1, 15);
        assert_eq!(draft.resend_wait("register", 500).1, 0);
        assert_eq!(draft.resend_wait("link_billing", 100).1, 0, "another form is not held back");
    }

    #[test]
    fn a_stored_draft_keeps_each_answer_at_most_as_long_as_its_rule_allows() {
        let mut draft = Draft::default();
        draft.register.username = "é".repeat(10_000);
        draft.register.company_name = "x".repeat(70_000);
        draft.link.phone = "1".repeat(500);
        draft.sent_code("register", &"a".repeat(1_000), 0);
        let stored = Draft::from_json(&draft.to_json());
        assert_eq!(stored.register.username.chars().count(), crate::domain::Username::MAX);
        assert_eq!(stored.register.company_name.len(), crate::domain::CompanyName::MAX);
        assert_eq!(stored.link.phone.len(), PHONE_MAX);
        assert_eq!(stored.code_sent.map(|s| s.to.len()), Some(crate::domain::Email::MAX));
        assert!(draft.to_json().len() < 2_000, "a hostile post cannot grow a draft");
    }

    #[test]
    fn a_draft_never_holds_a_password_field() {
        let json = Draft::default().to_json();
        assert!(!json.contains("\"password\""), "{json}");
    }
}
