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
    /// On a site that AWS Marketplace does not offer ([`super::Site::AWS`]): it cannot be bound.
    SiteNotOffered,
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
    /// The row as the AWS flow sees it: a workspace that could be bound but is on a site AWS Marketplace does
    /// not offer cannot be.
    pub fn for_aws(mut self) -> Self {
        let offered = super::Site::parse_aws(&self.site_code).is_ok();
        if self.state == WorkspaceState::Unlinked && !offered {
            self.state = WorkspaceState::SiteNotOffered;
        }
        self
    }

    pub fn language_name(&self) -> String {
        super::WorkspaceLanguage::parse(&self.language_code)
            .map_or_else(|_| self.language_code.clone(), |l| l.name().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_workspaces_on_the_offered_sites_can_be_bound() {
        let row = |site: &str, state| WorkspaceRow {
            id: 1,
            name: "W".into(),
            site_code: site.into(),
            language_code: "en".into(),
            state,
        };
        assert_eq!(row("us1", WorkspaceState::Unlinked).for_aws().state, WorkspaceState::Unlinked);
        assert_eq!(row("cn2", WorkspaceState::Unlinked).for_aws().state, WorkspaceState::Unlinked);
        assert_eq!(row("eu1", WorkspaceState::Unlinked).for_aws().state, WorkspaceState::SiteNotOffered);
        assert_eq!(row("cn1", WorkspaceState::Unlinked).for_aws().state, WorkspaceState::SiteNotOffered);
        // What is billed already stays as it is.
        assert_eq!(row("eu1", WorkspaceState::Linked).for_aws().state, WorkspaceState::Linked);
        assert_eq!(row("eu1", WorkspaceState::SettledByOther).for_aws().state, WorkspaceState::SettledByOther);
    }
}
