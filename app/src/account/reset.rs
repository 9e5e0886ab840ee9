//! Forgot password: `/forgot-password` asks for a username or email and mails a link (the wizard's code
//! rules and limits, but a 192-bit secret instead of 6 digits); opening the link — in this browser or any other
//! — proves the account, and `/forgot-password/reset` then takes a new password (the wizard's password rules)
//! within 10 minutes. The answer is the same whether or not an account matches; a reset ends every login
//! session of the account.
//!
//! The flow lives in the visitor's login session (tower-sessions): its own random id, to which the link's
//! secret is bound as the wizard's codes are to the activation session, the address it went to, and the
//! account (if any). The link is `/forgot-password/reset?link=<flow id>.<secret>`; opening it moves the proof
//! into the opener's session and redirects to the bare URL, so the secret leaves the address bar at once.

use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::page_title;
#[cfg(feature = "ssr")]
use crate::paths::RESET_PASSWORD;
use crate::paths::{FORGOT_PASSWORD, LOGIN};
use crate::ui::{Button, ButtonKind, Notice, PasswordField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// A username or an email address: no longer than an email may be.
#[cfg(feature = "ssr")]
const MAX_IDENTIFIER: usize = 254;

/// What the reset page shows: what was asked for, whether the link proved it, and the last submission's
/// outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetForm {
    pub identifier: String,
    /// The link was opened: the page asks for the new password.
    pub proven: bool,
    /// The link opened does not work (used, expired, replaced, or not a link of ours).
    pub link_refused: bool,
    /// (field id, message) of the last submission, in the form's order.
    pub errors: FormErrors,
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::domain::codes::CodePurpose;
    pub use crate::ssr::draft::Flash;
    use crate::ssr::ports::{now, CodeSubject};
    use crate::ssr::session::SessionId;
    use crate::ssr::unavailable;
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
        /// Set when the link was opened: the new password is taken until then.
        #[serde(default)]
        pub proven_until: Option<i64>,
        #[serde(default)]
        pub flash: Flash,
    }

    impl Flow {
        pub fn key(&self) -> Option<crate::ssr::session::SessionKey> {
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
    pub async fn mail_reset_done(ports: &crate::ssr::ports::Ports, locale: crate::i18n::Locale, flow: &Flow) {
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
        let mail = crate::ssr::ports::OutgoingMail {
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
        let ports = crate::ssr::ports()?;
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
                    proven_until: None,
                    flash: Flash::default(),
                }
            }
        };
        let key = flow.key().ok_or_else(|| unavailable("password reset flow id"))?;
        let deliver_to = flow.mail_to.as_deref().and_then(|to| crate::domain::Email::parse(to).ok());
        let subject = CodeSubject { address: flow.address.clone(), deliver_to };
        flow.flash = Flash::default();
        flow.proven_until = None;
        let link_prefix = format!("{}{RESET_PASSWORD}?link={}.", ports.public_url, flow.id);
        let who = match flow.account {
            Some(id) => crate::ssr::security_log::Subject::Account(id),
            None => crate::ssr::security_log::Subject::Username(&flow.identifier),
        };
        let matched = if flow.account.is_some() { "an account matches" } else { "no account matches" };
        crate::ssr::security_log::record(crate::ssr::security_log::Event::ResetRequested, who, matched).await;
        match ports.codes.send_link(&key, CodePurpose::PasswordReset, &subject, &link_prefix, locale, now()).await {
            Err(e) => return Err(unavailable(e)),
            Ok(Err(refusal)) => {
                flow.flash.errors.push("resend", crate::messages::link_refusal(locale, refusal));
            }
            Ok(Ok(())) => {}
        }
        save(session, &flow).await
    }

    /// Opens a reset link (`<flow id>.<secret>`): when its secret is the live one of its flow, the account it
    /// was mailed for becomes this session's proven flow. Returns whether it did.
    pub async fn open_link(session: &Session, link: &str) -> Result<bool, AppError> {
        let ports = crate::ssr::ports()?;
        let locale = crate::messages::request_locale();
        let Some((flow_id, secret)) = link.split_once('.') else { return Ok(false) };
        let well_formed =
            secret.len() == 32 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let Some(id) = SessionId::from_cookie(flow_id).filter(|_| well_formed) else { return Ok(false) };
        let key = id.key();
        let purpose = CodePurpose::PasswordReset;
        let Some(address) = ports.store.live_code_address(&key, purpose).await.map_err(unavailable)? else {
            return Ok(false);
        };
        let verdict =
            ports.codes.check_secret(&key, purpose, &address, secret, locale, now()).await.map_err(unavailable)?;
        // Only an account's address was ever mailed a link.
        let account = address.strip_prefix("account:").and_then(|id| id.parse::<i64>().ok());
        let (Ok(()), Some(account)) = (verdict, account) else { return Ok(false) };
        let Some(account) = ports.store.account_by_id(account).await.map_err(unavailable)? else {
            return Ok(false);
        };
        let flow = Flow {
            id: id.as_str().to_owned(),
            identifier: account.username.clone(),
            address,
            account: Some(account.id),
            mail_to: Some(account.email),
            personal: vec![account.username],
            proven_until: Some(now() + crate::domain::codes::CODE_TTL_SECS),
            flash: Flash::default(),
        };
        // A new session id for the proof (as at log in): a session id planted before cannot carry it.
        session.cycle_id().await.map_err(unavailable)?;
        save(session, &flow).await?;
        Ok(true)
    }
}

/// **Send link** on `/forgot-password` (and **Send a new link** on the reset page).
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(identifier: Option<String>) -> Result<(), AppError> {
    let identifier = identifier.unwrap_or_default().trim().to_owned();
    if identifier.is_empty() {
        leptos_axum::redirect(&format!("{FORGOT_PASSWORD}?error=required"));
        return Ok(());
    }
    if identifier.chars().count() > MAX_IDENTIFIER {
        leptos_axum::redirect(&format!("{FORGOT_PASSWORD}?error=too_long"));
        return Ok(());
    }
    let session = crate::account::ssr::session().await?;
    ssr::request(&session, &identifier).await?;
    leptos_axum::redirect(RESET_PASSWORD);
    Ok(())
}

/// **Change password**: the new password, once the link was opened; on success every login session of the
/// account ends and the visitor goes to `/login` to use the new password.
#[server(endpoint = "reset_password")]
pub async fn reset_password(password: Option<String>, confirm_password: Option<String>) -> Result<(), AppError> {
    use crate::ssr::checks::{hash, new_password};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let session = crate::account::ssr::session().await?;
    let Some(mut flow) = ssr::load(&session).await? else {
        leptos_axum::redirect(FORGOT_PASSWORD);
        return Ok(());
    };
    let locale = crate::messages::request_locale();
    let (Some(until), Some(account)) = (flow.proven_until, flow.account) else {
        // The link was not opened: the page still says to open it.
        leptos_axum::redirect(RESET_PASSWORD);
        return Ok(());
    };
    if crate::ssr::ports::now() > until {
        flow.proven_until = None;
        flow.flash =
            ssr::Flash { errors: FormErrors::one("resend", td_string!(locale, err_reset_expired)), notice: None };
        ssr::save(&session, &flow).await?;
        leptos_axum::redirect(RESET_PASSWORD);
        return Ok(());
    }
    let mut errors = FormErrors::default();
    let personal: Vec<&str> = flow.personal.iter().map(String::as_str).collect();
    let password = new_password(
        locale,
        &password.unwrap_or_default(),
        &confirm_password.unwrap_or_default(),
        &personal,
        &mut errors,
    );
    match password {
        Some(password) => {
            ports.store.set_password(account, &hash(password).await?).await.map_err(unavailable)?;
            session.remove::<ssr::Flow>(ssr::FLOW).await.map_err(unavailable)?;
            ssr::mail_reset_done(&ports, locale, &flow).await;
            let subject = crate::ssr::security_log::Subject::Account(account);
            crate::ssr::security_log::record(
                crate::ssr::security_log::Event::PasswordReset,
                subject,
                "every session ended",
            )
            .await;
            leptos_axum::redirect(&format!("{LOGIN}?reset=done"));
        }
        None => {
            flow.flash = ssr::Flash { errors, notice: None };
            ssr::save(&session, &flow).await?;
            leptos_axum::redirect(RESET_PASSWORD);
        }
    }
    Ok(())
}

/// The reset page's data (its flash taken out). With `link`, the link is opened first: the visitor is sent
/// to the bare page when it works, and told when it does not. Without a link or a flow, the visitor is sent
/// to `/forgot-password` (`None`).
#[server(endpoint = "reset_page")]
pub async fn reset_page(link: Option<String>) -> Result<Option<ResetForm>, AppError> {
    let session = crate::account::ssr::session().await?;
    if let Some(link) = link {
        if ssr::open_link(&session, &link).await? {
            leptos_axum::redirect(RESET_PASSWORD);
            return Ok(None);
        }
        let event = crate::ssr::security_log::Event::ResetLinkRefused;
        crate::ssr::security_log::record(
            event,
            crate::ssr::security_log::Subject::Nobody,
            "used, expired, replaced or forged",
        )
        .await;
        return Ok(Some(ResetForm { link_refused: true, ..ResetForm::default() }));
    }
    let Some(mut flow) = ssr::load(&session).await? else {
        leptos_axum::redirect(FORGOT_PASSWORD);
        return Ok(None);
    };
    let flash = std::mem::take(&mut flow.flash);
    if !flash.is_empty() {
        ssr::save(&session, &flow).await?;
    }
    Ok(Some(ResetForm {
        identifier: flow.identifier,
        proven: flow.proven_until.is_some(),
        link_refused: false,
        errors: flash.errors,
    }))
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
        <a class="back-link" href=LOGIN>
            {t!(i18n, back)}
        </a>
        {error
            .clone()
            .map(|message| view! { <crate::ui::ErrorSummary errors=FormErrors::one("identifier", message) /> })}
        <h1>{t!(i18n, forgot_title)}</h1>
        <p>{t!(i18n, forgot_intro)}</p>
        <form method="post" action=action novalidate>
            <crate::ui::TextField
                id="identifier"
                label=td_string!(locale, label_identifier)
                value=""
                autocomplete="username"
                error=error
            />
            <Button label=td_string!(locale, forgot_send_link) />
        </form>
    }
}

/// `/forgot-password/reset` (and the link mailed to the account, `?link=…`).
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let link = use_query_map().with_untracked(|q| q.get("link"));
    let data = Resource::new_blocking(move || link.clone(), reset_page);
    view! {
        <Suspense fallback=|| {
            view! { <crate::ui::Loading /> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(form)) => view! { <ResetView form /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(err) => view! { <crate::ui::ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResetView(form: ResetForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    if form.link_refused {
        return view! {
            <Title text=page_title(locale, true, td_string!(locale, reset_title)) />
            <h1>{t!(i18n, reset_title)}</h1>
            <p>{t!(i18n, reset_link_invalid)}</p>
            <p>
                <a href=FORGOT_PASSWORD>{t!(i18n, reset_link_again)}</a>
            </p>
        }
        .into_any();
    }
    let errors = form.errors.clone();
    let has_errors = !errors.is_empty();
    let e = move |field: &str| errors.field(field);
    let title = page_title(locale, has_errors, td_string!(locale, reset_title));
    let summary = has_errors.then(|| view! { <crate::ui::ErrorSummary errors=form.errors.clone() /> });
    let back = view! {
        <a class="back-link" href=FORGOT_PASSWORD>
            {t!(i18n, reset_other_identifier)}
        </a>
    };
    if form.proven {
        let change = <ResetPassword as leptos::server_fn::ServerFn>::url();
        let intro = td_string!(locale, reset_for, username = form.identifier.clone()).to_string();
        return view! {
            <Title text=title />
            {back}
            {summary}
            <h1>{t!(i18n, reset_title)}</h1>
            <p>{intro}</p>
            <form method="post" action=change novalidate>
                <PasswordField
                    id="password"
                    label=td_string!(locale, label_new_password)
                    autocomplete="new-password"
                    hint=td_string!(locale, password_hint)
                    error=e("password")
                    live=true
                />
                <PasswordField
                    id="confirm_password"
                    label=td_string!(locale, label_confirm_new_password)
                    autocomplete="new-password"
                    error=e("confirm_password")
                    confirms="password"
                />
                <Button label=td_string!(locale, button_change_password) busy_on_press=true />
            </form>
        }
        .into_any();
    }
    let sent = td_string!(locale, reset_sent, identifier = form.identifier.clone()).to_string();
    let resend = <ForgotPassword as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=title />
        {back}
        {summary}
        <h1>{t!(i18n, reset_title)}</h1>
        <Notice text=sent />
        <form id="resend" method="post" action=resend>
            <input type="hidden" name="identifier" value=form.identifier.clone() />
            <Button label=td_string!(locale, reset_send_new_link) kind=ButtonKind::Secondary />
        </form>
    }
    .into_any()
}
