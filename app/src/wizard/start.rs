//! The wizard's start, `/activate`: the AWS account being activated and the branch choice (or, without an
//! activation session, where activation starts).

use crate::domain::workspace::WorkspaceRow;
use crate::domain::{ActivationState, ActivationSummary, Branch};
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::ui::{
    BranchOption, Button, ButtonKind, ErrorMessage, ErrorSummary, Loading, Notice, NoticeKind, ServiceProblem,
    SummaryList, SummaryRow,
};
#[cfg(feature = "ssr")]
use crate::{paths, wizard::Gate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What `/activate` shows: the visitor's activation session and, when its AWS account is activated
/// already, the workspaces billed to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Start {
    pub state: ActivationState,
    pub linked: Vec<WorkspaceRow>,
    /// The buyer came back: when the answers this session resumed were kept.
    pub resumed_from: Option<i64>,
}

/// `/activate`: the AWS account being activated and the branch choice; for an AWS account activated already,
/// what it is billed through and where to go from here.
#[component]
pub fn ActivatePage() -> impl IntoView {
    let state = Resource::new(|| (), |_| get_activation());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(Start { state: ActivationState::Active(summary), linked, resumed_from }) => {
                        if summary.billing_username.is_some() {
                            view! { <AlreadyActivated summary linked /> }.into_any()
                        } else {
                            view! { <BranchChoice summary resumed_from /> }.into_any()
                        }
                    }
                    Ok(Start { state: ActivationState::None, .. }) => {
                        view! { <StartFromMarketplace ended=false /> }.into_any()
                    }
                    Ok(Start { state: ActivationState::Ended, .. }) => {
                        view! { <StartFromMarketplace ended=true /> }.into_any()
                    }
                    Err(err) => view! { <ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// An AWS account whose billing account is set comes back (Set Up Your Account stays in its AWS console):
/// which billing account (username masked), the workspaces billed to it, Log in, and binding or creating
/// another workspace; why registering or linking again is not offered.
#[component]
fn AlreadyActivated(summary: ActivationSummary, linked: Vec<WorkspaceRow>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let billing = crate::domain::billing::masked_username(summary.billing_username.as_deref().unwrap_or_default());
    view! {
        <Title text=td_string!(locale, activated_title) />
        <h1>{t!(i18n, activated_title)}</h1>
        <p>{t!(i18n, activated_intro)}</p>
        <SummaryList testid="activated">
            <SummaryRow label=td_string!(locale, activate_aws_account) testid="aws-account">
                <span class="aws-account">{summary.aws_account_id.display_grouped()}</span>
            </SummaryRow>
            <SummaryRow label=td_string!(
                locale, activate_product
            )>{t!(i18n, product_name)} <span class="hint">{format!(" ({})", summary.product_code)}</span></SummaryRow>
            <SummaryRow label=td_string!(locale, activated_billing_account) testid="billing-account">
                {billing}
            </SummaryRow>
        </SummaryList>
        <h2>{t!(i18n, activated_workspaces)}</h2>
        {if linked.is_empty() {
            view! { <p>{t!(i18n, activated_no_workspaces)}</p> }.into_any()
        } else {
            view! {
                <ul data-testid="linked-workspaces">
                    {linked
                        .into_iter()
                        .map(|row| view! { <li>{format!("{} – {}", row.name, row.site_name(locale))}</li> })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
        <p>{t!(i18n, activated_login)}</p>
        <p>
            <Button label=td_string!(locale, button_login) href=crate::paths::LOGIN />
        </p>
        <h2>{t!(i18n, activated_more_heading)}</h2>
        <p>{t!(i18n, activated_more)}</p>
        <p>
            <Button
                label=td_string!(locale, button_bind_or_create)
                kind=ButtonKind::Secondary
                href=crate::paths::LINK_WORKSPACES
            />
        </p>
        <p class="hint">{t!(i18n, activated_not_offered)}</p>
    }
}

#[component]
fn BranchChoice(summary: ActivationSummary, resumed_from: Option<i64>) -> impl IntoView {
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
    let action = <ChooseBranch as leptos::server_fn::ServerFn>::url();
    let branch_check = crate::ui::BrowserCheck::worded(
        "branch",
        crate::domain::rules::FieldRule::Choice,
        "branch-register",
        crate::messages::FieldMessages::new(locale, "", message),
    );
    view! {
        <Title text=title />
        {has_error.then(|| view! { <ErrorSummary errors=FormErrors::one("branch-register", message) /> })}
        <h1>{t!(i18n, activate_heading)}</h1>
        {summary
            .payment_failed
            .then(|| {
                view! {
                    <Notice
                        kind=NoticeKind::Warning
                        testid="payment-failed"
                        title=td_string!(locale, payment_failed_heading)
                        text=td_string!(locale, payment_failed_text)
                    />
                }
            })}
        <SummaryList>
            <SummaryRow label=td_string!(locale, activate_aws_account) testid="aws-account">
                <span class="aws-account">{summary.aws_account_id.display_grouped()}</span>
            </SummaryRow>
            <SummaryRow label=td_string!(
                locale, activate_product
            )>{t!(i18n, product_name)} <span class="hint">{format!(" ({})", summary.product_code)}</span></SummaryRow>
        </SummaryList>
        <p>{t!(i18n, product_metering)}</p>
        {resumed_from.map(|at| view! { <Resumed at /> })}
        <BillingAccountExplained />
        <form method="post" action=action novalidate>
            <div class="form-group" class:form-group-error=has_error data-check=branch_check.attr()>
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

/// The buyer came back within 30 days: the answers kept `at` are here; **Start over** clears them.
#[component]
fn Resumed(at: i64) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let date = crate::messages::date(locale, at);
    let action = <StartOver as leptos::server_fn::ServerFn>::url();
    view! {
        <div class="notice" data-testid="resumed">
            <h2 class="notice-title">{t!(i18n, resumed_title)}</h2>
            <p>{td_string!(locale, resumed_text, date = date.as_str()).to_string()}</p>
            <form method="post" action=action>
                <Button label=td_string!(locale, button_start_over) kind=ButtonKind::Secondary small=true />
            </form>
        </div>
    }
}

/// **Start over**: the session's answers and branch are cleared, and so is what was kept for its AWS
/// customer; back to `/activate`.
#[server(endpoint = "start_over")]
pub async fn start_over() -> Result<(), AppError> {
    if let Some(id) = crate::ssr::session_id().await {
        crate::ssr::ports()?.store.start_over(&id.key()).await.map_err(crate::ssr::unavailable)?;
    }
    leptos_axum::redirect(paths::ACTIVATE);
    Ok(())
}

/// "What is a billing account?": the seed's explanation and its process picture (AWS account → billing
/// account → workspaces), as an HTML list a screen reader reads in order; closed until asked for.
#[component]
fn BillingAccountExplained() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <details class="details">
            <summary>{t!(i18n, billing_what)}</summary>
            <p>{t!(i18n, billing_what_text)}</p>
            <figure class="process">
                <figcaption class="visually-hidden">{t!(i18n, billing_process)}</figcaption>
                <ol>
                    <li>
                        <strong>{t!(i18n, billing_process_aws)}</strong>
                        <span>{t!(i18n, billing_process_aws_text)}</span>
                    </li>
                    <li>
                        <strong>{t!(i18n, billing_process_billing)}</strong>
                        <span>{t!(i18n, billing_process_billing_text)}</span>
                    </li>
                    <li>
                        <strong>{t!(i18n, billing_process_workspaces)}</strong>
                        <span>{t!(i18n, billing_process_workspaces_text)}</span>
                    </li>
                </ol>
            </figure>
        </details>
    }
}

#[component]
pub(crate) fn StartFromMarketplace(ended: bool, #[prop(optional)] sample: bool) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let heading = if ended {
        td_string!(locale, session_ended_heading)
    } else {
        td_string!(locale, start_from_marketplace_heading)
    };
    // In the gallery (`sample`) it is a section of that page: no title, an `h2`.
    let heading = if sample {
        view! { <h2>{heading}</h2> }.into_any()
    } else {
        view! {
            <Title text=heading />
            <h1>{heading}</h1>
        }
        .into_any()
    };
    view! {
        {heading}
        {ended.then(|| view! { <p>{t!(i18n, session_ended_reason)}</p> })}
        <p>
            {t!(i18n, start_from_marketplace_before)} <strong>{t!(i18n, set_up_your_account)}</strong>
            {t!(i18n, start_from_marketplace_after)}
        </p>
        {ended.then(|| view! { <p>{t!(i18n, session_ended_kept)}</p> })}
        <crate::ui::WaysForward />
    }
}

/// The visitor's activation session, if any; for an AWS account activated already, the workspaces billed
/// to it.
#[server(endpoint = "get_activation")]
pub async fn get_activation() -> Result<Start, AppError> {
    use crate::domain::workspace::WorkspaceState;
    use crate::ssr::ports::now;
    use crate::ssr::unavailable;
    let Some(id) = crate::ssr::session_id().await else {
        return Ok(Start { state: ActivationState::None, linked: Vec::new(), resumed_from: None });
    };
    let ports = crate::ssr::ports()?;
    let lookup = ports.store.activation(&id.key(), now()).await.map_err(unavailable)?;
    let (mut linked, mut resumed_from) = (Vec::new(), None);
    match &lookup {
        crate::ssr::ports::SessionLookup::Active(ActivationSummary { billing_username: Some(_), .. }) => {
            let rows = ports.store.linked_workspaces(&id.key(), now()).await.map_err(unavailable)?;
            linked = rows.unwrap_or_default().into_iter().filter(|row| row.state == WorkspaceState::Linked).collect();
        }
        // Only a session with a branch can have resumed one (nothing is kept before a branch is chosen): a
        // fresh session's page view reads nothing more.
        crate::ssr::ports::SessionLookup::Active(ActivationSummary { branch: Some(_), .. }) => {
            resumed_from = crate::ssr::draft::load(&ports, &id.key()).await?.resumed_from;
        }
        _ => {}
    }
    Ok(Start { state: crate::ssr::to_state(lookup), linked, resumed_from })
}

/// Records the branch the buyer chose and moves to its first step. Without a choice, returns to the choice
/// page with an error; without a session, returns to `/activate`, which explains where activation starts.
#[server(endpoint = "choose_branch")]
pub async fn choose_branch(branch: Option<String>) -> Result<(), AppError> {
    use crate::ssr::ports::now;
    let Ok(branch) = Branch::parse(branch.as_deref().unwrap_or_default()) else {
        leptos_axum::redirect(&format!("{}?error=branch", paths::ACTIVATE));
        return Ok(());
    };
    let Some(id) = crate::ssr::session_id().await else {
        leptos_axum::redirect(paths::ACTIVATE);
        return Ok(());
    };
    let ports = crate::ssr::ports()?;
    // An activated AWS account keeps its billing account: the register branch is not opened for it.
    if branch == Branch::Register {
        if let Gate::Redirect(_) = crate::wizard::register_visit(&ports).await? {
            return Ok(());
        }
    }
    let lookup = ports.store.choose_branch(&id.key(), branch, now()).await.map_err(crate::ssr::unavailable)?;
    if matches!(lookup, crate::ssr::ports::SessionLookup::Active(_)) {
        leptos_axum::redirect(branch.path());
    } else {
        leptos_axum::redirect(paths::ACTIVATE);
    }
    Ok(())
}
