//! The billing center, `/billing`: the billing account's workspaces and how they are settled.

use super::login::LogoutButton;
use super::two_step::Turn;
use crate::domain::billing::{BillingCenter, BillingState, Settlement, SettlementMethod};
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_title, site_name};
use crate::paths::BILLING;
use crate::ui::{Button, ButtonKind, Notice, NoticeKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The billing center's data, or a redirect to `/login`.
#[server(endpoint = "billing_page")]
pub async fn billing_page() -> Result<Option<BillingCenter>, AppError> {
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let now = crate::ssr::ports::now();
    let Some(user) = super::ssr::user_or_login(now).await? else {
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
    use crate::domain::billing::SettlementRefusal;
    use crate::ssr::security_log::{record as security, Event, Subject};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let now = crate::ssr::ports::now();
    let Some(user) = super::ssr::user_or_login(now).await? else {
        return Ok(());
    };
    let id = workspace_id.as_deref().unwrap_or_default().trim().parse::<i64>().ok();
    if let Err(refusal) = crate::account::two_step::ssr::require(&ports, user.account_id, totp.as_deref(), now).await? {
        let detail = format!("settlement change of workspace {}: {}", id.unwrap_or_default(), refusal.code());
        security(Event::TwoStepRefused, Subject::Account(user.account_id), detail).await;
        leptos_axum::redirect(&format!("{BILLING}?confirm={}&totp={}", id.unwrap_or_default(), refusal.code()));
        return Ok(());
    }
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
        Ok(()) => format!("{BILLING}?changed={}", id.unwrap_or_default()),
        Err(SettlementRefusal::ThisMonth { from }) => format!("{BILLING}?refused=month&from={from}"),
        Err(SettlementRefusal::NoAwsAccount) => format!("{BILLING}?refused=no_aws"),
        Err(SettlementRefusal::NoActiveSubscription) => format!("{BILLING}?refused=no_subscription"),
        Err(SettlementRefusal::Locked) => format!("{BILLING}?refused=locked"),
        Err(SettlementRefusal::Unchanged) => format!("{BILLING}?refused=unchanged"),
        Err(SettlementRefusal::NotFound) => format!("{BILLING}?refused=not_found"),
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
    totp: Option<crate::account::two_step::Refusal>,
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
        totp: q.get("totp").as_deref().and_then(crate::account::two_step::Refusal::parse),
        two_step: q.get("two_step"),
    });
    let data = Resource::new_blocking(|| (), |_| billing_page());
    view! {
        <Suspense fallback=|| {
            view! { <crate::ui::Loading /> }
        }>
            {move || Suspend::new({
                let query = query.clone();
                async move {
                    match data.await {
                        Ok(Some(center)) => view! { <BillingView center query /> }.into_any(),
                        Ok(None) => view! { <NoBillingAccount /> }.into_any(),
                        Err(err) => view! { <crate::ui::ServiceProblem err /> }.into_any(),
                    }
                }
            })}
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
        <p>
            <a href=crate::paths::YOUR_WORKSPACES>{t!(i18n, ws_back)}</a>
        </p>
        <LogoutButton />
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
    let two_step_notice = query.two_step.as_deref().and_then(Turn::from_code).map(|turned| match turned {
        Turn::On => td_string!(locale, two_step_turned_on),
        Turn::Off => td_string!(locale, two_step_turned_off),
    });
    view! {
        <Title text=page_title(locale, refusal.is_some(), td_string!(locale, billing_title)) />
        <div class="page-top">
            <span>
                {td_string!(locale, billing_account_of, username = center.billing_username.as_str()).to_string()}
            </span>
            <LogoutButton />
        </div>
        {refusal.map(|item| view! { <crate::ui::ErrorSummary errors=FormErrors::one(&item.0, item.1) /> })}
        <h1>{t!(i18n, billing_title)}</h1>
        {query
            .changed
            .then(|| view! { <Notice kind=NoticeKind::Success text=td_string!(locale, settlement_changed) /> })}
        {two_step_notice.map(|text| view! { <Notice kind=NoticeKind::Success text /> })}
        <p class="two-step-state" data-testid="two-step-state">
            {if two_step { td_string!(locale, two_step_state_on) } else { td_string!(locale, two_step_state_off) }}
            " "
            <a href=crate::paths::TWO_STEP>{t!(i18n, two_step_manage)}</a>
        </p>
        {confirm
            .map(|w| {
                let to = target_method(&w.settlement);
                let from_words = settlement_words(locale, &w.settlement);
                let sentence = match to {
                    SettlementMethod::AwsMarketplace => td_string!(locale, settlement_confirm_to_aws).to_string(),
                    SettlementMethod::BillingCenter => {
                        td_string!(locale, settlement_confirm_to_center, from = from_words.as_str()).to_string()
                    }
                };
                // The change as a sentence: how it is billed now, and how once confirmed.
                view! {
                    <div class="confirm-panel" role="region" aria-labelledby="settlement-confirm-title">
                        <h2 id="settlement-confirm-title">
                            {td_string!(locale, settlement_confirm_title, name = w.name.as_str()).to_string()}
                        </h2>
                        <p>{sentence} " " {td_string!(locale, settlement_confirm_rule)}</p>
                        <form method="post" action=change>
                            <input type="hidden" name="workspace_id" value=w.id />
                            <input type="hidden" name="to" value=to.code() />
                            {two_step
                                .then(|| view! { <crate::account::two_step::TotpField error=totp_error.clone() /> })}
                            <Button label=td_string!(locale, button_confirm) busy_on_press=true />
                            " "
                            <Button label=td_string!(locale, button_cancel) kind=ButtonKind::Secondary href=BILLING />
                        </form>
                    </div>
                }
            })}
        <h2>{t!(i18n, billing_workspaces)}</h2>
        <BillingTable workspaces=center.workspaces />
    }
}

/// **Billing table**: the billing account's workspaces — site, owner, how each is billed and since when, its
/// state as a tag (Active in green, anything that needs attention in orange) and the change of settlement it
/// offers (not for a locked workspace).
#[component]
pub(crate) fn BillingTable(workspaces: Vec<crate::domain::billing::BillingWorkspace>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    view! {
        <table class="table table-wide" id="billing-workspaces">
            <caption class="visually-hidden">{t!(i18n, billing_workspaces)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, col_workspace)}</th>
                    <th scope="col">{t!(i18n, col_site)}</th>
                    <th scope="col">{t!(i18n, billing_owner)}</th>
                    <th scope="col">{t!(i18n, billing_settlement)}</th>
                    <th scope="col">{t!(i18n, billing_since)}</th>
                    <th scope="col">{t!(i18n, col_state)}</th>
                    <th scope="col">
                        <span class="visually-hidden">{t!(i18n, col_change)}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {workspaces
                    .into_iter()
                    .map(|w| {
                        let site = crate::domain::Site::ALL
                            .iter()
                            .find(|s| s.code() == w.site_code)
                            .map_or_else(|| w.site_code.clone(), |s| site_name(locale, *s).to_owned());
                        let tail = w.settlement.account_tail().unwrap_or_default();
                        let settlement = crate::ui::with_account(settlement_words(locale, &w.settlement), &tail);
                        let tag = state_tag(&w.state);
                        let linked = matches!(w.settlement, Settlement::AwsMarketplace { .. })
                            .then(|| {
                                // A workspace billed to an AWS account reads **Linked**, as in the wizard.
                                view! {
                                    <strong class="tag tag-linked">{t!(i18n, state_linked)}</strong>
                                    " "
                                }
                            });
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
                                <th scope="row">
                                    <a href=crate::paths::workspace(w.id)>{w.name}</a>
                                </th>
                                <td class="site" data-label=td_string!(locale, col_site)>
                                    {site}
                                </td>
                                <td data-label=td_string!(locale, billing_owner)>{w.owner}</td>
                                <td class="settlement nowrap-wide" data-label=td_string!(locale, billing_settlement)>
                                    {linked}
                                    {settlement}
                                </td>
                                <td class="nowrap" data-label=td_string!(locale, billing_since)>
                                    {since}
                                </td>
                                <td data-label=td_string!(locale, col_state)>
                                    <strong class=tag>{state}</strong>
                                </td>
                                <td>
                                    {switchable
                                        .then(|| {
                                            view! {
                                                <form method="get" action=BILLING>
                                                    <input type="hidden" name="confirm" value=w.id />
                                                    <Button
                                                        label=switch
                                                        label_suffix=switch_name.clone()
                                                        kind=ButtonKind::Secondary
                                                        small=true
                                                    />
                                                </form>
                                            }
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

/// The state's tag: Active in green, anything that needs the buyer's attention in orange.
pub(crate) fn state_tag(state: &BillingState) -> &'static str {
    match state {
        BillingState::Active => "tag tag-linked",
        _ => "tag tag-warning",
    }
}

pub(super) fn state_words(locale: crate::i18n::Locale, state: &BillingState) -> String {
    match state {
        BillingState::Active => td_string!(locale, billing_state_active).to_owned(),
        BillingState::PaymentFailed => td_string!(locale, billing_state_payment_failed).to_owned(),
        BillingState::CancellationPending => td_string!(locale, billing_state_cancellation_pending).to_owned(),
        BillingState::LockedIn { days: 1 } => td_string!(locale, billing_state_locked_in_one).to_owned(),
        BillingState::LockedIn { days } => td_string!(locale, billing_state_locked_in, days = days).to_string(),
        BillingState::Locked => td_string!(locale, billing_state_locked).to_owned(),
    }
}

pub(super) fn settlement_words(locale: crate::i18n::Locale, settlement: &Settlement) -> String {
    match settlement.account_tail() {
        Some(tail) => td_string!(locale, settlement_aws, account = tail).to_string(),
        None => td_string!(locale, settlement_billing_center).to_owned(),
    }
}
