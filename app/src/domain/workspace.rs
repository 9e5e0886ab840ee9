//! Workspaces as the wizard shows them: name, site, language and how they are settled, with the **Linked**
//! state of a workspace billed to the AWS account being activated.

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
    pub fn language_name(&self) -> String {
        super::WorkspaceLanguage::parse(&self.language_code)
            .map_or_else(|_| self.language_code.clone(), |l| l.name().to_owned())
    }
}
