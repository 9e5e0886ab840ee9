//! Which rule a text field follows, and its messages in the buyer's words: the server uses them when it
//! checks a submitted form, and the browser uses the very same ones to re-check a field live as the buyer
//! corrects it after a submission.

use super::{CompanyName, Email, FieldError, Phone, Username, WorkspaceName};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldRule {
    Username,
    BillingUsername,
    Email,
    Phone,
    CompanyName,
    WorkspaceName,
}

impl FieldRule {
    /// (subject of a message, what an empty field says).
    fn words(self) -> (&'static str, &'static str) {
        match self {
            FieldRule::Username => ("Username", "Enter a username"),
            FieldRule::BillingUsername => ("Billing account username", "Enter the username of your billing account"),
            FieldRule::Email => ("Email address", "Enter an email address"),
            FieldRule::Phone => ("Phone number", "Enter a phone number"),
            FieldRule::CompanyName => ("Company name", "Enter your company name"),
            FieldRule::WorkspaceName => ("Workspace name", "Enter a workspace name"),
        }
    }

    /// The message for `error` on a field of this rule.
    pub fn describe(self, error: FieldError) -> String {
        let (subject, enter) = self.words();
        error.describe(subject, enter)
    }

    /// Checks `input` by the domain type's own `parse`; the message when it is refused.
    pub fn check(self, input: &str) -> Result<(), String> {
        let parsed = match self {
            FieldRule::Username | FieldRule::BillingUsername => Username::parse(input).map(drop),
            FieldRule::Email => Email::parse(input).map(drop),
            FieldRule::Phone => Phone::parse_optional(input).map(drop),
            FieldRule::CompanyName => CompanyName::parse(input).map(drop),
            FieldRule::WorkspaceName => WorkspaceName::parse(input).map(drop),
        };
        parsed.map_err(|e| self.describe(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_checks_with_its_type_and_speaks_of_its_field() {
        assert_eq!(FieldRule::Username.check("alice"), Ok(()));
        assert_eq!(FieldRule::Username.check(""), Err("Enter a username".to_owned()));
        assert_eq!(FieldRule::Username.check("ab"), Err("Username must be 3 characters or more".to_owned()));
        assert_eq!(
            FieldRule::BillingUsername.check("9lives"),
            Err("Billing account username must start with a letter (a to z)".to_owned())
        );
        assert_eq!(FieldRule::Email.check("name@example.com"), Ok(()));
        assert!(FieldRule::Email.check("name@").is_err());
        assert_eq!(FieldRule::Phone.check(""), Ok(()), "the phone is optional");
        assert_eq!(FieldRule::CompanyName.check(" "), Err("Enter your company name".to_owned()));
        assert_eq!(
            FieldRule::WorkspaceName.check(&"w".repeat(51)),
            Err("Workspace name must be 50 characters or fewer".to_owned())
        );
    }
}
