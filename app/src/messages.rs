//! The buyer's words for the domain's outcomes, from the translation catalogue (`locales/*.json`). The domain
//! types say *what* happened (a [`FieldError`], a [`CodeRejection`], a [`Site`]); this module says it in the
//! page's language. Islands have no translation context in the browser, so what they show is rendered here,
//! on the server, and passed to them as props (e.g. [`FieldMessages`]).

use crate::domain::codes::{CodePurpose, CodeRejection, SendRefusal};
use crate::domain::rules::FieldRule;
use crate::domain::workspace::WorkspaceState;
use crate::domain::{CompanySize, FieldError, Industry, Site};
use crate::i18n::{td_string, Locale};
use serde::{Deserialize, Serialize};

/// The locale of the page being rendered (components run on the server in islands mode).
pub(crate) fn page_locale() -> Locale {
    crate::i18n::use_i18n().get_locale_untracked()
}

/// A page's `<title>`: "Error: " first when the page shows errors.
pub(crate) fn page_title(locale: Locale, has_errors: bool, title: &str) -> String {
    if has_errors {
        format!("{}{title}", td_string!(locale, error_prefix))
    } else {
        title.to_owned()
    }
}

/// The locale of the request a server function answers (cookie, else `Accept-Language`).
#[cfg(feature = "ssr")]
pub(crate) fn request_locale() -> Locale {
    leptos_i18n::locale::resolve_locale::<Locale>()
}

/// The best catalogue for an `Accept-Language` header (for pages rendered outside Leptos, such as the
/// fulfillment endpoint's refusals). Languages are taken in the order of their `q` weights.
#[cfg(feature = "ssr")]
pub fn locale_from_accept_language(header: Option<&str>) -> Locale {
    use leptos_i18n::Locale as _;
    let mut weighted: Vec<(f32, &str)> = header
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q =
                pieces.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && tag != "*" && q > 0.0).then_some((q, tag))
        })
        .collect();
    // A stable sort keeps the header's order among equal weights.
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let tags: Vec<&str> = weighted.into_iter().map(|(_, tag)| tag).collect();
    Locale::find_locale(&tags)
}

/// A calendar date (UTC) as the language writes it: "28 November 2026", "2026年11月28日".
pub fn date(locale: Locale, at: i64) -> String {
    let (year, month, day) = crate::domain::billing::ymd(at);
    let month = match month {
        1 => td_string!(locale, month_1),
        2 => td_string!(locale, month_2),
        3 => td_string!(locale, month_3),
        4 => td_string!(locale, month_4),
        5 => td_string!(locale, month_5),
        6 => td_string!(locale, month_6),
        7 => td_string!(locale, month_7),
        8 => td_string!(locale, month_8),
        9 => td_string!(locale, month_9),
        10 => td_string!(locale, month_10),
        11 => td_string!(locale, month_11),
        _ => td_string!(locale, month_12),
    };
    td_string!(locale, date_format, day = day, month = month, year = year).to_string()
}

pub fn site_name(locale: Locale, site: Site) -> &'static str {
    match site {
        Site::Cn1 => td_string!(locale, site_cn1),
        Site::Cn2 => td_string!(locale, site_cn2),
        Site::Cn4 => td_string!(locale, site_cn4),
        Site::Cn6 => td_string!(locale, site_cn6),
        Site::Us1 => td_string!(locale, site_us1),
        Site::Eu1 => td_string!(locale, site_eu1),
        Site::Ap1 => td_string!(locale, site_ap1),
        Site::Za1 => td_string!(locale, site_za1),
        Site::Id1 => td_string!(locale, site_id1),
        Site::Me1 => td_string!(locale, site_me1),
    }
}

pub fn industry_label(locale: Locale, industry: Industry) -> &'static str {
    match industry {
        Industry::Internet => td_string!(locale, industry_internet),
        Industry::Finance => td_string!(locale, industry_finance),
        Industry::Manufacturing => td_string!(locale, industry_manufacturing),
        Industry::Retail => td_string!(locale, industry_retail),
        Industry::Education => td_string!(locale, industry_education),
        Industry::Healthcare => td_string!(locale, industry_healthcare),
        Industry::Government => td_string!(locale, industry_government),
        Industry::Other => td_string!(locale, industry_other),
    }
}

pub fn company_size_label(locale: Locale, size: CompanySize) -> &'static str {
    match size {
        CompanySize::Small => td_string!(locale, size_small),
        CompanySize::Medium => td_string!(locale, size_medium),
        CompanySize::Large => td_string!(locale, size_large),
        CompanySize::Enterprise => td_string!(locale, size_enterprise),
    }
}

pub fn state_label(locale: Locale, state: WorkspaceState) -> &'static str {
    match state {
        WorkspaceState::Linked => td_string!(locale, state_linked),
        WorkspaceState::SettledByOther => td_string!(locale, state_settled_by_other),
        WorkspaceState::Unlinked => td_string!(locale, state_unlinked),
        WorkspaceState::SiteNotOffered => td_string!(locale, state_site_not_offered),
    }
}

/// Every message a field's [`FieldError`]s can produce, in one language. Rendered on the server (numbers
/// stand as `{n}` until [`FieldMessages::describe`] fills them in) so that an island can say them too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMessages {
    enter: String,
    too_short: String,
    too_long: String,
    start_letter: String,
    invalid_email: String,
    invalid_phone: String,
    mismatch: String,
    invalid_chars: String,
    wrong_length: String,
}

impl FieldMessages {
    /// Messages about `subject` ("Username must be 3 characters or more"); an empty or unchosen field reads
    /// `enter` ("Enter a username").
    pub fn new(locale: Locale, subject: &str, enter: &str) -> Self {
        const N: &str = "{n}";
        Self {
            enter: enter.to_owned(),
            too_short: td_string!(locale, err_too_short, field = subject, n = N).to_string(),
            too_long: td_string!(locale, err_too_long, field = subject, n = N).to_string(),
            start_letter: td_string!(locale, err_start_letter, field = subject).to_string(),
            invalid_email: td_string!(locale, err_invalid_email).to_owned(),
            invalid_phone: td_string!(locale, err_invalid_phone).to_owned(),
            mismatch: td_string!(locale, err_mismatch, field = subject).to_string(),
            invalid_chars: td_string!(locale, err_invalid_chars, field = subject).to_string(),
            wrong_length: td_string!(locale, err_wrong_length, field = subject, n = N).to_string(),
        }
    }

    pub fn describe(&self, error: FieldError) -> String {
        let with = |template: &str, n: usize| template.replace("{n}", &n.to_string());
        match error {
            FieldError::Required | FieldError::UnknownChoice => self.enter.clone(),
            FieldError::TooShort { min } => with(&self.too_short, min),
            FieldError::TooLong { max } => with(&self.too_long, max),
            FieldError::MustStartWithLetter => self.start_letter.clone(),
            FieldError::InvalidEmail => self.invalid_email.clone(),
            FieldError::InvalidPhone => self.invalid_phone.clone(),
            FieldError::Mismatch => self.mismatch.clone(),
            FieldError::InvalidCharacters => self.invalid_chars.clone(),
            FieldError::WrongLength { expected } => with(&self.wrong_length, expected),
        }
    }
}

/// `error` said of `subject` (already in `locale`'s words), an empty field reading "Enter {subject}": for
/// messages to operators and developers (configuration, the dev simulator).
pub fn describe_in(locale: Locale, subject: &str, error: FieldError) -> String {
    let enter = td_string!(locale, err_required, field = subject).to_string();
    FieldMessages::new(locale, subject, &enter).describe(error)
}

impl FieldRule {
    /// The messages of a field following this rule.
    pub fn messages(self, locale: Locale) -> FieldMessages {
        let (subject, enter) = match self {
            FieldRule::Username => (td_string!(locale, subject_username), td_string!(locale, enter_username)),
            FieldRule::BillingUsername => {
                (td_string!(locale, subject_billing_username), td_string!(locale, enter_billing_username))
            }
            FieldRule::Email => (td_string!(locale, subject_email), td_string!(locale, enter_email)),
            FieldRule::Phone => (td_string!(locale, subject_phone), td_string!(locale, enter_phone)),
            FieldRule::CompanyName => {
                (td_string!(locale, subject_company_name), td_string!(locale, enter_company_name))
            }
            FieldRule::WorkspaceName => {
                (td_string!(locale, subject_workspace_name), td_string!(locale, enter_workspace_name))
            }
            FieldRule::NewPassword => (td_string!(locale, subject_password), td_string!(locale, enter_password)),
            FieldRule::ConfirmPassword => {
                let messages = FieldMessages::new(
                    locale,
                    td_string!(locale, subject_password),
                    td_string!(locale, enter_password_again),
                );
                return FieldMessages { mismatch: td_string!(locale, err_password_mismatch).to_owned(), ..messages };
            }
            FieldRule::Code => (td_string!(locale, subject_code), td_string!(locale, err_code_required)),
            // A page names what is to be chosen (`FieldMessages::new` with its own words); this is the fallback.
            FieldRule::Choice => ("", td_string!(locale, err_choice_required)),
        };
        FieldMessages::new(locale, subject, enter)
    }

    /// The message for `error` on a field of this rule.
    pub fn describe(self, locale: Locale, error: FieldError) -> String {
        self.messages(locale).describe(error)
    }
}

pub fn code_rejection(locale: Locale, rejection: CodeRejection) -> String {
    match rejection {
        CodeRejection::NoCode => td_string!(locale, err_code_none).to_owned(),
        CodeRejection::Wrong { remaining_attempts: 1 } => td_string!(locale, err_code_wrong_one).to_owned(),
        CodeRejection::Wrong { remaining_attempts } => {
            td_string!(locale, err_code_wrong, remaining = remaining_attempts).to_string()
        }
        CodeRejection::Expired => td_string!(locale, err_code_expired).to_owned(),
        CodeRejection::Locked => td_string!(locale, err_code_locked).to_owned(),
        CodeRejection::Used => td_string!(locale, err_code_used).to_owned(),
        CodeRejection::DailyLimit { .. } => td_string!(locale, err_code_daily).to_owned(),
    }
}

pub fn send_refusal(locale: Locale, refusal: SendRefusal) -> String {
    match refusal {
        SendRefusal::TooSoon { retry_after_secs } => {
            td_string!(locale, err_code_too_soon, seconds = retry_after_secs).to_string()
        }
        SendRefusal::HourlyLimit { retry_after_secs } => {
            let minutes = (retry_after_secs + 59) / 60;
            td_string!(locale, err_code_hourly, minutes = minutes).to_string()
        }
        SendRefusal::TooManyAddresses => td_string!(locale, err_code_addresses).to_owned(),
        SendRefusal::MailUnavailable => td_string!(locale, err_code_mail_down).to_owned(),
    }
}

/// [`send_refusal`] for a password-reset link: the same limits, said of a link.
pub fn link_refusal(locale: Locale, refusal: SendRefusal) -> String {
    match refusal {
        SendRefusal::TooSoon { retry_after_secs } => {
            td_string!(locale, err_link_too_soon, seconds = retry_after_secs).to_string()
        }
        SendRefusal::HourlyLimit { retry_after_secs } => {
            let minutes = (retry_after_secs + 59) / 60;
            td_string!(locale, err_link_hourly, minutes = minutes).to_string()
        }
        SendRefusal::MailUnavailable => td_string!(locale, err_link_mail_down).to_owned(),
        // One flow has one address: never reached.
        SendRefusal::TooManyAddresses => td_string!(locale, err_code_addresses).to_owned(),
    }
}

/// The verification-code email for `purpose`: (subject, text); the text says what the code is for.
pub fn code_mail(locale: Locale, purpose: CodePurpose, code: &str, minutes: i64) -> (String, String) {
    let what = match purpose {
        CodePurpose::Register => td_string!(locale, mail_code_purpose_register),
        CodePurpose::LinkBillingAccount => td_string!(locale, mail_code_purpose_link),
        CodePurpose::GuanceAccount => td_string!(locale, mail_code_purpose_guance),
        CodePurpose::PasswordReset => td_string!(locale, mail_code_purpose_reset),
    };
    (
        td_string!(locale, mail_code_subject, code = code).to_string(),
        td_string!(locale, mail_code_text, code = code, purpose = what, minutes = minutes).to_string(),
    )
}

/// The password-reset email: (subject, text) with the link to open within `minutes`.
pub fn reset_link_mail(locale: Locale, link: &str, minutes: i64) -> (String, String) {
    (
        td_string!(locale, mail_reset_link_subject).to_owned(),
        td_string!(locale, mail_reset_link_text, link = link, minutes = minutes).to_string(),
    )
}

/// The email to an address's owner when wrong codes for it reached the daily limit: (subject, text).
/// `address` is the code's address (an email, `billing-account:…` or `account:…`).
pub fn guessing_mail(locale: Locale, address: &str, count: i64) -> (String, String) {
    let what = if address.starts_with("billing-account:") {
        td_string!(locale, mail_guessing_what_billing)
    } else if address.starts_with("account:") {
        td_string!(locale, mail_guessing_what_account)
    } else {
        td_string!(locale, mail_guessing_what_email)
    };
    (
        td_string!(locale, mail_guessing_subject).to_owned(),
        td_string!(locale, mail_guessing_text, what = what, count = count).to_string(),
    )
}

/// What Send code shows and announces while it counts down; `{s}` stands for the seconds left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountdownWords {
    pub button: String,
    pub wait: String,
    pub announce_wait: String,
    pub announce_ready: String,
}

impl CountdownWords {
    pub fn new(locale: Locale) -> Self {
        const S: &str = "{s}";
        Self {
            button: td_string!(locale, send_code).to_owned(),
            wait: td_string!(locale, send_code_wait, seconds = S).to_string(),
            announce_wait: td_string!(locale, send_code_wait_announce, seconds = S).to_string(),
            announce_ready: td_string!(locale, send_code_ready_announce).to_owned(),
        }
    }

    /// `template` with the seconds filled in.
    pub fn fill(template: &str, seconds: i64) -> String {
        template.replace("{s}", &seconds.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_speaks_of_its_field() {
        let english = Locale::en;
        assert_eq!(FieldRule::Username.describe(english, FieldError::Required), "Enter a username");
        assert_eq!(
            FieldRule::Username.describe(english, FieldError::TooShort { min: 3 }),
            "Username must be 3 characters or more"
        );
        assert_eq!(
            FieldRule::BillingUsername.describe(english, FieldError::MustStartWithLetter),
            "Billing account username must start with a letter (a to z)"
        );
        assert_eq!(FieldRule::CompanyName.describe(english, FieldError::UnknownChoice), "Enter your company name");
        assert_eq!(
            FieldRule::WorkspaceName.describe(english, FieldError::TooLong { max: 50 }),
            "Workspace name must be 50 characters or fewer"
        );
        assert_eq!(
            FieldRule::Email.describe(english, FieldError::InvalidEmail),
            "Enter an email address in the correct format, like name@example.com"
        );
        let code =
            FieldMessages::new(english, td_string!(english, subject_code), td_string!(english, err_code_required));
        assert_eq!(code.describe(FieldError::WrongLength { expected: 6 }), "The verification code must be 6 digits");
    }

    #[test]
    fn code_outcomes_count_tries_and_minutes() {
        let english = Locale::en;
        assert_eq!(
            code_rejection(english, CodeRejection::Wrong { remaining_attempts: 1 }),
            "The verification code is not correct. You have 1 more try"
        );
        assert_eq!(
            code_rejection(english, CodeRejection::Wrong { remaining_attempts: 3 }),
            "The verification code is not correct. You have 3 more tries"
        );
        assert_eq!(
            send_refusal(english, SendRefusal::HourlyLimit { retry_after_secs: 61 }),
            "Too many codes were sent to this address. Try again in 2 minutes"
        );
        assert_eq!(
            send_refusal(english, SendRefusal::TooSoon { retry_after_secs: 42 }),
            "You can ask for a new code in 42 seconds"
        );
        let (subject, text) = code_mail(english, CodePurpose::Register, "123456", 10);
        assert_eq!(subject, "Your Guance verification code: 123456");
        assert!(text.contains("It expires in 10 minutes"), "{text}");
        // Each code mail says what its code is for.
        let texts: std::collections::HashSet<String> = [
            CodePurpose::Register,
            CodePurpose::LinkBillingAccount,
            CodePurpose::GuanceAccount,
            CodePurpose::PasswordReset,
        ]
        .into_iter()
        .map(|purpose| code_mail(english, purpose, "123456", 10).1)
        .collect();
        assert_eq!(texts.len(), 4);
        assert!(code_mail(english, CodePurpose::PasswordReset, "123456", 10).1.contains("password reset page"));
        assert!(code_mail(Locale::zh, CodePurpose::LinkBillingAccount, "123456", 10).1.contains("费用中心账号"));
        let (_, warning) = guessing_mail(english, "billing-account:owner", 10);
        assert!(warning.contains("10 wrong verification codes for your billing account"), "{warning}");
    }

    #[test]
    fn sites_and_field_errors_for_operators_read_plainly() {
        assert_eq!(date(Locale::en, 1_795_867_200), "28 November 2026");
        assert_eq!(date(Locale::zh, 1_795_867_200), "2026年11月28日");
        assert_eq!(site_name(Locale::en, Site::Cn2), "China Region 2 (Ningxia)");
        assert_eq!(site_name(Locale::en, Site::Us1), "International Region 1 (Oregon)");
        assert_eq!(describe_in(Locale::en, "AWS account ID", FieldError::Required), "Enter AWS account ID");
        assert_eq!(
            describe_in(Locale::en, "AWS account ID", FieldError::WrongLength { expected: 12 }),
            "AWS account ID must be 12 digits"
        );
    }

    #[test]
    fn the_countdown_fills_in_the_seconds() {
        let words = CountdownWords::new(Locale::en);
        assert_eq!(CountdownWords::fill(&words.wait, 42), "You can ask for a new code in 42 s");
        assert_eq!(CountdownWords::fill(&words.announce_wait, 60), "You can ask for a new code in 60 seconds");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn accept_language_picks_a_catalogue_and_falls_back_to_english() {
        assert_eq!(locale_from_accept_language(None), Locale::en);
        assert_eq!(locale_from_accept_language(Some("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5")), Locale::en);
        assert_eq!(locale_from_accept_language(Some("garbage;;q=x,,")), Locale::en);
    }
}

/// `make test` fails when the catalogues drift apart: a key in one and not the other, or a message whose
/// `{{ placeholders }}` differ between the languages.
#[cfg(all(test, feature = "ssr"))]
mod catalogue_parity {
    use std::collections::BTreeSet;

    fn catalogue(text: &str) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(map)) => map,
            other => panic!("a catalogue is a JSON object of messages: {other:?}"),
        }
    }

    fn placeholders(message: &str) -> BTreeSet<String> {
        message
            .split("{{")
            .skip(1)
            .filter_map(|rest| rest.split_once("}}").map(|(name, _)| name.trim().to_owned()))
            .collect()
    }

    /// Chinese keeps two words apart: 关联 for linking a billing account to an AWS account, 绑定 for binding a
    /// workspace.
    #[test]
    fn chinese_links_accounts_and_binds_workspaces() {
        let zh = catalogue(include_str!("../locales/zh.json"));
        let text = |key: &str| zh.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        for key in ["link_title", "button_link", "link_intro_before", "workspaces_intro_2", "settlement_refused_no_aws"]
        {
            assert!(text(key).contains("关联") && !text(key).contains("绑定"), "{key}: {}", text(key));
        }
        for key in ["button_bind", "bind_title", "workspaces_title", "msg_bound"] {
            assert!(text(key).contains("绑定") && !text(key).contains("关联"), "{key}: {}", text(key));
        }
    }

    /// The countdown beside Send code is announced in the words the screen shows (English spells out the
    /// "s" it abbreviates).
    #[test]
    fn the_countdown_is_announced_as_it_is_shown() {
        let zh = catalogue(include_str!("../locales/zh.json"));
        assert_eq!(zh["send_code_wait_announce"], zh["send_code_wait"]);
        let en = catalogue(include_str!("../locales/en.json"));
        let shown =
            en["send_code_wait"].as_str().unwrap_or_default().replace("{{ seconds }} s", "{{ seconds }} seconds");
        assert_eq!(en["send_code_wait_announce"].as_str(), Some(shown.as_str()));
    }

    /// Mail goes out from a no-reply address: no mail asks for a reply.
    #[test]
    fn no_mail_asks_to_be_replied_to() {
        for (language, text) in [("en", include_str!("../locales/en.json")), ("zh", include_str!("../locales/zh.json"))]
        {
            for (key, message) in catalogue(text) {
                let message = message.as_str().unwrap_or_default().to_lowercase();
                if key.starts_with("mail_") {
                    for asks in ["reply to this", "请回复"] {
                        assert!(!message.contains(asks), "{language} {key} asks for a reply");
                    }
                }
            }
        }
    }

    #[test]
    fn english_and_chinese_have_the_same_keys_and_placeholders() {
        let en = catalogue(include_str!("../locales/en.json"));
        let zh = catalogue(include_str!("../locales/zh.json"));
        let only_en: Vec<&String> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        let only_zh: Vec<&String> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(only_en.is_empty() && only_zh.is_empty(), "only in en.json: {only_en:?}; only in zh.json: {only_zh:?}");
        for (key, english) in &en {
            let (english, chinese) = (english.as_str().unwrap_or_default(), zh[key].as_str().unwrap_or_default());
            assert!(!chinese.trim().is_empty(), "{key} has no Chinese");
            assert_eq!(placeholders(english), placeholders(chinese), "{key}'s placeholders differ");
        }
    }
}

impl crate::domain::workspace::WorkspaceRow {
    /// The site's display name (the code itself if it is not one we know).
    pub fn site_name(&self, locale: Locale) -> String {
        Site::ALL
            .iter()
            .find(|s| s.code() == self.site_code)
            .map_or_else(|| self.site_code.clone(), |s| site_name(locale, *s).to_owned())
    }
}
