//! The operator console at `/operator` (issue 20): the vendor's own people log in at `/operator/login` and
//! see the AWS customers (search and filters, one customer with its timeline from the audit log), the metering
//! records and the webhooks. Every page but log in answers 404 to anyone not logged in as an operator — a
//! buyer's session included (the server's `console::guard` turns such a request into the 404 page before it
//! reaches a page, and every page and server function here checks again).
//!
//! An operator's session is the same tower-sessions session as a buyer's log in, under its own key
//! ([`ssr::OPERATOR`]); logging in as an operator drops a buyer's log in from it and the other way round.
//! Pages are rendered on the server only (no island): the console adds nothing to the buyers' bundle.

pub mod customers;
pub mod login;
pub mod metering;
mod nav;
pub mod webhooks;

/// What the session remembers of the logged-in operator.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OperatorSession {
    pub id: i64,
    pub username: String,
    pub logged_in_at: i64,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::OperatorSession;
    use crate::error::AppError;
    use crate::ssr::unavailable;
    use tower_sessions::Session;

    pub use crate::ssr::console::OPERATOR_SESSION_KEY as OPERATOR;

    /// The logged-in operator of `session`: none when there is none, when its 12 hours are over (the buyers'
    /// rule, [`crate::account::ABSOLUTE_SECS`]) or when the operator no longer exists (the key is then removed).
    pub async fn current<S: crate::ssr::console::Console + ?Sized>(
        session: &Session,
        store: &S,
        now: i64,
    ) -> Result<Option<OperatorSession>, AppError> {
        let operator: Option<OperatorSession> = session.get(OPERATOR).await.map_err(unavailable)?;
        let Some(operator) = operator else { return Ok(None) };
        let name = store.operator_name(operator.id).await.map_err(unavailable)?;
        if now - operator.logged_in_at >= crate::account::ABSOLUTE_SECS || name.as_deref() != Some(&operator.username) {
            session.remove_value(OPERATOR).await.map_err(unavailable)?;
            return Ok(None);
        }
        Ok(Some(operator))
    }

    /// The logged-in operator of this request; without one the response is a 404 (the page renders
    /// [`crate::ui::NotFound`], a server function does nothing).
    pub async fn operator() -> Result<Option<OperatorSession>, AppError> {
        let session = leptos_axum::extract::<Session>().await.map_err(unavailable)?;
        let store = crate::ssr::ports()?.store;
        let operator = current(&session, store.as_ref(), crate::ssr::ports::now()).await?;
        if operator.is_none() {
            if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::NOT_FOUND);
            }
        }
        Ok(operator)
    }
}
