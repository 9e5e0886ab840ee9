//! After activation: `/login` (one message for every failure, the same time whether or not the user exists,
//! throttled per account and per client address), logout, and the billing center `/billing`.
//!
//! Sessions are tower-sessions' (cookie + a row in our database): a new id at login, idle expiry 30 minutes
//! (the layer's), absolute expiry 12 hours (checked here), flushed at logout.

use crate::api::AppError;
use crate::billing::{BillingCenter, BillingState, Settlement, SettlementMethod, WorkspaceStart};
use crate::components::{Button, ButtonKind, Notice, NoticeKind, SummaryList, SummaryRow};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_title, site_name};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
/// A login is good for 12 hours, however active.
#[cfg(feature = "ssr")]
pub const ABSOLUTE_SECS: i64 = 12 * 3600;

/// What the session remembers of the logged-in user.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionUser {
    pub account_id: i64,
    pub logged_in_at: i64,
    /// The account's session epoch at login; a password reset moves it on and so ends this session.
    #[serde(default)]
    pub epoch: i64,
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::api::unavailable;
    use tower_sessions::Session;

    pub const USER: &str = "user";
    /// The cookie holding the username typed at the last failed log in, for the form to show once.
    pub const TYPED: &str = "login_typed";

    /// Sets [`TYPED`] (URL-safe base64 of the username).
    pub fn remember_typed(username: &str) -> Result<(), AppError> {
        use base64::Engine as _;
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(username);
        crate::api::set_cookie(&format!("{TYPED}={value}; Path=/login; Max-Age=60; HttpOnly; SameSite=Strict"))
    }

    /// The username [`remember_typed`] kept, if any (at most a username's length), and the cookie cleared.
    pub async fn take_typed() -> Result<String, AppError> {
        use base64::Engine as _;
        let jar: axum_extra::extract::CookieJar = leptos_axum::extract().await.map_err(unavailable)?;
        let Some(cookie) = jar.get(TYPED) else { return Ok(String::new()) };
        let typed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cookie.value())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|name| name.chars().count() <= crate::domain::Username::MAX)
            .unwrap_or_default();
        crate::api::set_cookie(&format!("{TYPED}=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict"))?;
        Ok(typed)
    }

    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(unavailable)
    }

    /// The logged-in user, ending the session when its 12 hours are over or the account's password was
    /// reset since (another session epoch).
    pub async fn current_user(session: &Session, now: i64) -> Result<Option<SessionUser>, AppError> {
        let user: Option<SessionUser> = session.get(USER).await.map_err(unavailable)?;
        let Some(user) = user else {
            return Ok(None);
        };
        let epoch = crate::api::ports()?.store.session_epoch(user.account_id).await.map_err(unavailable)?;
        if now - user.logged_in_at >= ABSOLUTE_SECS || epoch != Some(user.epoch) {
            session.flush().await.map_err(unavailable)?;
            return Ok(None);
        }
        Ok(Some(user))
    }

    /// The logged-in user; without one, the response redirects to `/login`.
    pub async fn user_or_login(now: i64) -> Result<Option<SessionUser>, AppError> {
        let user = current_user(&session().await?, now).await?;
        if user.is_none() {
            leptos_axum::redirect("/login");
        }
        Ok(user)
    }

    /// Delay before answering a failed login, growing with the failures already seen: none for the first
    /// three, then 0.25 s doubling up to 4 s. Slows guessing without ever locking the real user out.
    pub fn delay_for(failures: i64) -> std::time::Duration {
        let steps = (failures - 3).clamp(0, 4) as u32;
        if failures < 3 {
            std::time::Duration::ZERO
        } else {
            std::time::Duration::from_millis(250 * 2u64.pow(steps))
        }
    }

    /// A hash verified when the username is unknown, so both cases take the same time.
    pub fn dummy_hash() -> &'static str {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        DUMMY.get_or_init(|| {
            let random = format!("{:032x}", rand::random::<u128>());
            crate::domain::Password::parse(&random)
                .ok()
                .and_then(|p| crate::server_checks::hash_password(&p).ok())
                .unwrap_or_default()
        })
    }
}

/// **Log in**. Every failure answers the same way: back to `/login?error=credentials`.
#[server(endpoint = "login")]
pub async fn login(username: Option<String>, password: Option<String>) -> Result<(), AppError> {
    use crate::api::unavailable;
    use crate::ports::now;
    use crate::security_log::{record as security, Event, Subject};
    let ports = crate::api::ports()?;
    let session = server::session().await?;
    let username = username.unwrap_or_default().trim().to_owned();
    let password = password.unwrap_or_default();
    // No account has a longer username: refused before the store is asked anything (or argon2 runs).
    if username.chars().count() > crate::domain::Username::MAX {
        tokio::time::sleep(server::delay_for(3)).await;
        leptos_axum::redirect("/login?error=credentials");
        return Ok(());
    }
    let client = leptos_axum::extract::<axum::Extension<crate::ports::ClientAddr>>()
        .await
        .ok()
        .map(|addr| format!("client:{}", addr.0 .0));
    let account_key = format!("account:{}", username.to_lowercase());
    let at = now();
    let hour_ago = at - 3600;
    let account_failures = ports.store.login_failures(&account_key, hour_ago).await.map_err(unavailable)?;
    let client_failures = match &client {
        Some(key) => ports.store.login_failures(key, hour_ago).await.map_err(unavailable)?,
        None => 0,
    };
    let found = ports.store.login_account(&username).await.map_err(unavailable)?;
    let hash = found.as_ref().map_or_else(|| server::dummy_hash().to_owned(), |a| a.password_hash.clone());
    let matches = crate::server_checks::hashing(move || crate::server_checks::verify_password(&password, &hash))
        .await
        .map_err(unavailable)?;
    // No lockout (nobody can lock another out by failing on purpose): failures only slow the answers down.
    match found {
        Some(account) if matches => {
            ports.store.clear_login_failures(&account_key).await.map_err(unavailable)?;
            session.cycle_id().await.map_err(unavailable)?;
            let user = SessionUser { account_id: account.id, logged_in_at: at, epoch: account.session_epoch };
            session.insert(server::USER, user).await.map_err(unavailable)?;
            security(Event::LoginSucceeded, Subject::Account(account.id), "").await;
            leptos_axum::redirect("/billing");
        }
        _ => {
            let keys: Vec<String> = std::iter::once(account_key).chain(client).collect();
            ports.store.record_login_failure(&keys, at).await.map_err(unavailable)?;
            let why = if found.is_some() { "wrong password" } else { "no such account" };
            security(Event::LoginFailed, Subject::Username(&username), why).await;
            tokio::time::sleep(server::delay_for(account_failures.max(client_failures))).await;
            // The typed username comes back in the form through a minute-long cookie for `/login` only: never
            // in the URL (addresses end up in logs, history and Referer headers), and no session is made for
            // a failure.
            server::remember_typed(&username)?;
            leptos_axum::redirect("/login?error=credentials");
        }
    }
    Ok(())
}

/// **Log out**: the session ends on the server too.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = server::session().await?;
    session.flush().await.map_err(crate::api::unavailable)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The username typed at the last failed log in (its cookie cleared: shown once), or empty.
#[server(endpoint = "login_page")]
pub async fn login_page() -> Result<String, AppError> {
    server::take_typed().await
}

/// `/login`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let (failed, reset) = use_query_map().with_untracked(|q| {
        (q.get("error").as_deref() == Some("credentials"), q.get("reset").as_deref() == Some("done"))
    });
    let typed = Resource::new(|| (), |_| login_page());
    let message = td_string!(locale, login_failed);
    let action = <Login as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, failed, td_string!(locale, login_title)) />
        {failed.then(|| view! { <crate::pages::ErrorSummary items=vec![("username".to_owned(), message.to_owned())] /> })}
        <h1>{t!(i18n, login_title)}</h1>
        {reset.then(|| view! { <Notice kind=NoticeKind::Success text=td_string!(locale, login_password_changed) /> })}
        <Suspense fallback=crate::pages::Loading>
            {move || Suspend::new(async move {
                let username = typed.await.unwrap_or_default();
                view! {
                    <form method="post" action=action novalidate>
                        <crate::components::TextField id="username" label=td_string!(locale, answer_username) value=username
                            autocomplete="username" error=failed.then(|| message.to_owned()) />
                        <crate::components::PasswordField id="password" label=td_string!(locale, answer_password) error=None />
                        <Button label=td_string!(locale, button_login) />
                    </form>
                }
            })}
        </Suspense>
        <p><a href=crate::reset::REQUEST>{t!(i18n, login_forgot)}</a></p>
    }
}

/// The billing center's data, or a redirect to `/login`.
#[server(endpoint = "billing_page")]
pub async fn billing_page() -> Result<Option<BillingCenter>, AppError> {
    use crate::api::unavailable;
    let ports = crate::api::ports()?;
    let now = crate::ports::now();
    let Some(user) = server::user_or_login(now).await? else {
        return Ok(None);
    };
    let mut center = ports.store.billing_center(user.account_id, now).await.map_err(unavailable)?;
    if let Some(center) = center.as_mut() {
        center.two_step = ports.store.two_step(user.account_id).await.map_err(unavailable)?.is_some();
    }
    Ok(center)
}

/// **Confirm** of a settlement change: back to `/billing?changed=ID`, or `?refused=REASON` (and `from` for the
/// month rule). With two-step verification on, `totp` must be a current code first (else back to the
/// confirmation with `?confirm=ID&totp=REASON`).
#[server(endpoint = "change_settlement")]
pub async fn change_settlement(
    workspace_id: Option<String>,
    to: Option<String>,
    totp: Option<String>,
) -> Result<(), AppError> {
    use crate::api::unavailable;
    use crate::security_log::{record as security, Event, Subject};
    let ports = crate::api::ports()?;
    let now = crate::ports::now();
    let Some(user) = server::user_or_login(now).await? else {
        return Ok(());
    };
    let id = workspace_id.as_deref().unwrap_or_default().trim().parse::<i64>().ok();
    if let Err(refusal) = crate::two_step::server::require(&ports, user.account_id, totp.as_deref(), now).await? {
        let detail = format!("settlement change of workspace {}: {}", id.unwrap_or_default(), refusal.code());
        security(Event::TwoStepRefused, Subject::Account(user.account_id), detail).await;
        leptos_axum::redirect(&format!("/billing?confirm={}&totp={}", id.unwrap_or_default(), refusal.code()));
        return Ok(());
    }
    use crate::billing::SettlementRefusal;
    let to = to.as_deref().and_then(SettlementMethod::parse);
    let outcome = match (id, to) {
        (Some(id), Some(to)) => {
            ports.store.change_settlement(user.account_id, id, to, now).await.map_err(unavailable)?
        }
        _ => Err(SettlementRefusal::NotFound),
    };
    let detail = format!("workspace {} to {}: {outcome:?}", id.unwrap_or_default(), to.map_or("?", |t| t.code()));
    let event = if outcome.is_ok() { Event::SettlementChanged } else { Event::SettlementRefused };
    security(event, Subject::Account(user.account_id), detail).await;
    let target = match outcome {
        Ok(()) => format!("/billing?changed={}", id.unwrap_or_default()),
        Err(SettlementRefusal::ThisMonth { from }) => format!("/billing?refused=month&from={from}"),
        Err(SettlementRefusal::NoAwsAccount) => "/billing?refused=no_aws".to_owned(),
        Err(SettlementRefusal::NoActiveSubscription) => "/billing?refused=no_subscription".to_owned(),
        Err(SettlementRefusal::Locked) => "/billing?refused=locked".to_owned(),
        Err(SettlementRefusal::Unchanged) => "/billing?refused=unchanged".to_owned(),
        Err(SettlementRefusal::NotFound) => "/billing?refused=not_found".to_owned(),
    };
    leptos_axum::redirect(&target);
    Ok(())
}

/// What the query of `/billing` asks the page to show: a confirmation, or the outcome of a change.
#[derive(Debug, Clone, Default)]
struct BillingQuery {
    confirm: Option<i64>,
    changed: bool,
    refused: Option<String>,
    from: Option<i64>,
    /// Why the two-step code of a confirmation was not taken.
    totp: Option<crate::two_step::Refusal>,
    /// Two-step verification was just turned `on` or `off`.
    two_step: Option<String>,
}

/// `/billing`: Workspace management.
#[component]
pub fn BillingPage() -> impl IntoView {
    let query = use_query_map().with_untracked(|q| BillingQuery {
        confirm: q.get("confirm").and_then(|c| c.parse().ok()),
        changed: q.get("changed").is_some(),
        refused: q.get("refused"),
        from: q.get("from").and_then(|f| f.parse().ok()),
        totp: q.get("totp").as_deref().and_then(crate::two_step::Refusal::parse),
        two_step: q.get("two_step"),
    });
    let data = Resource::new_blocking(|| (), |_| billing_page());
    view! {
        <Suspense fallback=|| view! { <crate::pages::Loading /> }>
            {move || Suspend::new({
                let query = query.clone();
                async move {
                match data.await {
                    Ok(Some(center)) => view! { <BillingView center query /> }.into_any(),
                    Ok(None) => view! { <NoBillingAccount /> }.into_any(),
                    Err(err) => view! { <crate::pages::ServiceProblem err /> }.into_any(),
                }
            }})}
        </Suspense>
    }
}

#[component]
fn NoBillingAccount() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), billing_title) />
        <h1>{t!(i18n, billing_title)}</h1>
        <p>{t!(i18n, billing_none)}</p>
        <LogoutButton />
    }
}

#[component]
fn LogoutButton() -> impl IntoView {
    let action = <Logout as leptos::server_fn::ServerFn>::url();
    view! {
        <form method="post" action=action class="logout">
            <Button label=td_string!(use_i18n().get_locale_untracked(), button_logout) kind=ButtonKind::Secondary small=true />
        </form>
    }
}

#[component]
fn BillingView(center: BillingCenter, query: BillingQuery) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let refusal = query.refused.as_deref().map(|reason| match reason {
        "month" => td_string!(
            locale,
            settlement_refused_month,
            date = query.from.map(|at| crate::messages::date(locale, at)).unwrap_or_default()
        )
        .to_string(),
        "no_aws" => td_string!(locale, settlement_refused_no_aws).to_owned(),
        "no_subscription" => td_string!(locale, settlement_refused_no_subscription).to_owned(),
        "locked" => td_string!(locale, settlement_refused_locked).to_owned(),
        "unchanged" => td_string!(locale, settlement_refused_unchanged).to_owned(),
        _ => td_string!(locale, settlement_refused_not_found).to_owned(),
    });
    let confirm = query.confirm.and_then(|id| center.workspaces.iter().find(|w| w.id == id)).cloned();
    let change = <ChangeSettlement as leptos::server_fn::ServerFn>::url();
    let totp_error = query.totp.map(|r| r.message(locale).to_owned());
    let refusal =
        refusal.map(|m| ("billing-workspaces".to_owned(), m)).or(totp_error.clone().map(|m| ("totp".to_owned(), m)));
    let two_step = center.two_step;
    let two_step_notice = match query.two_step.as_deref() {
        Some("on") => Some(td_string!(locale, two_step_turned_on)),
        Some("off") => Some(td_string!(locale, two_step_turned_off)),
        _ => None,
    };
    view! {
        <Title text=page_title(locale, refusal.is_some(), td_string!(locale, billing_title)) />
        <div class="page-top">
            <span>{td_string!(locale, billing_account_of, username = center.billing_username.as_str()).to_string()}</span>
            <LogoutButton />
        </div>
        {refusal.map(|item| view! { <crate::pages::ErrorSummary items=vec![item] /> })}
        <h1>{t!(i18n, billing_title)}</h1>
        {query.changed.then(|| view! { <Notice kind=NoticeKind::Success text=td_string!(locale, settlement_changed) /> })}
        {two_step_notice.map(|text| view! { <Notice kind=NoticeKind::Success text /> })}
        <p class="two-step-state" data-testid="two-step-state">
            {if two_step { td_string!(locale, two_step_state_on) } else { td_string!(locale, two_step_state_off) }}
            " "<a href=crate::two_step::PAGE>{t!(i18n, two_step_manage)}</a>
        </p>
        {confirm.map(|w| {
            let to = target_method(&w.settlement);
            let to_words = match to {
                SettlementMethod::AwsMarketplace => td_string!(locale, button_switch_to_aws),
                SettlementMethod::BillingCenter => td_string!(locale, button_switch_to_center),
            };
            let from_words = settlement_words(locale, &w.settlement);
            view! {
                <div class="confirm-panel" role="region" aria-labelledby="settlement-confirm-title">
                    <h2 id="settlement-confirm-title">
                        {td_string!(locale, settlement_confirm_title, name = w.name.as_str()).to_string()}
                    </h2>
                    <p>{td_string!(locale, settlement_confirm_text, from = from_words, to = to_words).to_string()}</p>
                    <form method="post" action=change>
                        <input type="hidden" name="workspace_id" value=w.id />
                        <input type="hidden" name="to" value=to.code() />
                        {two_step.then(|| view! { <crate::two_step::TotpField error=totp_error.clone() /> })}
                        <Button label=td_string!(locale, button_confirm) busy_on_press=true />
                        " "
                        <Button label=td_string!(locale, button_cancel) kind=ButtonKind::Secondary href="/billing" />
                    </form>
                </div>
            }
        })}
        <h2>{t!(i18n, billing_workspaces)}</h2>
        <table class="table" id="billing-workspaces">
            <caption class="visually-hidden">{t!(i18n, billing_workspaces)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, col_workspace)}</th>
                    <th scope="col">{t!(i18n, col_site)}</th>
                    <th scope="col">{t!(i18n, billing_owner)}</th>
                    <th scope="col">{t!(i18n, billing_settlement)}</th>
                    <th scope="col">{t!(i18n, billing_since)}</th>
                    <th scope="col">{t!(i18n, col_state)}</th>
                    <th scope="col"><span class="visually-hidden">{t!(i18n, col_change)}</span></th>
                </tr>
            </thead>
            <tbody>
                {center
                    .workspaces
                    .into_iter()
                    .map(|w| {
                        let site = crate::domain::Site::ALL
                            .iter()
                            .find(|s| s.code() == w.site_code)
                            .map_or_else(|| w.site_code.clone(), |s| site_name(locale, *s).to_owned());
                        let settlement = settlement_words(locale, &w.settlement);
                        // A workspace billed to an AWS account reads **Linked**, as in the wizard.
                        let linked = matches!(w.settlement, Settlement::AwsMarketplace { .. })
                            .then(|| view! { <strong class="tag tag-linked">{t!(i18n, state_linked)}</strong> " " });
                        let since = w.since.map(|at| crate::messages::date(locale, at)).unwrap_or_default();
                        let state = state_words(locale, &w.state);
                        let switch = match target_method(&w.settlement) {
                            SettlementMethod::AwsMarketplace => td_string!(locale, button_switch_to_aws),
                            SettlementMethod::BillingCenter => td_string!(locale, button_switch_to_center),
                        };
                        let switchable = w.state != BillingState::Locked;
                        let switch_name = format!("({})", w.name);
                        view! {
                            <tr data-testid="billing-row">
                                <th scope="row"><a href=format!("/workspaces/{}", w.id)>{w.name}</a></th>
                                <td data-label=td_string!(locale, col_site)>{site}</td>
                                <td data-label=td_string!(locale, billing_owner)>{w.owner}</td>
                                <td data-label=td_string!(locale, billing_settlement)>{linked}{settlement}</td>
                                <td data-label=td_string!(locale, billing_since)>{since}</td>
                                <td data-label=td_string!(locale, col_state)><strong class="tag">{state}</strong></td>
                                <td>
                                    {switchable.then(|| view! {
                                        <form method="get" action="/billing">
                                            <input type="hidden" name="confirm" value=w.id />
                                            <Button label=switch label_suffix=switch_name.clone() kind=ButtonKind::Secondary small=true />
                                        </form>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// The other method: what the row's change button offers.
fn target_method(settlement: &Settlement) -> SettlementMethod {
    match settlement {
        Settlement::AwsMarketplace { .. } => SettlementMethod::BillingCenter,
        Settlement::BillingCenter => SettlementMethod::AwsMarketplace,
    }
}

fn state_words(locale: crate::i18n::Locale, state: &BillingState) -> String {
    match state {
        BillingState::Active => td_string!(locale, billing_state_active).to_owned(),
        BillingState::PaymentFailed => td_string!(locale, billing_state_payment_failed).to_owned(),
        BillingState::CancellationPending => td_string!(locale, billing_state_cancellation_pending).to_owned(),
        BillingState::LockedIn { days: 1 } => td_string!(locale, billing_state_locked_in_one).to_owned(),
        BillingState::LockedIn { days } => td_string!(locale, billing_state_locked_in, days = days).to_string(),
        BillingState::Locked => td_string!(locale, billing_state_locked).to_owned(),
    }
}

fn settlement_words(locale: crate::i18n::Locale, settlement: &Settlement) -> String {
    match settlement.account_tail() {
        Some(tail) => td_string!(locale, settlement_aws, account = tail).to_string(),
        None => td_string!(locale, settlement_billing_center).to_owned(),
    }
}

/// The start page's data: `None` when it does not exist or is not the user's (the same 404 either way).
#[server(endpoint = "workspace_page")]
pub async fn workspace_page(id: i64) -> Result<Option<WorkspaceStart>, AppError> {
    use crate::api::unavailable;
    let ports = crate::api::ports()?;
    let now = crate::ports::now();
    let Some(user) = server::user_or_login(now).await? else {
        return Ok(None);
    };
    let start = ports.store.workspace_start(user.account_id, id, now).await.map_err(unavailable)?;
    if start.is_none() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    Ok(start)
}

/// `/workspaces/{id}`: the workspace's start page.
#[component]
pub fn WorkspacePage() -> impl IntoView {
    let id = leptos_router::hooks::use_params_map()
        .with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
        .unwrap_or(0);
    let data = Resource::new_blocking(move || id, workspace_page);
    view! {
        <Suspense fallback=|| view! { <crate::pages::Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(start)) => view! { <WorkspaceView start /> }.into_any(),
                    Ok(None) => view! { <crate::pages::NotFound /> }.into_any(),
                    Err(err) => view! { <crate::pages::ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WorkspaceView(start: WorkspaceStart) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let site = crate::domain::Site::ALL.iter().find(|s| s.code() == start.site_code).copied();
    let site_label = site.map_or_else(|| start.site_code.clone(), |s| site_name(locale, s).to_owned());
    let command = site.map(|s| s.datakit_install(&start.token)).unwrap_or_default();
    let language = crate::domain::WorkspaceLanguage::parse(&start.language_code)
        .map_or_else(|_| start.language_code.clone(), |l| l.name().to_owned());
    view! {
        <Title text=start.name.clone() />
        <div class="page-top">
            <a class="back-link" href="/billing">{t!(i18n, ws_billing_link)}</a>
            <LogoutButton />
        </div>
        <h1>{start.name.clone()}</h1>
        <SummaryList testid="workspace-summary">
            <SummaryRow label=td_string!(locale, col_site)>{site_label}</SummaryRow>
            <SummaryRow label=td_string!(locale, col_language)>{language}</SummaryRow>
            <SummaryRow label=td_string!(locale, billing_settlement)>
                {settlement_words(locale, &start.settlement)} " — " {state_words(locale, &start.state)}
            </SummaryRow>
        </SummaryList>
        <h2>{t!(i18n, ws_datakit_heading)}</h2>
        <p>{t!(i18n, ws_datakit_intro)}</p>
        <label for="datakit-command" class="label">{t!(i18n, ws_command_label)}</label>
        <textarea id="datakit-command" class="code-block" readonly rows="3">{command}</textarea>
        <CopyButton target="datakit-command".to_owned() label=td_string!(locale, button_copy).to_owned()
            done=td_string!(locale, copied).to_owned() />
        <h2>{t!(i18n, ws_next_heading)}</h2>
        <ol>
            <li>{t!(i18n, ws_next_1)}</li>
            <li>{t!(i18n, ws_next_2)}</li>
            <li>{t!(i18n, ws_next_3)}</li>
        </ol>
    }
}

/// Copies the text of the element `target` to the clipboard and says so in a live region. Without
/// JavaScript the button is not shown (the command can still be selected and copied).
#[island]
fn CopyButton(target: String, label: String, done: String) -> impl IntoView {
    let mounted = RwSignal::new(false);
    let said = RwSignal::new(String::new());
    Effect::new(move |_| mounted.set(true));
    let copy = move |_| {
        let text = document()
            .get_element_by_id(&target)
            .and_then(|el| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlTextAreaElement>(el).ok())
            .map(|area| area.value())
            .unwrap_or_default();
        let _ = window().navigator().clipboard().write_text(&text);
        said.set(done.clone());
    };
    view! {
        <div class="copy">
            <button type="button" class="button button-secondary button-small" hidden=move || !mounted.get() on:click=copy>
                {label}
            </button>
            <span class="hint" aria-live="polite">{move || said.get()}</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(feature = "ssr")]
    #[test]
    fn failed_logins_slow_down_without_locking_out() {
        use super::server::delay_for;
        assert_eq!(delay_for(0), std::time::Duration::ZERO);
        assert_eq!(delay_for(2), std::time::Duration::ZERO);
        assert_eq!(delay_for(3), std::time::Duration::from_millis(250));
        assert_eq!(delay_for(5), std::time::Duration::from_millis(1000));
        assert_eq!(delay_for(500), std::time::Duration::from_millis(4000), "capped");
    }
}
