//! The activation session's cookie: a random id that means nothing by itself. The database keeps only its
//! SHA-256, so a copy of the database cannot be replayed as a cookie.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Name of the cookie that carries the activation session id.
pub const COOKIE: &str = "portal_activation";

/// An idle activation session ends after this many seconds (4 hours).
pub const IDLE_TIMEOUT_SECS: i64 = 4 * 60 * 60;

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
