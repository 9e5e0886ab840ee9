//! The design system: every shared component and island. Pages and `/gallery` import from here.

mod browser_check;
#[cfg(feature = "hydrate")]
mod checks;
mod choices;
mod controls;
mod fields;
mod language;
mod layout;
#[cfg(feature = "hydrate")]
mod navigation;
mod notice;
mod page;
mod text;
mod wizard;
mod workspaces;

pub(crate) use browser_check::BrowserCheck;
pub(crate) use choices::{Checkbox, LanguageField, TermsField};
pub(crate) use controls::{Button, ButtonKind, Enhancements};
pub(crate) use fields::{CodeField, PasswordField, Select, SendCodeButton, TextField};
pub(crate) use layout::{PageLayout, SiteHeader};
pub(crate) use notice::{Notice, NoticeKind, SummaryList, SummaryRow};
pub(crate) use page::{ErrorMessage, ErrorSummary, Loading, NotFound, ServiceProblem, WaysForward};
pub(crate) use text::with_account;
pub(crate) use wizard::{BranchOption, StepIndicator};
pub(crate) use workspaces::{bind_consequence, BindControl, BindWords, SiteSelector, StateTag, WorkspaceTable};
