//! Forgot password: `/forgot-password` asks for a username or email and mails a code (the wizard's code
//! rules), `/forgot-password/reset` takes the code and a new password (the wizard's password rules). The answer
//! is the same whether or not an account matches; a reset ends every login session of the account.
//!
//! The flow lives in the visitor's login session (tower-sessions): its own random id, to which the codes are
//! bound as the wizard's are to the activation session, the address the code went to, and the account (if any).

use crate::api::AppError;
use crate::components::{Button, ButtonKind, Notice, PasswordField};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::page_title;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

pub const REQUEST: &str = "/forgot-password";
#[cfg(feature = "ssr")]
pub const RESET: &str = "/forgot-password/reset";
/// A username or an email address: no longer than an email may be.
#[cfg(feature = "ssr")]
const MAX_IDENTIFIER: usize = 254;

/// What the reset page shows: what was asked for, and the last submission's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetForm {
    pub identifier: String,
    /// (field id, message) of the last submission, in the form's order.
    pub errors: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::api::unavailable;
    use crate::domain::codes::CodePurpose;
    pub use crate::draft::Flash;
    use crate::ports::{now, CodeSubject};
    use crate::session::SessionId;
    use tower_sessions::Session;

    pub const FLOW: &str = "password_reset";

    /// A password reset in progress.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Flow {
        /// The flow's random id (codes are bound to its SHA-256).
        pub id: String,
        /// What the visitor typed.
        pub identifier: String,
        /// Where the codes are recorded (and, for an account, mailed).
        pub address: String,
        /// The account, when one matched, and its email address; never shown.
        pub account: Option<i64>,
        pub mail_to: Option<String>,
        /// Words a password must not be built from: what the visitor typed. Not the account's other name or
        /// address — a strength message mentioning those would tell a stranger which username goes with an
        /// email.
        pub personal: Vec<String>,
        #[serde(default)]
        pub flash: Flash,
    }

    impl Flow {
        pub fn key(&self) -> Option<crate::session::SessionKey> {
            SessionId::from_cookie(&self.id).map(|id| id.key())
        }
    }

    pub async fn load(session: &Session) -> Result<Option<Flow>, AppError> {
        session.get(FLOW).await.map_err(unavailable)
    }

    pub async fn save(session: &Session, flow: &Flow) -> Result<(), AppError> {
        session.insert(FLOW, flow).await.map_err(unavailable)
    }

    /// Starts (or, for the same identifier, continues) a flow and asks for a code; a refusal (too soon, the
    /// hourly limit) is kept for the reset page to show.
    /// Tells the account's owner that its password was changed (a reset they did not make means someone
    /// reads their mailbox). A failure to mail is logged; the reset stands.
    pub async fn mail_reset_done(ports: &crate::ports::Ports, locale: crate::i18n::Locale, flow: &Flow) {
        let Some(to) = flow.mail_to.clone() else { return };
        let Ok(time) = time::OffsetDateTime::from_unix_timestamp(now()) else { return };
        let time = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            time.year(),
            u8::from(time.month()),
            time.day(),
            time.hour(),
            time.minute()
        );
        let mail = crate::ports::OutgoingMail {
            to,
            subject: td_string!(locale, mail_reset_done_subject).to_owned(),
            text: td_string!(
                locale,
                mail_reset_done_text,
                username = flow.identifier.as_str(),
                time = time.as_str(),
                base = ports.public_url.as_str()
            )
            .to_string(),
            valid_until: None,
        };
        if let Err(e) = ports.mailer.send(mail).await {
            leptos::logging::error!("the password-changed notice was not sent: {e}");
        }
    }

    pub async fn request(session: &Session, identifier: &str) -> Result<(), AppError> {
        let ports = crate::api::ports()?;
        let locale = crate::messages::request_locale();
        let earlier = load(session).await?.filter(|flow| flow.identifier == identifier);
        let mut flow = match earlier {
            Some(flow) => flow,
            None => {
                let account = ports.store.reset_account(identifier).await.map_err(unavailable)?;
                let address = match &account {
                    Some(a) => format!("account:{}", a.id),
                    None => format!("reset:{}", identifier.to_lowercase()),
                };
                Flow {
                    id: SessionId::generate().as_str().to_owned(),
                    identifier: identifier.to_owned(),
                    address,
                    account: account.as_ref().map(|a| a.id),
                    mail_to: account.map(|a| a.email),
                    personal: vec![identifier.to_owned()],
                    flash: Flash::default(),
                }
            }
        };
        let key = flow.key().ok_or_else(|| unavailable("password reset flow id"))?;
        let deliver_to = flow.mail_to.as_deref().and_then(|to| crate::domain::Email::parse(to).ok());
        let subject = CodeSubject { address: flow.address.clone(), deliver_to };
        flow.flash = Flash::default();
        match ports.codes.send_code(&key, CodePurpose::PasswordReset, &subject, locale, now()).await {
            Err(e) => return Err(unavailable(e)),
            Ok(Err(refusal)) => {
                flow.flash.errors.push(("code".into(), crate::messages::send_refusal(locale, refusal)));
            }
            Ok(Ok(())) => {}
        }
        save(session, &flow).await
    }
}

/// **Send code** on `/forgot-password` (and **Send a new code** on the reset page).
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(identifier: Option<String>) -> Result<(), AppError> {
    let identifier = identifier.unwrap_or_default().trim().to_owned();
    if identifier.is_empty() {
        leptos_axum::redirect(&format!("{REQUEST}?error=required"));
        return Ok(());
    }
    if identifier.chars().count() > MAX_IDENTIFIER {
        leptos_axum::redirect(&format!("{REQUEST}?error=too_long"));
        return Ok(());
    }
    let session = crate::account::server::session().await?;
    server::request(&session, &identifier).await?;
    leptos_axum::redirect(RESET);
    Ok(())
}

/// **Change password**: the code, then the new password; on success every login session of the account ends
/// and the visitor goes to `/login` to use the new password.
#[server(endpoint = "reset_password")]
pub async fn reset_password(
    code: Option<String>,
    password: Option<String>,
    confirm_password: Option<String>,
) -> Result<(), AppError> {
    use crate::api::unavailable;
    use crate::domain::codes::CodePurpose;
    use crate::register::server::{hash, new_password, verify_code};
    let ports = crate::api::ports()?;
    let session = crate::account::server::session().await?;
    let Some(mut flow) = server::load(&session).await? else {
        leptos_axum::redirect(REQUEST);
        return Ok(());
    };
    let key = flow.key().ok_or_else(|| unavailable("password reset flow id"))?;
    let locale = crate::messages::request_locale();
    let mut errors = Vec::new();
    let personal: Vec<&str> = flow.personal.iter().map(String::as_str).collect();
    // The password first: a code is used up when it is right, so it is only checked with a good password.
    let password = new_password(
        locale,
        &password.unwrap_or_default(),
        &confirm_password.unwrap_or_default(),
        &personal,
        &mut errors,
    );
    let code = code.unwrap_or_default();
    let verified = match &password {
        Some(_) => {
            let mut code_errors = Vec::new();
            let ok =
                verify_code(locale, &ports, &key, CodePurpose::PasswordReset, &flow.address, &code, &mut code_errors)
                    .await?;
            errors.splice(0..0, code_errors);
            ok
        }
        None => false,
    };
    match (password, verified, flow.account) {
        (Some(password), true, Some(account)) => {
            ports.store.set_password(account, &hash(password).await?).await.map_err(unavailable)?;
            session.remove::<server::Flow>(server::FLOW).await.map_err(unavailable)?;
            server::mail_reset_done(&ports, locale, &flow).await;
            leptos_axum::redirect("/login?reset=done");
        }
        // A right code with no account behind it cannot happen (nothing was mailed); answer as if it did.
        (Some(_), true, None) => {
            session.remove::<server::Flow>(server::FLOW).await.map_err(unavailable)?;
            leptos_axum::redirect("/login?reset=done");
        }
        _ => {
            flow.flash = server::Flash { errors, notice: None };
            server::save(&session, &flow).await?;
            leptos_axum::redirect(RESET);
        }
    }
    Ok(())
}

/// The reset page's data (its flash taken out), or `None` without a flow (then the page sends the visitor
/// to `/forgot-password`).
#[server(endpoint = "reset_page")]
pub async fn reset_page() -> Result<Option<ResetForm>, AppError> {
    let session = crate::account::server::session().await?;
    let Some(mut flow) = server::load(&session).await? else {
        leptos_axum::redirect(REQUEST);
        return Ok(None);
    };
    let flash = std::mem::take(&mut flow.flash);
    if !flash.is_empty() {
        server::save(&session, &flow).await?;
    }
    Ok(Some(ResetForm { identifier: flow.identifier, errors: flash.errors }))
}

/// `/forgot-password`.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let error = use_query_map().with_untracked(|q| match q.get("error").as_deref() {
        Some("required") => Some(td_string!(locale, err_identifier_required).to_owned()),
        Some("too_long") => Some(td_string!(locale, err_identifier_too_long).to_owned()),
        _ => None,
    });
    let action = <ForgotPassword as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, error.is_some(), td_string!(locale, forgot_title)) />
        <a class="back-link" href="/login">{t!(i18n, back)}</a>
        {error.clone().map(|message| view! { <crate::pages::ErrorSummary items=vec![("identifier".to_owned(), message)] /> })}
        <h1>{t!(i18n, forgot_title)}</h1>
        <p>{t!(i18n, forgot_intro)}</p>
        <form method="post" action=action novalidate>
            <crate::components::TextField id="identifier" label=td_string!(locale, label_identifier) value=""
                autocomplete="username" error=error />
            <Button label=td_string!(locale, send_code) />
        </form>
    }
}

/// `/forgot-password/reset`.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| reset_page());
    view! {
        <Suspense fallback=|| view! { <crate::pages::Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(form)) => view! { <ResetView form /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(err) => view! { <crate::pages::ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResetView(form: ResetForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let errors = form.errors.clone();
    let has_errors = !errors.is_empty();
    let e = move |field: &str| errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone());
    let sent = td_string!(locale, reset_sent, identifier = form.identifier.clone()).to_string();
    let change = <ResetPassword as leptos::server_fn::ServerFn>::url();
    let resend = <ForgotPassword as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, reset_title)) />
        <a class="back-link" href=REQUEST>{t!(i18n, reset_other_identifier)}</a>
        {has_errors.then(|| view! { <crate::pages::ErrorSummary items=form.errors.clone() /> })}
        <h1>{t!(i18n, reset_title)}</h1>
        <Notice text=sent />
        <form method="post" action=change novalidate>
            <crate::components::CodeField error=e("code") />
            <PasswordField id="password" label=td_string!(locale, label_new_password)
                autocomplete="new-password" hint=td_string!(locale, password_hint) error=e("password") />
            <PasswordField id="confirm_password" label=td_string!(locale, label_confirm_new_password)
                autocomplete="new-password" error=e("confirm_password") />
            <Button label=td_string!(locale, button_change_password) busy_on_press=true />
        </form>
        <form method="post" action=resend>
            <input type="hidden" name="identifier" value=form.identifier.clone() />
            <Button label=td_string!(locale, send_code) kind=ButtonKind::Secondary />
        </form>
    }
}
