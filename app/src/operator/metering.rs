//! `/operator/metering`: the metering records by state (pending, sent, refused, stale) with AWS's answer, a
//! **Retry now** for a failed record AWS would still take, and the CSV export of the filtered list.

use super::nav::{ConsoleNav, Section};
use crate::domain::console::{utc, MeteringFilter, MeteringRow, RecordState};
use crate::error::AppError;
use crate::i18n::{t, td_string, use_i18n, Locale};
use crate::ui::{Button, ButtonKind, Notice, NoticeKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The logged-in operator, the records `filter` matches (at most [`crate::domain::console::PAGE_ROWS`]) and the time they were read
/// (what "still retryable" is decided against); `None` for anyone else.
#[server(endpoint = "operator_metering")]
pub async fn operator_metering(filter: MeteringFilter) -> Result<Option<(String, Vec<MeteringRow>, i64)>, AppError> {
    let Some(operator) = super::ssr::operator().await? else { return Ok(None) };
    let rows = crate::ssr::ports()?
        .store
        .metering_records(&filter, crate::domain::console::PAGE_ROWS)
        .await
        .map_err(crate::ssr::unavailable)?;
    Ok(Some((operator.username, rows, crate::ssr::ports::now())))
}

/// **Retry now**: record `id` is sent again at once (the metering job is woken) when it is still one to
/// retry; back to the list it came from (`state`, `q`: the list's filters), saying what happened.
#[server(endpoint = "operator_retry_metering")]
pub async fn operator_retry_metering(
    id: Option<i64>,
    state: Option<String>,
    q: Option<String>,
) -> Result<(), AppError> {
    let Some(operator) = super::ssr::operator().await? else { return Ok(()) };
    let ports = crate::ssr::ports()?;
    let id = id.unwrap_or_default();
    let retried = ports
        .store
        .retry_metering(id, &operator.username, crate::ssr::ports::now())
        .await
        .map_err(crate::ssr::unavailable)?;
    if retried {
        ports.metering_wake.notify_one();
    }
    let filter = MeteringFilter::from_query(state.as_deref(), q.as_deref());
    let outcome = if retried { "retried" } else { "not_retried" };
    let query = filter.to_query();
    let separator = if query.is_empty() { "" } else { "&" };
    leptos_axum::redirect(&format!("{}?{query}{separator}{outcome}={id}", crate::paths::OPERATOR_METERING));
    Ok(())
}

/// A console state in words.
fn state_words(locale: Locale, state: RecordState) -> &'static str {
    match state {
        RecordState::Pending => td_string!(locale, operator_record_pending),
        RecordState::Sent => td_string!(locale, operator_record_sent),
        RecordState::Refused => td_string!(locale, operator_record_refused),
        RecordState::Stale => td_string!(locale, operator_record_stale),
    }
}

/// `/operator/metering`.
#[component]
pub fn OperatorMeteringPage() -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let (filter, outcome) = use_query_map().with_untracked(|q| {
        let filter = MeteringFilter::from_query(q.get("state").as_deref(), q.get("q").as_deref());
        let outcome = match (q.get("retried"), q.get("not_retried")) {
            (Some(id), _) => Some((true, id)),
            (None, Some(id)) => Some((false, id)),
            (None, None) => None,
        };
        (filter, outcome.filter(|(_, id)| id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit())))
    });
    let list = Resource::new(
        {
            let filter = filter.clone();
            move || filter.clone()
        },
        operator_metering,
    );
    view! {
        <Suspense fallback=crate::ui::Loading>
            {move || {
                let (filter, outcome) = (filter.clone(), outcome.clone());
                Suspend::new(async move {
                    match list.await {
                        Ok(Some((operator, rows, now))) => {
                            view! { <MeteringView operator filter rows now outcome locale /> }.into_any()
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
fn MeteringView(
    operator: String,
    filter: MeteringFilter,
    rows: Vec<MeteringRow>,
    now: i64,
    outcome: Option<(bool, String)>,
    locale: Locale,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = filter.to_query();
    let csv = if query.is_empty() {
        crate::paths::OPERATOR_METERING_CSV.to_owned()
    } else {
        format!("{}?{query}", crate::paths::OPERATOR_METERING_CSV)
    };
    let current = filter.state.map(RecordState::code).unwrap_or_default();
    let count = rows.len();
    view! {
        <Title text=td_string!(locale, operator_metering_title) />
        <ConsoleNav current=Section::Metering operator />
        <h1>{t!(i18n, operator_metering_title)}</h1>
        {outcome
            .map(|(retried, id)| {
                if retried {
                    view! {
                        <Notice
                            kind=NoticeKind::Success
                            text=format!("{} {id}", td_string!(locale, operator_retried))
                        />
                    }
                        .into_any()
                } else {
                    view! {
                        <Notice
                            kind=NoticeKind::Warning
                            text=format!("{} {id}", td_string!(locale, operator_not_retried))
                        />
                    }
                        .into_any()
                }
            })}
        <form method="get" action=crate::paths::OPERATOR_METERING class="console-filters" role="search">
            <div class="form-group">
                <label for="state">{t!(i18n, operator_filter_record_state)}</label>
                <select class="select" id="state" name="state">
                    <option value="" selected=current.is_empty()>
                        {t!(i18n, operator_filter_any)}
                    </option>
                    {RecordState::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.code() selected=current == s.code()>
                                    {state_words(locale, s)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="form-group">
                <label for="q">{t!(i18n, operator_col_aws_account)}</label>
                <input class="input" type="search" id="q" name="q" value=filter.search.clone() />
            </div>
            <Button label=td_string!(locale, operator_filter_apply) />
        </form>
        <p class="console-count">
            {t!(i18n, operator_customers_count, count = move || count)} " " <a href=csv download="">
                {t!(i18n, operator_export_csv)}
            </a>
        </p>
        {if rows.is_empty() {
            view! { <p>{t!(i18n, operator_records_none)}</p> }.into_any()
        } else {
            view! { <RecordsTable rows now filter locale /> }.into_any()
        }}
    }
}

#[component]
fn RecordsTable(rows: Vec<MeteringRow>, now: i64, filter: MeteringFilter, locale: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let action = <OperatorRetryMetering as leptos::server_fn::ServerFn>::url();
    view! {
        <table class="table table-wide" id="records">
            <caption class="visually-hidden">{t!(i18n, operator_metering_title)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, operator_col_record)}</th>
                    <th scope="col">{t!(i18n, operator_col_aws_account)}</th>
                    <th scope="col">{t!(i18n, operator_col_dimension)}</th>
                    <th scope="col">{t!(i18n, operator_col_hour)}</th>
                    <th scope="col">{t!(i18n, operator_col_quantity)}</th>
                    <th scope="col">{t!(i18n, col_state)}</th>
                    <th scope="col">{t!(i18n, operator_col_answer)}</th>
                    <th scope="col">{t!(i18n, operator_col_attempts)}</th>
                    <th scope="col">
                        <span class="visually-hidden">{t!(i18n, col_action)}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let retry = row.retryable(now);
                        let answer = match (&row.status, &row.metering_record_id, &row.last_error) {
                            (Some(status), Some(id), _) => format!("{status} ({id})"),
                            (Some(status), None, _) => status.clone(),
                            (None, _, Some(error)) => error.clone(),
                            (None, _, None) => "–".to_owned(),
                        };
                        let tag = match row.state {
                            RecordState::Sent => "tag tag-linked",
                            RecordState::Pending => "tag",
                            RecordState::Refused | RecordState::Stale => "tag tag-warning",
                        };
                        let state = filter.state.map(RecordState::code).unwrap_or_default();
                        let q = filter.search.clone();
                        view! {
                            <tr>
                                <td>{row.id}</td>
                                <td>
                                    <a class="aws-account" href=crate::paths::operator_customer(row.customer_id)>
                                        {row.aws_account_id}
                                    </a>
                                </td>
                                <td>{row.dimension}</td>
                                <td class="nowrap">{utc(row.usage_hour)}</td>
                                <td>{row.quantity}</td>
                                <td>
                                    <strong class=tag>{state_words(locale, row.state)}</strong>
                                </td>
                                <td>{answer}</td>
                                <td>{row.attempts}</td>
                                <td>
                                    {retry
                                        .then(|| {
                                            view! {
                                                <form method="post" action=action>
                                                    <input type="hidden" name="id" value=row.id />
                                                    <input type="hidden" name="state" value=state />
                                                    <input type="hidden" name="q" value=q />
                                                    <Button
                                                        label=td_string!(locale, operator_retry_now)
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
