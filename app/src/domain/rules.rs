//! Which rule a text field follows: the server applies it when it checks a submitted form, and the browser
//! applies the very same one to re-check a field live as the buyer corrects it after a submission (with the
//! messages the server rendered for the page, `crate::messages::FieldMessages`).

use super::{CompanyName, Email, FieldError, Password, Phone, Username, WorkspaceName};
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
    }
}
