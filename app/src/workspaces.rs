//! Workspaces as the wizard shows them: name, site, language and how they are settled, with the **Linked**
//! state of a workspace billed to the AWS account being activated.

use crate::domain::{Site, WorkspaceLanguage};
use crate::i18n::Locale;
use crate::messages::{page_locale, site_name, state_label};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How a workspace is settled, seen from the AWS account being activated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkspaceState {
    /// Billed to this AWS account.
    Linked,
    /// Billed to another AWS account: it cannot be bound here.
    SettledByOther,
    /// Billed through the billing center: it can be bound.
    Unlinked,
}

/// One workspace row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceRow {
    pub id: i64,
    pub name: String,
    pub site_code: String,
    pub language_code: String,
    pub state: WorkspaceState,
}

impl WorkspaceRow {
    /// The site's display name (the code itself if it is not one we know).
    pub fn site_name(&self, locale: Locale) -> String {
        Site::ALL
            .iter()
            .find(|s| s.code() == self.site_code)
            .map_or_else(|| self.site_code.clone(), |s| site_name(locale, *s).to_owned())
    }

    pub fn language_name(&self) -> String {
        WorkspaceLanguage::parse(&self.language_code)
            .map_or_else(|_| self.language_code.clone(), |l| l.name().to_owned())
    }
}

/// The state as a tag; **Linked** stands out.
#[component]
pub fn StateTag(state: WorkspaceState) -> impl IntoView {
    view! {
        <strong class="tag" class:tag-linked=state == WorkspaceState::Linked
            class:tag-muted=state != WorkspaceState::Linked>
            {state_label(page_locale(), state)}
        </strong>
    }
}
