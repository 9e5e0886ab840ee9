//! A workspace's start page, `/workspaces/:id`, for its members.

use super::billing::{settlement_words, state_words};
use super::login::LogoutButton;
use crate::domain::billing::WorkspaceStart;
use crate::domain::links::SiteLinks;
use crate::error::AppError;
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::site_name;
use crate::ui::{SummaryList, SummaryRow};
use leptos::prelude::*;
use leptos_meta::Title;

/// The start page's data, with the vendor's links: `None` when it does not exist or is not the user's (the
/// same 404 either way).
#[server(endpoint = "workspace_page")]
pub async fn workspace_page(id: i64) -> Result<Option<(WorkspaceStart, SiteLinks)>, AppError> {
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let now = crate::ssr::ports::now();
    let Some(user) = super::ssr::user_or_login(now).await? else {
        return Ok(None);
    };
    let start = ports.store.workspace_start(user.account_id, id, now).await.map_err(unavailable)?;
    if start.is_none() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    Ok(start.map(|start| (start, ports.links.clone())))
}

/// `/workspaces/{id}`: the workspace's start page.
#[component]
pub fn WorkspacePage() -> impl IntoView {
    let id = leptos_router::hooks::use_params_map()
        .with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
        .unwrap_or(0);
    let data = Resource::new_blocking(move || id, workspace_page);
    view! {
        <Suspense fallback=|| {
            view! { <crate::ui::Loading /> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some((start, links))) => view! { <WorkspaceView start links /> }.into_any(),
                    Ok(None) => view! { <crate::ui::NotFound /> }.into_any(),
                    Err(err) => view! { <crate::ui::ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WorkspaceView(start: WorkspaceStart, links: SiteLinks) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let site = crate::domain::Site::ALL.iter().find(|s| s.code() == start.site_code).copied();
    let site_label = site.map_or_else(|| start.site_code.clone(), |s| site_name(locale, s).to_owned());
    let command = site.map(|s| s.datakit_install(&start.token)).unwrap_or_default();
    let language = crate::domain::WorkspaceLanguage::parse(&start.language_code)
        .map_or_else(|_| start.language_code.clone(), |l| l.name().to_owned());
    view! {
        <Title text=start.name.clone() />
        <div class="page-top">
            <a class="back-link" href=crate::paths::YOUR_WORKSPACES>
                {t!(i18n, ws_back)}
            </a>
            <LogoutButton />
        </div>
        <h1>{start.name.clone()}</h1>
        <SummaryList testid="workspace-summary">
            <SummaryRow label=td_string!(locale, col_site)>{site_label}</SummaryRow>
            <SummaryRow label=td_string!(locale, col_language)>{language}</SummaryRow>
            <SummaryRow label=td_string!(
                locale, billing_settlement
            )>
                {crate::ui::with_account(
                    settlement_words(locale, &start.settlement),
                    &start.settlement.account_tail().unwrap_or_default(),
                )} " — " {state_words(locale, &start.state)}
            </SummaryRow>
        </SummaryList>
        {links
            .console(&start.site_code)
            .map(|console| {
                view! {
                    <p>
                        <a class="button" href=console rel="external">
                            {t!(i18n, ws_console)}
                        </a>
                    </p>
                }
            })}
        <h2>{t!(i18n, ws_start_heading)}</h2>
        <p>
            <a href=links.intro_video rel="external">
                {t!(i18n, ws_video)}
            </a>
        </p>
        <h2>{t!(i18n, ws_datakit_heading)}</h2>
        <p>{t!(i18n, ws_datakit_intro)}</p>
        <InstallBox command />
        <p>
            <a href=links.datakit_docs rel="external">
                {t!(i18n, ws_datakit_docs)}
            </a>
        </p>
        <h2>{t!(i18n, ws_next_heading)}</h2>
        <ol>
            <li>{t!(i18n, ws_next_1)}</li>
            <li>{t!(i18n, ws_next_2)}</li>
            <li>{t!(i18n, ws_next_3)}</li>
        </ol>
    }
}

/// **Install-command box**: the site's DataKit install command with the workspace's token, selectable, and
/// (with JavaScript) a Copy button that says when it copied.
#[component]
pub(crate) fn InstallBox(command: String, #[prop(default = "datakit-command")] id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    view! {
        <label for=id class="label">
            {t!(i18n, ws_command_label)}
        </label>
        <textarea id=id class="code-block" readonly rows="3">
            {command}
        </textarea>
        <CopyButton
            target=id.to_owned()
            label=td_string!(locale, button_copy).to_owned()
            done=td_string!(locale, copied).to_owned()
        />
    }
}

/// Copies the text of the element `target` to the clipboard and says so in a live region. Without
/// JavaScript the button is not shown (the command can still be selected and copied).
#[island]
fn CopyButton(target: String, label: String, done: String) -> impl IntoView {
    let mounted = RwSignal::new(false);
    let said = RwSignal::new(String::new());
    Effect::new(move |_| mounted.set(true));
    let copy = move |_| {
        let text = document()
            .get_element_by_id(&target)
            .and_then(|el| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlTextAreaElement>(el).ok())
            .map(|area| area.value())
            .unwrap_or_default();
        let _ = window().navigator().clipboard().write_text(&text);
        said.set(done.clone());
    };
    view! {
        <div class="copy">
            <button
                type="button"
                class="button button-secondary button-small"
                hidden=move || !mounted.get()
                on:click=copy
            >
                {label}
            </button>
            <span class="hint" aria-live="polite">
                {move || said.get()}
            </span>
        </div>
    }
}
