//! The link branch ("I have a billing account"): link the billing account with a code mailed to the address
//! on file, then bind its workspaces to the AWS account or create new ones. A **Site** selector at the top
//! right of these pages decides where a new workspace is created.

pub mod billing;
pub mod create;
pub mod workspaces;

#[cfg(feature = "ssr")]
use crate::domain::Site;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::paths::{LINK_BILLING, LINK_CREATE, LINK_CREATE_EXISTING, LINK_CREATE_NEW, LINK_WORKSPACES};

#[cfg(feature = "ssr")]
use crate::wizard::{visit, Gate};
use leptos::prelude::*;

/// The site new workspaces go to when the buyer has not chosen one.
#[cfg(feature = "ssr")]
pub const DEFAULT_SITE: Site = Site::Us1;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::workspace::WorkspaceRow;
    use crate::ssr::draft::Draft;
    use crate::ssr::ports::Ports;
    use crate::ssr::session::SessionKey;
    use crate::ssr::unavailable;

    /// Tells the owner of the session's billing account that one of its workspaces is now billed to this
    /// AWS account (bound or created here): the workspace, the AWS account (its last four digits) and the
    /// date, in the buyer's language. A failure is logged: the link itself stands (the outbox retries).
    pub async fn mail_owner_linked(
        ports: &Ports,
        locale: crate::i18n::Locale,
        summary: &crate::domain::ActivationSummary,
        workspace: &str,
        at: i64,
    ) {
        use crate::i18n::td_string;
        let Some(username) = summary.billing_username.as_deref().and_then(|u| crate::domain::Username::parse(u).ok())
        else {
            return;
        };
        let to = match ports.store.billing_account_email(&username).await {
            Ok(Some(email)) => email,
            Ok(None) => return,
            Err(e) => {
                leptos::logging::error!("linked notice: the billing account's email could not be read: {e}");
                return;
            }
        };
        let id = summary.aws_account_id.as_str();
        let account = format!("…{}", &id[id.len().saturating_sub(4)..]);
        let date = crate::messages::date(locale, at);
        let text = td_string!(
            locale,
            mail_linked_text,
            name = workspace,
            billing = username.as_str(),
            account = account.as_str(),
            date = date.as_str(),
            base = ports.public_url.as_str()
        )
        .to_string();
        let mail = crate::ssr::ports::OutgoingMail {
            to: to.as_str().to_owned(),
            subject: td_string!(locale, mail_linked_subject, name = workspace).to_string(),
            text,
            valid_until: None,
        };
        if let Err(e) = ports.mailer.send(mail).await {
            leptos::logging::error!("linked notice for workspace {workspace} not sent: {e}");
        }
    }

    /// The draft's billing account was proven by a code and waits for the buyer's confirmation.
    pub fn verified(draft: &Draft) -> bool {
        let key = crate::domain::Username::parse(&draft.link.billing_username).map(|u| u.key()).ok();
        key.is_some() && draft.link.billing_verified == key
    }

    /// The selected site.
    pub fn site(draft: &Draft) -> Site {
        Site::parse_aws(&draft.link.site).unwrap_or(DEFAULT_SITE)
    }

    /// The workspaces of the linked billing account, or (none linked) a redirect to Link billing account.
    pub async fn workspaces(ports: &Ports, key: &SessionKey) -> Result<Gate<Vec<WorkspaceRow>>, AppError> {
        match ports.store.linked_workspaces(key, crate::ssr::ports::now()).await.map_err(unavailable)? {
            Some(rows) => Ok(Gate::Show(rows.into_iter().map(WorkspaceRow::for_aws).collect())),
            None => Ok(Gate::redirect(LINK_BILLING)),
        }
    }
}

/// Where the [`crate::ui::SiteSelector`] posts.
pub(crate) fn site_action() -> &'static str {
    <ChooseSite as leptos::server_fn::ServerFn>::url()
}

/// The Site selector's form: remembers the site and returns to the page it was on.
#[server(endpoint = "choose_site")]
pub async fn choose_site(site: Option<String>, back: Option<String>) -> Result<(), AppError> {
    let ports = crate::ssr::ports()?;
    let back = match back.as_deref() {
        Some(LINK_WORKSPACES) => LINK_WORKSPACES,
        Some(back @ (LINK_CREATE_EXISTING | LINK_CREATE_NEW)) => back,
        Some(LINK_CREATE) => LINK_CREATE,
        _ => LINK_BILLING,
    };
    if let Ok(Gate::Show(mut visit)) = visit(&ports).await {
        if let Ok(site) = Site::parse_aws(site.as_deref().unwrap_or_default()) {
            visit.draft.link.site = site.code().to_owned();
            visit.save(&ports).await?;
        }
    }
    leptos_axum::redirect(back);
    Ok(())
}
