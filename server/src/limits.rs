//! Who a request comes from, and how often it may knock: per-client and per-session rate limits on the
//! posts an attacker would repeat (the fulfillment POST, log in, the forms that send codes, forgot password),
//! by GCRA (`governor`), in each instance's memory.
//!
//! The client's address is the TCP peer's, or — behind `PORTAL_TRUSTED_PROXY_HOPS` proxies that each append
//! to `X-Forwarded-For` — the address the outermost trusted proxy saw: the `hops`-th entry from the right.
//! Anything further left was written by the client and is never believed.

use app::ssr::ports::ClientAddr;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{COOKIE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

/// The kinds of post that are limited, each with its own budget per client and per session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// `POST /marketplace/aws`: every one resolves a token with AWS.
    Fulfillment,
    /// `POST /api/login` and `POST /api/operator_login`: password guessing.
    Login,
    /// The wizard's forms whose Send code mails a code.
    Codes,
    /// Forgot password: request and reset.
    Reset,
}

const GROUPS: [Group; 4] = [Group::Fulfillment, Group::Login, Group::Codes, Group::Reset];

impl Group {
    /// The group a request belongs to, if it is limited.
    pub fn of(method: &Method, path: &str) -> Option<Group> {
        if method != Method::POST {
            return None;
        }
        match path {
            "/marketplace/aws" => Some(Group::Fulfillment),
            // Log in, and the forms that check a two-step code (guessing it).
            "/api/login" | "/api/operator_login" | "/api/change_settlement" | "/api/two_step" => Some(Group::Login),
            "/api/register_basic" | "/api/link_billing" | "/api/link_create" => Some(Group::Codes),
            "/api/forgot_password" | "/api/reset_password" => Some(Group::Reset),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Keys kept before the limiters forget the ones that are back to a full budget.
const PRUNE_ABOVE: usize = 50_000;

pub struct RateLimits {
    limiters: Vec<DefaultKeyedRateLimiter<String>>,
    trusted_hops: usize,
    clock: DefaultClock,
}

impl RateLimits {
    /// `per_minute` posts of each group per client and per session (a burst of as many, then one every
    /// `60 / per_minute` seconds).
    pub fn new(per_minute: NonZeroU32, trusted_hops: usize) -> Self {
        let quota = Quota::per_minute(per_minute);
        Self {
            limiters: GROUPS.iter().map(|_| RateLimiter::keyed(quota)).collect(),
            trusted_hops,
            clock: DefaultClock::default(),
        }
    }

    /// The client's address (see the module's doc).
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        if self.trusted_hops == 0 {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        // Fewer entries than trusted proxies: the chain is not what was configured; the peer is all we know.
        let entry = forwarded.len().checked_sub(self.trusted_hops).and_then(|i| forwarded.get(i));
        entry.and_then(|e| e.parse().ok()).or(peer)
    }

    /// Whether one more post of `group` is allowed for every key; `Err(seconds)` to wait otherwise.
    fn check(&self, group: Group, keys: &[String]) -> Result<(), u64> {
        let limiter = &self.limiters[group.index()];
        if limiter.len() > PRUNE_ABOVE {
            limiter.retain_recent();
        }
        for key in keys {
            if let Err(not_until) = limiter.check_key(key) {
                return Err(not_until.wait_time_from(self.clock.now()).as_secs().max(1));
            }
        }
        Ok(())
    }
}

/// The session a request carries, if any: the activation or the login session's cookie value.
fn session_of(headers: &HeaderMap) -> Option<String> {
    const NAMES: [&str; 4] =
        [app::ssr::session::COOKIE, app::ssr::session::SECURE_COOKIE, crate::LOGIN_COOKIE, crate::SECURE_LOGIN_COOKIE];
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| NAMES.contains(name) && !value.is_empty() && value.len() <= 256)
        .map(|(_, value)| value.to_owned())
}

/// Puts the client's address on every request ([`ClientAddr`], for log in's throttling and the logs) and
/// answers `429` with `Retry-After` to a limited post over its client's or its session's budget.
pub async fn rate_limit(State(limits): State<Arc<RateLimits>>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let client = limits.client(peer, req.headers());
    if let Some(client) = client {
        req.extensions_mut().insert(ClientAddr(client));
    }
    if let Some(group) = Group::of(req.method(), req.uri().path()) {
        let mut keys: Vec<String> = client.map(|c| format!("client:{c}")).into_iter().collect();
        keys.extend(session_of(req.headers()).map(|s| format!("session:{s}")));
        if let Err(wait) = limits.check(group, &keys) {
            // Counted, and logged at debug only: a flood of refusals must not become a flood of log lines.
            tracing::debug!(target: "security", event = "rate_limited", ?group, client = ?client);
            metrics::counter!("portal_security_refusals_total", "kind" => "rate_limit").increment(1);
            let mut res = (
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many attempts from your browser. Wait {wait} seconds, then try again."),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
                res.headers_mut().insert(RETRY_AFTER, value);
            }
            return res;
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        map
    }

    #[test]
    fn the_client_is_the_peer_or_what_the_trusted_proxy_saw() {
        let peer: IpAddr = "10.0.0.5".parse().expect("ip");
        let spoofed = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7")]);
        assert_eq!(RateLimits::new(NonZeroU32::MIN, 0).client(Some(peer), &spoofed), Some(peer), "no proxy trusted");
        let one = RateLimits::new(NonZeroU32::MIN, 1);
        assert_eq!(one.client(Some(peer), &spoofed), Some("203.0.113.7".parse().expect("ip")), "the proxy's entry");
        let two = RateLimits::new(NonZeroU32::MIN, 2);
        assert_eq!(two.client(Some(peer), &spoofed), Some("6.6.6.6".parse().expect("ip")));
        let three = RateLimits::new(NonZeroU32::MIN, 3);
        assert_eq!(three.client(Some(peer), &spoofed), Some(peer), "a shorter chain than configured");
        let split = headers(&[("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(one.client(Some(peer), &split), Some("203.0.113.7".parse().expect("ip")));
        assert_eq!(one.client(Some(peer), &headers(&[("x-forwarded-for", "garbage")])), Some(peer));
    }

    #[test]
    fn only_the_repeatable_posts_are_limited() {
        assert_eq!(Group::of(&Method::POST, "/api/login"), Some(Group::Login));
        assert_eq!(Group::of(&Method::POST, "/api/operator_login"), Some(Group::Login), "operators' too");
        assert_eq!(Group::of(&Method::GET, "/api/login"), None);
        assert_eq!(Group::of(&Method::POST, "/marketplace/aws"), Some(Group::Fulfillment));
        assert_eq!(Group::of(&Method::POST, "/api/register_basic"), Some(Group::Codes));
        assert_eq!(Group::of(&Method::POST, "/api/forgot_password"), Some(Group::Reset));
        assert_eq!(Group::of(&Method::POST, "/api/choose_branch"), None);
    }

    #[test]
    fn a_client_or_a_session_over_budget_waits() {
        let limits = RateLimits::new(NonZeroU32::new(3).expect("3"), 0);
        let a = vec!["client:1.1.1.1".to_owned()];
        for _ in 0..3 {
            assert_eq!(limits.check(Group::Login, &a), Ok(()));
        }
        let wait = limits.check(Group::Login, &a).expect_err("over budget");
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(limits.check(Group::Codes, &a), Ok(()), "each group has its own budget");
        assert_eq!(limits.check(Group::Login, &["client:2.2.2.2".to_owned()]), Ok(()), "each client too");
        // One session from many addresses is one budget.
        let session = |ip: &str| vec![format!("client:{ip}"), "session:abc".to_owned()];
        for ip in ["3.3.3.1", "3.3.3.2", "3.3.3.3"] {
            assert_eq!(limits.check(Group::Reset, &session(ip)), Ok(()));
        }
        assert!(limits.check(Group::Reset, &session("3.3.3.4")).is_err());
        assert_eq!(session_of(&headers(&[("cookie", "a=b; portal_activation=xyz")])).as_deref(), Some("xyz"));
        assert_eq!(session_of(&headers(&[("cookie", "i18n_pref_locale=en")])), None);
    }
}
