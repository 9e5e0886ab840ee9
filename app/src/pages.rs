//! The pages of the portal. One wizard step per component; the wizard's branches follow in later issues.

use crate::api::{self, ActivationState, ActivationSummary, AppError};
use crate::components::{Button, Notice, NoticeKind, SummaryList, SummaryRow};
use crate::domain::Branch;
use crate::i18n::{t, td_string, use_i18n};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/activate`: the AWS account being activated and the branch choice.
#[component]
pub fn ActivatePage() -> impl IntoView {
    let state = Resource::new(|| (), |_| api::get_activation());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(ActivationState::Active(summary)) => view! { <ChooseBranch summary /> }.into_any(),
                    Ok(ActivationState::None) => view! { <StartFromMarketplace ended=false /> }.into_any(),
                    Ok(ActivationState::Ended) => view! { <StartFromMarketplace ended=true /> }.into_any(),
                    Err(err) => view! { <ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ChooseBranch(summary: ActivationSummary) -> impl IntoView {
    // Pages render on the server once per request, so the query is read once.
    let has_error = use_query_map().with_untracked(|query| query.get("error").as_deref() == Some("branch"));
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let message = td_string!(locale, branch_required);
    let chosen = summary.branch;
    let title = format!(
        "{}{}",
        if has_error { td_string!(locale, error_prefix) } else { "" },
        td_string!(locale, activate_title)
    );
    let action = <api::ChooseBranch as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=title />
        {has_error.then(|| view! { <ErrorSummary items=vec![("branch-register".into(), message.into())] /> })}
        <h1>{t!(i18n, activate_heading)}</h1>
        {summary.payment_failed.then(|| view! {
            <Notice kind=NoticeKind::Warning testid="payment-failed" title=td_string!(locale, payment_failed_heading)
                text=td_string!(locale, payment_failed_text) />
        })}
        <SummaryList>
            <SummaryRow label=td_string!(locale, activate_aws_account) testid="aws-account">
                {summary.aws_account_id.display_grouped()}
            </SummaryRow>
            <SummaryRow label=td_string!(locale, activate_product)>{summary.product_code.to_string()}</SummaryRow>
        </SummaryList>
        <form method="post" action=action novalidate>
            <div class="form-group" class:form-group-error=has_error>
                <fieldset aria-describedby=has_error.then_some("branch-error")>
                    <legend class="legend-m">{t!(i18n, branch_question)}</legend>
                    {has_error.then(|| view! { <ErrorMessage id="branch-error" message=message.to_owned() /> })}
                    <BranchOption
                        branch=Branch::Register
                        label=td_string!(locale, branch_register)
                        hint=td_string!(locale, branch_register_hint)
                        checked=chosen == Some(Branch::Register)
                    />
                    <BranchOption
                        branch=Branch::Link
                        label=td_string!(locale, branch_link)
                        hint=td_string!(locale, branch_link_hint)
                        checked=chosen == Some(Branch::Link)
                    />
                </fieldset>
            </div>
            <Button label=td_string!(locale, button_continue) />
        </form>
    }
}

#[component]
pub(crate) fn BranchOption(branch: Branch, label: &'static str, hint: &'static str, checked: bool) -> impl IntoView {
    let id = format!("branch-{}", branch.code());
    let hint_id = format!("{id}-hint");
    view! {
        <div class="radio">
            <input
                type="radio"
                id=id.clone()
                name="branch"
                value=branch.code()
                checked=checked
                aria-describedby=hint_id.clone()
            />
            <label for=id>{label}</label>
            <p class="hint" id=hint_id>{hint}</p>
        </div>
    }
}

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

/// "There is a problem" summary: takes focus when it appears and links to each field. `items` are (field
/// id, message) pairs. The words are translated here, on the server; the island only moves focus.
#[component]
pub(crate) fn ErrorSummary(items: Vec<(String, String)>) -> impl IntoView {
    let title = td_string!(use_i18n().get_locale_untracked(), error_summary_title).to_owned();
    view! { <ErrorSummaryFocus items title /> }
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
                    .map(|(field, text)| view! { <li><a href=format!("#{field}")>{text}</a></li> })
                    .collect_view()}
            </ul>
        </div>
    }
}

#[component]
pub(crate) fn StartFromMarketplace(ended: bool) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let heading = if ended {
        td_string!(locale, session_ended_heading)
    } else {
        td_string!(locale, start_from_marketplace_heading)
    };
    view! {
        <Title text=heading />
        <h1>{heading}</h1>
        {ended.then(|| view! { <p>{t!(i18n, session_ended_reason)}</p> })}
        <p>
            {t!(i18n, start_from_marketplace_before)} <strong>{t!(i18n, set_up_your_account)}</strong>
            {t!(i18n, start_from_marketplace_after)}
        </p>
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

/// What a wizard page's server function answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Step<T> {
    /// No usable activation session: activation starts from AWS Marketplace (`ended`: it timed out).
    NoSession { ended: bool },
    /// The response redirects (an unfinished earlier step, or a page further on).
    Redirected,
    /// The page's own data.
    Show(T),
}

/// A wizard page: loads its data with `load` (a server function; the server waits for it, so the HTML is
/// complete without JavaScript) and renders it with `render`; the other outcomes look the same everywhere.
pub(crate) fn wizard_page<T, F, Fut>(load: F, render: fn(T) -> AnyView) -> impl IntoView
where
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Step<T>, AppError>> + Send + 'static,
{
    let page = Resource::new(|| (), move |_| load());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Step::Show(data)) => render(data),
                    Ok(Step::Redirected) => view! { <Loading /> }.into_any(),
                    Ok(Step::NoSession { ended }) => view! { <StartFromMarketplace ended /> }.into_any(),
                    Err(err) => view! { <ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/dev`: simulate a buyer subscribing on AWS Marketplace. The form posts to the server, which mints a
/// token with the simulator and answers with AWS's "Set Up Your Account" button.
#[component]
pub fn DevPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| api::dev_settings());
    view! {
        <Title text="Simulate AWS Marketplace" />
        <h1>"Simulate AWS Marketplace"</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(Some(product_code)) => {
                        view! {
                            <p>
                                "Pretend to be a buyer who has just subscribed on AWS Marketplace. "
                                "The simulator mints a registration token for the account below; "
                                "the next page posts it to the portal, exactly as AWS does."
                            </p>
                            <form method="post" action="/dev/subscribe" novalidate>
                                <div class="form-group">
                                    <label for="aws_account_id">"AWS account ID"</label>
                                    <p class="hint" id="aws_account_id-hint">"12 digits, for example 1234-5678-9012"</p>
                                    <input
                                        class="input"
                                        id="aws_account_id"
                                        name="aws_account_id"
                                        value="123456789012"
                                        inputmode="numeric"
                                        autocomplete="off"
                                        aria-describedby="aws_account_id-hint"
                                    />
                                </div>
                                <div class="form-group">
                                    <label for="product_code">"Product code"</label>
                                    <input
                                        class="input"
                                        id="product_code"
                                        name="product_code"
                                        value=product_code.to_string()
                                        autocomplete="off"
                                    />
                                </div>
                                <Button label="Subscribe" />
                            </form>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <p>"The simulator is available in dev mode only."</p> }.into_any(),
                    Err(err) => view! { <ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
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
    }
}
