//! The design system: every shared component and island. Pages and `/gallery` import from here.

#[cfg(feature = "hydrate")]
mod checks;
mod controls;
mod fields;
mod layout;
#[cfg(feature = "hydrate")]
mod navigation;
mod notice;
mod page;
mod wizard;
mod workspaces;

pub(crate) use controls::{Button, ButtonKind, Enhancements};
pub(crate) use fields::{
    BrowserCheck, Checkbox, CodeField, LanguageField, PasswordField, Select, SendCodeButton, TermsField, TextField,
};
pub(crate) use layout::{PageLayout, SiteHeader};
pub(crate) use notice::{Notice, NoticeKind, SummaryList, SummaryRow};
pub(crate) use page::{ErrorMessage, ErrorSummary, Loading, NotFound, ServiceProblem, WaysForward};
pub(crate) use wizard::{BranchOption, StepIndicator};
pub(crate) use workspaces::{bind_consequence, BindControl, BindWords, SiteSelector, StateTag, WorkspaceListRow};
