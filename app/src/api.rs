//! The server-function surface. Each function parses its input into domain types, calls a port taken from
//! context, and maps the result to the wire. No business rule lives here.

use crate::domain::{AwsAccountId, Branch, ProductCode};
use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What the wizard shows about the activation under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationSummary {
    pub aws_account_id: AwsAccountId,
    pub product_code: ProductCode,
    pub branch: Option<Branch>,
    /// The billing account this AWS account is linked to, once it is.
    pub billing_username: Option<String>,
    /// AWS Marketplace said the payment for this subscription failed (`subscribe-fail`).
    #[serde(default)]
    pub payment_failed: bool,
}

/// Whether the visitor has an activation session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivationState {
    /// No session: activation starts from AWS Marketplace.
    None,
    /// The session was idle too long and has ended.
    Ended,
    Active(ActivationSummary),
}

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

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::ports::{Ports, SessionLookup};
    use crate::session::{cookie_name, SessionId};

    pub fn ports() -> Result<Ports, AppError> {
        use_context::<Ports>().ok_or_else(|| {
            leptos::logging::error!("Ports missing from context");
            AppError::Unavailable
        })
    }

    /// The session id from the request's cookie, if it is well formed.
    pub async fn session_id() -> Option<SessionId> {
        let jar: axum_extra::extract::CookieJar = leptos_axum::extract().await.ok()?;
        let secure = !use_context::<Ports>()?.dev_mode;
        SessionId::from_cookie(jar.get(cookie_name(secure))?.value())
    }

    pub fn to_state(lookup: SessionLookup) -> ActivationState {
        match lookup {
            SessionLookup::Unknown => ActivationState::None,
            SessionLookup::Ended => ActivationState::Ended,
            SessionLookup::Active(summary) => ActivationState::Active(summary),
        }
    }

    /// Adds `Set-Cookie: cookie` to the response, `Secure` outside dev (every cookie of the portal is).
    pub fn set_cookie(cookie: &str) -> Result<(), AppError> {
        let secure = if ports()?.dev_mode { "" } else { "; Secure" };
        let value = axum::http::HeaderValue::from_str(&format!("{cookie}{secure}")).map_err(unavailable)?;
        expect_context::<leptos_axum::ResponseOptions>().append_header(axum::http::header::SET_COOKIE, value);
        Ok(())
    }

    pub fn unavailable(err: impl std::fmt::Display) -> AppError {
        leptos::logging::error!("{err}");
        AppError::Unavailable
    }
}

#[cfg(feature = "ssr")]
pub(crate) use server::{ports, session_id, set_cookie, unavailable};

/// The visitor's activation session, if any.
#[server(endpoint = "get_activation")]
pub async fn get_activation() -> Result<ActivationState, AppError> {
    use crate::ports::now;
    let Some(id) = server::session_id().await else {
        return Ok(ActivationState::None);
    };
    let lookup = server::ports()?.store.activation(&id.key(), now()).await.map_err(server::unavailable)?;
    // An AWS account already linked to a billing account goes on binding or creating workspaces.
    if let crate::ports::SessionLookup::Active(ActivationSummary { billing_username: Some(_), .. }) = &lookup {
        leptos_axum::redirect("/activate/link/workspaces");
    }
    Ok(server::to_state(lookup))
}

/// Records the branch the buyer chose and moves to its first step. Without a choice, returns to the choice
/// page with an error; without a session, returns to `/activate`, which explains where activation starts.
/// The header's language switch: remembers `lang` (`en` or `zh`) in leptos_i18n's cookie for a year and goes
/// back to the page (a path of this site; anything else goes to `/activate`).
#[server(endpoint = "set_language")]
pub async fn set_language(lang: Option<String>, back: Option<String>) -> Result<(), AppError> {
    let lang = if lang.as_deref() == Some("zh") { "zh" } else { "en" };
    let back = back.as_deref().and_then(crate::paths::safe_back).unwrap_or("/activate");
    server::set_cookie(&format!("i18n_pref_locale={lang}; Path=/; Max-Age=31536000; SameSite=Lax"))?;
    leptos_axum::redirect(back);
    Ok(())
}

#[server(endpoint = "choose_branch")]
pub async fn choose_branch(branch: Option<String>) -> Result<(), AppError> {
    use crate::ports::now;
    let Ok(branch) = Branch::parse(branch.as_deref().unwrap_or_default()) else {
        leptos_axum::redirect("/activate?error=branch");
        return Ok(());
    };
    let Some(id) = server::session_id().await else {
        leptos_axum::redirect("/activate");
        return Ok(());
    };
    let ports = server::ports()?;
    // An activated AWS account keeps its billing account: the register branch is not opened for it.
    if branch == Branch::Register {
        if let Ok((key, summary)) = crate::register::server::active(&ports).await? {
            let mut draft = crate::register::server::load(&ports, &key).await?;
            if crate::register::server::refuse_when_activated(&ports, &key, &summary, &mut draft).await? {
                return Ok(());
            }
        }
    }
    let lookup = ports.store.choose_branch(&id.key(), branch, now()).await.map_err(server::unavailable)?;
    if matches!(lookup, crate::ports::SessionLookup::Active(_)) {
        leptos_axum::redirect(branch.path());
    } else {
        leptos_axum::redirect("/activate");
    }
    Ok(())
}

/// Defaults for the dev simulator's form. Refused outside dev mode.
#[server(endpoint = "dev_settings")]
pub async fn dev_settings() -> Result<Option<ProductCode>, AppError> {
    let ports = server::ports()?;
    Ok(ports.dev_mode.then_some(ports.product_code))
}
