//! What every page may show: the error message and summary, a service problem (503), loading, not found.

use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

/// The message beside a field in error; `id` is what the field's `aria-describedby` names.
#[component]
///
/// Inside an island (no translation context in the browser) the caller passes the translated `prefix`.
pub(crate) fn ErrorMessage(
    #[prop(into)] id: String,
    message: String,
    #[prop(optional)] prefix: Option<String>,
) -> impl IntoView {
    let prefix = prefix.unwrap_or_else(|| td_string!(use_i18n().get_locale_untracked(), error_prefix).to_owned());
    view! {
        <p class="error-message" id=id>
            <span class="visually-hidden">{prefix}</span>
            {message}
        </p>
    }
}

/// "There is a problem" summary: takes focus when it appears and links to each field in error. The words are
/// translated here, on the server; the island only moves focus.
#[component]
pub(crate) fn ErrorSummary(errors: FormErrors) -> impl IntoView {
    let title = td_string!(use_i18n().get_locale_untracked(), error_summary_title).to_owned();
    view! { <ErrorSummaryFocus items=errors.items() title /> }
}

#[island]
fn ErrorSummaryFocus(items: Vec<(String, String)>, title: String) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="error-summary" role="alert" tabindex="-1" node_ref=node aria-labelledby="error-summary-title">
            <h2 id="error-summary-title">{title}</h2>
            <ul>
                {items
                    .into_iter()
                    .map(|(field, text)| {
                        view! {
                            <li>
                                <a href=format!("#{field}")>{text}</a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

#[component]
pub(crate) fn ServiceProblem(err: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let heading = td_string!(locale, service_problem_heading);
    // Our outage, not the visitor's mistake: 503, and when to come back.
    #[cfg(feature = "ssr")]
    if let (AppError::Unavailable, Some(response)) = (&err, use_context::<leptos_axum::ResponseOptions>()) {
        response.set_status(http::StatusCode::SERVICE_UNAVAILABLE);
        response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from_static("30"));
    }
    view! {
        <Title text=format!("{}{heading}", td_string!(locale, error_prefix)) />
        <h1>{heading}</h1>
        <p>
            {match err {
                AppError::Unavailable => td_string!(locale, service_unavailable),
                AppError::Transport(_) => td_string!(locale, service_request_failed),
            }}
        </p>
    }
}

#[component]
pub(crate) fn Loading() -> impl IntoView {
    view! { <p class="loading">{t!(use_i18n(), loading)}</p> }
}

/// Any unknown path.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=td_string!(i18n.get_locale_untracked(), not_found_heading) />
        <h1>{t!(i18n, not_found_heading)}</h1>
        <p>{t!(i18n, not_found_check_address)}</p>
        <p>
            {t!(i18n, not_found_start_before)} <strong>{t!(i18n, set_up_your_account)}</strong>
            {t!(i18n, not_found_start_after)}
        </p>
        <WaysForward />
    }
}

/// Where a visitor who cannot go on here can go: their AWS Marketplace subscriptions (Set Up Your Account is
/// there; the partition's marketplace, `PORTAL_MARKETPLACE_URL`) and, when already activated, Log in.
#[component]
pub(crate) fn WaysForward() -> impl IntoView {
    let i18n = use_i18n();
    // The server renders this (no island): the vendor's configured marketplace.
    #[cfg(feature = "ssr")]
    let marketplace = crate::ssr::ports().map(|ports| ports.links.marketplace).unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let marketplace = String::new();
    view! {
        <ul class="ways-forward" data-testid="ways-forward">
            <li>
                <a href=marketplace rel="external">
                    {t!(i18n, refused_subscriptions_link)}
                </a>
            </li>
            <li>{t!(i18n, already_activated)} " " <a href=crate::paths::LOGIN>{t!(i18n, button_login)}</a></li>
        </ul>
    }
}
