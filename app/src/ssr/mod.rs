//! Server-only plumbing shared by every page: the ports from context, the request's session id and cookies,
//! the draft's load and save, the one code check, the new-account checks and password hashing. Compiled with
//! `ssr` only; nothing here reaches the browser bundle.

pub mod audit;
pub mod checks;
pub mod codes;
pub mod console;
pub mod draft;
pub mod ports;
pub mod security_log;
pub mod session;
pub mod store_error;

use crate::domain::ActivationState;
use crate::error::AppError;
use leptos::prelude::*;
use ports::{Ports, SessionLookup};
use session::{cookie_name, SessionId};

/// The ports the server put in context.
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

/// What `/activate` shows for a session lookup.
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

/// Logs a failure on our side; the buyer is told the service is unavailable.
pub fn unavailable(err: impl std::fmt::Display) -> AppError {
    leptos::logging::error!("{err}");
    AppError::Unavailable
}
