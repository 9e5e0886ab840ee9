//! The link branch ("I have a billing account"): link the billing account with a code mailed to the address
//! on file, then bind its workspaces to the AWS account or create new ones. A **Site** selector at the top
//! right of these pages decides where a new workspace is created.

// The create form's server function takes one argument per field (the `#[server]` macro's code too).
#![allow(clippy::too_many_arguments)]

use crate::api::AppError;
use crate::components::{CodeField, LanguageField, SendCodeButton, TermsField, TextField};
use crate::domain::rules::FieldRule;
use crate::domain::Site;
#[cfg(feature = "ssr")]
use crate::domain::WorkspaceLanguage;
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
fn SiteSelector(site: Site, back: String) -> impl IntoView {
    let action = <ChooseSite as leptos::server_fn::ServerFn>::url();
    view! {
        <form class="site-selector" method="post" action=action>
            <input type="hidden" name="back" value=back />
            <label for="site">"Site"</label>
            <select class="select" id="site" name="site" aria-describedby="site-hint">
                {Site::AWS
                    .into_iter()
                    .map(|s| view! { <option value=s.code() selected=s == site>{s.name()}</option> })
                    .collect_view()}
            </select>
            <button type="submit" class="button button-secondary button-small">"Change site"</button>
            <p class="hint" id="site-hint">
                "New workspaces are created on this site. It cannot be changed once the workspace exists."
            </p>
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
    let Ok((key, _summary, mut draft)) = server::session::<()>(&ports).await? else {
        leptos_axum::redirect("/activate");
        return Ok(());
    };
    let typed = username.unwrap_or_default();
    draft.link.billing_username = typed.trim().to_owned();
    let mut flash = Flash::default();
    let mut next = LINK;
    match Username::parse(&typed) {
        Err(e) => push(&mut flash.errors, "username", crate::domain::rules::FieldRule::BillingUsername.describe(e)),
        Ok(username) if intent.as_deref() == Some("send_code") => {
            let on_file = ports.store.billing_account_email(&username).await.map_err(unavailable)?;
            let subject = CodeSubject::billing_account(&username, on_file);
            match ports.codes.send_code(&key, CodePurpose::LinkBillingAccount, &subject, now()).await {
                Err(e) => return Err(unavailable(e)),
                Ok(Err(refusal)) => push(&mut flash.errors, "code", refusal.message()),
                // The same words whether or not the billing account exists.
                Ok(Ok(())) => {
                    draft.sent_code("link_billing", &typed, now());
                    flash.notice = Some(format!(
                        "If {} is a billing account, we sent a 6-digit code to the email address on file for it. \
                         It expires in 10 minutes.",
                        username.as_str()
                    ))
                }
            }
        }
        Ok(username) => {
            let address = CodeSubject::billing_account(&username, None).address;
            let typed = code.unwrap_or_default();
            if verify_code(&ports, &key, CodePurpose::LinkBillingAccount, &address, &typed, &mut flash.errors).await? {
                match ports.store.link_billing_account(&key, &username, now()).await.map_err(unavailable)? {
                    Ok(_) => next = WORKSPACES,
                    // Only a guess can reach this: a code is mailed only to a real account.
                    Err(LinkRefusal::NoSuchAccount) => push(
                        &mut flash.errors,
                        "code",
                        "The verification code is not correct. Select Send code to get a new one".to_owned(),
                    ),
                    Err(LinkRefusal::SessionGone) => next = "/activate",
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
    let has_errors = !form.errors.is_empty();
    let errors = form.errors.clone();
    let e = move |field: &str| errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone());
    let code_error = e("code");
    let action = <LinkBilling as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=if has_errors { "Error: Link billing account" } else { "Link billing account" } />
        <div class="page-top">
            <a class="back-link" href="/activate">"Back"</a>
            <SiteSelector site=form.site back=LINK.to_owned() />
        </div>
        {has_errors.then(|| view! { <ErrorSummary items=form.errors.clone() /> })}
        <h1>"Link billing account"</h1>
        <p>
            "Link your Guance billing account to AWS account " <strong>{form.aws_account.clone()}</strong>
            ". We send a verification code to the email address on file for the billing account."
        </p>
        {form.notice.clone().map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
        <form method="post" action=action novalidate>
            <button type="submit" name="intent" value="link" class="implicit-submit" tabindex="-1" aria-hidden="true">
                "Link billing account"
            </button>
            <TextField live=FieldRule::BillingUsername id="username" label="Billing account username" value=form.username.clone()
                autocomplete="username" error=e("username") />
            <SendCodeButton field="username" sent_to=form.resend_wait.0.clone() wait_secs=form.resend_wait.1 />
            <CodeField error=code_error />
            <button type="submit" name="intent" value="link" class="button">"Link billing account"</button>
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
    let mut flash = Flash::default();
    match outcome {
        Ok(BindOutcome::Bound | BindOutcome::AlreadyLinked) => {
            flash.notice = Some("The workspace is linked: it is now billed to this AWS account.".to_owned());
        }
        Err(BindRefusal::NotLinked) => {
            leptos_axum::redirect(LINK);
            return Ok(());
        }
        Err(BindRefusal::NotFound) => flash.errors.push((
            "workspaces".to_owned(),
            "That workspace is not one of this billing account's. Choose one from the list".to_owned(),
        )),
        Err(BindRefusal::SettledByOther) => flash.errors.push((
            "workspaces".to_owned(),
            "That workspace is billed to another AWS account, so it cannot be bound here".to_owned(),
        )),
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
    let has_errors = !data.errors.is_empty();
    let bind = <BindWorkspace as leptos::server_fn::ServerFn>::url();
    let finish = <crate::register_check::FinishActivation as leptos::server_fn::ServerFn>::url();
    let any_linked = data.rows.iter().any(|r| r.state == WorkspaceState::Linked);
    let any_bindable = data.rows.iter().any(|r| r.state == WorkspaceState::Unlinked);
    let aws_account = data.aws_account.clone();
    view! {
        <Title text=if has_errors { "Error: Link workspace" } else { "Link workspace" } />
        <div class="page-top">
            <span></span>
            <SiteSelector site=data.site back=WORKSPACES.to_owned() />
        </div>
        {has_errors.then(|| view! { <ErrorSummary items=data.errors.clone() /> })}
        <h1>"Link workspace"</h1>
        <p>
            "Billing account " <strong>{data.billing_username.clone()}</strong> " is linked to AWS account "
            <strong>{data.aws_account.clone()}</strong>
            ". Bind a workspace to bill it to this AWS account through AWS Marketplace, or create one."
        </p>
        {data.notice.clone().map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
        {data.confirm.clone().map(|row| {
            view! {
                <div class="confirm-panel" role="region" aria-labelledby="confirm-title">
                    <h2 id="confirm-title">{format!("Bind workspace \u{201c}{}\u{201d}?", row.name)}</h2>
                    <p>{bind_consequence(&row, &aws_account)}</p>
                    <form method="post" action=bind>
                        <input type="hidden" name="workspace_id" value=row.id />
                        <button type="submit" class="button">"Confirm"</button>
                        " "
                        <a href=WORKSPACES class="button button-secondary">"Cancel"</a>
                    </form>
                </div>
            }
        })}
        <table class="table" id="workspaces">
            <caption class="visually-hidden">"Workspaces of the billing account"</caption>
            <thead>
                <tr>
                    <th scope="col">"Workspace"</th>
                    <th scope="col">"Site"</th>
                    <th scope="col">"Language"</th>
                    <th scope="col">"State"</th>
                    <th scope="col"><span class="visually-hidden">"Action"</span></th>
                </tr>
            </thead>
            <tbody>
                {data
                    .rows
                    .iter()
                    .map(|row| {
                        let action = (row.state == WorkspaceState::Unlinked).then(|| {
                            view! {
                                <BindControl
                                    workspace_id=row.id
                                    name=row.name.clone()
                                    consequence=bind_consequence(row, &aws_account)
                                    action=bind.to_owned()
                                />
                            }
                        });
                        view! {
                            <tr data-testid="workspace-row">
                                <th scope="row">{row.name.clone()}</th>
                                <td>{row.site_name()}</td>
                                <td>{row.language_name()}</td>
                                <td><StateTag state=row.state /></td>
                                <td>{action}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {(data.rows.is_empty()).then(|| view! { <p>"This billing account has no workspaces yet."</p> })}
        <h2>"Create workspace"</h2>
        <p>
            {if any_bindable {
                "You can also create a new workspace; it is billed to this AWS account."
            } else {
                "There is no workspace you can bind. Create one; it is billed to this AWS account."
            }}
        </p>
        <p><a class="button button-secondary" href=CREATE>"Create workspace"</a></p>
        {if any_linked {
            view! {
                <h2>"Finish"</h2>
                <p>"When you have bound or created the workspaces you want, log in to start using them."</p>
                <form method="post" action=finish>
                    <button type="submit" class="button">"Confirm"</button>
                </form>
            }
                .into_any()
        } else {
            view! { <p class="hint">"Bind or create a workspace to finish activation."</p> }.into_any()
        }}
    }
}

fn bind_consequence(row: &WorkspaceRow, aws_account: &str) -> String {
    format!(
        "Workspace \u{201c}{}\u{201d} on {} will be billed to AWS account {} through AWS Marketplace instead of the billing center.",
        row.name,
        row.site_name(),
        aws_account
    )
}

/// **Bind**: with JavaScript, a modal confirmation dialog (focus moves into it, Esc closes it, focus returns
/// to the button); without, the button asks the page for its confirmation panel.
#[island]
fn BindControl(workspace_id: i64, name: String, consequence: String, action: String) -> impl IntoView {
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
    view! {
        <form method="get" action=WORKSPACES>
            <input type="hidden" name="confirm" value=workspace_id />
            <button type="submit" class="button button-secondary button-small" on:click=open>
                "Bind" <span class="visually-hidden">{format!(" {name}")}</span>
            </button>
        </form>
        <dialog class="dialog" node_ref=dialog aria-labelledby=labelled_by>
            <h2 id=title_id>{format!("Bind workspace \u{201c}{name}\u{201d}?")}</h2>
            <p>{consequence}</p>
            <form method="post" action=action>
                <input type="hidden" name="workspace_id" value=workspace_id />
                <button type="submit" class="button">"Confirm"</button>
                " "
                <button type="button" class="button button-secondary" on:click=close>"Cancel"</button>
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
            Err(e) => push(&mut flash.errors, "email", crate::domain::rules::FieldRule::Email.describe(e)),
            Ok(email) => {
                let subject = if new_account {
                    CodeSubject::email(&email)
                } else {
                    let exists = ports.store.guance_account_exists(&email).await.map_err(unavailable)?;
                    CodeSubject::guance_account(&email, exists)
                };
                let sent = ports.codes.send_code(&key, purpose, &subject, now()).await.map_err(unavailable)?;
                if sent.is_ok() {
                    draft.sent_code("link_create", &email_typed, now());
                }
                match sent {
                    Err(refusal) => push(&mut flash.errors, "code", refusal.message()),
                    Ok(()) if new_account => {
                        flash.notice =
                            Some(format!("We sent a 6-digit code to {}. It expires in 10 minutes.", email.as_str()))
                    }
                    // The same words whether or not an account uses the address.
                    Ok(()) => {
                        flash.notice = Some(format!(
                            "If a Guance account uses {}, we sent a 6-digit code to it. It expires in 10 minutes.",
                            email.as_str()
                        ))
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
        .map_err(|e| push(&mut errors, "workspace_name", crate::domain::rules::FieldRule::WorkspaceName.describe(e)))
        .ok();
    let language = WorkspaceLanguage::parse(&language)
        .map_err(|_| push(&mut errors, "language-en", "Select the workspace language".to_owned()))
        .ok();
    let mut new_user = None;
    let mut password_ok = None;
    if new_account {
        let user = match Username::parse(&username) {
            Ok(u) if !ports.store.username_available(&u).await.map_err(unavailable)? => {
                push(&mut errors, "username", "This username is taken. Choose another one".to_owned());
                None
            }
            Ok(u) => Some(u),
            Err(e) => {
                push(&mut errors, "username", crate::domain::rules::FieldRule::Username.describe(e));
                None
            }
        };
        password_ok = new_password(
            &password.unwrap_or_default(),
            &confirm_password.unwrap_or_default(),
            &[&username, &email_typed],
            &mut errors,
        );
        new_user = user;
    }
    let email = Email::parse(&email_typed)
        .map_err(|e| push(&mut errors, "email", crate::domain::rules::FieldRule::Email.describe(e)))
        .ok();
    if let Some(email) = &email {
        let proven = draft.link.email_verified.as_ref().is_some_and(|(k, e)| k == kind && *e == email.key());
        if !proven {
            let typed = code.unwrap_or_default();
            if verify_code(&ports, &key, purpose, &email.key(), &typed, &mut errors).await? {
                draft.link.email_verified = Some((kind.to_owned(), email.key()));
            }
        }
    }
    let phone = if new_account { checked_phone(&phone, &mut errors) } else { None };
    if !terms {
        push(&mut errors, "terms", "Agree to the terms to continue".to_owned());
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
                notice: Some(format!(
                    "Workspace \u{201c}{}\u{201d} is created on {} and linked: it is billed to this AWS account.",
                    created.name,
                    site.name()
                )),
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
            format!(
                "The billing account already has a workspace called \u{201c}{}\u{201d} on {}. Choose another name",
                workspace.name.as_str(),
                site.name()
            ),
        ),
        Err(CreateRefusal::UsernameTaken) => {
            push(&mut errors, "username", "This username was taken meanwhile. Choose another one".to_owned())
        }
        Err(CreateRefusal::NoSuchAccount) => push(
            &mut errors,
            "email",
            "No Guance account uses this email. Choose \u{201c}I don't have a Guance account\u{201d} to register one"
                .to_owned(),
        ),
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
        <Title text=if has_errors { "Error: Create workspace" } else { "Create workspace" } />
        <div class="page-top">
            <a class="back-link" href=WORKSPACES>"Back"</a>
            <SiteSelector site=form.site back=back />
        </div>
        {has_errors.then(|| view! { <ErrorSummary items=form.errors.clone() /> })}
        <h1>"Create workspace"</h1>
        <p>{format!("The workspace is created on {} and billed to this AWS account.", form.site.name())}</p>
        <form method="get" action=CREATE>
            <div class="form-group">
                <fieldset>
                    <legend class="legend-s">"Who will own the workspace?"</legend>
                    <div class="radio">
                        <input type="radio" id="account-existing" name="account" value="existing"
                            checked=form.account == "existing" />
                        <label for="account-existing">"I have a Guance account"</label>
                    </div>
                    <div class="radio">
                        <input type="radio" id="account-new" name="account" value="new" checked=new_account />
                        <label for="account-new">"I don't have a Guance account"</label>
                    </div>
                </fieldset>
            </div>
            <button type="submit" class="button button-secondary">"Choose"</button>
        </form>
        {form.notice.clone().map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
        {chosen.then(|| view! {
            <form method="post" action=action novalidate>
                <input type="hidden" name="account" value=form.account.clone() />
                <button type="submit" name="intent" value="create" class="implicit-submit" tabindex="-1" aria-hidden="true">
                    "Create"
                </button>
                <TextField live=FieldRule::WorkspaceName id="workspace_name" label="Workspace name" value=form.workspace_name.clone()
                    hint="Up to 50 characters" autocomplete="off" error=e("workspace_name") />
                <LanguageField selected=form.language.clone() error=language_error.clone() />
                {new_account.then(|| view! {
                    <TextField live=FieldRule::Username id="username" label="Username" value=form.username.clone() autocomplete="username"
                        hint="3 to 32 characters: letters, numbers, underscores, full stops or hyphens, starting with a letter"
                        error=e("username") />
                    <TextField id="password" label="Password" kind="password" value="" autocomplete="new-password"
                        hint="At least 15 characters. A few unrelated words make a strong password" error=e("password") />
                    <TextField id="confirm_password" label="Confirm password" kind="password" value=""
                        autocomplete="new-password" error=e("confirm_password") />
                })}
                <TextField live=FieldRule::Email id="email" label="Email" kind="email" value=form.email.clone() autocomplete="email"
                    hint=if new_account { "We send a verification code to this address" } else { "The email of your Guance account. We send a verification code to it" }
                    error=e("email") />
                <SendCodeButton field="email" sent_to=form.resend_wait.0.clone() wait_secs=form.resend_wait.1 />
                {if form.email_verified {
                    view! { <p class="notice" id="code">"Your email address is verified."</p> }.into_any()
                } else {
                    view! { <CodeField error=code_error.clone() /> }.into_any()
                }}
                {new_account.then(|| view! {
                    <TextField live=FieldRule::Phone id="phone" label="Phone (optional)" kind="tel" value=form.phone.clone() autocomplete="tel"
                        hint="With the country code, for example +86 138 0013 8000" error=e("phone") />
                })}
                <TermsField checked=form.terms error=terms_error.clone() />
                <button type="submit" name="intent" value="create" class="button">
                    {if new_account { "Register and create workspace" } else { "Create workspace" }}
                </button>
            </form>
        })}
    }
}
