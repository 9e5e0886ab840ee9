//! After activation: `/login` (one message for every failure, the same time whether or not the user exists,
//! throttled per account and per client address), logout, and the billing center `/billing`.
//!
//! Sessions are tower-sessions' (cookie + a row in our database): a new id at login, idle expiry 30 minutes
//! (the layer's), absolute expiry 12 hours (checked here), flushed at logout.

pub mod billing;
pub mod login;
pub mod reset;
pub mod two_step;
pub mod workspace;
pub mod yours;

#[cfg(feature = "ssr")]
use crate::error::AppError;

/// A login is good for 12 hours, however active.
#[cfg(feature = "ssr")]
pub const ABSOLUTE_SECS: i64 = 12 * 3600;

/// What the session remembers of the logged-in user.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionUser {
    pub account_id: i64,
    pub logged_in_at: i64,
    /// The account's session epoch at login; a password reset moves it on and so ends this session.
    #[serde(default)]
    pub epoch: i64,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::ssr::unavailable;
    use tower_sessions::Session;

    pub const USER: &str = "user";
    /// The cookie holding the username typed at the last failed log in, for the form to show once.
    pub const TYPED: &str = "login_typed";

    /// Sets [`TYPED`] (URL-safe base64 of the username).
    pub fn remember_typed(username: &str) -> Result<(), AppError> {
        use base64::Engine as _;
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(username);
        crate::ssr::set_cookie(&format!("{TYPED}={value}; Path=/login; Max-Age=60; HttpOnly; SameSite=Strict"))
    }

    /// The username [`remember_typed`] kept, if any (at most a username's length), and the cookie cleared.
    pub async fn take_typed() -> Result<String, AppError> {
        use base64::Engine as _;
        let jar: axum_extra::extract::CookieJar = leptos_axum::extract().await.map_err(unavailable)?;
        let Some(cookie) = jar.get(TYPED) else { return Ok(String::new()) };
        let typed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cookie.value())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|name| name.chars().count() <= crate::domain::Username::MAX)
            .unwrap_or_default();
        crate::ssr::set_cookie(&format!("{TYPED}=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict"))?;
        Ok(typed)
    }

    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(unavailable)
    }

    /// The logged-in user, ending the session when its 12 hours are over or the account's password was
    /// reset since (another session epoch).
    pub async fn current_user(session: &Session, now: i64) -> Result<Option<SessionUser>, AppError> {
        let user: Option<SessionUser> = session.get(USER).await.map_err(unavailable)?;
        let Some(user) = user else {
            return Ok(None);
        };
        let epoch = crate::ssr::ports()?.store.session_epoch(user.account_id).await.map_err(unavailable)?;
        if now - user.logged_in_at >= ABSOLUTE_SECS || epoch != Some(user.epoch) {
            session.flush().await.map_err(unavailable)?;
            return Ok(None);
        }
        Ok(Some(user))
    }

    /// The logged-in user; without one, the response redirects to `/login` — for a page, asking log in to
    /// come back to it.
    pub async fn user_or_login(now: i64) -> Result<Option<SessionUser>, AppError> {
        let user = current_user(&session().await?, now).await?;
        if user.is_none() {
            let page = leptos::prelude::use_context::<http::request::Parts>()
                .filter(|parts| parts.method == http::Method::GET)
                .and_then(|parts| parts.uri.path_and_query().map(|p| p.as_str().to_owned()));
            let target = page.map_or_else(|| crate::paths::LOGIN.to_owned(), |page| crate::paths::login_then(&page));
            leptos_axum::redirect(&target);
        }
        Ok(user)
    }

    /// Delay before answering a failed login, growing with the failures already seen: none for the first
    /// three, then 0.25 s doubling up to 4 s. Slows guessing without ever locking the real user out.
    pub fn delay_for(failures: i64) -> std::time::Duration {
        let steps = (failures - 3).clamp(0, 4) as u32;
        if failures < 3 {
            std::time::Duration::ZERO
        } else {
            std::time::Duration::from_millis(250 * 2u64.pow(steps))
        }
    }

    /// One log in's throttling (buyers' and operators'): the failures already counted in the last hour against
    /// its name (`account:NAME`, `operator:NAME`) and against the request's client address.
    pub struct Throttle {
        keys: Vec<String>,
        failures: i64,
    }

    impl Throttle {
        pub async fn read(name_key: String, at: i64) -> Result<Self, AppError> {
            let store = crate::ssr::ports()?.store;
            let client = leptos_axum::extract::<axum::Extension<crate::ssr::ports::ClientAddr>>()
                .await
                .ok()
                .map(|addr| format!("client:{}", addr.0 .0));
            let mut failures = 0;
            for key in std::iter::once(&name_key).chain(client.as_ref()) {
                failures = failures.max(store.login_failures(key, at - 3600).await.map_err(unavailable)?);
            }
            Ok(Throttle { keys: std::iter::once(name_key).chain(client).collect(), failures })
        }

        /// A success: the name's failures are forgotten (the client's stay).
        pub async fn succeeded(&self) -> Result<(), AppError> {
            let store = crate::ssr::ports()?.store;
            store.clear_login_failures(&self.keys[0]).await.map_err(unavailable)
        }

        /// A failure: counted against the name and the client, then the answer waits [`delay_for`] the
        /// failures seen before.
        pub async fn failed(&self, at: i64) -> Result<(), AppError> {
            let store = crate::ssr::ports()?.store;
            store.record_login_failure(&self.keys, at).await.map_err(unavailable)?;
            tokio::time::sleep(delay_for(self.failures)).await;
            Ok(())
        }
    }

    /// Whether `password` matches `hash`; with no hash (nobody of that name) a dummy one is verified, so both
    /// cases take the same time.
    pub async fn verify(password: String, hash: Option<String>) -> Result<bool, AppError> {
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        crate::ssr::checks::hashing(move || crate::ssr::checks::verify_password(&password, &hash))
            .await
            .map_err(unavailable)
    }

    /// A hash verified when the username is unknown, so both cases take the same time.
    pub fn dummy_hash() -> &'static str {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        DUMMY.get_or_init(|| {
            let random = format!("{:032x}", rand::random::<u128>());
            crate::domain::Password::parse(&random)
                .ok()
                .and_then(|p| crate::ssr::checks::hash_password(&p).ok())
                .unwrap_or_default()
        })
    }
}
