//! Create workspace: a new workspace on the chosen site, with or without an existing Guance account.

// The create form's server function takes one argument per field (the `#[server]` macro's code too).
#![allow(clippy::too_many_arguments)]

use crate::domain::rules::FieldRule;
use crate::domain::AccountChoice;
use crate::domain::Site;
#[cfg(feature = "ssr")]
use crate::domain::WorkspaceLanguage;
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_title, site_name};
#[cfg(feature = "ssr")]
use crate::paths::LINK_BILLING;
use crate::paths::{LINK_CREATE, LINK_WORKSPACES};
use crate::ui::SiteSelector;
use crate::ui::{
    Button, ButtonKind, CodeField, LanguageField, Notice, NoticeKind, PasswordField, SendCodeButton, TermsField,
    TextField,
};
use crate::ui::{ErrorMessage, ErrorSummary};
#[cfg(feature = "ssr")]
use crate::wizard::{visit, Intent};
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
    /// "I have a Guance account" asks for the account's username too (several accounts share the email).
    pub ask_username: bool,
    /// Where the last code went, and the seconds before Send code may be pressed again for it.
    pub resend_wait: (String, i64),
    pub errors: FormErrors,
    pub notice: Option<String>,
}

#[server(endpoint = "link_create_page")]
/// `account` is the owner chosen ("Who will own the workspace?"); `choose` says the Choose button sent the
/// page (so nothing chosen is an error, shown like every other page's).
pub async fn link_create_page(account: Option<String>, choose: bool) -> Result<Gate<Box<CreateForm>>, AppError> {
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
    let mut errors = flash.errors;
    if choose && account.is_none() {
        errors.push("account-existing", td_string!(crate::messages::request_locale(), err_owner_required));
    }
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
        ask_username: l.several_accounts,
        resend_wait,
        errors,
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
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = visit(&ports).await?.for_post(crate::paths::ACTIVATE) else {
        return Ok(());
    };
    let Some(choice) = account.as_deref().and_then(AccountChoice::parse) else {
        leptos_axum::redirect(LINK_CREATE);
        return Ok(());
    };
    let typed = ssr::Typed {
        choice,
        workspace_name: workspace_name.unwrap_or_default(),
        language: language.unwrap_or_default(),
        email: email.unwrap_or_default(),
        code: code.unwrap_or_default(),
        username: username.unwrap_or_default(),
        password: password.unwrap_or_default(),
        confirm_password: confirm_password.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        terms: terms.is_some_and(|t| !t.is_empty()),
    };
    typed.keep(&mut visit.draft.link);
    let locale = crate::messages::request_locale();
    if Intent::parse(intent.as_deref()) == Intent::SendCode {
        ssr::send(locale, &ports, &mut visit, &typed).await
    } else {
        ssr::create(locale, &ports, &mut visit, &typed).await
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::domain::codes::CodePurpose;
    use crate::domain::{Email, WorkspaceName};
    use crate::i18n::Locale;
    use crate::ssr::checks::{checked_phone, hash, new_password, new_username};
    use crate::ssr::codes::{send_code, verify_code, CodeRequest};
    use crate::ssr::draft::{Flash, LinkDraft};
    use crate::ssr::ports::{now, CodeSubject, CreateRefusal, NewUser, NewWorkspace, Ports, WorkspaceOwner};
    use crate::ssr::unavailable;
    use crate::wizard::Visit;

    /// Create workspace's answers, as typed.
    pub struct Typed {
        pub choice: AccountChoice,
        pub workspace_name: String,
        pub language: String,
        pub email: String,
        pub code: String,
        pub username: String,
        pub password: String,
        pub confirm_password: String,
        pub phone: String,
        pub terms: bool,
    }

    impl Typed {
        fn new_account(&self) -> bool {
            self.choice == AccountChoice::New
        }

        fn purpose(&self) -> CodePurpose {
            if self.new_account() {
                CodePurpose::Register
            } else {
                CodePurpose::GuanceAccount
            }
        }

        /// Keeps the answers in the draft (never the password), whatever happens next.
        pub fn keep(&self, l: &mut LinkDraft) {
            l.account = self.choice.code().to_owned();
            l.workspace_name = self.workspace_name.trim().to_owned();
            l.language = self.language.trim().to_owned();
            l.email = self.email.trim().to_owned();
            l.terms = self.terms;
            // The existing account's username, when several share its email.
            l.username = self.username.trim().to_owned();
            if self.new_account() {
                l.phone = self.phone.trim().to_owned();
            }
        }
    }

    /// Send code: a code to the typed email (when it parses) — for a Guance account, whether or not one uses
    /// the address, in the same words.
    pub async fn send(locale: Locale, ports: &Ports, visit: &mut Visit, typed: &Typed) -> Result<(), AppError> {
        let mut flash = Flash::default();
        match Email::parse(&typed.email) {
            Err(e) => flash.errors.push("email", FieldRule::Email.describe(locale, e)),
            Ok(email) => {
                let subject = if typed.new_account() {
                    CodeSubject::email(&email)
                } else {
                    let exists = ports.store.guance_account_exists(&email).await.map_err(unavailable)?;
                    CodeSubject::guance_account(&email, exists)
                };
                let request =
                    CodeRequest { form: "link_create", typed: &typed.email, purpose: typed.purpose(), subject };
                if send_code(locale, ports, &visit.key, request, &mut visit.draft, &mut flash.errors).await? {
                    flash.notice = Some(if typed.new_account() {
                        td_string!(locale, msg_code_sent, email = email.as_str()).to_string()
                    } else {
                        td_string!(locale, msg_guance_code_sent, email = email.as_str()).to_string()
                    });
                }
            }
        }
        visit.draft.flash = flash;
        visit.finish(ports, &format!("{}#code", typed.choice.path())).await
    }

    /// Every answer checked in the form's order: the workspace and its owner, or `None` with the reasons in
    /// `errors` (a right code is used up and remembered even so).
    async fn checked(
        locale: Locale,
        ports: &Ports,
        visit: &mut Visit,
        typed: &Typed,
        errors: &mut FormErrors,
    ) -> Result<Option<(NewWorkspace, WorkspaceOwner)>, AppError> {
        let name = WorkspaceName::parse(&typed.workspace_name)
            .map_err(|e| errors.push("workspace_name", FieldRule::WorkspaceName.describe(locale, e)))
            .ok();
        let language = WorkspaceLanguage::parse(&typed.language)
            .map_err(|_| errors.push("language-en", td_string!(locale, err_language_required)))
            .ok();
        let (mut new_user, mut password, mut owner_username) = (None, None, None);
        if !typed.new_account() && !typed.username.trim().is_empty() {
            owner_username = crate::domain::Username::parse(&typed.username)
                .map_err(|e| errors.push("username", FieldRule::Username.describe(locale, e)))
                .ok();
        }
        if typed.new_account() {
            new_user = new_username(locale, ports, &typed.username, errors).await?;
            let others = [typed.username.as_str(), typed.email.as_str()];
            password = new_password(locale, &typed.password, &typed.confirm_password, &others, errors);
        }
        let email =
            Email::parse(&typed.email).map_err(|e| errors.push("email", FieldRule::Email.describe(locale, e))).ok();
        // The code is checked (a try used) only when every other answer is right; its error stays in its place
        // among the fields.
        let mut after_code = FormErrors::default();
        let phone = if typed.new_account() { checked_phone(locale, &typed.phone, &mut after_code) } else { None };
        if !typed.terms {
            after_code.push("terms", td_string!(locale, err_terms));
        }
        if let Some(email) = &email {
            let kind = typed.choice.code();
            let proven = visit.draft.link.email_verified.as_ref().is_some_and(|(k, e)| k == kind && *e == email.key());
            let others_ok = errors.is_empty() && after_code.is_empty() && (new_user.is_some() || !typed.new_account());
            let (purpose, address) = (typed.purpose(), email.key());
            if !proven
                && verify_code(locale, ports, &visit.key, purpose, &address, &typed.code, others_ok, errors).await?
            {
                visit.draft.link.email_verified = Some((kind.to_owned(), email.key()));
            }
        }
        for (field, message) in after_code.items() {
            errors.push(&field, message);
        }
        let (true, Some(name), Some(language), Some(email)) = (errors.is_empty(), name, language, email) else {
            return Ok(None);
        };
        let owner = match (typed.new_account(), new_user, password) {
            (false, _, _) => WorkspaceOwner::Existing(email, owner_username),
            (true, Some(username), Some(password)) => {
                WorkspaceOwner::New(NewUser { username, email, phone, password_hash: hash(password).await? })
            }
            // Every rule passed, so both are there.
            (true, _, _) => return Ok(None),
        };
        let workspace = NewWorkspace { name, site: super::super::ssr::site(&visit.draft), language };
        Ok(Some((workspace, owner)))
    }

    /// Create: the workspace (and the new account) in one transaction, then Link workspace with the news.
    pub async fn create(locale: Locale, ports: &Ports, visit: &mut Visit, typed: &Typed) -> Result<(), AppError> {
        let back = typed.choice.path();
        let mut errors = FormErrors::default();
        let Some((workspace, owner)) = checked(locale, ports, visit, typed, &mut errors).await? else {
            visit.draft.flash = Flash { errors, notice: None };
            return visit.finish(ports, back).await;
        };
        let site = workspace.site;
        match ports.store.create_workspace(&visit.key, &owner, &workspace, now()).await.map_err(unavailable)? {
            Ok(created) => {
                if created.first {
                    super::super::ssr::mail_owner_linked(ports, locale, &visit.summary, &created.name, now()).await;
                }
                let l = &visit.draft.link;
                visit.draft.link = LinkDraft {
                    site: l.site.clone(),
                    billing_username: l.billing_username.clone(),
                    ..Default::default()
                };
                let notice = td_string!(
                    locale,
                    msg_workspace_created,
                    name = created.name.as_str(),
                    site = site_name(locale, site)
                );
                visit.draft.flash = Flash { errors, notice: Some(notice.to_string()) };
                return visit.finish(ports, LINK_WORKSPACES).await;
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
                errors.push("username", td_string!(locale, err_username_taken_meanwhile))
            }
            Err(CreateRefusal::NoSuchAccount) if !typed.username.trim().is_empty() => {
                errors.push("username", td_string!(locale, err_no_account_with_username))
            }
            Err(CreateRefusal::NoSuchAccount) => errors.push("email", td_string!(locale, err_no_guance_account)),
            Err(CreateRefusal::SeveralAccounts) => {
                visit.draft.link.several_accounts = true;
                errors.push("username", td_string!(locale, err_several_accounts));
            }
        }
        visit.draft.flash = Flash { errors, notice: None };
        visit.finish(ports, back).await
    }
}

/// `/activate/link/create?account=existing|new`.
#[component]
pub fn LinkCreatePage() -> impl IntoView {
    let (account, choose) = use_query_map().with_untracked(|q| (q.get("account"), q.get("choose").is_some()));
    wizard_page(
        move || link_create_page(account.clone(), choose),
        |form| view! { <CreateView form=*form /> }.into_any(),
    )
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
    let owner_error = form.errors.field("account-existing");
    let owner_check = crate::ui::BrowserCheck::worded(
        "account",
        FieldRule::Choice,
        "account-existing",
        crate::messages::FieldMessages::new(locale, "", td_string!(locale, err_owner_required)),
    );
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, create_title)) />
        <div class="page-top">
            <a class="back-link" href=LINK_WORKSPACES>
                {t!(i18n, back)}
            </a>
            <SiteSelector site=form.site back=back action=super::site_action() />
        </div>
        {has_errors.then(|| view! { <ErrorSummary errors=form.errors.clone() /> })}
        <h1>{t!(i18n, create_title)}</h1>
        <p>{td_string!(locale, create_on_site, site = site_name(locale, form.site)).to_string()}</p>
        <form method="get" action=LINK_CREATE>
            // Tells the page that Choose was pressed: nothing chosen is then an error, as on every other page.
            <input type="hidden" name="choose" value="1" />
            <div class="form-group" class:form-group-error=owner_error.is_some() data-check=owner_check.attr()>
                <fieldset aria-describedby=owner_error.as_ref().map(|_| "account-error")>
                    <legend class="legend-s">{t!(i18n, owner_legend)}</legend>
                    {owner_error.clone().map(|message| view! { <ErrorMessage id="account-error" message /> })}
                    <div class="radio">
                        <input
                            type="radio"
                            id="account-existing"
                            name="account"
                            value="existing"
                            checked=form.account == Some(AccountChoice::Existing)
                        />
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
        {chosen
            .then(|| {
                view! {
                    <form id="page-form" method="post" action=action novalidate>
                        <input type="hidden" name="account" value=form.account.map(AccountChoice::code) />
                        <button
                            type="submit"
                            name="intent"
                            value="create"
                            class="implicit-submit"
                            tabindex="-1"
                            aria-hidden="true"
                        >
                            {t!(i18n, button_create)}
                        </button>
                        <TextField
                            live=FieldRule::WorkspaceName
                            id="workspace_name"
                            label=td_string!(locale, answer_workspace_name)
                            value=form.workspace_name.clone()
                            hint=td_string!(locale, workspace_name_hint_short)
                            autocomplete="off"
                            error=e("workspace_name")
                        />
                        <LanguageField selected=form.language.clone() error=language_error.clone() />
                        {new_account
                            .then(|| {
                                view! {
                                    <TextField
                                        live=FieldRule::Username
                                        id="username"
                                        label=td_string!(locale, answer_username)
                                        value=form.username.clone()
                                        autocomplete="username"
                                        hint=td_string!(locale, username_hint)
                                        error=e("username")
                                    />
                                    <PasswordField
                                        id="password"
                                        label=td_string!(locale, answer_password)
                                        autocomplete="new-password"
                                        hint=td_string!(locale, password_hint)
                                        error=e("password")
                                        live=true
                                    />
                                    <PasswordField
                                        id="confirm_password"
                                        label=td_string!(locale, label_confirm_password)
                                        autocomplete="new-password"
                                        error=e("confirm_password")
                                        confirms="password"
                                    />
                                }
                            })}
                        <TextField
                            live=FieldRule::Email
                            id="email"
                            label=td_string!(locale, answer_email)
                            kind="email"
                            value=form.email.clone()
                            autocomplete="email"
                            hint=if new_account {
                                td_string!(locale, email_hint)
                            } else {
                                td_string!(locale, email_existing_hint)
                            }
                            error=e("email")
                        />
                        {(!new_account && form.ask_username)
                            .then(|| {
                                view! {
                                    <TextField
                                        live=FieldRule::Username
                                        id="username"
                                        label=td_string!(locale, answer_owner_username)
                                        value=form.username.clone()
                                        autocomplete="username"
                                        hint=td_string!(locale, owner_username_hint)
                                        error=e("username")
                                    />
                                }
                            })}
                        <SendCodeButton field="email" sent_to=form.resend_wait.0.clone() wait_secs=form.resend_wait.1 />
                        {if form.email_verified {
                            view! {
                                <Notice
                                    kind=NoticeKind::Success
                                    id="code"
                                    announce=false
                                    text=td_string!(locale, email_verified)
                                />
                            }
                                .into_any()
                        } else {
                            view! { <CodeField error=code_error.clone() /> }.into_any()
                        }}
                        {new_account
                            .then(|| {
                                view! {
                                    <TextField
                                        live=FieldRule::Phone
                                        id="phone"
                                        label=td_string!(locale, label_phone)
                                        optional=true
                                        kind="tel"
                                        value=form.phone.clone()
                                        autocomplete="tel"
                                        hint=td_string!(locale, phone_hint)
                                        error=e("phone")
                                    />
                                }
                            })}
                        <TermsField checked=form.terms error=terms_error.clone() />
                        <Button
                            intent="create"
                            busy_on_press=true
                            label=if new_account {
                                td_string!(locale, button_register_create)
                            } else {
                                td_string!(locale, button_create_workspace)
                            }
                        />
                    </form>
                }
            })}
    }
}
