//! The wizard's start, `/activate`: the AWS account being activated and the branch choice (or, without an
//! activation session, where activation starts).

use crate::domain::{ActivationState, ActivationSummary, Branch};
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::ui::{
    BranchOption, Button, ErrorMessage, ErrorSummary, Loading, Notice, NoticeKind, ServiceProblem, SummaryList,
    SummaryRow,
};
#[cfg(feature = "ssr")]
use crate::{paths, wizard::Gate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/activate`: the AWS account being activated and the branch choice.
#[component]
pub fn ActivatePage() -> impl IntoView {
    let state = Resource::new(|| (), |_| get_activation());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(ActivationState::Active(summary)) => view! { <BranchChoice summary /> }.into_any(),
                    Ok(ActivationState::None) => view! { <StartFromMarketplace ended=false /> }.into_any(),
                    Ok(ActivationState::Ended) => view! { <StartFromMarketplace ended=true /> }.into_any(),
                    Err(err) => view! { <ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn BranchChoice(summary: ActivationSummary) -> impl IntoView {
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
                {summary.aws_account_id.display_grouped()}
            </SummaryRow>
            <SummaryRow label=td_string!(locale, activate_product)>{summary.product_code.to_string()}</SummaryRow>
        </SummaryList>
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

/// The visitor's activation session, if any.
#[server(endpoint = "get_activation")]
pub async fn get_activation() -> Result<ActivationState, AppError> {
    use crate::ssr::ports::now;
    let Some(id) = crate::ssr::session_id().await else {
        return Ok(ActivationState::None);
    };
    let lookup = crate::ssr::ports()?.store.activation(&id.key(), now()).await.map_err(crate::ssr::unavailable)?;
    // An AWS account already linked to a billing account goes on binding or creating workspaces.
    if let crate::ssr::ports::SessionLookup::Active(ActivationSummary { billing_username: Some(_), .. }) = &lookup {
        leptos_axum::redirect(paths::LINK_WORKSPACES);
    }
    Ok(crate::ssr::to_state(lookup))
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
