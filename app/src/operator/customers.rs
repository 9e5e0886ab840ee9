//! The console's customers: `/operator` lists the AWS customers (search by AWS account, license, customer
//! identifier or billing account; filter by subscription state and activation progress; CSV export of the same
//! list) and `/operator/customers/<id>` shows one — license, agreement state, entitlements, billing account,
//! workspaces, activation progress — with its timeline from the audit log.

use super::nav::{ConsoleNav, Section};
use crate::domain::console::{utc, CustomerDetail, CustomerFilter, CustomerRow, Progress, SUBSCRIPTION_STATES};
use crate::error::AppError;
use crate::i18n::{t, td_string, use_i18n, Locale};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// How many timeline entries one customer's page shows (newest first).
pub const TIMELINE_ROWS: i64 = 500;

/// The logged-in operator and the customers `filter` matches (at most [`crate::domain::console::PAGE_ROWS`]); `None` for anyone else.
#[server(endpoint = "operator_customers")]
pub async fn operator_customers(filter: CustomerFilter) -> Result<Option<(String, Vec<CustomerRow>)>, AppError> {
    let Some(operator) = super::ssr::operator().await? else { return Ok(None) };
    let rows = crate::ssr::ports()?
        .store
        .customers(&filter, crate::domain::console::PAGE_ROWS)
        .await
        .map_err(crate::ssr::unavailable)?;
    Ok(Some((operator.username, rows)))
}

/// The logged-in operator and customer `id`; `None` for anyone else or an unknown customer.
#[server(endpoint = "operator_customer")]
pub async fn operator_customer(id: i64) -> Result<Option<(String, CustomerDetail)>, AppError> {
    let Some(operator) = super::ssr::operator().await? else { return Ok(None) };
    let customer = crate::ssr::ports()?.store.customer(id, TIMELINE_ROWS).await.map_err(crate::ssr::unavailable)?;
    if customer.is_none() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    Ok(customer.map(|customer| (operator.username, customer)))
}

/// A subscription state in words.
pub fn subscription_words(locale: Locale, state: &str) -> &'static str {
    match state {
        "active" => td_string!(locale, billing_state_active),
        "payment_failed" => td_string!(locale, billing_state_payment_failed),
        "cancellation_pending" => td_string!(locale, billing_state_cancellation_pending),
        "cancelled" => td_string!(locale, operator_state_cancelled),
        "locked" => td_string!(locale, billing_state_locked),
        _ => td_string!(locale, operator_state_unknown),
    }
}

/// Activation progress in words.
pub fn progress_words(locale: Locale, progress: Progress) -> &'static str {
    match progress {
        Progress::NotStarted => td_string!(locale, operator_progress_not_started),
        Progress::InProgress => td_string!(locale, operator_progress_in_progress),
        Progress::BillingLinked => td_string!(locale, operator_progress_billing_linked),
        Progress::Activated => td_string!(locale, operator_progress_activated),
    }
}

fn state_tag(state: &str) -> &'static str {
    match state {
        "active" => "tag tag-linked",
        "payment_failed" | "cancellation_pending" | "cancelled" | "locked" => "tag tag-warning",
        _ => "tag",
    }
}

/// `/operator`: the customers.
#[component]
pub fn OperatorCustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let filter = use_query_map().with_untracked(|q| {
        CustomerFilter::from_query(q.get("q").as_deref(), q.get("state").as_deref(), q.get("progress").as_deref())
    });
    let list = Resource::new(
        {
            let filter = filter.clone();
            move || filter.clone()
        },
        operator_customers,
    );
    view! {
        <Suspense fallback=crate::ui::Loading>
            {move || {
                let filter = filter.clone();
                Suspend::new(async move {
                    match list.await {
                        Ok(Some((operator, rows))) => view! { <CustomersView operator filter rows locale /> }.into_any(),
                        Ok(None) => view! { <crate::ui::NotFound /> }.into_any(),
                        Err(err) => view! { <crate::ui::ServiceProblem err /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn CustomersView(operator: String, filter: CustomerFilter, rows: Vec<CustomerRow>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let query = filter.to_query();
    let csv = if query.is_empty() {
        crate::paths::OPERATOR_CUSTOMERS_CSV.to_owned()
    } else {
        format!("{}?{query}", crate::paths::OPERATOR_CUSTOMERS_CSV)
    };
    let count = rows.len();
    let state = filter.state.clone().unwrap_or_default();
    let progress = filter.progress.map(Progress::code).unwrap_or_default();
    view! {
        <Title text=td_string!(locale, operator_customers_title) />
        <ConsoleNav current=Section::Customers operator />
        <h1>{t!(i18n, operator_customers_title)}</h1>
        <form method="get" action=crate::paths::OPERATOR class="console-filters" role="search">
            <div class="form-group">
                <label for="q">{t!(i18n, operator_search)}</label>
                <p class="hint" id="q-hint">
                    {t!(i18n, operator_search_hint)}
                </p>
                <input class="input" type="search" id="q" name="q" value=filter.search aria-describedby="q-hint" />
            </div>
            <div class="form-group">
                <label for="state">{t!(i18n, operator_filter_state)}</label>
                <select class="select" id="state" name="state">
                    <option value="" selected=state.is_empty()>
                        {t!(i18n, operator_filter_any)}
                    </option>
                    {SUBSCRIPTION_STATES
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s selected=state == s>
                                    {subscription_words(locale, s)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="form-group">
                <label for="progress">{t!(i18n, operator_filter_progress)}</label>
                <select class="select" id="progress" name="progress">
                    <option value="" selected=progress.is_empty()>
                        {t!(i18n, operator_filter_any)}
                    </option>
                    {Progress::ALL
                        .into_iter()
                        .map(|p| {
                            view! {
                                <option value=p.code() selected=progress == p.code()>
                                    {progress_words(locale, p)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <crate::ui::Button label=td_string!(locale, operator_filter_apply) />
        </form>
        <p class="console-count">
            {t!(i18n, operator_customers_count, count = move || count)} " " <a href=csv download="">
                {t!(i18n, operator_export_csv)}
            </a>
        </p>
        {if rows.is_empty() {
            view! { <p>{t!(i18n, operator_customers_none)}</p> }.into_any()
        } else {
            view! { <CustomersTable rows locale /> }.into_any()
        }}
    }
}

#[component]
fn CustomersTable(rows: Vec<CustomerRow>, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="table table-wide" id="customers">
            <caption class="visually-hidden">{t!(i18n, operator_customers_title)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, operator_col_aws_account)}</th>
                    <th scope="col">{t!(i18n, operator_col_license)}</th>
                    <th scope="col">{t!(i18n, operator_col_subscription)}</th>
                    <th scope="col">{t!(i18n, operator_col_billing_account)}</th>
                    <th scope="col">{t!(i18n, operator_col_workspaces)}</th>
                    <th scope="col">{t!(i18n, operator_col_progress)}</th>
                    <th scope="col">{t!(i18n, operator_col_subscribed)}</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        view! {
                            <tr>
                                <td data-label=td_string!(locale, operator_col_aws_account)>
                                    <a class="aws-account" href=crate::paths::operator_customer(row.id)>
                                        {row.aws_account_id}
                                    </a>
                                </td>
                                <td data-label=td_string!(
                                    locale, operator_col_license
                                )>{row.license_id.unwrap_or_else(|| "–".to_owned())}</td>
                                <td data-label=td_string!(locale, operator_col_subscription)>
                                    <strong class=state_tag(
                                        &row.subscription,
                                    )>{subscription_words(locale, &row.subscription)}</strong>
                                </td>
                                <td data-label=td_string!(
                                    locale, operator_col_billing_account
                                )>{row.billing_account.unwrap_or_else(|| "–".to_owned())}</td>
                                <td data-label=td_string!(locale, operator_col_workspaces)>{row.workspaces}</td>
                                <td data-label=td_string!(
                                    locale, operator_col_progress
                                )>{progress_words(locale, row.progress)}</td>
                                <td class="nowrap" data-label=td_string!(locale, operator_col_subscribed)>
                                    {utc(row.created_at)}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// `/operator/customers/<id>`: one customer and its timeline.
#[component]
pub fn OperatorCustomerPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let customer = Resource::new(
        move || id,
        |id| async move {
            match id {
                Some(id) => operator_customer(id).await,
                None => Ok(None),
            }
        },
    );
    let locale = use_i18n().get_locale_untracked();
    view! {
        <Suspense fallback=crate::ui::Loading>
            {move || Suspend::new(async move {
                match customer.await {
                    Ok(Some((operator, detail))) => view! { <CustomerView operator detail locale /> }.into_any(),
                    Ok(None) => view! { <crate::ui::NotFound /> }.into_any(),
                    Err(err) => view! { <crate::ui::ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CustomerView(operator: String, detail: CustomerDetail, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let row = detail.row;
    let dash = || "–".to_owned();
    let lock = row.lock_at.map(utc);
    view! {
        <Title text=format!("{} {}", td_string!(locale, operator_customer_title), row.aws_account_id) />
        <ConsoleNav current=Section::Customers operator />
        <h1>{t!(i18n, operator_customer_title)} " " <span class="aws-account">{row.aws_account_id.clone()}</span></h1>
        <dl class="summary-list" id="customer">
            <div class="summary-row">
                <dt>{t!(i18n, operator_col_subscription)}</dt>
                <dd>
                    <strong class=state_tag(&row.subscription)>{subscription_words(locale, &row.subscription)}</strong>
                    {lock
                        .map(|at| {
                            view! {
                                " "
                                {t!(i18n, operator_locks_at)}
                                " "
                                {at}
                            }
                        })}
                </dd>
            </div>
            <div class="summary-row">
                <dt>{t!(i18n, operator_col_progress)}</dt>
                <dd>{progress_words(locale, row.progress)}</dd>
            </div>
            <div class="summary-row">
                <dt>{t!(i18n, operator_col_license)}</dt>
                <dd>{row.license_id.unwrap_or_else(dash)}</dd>
            </div>
            <div class="summary-row">
                <dt>{t!(i18n, operator_customer_identifier)}</dt>
                <dd>{row.customer_identifier.unwrap_or_else(dash)}</dd>
            </div>
            <div class="summary-row">
                <dt>{t!(i18n, operator_product_code)}</dt>
                <dd>{detail.product_code}</dd>
            </div>
            <div class="summary-row">
                <dt>{t!(i18n, operator_col_billing_account)}</dt>
                <dd>{row.billing_account.unwrap_or_else(dash)}</dd>
            </div>
            <div class="summary-row">
                <dt>{t!(i18n, operator_col_subscribed)}</dt>
                <dd>{utc(row.created_at)}</dd>
            </div>
        </dl>
        <h2>{t!(i18n, operator_entitlements)}</h2>
        <p>
            {match detail.entitlements_checked_at {
                Some(at) => {
                    view! {
                        {t!(i18n, operator_entitlements_checked)}
                        " "
                        {utc(at)}
                    }
                        .into_any()
                }
                None => view! { {t!(i18n, operator_entitlements_never)} }.into_any(),
            }}
        </p>
        {(!detail.entitlements.is_empty())
            .then(|| {
                view! {
                    <table class="table" id="entitlements">
                        <caption class="visually-hidden">{t!(i18n, operator_entitlements)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, operator_col_dimension)}</th>
                                <th scope="col">{t!(i18n, operator_col_value)}</th>
                                <th scope="col">{t!(i18n, operator_col_expires)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {detail
                                .entitlements
                                .into_iter()
                                .map(|e| {
                                    view! {
                                        <tr>
                                            <td>{e.dimension}</td>
                                            <td>{e.value}</td>
                                            <td class="nowrap">{e.expires_at.map_or_else(dash, utc)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
            })}
        <h2>{t!(i18n, operator_workspaces)}</h2>
        {if detail.workspaces.is_empty() {
            view! { <p>{t!(i18n, operator_workspaces_none)}</p> }.into_any()
        } else {
            view! {
                <table class="table" id="customer-workspaces">
                    <caption class="visually-hidden">{t!(i18n, operator_workspaces)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, col_workspace)}</th>
                            <th scope="col">{t!(i18n, col_site)}</th>
                            <th scope="col">{t!(i18n, operator_col_linked)}</th>
                            <th scope="col">{t!(i18n, operator_col_locked)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {detail
                            .workspaces
                            .into_iter()
                            .map(|w| {
                                view! {
                                    <tr>
                                        <td>{w.name}</td>
                                        <td>{w.site}</td>
                                        <td class="nowrap">{utc(w.linked_at)}</td>
                                        <td class="nowrap">{w.locked_at.map_or_else(dash, utc)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        <h2 id="timeline-heading">{t!(i18n, operator_timeline)}</h2>
        <table class="table table-wide" id="timeline" aria-labelledby="timeline-heading">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, operator_col_when)}</th>
                    <th scope="col">{t!(i18n, operator_col_actor)}</th>
                    <th scope="col">{t!(i18n, operator_col_action)}</th>
                    <th scope="col">{t!(i18n, operator_col_detail)}</th>
                </tr>
            </thead>
            <tbody>
                {detail
                    .timeline
                    .into_iter()
                    .map(|entry| {
                        view! {
                            <tr>
                                <td class="nowrap">{utc(entry.at)}</td>
                                <td>{entry.actor}</td>
                                <td>
                                    <code>{entry.action}</code>
                                </td>
                                <td>{entry.detail}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
