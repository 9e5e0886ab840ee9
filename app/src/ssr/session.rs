//! The activation session's cookie: a random id that means nothing by itself. The database keeps only its
//! SHA-256, so a copy of the database cannot be replayed as a cookie.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Name of the cookie that carries the activation session id in dev (plain http).
pub const COOKIE: &str = "portal_activation";
/// Its name in prod: the `__Host-` prefix makes browsers refuse it unless it is `Secure`, for the whole
/// site (`Path=/`) and set by this very host (no `Domain`), so a sibling subdomain cannot plant one.
pub const SECURE_COOKIE: &str = "__Host-portal_activation";

/// The activation cookie's name: [`SECURE_COOKIE`] when cookies are `Secure` (prod), else [`COOKIE`].
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// An idle activation session ends after this many seconds (4 hours).
pub const IDLE_TIMEOUT_SECS: i64 = 4 * 60 * 60;

/// However busy, an activation session ends this long after it started (24 hours): a stolen or forgotten
/// cookie is not good forever.
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 24 * 60 * 60;
/// A page view moves the idle timer only when it is this old: showing a page writes at most once a minute per
/// session, and the idle rule still holds to the minute.
pub const TOUCH_EVERY_SECS: i64 = 60;
/// An AWS customer's unfinished activation is resumed by a new session for this long (30 days).
pub const RESUME_WITHIN_SECS: i64 = 30 * 24 * 60 * 60;

/// Whether a session started at `created_at` and last seen at `last_seen_at` has ended by `now`.
pub fn session_ended(created_at: i64, last_seen_at: i64, now: i64) -> bool {
    now - last_seen_at > IDLE_TIMEOUT_SECS || now - created_at > ABSOLUTE_TIMEOUT_SECS
}

/// The id as it travels in the cookie (32 random bytes, base64url).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts only what [`SessionId::generate`] could have produced.
    pub fn from_cookie(value: &str) -> Option<Self> {
        let decoded = URL_SAFE_NO_PAD.decode(value).ok()?;
        (decoded.len() == 32).then(|| Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keeps and looks up.
    pub fn key(&self) -> SessionKey {
        SessionKey(Sha256::digest(self.0.as_bytes()).to_vec())
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId(…)")
    }
}

/// SHA-256 of a [`SessionId`]: the store's primary key for the session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionKey(Vec<u8>);

impl SessionKey {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prod_cookies_are_host_only_and_sessions_end_idle_or_old() {
        assert_eq!(cookie_name(true), "__Host-portal_activation");
        assert_eq!(cookie_name(false), "portal_activation");
        assert!(!session_ended(0, IDLE_TIMEOUT_SECS, 2 * IDLE_TIMEOUT_SECS));
        assert!(session_ended(0, 0, IDLE_TIMEOUT_SECS + 1), "idle");
        assert!(session_ended(0, ABSOLUTE_TIMEOUT_SECS, ABSOLUTE_TIMEOUT_SECS + 1), "busy but a day old");
    }

    #[test]
    fn generated_ids_round_trip_and_differ() {
        let a = SessionId::generate();
        let b = SessionId::generate();
        assert_ne!(a, b);
        assert_eq!(SessionId::from_cookie(a.as_str()), Some(a.clone()));
        assert_eq!(a.key().as_bytes().len(), 32);
        assert_ne!(a.key(), b.key());
    }

    #[test]
    fn forged_or_malformed_cookies_are_refused() {
        assert_eq!(SessionId::from_cookie(""), None);
        assert_eq!(SessionId::from_cookie("not base64 !"), None);
        assert_eq!(SessionId::from_cookie("c2hvcnQ"), None);
    }
}
