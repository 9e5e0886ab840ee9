//! Which rule a field follows: the server applies it when it checks a submitted form, and the browser applies
//! the very same one — as the buyer leaves a field, and to every field before a form is sent — with the
//! messages the server rendered for the page (`crate::messages::FieldMessages`).

use super::{CompanyName, Email, FieldError, Password, Phone, Username, VerificationCode, WorkspaceName};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldRule {
    Username,
    BillingUsername,
    Email,
    Phone,
    CompanyName,
    WorkspaceName,
    /// A password being chosen (its length; its strength is the server's).
    NewPassword,
    /// The new password typed again ([`FieldRule::confirm`]).
    ConfirmPassword,
    /// An emailed verification code's shape (whether it is the right one is the server's).
    Code,
    /// One of a set of radio buttons or a box that must be ticked: the chosen value, empty when none.
    Choice,
}

impl FieldRule {
    /// Checks `input` by the domain type's own `parse` (the message is [`FieldRule::describe`]'s, in
    /// `crate::messages`).
    pub fn validate(self, input: &str) -> Result<(), FieldError> {
        match self {
            FieldRule::Username | FieldRule::BillingUsername => Username::parse(input).map(drop),
            FieldRule::Email => Email::parse(input).map(drop),
            FieldRule::Phone => Phone::parse_optional(input).map(drop),
            FieldRule::CompanyName => CompanyName::parse(input).map(drop),
            FieldRule::WorkspaceName => WorkspaceName::parse(input).map(drop),
            FieldRule::NewPassword => Password::parse(input).map(drop),
            FieldRule::ConfirmPassword | FieldRule::Choice if input.trim().is_empty() => Err(FieldError::Required),
            FieldRule::ConfirmPassword => Ok(()),
            FieldRule::Code => VerificationCode::parse(input).map(drop),
            FieldRule::Choice => Ok(()),
        }
    }

    /// Checks a new password's confirmation as the server does (`ssr::checks::new_password`), beside the
    /// password's own errors (a short password and a different confirmation are both reported at once): once a
    /// password is typed, the confirmation must be exactly it. (Alone, [`FieldRule::validate`] can only say
    /// whether it was typed.)
    pub fn confirm(password: &str, confirmation: &str) -> Result<(), FieldError> {
        if password.is_empty() {
            Ok(())
        } else if confirmation.is_empty() {
            Err(FieldError::Required)
        } else if confirmation == password {
            Ok(())
        } else {
            Err(FieldError::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_checks_with_its_type() {
        assert_eq!(FieldRule::Username.validate("alice"), Ok(()));
        assert_eq!(FieldRule::Username.validate(""), Err(FieldError::Required));
        assert_eq!(FieldRule::Username.validate("ab"), Err(FieldError::TooShort { min: 3 }));
        assert_eq!(FieldRule::BillingUsername.validate("9lives"), Err(FieldError::MustStartWithLetter));
        assert_eq!(FieldRule::Email.validate("name@example.com"), Ok(()));
        assert_eq!(FieldRule::Email.validate("name@"), Err(FieldError::InvalidEmail));
        assert_eq!(FieldRule::Phone.validate(""), Ok(()), "the phone is optional");
        assert_eq!(FieldRule::CompanyName.validate(" "), Err(FieldError::Required));
        assert_eq!(FieldRule::WorkspaceName.validate(&"w".repeat(51)), Err(FieldError::TooLong { max: 50 }));
        assert_eq!(FieldRule::NewPassword.validate("short"), Err(FieldError::TooShort { min: 15 }));
        assert_eq!(FieldRule::NewPassword.validate(""), Err(FieldError::Required));
        assert_eq!(FieldRule::NewPassword.validate(" fifteen chars  "), Ok(()), "taken as typed, spaces count");
        assert_eq!(FieldRule::Code.validate("12 34 56"), Ok(()), "spaces are ignored");
        assert_eq!(FieldRule::Code.validate(""), Err(FieldError::Required));
        assert_eq!(FieldRule::Code.validate("12345"), Err(FieldError::WrongLength { expected: 6 }));
        assert_eq!(FieldRule::Code.validate("12345a"), Err(FieldError::InvalidCharacters));
        assert_eq!(FieldRule::Choice.validate(""), Err(FieldError::Required));
        assert_eq!(FieldRule::Choice.validate("cn2"), Ok(()));
    }

    #[test]
    fn a_confirmation_is_checked_once_the_password_is_acceptable() {
        let password = "correct horse battery";
        assert_eq!(FieldRule::confirm(password, password), Ok(()));
        assert_eq!(FieldRule::confirm(password, "correct horse battery "), Err(FieldError::Mismatch));
        assert_eq!(FieldRule::confirm(password, ""), Err(FieldError::Required));
        assert_eq!(FieldRule::confirm("short", "other"), Err(FieldError::Mismatch), "beside the password's own error");
        assert_eq!(FieldRule::confirm("short", ""), Err(FieldError::Required));
        assert_eq!(FieldRule::confirm("", ""), Ok(()), "nothing to confirm: the password's own error says so");
        assert_eq!(FieldRule::ConfirmPassword.validate(""), Err(FieldError::Required));
    }
}
