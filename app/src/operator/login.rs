//! `/operator/login` and the operator's log out: the buyers' rules — one message for every failure, the same
//! time whether or not the operator exists, failures slowing the answers down per operator and per client
//! address (never a lockout), a new session id at log in, 12 hours at most. Audited: a log in and a log out
//! are operator actions (`operator.logged_in`, `operator.logged_out`).

use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::page_title;
use crate::ui::{Button, ButtonKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// **Log in** (operator). Every failure goes back to `/operator/login?error=credentials`.
#[server(endpoint = "operator_login")]
pub async fn operator_login(username: Option<String>, password: Option<String>) -> Result<(), AppError> {
    use crate::account::ssr::{delay_for, session, verify, Throttle};
    use crate::paths::{OPERATOR, OPERATOR_LOGIN};
    use crate::ssr::ports::now;
    use crate::ssr::security_log::{record as security, Event, Subject};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let session = session().await?;
    let username = username.unwrap_or_default().trim().to_owned();
    let password = password.unwrap_or_default();
    let refused = format!("{OPERATOR_LOGIN}?error=credentials");
    if username.chars().count() > crate::domain::Username::MAX {
        tokio::time::sleep(delay_for(3)).await;
        leptos_axum::redirect(&refused);
        return Ok(());
    }
    let at = now();
    // Not the buyers' `account:` keys: failing here never slows a buyer of the same name down.
    let throttle = Throttle::read(format!("operator:{}", username.to_lowercase()), at).await?;
    let found = ports.store.operator_login(&username).await.map_err(unavailable)?;
    let matches = verify(password, found.as_ref().map(|o| o.password_hash.clone())).await?;
    match found {
        Some(operator) if matches => {
            throttle.succeeded().await?;
            session.cycle_id().await.map_err(unavailable)?;
            // One kind of log in per session: an operator is not also a buyer here.
            session.remove_value(crate::account::ssr::USER).await.map_err(unavailable)?;
            let record =
                super::OperatorSession { id: operator.id, username: operator.username.clone(), logged_in_at: at };
            session.insert(super::ssr::OPERATOR, record).await.map_err(unavailable)?;
            ports
                .store
                .audit_operator(&operator.username, "operator.logged_in", "logged in to the console", at)
                .await
                .map_err(unavailable)?;
            security(Event::OperatorLoginSucceeded, Subject::Operator(&operator.username), "").await;
            leptos_axum::redirect(OPERATOR);
        }
        _ => {
            let why = if found.is_some() { "wrong password" } else { "no such operator" };
            security(Event::OperatorLoginFailed, Subject::Operator(&username), why).await;
            throttle.failed(at).await?;
            leptos_axum::redirect(&refused);
        }
    }
    Ok(())
}

/// **Log out** (operator): the whole session ends.
#[server(endpoint = "operator_logout")]
pub async fn operator_logout() -> Result<(), AppError> {
    use crate::ssr::unavailable;
    let Some(operator) = super::ssr::operator().await? else { return Ok(()) };
    let session = crate::account::ssr::session().await?;
    session.flush().await.map_err(unavailable)?;
    let store = crate::ssr::ports()?.store;
    let now = crate::ssr::ports::now();
    store.audit_operator(&operator.username, "operator.logged_out", "logged out", now).await.map_err(unavailable)?;
    leptos_axum::redirect(crate::paths::OPERATOR_LOGIN);
    Ok(())
}

/// `/operator/login`.
#[component]
pub fn OperatorLoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let failed = use_query_map().with_untracked(|q| q.get("error").as_deref() == Some("credentials"));
    let message = td_string!(locale, login_failed);
    let action = <OperatorLogin as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, failed, td_string!(locale, operator_login_title)) />
        {failed.then(|| view! { <crate::ui::ErrorSummary errors=FormErrors::one("username", message) /> })}
        <h1>{t!(i18n, operator_login_title)}</h1>
        <p>{t!(i18n, operator_login_intro)}</p>
        <form method="post" action=action novalidate>
            <crate::ui::TextField
                id="username"
                label=td_string!(locale, answer_username)
                value=String::new()
                autocomplete="username"
                error=failed.then(|| message.to_owned())
            />
            <crate::ui::PasswordField id="password" label=td_string!(locale, answer_password) error=None />
            <Button label=td_string!(locale, button_login) />
        </form>
    }
}

/// The console's log out button.
#[component]
pub(super) fn OperatorLogoutButton() -> impl IntoView {
    let action = <OperatorLogout as leptos::server_fn::ServerFn>::url();
    view! {
        <form method="post" action=action class="logout">
            <Button
                label=td_string!(use_i18n().get_locale_untracked(), button_logout)
                kind=ButtonKind::Secondary
                small=true
            />
        </form>
    }
}
