//! The pages of the portal. One wizard step per component; the wizard's branches follow in later issues.

use crate::api::{self, ActivationState, ActivationSummary, AppError};
use crate::domain::Branch;
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
    let message = "Select whether you already have a Guance billing account";
    let chosen = summary.branch;
    let title = if has_error { "Error: Activate your subscription" } else { "Activate your subscription" };
    let action = <api::ChooseBranch as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=title />
        {has_error.then(|| view! { <ErrorSummary items=vec![("branch-register".into(), message.into())] /> })}
        <h1>"Activate your Guance subscription"</h1>
        <dl class="summary-list">
            <div class="summary-row">
                <dt>"AWS account"</dt>
                <dd data-testid="aws-account">{summary.aws_account_id.display_grouped()}</dd>
            </div>
            <div class="summary-row">
                <dt>"Product"</dt>
                <dd>{summary.product_code.to_string()}</dd>
            </div>
        </dl>
        <form method="post" action=action novalidate>
            <div class="form-group" class:form-group-error=has_error>
                <fieldset aria-describedby=has_error.then_some("branch-error")>
                    <legend class="legend-m">"Do you already have a Guance billing account?"</legend>
                    {has_error.then(|| view! { <ErrorMessage id="branch-error" message=message.to_owned() /> })}
                    <BranchOption
                        branch=Branch::Register
                        hint="Register a Guance account and billing account; your first workspace is billed to this AWS account."
                        checked=chosen == Some(Branch::Register)
                    />
                    <BranchOption
                        branch=Branch::Link
                        hint="Link your existing billing account, then bind a workspace or create one."
                        checked=chosen == Some(Branch::Link)
                    />
                </fieldset>
            </div>
            <button type="submit" class="button">
                "Continue"
            </button>
        </form>
    }
}

#[component]
fn BranchOption(branch: Branch, hint: &'static str, checked: bool) -> impl IntoView {
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
            <label for=id>{branch.label()}</label>
            <p class="hint" id=hint_id>{hint}</p>
        </div>
    }
}

/// The message beside a field in error; `id` is what the field's `aria-describedby` names.
#[component]
pub(crate) fn ErrorMessage(#[prop(into)] id: String, message: String) -> impl IntoView {
    view! {
        <p class="error-message" id=id>
            <span class="visually-hidden">"Error: "</span>
            {message}
        </p>
    }
}

/// "There is a problem" summary: takes focus when it appears (an island, so the browser can move focus) and
/// links to each field. `items` are (field id, message) pairs.
#[island]
pub(crate) fn ErrorSummary(items: Vec<(String, String)>) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="error-summary" role="alert" tabindex="-1" node_ref=node aria-labelledby="error-summary-title">
            <h2 id="error-summary-title">"There is a problem"</h2>
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
    let heading = if ended { "Your activation session has ended" } else { "Activation starts from AWS Marketplace" };
    view! {
        <Title text=heading />
        <h1>{heading}</h1>
        {ended.then(|| view! { <p>"For your security, activation sessions end after 4 hours without activity."</p> })}
        <p>
            "To activate Guance's Commercial Plan, open your subscription to Guance on AWS Marketplace and click "
            <strong>"Set Up Your Account"</strong> ". AWS brings you back here to finish."
        </p>
    }
}

#[component]
pub(crate) fn ServiceProblem(err: AppError) -> impl IntoView {
    view! {
        <Title text="Error: Sorry, there is a problem with the service" />
        <h1>"Sorry, there is a problem with the service"</h1>
        <p>{err.to_string()}</p>
    }
}

#[component]
pub(crate) fn Loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
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
                                <button type="submit" class="button">"Subscribe"</button>
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
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>"If you typed the web address, check it is correct."</p>
        <p>
            "To activate your subscription, start from AWS Marketplace and click "
            <strong>"Set Up Your Account"</strong> "."
        </p>
    }
}
