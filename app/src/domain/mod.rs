//! Domain types shared by the browser and the server ("parse, don't validate").
//!
//! Each type has one `parse` that is the only way to build it from untrusted text. The browser calls it for
//! instant feedback; the server calls it as the only gate.

use serde::{Deserialize, Serialize};
use std::fmt;

mod activation;
pub mod billing;
pub mod codes;
pub mod console;
mod fields;
#[cfg(test)]
mod fuzz;
pub mod links;
pub mod rules;
pub mod workspace;
pub use activation::{ActivationState, ActivationSummary};
pub use fields::{
    CompanyName, CompanySize, Email, Industry, Password, Phone, Username, VerificationCode, WorkspaceName,
};

/// Why a field's text was refused. The variant is a stable code; `crate::messages` says it in the buyer's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum FieldError {
    #[error("required")]
    Required,
    #[error("too_short")]
    TooShort { min: usize },
    #[error("too_long")]
    TooLong { max: usize },
    #[error("must_start_with_letter")]
    MustStartWithLetter,
    #[error("invalid_email")]
    InvalidEmail,
    #[error("invalid_phone")]
    InvalidPhone,
    #[error("mismatch")]
    Mismatch,
    #[error("invalid_characters")]
    InvalidCharacters,
    #[error("wrong_length")]
    WrongLength { expected: usize },
    #[error("unknown_choice")]
    UnknownChoice,
}

impl FieldError {
    /// A stable machine-readable code (for logs, metrics and the i18n catalogue).
    pub fn code(&self) -> &'static str {
        match self {
            FieldError::Required => "required",
            FieldError::TooShort { .. } => "too_short",
            FieldError::TooLong { .. } => "too_long",
            FieldError::MustStartWithLetter => "must_start_with_letter",
            FieldError::InvalidEmail => "invalid_email",
            FieldError::InvalidPhone => "invalid_phone",
            FieldError::Mismatch => "mismatch",
            FieldError::InvalidCharacters => "invalid_characters",
            FieldError::WrongLength { .. } => "wrong_length",
            FieldError::UnknownChoice => "unknown_choice",
        }
    }
}

/// The trimmed input, when present and at most `max` bytes long.
pub(crate) fn trimmed(input: &str, max: usize) -> Result<&str, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldError::Required);
    }
    if s.len() > max {
        return Err(FieldError::TooLong { max });
    }
    Ok(s)
}

/// Exactly `len` ASCII digits, once the separators people type (`separator`) are dropped.
pub(crate) fn digits(input: &str, separator: impl Fn(char) -> bool, len: usize) -> Result<String, FieldError> {
    let compact: String = input.chars().filter(|&c| !separator(c)).collect();
    if compact.is_empty() {
        return Err(FieldError::Required);
    }
    if !compact.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::InvalidCharacters);
    }
    if compact.len() != len {
        return Err(FieldError::WrongLength { expected: len });
    }
    Ok(compact)
}

/// A 12-digit AWS account id. People copy it from the console as `1234-5678-9012`; spaces and hyphens are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AwsAccountId(String);

impl AwsAccountId {
    pub const LEN: usize = 12;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        digits(input, |c| matches!(c, ' ' | '-'), Self::LEN).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `1234-5678-9012`, as the AWS console shows it.
    pub fn display_grouped(&self) -> String {
        format!("{}-{}-{}", &self.0[0..4], &self.0[4..8], &self.0[8..12])
    }
}

impl fmt::Display for AwsAccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Marketplace listing's product code: letters, digits, `-` and `_`, at most 255 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProductCode(String);

impl ProductCode {
    pub const MAX: usize = 255;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = trimmed(input, Self::MAX)?;
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(FieldError::InvalidCharacters);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The registration token AWS Marketplace posts as `x-amzn-marketplace-token`: opaque, printable ASCII
/// without spaces, at most 2048 characters (real tokens are a few hundred).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceToken(String);

impl MarketplaceToken {
    pub const MAX: usize = 2048;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = trimmed(input, Self::MAX)?;
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldError::InvalidCharacters);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tokens are credentials: never print them.
impl fmt::Debug for MarketplaceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MarketplaceToken({} chars)", self.0.len())
    }
}

/// A Guance site (data centre). Fixed for a workspace at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Site {
    Cn1,
    Cn2,
    Cn4,
    Cn6,
    Us1,
    Eu1,
    Ap1,
    Za1,
    Id1,
    Me1,
}

impl Site {
    /// Every Guance site.
    pub const ALL: [Site; 10] =
        [Site::Cn1, Site::Cn2, Site::Cn4, Site::Cn6, Site::Us1, Site::Eu1, Site::Ap1, Site::Za1, Site::Id1, Site::Me1];

    /// The sites offered to buyers who come through AWS Marketplace.
    pub const AWS: [Site; 2] = [Site::Cn2, Site::Us1];

    pub fn code(self) -> &'static str {
        match self {
            Site::Cn1 => "cn1",
            Site::Cn2 => "cn2",
            Site::Cn4 => "cn4",
            Site::Cn6 => "cn6",
            Site::Us1 => "us1",
            Site::Eu1 => "eu1",
            Site::Ap1 => "ap1",
            Site::Za1 => "za1",
            Site::Id1 => "id1",
            Site::Me1 => "me1",
        }
    }

    /// The host DataKit reports to on this site (its DataWay "openway" endpoint).
    pub fn openway_host(self) -> &'static str {
        match self {
            Site::Cn1 => "openway.guance.com",
            Site::Cn2 => "aws-openway.guance.com",
            Site::Cn4 => "cn4-openway.guance.com",
            Site::Cn6 => "cn6-openway.guance.one",
            Site::Us1 => "us1-openway.guance.com",
            Site::Eu1 => "eu1-openway.guance.one",
            Site::Ap1 => "ap1-openway.guance.one",
            Site::Za1 => "za1-openway.guance.one",
            Site::Id1 => "id1-openway.guance.one",
            Site::Me1 => "me1-openway.guance.one",
        }
    }

    /// The site's Guance console (where its workspaces are used): the openway host's `console` twin,
    /// e.g. `https://us1-console.guance.com` (`PORTAL_CONSOLE_URLS` overrides it per site).
    pub fn console_url(self) -> String {
        format!("https://{}", self.openway_host().replacen("openway", "console", 1))
    }

    /// The one-line DataKit install command for a workspace on this site.
    pub fn datakit_install(self, token: &str) -> String {
        format!(
            "DK_DATAWAY=\"https://{}?token={token}\" bash -c \"$(curl -L https://static.guance.com/datakit/install.sh)\"",
            self.openway_host()
        )
    }

    /// Parses a site code; only the sites of the AWS flow are accepted here.
    pub fn parse_aws(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::UnknownChoice);
        }
        Self::AWS.into_iter().find(|site| site.code() == s).ok_or(FieldError::UnknownChoice)
    }
}

/// The language of a workspace's event, alert and SMS templates. Fixed at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WorkspaceLanguage {
    English,
    Chinese,
}

impl WorkspaceLanguage {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        match input.trim() {
            "en" => Ok(Self::English),
            "zh" => Ok(Self::Chinese),
            _ => Err(FieldError::UnknownChoice),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Chinese => "zh",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::English => "English",
            Self::Chinese => "中文",
        }
    }
}

/// The two ways through the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Branch {
    /// No billing account yet: register one.
    Register,
    /// An existing billing account: link it.
    Link,
}

impl Branch {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        match input.trim() {
            "register" => Ok(Self::Register),
            "link" => Ok(Self::Link),
            _ => Err(FieldError::UnknownChoice),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Link => "link",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Self::Register => crate::paths::REGISTER_BASIC,
            Self::Link => crate::paths::LINK_BILLING,
        }
    }
}

/// Create workspace's two forms: for a buyer who has a Guance account (the workspace is theirs), and for one
/// who has none (a new account is made with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountChoice {
    Existing,
    New,
}

impl AccountChoice {
    /// `existing` or `new`: the form's value, and the draft's.
    pub fn code(self) -> &'static str {
        match self {
            AccountChoice::Existing => "existing",
            AccountChoice::New => "new",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [AccountChoice::Existing, AccountChoice::New].into_iter().find(|c| c.code() == s)
    }

    /// The page with this form.
    pub fn path(self) -> &'static str {
        match self {
            AccountChoice::Existing => crate::paths::LINK_CREATE_EXISTING,
            AccountChoice::New => crate::paths::LINK_CREATE_NEW,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_accepts_twelve_digits_with_console_grouping() {
        let id = AwsAccountId::parse(" 1234-5678-9012 ").expect("valid");
        assert_eq!(id.as_str(), "123456789012");
        assert_eq!(id.display_grouped(), "1234-5678-9012");
        assert_eq!(AwsAccountId::parse("123456789012").expect("valid"), id);
    }

    #[test]
    fn account_id_refuses_empty_letters_and_wrong_length() {
        assert_eq!(AwsAccountId::parse("  "), Err(FieldError::Required));
        assert_eq!(AwsAccountId::parse("12345678901a"), Err(FieldError::InvalidCharacters));
        assert_eq!(AwsAccountId::parse("12345678901"), Err(FieldError::WrongLength { expected: 12 }));
        assert_eq!(AwsAccountId::parse("1234567890123"), Err(FieldError::WrongLength { expected: 12 }));
        assert_eq!(AwsAccountId::parse("١٢٣٤٥٦٧٨٩٠١٢"), Err(FieldError::InvalidCharacters));
    }

    #[test]
    fn product_code_rules() {
        assert_eq!(ProductCode::parse(" guance-dev ").expect("valid").as_str(), "guance-dev");
        assert_eq!(ProductCode::parse(""), Err(FieldError::Required));
        assert_eq!(ProductCode::parse("a b"), Err(FieldError::InvalidCharacters));
        assert_eq!(ProductCode::parse(&"a".repeat(256)), Err(FieldError::TooLong { max: 255 }));
        assert!(ProductCode::parse(&"a".repeat(255)).is_ok());
    }

    #[test]
    fn token_rules() {
        assert!(MarketplaceToken::parse("abc+/=_-XYZ09").is_ok());
        assert_eq!(MarketplaceToken::parse(" \n"), Err(FieldError::Required));
        assert_eq!(MarketplaceToken::parse("ab cd"), Err(FieldError::InvalidCharacters));
        assert_eq!(MarketplaceToken::parse("abcé"), Err(FieldError::InvalidCharacters));
        assert_eq!(MarketplaceToken::parse(&"x".repeat(2049)), Err(FieldError::TooLong { max: 2048 }));
        assert!(MarketplaceToken::parse(&"x".repeat(2048)).is_ok());
    }

    #[test]
    fn token_debug_never_shows_the_secret() {
        let token = MarketplaceToken::parse("secret-token").expect("valid");
        assert!(!format!("{token:?}").contains("secret"));
    }

    #[test]
    fn aws_flow_offers_two_sites_of_the_full_list() {
        assert_eq!(Site::parse_aws("cn2"), Ok(Site::Cn2));
        assert_eq!(Site::parse_aws("us1"), Ok(Site::Us1));
        assert_eq!(Site::parse_aws("eu1"), Err(FieldError::UnknownChoice));
        assert_eq!(Site::parse_aws(""), Err(FieldError::UnknownChoice));
        let codes: std::collections::HashSet<_> = Site::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes.len(), Site::ALL.len(), "site codes are unique");
    }

    #[test]
    fn language_and_branch_parse_only_known_codes() {
        assert_eq!(WorkspaceLanguage::parse("zh"), Ok(WorkspaceLanguage::Chinese));
        assert_eq!(WorkspaceLanguage::parse("fr"), Err(FieldError::UnknownChoice));
        assert_eq!(Branch::parse("register"), Ok(Branch::Register));
        assert_eq!(Branch::parse("link"), Ok(Branch::Link));
        assert_eq!(Branch::parse("LINK"), Err(FieldError::UnknownChoice));
    }
}
