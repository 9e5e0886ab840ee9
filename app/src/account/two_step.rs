//! Two-step verification (TOTP, RFC 6238, with `totp-rs`): a logged-in account turns it on at
//! `/billing/two-step` by scanning a QR code (or typing the key) into an authenticator app and entering the
//! code it shows; from then on a settlement change in the billing center asks for a current code too.
//!
//! A code is good for its 30-second step and the steps either side, once (the last accepted step is stored
//! and only a later one is taken, in one conditional write); wrong codes are counted per account, and after
//! [`MAX_WRONG_PER_DAY`] in 24 hours no code is checked until the oldest is a day old.

use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::page_title;
use crate::paths::BILLING;
#[cfg(feature = "ssr")]
use crate::paths::TWO_STEP;
use crate::ui::ErrorMessage;
use crate::ui::{Button, ButtonKind, Notice, NoticeKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Wrong codes an account may enter in 24 hours.
pub const MAX_WRONG_PER_DAY: i64 = 10;

/// What `/billing/two-step` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepSettings {
    pub enabled: bool,
    /// While off: the key to add to an authenticator app, in groups of four, its `otpauth://` URI and the
    /// URI as a QR code (SVG markup made on the server).
    pub key_groups: String,
    pub uri: String,
    pub qr_svg: String,
}

/// Why a two-step code was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Required,
    Wrong,
    /// [`MAX_WRONG_PER_DAY`] wrong codes in 24 hours.
    Locked,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Required => "required",
            Refusal::Wrong => "wrong",
            Refusal::Locked => "locked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Refusal::Required, Refusal::Wrong, Refusal::Locked].into_iter().find(|r| r.code() == s)
    }

    pub fn message(self, locale: crate::i18n::Locale) -> &'static str {
        match self {
            Refusal::Required => td_string!(locale, err_totp_required),
            Refusal::Wrong => td_string!(locale, err_totp_wrong),
            Refusal::Locked => td_string!(locale, err_totp_locked),
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::ssr::ports::Ports;
    use crate::ssr::unavailable;
    use totp_rs::{Builder, Secret, Totp};

    /// The session key of a secret offered but not yet confirmed.
    const PENDING: &str = "two_step_pending";

    fn totp(secret: &str, username: &str) -> Option<Totp> {
        let bytes = Secret::try_from_base32(secret).ok()?;
        Builder::new().with_secret(bytes).with_issuer(Some("Guance")).with_account_name(username).build().ok()
    }

    fn failures_key(account_id: i64) -> String {
        format!("two-step:{account_id}")
    }

    /// Checks `typed` against `secret` for `account_id`: the step it matches is used up. Wrong codes count
    /// towards the daily limit.
    pub async fn check(
        ports: &Ports,
        account_id: i64,
        secret: &str,
        typed: &str,
        now: i64,
    ) -> Result<Result<i64, Refusal>, AppError> {
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if typed.is_empty() {
            return Ok(Err(Refusal::Required));
        }
        let key = failures_key(account_id);
        if ports.store.login_failures(&key, now - 86_400).await.map_err(unavailable)? >= MAX_WRONG_PER_DAY {
            return Ok(Err(Refusal::Locked));
        }
        let step = totp(secret, "")
            .zip(u64::try_from(now).ok())
            .and_then(|(totp, now)| totp.check(&typed, now))
            .and_then(|step| i64::try_from(step).ok());
        if let Some(step) = step {
            return Ok(Ok(step));
        }
        ports.store.record_login_failure(&[key], now).await.map_err(unavailable)?;
        Ok(Err(Refusal::Wrong))
    }

    /// For an action that needs it: `Ok(())` when the account has two-step verification off, or `typed` is
    /// a current code not used before (which is then used up).
    pub async fn require(
        ports: &Ports,
        account_id: i64,
        typed: Option<&str>,
        now: i64,
    ) -> Result<Result<(), Refusal>, AppError> {
        let Some(two_step) = ports.store.two_step(account_id).await.map_err(unavailable)? else {
            return Ok(Ok(()));
        };
        let step = match check(ports, account_id, &two_step.secret, typed.unwrap_or_default(), now).await? {
            Ok(step) => step,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if ports.store.use_two_step(account_id, step).await.map_err(unavailable)? {
            Ok(Ok(()))
        } else {
            // The same code again (a replay, or a second tab): wrong now.
            Ok(Err(Refusal::Wrong))
        }
    }

    /// The page's data; while off, a fresh secret is offered (kept in the session until confirmed).
    pub async fn page(ports: &Ports, account_id: i64) -> Result<Option<TwoStepSettings>, AppError> {
        if ports.store.two_step(account_id).await.map_err(unavailable)?.is_some() {
            return Ok(Some(TwoStepSettings {
                enabled: true,
                key_groups: String::new(),
                uri: String::new(),
                qr_svg: String::new(),
            }));
        }
        let Some(account) = ports.store.account_by_id(account_id).await.map_err(unavailable)? else {
            return Ok(None);
        };
        let session = crate::account::ssr::session().await?;
        let pending: Option<String> = session.get(PENDING).await.map_err(unavailable)?;
        let secret = match pending {
            Some(secret) => secret,
            None => {
                // 160 bits from the operating system's CSPRNG (RFC 4226's recommendation).
                let mut bytes = [0u8; 20];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
                let secret = Secret::from(bytes.to_vec()).to_base32();
                session.insert(PENDING, &secret).await.map_err(unavailable)?;
                secret
            }
        };
        let Some(totp) = totp(&secret, &account.username) else { return Err(unavailable("two-step secret")) };
        let uri = totp.to_url().map_err(unavailable)?;
        let qr_svg = qrcode::QrCode::new(uri.as_bytes())
            .map_err(unavailable)?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build();
        // Inline in HTML: without the XML prolog.
        let qr_svg = qr_svg.find("<svg").map_or(qr_svg.clone(), |at| qr_svg[at..].to_owned());
        let key_groups =
            secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ");
        Ok(Some(TwoStepSettings { enabled: false, key_groups, uri, qr_svg }))
    }

    /// **Turn on**: the offered secret becomes the account's when `typed` is its current code.
    pub async fn turn_on(
        ports: &Ports,
        account_id: i64,
        typed: &str,
        now: i64,
    ) -> Result<Result<(), Refusal>, AppError> {
        let session = crate::account::ssr::session().await?;
        let Some(secret) = session.get::<String>(PENDING).await.map_err(unavailable)? else {
            return Ok(Err(Refusal::Wrong));
        };
        let step = match check(ports, account_id, &secret, typed, now).await? {
            Ok(step) => step,
            Err(refusal) => return Ok(Err(refusal)),
        };
        ports.store.enable_two_step(account_id, &secret, step).await.map_err(unavailable)?;
        session.remove::<String>(PENDING).await.map_err(unavailable)?;
        Ok(Ok(()))
    }
}

/// The data of `/billing/two-step`, or a redirect to `/login`.
#[server(endpoint = "two_step_page")]
pub async fn two_step_page() -> Result<Option<TwoStepSettings>, AppError> {
    let ports = crate::ssr::ports()?;
    let Some(user) = crate::account::ssr::user_or_login(crate::ssr::ports::now()).await? else {
        return Ok(None);
    };
    ssr::page(&ports, user.account_id).await
}

/// The two-step form's `intent`: turn it on, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    On,
    Off,
}

impl Turn {
    /// `on` or `off`: the form's value, and the billing center's `?two_step=`.
    pub fn code(self) -> &'static str {
        match self {
            Turn::On => "on",
            Turn::Off => "off",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Turn::On, Turn::Off].into_iter().find(|t| t.code() == code)
    }

    /// `off` turns it off; anything else is the page's other button, Turn on.
    pub fn parse(intent: Option<&str>) -> Self {
        intent.and_then(Self::from_code).unwrap_or(Turn::On)
    }
}

/// **Turn on** (with the code the app shows) and **Turn off** (with a current code): back to the page with
/// `?error=…`, or to the billing center with `?two_step=on|off`.
#[server(endpoint = "two_step")]
pub async fn two_step(intent: Option<String>, totp: Option<String>) -> Result<(), AppError> {
    use crate::ssr::security_log::{record as security, Event, Subject};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let now = crate::ssr::ports::now();
    let Some(user) = crate::account::ssr::user_or_login(now).await? else {
        return Ok(());
    };
    let typed = totp.unwrap_or_default();
    let turn = Turn::parse(intent.as_deref());
    let outcome = match turn {
        Turn::Off => {
            let outcome = ssr::require(&ports, user.account_id, Some(&typed), now).await?;
            if outcome.is_ok() {
                ports.store.disable_two_step(user.account_id).await.map_err(unavailable)?;
            }
            outcome
        }
        Turn::On => ssr::turn_on(&ports, user.account_id, &typed, now).await?,
    };
    let subject = Subject::Account(user.account_id);
    let done = turn.code();
    match (outcome, turn) {
        (Ok(()), Turn::On) => security(Event::TwoStepOn, subject, "").await,
        (Ok(()), Turn::Off) => security(Event::TwoStepOff, subject, "").await,
        (Err(refusal), _) => security(Event::TwoStepRefused, subject, format!("turn {done}: {}", refusal.code())).await,
    }
    match outcome {
        Ok(()) => leptos_axum::redirect(&format!("{BILLING}?two_step={done}")),
        Err(refusal) => leptos_axum::redirect(&format!("{TWO_STEP}?error={}", refusal.code())),
    }
    Ok(())
}

/// **Authenticator code**: the 6 digits the app shows now (form field `totp`).
#[component]
pub(crate) fn TotpField(error: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let described = if error.is_some() { "totp-hint totp-error" } else { "totp-hint" };
    view! {
        <div class="form-group" class:form-group-error=error.is_some()>
            <label for="totp">{t!(i18n, label_totp)}</label>
            <p class="hint" id="totp-hint">
                {t!(i18n, totp_hint)}
            </p>
            {error.clone().map(|message| view! { <ErrorMessage id="totp-error".to_owned() message /> })}
            <input
                class="input input-code"
                id="totp"
                name="totp"
                inputmode="numeric"
                autocomplete="one-time-code"
                aria-describedby=described
                aria-invalid=error.as_ref().map(|_| "true")
            />
        </div>
    }
}

/// `/billing/two-step`.
#[component]
pub fn TwoStepSettingsPage() -> impl IntoView {
    let error = use_query_map().with_untracked(|q| q.get("error").as_deref().and_then(Refusal::parse));
    let data = Resource::new_blocking(|| (), |_| two_step_page());
    view! {
        <Suspense fallback=|| {
            view! { <crate::ui::Loading /> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(page)) => view! { <TwoStepView page error /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(err) => view! { <crate::ui::ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TwoStepView(page: TwoStepSettings, error: Option<Refusal>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let message = error.map(|r| r.message(locale).to_owned());
    let action = <TwoStep as leptos::server_fn::ServerFn>::url();
    let summary = message.clone().map(|m| view! { <crate::ui::ErrorSummary errors=FormErrors::one("totp", m) /> });
    let body = if page.enabled {
        view! {
            <Notice kind=NoticeKind::Success text=td_string!(locale, two_step_is_on) />
            <p>{t!(i18n, two_step_off_intro)}</p>
            <form method="post" action=action novalidate>
                <input type="hidden" name="intent" value=Turn::Off.code() />
                <TotpField error=message />
                <Button label=td_string!(locale, button_turn_off) kind=ButtonKind::Secondary busy_on_press=true />
            </form>
        }
        .into_any()
    } else {
        view! {
            <p>{t!(i18n, two_step_intro)}</p>
            <ol class="steps">
                <li>
                    {t!(i18n, two_step_scan)}
                    <div
                        class="qr"
                        role="img"
                        aria-label=td_string!(locale, two_step_qr_label)
                        inner_html=page.qr_svg
                    ></div> <p>
                        <a href=page.uri>{t!(i18n, two_step_open_app)}</a>
                    </p>
                </li>
                <li>
                    {t!(i18n, two_step_key)} " "<code class="key" data-testid="two-step-key">
                        {page.key_groups}
                    </code>
                </li>
                <li>{t!(i18n, two_step_enter)}</li>
            </ol>
            <form method="post" action=action novalidate>
                <input type="hidden" name="intent" value=Turn::On.code() />
                <TotpField error=message />
                <Button label=td_string!(locale, button_turn_on) busy_on_press=true />
            </form>
        }
        .into_any()
    };
    view! {
        <Title text=page_title(locale, error.is_some(), td_string!(locale, two_step_title)) />
        <a class="back-link" href=BILLING>
            {t!(i18n, two_step_back)}
        </a>
        {summary}
        <h1>{t!(i18n, two_step_title)}</h1>
        {body}
    }
}
