//! The register branch's completion page, where the new workspace reads **Linked**.

use crate::domain::workspace::WorkspaceRow;
use crate::error::AppError;
use crate::i18n::{t, td_string, use_i18n};
use crate::ui::{Button, StateTag, SummaryList, SummaryRow};
use crate::wizard::{wizard_page, Gate};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoneData {
    pub workspace: WorkspaceRow,
    pub username: String,
    pub aws_account: String,
}

/// The completion page's data: what Activate created, read back from the store.
#[server(endpoint = "register_done_page")]
pub async fn register_done_page() -> Result<Gate<DoneData>, AppError> {
    use crate::ssr::unavailable;
    use crate::wizard::{next_step, register_visit};
    let ports = crate::ssr::ports()?;
    let visit = match register_visit(&ports).await?.shown() {
        Ok(visit) => visit,
        Err(gate) => return Ok(gate),
    };
    let Some(done) = ports.store.activated(&visit.key).await.map_err(unavailable)? else {
        return Ok(Gate::redirect(next_step(&visit.register_progress())));
    };
    Ok(Gate::Show(DoneData {
        workspace: WorkspaceRow {
            id: done.workspace_id,
            name: done.workspace_name,
            site_code: done.site_code,
            language_code: done.language_code,
            state: crate::domain::workspace::WorkspaceState::Linked,
        },
        username: done.username,
        aws_account: done.aws_account_id.display_grouped(),
    }))
}

/// **Confirm** on a completion page: activation is finished — the activation session ends (its cookie is
/// cleared and it is gone from the store: nobody at this browser can go on as this AWS account) — and the
/// buyer logs in, then lands on the new workspace's start page (the register branch) or on "Your workspaces".
#[server(endpoint = "finish_activation")]
pub async fn finish_activation() -> Result<(), AppError> {
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    // After log in: the workspace Activate created, else (the link branch) every workspace of the account.
    let mut next = crate::paths::YOUR_WORKSPACES.to_owned();
    if let Some(id) = crate::ssr::session_id().await {
        if let Some(done) = ports.store.activated(&id.key()).await.map_err(unavailable)? {
            next = crate::paths::workspace(done.workspace_id);
        }
        // Finished: nothing is kept to resume.
        ports.store.keep_draft(&id.key(), None, crate::ssr::ports::now()).await.map_err(unavailable)?;
        ports.store.end_session(&id.key()).await.map_err(unavailable)?;
        let name = crate::ssr::session::cookie_name(!ports.dev_mode);
        crate::ssr::set_cookie(&format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"))?;
    }
    leptos_axum::redirect(&crate::paths::login_then(&next));
    Ok(())
}

/// `/activate/register/done`.
#[component]
pub fn RegisterDonePage() -> impl IntoView {
    wizard_page(register_done_page, |data| view! { <DoneView data /> }.into_any())
}

/// **Completion panel**: the activation is complete and whom the workspace is billed to. `sample` (the gallery)
/// titles it with an `h2`, the page with its `h1`.
#[component]
pub(crate) fn CompletionPanel(aws_account: String, #[prop(optional)] sample: bool) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let title = td_string!(locale, done_title);
    view! {
        <div class="panel-success">
            {if sample { view! { <h2>{title}</h2> }.into_any() } else { view! { <h1>{title}</h1> }.into_any() }}
            <p>
                {crate::ui::with_account(
                    td_string!(locale, done_billed_to, account = aws_account.as_str()).to_string(),
                    &aws_account,
                )}
            </p>
        </div>
    }
}

#[component]
fn DoneView(data: DoneData) -> impl IntoView {
    let DoneData { workspace, username, aws_account } = data;
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let finish = <FinishActivation as leptos::server_fn::ServerFn>::url();
    let (site, language, state) = (workspace.site_name(locale), workspace.language_name(), workspace.state);
    let name = workspace.name;
    view! {
        <Title text=td_string!(locale, done_title) />
        <CompletionPanel aws_account />
        <SummaryList testid="activated-workspace">
            <SummaryRow label=td_string!(locale, done_workspace)>{name}</SummaryRow>
            <SummaryRow label=td_string!(locale, answer_site)>{site}</SummaryRow>
            <SummaryRow label=td_string!(locale, answer_workspace_language)>{language}</SummaryRow>
            <SummaryRow label=td_string!(locale, done_settlement)>
                <StateTag state />
            </SummaryRow>
        </SummaryList>
        <h2>{t!(i18n, done_next_heading)}</h2>
        <p>{td_string!(locale, done_next, username = username).to_string()}</p>
        <form method="post" action=finish>
            <Button label=td_string!(locale, button_confirm) busy_on_press=true />
        </form>
    }
}
