//! Register branch, step 1 of 4: basic information (site, username, password, email with an emailed code,
//! optional phone). The form posts to [`register_basic`], which saves what was typed (never the password),
//! and either sends a code, or checks everything and moves on; errors come back through the draft's flash.

// The form's server function takes one argument per field (the `#[server]` macro's generated code too).
#![allow(clippy::too_many_arguments)]

use crate::domain::rules::FieldRule;
use crate::domain::ActivationSummary;
use crate::domain::Site;
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::site_name;
use crate::messages::FieldMessages;
use crate::paths::ACTIVATE;
#[cfg(feature = "ssr")]
use crate::paths::REGISTER_BASIC;
use crate::ui::{
    BrowserCheck, Button, ButtonKind, CodeField, Notice, NoticeKind, PasswordField, SendCodeButton, TextField,
};
use crate::ui::{ErrorMessage, StepIndicator};
#[cfg(feature = "ssr")]
use crate::wizard::{next_step, register_step, Intent, RegisterStep};
use crate::wizard::{wizard_page, Gate, REGISTER_STEPS};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicForm {
    pub summary: ActivationSummary,
    pub site: String,
    pub username: String,
    pub email: String,
    pub phone: String,
    pub email_verified: bool,
    /// A password was chosen already: leaving both password fields blank keeps it.
    pub password_kept: bool,
    /// Where the last code went, and the seconds before Send code may be pressed again for it.
    pub resend_wait: (String, i64),
    pub errors: FormErrors,
    pub notice: Option<String>,
    /// The username is taken: perhaps by this buyer, who is offered the other branch.
    pub username_taken: bool,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::codes::CodePurpose;
    use crate::domain::Email;
    use crate::i18n::Locale;
    use crate::messages::FieldMessages;
    use crate::ssr::checks::{checked_phone, hash, new_password, new_username};
    use crate::ssr::codes::{send_code, verify_code, CodeRequest};
    use crate::ssr::draft::{Draft, Flash};
    use crate::ssr::ports::{CodeSubject, Ports};
    use crate::ssr::session::SessionKey;

    /// The typed answers of step 1, checked field by field in the form's order.
    pub struct Submitted {
        pub site: String,
        pub username: String,
        pub password: String,
        pub confirm_password: String,
        pub email: String,
        pub code: String,
        pub phone: String,
    }

    /// Sends a code to the typed email (when it parses), remembering the other answers.
    pub async fn ask_for_code(
        locale: Locale,
        ports: &Ports,
        key: &SessionKey,
        form: &Submitted,
        draft: &mut Draft,
    ) -> Result<(), AppError> {
        let mut flash = Flash::default();
        match Email::parse(&form.email) {
            Err(e) => flash.errors.push("email", FieldRule::Email.describe(locale, e)),
            Ok(email) => {
                let request = CodeRequest {
                    form: "register",
                    typed: &form.email,
                    purpose: CodePurpose::Register,
                    subject: CodeSubject::email(&email),
                };
                if send_code(locale, ports, key, request, draft, &mut flash.errors).await? {
                    draft.register.code_sent_to = Some(email.key());
                    flash.notice = Some(td_string!(locale, msg_code_sent, email = email.as_str()).to_string());
                }
            }
        }
        draft.flash = flash;
        Ok(())
    }

    /// Checks every answer; on success stores the password's hash and marks the step done.
    pub async fn submit(
        locale: Locale,
        ports: &Ports,
        key: &SessionKey,
        form: &Submitted,
        draft: &mut Draft,
    ) -> Result<bool, AppError> {
        let mut errors = FormErrors::default();
        if let Err(e) = Site::parse_aws(&form.site) {
            let messages =
                FieldMessages::new(locale, td_string!(locale, subject_site), td_string!(locale, err_site_required));
            errors.push("site-cn2", messages.describe(e));
        }
        // In the order of the form's fields; the code last of all (see below), the phone after it.
        let username = new_username(locale, ports, &form.username, &mut errors).await?;
        // A password chosen earlier is kept when both fields are left blank (e.g. after a Change link).
        let keep_password = form.password.is_empty()
            && form.confirm_password.is_empty()
            && draft.register.password_hash.is_some()
            && draft.register.basic_done;
        let password = if keep_password {
            None
        } else {
            new_password(locale, &form.password, &form.confirm_password, &[&form.username, &form.email], &mut errors)
        };
        let email =
            Email::parse(&form.email).map_err(|e| errors.push("email", FieldRule::Email.describe(locale, e))).ok();
        let mut phone_errors = FormErrors::default();
        checked_phone(locale, &form.phone, &mut phone_errors);
        let verified = email.as_ref().is_some_and(|e| draft.register.email_verified.as_deref() == Some(&e.key()));
        if !verified {
            if let Some(email) = &email {
                // A try of the code is used only when every other answer is right.
                let others_ok = errors.is_empty() && phone_errors.is_empty() && username.is_some();
                let address = email.key();
                if verify_code(locale, ports, key, CodePurpose::Register, &address, &form.code, others_ok, &mut errors)
                    .await?
                {
                    draft.register.email_verified = Some(email.key());
                }
            }
        }
        for (field, message) in phone_errors.items() {
            errors.push(&field, message);
        }
        if !errors.is_empty() || username.is_none() {
            draft.flash = Flash { errors, notice: None };
            return Ok(false);
        }
        let Some(password) = password else {
            if keep_password {
                draft.register.basic_done = true;
                draft.flash = Flash::default();
                return Ok(true);
            }
            return Ok(false);
        };
        draft.register.password_hash = Some(hash(password).await?);
        draft.register.basic_done = true;
        draft.flash = Flash::default();
        Ok(true)
    }
}

/// Step 1's page data; shows the last submission's errors once.
#[server(endpoint = "register_basic_page")]
pub async fn register_basic_page() -> Result<Gate<Box<BasicForm>>, AppError> {
    let ports = crate::ssr::ports()?;
    let mut visit = match register_step(&ports, RegisterStep::Basic).await?.shown() {
        Ok(visit) => visit,
        Err(gate) => return Ok(gate),
    };
    let flash = visit.take_flash(&ports).await?;
    let r = &visit.draft.register;
    let email_verified =
        r.email_verified.is_some() && r.email_verified.as_deref() == Some(&r.email.trim().to_lowercase());
    Ok(Gate::Show(Box::new(BasicForm {
        summary: visit.summary.clone(),
        site: r.site.clone(),
        username: r.username.clone(),
        email: r.email.clone(),
        phone: r.phone.clone(),
        email_verified,
        password_kept: r.basic_done && r.password_hash.is_some(),
        resend_wait: visit.draft.resend_wait("register", crate::ssr::ports::now()),
        username_taken: flash.errors.field("username").as_deref()
            == Some(td_string!(crate::messages::request_locale(), err_username_taken)),
        errors: flash.errors,
        notice: flash.notice,
    })))
}

/// The step 1 form. `intent` is `send_code` (the Send code button) or anything else (Continue).
#[server(endpoint = "register_basic")]
pub async fn register_basic(
    site: Option<String>,
    username: Option<String>,
    password: Option<String>,
    confirm_password: Option<String>,
    email: Option<String>,
    code: Option<String>,
    phone: Option<String>,
    intent: Option<String>,
) -> Result<(), AppError> {
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = register_step(&ports, RegisterStep::Basic).await?.for_post(REGISTER_BASIC) else {
        return Ok(());
    };
    let form = ssr::Submitted {
        site: site.unwrap_or_default(),
        username: username.unwrap_or_default(),
        password: password.unwrap_or_default(),
        confirm_password: confirm_password.unwrap_or_default(),
        email: email.unwrap_or_default(),
        code: code.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
    };
    let draft = &mut visit.draft;
    draft.register.site = form.site.trim().to_owned();
    draft.register.username = form.username.trim().to_owned();
    draft.register.email = form.email.trim().to_owned();
    draft.register.phone = form.phone.trim().to_owned();
    let locale = crate::messages::request_locale();
    let next = if Intent::parse(intent.as_deref()) == Intent::SendCode {
        ssr::ask_for_code(locale, &ports, &visit.key, &form, draft).await?;
        format!("{REGISTER_BASIC}#code")
    } else if ssr::submit(locale, &ports, &visit.key, &form, draft).await? {
        next_step(&visit.register_progress()).to_owned()
    } else {
        REGISTER_BASIC.to_owned()
    };
    visit.finish(&ports, &next).await
}

/// "Is this you?": a taken username may be the buyer's own — the link branch is one press away.
#[component]
fn OtherBranch() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let action = <crate::wizard::start::ChooseBranch as leptos::server_fn::ServerFn>::url();
    view! {
        <div class="notice" data-testid="other-branch">
            <h2 class="notice-title">{t!(i18n, other_branch_title)}</h2>
            <p>{t!(i18n, other_branch_text)}</p>
            <form method="post" action=action>
                <input type="hidden" name="branch" value="link" />
                <Button label=td_string!(locale, other_branch_button) kind=ButtonKind::Secondary small=true />
            </form>
        </div>
    }
}

/// `/activate/register`.
#[component]
pub fn RegisterBasicPage() -> impl IntoView {
    wizard_page(register_basic_page, |form| view! { <BasicFormView form=*form /> }.into_any())
}

#[component]
fn BasicFormView(form: BasicForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let has_errors = !form.errors.is_empty();
    let title = crate::messages::page_title(locale, has_errors, td_string!(locale, basic_title));
    let errors = form.errors.clone();
    let e = move |field: &str| errors.field(field);
    let action = <RegisterBasic as leptos::server_fn::ServerFn>::url();
    let site_error = form.errors.group("site");
    let site_check = BrowserCheck::worded(
        "site",
        FieldRule::Choice,
        "site-cn2",
        FieldMessages::new(locale, td_string!(locale, subject_site), td_string!(locale, err_site_required)),
    );
    view! {
        <Title text=title />
        <a class="back-link" href=ACTIVATE>
            {t!(i18n, back)}
        </a>
        {has_errors.then(|| view! { <crate::ui::ErrorSummary errors=form.errors.clone() /> })}
        <StepIndicator step=1 total=REGISTER_STEPS />
        <h1>{t!(i18n, basic_title)}</h1>
        <p>
            {t!(i18n, activating_before)}
            <strong class="aws-account">{form.summary.aws_account_id.display_grouped()}</strong>
            {t!(i18n, activating_after)}
        </p>
        {form.notice.clone().map(|notice| view! { <Notice text=notice /> })}
        {form.username_taken.then(|| view! { <OtherBranch /> })}
        <form id="page-form" method="post" action=action novalidate>
            // Enter in any field continues (the first submit button in a form is its default).
            <button
                type="submit"
                name="intent"
                value="continue"
                class="implicit-submit"
                tabindex="-1"
                aria-hidden="true"
            >
                {t!(i18n, button_continue)}
            </button>
            <div class="form-group" class:form-group-error=site_error.is_some() data-check=site_check.attr()>
                <fieldset aria-describedby=site_error.as_ref().map(|_| "site-error")>
                    <legend class="legend-s">{t!(i18n, answer_site)}</legend>
                    <p class="hint">{t!(i18n, site_hint)}</p>
                    {site_error.clone().map(|message| view! { <ErrorMessage id="site-error" message /> })}
                    {Site::AWS
                        .into_iter()
                        .map(|site| {
                            let id = format!("site-{}", site.code());
                            view! {
                                <div class="radio">
                                    <input
                                        type="radio"
                                        id=id.clone()
                                        name="site"
                                        value=site.code()
                                        checked=form.site == site.code()
                                    />
                                    <label for=id>{site_name(locale, site)}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
            </div>
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
                hint=if form.password_kept {
                    td_string!(locale, password_kept_hint)
                } else {
                    td_string!(locale, password_hint)
                }
                error=e("password")
                live=!form.password_kept
            />
            <PasswordField
                id="confirm_password"
                label=td_string!(locale, label_confirm_password)
                autocomplete="new-password"
                error=e("confirm_password")
                confirms="password"
            />
            <TextField
                live=FieldRule::Email
                id="email"
                label=td_string!(locale, answer_email)
                kind="email"
                value=form.email.clone()
                autocomplete="email"
                hint=td_string!(locale, email_hint)
                error=e("email")
            />
            <SendCodeButton field="email" sent_to=form.resend_wait.0.clone() wait_secs=form.resend_wait.1 />
            {if form.email_verified {
                view! {
                    <Notice kind=NoticeKind::Success id="code" announce=false text=td_string!(locale, email_verified) />
                }
                    .into_any()
            } else {
                view! { <CodeField error=e("code") /> }.into_any()
            }}
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
            <Button label=td_string!(locale, button_continue) intent="continue" />
        </form>
    }
}
