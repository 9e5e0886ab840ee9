//! `/operator/webhooks`: the endpoints the vendor's systems receive events at (**URL**, the event types,
//! **Add**; each with its signing secret), and the deliveries — pending, delivered, dead — with **Replay**.
// Add's server function takes the form as it is posted: the URL and one checkbox per event type (a plain form
// cannot post a list the server-function decoder reads); the browser-side stub it generates needs the same.
#![allow(clippy::too_many_arguments)]

use super::nav::{ConsoleNav, Section};
use crate::domain::console::{utc, DeliveryRow, DeliveryState, WebhookEndpoint};
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n, Locale};
use crate::ui::{Button, ButtonKind, Checkbox, Notice, NoticeKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Each event type and its form field (a checkbox).
const FIELDS: [(&str, &str); 8] = [
    ("customer.subscribed", "customer_subscribed"),
    ("activation.completed", "activation_completed"),
    ("workspace.linked", "workspace_linked"),
    ("subscription.cancel_pending", "subscription_cancel_pending"),
    ("subscription.ended", "subscription_ended"),
    ("entitlements.updated", "entitlements_updated"),
    ("metering.refused", "metering_refused"),
    ("metering.stale", "metering_stale"),
];

/// What the page shows: the operator, the endpoints, the deliveries in `state` (any when empty).
pub type WebhooksData = (String, Vec<WebhookEndpoint>, Vec<DeliveryRow>);

#[server(endpoint = "operator_webhooks")]
pub async fn operator_webhooks(state: Option<String>) -> Result<Option<WebhooksData>, AppError> {
    let Some(operator) = super::ssr::operator().await? else { return Ok(None) };
    let store = crate::ssr::ports()?.store;
    let endpoints = store.webhook_endpoints().await.map_err(crate::ssr::unavailable)?;
    let state = state.as_deref().and_then(DeliveryState::parse);
    let limit = crate::domain::console::PAGE_ROWS;
    let deliveries = store.webhook_deliveries(state, limit).await.map_err(crate::ssr::unavailable)?;
    Ok(Some((operator.username, endpoints, deliveries)))
}

/// **Add**: an endpoint at `url` for the ticked event types (`https://` — in dev mode `http://` too —, at
/// least one type, at most [`crate::domain::console::MAX_WEBHOOK_ENDPOINTS`] endpoints); → `?added=ID` or
/// `?error=…`, nothing added.
#[server(endpoint = "operator_add_webhook")]
pub async fn operator_add_webhook(
    url: Option<String>,
    customer_subscribed: Option<String>,
    activation_completed: Option<String>,
    workspace_linked: Option<String>,
    subscription_cancel_pending: Option<String>,
    subscription_ended: Option<String>,
    entitlements_updated: Option<String>,
    metering_refused: Option<String>,
    metering_stale: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::console::{check_webhook_url, UrlProblem, WEBHOOK_EVENT_TYPES};
    let Some(operator) = super::ssr::operator().await? else { return Ok(()) };
    let ports = crate::ssr::ports()?;
    let ticked = [
        customer_subscribed,
        activation_completed,
        workspace_linked,
        subscription_cancel_pending,
        subscription_ended,
        entitlements_updated,
        metering_refused,
        metering_stale,
    ];
    let types: Vec<&str> =
        WEBHOOK_EVENT_TYPES.into_iter().zip(ticked).filter(|(_, on)| on.is_some()).map(|(t, _)| t).collect();
    let page = crate::paths::OPERATOR_WEBHOOKS;
    let url = match check_webhook_url(url.as_deref().unwrap_or_default(), ports.dev_mode) {
        Ok(url) => url,
        Err(problem) => {
            let code = match problem {
                UrlProblem::Missing => "url_missing",
                UrlProblem::TooLong => "url_too_long",
                UrlProblem::NotHttps => "url_https",
                UrlProblem::Credentials => "url_credentials",
            };
            leptos_axum::redirect(&format!("{page}?error={code}"));
            return Ok(());
        }
    };
    if types.is_empty() {
        leptos_axum::redirect(&format!("{page}?error=types"));
        return Ok(());
    }
    let now = crate::ssr::ports::now();
    match ports
        .store
        .add_webhook_endpoint(&url, &types, &operator.username, now)
        .await
        .map_err(crate::ssr::unavailable)?
    {
        Some(id) => leptos_axum::redirect(&format!("{page}?added={id}")),
        None => leptos_axum::redirect(&format!("{page}?error=full")),
    }
    Ok(())
}

/// **Replay**: delivery `id` is sent again (same event id and body, a new 24-hour window) → `?replayed=ID`, or
/// `?not_replayed=ID` when it cannot be (pending already, unknown, its endpoint disabled).
#[server(endpoint = "operator_replay_webhook")]
pub async fn operator_replay_webhook(id: Option<i64>) -> Result<(), AppError> {
    let Some(operator) = super::ssr::operator().await? else { return Ok(()) };
    let id = id.unwrap_or_default();
    let store = crate::ssr::ports()?.store;
    let now = crate::ssr::ports::now();
    let replayed = store.replay_delivery(id, &operator.username, now).await.map_err(crate::ssr::unavailable)?;
    let outcome = if replayed { "replayed" } else { "not_replayed" };
    leptos_axum::redirect(&format!("{}?{outcome}={id}", crate::paths::OPERATOR_WEBHOOKS));
    Ok(())
}

fn delivery_words(locale: Locale, state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => td_string!(locale, operator_delivery_pending),
        DeliveryState::Delivered => td_string!(locale, operator_delivery_delivered),
        DeliveryState::Dead => td_string!(locale, operator_delivery_dead),
    }
}

/// The page's query: the deliveries' state filter, and what just happened.
#[derive(Clone, Default)]
struct WebhooksQuery {
    state: String,
    error: Option<String>,
    notice: Option<(NoticeKind, &'static str, String)>,
}

/// `/operator/webhooks`.
#[component]
pub fn OperatorWebhooksPage() -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let query = use_query_map().with_untracked(|q| {
        let number = |key: &str| q.get(key).filter(|id| id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit()));
        let notice = if let Some(id) = number("added") {
            Some((NoticeKind::Success, td_string!(locale, operator_webhook_added), id))
        } else if let Some(id) = number("replayed") {
            Some((NoticeKind::Success, td_string!(locale, operator_webhook_replayed), id))
        } else {
            number("not_replayed")
                .map(|id| (NoticeKind::Warning, td_string!(locale, operator_webhook_not_replayed), id))
        };
        let error = q.get("error").and_then(|code| {
            let message = match code.as_str() {
                "url_missing" => td_string!(locale, operator_webhook_url_missing),
                "url_too_long" => td_string!(locale, operator_webhook_url_too_long),
                "url_https" => td_string!(locale, operator_webhook_url_https),
                "url_credentials" => td_string!(locale, operator_webhook_url_credentials),
                "types" => td_string!(locale, operator_webhook_types_missing),
                "full" => td_string!(locale, operator_webhook_full),
                _ => return None,
            };
            Some(message.to_owned())
        });
        let state = q.get("state").filter(|s| DeliveryState::parse(s).is_some()).unwrap_or_default();
        WebhooksQuery { state, error, notice }
    });
    let data = Resource::new(
        {
            let state = query.state.clone();
            move || state.clone()
        },
        |state| operator_webhooks((!state.is_empty()).then_some(state)),
    );
    view! {
        <Suspense fallback=crate::ui::Loading>
            {move || {
                let query = query.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(Some((operator, endpoints, deliveries))) => {
                            view! { <WebhooksView operator endpoints deliveries query locale /> }.into_any()
                        }
                        Ok(None) => view! { <crate::ui::NotFound /> }.into_any(),
                        Err(err) => view! { <crate::ui::ServiceProblem err /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn WebhooksView(
    operator: String,
    endpoints: Vec<WebhookEndpoint>,
    deliveries: Vec<DeliveryRow>,
    query: WebhooksQuery,
    locale: Locale,
) -> impl IntoView {
    let i18n = use_i18n();
    let add = <OperatorAddWebhook as leptos::server_fn::ServerFn>::url();
    let csv = if query.state.is_empty() {
        crate::paths::OPERATOR_WEBHOOKS_CSV.to_owned()
    } else {
        format!("{}?state={}", crate::paths::OPERATOR_WEBHOOKS_CSV, query.state)
    };
    let errors = query.error.clone().map(|message| FormErrors::one("url", message));
    let url_error = query
        .error
        .clone()
        .filter(|_| query.error.as_deref() != Some(td_string!(locale, operator_webhook_types_missing)));
    let types_error = query
        .error
        .clone()
        .filter(|_| query.error.as_deref() == Some(td_string!(locale, operator_webhook_types_missing)));
    view! {
        <Title text=crate::messages::page_title(
            locale,
            errors.is_some(),
            td_string!(locale, operator_webhooks_title),
        ) />
        <ConsoleNav current=Section::Webhooks operator />
        {errors.map(|errors| view! { <crate::ui::ErrorSummary errors /> })}
        <h1>{t!(i18n, operator_webhooks_title)}</h1>
        {query.notice.clone().map(|(kind, words, id)| view! { <Notice kind text=format!("{words} {id}") /> })}
        <p>{t!(i18n, operator_webhooks_intro)}</p>
        <h2>{t!(i18n, operator_webhook_endpoints)}</h2>
        {if endpoints.is_empty() {
            view! { <p>{t!(i18n, operator_webhook_endpoints_none)}</p> }.into_any()
        } else {
            view! { <EndpointsTable endpoints locale /> }.into_any()
        }}
        <h2 id="add-endpoint">{t!(i18n, operator_webhook_add_title)}</h2>
        <form method="post" action=add novalidate aria-labelledby="add-endpoint">
            <crate::ui::TextField
                id="url"
                label=td_string!(locale, operator_webhook_url)
                hint=td_string!(locale, operator_webhook_url_hint)
                value=String::new()
                kind="url"
                error=url_error
            />
            <fieldset class="form-group" aria-describedby="types-hint">
                <legend>{t!(i18n, operator_webhook_types)}</legend>
                {types_error.map(|message| view! { <crate::ui::ErrorMessage id="types-error".to_owned() message /> })}
                {FIELDS
                    .into_iter()
                    .map(|(event_type, field)| {
                        view! { <Checkbox id=field name=field label=event_type checked=false error=None /> }
                    })
                    .collect_view()}
            </fieldset>
            <Button label=td_string!(locale, operator_webhook_add) />
        </form>
        <h2 id="deliveries-heading">{t!(i18n, operator_webhook_deliveries)}</h2>
        <form method="get" action=crate::paths::OPERATOR_WEBHOOKS class="console-filters" role="search">
            <div class="form-group">
                <label for="state">{t!(i18n, operator_filter_record_state)}</label>
                <select class="select" id="state" name="state">
                    <option value="" selected=query.state.is_empty()>
                        {t!(i18n, operator_filter_any)}
                    </option>
                    {DeliveryState::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.code() selected=query.state == s.code()>
                                    {delivery_words(locale, s)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <Button label=td_string!(locale, operator_filter_apply) />
        </form>
        <p class="console-count">
            <a href=csv download="">
                {t!(i18n, operator_export_csv)}
            </a>
        </p>
        {if deliveries.is_empty() {
            view! { <p>{t!(i18n, operator_webhook_deliveries_none)}</p> }.into_any()
        } else {
            view! { <DeliveriesTable deliveries locale /> }.into_any()
        }}
    }
}

#[component]
fn EndpointsTable(endpoints: Vec<WebhookEndpoint>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="table table-wide" id="endpoints">
            <caption class="visually-hidden">{t!(i18n, operator_webhook_endpoints)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, operator_webhook_url)}</th>
                    <th scope="col">{t!(i18n, operator_webhook_types)}</th>
                    <th scope="col">{t!(i18n, operator_webhook_secret)}</th>
                    <th scope="col">{t!(i18n, col_state)}</th>
                </tr>
            </thead>
            <tbody>
                {endpoints
                    .into_iter()
                    .map(|e| {
                        let state = match (&e.disabled_at, &e.disabled_reason) {
                            (Some(at), reason) => {
                                view! {
                                    <strong class="tag tag-warning">{t!(i18n, operator_webhook_disabled)}</strong>
                                    " "
                                    {format!("{} {}", utc(*at), reason.clone().unwrap_or_default())}
                                }
                                    .into_any()
                            }
                            (None, _) => {
                                view! { <strong class="tag tag-linked">{t!(i18n, billing_state_active)}</strong> }
                                    .into_any()
                            }
                        };
                        view! {
                            <tr>
                                <td class="webhook-url">
                                    {e.url} <br />
                                    <span class="hint">
                                        {format!(
                                            "{} {} · {}",
                                            td_string!(locale, operator_webhook_added_by),
                                            e.created_by,
                                            utc(e.created_at),
                                        )}
                                    </span>
                                </td>
                                <td>{e.event_types.join(", ")}</td>
                                <td>
                                    <details>
                                        <summary>{t!(i18n, operator_webhook_show_secret)}</summary>
                                        <code class="webhook-secret">{e.secret}</code>
                                    </details>
                                </td>
                                <td>{state}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn DeliveriesTable(deliveries: Vec<DeliveryRow>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let replay = <OperatorReplayWebhook as leptos::server_fn::ServerFn>::url();
    view! {
        <table class="table table-wide" id="deliveries" aria-labelledby="deliveries-heading">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, operator_webhook_event)}</th>
                    <th scope="col">{t!(i18n, operator_webhook_url)}</th>
                    <th scope="col">{t!(i18n, col_state)}</th>
                    <th scope="col">{t!(i18n, operator_col_attempts)}</th>
                    <th scope="col">{t!(i18n, operator_webhook_last_answer)}</th>
                    <th scope="col">
                        <span class="visually-hidden">{t!(i18n, col_action)}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {deliveries
                    .into_iter()
                    .map(|d| {
                        let tag = match d.state {
                            DeliveryState::Delivered => "tag tag-linked",
                            DeliveryState::Pending => "tag",
                            DeliveryState::Dead => "tag tag-warning",
                        };
                        let answer = match (d.last_status, &d.last_error) {
                            (_, Some(error)) => error.clone(),
                            (Some(status), None) => status.to_string(),
                            (None, None) => "–".to_owned(),
                        };
                        let when = match d.state {
                            DeliveryState::Delivered => d.delivered_at.map(utc).unwrap_or_default(),
                            DeliveryState::Pending => {
                                format!(
                                    "{} {}",
                                    td_string!(locale, operator_webhook_next_attempt),
                                    utc(d.next_attempt_at),
                                )
                            }
                            DeliveryState::Dead => String::new(),
                        };
                        let replayable = d.state != DeliveryState::Pending;
                        view! {
                            <tr>
                                <td>
                                    <code>{d.event_type}</code>
                                    <br />
                                    <span class="hint">{d.event_id} " · " {utc(d.created_at)}</span>
                                    {d
                                        .customer_id
                                        .map(|id| {
                                            view! {
                                                <br />
                                                <a href=crate::paths::operator_customer(
                                                    id,
                                                )>{t!(i18n, operator_customer_title)}</a>
                                            }
                                        })}
                                </td>
                                <td class="webhook-url">{d.url}</td>
                                <td>
                                    <strong class=tag>{delivery_words(locale, d.state)}</strong>
                                    <br />
                                    <span class="hint">{when}</span>
                                </td>
                                <td>{d.attempts}</td>
                                <td>{answer}</td>
                                <td>
                                    {replayable
                                        .then(|| {
                                            view! {
                                                <form method="post" action=replay>
                                                    <input type="hidden" name="id" value=d.id />
                                                    <Button
                                                        label=td_string!(locale, operator_webhook_replay)
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
