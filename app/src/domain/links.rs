//! Addresses the vendor configures, shown on buyer pages (`PORTAL_*_URL`, see the README).

use serde::{Deserialize, Serialize};

/// Where the portal's pages send buyers for what it does not serve itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteLinks {
    /// The introductory video of "Start using Guance" (`PORTAL_INTRO_VIDEO_URL`).
    pub intro_video: String,
    /// How to install DataKit (`PORTAL_DATAKIT_DOCS_URL`).
    pub datakit_docs: String,
    /// The terms a buyer agrees to (`PORTAL_TERMS_URL`; dev: the sample page `/terms`).
    pub terms: String,
    /// Guance support, in every page's footer (`PORTAL_SUPPORT_URL`: `https://…` or `mailto:…`).
    #[serde(default)]
    pub support: String,
    /// The privacy notice, in every page's footer (`PORTAL_PRIVACY_URL`).
    #[serde(default)]
    pub privacy: String,
    /// The buyer's AWS Marketplace subscriptions, where Set Up Your Account is (`PORTAL_MARKETPLACE_URL`;
    /// default: the partition's marketplace — global, or China's).
    pub marketplace: String,
    /// Each site's console where it differs from [`super::Site::console_url`] (`PORTAL_CONSOLE_URLS`:
    /// `site=url,…`): (site code, URL).
    #[serde(default)]
    pub consoles: Vec<(String, String)>,
}

impl SiteLinks {
    /// The console of the site `code` (a workspace's "Open the console").
    pub fn console(&self, code: &str) -> Option<String> {
        self.consoles
            .iter()
            .find(|(site, _)| site == code)
            .map(|(_, url)| url.clone())
            .or_else(|| super::Site::ALL.iter().find(|s| s.code() == code).map(|s| s.console_url()))
    }
}

/// The global AWS Marketplace's subscriptions page.
pub const GLOBAL_MARKETPLACE: &str = "https://aws.amazon.com/marketplace/library";
/// The AWS China marketplace's (awsmarketplace.amazonaws.cn) subscriptions page.
pub const CHINA_MARKETPLACE: &str = "https://awsmarketplace.amazonaws.cn/marketplace/library";

impl Default for SiteLinks {
    fn default() -> Self {
        Self {
            intro_video: "https://docs.guance.com/en/getting-started/".to_owned(),
            datakit_docs: "https://docs.guance.com/en/datakit/datakit-install/".to_owned(),
            terms: "https://www.guance.com/terms".to_owned(),
            support: "mailto:support@guance.com".to_owned(),
            privacy: "https://www.guance.com/privacy".to_owned(),
            marketplace: GLOBAL_MARKETPLACE.to_owned(),
            consoles: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_site_has_its_console_and_a_setting_overrides_one() {
        let mut links = SiteLinks::default();
        assert_eq!(links.console("us1").as_deref(), Some("https://us1-console.guance.com"));
        assert_eq!(links.console("cn2").as_deref(), Some("https://aws-console.guance.com"));
        assert_eq!(links.console("xx"), None);
        links.consoles.push(("cn2".into(), "https://console.example.cn".into()));
        assert_eq!(links.console("cn2").as_deref(), Some("https://console.example.cn"));
        assert_eq!(links.console("us1").as_deref(), Some("https://us1-console.guance.com"));
    }
}
