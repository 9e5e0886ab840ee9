//! Addresses the vendor configures, shown on buyer pages (`PORTAL_*_URL`, see the README).

use serde::{Deserialize, Serialize};

/// Where the portal's pages send buyers for what it does not serve itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteLinks {
    /// The introductory video of "Start using Guance" (`PORTAL_INTRO_VIDEO_URL`).
    pub intro_video: String,
    /// How to install DataKit (`PORTAL_DATAKIT_DOCS_URL`).
    pub datakit_docs: String,
}

impl Default for SiteLinks {
    fn default() -> Self {
        Self {
            intro_video: "https://docs.guance.com/en/getting-started/".to_owned(),
            datakit_docs: "https://docs.guance.com/en/datakit/datakit-install/".to_owned(),
        }
    }
}
