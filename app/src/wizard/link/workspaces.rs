//! Link workspace: the linked billing account's workspaces, each bound to the AWS account with Bind and
//! Confirm.

use crate::domain::workspace::{WorkspaceRow, WorkspaceState};
use crate::domain::Site;
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::page_title;
#[cfg(feature = "ssr")]
use crate::paths::LINK_BILLING;
use crate::paths::{LINK_CREATE, LINK_WORKSPACES};
use crate::ui::ErrorSummary;
use crate::ui::{bind_consequence, SiteSelector, WorkspaceTable};
use crate::ui::{Button, ButtonKind, Notice};
#[cfg(feature = "ssr")]
use crate::wizard::visit;
use crate::wizard::{wizard_page, Gate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspacesData {
    pub aws_account: String,
    pub billing_username: String,
    pub site: Site,
    pub rows: Vec<WorkspaceRow>,
    /// The workspace whose Bind asks for confirmation (the page's confirmation without JavaScript).
    pub confirm: Option<WorkspaceRow>,
    /// This session linked the billing account and no workspace is billed to the AWS account yet: "Not your
    /// billing account? Start again" is offered.
    pub start_again: bool,
    pub errors: FormErrors,
    pub notice: Option<String>,
}

#[server(endpoint = "link_workspaces_page")]
pub async fn link_workspaces_page(confirm: Option<i64>) -> Result<Gate<WorkspacesData>, AppError> {
    let ports = crate::ssr::ports()?;
    let mut visit = match visit(&ports).await?.shown() {
        Ok(visit) => visit,
        Err(gate) => return Ok(gate),
    };
    let rows = match super::ssr::workspaces(&ports, &visit.key).await?.shown() {
        Ok(rows) => rows,
        Err(gate) => return Ok(gate),
    };
    let flash = visit.take_flash(&ports).await?;
    let (summary, draft) = (visit.summary, visit.draft);
    let confirm =
        confirm.and_then(|id| rows.iter().find(|r| r.id == id && r.state == WorkspaceState::Unlinked)).cloned();
    let start_again = draft.link.linked_here && !rows.iter().any(|r| r.state == WorkspaceState::Linked);
    Ok(Gate::Show(WorkspacesData {
        start_again,
        aws_account: summary.aws_account_id.display_grouped(),
        billing_username: summary.billing_username.unwrap_or_default(),
        site: super::ssr::site(&draft),
        rows,
        confirm,
        errors: flash.errors,
        notice: flash.notice,
    }))
}

/// **Confirm** in Bind's dialog: bills the workspace to this AWS account.
#[server(endpoint = "bind_workspace")]
pub async fn bind_workspace(workspace_id: Option<String>) -> Result<(), AppError> {
    use crate::ssr::draft::Flash;
    use crate::ssr::ports::{now, BindOutcome, BindRefusal};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = visit(&ports).await?.for_post(crate::paths::ACTIVATE) else {
        return Ok(());
    };
    let id = workspace_id.as_deref().unwrap_or_default().trim().parse::<i64>().ok();
    let locale = crate::messages::request_locale();
    let mut flash = Flash::default();
    // A workspace on a site AWS Marketplace does not offer is not bound, however the form was posted.
    let rows = match super::ssr::workspaces(&ports, &visit.key).await? {
        Gate::Show(rows) => rows,
        _ => return Ok(()),
    };
    if rows.iter().any(|r| Some(r.id) == id && r.state == WorkspaceState::SiteNotOffered) {
        flash.errors.push("workspaces", td_string!(locale, err_bind_site));
        visit.draft.flash = flash;
        return visit.finish(&ports, LINK_WORKSPACES).await;
    }
    let outcome = match id {
        Some(id) => ports.store.bind_workspace(&visit.key, id, now()).await.map_err(unavailable)?,
        None => Err(BindRefusal::NotFound),
    };
    match outcome {
        Ok(outcome @ (BindOutcome::Bound | BindOutcome::AlreadyLinked)) => {
            if outcome == BindOutcome::Bound {
                let detail = format!("workspace {} billed to the session's AWS account", id.unwrap_or_default());
                let event = crate::ssr::security_log::Event::WorkspaceBound;
                crate::ssr::security_log::record(event, crate::ssr::security_log::Subject::Nobody, detail).await;
                let name = rows.iter().find(|r| Some(r.id) == id).map(|r| r.name.clone()).unwrap_or_default();
                super::ssr::mail_owner_linked(&ports, locale, &visit.summary, &name, now()).await;
            }
            flash.notice = Some(td_string!(locale, msg_bound).to_owned());
        }
        Err(BindRefusal::NotLinked) => {
            leptos_axum::redirect(LINK_BILLING);
            return Ok(());
        }
        Err(BindRefusal::NotFound) => flash.errors.push("workspaces", td_string!(locale, err_bind_not_found)),
        Err(BindRefusal::SettledByOther) => flash.errors.push("workspaces", td_string!(locale, err_bind_settled)),
    }
    visit.draft.flash = flash;
    visit.finish(&ports, LINK_WORKSPACES).await
}

/// `/activate/link/workspaces`.
#[component]
pub fn LinkWorkspacesPage() -> impl IntoView {
    let confirm = use_query_map().with_untracked(|q| q.get("confirm").and_then(|c| c.parse::<i64>().ok()));
    wizard_page(move || link_workspaces_page(confirm), |data| view! { <WorkspacesView data /> }.into_any())
}

#[component]
fn WorkspacesView(data: WorkspacesData) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let has_errors = !data.errors.is_empty();
    let bind = <BindWorkspace as leptos::server_fn::ServerFn>::url();
    let finish = <crate::wizard::register::done::FinishActivation as leptos::server_fn::ServerFn>::url();
    let any_linked = data.rows.iter().any(|r| r.state == WorkspaceState::Linked);
    let any_bindable = data.rows.iter().any(|r| r.state == WorkspaceState::Unlinked);
    let aws_account = data.aws_account.clone();
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, workspaces_title)) />
        <div class="page-top">
            <span></span>
            <SiteSelector site=data.site back=LINK_WORKSPACES.to_owned() action=super::site_action() />
        </div>
        {has_errors.then(|| view! { <ErrorSummary errors=data.errors.clone() /> })}
        <h1>{t!(i18n, workspaces_title)}</h1>
        <p>
            {t!(i18n, workspaces_intro_1)} <strong>{data.billing_username.clone()}</strong>
            {t!(i18n, workspaces_intro_2)} <strong class="aws-account">{data.aws_account.clone()}</strong>
            {t!(i18n, workspaces_intro_3)}
        </p>
        {data.notice.clone().map(|notice| view! { <Notice text=notice /> })}
        {data
            .start_again
            .then(|| {
                view! {
                    <form method="post" action=super::billing::start_again_action()>
                        <Button
                            label=td_string!(locale, button_link_start_again)
                            kind=ButtonKind::Secondary
                            small=true
                        />
                    </form>
                }
            })}
        {data
            .confirm
            .clone()
            .map(|row| {
                view! {
                    <div class="confirm-panel" role="region" aria-labelledby="confirm-title">
                        <h2 id="confirm-title">
                            {td_string!(locale, bind_title, name = row.name.as_str()).to_string()}
                        </h2>
                        <p>{crate::ui::with_account(bind_consequence(&row, &aws_account), &aws_account)}</p>
                        <form method="post" action=bind>
                            <input type="hidden" name="workspace_id" value=row.id />
                            <Button label=td_string!(locale, button_confirm) busy_on_press=true />
                            " "
                            <Button
                                label=td_string!(locale, button_cancel)
                                kind=ButtonKind::Secondary
                                href=LINK_WORKSPACES
                            />
                        </form>
                    </div>
                }
            })}
        <WorkspaceTable rows=data.rows.clone() aws_account=aws_account.clone() bind_action=bind.to_owned() />
        {(data.rows.is_empty()).then(|| view! { <p>{t!(i18n, no_workspaces)}</p> })}
        <h2>{t!(i18n, create_title)}</h2>
        <p>{if any_bindable { td_string!(locale, create_also) } else { td_string!(locale, create_none) }}</p>
        <p>
            <Button label=td_string!(locale, button_create_workspace) kind=ButtonKind::Secondary href=LINK_CREATE />
        </p>
        {if any_linked {
            view! {
                <h2>{t!(i18n, finish_heading)}</h2>
                <p>{t!(i18n, finish_text)}</p>
                <form method="post" action=finish>
                    <Button label=td_string!(locale, button_confirm) busy_on_press=true />
                </form>
            }
                .into_any()
        } else {
            view! { <p class="hint">{t!(i18n, finish_hint)}</p> }.into_any()
        }}
    }
}
