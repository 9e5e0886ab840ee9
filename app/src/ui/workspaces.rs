//! Workspaces in a list: the state tag, a row with its Bind control, and the link branch's Site selector.

use super::{Button, ButtonKind};
use crate::domain::workspace::{WorkspaceRow, WorkspaceState};
use crate::domain::Site;
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_locale, site_name, state_label};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The state as a tag; **Linked** stands out.
#[component]
pub fn StateTag(state: WorkspaceState) -> impl IntoView {
    view! {
        <strong
            class="tag"
            class:tag-linked=state == WorkspaceState::Linked
            class:tag-muted=state != WorkspaceState::Linked
        >
            {state_label(page_locale(), state)}
        </strong>
    }
}

/// The Site selector, at the top right of the link branch's pages. `back` is the page's own address; `action`
/// the Site selector's server function (`choose_site`).
#[component]
pub(crate) fn SiteSelector(site: Site, back: String, action: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    view! {
        <form class="site-selector" method="post" action=action>
            <input type="hidden" name="back" value=back />
            <label for="site">{t!(i18n, answer_site)}</label>
            <select class="select" id="site" name="site" aria-describedby="site-hint">
                {Site::AWS
                    .into_iter()
                    .map(|s| {
                        view! {
                            <option value=s.code() selected=s == site>
                                {site_name(locale, s)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <Button label=td_string!(locale, change_site) kind=ButtonKind::Secondary small=true />
            <p class="hint" id="site-hint">
                {t!(i18n, site_selector_hint)}
            </p>
        </form>
    }
}

/// **Workspace list**: a billing account's workspaces as [`WorkspaceListRow`]s under their column headings
/// (`id="workspaces"`, where errors about them point).
#[component]
pub(crate) fn WorkspaceTable(rows: Vec<WorkspaceRow>, aws_account: String, bind_action: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="table" id="workspaces">
            <caption class="visually-hidden">{t!(i18n, workspaces_caption)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, col_workspace)}</th>
                    <th scope="col">{t!(i18n, col_site)}</th>
                    <th scope="col">{t!(i18n, col_language)}</th>
                    <th scope="col">{t!(i18n, col_state)}</th>
                    <th scope="col">
                        <span class="visually-hidden">{t!(i18n, col_action)}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        view! {
                            <WorkspaceListRow row aws_account=aws_account.clone() bind_action=bind_action.clone() />
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// **Workspace list row**: name, site, language, its [`StateTag`], and **Bind** (with its confirmation dialog)
/// when the workspace is unlinked and so can be billed to `aws_account`. `bind_action` is where Bind posts.
#[component]
pub(crate) fn WorkspaceListRow(row: WorkspaceRow, aws_account: String, bind_action: String) -> impl IntoView {
    let locale = page_locale();
    let action = (row.state == WorkspaceState::Unlinked).then(|| {
        let words = BindWords {
            bind: td_string!(locale, button_bind).to_owned(),
            title: td_string!(locale, bind_title, name = row.name.as_str()).to_string(),
            consequence: bind_consequence(&row, &aws_account),
            account: aws_account.clone(),
            confirm: td_string!(locale, button_confirm).to_owned(),
            cancel: td_string!(locale, button_cancel).to_owned(),
        };
        view! { <BindControl workspace_id=row.id name=row.name.clone() words action=bind_action /> }
    });
    let reason = (row.state == WorkspaceState::SiteNotOffered)
        .then(|| view! { <span class="hint">{td_string!(locale, site_not_offered_reason)}</span> });
    view! {
        <tr data-testid="workspace-row">
            <th scope="row">{row.name.clone()}</th>
            <td data-label=td_string!(locale, col_site)>{row.site_name(locale)}</td>
            <td data-label=td_string!(locale, col_language)>{row.language_name()}</td>
            <td data-label=td_string!(locale, col_state)>
                <StateTag state=row.state />
            </td>
            <td>{action}{reason}</td>
        </tr>
    }
}

pub(crate) fn bind_consequence(row: &WorkspaceRow, aws_account: &str) -> String {
    let locale = page_locale();
    td_string!(locale, bind_consequence, name = row.name.as_str(), site = row.site_name(locale), account = aws_account)
        .to_string()
}

/// What Bind's dialog says, in the page's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindWords {
    pub bind: String,
    pub title: String,
    pub consequence: String,
    /// The AWS account number in `consequence` (kept on one line).
    #[serde(default)]
    pub account: String,
    pub confirm: String,
    pub cancel: String,
}

/// **Bind**: with JavaScript, a modal confirmation dialog (focus moves into it, Esc closes it, focus returns
/// to the button); without, the button asks the page for its confirmation panel.
#[island]
pub(crate) fn BindControl(workspace_id: i64, name: String, words: BindWords, action: String) -> impl IntoView {
    let BindWords { bind, title, consequence, account, confirm, cancel } = words;
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let title_id = format!("bind-title-{workspace_id}");
    let labelled_by = title_id.clone();
    let open = move |ev: leptos::ev::MouseEvent| {
        if let Some(dialog) = dialog.get() {
            ev.prevent_default();
            let _ = dialog.show_modal();
        }
    };
    let close = move |_| {
        if let Some(dialog) = dialog.get() {
            dialog.close();
        }
    };
    // Tab and Shift+Tab go round the dialog's two buttons: focus never leaves it while it is open.
    let (first, last) = (NodeRef::<leptos::html::Button>::new(), NodeRef::<leptos::html::Button>::new());
    let trap = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let (Some(first), Some(last)) = (first.get(), last.get()) else { return };
        let active = document().active_element().map(leptos::wasm_bindgen::JsValue::from);
        let (from, to) = if ev.shift_key() { (&first, &last) } else { (&last, &first) };
        if active.as_ref() == Some(from.as_ref()) {
            ev.prevent_default();
            let _ = to.focus();
        }
    };
    view! {
        <form method="get" action=crate::paths::LINK_WORKSPACES>
            <input type="hidden" name="confirm" value=workspace_id />
            <button type="submit" class="button button-secondary button-small" on:click=open>
                {bind}
                <span class="visually-hidden">{format!(" {name}")}</span>
            </button>
        </form>
        <dialog class="dialog" node_ref=dialog aria-labelledby=labelled_by on:keydown=trap>
            <h2 id=title_id>{title}</h2>
            <p>{super::with_account(consequence, &account)}</p>
            <form method="post" action=action>
                <input type="hidden" name="workspace_id" value=workspace_id />
                <button type="submit" class="button" node_ref=first>
                    {confirm}
                </button>
                " "
                <button type="button" class="button button-secondary" node_ref=last on:click=close>
                    {cancel}
                </button>
            </form>
        </dialog>
    }
}
