//! What goes wrong: a server function that fails ([`AppError`]), and the buyer's mistakes on a form
//! ([`FormErrors`]).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Errors a server function reports to the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Something on our side failed; the buyer can try again later.
    #[error("The service is unavailable. Try again in a few minutes.")]
    Unavailable,
    /// A transport or encoding failure of the server-function call itself.
    #[error("The request could not be completed: {0}")]
    Transport(ServerFnErrorErr),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value)
    }
}

/// The buyer's mistakes on one form, in the form's order: (field id, message) pairs. The field id is the element
/// the error summary links to; a group of radio buttons is named by its first option (`site-cn2`,
/// `language-en`), and [`FormErrors::group`] finds its message by the group's name. Stored in the draft's flash
/// as the plain list it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    /// One mistake.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.push(field, message);
        errors
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message of the field `id`.
    pub fn field(&self, id: &str) -> Option<String> {
        self.0.iter().find(|(f, _)| f == id).map(|(_, m)| m.clone())
    }

    /// The message of the radio group `name` (fields `name-…`), or of a field called `name`.
    pub fn group(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| f == name || f.strip_prefix(name).is_some_and(|rest| rest.starts_with('-')))
            .map(|(_, m)| m.clone())
    }

    /// (field id, message) for the error summary.
    pub fn items(&self) -> Vec<(String, String)> {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::FormErrors;

    #[test]
    fn a_field_is_found_by_its_id_and_a_radio_group_by_its_name() {
        let mut errors = FormErrors::default();
        assert!(errors.is_empty());
        errors.push("site-cn2", "Select a site");
        errors.push("code", "Enter the code");
        assert_eq!(errors.field("code").as_deref(), Some("Enter the code"));
        assert_eq!(errors.field("site"), None, "a group is not a field");
        assert_eq!(errors.group("site").as_deref(), Some("Select a site"));
        assert_eq!(errors.group("cod"), None, "a group is a whole name");
        assert_eq!(errors.items().len(), 2);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_stored_flash_keeps_reading_as_the_plain_list_it_was() {
        assert_eq!(serde_json::to_string(&FormErrors::one("a", "b")).expect("json"), r#"[["a","b"]]"#);
    }
}
