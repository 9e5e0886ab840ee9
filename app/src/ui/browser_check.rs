//! What the browser checks on a form group before the form is sent ([`BrowserCheck`], rendered by the
//! server as the group's `data-check`; read by `checks.rs`).

use crate::domain::rules::FieldRule;
use crate::messages::{page_locale, FieldMessages};

/// What the browser checks on a form group before the form is sent (`ui::navigation`), rendered as the group's
/// `data-check` attribute: the form field's value by `rule`, in `messages` (the page's words, the server's
/// catalogue). Text fields with a live rule check themselves (their island); this is for the others — a
/// confirmation, a code, a choice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct BrowserCheck {
    /// The form field's name (a radio group's, a box's); its error is `{field}-error`.
    pub field: String,
    pub rule: FieldRule,
    pub messages: FieldMessages,
    /// The id the error summary links to (a group's first option).
    pub target: String,
    /// For [`FieldRule::ConfirmPassword`]: the name of the password it confirms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirms: Option<String>,
}

impl BrowserCheck {
    /// A check of `field` by `rule` in its own words, the summary linking to `target`.
    pub fn new(field: &str, rule: FieldRule, target: &str) -> Self {
        Self::worded(field, rule, target, rule.messages(page_locale()))
    }

    /// A check whose words the page chooses ("Select where your workspace will be").
    pub fn worded(field: &str, rule: FieldRule, target: &str, messages: FieldMessages) -> Self {
        Self { field: field.to_owned(), rule, messages, target: target.to_owned(), confirms: None }
    }

    /// The `data-check` attribute's value.
    pub fn attr(&self) -> Option<String> {
        #[cfg(any(feature = "ssr", feature = "hydrate"))]
        return serde_json::to_string(self).ok();
        #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
        None
    }
}
