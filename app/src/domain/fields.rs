//! The wizard's fields. One type per field, one `parse` per type; the browser uses it for instant feedback,
//! the server as its only gate. Server-only checks (password strength, phone numbering plans) live in
//! [`crate::domain::server_checks`], which needs libraries too large for the browser bundle.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

fn code_points(s: &str) -> usize {
    s.chars().count()
}

/// Refuses control characters (newlines, NUL, bidi overrides are not names).
fn printable(s: &str) -> Result<(), FieldError> {
    if s.chars().any(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')) {
        Err(FieldError::InvalidCharacters)
    } else {
        Ok(())
    }
}

/// 3–32 characters: an ASCII letter first, then letters, digits, `_`, `.` or `-`. Unique case-insensitively:
/// [`Username::key`] is what the database's unique index holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub const MIN: usize = 3;
    pub const MAX: usize = 32;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(FieldError::MustStartWithLetter);
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            return Err(FieldError::InvalidCharacters);
        }
        if s.len() < Self::MIN {
            return Err(FieldError::TooShort { min: Self::MIN });
        }
        if s.len() > Self::MAX {
            return Err(FieldError::TooLong { max: Self::MAX });
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive identity of the name.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 15–128 Unicode code points, no composition rules; spaces count (passphrases). Never printed, never
/// serialized: it travels only as the form's text and is hashed on the server.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN: usize = 15;
    pub const MAX: usize = 128;

    /// Passwords are taken as typed: leading and trailing spaces are part of them.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        if input.is_empty() {
            return Err(FieldError::Required);
        }
        let n = code_points(input);
        if n < Self::MIN {
            return Err(FieldError::TooShort { min: Self::MIN });
        }
        if n > Self::MAX {
            return Err(FieldError::TooLong { max: Self::MAX });
        }
        Ok(Self(input.to_owned()))
    }

    /// The confirmation must be exactly the password.
    pub fn confirm(&self, confirmation: &str) -> Result<(), FieldError> {
        if confirmation.is_empty() {
            Err(FieldError::Required)
        } else if confirmation == self.0 {
            Ok(())
        } else {
            Err(FieldError::Mismatch)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// An email address in the form people use: `name@example.com`, at most 254 characters, parsed by the
/// `email_address` crate (RFC 5322), with a dotted domain (no `user@localhost`, no IP literals).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = super::trimmed(input, Self::MAX)?;
        let parsed: email_address::EmailAddress = s.parse().map_err(|_| FieldError::InvalidEmail)?;
        let domain = parsed.domain();
        let dotted = domain.contains('.') && !domain.starts_with('[') && !domain.ends_with('.');
        if !dotted || parsed.display_part() != "" || s.contains(char::is_whitespace) {
            return Err(FieldError::InvalidEmail);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identity used for rate limits and code binding: the domain is case-insensitive; the local part
    /// is compared as typed by RFC, but no real provider distinguishes case, so both are lowered.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An optional phone number. The browser checks the shape (digits with `+`, spaces, `-`, `.` or brackets,
/// 6–15 digits as E.164 allows); the server also checks the numbering plan with a phone-number library.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Empty input is no phone number, which is allowed.
    pub fn parse_optional(input: &str) -> Result<Option<Self>, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if !s.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')')) {
            return Err(FieldError::InvalidPhone);
        }
        if s.chars().skip(1).any(|c| c == '+') {
            return Err(FieldError::InvalidPhone);
        }
        let digits = s.chars().filter(char::is_ascii_digit).count();
        if !(6..=15).contains(&digits) {
            return Err(FieldError::InvalidPhone);
        }
        Ok(Some(Self(s.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company's name: 2–100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CompanyName(String);

impl CompanyName {
    pub const MIN: usize = 2;
    pub const MAX: usize = 100;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        printable(s)?;
        match code_points(s) {
            n if n < Self::MIN => Err(FieldError::TooShort { min: Self::MIN }),
            n if n > Self::MAX => Err(FieldError::TooLong { max: Self::MAX }),
            _ => Ok(Self(s.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The optional industry a company gives in step 2; the codes are what the form posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Industry {
    Internet,
    Finance,
    Manufacturing,
    Retail,
    Education,
    Healthcare,
    Government,
    Other,
}

impl Industry {
    pub const ALL: [Industry; 8] = [
        Industry::Internet,
        Industry::Finance,
        Industry::Manufacturing,
        Industry::Retail,
        Industry::Education,
        Industry::Healthcare,
        Industry::Government,
        Industry::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Industry::Internet => "internet",
            Industry::Finance => "finance",
            Industry::Manufacturing => "manufacturing",
            Industry::Retail => "retail",
            Industry::Education => "education",
            Industry::Healthcare => "healthcare",
            Industry::Government => "government",
            Industry::Other => "other",
        }
    }

    /// Empty is "not given".
    pub fn parse_optional(input: &str) -> Result<Option<Self>, FieldError> {
        choose(&Self::ALL, input, Self::code)
    }
}

/// The optional company size a company gives in step 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CompanySize {
    Small,
    Medium,
    Large,
    Enterprise,
}

impl CompanySize {
    pub const ALL: [CompanySize; 4] =
        [CompanySize::Small, CompanySize::Medium, CompanySize::Large, CompanySize::Enterprise];

    pub fn code(self) -> &'static str {
        match self {
            CompanySize::Small => "1-49",
            CompanySize::Medium => "50-199",
            CompanySize::Large => "200-999",
            CompanySize::Enterprise => "1000+",
        }
    }

    pub fn parse_optional(input: &str) -> Result<Option<Self>, FieldError> {
        choose(&Self::ALL, input, Self::code)
    }
}

/// An optional choice from a fixed list, by code.
fn choose<T: Copy>(all: &[T], input: &str, code: fn(T) -> &'static str) -> Result<Option<T>, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    all.iter().copied().find(|&item| code(item) == s).map(Some).ok_or(FieldError::UnknownChoice)
}

/// A workspace's name: 1–50 characters after trimming, no control characters; unique per billing account
/// and site, case-insensitively ([`WorkspaceName::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub const MAX: usize = 50;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        printable(s)?;
        if code_points(s) > Self::MAX {
            return Err(FieldError::TooLong { max: Self::MAX });
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A 6-digit emailed code. Spaces typed or pasted into it are ignored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationCode(String);

impl VerificationCode {
    pub const LEN: usize = 6;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        super::digits(input, char::is_whitespace, Self::LEN).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_rules() {
        assert_eq!(Username::parse(" Alice_01.x-y ").expect("valid").as_str(), "Alice_01.x-y");
        assert_eq!(Username::parse("Alice").expect("valid").key(), "alice");
        assert_eq!(Username::parse(""), Err(FieldError::Required));
        assert_eq!(Username::parse("1alice"), Err(FieldError::MustStartWithLetter));
        assert_eq!(Username::parse("_alice"), Err(FieldError::MustStartWithLetter));
        assert_eq!(Username::parse("émile"), Err(FieldError::MustStartWithLetter));
        assert_eq!(Username::parse("al ice"), Err(FieldError::InvalidCharacters));
        assert_eq!(Username::parse("alicé"), Err(FieldError::InvalidCharacters));
        assert_eq!(Username::parse("ab"), Err(FieldError::TooShort { min: 3 }));
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&format!("a{}", "b".repeat(31))).is_ok());
        assert_eq!(Username::parse(&format!("a{}", "b".repeat(32))), Err(FieldError::TooLong { max: 32 }));
    }

    #[test]
    fn password_counts_code_points_and_keeps_spaces() {
        assert_eq!(Password::parse(""), Err(FieldError::Required));
        assert_eq!(Password::parse(&"a".repeat(14)), Err(FieldError::TooShort { min: 15 }));
        assert!(Password::parse(&"a".repeat(15)).is_ok());
        // 15 code points of 3 bytes each: long enough, though 45 bytes.
        assert!(Password::parse(&"密".repeat(15)).is_ok());
        assert_eq!(Password::parse(&"密".repeat(14)), Err(FieldError::TooShort { min: 15 }));
        assert!(Password::parse(&"a".repeat(128)).is_ok());
        assert_eq!(Password::parse(&"a".repeat(129)), Err(FieldError::TooLong { max: 128 }));
        let p = Password::parse(" correct horse battery ").expect("valid");
        assert_eq!(p.expose(), " correct horse battery ");
        assert_eq!(p.confirm(" correct horse battery "), Ok(()));
        assert_eq!(p.confirm("correct horse battery"), Err(FieldError::Mismatch));
        assert_eq!(p.confirm(""), Err(FieldError::Required));
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn email_rules() {
        assert_eq!(Email::parse(" Name@Example.com ").expect("valid").as_str(), "Name@Example.com");
        assert_eq!(Email::parse("Name@Example.com").expect("valid").key(), "name@example.com");
        assert_eq!(Email::parse(""), Err(FieldError::Required));
        for bad in ["name", "name@", "@example.com", "name@localhost", "name@[127.0.0.1]", "a b@example.com"] {
            assert_eq!(Email::parse(bad), Err(FieldError::InvalidEmail), "{bad}");
        }
        assert_eq!(Email::parse("Name <name@example.com>"), Err(FieldError::InvalidEmail));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(FieldError::TooLong { max: 254 }));
    }

    #[test]
    fn phone_is_optional_and_shaped_like_a_number() {
        assert_eq!(Phone::parse_optional("  "), Ok(None));
        assert!(Phone::parse_optional("+86 138-0013-8000").expect("valid").is_some());
        assert!(Phone::parse_optional("(541) 754-3010").expect("valid").is_some());
        for bad in ["abc", "12345", "+1 2+3 456 7890", "1234567890123456", "555-CALL-NOW"] {
            assert_eq!(Phone::parse_optional(bad), Err(FieldError::InvalidPhone), "{bad}");
        }
    }

    #[test]
    fn company_and_workspace_names() {
        assert_eq!(CompanyName::parse(" Acme Ltd ").expect("valid").as_str(), "Acme Ltd");
        assert_eq!(CompanyName::parse("A"), Err(FieldError::TooShort { min: 2 }));
        assert!(CompanyName::parse("观测").is_ok());
        assert_eq!(CompanyName::parse(&"x".repeat(101)), Err(FieldError::TooLong { max: 100 }));
        assert_eq!(CompanyName::parse("Acme\nLtd"), Err(FieldError::InvalidCharacters));
        assert_eq!(WorkspaceName::parse("  "), Err(FieldError::Required));
        assert!(WorkspaceName::parse("w").is_ok());
        assert!(WorkspaceName::parse(&"工".repeat(50)).is_ok());
        assert_eq!(WorkspaceName::parse(&"工".repeat(51)), Err(FieldError::TooLong { max: 50 }));
        assert_eq!(
            WorkspaceName::parse("Prod").expect("valid").key(),
            WorkspaceName::parse("PROD").expect("valid").key()
        );
        assert_eq!(WorkspaceName::parse("a\u{202E}b"), Err(FieldError::InvalidCharacters));
    }

    #[test]
    fn industry_and_size_are_optional_choices_from_the_list() {
        assert_eq!(Industry::parse_optional(""), Ok(None));
        assert_eq!(Industry::parse_optional("finance"), Ok(Some(Industry::Finance)));
        assert_eq!(Industry::parse_optional("crypto"), Err(FieldError::UnknownChoice));
        assert_eq!(CompanySize::parse_optional(" 1000+ "), Ok(Some(CompanySize::Enterprise)));
        assert_eq!(CompanySize::parse_optional("huge"), Err(FieldError::UnknownChoice));
    }

    #[test]
    fn verification_code_ignores_spaces() {
        assert_eq!(VerificationCode::parse(" 123 456 ").expect("valid").as_str(), "123456");
        assert_eq!(VerificationCode::parse(""), Err(FieldError::Required));
        assert_eq!(VerificationCode::parse("12345"), Err(FieldError::WrongLength { expected: 6 }));
        assert_eq!(VerificationCode::parse("1234567"), Err(FieldError::WrongLength { expected: 6 }));
        assert_eq!(VerificationCode::parse("12a456"), Err(FieldError::InvalidCharacters));
        assert_eq!(VerificationCode::parse("١٢٣٤٥٦"), Err(FieldError::InvalidCharacters));
    }
}
