//! Create workspace: a new workspace on the chosen site, with or without an existing Guance account.

// The create form's server function takes one argument per field (the `#[server]` macro's code too).
#![allow(clippy::too_many_arguments)]

use crate::domain::rules::FieldRule;
use crate::domain::Site;
#[cfg(feature = "ssr")]
use crate::domain::WorkspaceLanguage;
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_title, site_name};
#[cfg(feature = "ssr")]
use crate::paths::LINK_BILLING;
use crate::paths::{LINK_CREATE, LINK_WORKSPACES};
use crate::ui::ErrorSummary;
use crate::ui::SiteSelector;
use crate::ui::{
    Button, ButtonKind, CodeField, LanguageField, Notice, NoticeKind, PasswordField, SendCodeButton, TermsField,
    TextField,
};
#[cfg(feature = "ssr")]
use crate::wizard::visit;
use crate::wizard::{wizard_page, Gate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateForm {
    pub site: Site,
    /// `existing`, `new`, or empty (not chosen yet).
    /// Which form: none chosen yet, or the buyer's answer to "Do you have a Guance account?".
    pub account: Option<AccountChoice>,
    pub workspace_name: String,
    pub language: String,
    pub email: String,
    pub email_verified: bool,
    pub username: String,
    pub phone: String,
    pub terms: bool,
    /// Where the last code went, and the seconds before Send code may be pressed again for it.
    pub resend_wait: (String, i64),
    pub errors: FormErrors,
    pub notice: Option<String>,
}

/// Create workspace's two forms: for a buyer who has a Guance account (the workspace is theirs), and for one
/// who has none (a new account is made with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountChoice {
    Existing,
    New,
}

impl AccountChoice {
    /// `existing` or `new`: the form's value, and the draft's.
    pub fn code(self) -> &'static str {
        match self {
            AccountChoice::Existing => "existing",
            AccountChoice::New => "new",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [AccountChoice::Existing, AccountChoice::New].into_iter().find(|c| c.code() == s)
    }

    /// The page with this form.
    pub fn path(self) -> &'static str {
        match self {
            AccountChoice::Existing => super::CREATE_EXISTING,
            AccountChoice::New => super::CREATE_NEW,
        }
    }
}

#[server(endpoint = "link_create_page")]
pub async fn link_create_page(account: Option<String>) -> Result<Gate<Box<CreateForm>>, AppError> {
    let ports = crate::ssr::ports()?;
    let mut visit = match visit(&ports).await?.shown() {
        Ok(visit) => visit,
        Err(gate) => return Ok(gate),
    };
    if let Err(gate) = super::ssr::workspaces(&ports, &visit.key).await?.shown() {
        return Ok(gate);
    }
    let flash = visit.take_flash(&ports).await?;
    let draft = visit.draft;
    let site = super::ssr::site(&draft);
    let resend_wait = draft.resend_wait("link_create", crate::ssr::ports::now());
    let l = draft.link;
    let account = account.as_deref().and_then(AccountChoice::parse);
    let email_key = l.email.trim().to_lowercase();
    let email_verified = l
        .email_verified
        .as_ref()
        .is_some_and(|(kind, key)| account.is_some_and(|a| a.code() == kind) && *key == email_key);
    Ok(Gate::Show(Box::new(CreateForm {
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
    use crate::domain::codes::CodePurpose;
    use crate::domain::{Email, Username, WorkspaceName};
    use crate::ssr::checks::{checked_phone, hash, new_password};
    use crate::ssr::codes::{send_code, verify_code, CodeRequest};
    use crate::ssr::draft::Flash;
    use crate::ssr::ports::{now, CodeSubject, CreateRefusal, NewUser, NewWorkspace, WorkspaceOwner};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = visit(&ports).await?.for_post(crate::paths::ACTIVATE) else {
        return Ok(());
    };
    let Some(choice) = account.as_deref().and_then(AccountChoice::parse) else {
        leptos_axum::redirect(LINK_CREATE);
        return Ok(());
    };
    let new_account = choice == AccountChoice::New;
    let key = visit.key.clone();
    let draft = &mut visit.draft;
    let locale = crate::messages::request_locale();
    let kind = choice.code();
    let back = choice.path();
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
            Err(e) => flash.errors.push("email", FieldRule::Email.describe(locale, e)),
            Ok(email) => {
                let subject = if new_account {
                    CodeSubject::email(&email)
                } else {
                    let exists = ports.store.guance_account_exists(&email).await.map_err(unavailable)?;
                    CodeSubject::guance_account(&email, exists)
                };
                let request = CodeRequest { form: "link_create", typed: &email_typed, purpose, subject };
                if send_code(locale, &ports, &key, request, draft, &mut flash.errors).await? {
                    flash.notice = Some(if new_account {
                        td_string!(locale, msg_code_sent, email = email.as_str()).to_string()
                    } else {
                        // The same words whether or not an account uses the address.
                        td_string!(locale, msg_guance_code_sent, email = email.as_str()).to_string()
                    });
                }
            }
        }
        draft.flash = flash;
        return visit.finish(&ports, &format!("{back}#code")).await;
    }

    // Create: every answer in the form's order.
    let mut errors = FormErrors::default();
    let name = WorkspaceName::parse(&workspace_name)
        .map_err(|e| errors.push("workspace_name", FieldRule::WorkspaceName.describe(locale, e)))
        .ok();
    let language = WorkspaceLanguage::parse(&language)
        .map_err(|_| errors.push("language-en", td_string!(locale, err_language_required).to_owned()))
        .ok();
    let mut new_user = None;
    let mut password_ok = None;
    if new_account {
        let user = match Username::parse(&username) {
            Ok(u) if !ports.store.username_available(&u).await.map_err(unavailable)? => {
                errors.push("username", td_string!(locale, err_username_taken).to_owned());
                None
            }
            Ok(u) => Some(u),
            Err(e) => {
                errors.push("username", FieldRule::Username.describe(locale, e));
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
    let email = Email::parse(&email_typed).map_err(|e| errors.push("email", FieldRule::Email.describe(locale, e))).ok();
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
        errors.push("terms", td_string!(locale, err_terms).to_owned());
    }

    let ready = match (errors.is_empty(), name, language, email) {
        (true, Some(name), Some(language), Some(email)) => Some((name, language, email)),
        _ => None,
    };
    let Some((name, language, email)) = ready else {
        draft.flash = Flash { errors, notice: None };
        return visit.finish(&ports, back).await;
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
    let site = super::ssr::site(draft);
    let workspace = NewWorkspace { name, site, language };
    match ports.store.create_workspace(&key, &owner, &workspace, now()).await.map_err(unavailable)? {
        Ok(created) => {
            let keep_site = draft.link.site.clone();
            let keep_billing = draft.link.billing_username.clone();
            draft.link =
                crate::ssr::draft::LinkDraft { site: keep_site, billing_username: keep_billing, ..Default::default() };
            draft.flash = Flash {
                errors: FormErrors::default(),
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
            return visit.finish(&ports, LINK_WORKSPACES).await;
        }
        Err(CreateRefusal::NotLinked) => {
            leptos_axum::redirect(LINK_BILLING);
            return Ok(());
        }
        Err(CreateRefusal::NameTaken) => errors.push(
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
            errors.push("username", td_string!(locale, err_username_taken_meanwhile).to_owned())
        }
        Err(CreateRefusal::NoSuchAccount) => errors.push("email", td_string!(locale, err_no_guance_account).to_owned()),
    }
    draft.flash = Flash { errors, notice: None };
    visit.finish(&ports, back).await
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
    let e = move |field: &str| errors.field(field);
    let back = form.account.map_or(LINK_CREATE, AccountChoice::path).to_owned();
    let new_account = form.account == Some(AccountChoice::New);
    let chosen = form.account.is_some();
    let action = <LinkCreate as leptos::server_fn::ServerFn>::url();
    let language_error = form.errors.group("language");
    let terms_error = e("terms");
    let code_error = e("code");
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, create_title)) />
        <div class="page-top">
            <a class="back-link" href=LINK_WORKSPACES>{t!(i18n, back)}</a>
            <SiteSelector site=form.site back=back action=super::site_action() />
        </div>
        {has_errors.then(|| view! { <ErrorSummary errors=form.errors.clone() /> })}
        <h1>{t!(i18n, create_title)}</h1>
        <p>{td_string!(locale, create_on_site, site = site_name(locale, form.site)).to_string()}</p>
        <form method="get" action=LINK_CREATE>
            <div class="form-group">
                <fieldset>
                    <legend class="legend-s">{t!(i18n, owner_legend)}</legend>
                    <div class="radio">
                        <input type="radio" id="account-existing" name="account" value="existing"
                            checked=form.account == Some(AccountChoice::Existing) />
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
                <input type="hidden" name="account" value=form.account.map(AccountChoice::code) />
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
