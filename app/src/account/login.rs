//! `/login` and logout.

use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::page_title;
#[cfg(feature = "ssr")]
use crate::paths::LOGIN;
use crate::ui::{Button, ButtonKind, Notice, NoticeKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// **Log in**. Every failure answers the same way: back to `/login?error=credentials`. `next` is the page
/// the visitor asked for before logging in (`paths::safe_next`), else "Your workspaces".
#[server(endpoint = "login")]
pub async fn login(username: Option<String>, password: Option<String>, next: Option<String>) -> Result<(), AppError> {
    use crate::ssr::ports::now;
    use crate::ssr::security_log::{record as security, Event, Subject};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let session = super::ssr::session().await?;
    let username = username.unwrap_or_default().trim().to_owned();
    let password = password.unwrap_or_default();
    let next = next.as_deref().and_then(crate::paths::safe_next);
    // A refusal keeps where the visitor was going.
    let refused = match next.and_then(crate::paths::next_param) {
        Some(next) => format!("{LOGIN}?error=credentials&next={next}"),
        None => format!("{LOGIN}?error=credentials"),
    };
    // No account has a longer username: refused before the store is asked anything (or argon2 runs).
    if username.chars().count() > crate::domain::Username::MAX {
        tokio::time::sleep(super::ssr::delay_for(3)).await;
        leptos_axum::redirect(&refused);
        return Ok(());
    }
    let at = now();
    let throttle = super::ssr::Throttle::read(format!("account:{}", username.to_lowercase()), at).await?;
    let found = ports.store.login_account(&username).await.map_err(unavailable)?;
    let matches = super::ssr::verify(password, found.as_ref().map(|a| a.password_hash.clone())).await?;
    // No lockout (nobody can lock another out by failing on purpose): failures only slow the answers down.
    match found {
        Some(account) if matches => {
            throttle.succeeded().await?;
            session.cycle_id().await.map_err(unavailable)?;
            // One kind of log in per session: a buyer is not also an operator here.
            session.remove_value(crate::ssr::console::OPERATOR_SESSION_KEY).await.map_err(unavailable)?;
            let user = super::SessionUser { account_id: account.id, logged_in_at: at, epoch: account.session_epoch };
            session.insert(super::ssr::USER, user).await.map_err(unavailable)?;
            security(Event::LoginSucceeded, Subject::Account(account.id), "").await;
            leptos_axum::redirect(next.unwrap_or(crate::paths::YOUR_WORKSPACES));
        }
        _ => {
            let why = if found.is_some() { "wrong password" } else { "no such account" };
            security(Event::LoginFailed, Subject::Username(&username), why).await;
            throttle.failed(at).await?;
            // The typed username comes back in the form through a minute-long cookie for `/login` only: never
            // in the URL (addresses end up in logs, history and Referer headers), and no session is made for
            // a failure.
            super::ssr::remember_typed(&username)?;
            leptos_axum::redirect(&refused);
        }
    }
    Ok(())
}

/// **Log out**: the session ends on the server too.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = super::ssr::session().await?;
    session.flush().await.map_err(crate::ssr::unavailable)?;
    leptos_axum::redirect(LOGIN);
    Ok(())
}

/// The username typed at the last failed log in (its cookie cleared: shown once), or empty.
#[server(endpoint = "login_page")]
pub async fn login_page() -> Result<String, AppError> {
    super::ssr::take_typed().await
}

/// `/login`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let (failed, reset, next) = use_query_map().with_untracked(|q| {
        let next = q.get("next").filter(|next| crate::paths::safe_next(next).is_some());
        (q.get("error").as_deref() == Some("credentials"), q.get("reset").as_deref() == Some("done"), next)
    });
    let typed = Resource::new(|| (), |_| login_page());
    let message = td_string!(locale, login_failed);
    let action = <Login as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, failed, td_string!(locale, login_title)) />
        {failed.then(|| view! { <crate::ui::ErrorSummary errors=FormErrors::one("username", message) /> })}
        <h1>{t!(i18n, login_title)}</h1>
        {reset.then(|| view! { <Notice kind=NoticeKind::Success text=td_string!(locale, login_password_changed) /> })}
        <Suspense fallback=crate::ui::Loading>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    let username = typed.await.unwrap_or_default();
                    view! {
                        <form method="post" action=action novalidate>
                            {next.map(|next| view! { <input type="hidden" name="next" value=next /> })}
                            <crate::ui::TextField
                                id="username"
                                label=td_string!(locale, answer_username)
                                value=username
                                autocomplete="username"
                                error=failed.then(|| message.to_owned())
                            />
                            <crate::ui::PasswordField
                                id="password"
                                label=td_string!(locale, answer_password)
                                error=None
                            />
                            <Button label=td_string!(locale, button_login) />
                        </form>
                    }
                })
            }}
        </Suspense>
        <p>
            <a href=crate::paths::FORGOT_PASSWORD>{t!(i18n, login_forgot)}</a>
        </p>
    }
}

#[component]
pub(super) fn LogoutButton() -> impl IntoView {
    let action = <Logout as leptos::server_fn::ServerFn>::url();
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

#[cfg(test)]
mod tests {
    #[cfg(feature = "ssr")]
    #[test]
    fn failed_logins_slow_down_without_locking_out() {
        use crate::account::ssr::delay_for;
        assert_eq!(delay_for(0), std::time::Duration::ZERO);
        assert_eq!(delay_for(2), std::time::Duration::ZERO);
        assert_eq!(delay_for(3), std::time::Duration::from_millis(250));
        assert_eq!(delay_for(5), std::time::Duration::from_millis(1000));
        assert_eq!(delay_for(500), std::time::Duration::from_millis(4000), "capped");
    }
}
