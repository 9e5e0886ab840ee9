//! The link branch ("I have a billing account"): link the billing account with a code mailed to the address
//! on file, then bind its workspaces to the AWS account or create new ones. A **Site** selector at the top
//! right of these pages decides where a new workspace is created.

// The create form's server function takes one argument per field (the `#[server]` macro's code too).
#![allow(clippy::too_many_arguments)]

use crate::api::AppError;
use crate::components::{
    Button, ButtonKind, CodeField, LanguageField, Notice, NoticeKind, PasswordField, SendCodeButton, TermsField,
    TextField,
};
use crate::domain::rules::FieldRule;
use crate::domain::Site;
#[cfg(feature = "ssr")]
use crate::domain::WorkspaceLanguage;
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_locale, page_title, site_name};
use crate::pages::{wizard_page, ErrorSummary, Step};
use crate::workspaces::{StateTag, WorkspaceRow, WorkspaceState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

pub(crate) const LINK: &str = "/activate/link";
pub(crate) const WORKSPACES: &str = "/activate/link/workspaces";
pub(crate) const CREATE: &str = "/activate/link/create";

/// The site new workspaces go to when the buyer has not chosen one.
#[cfg(feature = "ssr")]
pub const DEFAULT_SITE: Site = Site::Us1;

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::api::{unavailable, ActivationSummary};
    use crate::draft::Draft;
    use crate::ports::Ports;
    use crate::session::SessionKey;

    /// The active session, its summary and draft; or what the page shows instead.
    pub async fn session<T>(
        ports: &Ports,
    ) -> Result<Result<(SessionKey, ActivationSummary, Draft), Step<T>>, AppError> {
        let (key, summary) = match crate::register::server::active(ports).await? {
            Ok(active) => active,
            Err(ended) => return Ok(Err(Step::NoSession { ended })),
        };
        let draft = crate::register::server::load(ports, &key).await?;
        Ok(Ok((key, summary, draft)))
    }

    /// The selected site.
    pub fn site(draft: &Draft) -> Site {
        Site::parse_aws(&draft.link.site).unwrap_or(DEFAULT_SITE)
    }

    /// The workspaces of the linked billing account, or (none linked) a redirect to Link billing account.
    pub async fn workspaces<T>(
        ports: &Ports,
        key: &SessionKey,
    ) -> Result<Result<Vec<WorkspaceRow>, Step<T>>, AppError> {
        match ports.store.linked_workspaces(key, crate::ports::now()).await.map_err(unavailable)? {
            Some(rows) => Ok(Ok(rows)),
            None => {
                leptos_axum::redirect(LINK);
                Ok(Err(Step::Redirected))
            }
        }
    }
}

/// The Site selector's form: remembers the site and returns to the page it was on.
#[server(endpoint = "choose_site")]
pub async fn choose_site(site: Option<String>, back: Option<String>) -> Result<(), AppError> {
    let ports = crate::api::ports()?;
    let back = match back.as_deref() {
        Some(WORKSPACES) => WORKSPACES,
        Some("/activate/link/create?account=existing") => "/activate/link/create?account=existing",
        Some("/activate/link/create?account=new") => "/activate/link/create?account=new",
        Some(CREATE) => CREATE,
        _ => LINK,
    };
    if let Ok(Ok((key, _, mut draft))) = server::session::<()>(&ports).await {
        if let Ok(site) = Site::parse_aws(site.as_deref().unwrap_or_default()) {
            draft.link.site = site.code().to_owned();
            crate::register::server::save(&ports, &key, &draft).await?;
        }
    }
    leptos_axum::redirect(back);
    Ok(())
}

/// The Site selector, at the top right of the link branch's pages. `back` is the page's own address.
#[component]
pub(crate) fn SiteSelector(site: Site, back: String) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let action = <ChooseSite as leptos::server_fn::ServerFn>::url();
    view! {
        <form class="site-selector" method="post" action=action>
            <input type="hidden" name="back" value=back />
            <label for="site">{t!(i18n, answer_site)}</label>
            <select class="select" id="site" name="site" aria-describedby="site-hint">
                {Site::AWS
                    .into_iter()
                    .map(|s| view! { <option value=s.code() selected=s == site>{site_name(locale, s)}</option> })
                    .collect_view()}
            </select>
            <Button label=td_string!(locale, change_site) kind=ButtonKind::Secondary small=true />
            <p class="hint" id="site-hint">{t!(i18n, site_selector_hint)}</p>
        </form>
    }
}

// ---------------------------------------------------------------------------------------------------------
// Link billing account

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkForm {
    pub aws_account: String,
    pub site: Site,
    pub username: String,
    /// Where the last code went, and the seconds before Send code may be pressed again for it.
    pub resend_wait: (String, i64),
    pub errors: Vec<(String, String)>,
    pub notice: Option<String>,
}

#[server(endpoint = "link_billing_page")]
pub async fn link_billing_page() -> Result<Step<LinkForm>, AppError> {
    let ports = crate::api::ports()?;
    let (key, summary, mut draft) = match server::session(&ports).await? {
        Ok(found) => found,
        Err(step) => return Ok(step),
    };
    if summary.billing_username.is_some() {
        leptos_axum::redirect(WORKSPACES);
        return Ok(Step::Redirected);
    }
    let flash = crate::register::server::take_flash(&ports, &key, &mut draft).await?;
    Ok(Step::Show(LinkForm {
        aws_account: summary.aws_account_id.display_grouped(),
        site: server::site(&draft),
        resend_wait: draft.resend_wait("link_billing", crate::ports::now()),
        username: draft.link.billing_username,
        errors: flash.errors,
        notice: flash.notice,
    }))
}

/// Link billing account's form: `intent` `send_code` (Send code) or anything else (Link billing account).
#[server(endpoint = "link_billing")]
pub async fn link_billing(
    username: Option<String>,
    code: Option<String>,
    intent: Option<String>,
) -> Result<(), AppError> {
    use crate::api::unavailable;
    use crate::domain::codes::CodePurpose;
    use crate::domain::Username;
    use crate::draft::Flash;
    use crate::ports::{now, CodeSubject, LinkRefusal};
    use crate::register::server::{push, verify_code};
    let ports = crate::api::ports()?;
    let Ok((key, summary, mut draft)) = server::session::<()>(&ports).await? else {
        leptos_axum::redirect("/activate");
        return Ok(());
    };
    let typed = username.unwrap_or_default();
    // An AWS account keeps the billing account it has: a repeat of this very link (a second press) goes on to
    // its workspaces, anything else is refused with the reason.
    if let Some(linked) = summary.billing_username.as_deref() {
        let key_of = |name: &str| Username::parse(name).map(|u| u.key()).ok();
        if intent.as_deref() != Some("send_code") && key_of(&typed).is_some() && key_of(&typed) == key_of(linked) {
            leptos_axum::redirect(WORKSPACES);
        } else {
            crate::register::server::refuse_activated(&ports, &key, &summary, &mut draft).await?;
        }
        return Ok(());
    }
    let locale = crate::messages::request_locale();
    draft.link.billing_username = typed.trim().to_owned();
    let mut flash = Flash::default();
    let mut next = LINK;
    match Username::parse(&typed) {
        Err(e) => push(&mut flash.errors, "username", FieldRule::BillingUsername.describe(locale, e)),
        Ok(username) if intent.as_deref() == Some("send_code") => {
            let on_file = ports.store.billing_account_email(&username).await.map_err(unavailable)?;
            let subject = CodeSubject::billing_account(&username, on_file);
            match ports.codes.send_code(&key, CodePurpose::LinkBillingAccount, &subject, locale, now()).await {
                Err(e) => return Err(unavailable(e)),
                Ok(Err(refusal)) => push(&mut flash.errors, "code", crate::messages::send_refusal(locale, refusal)),
                // The same words whether or not the billing account exists.
                Ok(Ok(())) => {
                    draft.sent_code("link_billing", &typed, now());
                    flash.notice =
                        Some(td_string!(locale, msg_link_code_sent, username = username.as_str()).to_string())
                }
            }
        }
        Ok(username) => {
            let address = CodeSubject::billing_account(&username, None).address;
            let typed = code.unwrap_or_default();
            let purpose = CodePurpose::LinkBillingAccount;
            if verify_code(locale, &ports, &key, purpose, &address, &typed, &mut flash.errors).await? {
                match ports.store.link_billing_account(&key, &username, now()).await.map_err(unavailable)? {
                    Ok(linked) => {
                        crate::security_log::record(
                            crate::security_log::Event::BillingLinked,
                            crate::security_log::Subject::Username(&linked),
                            "billing account linked to the session's AWS account",
                        )
                        .await;
                        next = WORKSPACES
                    }
                    // Only a guess can reach this: a code is mailed only to a real account.
                    Err(LinkRefusal::NoSuchAccount) => {
                        push(&mut flash.errors, "code", td_string!(locale, err_link_code_wrong).to_owned())
                    }
                    Err(LinkRefusal::SessionGone) => next = "/activate",
                    // Another session of this AWS account linked a billing account meanwhile.
                    Err(LinkRefusal::AlreadyLinked) => {
                        if let Ok(Ok((_, summary, _))) = server::session::<()>(&ports).await {
                            crate::register::server::refuse_activated(&ports, &key, &summary, &mut draft).await?;
                        }
                        return Ok(());
                    }
                }
            }
        }
    }
    draft.flash = flash;
    crate::register::server::save(&ports, &key, &draft).await?;
    leptos_axum::redirect(if next == LINK { "/activate/link#main" } else { next });
    Ok(())
}

/// `/activate/link`.
#[component]
pub fn LinkBillingPage() -> impl IntoView {
    wizard_page(link_billing_page, |form| view! { <LinkFormView form /> }.into_any())
}

#[component]
fn LinkFormView(form: LinkForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let has_errors = !form.errors.is_empty();
    let errors = form.errors.clone();
    let e = move |field: &str| errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone());
    let code_error = e("code");
    let action = <LinkBilling as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, link_title)) />
        <div class="page-top">
            <a class="back-link" href="/activate">{t!(i18n, back)}</a>
            <SiteSelector site=form.site back=LINK.to_owned() />
        </div>
        {has_errors.then(|| view! { <ErrorSummary items=form.errors.clone() /> })}
        <h1>{t!(i18n, link_title)}</h1>
        <p>
            {t!(i18n, link_intro_before)} <strong>{form.aws_account.clone()}</strong> {t!(i18n, link_intro_after)}
        </p>
        {form.notice.clone().map(|notice| view! { <Notice text=notice /> })}
        <form method="post" action=action novalidate>
            <button type="submit" name="intent" value="link" class="implicit-submit" tabindex="-1" aria-hidden="true">
                {t!(i18n, button_link)}
            </button>
            <TextField live=FieldRule::BillingUsername id="username" label=td_string!(locale, label_billing_username) value=form.username.clone()
                autocomplete="username" error=e("username") />
            <SendCodeButton field="username" sent_to=form.resend_wait.0.clone() wait_secs=form.resend_wait.1 />
            <CodeField error=code_error />
            <Button label=td_string!(locale, button_link) intent="link" busy_on_press=true />
        </form>
    }
}

// ---------------------------------------------------------------------------------------------------------
// Link workspace

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspacesData {
    pub aws_account: String,
    pub billing_username: String,
    pub site: Site,
    pub rows: Vec<WorkspaceRow>,
    /// The workspace whose Bind asks for confirmation (the page's confirmation without JavaScript).
    pub confirm: Option<WorkspaceRow>,
    pub errors: Vec<(String, String)>,
    pub notice: Option<String>,
}

#[server(endpoint = "link_workspaces_page")]
pub async fn link_workspaces_page(confirm: Option<i64>) -> Result<Step<WorkspacesData>, AppError> {
    let ports = crate::api::ports()?;
    let (key, summary, mut draft) = match server::session(&ports).await? {
        Ok(found) => found,
        Err(step) => return Ok(step),
    };
    let rows = match server::workspaces(&ports, &key).await? {
        Ok(rows) => rows,
        Err(step) => return Ok(step),
    };
    let flash = crate::register::server::take_flash(&ports, &key, &mut draft).await?;
    let confirm =
        confirm.and_then(|id| rows.iter().find(|r| r.id == id && r.state == WorkspaceState::Unlinked)).cloned();
    Ok(Step::Show(WorkspacesData {
        aws_account: summary.aws_account_id.display_grouped(),
        billing_username: summary.billing_username.unwrap_or_default(),
        site: server::site(&draft),
        rows,
        confirm,
        errors: flash.errors,
        notice: flash.notice,
    }))
}

/// **Confirm** in Bind's dialog: bills the workspace to this AWS account.
#[server(endpoint = "bind_workspace")]
pub async fn bind_workspace(workspace_id: Option<String>) -> Result<(), AppError> {
    use crate::api::unavailable;
    use crate::draft::Flash;
    use crate::ports::{now, BindOutcome, BindRefusal};
    let ports = crate::api::ports()?;
    let Ok((key, _summary, mut draft)) = server::session::<()>(&ports).await? else {
        leptos_axum::redirect("/activate");
        return Ok(());
    };
    let id = workspace_id.as_deref().unwrap_or_default().trim().parse::<i64>().ok();
    let outcome = match id {
        Some(id) => ports.store.bind_workspace(&key, id, now()).await.map_err(unavailable)?,
        None => Err(BindRefusal::NotFound),
    };
    let locale = crate::messages::request_locale();
    let mut flash = Flash::default();
    match outcome {
        Ok(outcome @ (BindOutcome::Bound | BindOutcome::AlreadyLinked)) => {
            if outcome == BindOutcome::Bound {
                let detail = format!("workspace {} billed to the session's AWS account", id.unwrap_or_default());
                let event = crate::security_log::Event::WorkspaceBound;
                crate::security_log::record(event, crate::security_log::Subject::Nobody, detail).await;
            }
            flash.notice = Some(td_string!(locale, msg_bound).to_owned());
        }
        Err(BindRefusal::NotLinked) => {
            leptos_axum::redirect(LINK);
            return Ok(());
        }
        Err(BindRefusal::NotFound) => {
            flash.errors.push(("workspaces".to_owned(), td_string!(locale, err_bind_not_found).to_owned()))
        }
        Err(BindRefusal::SettledByOther) => {
            flash.errors.push(("workspaces".to_owned(), td_string!(locale, err_bind_settled).to_owned()))
        }
    }
    draft.flash = flash;
    crate::register::server::save(&ports, &key, &draft).await?;
    leptos_axum::redirect(WORKSPACES);
    Ok(())
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
    let finish = <crate::register_check::FinishActivation as leptos::server_fn::ServerFn>::url();
    let any_linked = data.rows.iter().any(|r| r.state == WorkspaceState::Linked);
    let any_bindable = data.rows.iter().any(|r| r.state == WorkspaceState::Unlinked);
    let aws_account = data.aws_account.clone();
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, workspaces_title)) />
        <div class="page-top">
            <span></span>
            <SiteSelector site=data.site back=WORKSPACES.to_owned() />
        </div>
        {has_errors.then(|| view! { <ErrorSummary items=data.errors.clone() /> })}
        <h1>{t!(i18n, workspaces_title)}</h1>
        <p>
            {t!(i18n, workspaces_intro_1)} <strong>{data.billing_username.clone()}</strong> {t!(i18n, workspaces_intro_2)}
            <strong>{data.aws_account.clone()}</strong> {t!(i18n, workspaces_intro_3)}
        </p>
        {data.notice.clone().map(|notice| view! { <Notice text=notice /> })}
        {data.confirm.clone().map(|row| {
            view! {
                <div class="confirm-panel" role="region" aria-labelledby="confirm-title">
                    <h2 id="confirm-title">{td_string!(locale, bind_title, name = row.name.as_str()).to_string()}</h2>
                    <p>{bind_consequence(&row, &aws_account)}</p>
                    <form method="post" action=bind>
                        <input type="hidden" name="workspace_id" value=row.id />
                        <Button label=td_string!(locale, button_confirm) busy_on_press=true />
                        " "
                        <Button label=td_string!(locale, button_cancel) kind=ButtonKind::Secondary href=WORKSPACES />
                    </form>
                </div>
            }
        })}
        <table class="table" id="workspaces">
            <caption class="visually-hidden">{t!(i18n, workspaces_caption)}</caption>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, col_workspace)}</th>
                    <th scope="col">{t!(i18n, col_site)}</th>
                    <th scope="col">{t!(i18n, col_language)}</th>
                    <th scope="col">{t!(i18n, col_state)}</th>
                    <th scope="col"><span class="visually-hidden">{t!(i18n, col_action)}</span></th>
                </tr>
            </thead>
            <tbody>
                {data
                    .rows
                    .iter()
                    .map(|row| view! {
                        <WorkspaceListRow row=row.clone() aws_account=aws_account.clone() bind_action=bind.to_owned() />
                    })
                    .collect_view()}
            </tbody>
        </table>
        {(data.rows.is_empty()).then(|| view! { <p>{t!(i18n, no_workspaces)}</p> })}
        <h2>{t!(i18n, create_title)}</h2>
        <p>{if any_bindable { td_string!(locale, create_also) } else { td_string!(locale, create_none) }}</p>
        <p><Button label=td_string!(locale, button_create_workspace) kind=ButtonKind::Secondary href=CREATE /></p>
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
            confirm: td_string!(locale, button_confirm).to_owned(),
            cancel: td_string!(locale, button_cancel).to_owned(),
        };
        view! { <BindControl workspace_id=row.id name=row.name.clone() words action=bind_action /> }
    });
    view! {
        <tr data-testid="workspace-row">
            <th scope="row">{row.name.clone()}</th>
            <td data-label=td_string!(locale, col_site)>{row.site_name(locale)}</td>
            <td data-label=td_string!(locale, col_language)>{row.language_name()}</td>
            <td data-label=td_string!(locale, col_state)><StateTag state=row.state /></td>
            <td>{action}</td>
        </tr>
    }
}

fn bind_consequence(row: &WorkspaceRow, aws_account: &str) -> String {
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
    pub confirm: String,
    pub cancel: String,
}

/// **Bind**: with JavaScript, a modal confirmation dialog (focus moves into it, Esc closes it, focus returns
/// to the button); without, the button asks the page for its confirmation panel.
#[island]
pub(crate) fn BindControl(workspace_id: i64, name: String, words: BindWords, action: String) -> impl IntoView {
    let BindWords { bind, title, consequence, confirm, cancel } = words;
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
        <form method="get" action=WORKSPACES>
            <input type="hidden" name="confirm" value=workspace_id />
            <button type="submit" class="button button-secondary button-small" on:click=open>
                {bind} <span class="visually-hidden">{format!(" {name}")}</span>
            </button>
        </form>
        <dialog class="dialog" node_ref=dialog aria-labelledby=labelled_by on:keydown=trap>
            <h2 id=title_id>{title}</h2>
            <p>{consequence}</p>
            <form method="post" action=action>
                <input type="hidden" name="workspace_id" value=workspace_id />
                <button type="submit" class="button" node_ref=first>{confirm}</button>
                " "
                <button type="button" class="button button-secondary" node_ref=last on:click=close>{cancel}</button>
            </form>
        </dialog>
    }
}

// ---------------------------------------------------------------------------------------------------------
// Create workspace

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateForm {
    pub site: Site,
    /// `existing`, `new`, or empty (not chosen yet).
    pub account: String,
    pub workspace_name: String,
    pub language: String,
    pub email: String,
    pub email_verified: bool,
    pub username: String,
    pub phone: String,
    pub terms: bool,
    /// Where the last code went, and the seconds before Send code may be pressed again for it.
    pub resend_wait: (String, i64),
    pub errors: Vec<(String, String)>,
    pub notice: Option<String>,
}

#[server(endpoint = "link_create_page")]
pub async fn link_create_page(account: Option<String>) -> Result<Step<Box<CreateForm>>, AppError> {
    let ports = crate::api::ports()?;
    let (key, _summary, mut draft) = match server::session(&ports).await? {
        Ok(found) => found,
        Err(step) => return Ok(step),
    };
    if let Err(step) = server::workspaces(&ports, &key).await? {
        return Ok(step);
    }
    let flash = crate::register::server::take_flash(&ports, &key, &mut draft).await?;
    let site = server::site(&draft);
    let resend_wait = draft.resend_wait("link_create", crate::ports::now());
    let l = draft.link;
    let account = match account.as_deref() {
        Some(a @ ("existing" | "new")) => a.to_owned(),
        _ => String::new(),
    };
    let email_key = l.email.trim().to_lowercase();
    let email_verified = l.email_verified.as_ref().is_some_and(|(kind, key)| *kind == account && *key == email_key);
    Ok(Step::Show(Box::new(CreateForm {
        site,
        account,
        workspace_name: l.workspace_name,
        language: l.language,
        email: l.email,
        email_verified,
        username: l.username,
        phone: l.phone,
        terms: l.terms,
        resend_wait,
        errors: flash.errors,
        notice: flash.notice,
    })))
}

/// Create workspace's form. `account` is `existing` or `new`; `intent` is `send_code` or `create`.
#[server(endpoint = "link_create")]
pub async fn link_create(
    account: Option<String>,
    workspace_name: Option<String>,
    language: Option<String>,
    email: Option<String>,
    code: Option<String>,
    username: Option<String>,
    password: Option<String>,
    confirm_password: Option<String>,
    phone: Option<String>,
    terms: Option<String>,
    intent: Option<String>,
) -> Result<(), AppError> {
    use crate::api::unavailable;
    use crate::domain::codes::CodePurpose;
    use crate::domain::{Email, Username, WorkspaceName};
    use crate::draft::Flash;
    use crate::ports::{now, CodeSubject, CreateRefusal, NewUser, NewWorkspace, WorkspaceOwner};
    use crate::register::server::{checked_phone, hash, new_password, push, verify_code};
    let ports = crate::api::ports()?;
    let Ok((key, _summary, mut draft)) = server::session::<()>(&ports).await? else {
        leptos_axum::redirect("/activate");
        return Ok(());
    };
    let new_account = match account.as_deref() {
        Some("new") => true,
        Some("existing") => false,
        _ => {
            leptos_axum::redirect(CREATE);
            return Ok(());
        }
    };
    let locale = crate::messages::request_locale();
    let kind = if new_account { "new" } else { "existing" };
    let back = if new_account { "/activate/link/create?account=new" } else { "/activate/link/create?account=existing" };
    let purpose = if new_account { CodePurpose::Register } else { CodePurpose::GuanceAccount };
    let (workspace_name, language, email_typed) =
        (workspace_name.unwrap_or_default(), language.unwrap_or_default(), email.unwrap_or_default());
    let (username, phone) = (username.unwrap_or_default(), phone.unwrap_or_default());
    let terms = terms.is_some_and(|t| !t.is_empty());
    let l = &mut draft.link;
    l.account = kind.to_owned();
    l.workspace_name = workspace_name.trim().to_owned();
    l.language = language.trim().to_owned();
    l.email = email_typed.trim().to_owned();
    l.terms = terms;
    if new_account {
        l.username = username.trim().to_owned();
        l.phone = phone.trim().to_owned();
    }
    let mut flash = Flash::default();

    if intent.as_deref() == Some("send_code") {
        match Email::parse(&email_typed) {
            Err(e) => push(&mut flash.errors, "email", FieldRule::Email.describe(locale, e)),
            Ok(email) => {
                let subject = if new_account {
                    CodeSubject::email(&email)
                } else {
                    let exists = ports.store.guance_account_exists(&email).await.map_err(unavailable)?;
                    CodeSubject::guance_account(&email, exists)
                };
                let sent = ports.codes.send_code(&key, purpose, &subject, locale, now()).await.map_err(unavailable)?;
                if sent.is_ok() {
                    draft.sent_code("link_create", &email_typed, now());
                }
                match sent {
                    Err(refusal) => push(&mut flash.errors, "code", crate::messages::send_refusal(locale, refusal)),
                    Ok(()) if new_account => {
                        flash.notice = Some(td_string!(locale, msg_code_sent, email = email.as_str()).to_string())
                    }
                    // The same words whether or not an account uses the address.
                    Ok(()) => {
                        flash.notice =
                            Some(td_string!(locale, msg_guance_code_sent, email = email.as_str()).to_string())
                    }
                }
            }
        }
        draft.flash = flash;
        crate::register::server::save(&ports, &key, &draft).await?;
        leptos_axum::redirect(&format!("{back}#code"));
        return Ok(());
    }

    // Create: every answer in the form's order.
    let mut errors = Vec::new();
    let name = WorkspaceName::parse(&workspace_name)
        .map_err(|e| push(&mut errors, "workspace_name", FieldRule::WorkspaceName.describe(locale, e)))
        .ok();
    let language = WorkspaceLanguage::parse(&language)
        .map_err(|_| push(&mut errors, "language-en", td_string!(locale, err_language_required).to_owned()))
        .ok();
    let mut new_user = None;
    let mut password_ok = None;
    if new_account {
        let user = match Username::parse(&username) {
            Ok(u) if !ports.store.username_available(&u).await.map_err(unavailable)? => {
                push(&mut errors, "username", td_string!(locale, err_username_taken).to_owned());
                None
            }
            Ok(u) => Some(u),
            Err(e) => {
                push(&mut errors, "username", FieldRule::Username.describe(locale, e));
                None
            }
        };
        password_ok = new_password(
            locale,
            &password.unwrap_or_default(),
            &confirm_password.unwrap_or_default(),
            &[&username, &email_typed],
            &mut errors,
        );
        new_user = user;
    }
    let email =
        Email::parse(&email_typed).map_err(|e| push(&mut errors, "email", FieldRule::Email.describe(locale, e))).ok();
    if let Some(email) = &email {
        let proven = draft.link.email_verified.as_ref().is_some_and(|(k, e)| k == kind && *e == email.key());
        if !proven {
            let typed = code.unwrap_or_default();
            if verify_code(locale, &ports, &key, purpose, &email.key(), &typed, &mut errors).await? {
                draft.link.email_verified = Some((kind.to_owned(), email.key()));
            }
        }
    }
    let phone = if new_account { checked_phone(locale, &phone, &mut errors) } else { None };
    if !terms {
        push(&mut errors, "terms", td_string!(locale, err_terms).to_owned());
    }

    let ready = match (errors.is_empty(), name, language, email) {
        (true, Some(name), Some(language), Some(email)) => Some((name, language, email)),
        _ => None,
    };
    let Some((name, language, email)) = ready else {
        draft.flash = Flash { errors, notice: None };
        crate::register::server::save(&ports, &key, &draft).await?;
        leptos_axum::redirect(back);
        return Ok(());
    };
    let owner = if new_account {
        let (Some(username), Some(password)) = (new_user, password_ok) else {
            leptos_axum::redirect(back);
            return Ok(());
        };
        WorkspaceOwner::New(NewUser { username, email, phone, password_hash: hash(password).await? })
    } else {
        WorkspaceOwner::Existing(email)
    };
    let site = server::site(&draft);
    let workspace = NewWorkspace { name, site, language };
    match ports.store.create_workspace(&key, &owner, &workspace, now()).await.map_err(unavailable)? {
        Ok(created) => {
            let keep_site = draft.link.site.clone();
            let keep_billing = draft.link.billing_username.clone();
            draft.link =
                crate::draft::LinkDraft { site: keep_site, billing_username: keep_billing, ..Default::default() };
            draft.flash = Flash {
                errors: vec![],
                notice: Some(
                    td_string!(
                        locale,
                        msg_workspace_created,
                        name = created.name.as_str(),
                        site = site_name(locale, site)
                    )
                    .to_string(),
                ),
            };
            crate::register::server::save(&ports, &key, &draft).await?;
            leptos_axum::redirect(WORKSPACES);
            return Ok(());
        }
        Err(CreateRefusal::NotLinked) => {
            leptos_axum::redirect(LINK);
            return Ok(());
        }
        Err(CreateRefusal::NameTaken) => push(
            &mut errors,
            "workspace_name",
            td_string!(
                locale,
                err_workspace_name_taken,
                name = workspace.name.as_str(),
                site = site_name(locale, site)
            )
            .to_string(),
        ),
        Err(CreateRefusal::UsernameTaken) => {
            push(&mut errors, "username", td_string!(locale, err_username_taken_meanwhile).to_owned())
        }
        Err(CreateRefusal::NoSuchAccount) => {
            push(&mut errors, "email", td_string!(locale, err_no_guance_account).to_owned())
        }
    }
    draft.flash = Flash { errors, notice: None };
    crate::register::server::save(&ports, &key, &draft).await?;
    leptos_axum::redirect(back);
    Ok(())
}

/// `/activate/link/create?account=existing|new`.
#[component]
pub fn LinkCreatePage() -> impl IntoView {
    let account = use_query_map().with_untracked(|q| q.get("account"));
    wizard_page(move || link_create_page(account.clone()), |form| view! { <CreateView form=*form /> }.into_any())
}

#[component]
fn CreateView(form: CreateForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let has_errors = !form.errors.is_empty();
    let errors = form.errors.clone();
    let e = move |field: &str| errors.iter().find(|(f, _)| f.starts_with(field)).map(|(_, m)| m.clone());
    let back = if form.account.is_empty() { CREATE.to_owned() } else { format!("{CREATE}?account={}", form.account) };
    let new_account = form.account == "new";
    let chosen = !form.account.is_empty();
    let action = <LinkCreate as leptos::server_fn::ServerFn>::url();
    let language_error = e("language");
    let terms_error = e("terms");
    let code_error = e("code");
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, create_title)) />
        <div class="page-top">
            <a class="back-link" href=WORKSPACES>{t!(i18n, back)}</a>
            <SiteSelector site=form.site back=back />
        </div>
        {has_errors.then(|| view! { <ErrorSummary items=form.errors.clone() /> })}
        <h1>{t!(i18n, create_title)}</h1>
        <p>{td_string!(locale, create_on_site, site = site_name(locale, form.site)).to_string()}</p>
        <form method="get" action=CREATE>
            <div class="form-group">
                <fieldset>
                    <legend class="legend-s">{t!(i18n, owner_legend)}</legend>
                    <div class="radio">
                        <input type="radio" id="account-existing" name="account" value="existing"
                            checked=form.account == "existing" />
                        <label for="account-existing">{t!(i18n, owner_existing)}</label>
                    </div>
                    <div class="radio">
                        <input type="radio" id="account-new" name="account" value="new" checked=new_account />
                        <label for="account-new">{t!(i18n, owner_new)}</label>
                    </div>
                </fieldset>
            </div>
            <Button label=td_string!(locale, button_choose) kind=ButtonKind::Secondary />
        </form>
        {form.notice.clone().map(|notice| view! { <Notice text=notice /> })}
        {chosen.then(|| view! {
            <form method="post" action=action novalidate>
                <input type="hidden" name="account" value=form.account.clone() />
                <button type="submit" name="intent" value="create" class="implicit-submit" tabindex="-1" aria-hidden="true">
                    {t!(i18n, button_create)}
                </button>
                <TextField live=FieldRule::WorkspaceName id="workspace_name" label=td_string!(locale, answer_workspace_name)
                    value=form.workspace_name.clone() hint=td_string!(locale, workspace_name_hint_short) autocomplete="off"
                    error=e("workspace_name") />
                <LanguageField selected=form.language.clone() error=language_error.clone() />
                {new_account.then(|| view! {
                    <TextField live=FieldRule::Username id="username" label=td_string!(locale, answer_username)
                        value=form.username.clone() autocomplete="username" hint=td_string!(locale, username_hint)
                        error=e("username") />
                    <PasswordField id="password" label=td_string!(locale, answer_password)
                        autocomplete="new-password" hint=td_string!(locale, password_hint) error=e("password") />
                    <PasswordField id="confirm_password" label=td_string!(locale, label_confirm_password)
                        autocomplete="new-password" error=e("confirm_password") />
                })}
                <TextField live=FieldRule::Email id="email" label=td_string!(locale, answer_email) kind="email"
                    value=form.email.clone() autocomplete="email"
                    hint=if new_account { td_string!(locale, email_hint) } else { td_string!(locale, email_existing_hint) }
                    error=e("email") />
                <SendCodeButton field="email" sent_to=form.resend_wait.0.clone() wait_secs=form.resend_wait.1 />
                {if form.email_verified {
                    view! { <Notice kind=NoticeKind::Success id="code" announce=false text=td_string!(locale, email_verified) /> }.into_any()
                } else {
                    view! { <CodeField error=code_error.clone() /> }.into_any()
                }}
                {new_account.then(|| view! {
                    <TextField live=FieldRule::Phone id="phone" label=td_string!(locale, label_phone) optional=true kind="tel"
                        value=form.phone.clone() autocomplete="tel" hint=td_string!(locale, phone_hint) error=e("phone") />
                })}
                <TermsField checked=form.terms error=terms_error.clone() />
                <Button intent="create" busy_on_press=true
                    label=if new_account { td_string!(locale, button_register_create) } else { td_string!(locale, button_create_workspace) } />
            </form>
        })}
    }
}
