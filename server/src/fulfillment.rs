//! `POST /marketplace/aws`: AWS Marketplace's fulfillment URL. Resolves the registration token with AWS,
//! records the customer, opens an activation session and sends the buyer to the wizard. Every refusal is a
//! 4xx page in plain words, and nothing is stored unless everything succeeded.

use crate::aws::ResolveError;
use crate::html::page;
use crate::AppState;
use app::domain::{AwsAccountId, MarketplaceToken, ProductCode};
use app::i18n::{td_string, Locale};
use app::ssr::ports::{now, ResolvedCustomer};
use app::ssr::session::{cookie_name, SessionId};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use leptos::prelude::*;
use serde::Deserialize;

/// Largest form body accepted (a token is at most 2 KiB).
pub const BODY_LIMIT: usize = 16 * 1024;

#[derive(Debug, Deserialize)]
pub struct FulfillmentForm {
    #[serde(rename = "x-amzn-marketplace-token")]
    token: Option<String>,
}

/// Why a fulfillment was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    MissingToken,
    InvalidToken,
    ExpiredToken,
    ForeignProduct,
    /// Posted from a page that is neither AWS Marketplace's nor ours (`Origin` / `Referer`): an attacker's
    /// page planting its own activation session in a victim's browser.
    ForeignOrigin,
    Unavailable,
}

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Refusal::MissingToken | Refusal::InvalidToken | Refusal::ExpiredToken => StatusCode::BAD_REQUEST,
            Refusal::ForeignProduct | Refusal::ForeignOrigin => StatusCode::FORBIDDEN,
            Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn outcome(self) -> &'static str {
        match self {
            Refusal::MissingToken => "missing_token",
            Refusal::InvalidToken => "invalid_token",
            Refusal::ExpiredToken => "expired_token",
            Refusal::ForeignProduct => "foreign_product",
            Refusal::ForeignOrigin => "foreign_origin",
            Refusal::Unavailable => "unavailable",
        }
    }

    fn reason(self, locale: Locale) -> &'static str {
        match self {
            Refusal::MissingToken => td_string!(locale, refused_missing_token),
            Refusal::InvalidToken => td_string!(locale, refused_invalid_token),
            Refusal::ExpiredToken => td_string!(locale, refused_expired_token),
            Refusal::ForeignProduct => td_string!(locale, refused_foreign_product),
            Refusal::ForeignOrigin => td_string!(locale, refused_foreign_origin),
            Refusal::Unavailable => td_string!(locale, refused_unavailable),
        }
    }

    /// The refusal as a page in the buyer's language, pointing back to the buyer's marketplace.
    fn page(self, locale: Locale, marketplace: &str) -> Response {
        metrics::counter!("portal_fulfillment_total", "outcome" => self.outcome()).increment(1);
        let reason = self.reason(locale);
        let retry_later = self == Refusal::Unavailable;
        let heading = td_string!(locale, refused_heading);
        let body = page(
            heading,
            view! {
                <h1>{heading}</h1>
                <p data-testid="reason">{reason}</p>
                {retry_later.then(|| view! { <p>{td_string!(locale, refused_retry_later)}</p> })}
                <p>
                    {td_string!(locale, refused_return_before)}
                    <strong>{td_string!(locale, set_up_your_account)}</strong>
                    {td_string!(locale, refused_return_after)}
                </p>
                <p>
                    <a href=marketplace.to_owned()>{td_string!(locale, refused_subscriptions_link)}</a>
                </p>
            },
        );
        (self.status(), Html(body)).into_response()
    }
}

/// `POST /marketplace/aws`: a redirect into the wizard, or the refusal's page in the buyer's language
/// (`Accept-Language`).
pub async fn fulfill(
    state: State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    form: Result<Form<FulfillmentForm>, FormRejection>,
) -> Response {
    // Our own pages (the dev simulation page) say so with Sec-Fetch-Site; their Origin is `null` under our
    // `Referrer-Policy: no-referrer`.
    let ours = headers.get("sec-fetch-site").is_some_and(|v| v == "same-origin");
    let marketplace = state.ports.links.marketplace.clone();
    let started = match posted_from(&headers) {
        Some(origin) if !ours && !origin_allowed(&origin, &state.fulfillment_origins, &state.ports.public_url) => {
            tracing::warn!(target: "security", event = "fulfillment_refused", %origin, detail = "a foreign origin");
            Err(Refusal::ForeignOrigin)
        }
        _ => resolve_and_start(state, jar, form).await,
    };
    match started {
        Ok(started) => started.into_response(),
        Err(refusal) => {
            let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
            refusal.page(app::messages::locale_from_accept_language(accept), &marketplace)
        }
    }
}

async fn resolve_and_start(
    State(state): State<AppState>,
    jar: CookieJar,
    form: Result<Form<FulfillmentForm>, FormRejection>,
) -> Result<(CookieJar, Redirect), Refusal> {
    let token = match form {
        Ok(Form(FulfillmentForm { token: Some(token) })) => token,
        Ok(_) => return Err(Refusal::MissingToken),
        Err(rejection) => {
            tracing::info!(%rejection, "fulfillment form refused");
            return Err(Refusal::InvalidToken);
        }
    };
    let token = MarketplaceToken::parse(&token).map_err(|e| match e {
        app::domain::FieldError::Required => Refusal::MissingToken,
        _ => Refusal::InvalidToken,
    })?;
    let resolved = state.marketplace.resolve_customer(&token).await.map_err(|e| match e {
        ResolveError::InvalidToken => Refusal::InvalidToken,
        ResolveError::ExpiredToken => Refusal::ExpiredToken,
        ResolveError::Unavailable(detail) => {
            tracing::error!(%detail, "ResolveCustomer failed");
            Refusal::Unavailable
        }
    })?;
    let customer = accept(resolved, &state.ports.product_code)?;

    let id = SessionId::generate();
    let record = state.ports.store.record_fulfillment(&customer, &id.key(), now()).await.map_err(|e| {
        tracing::error!(error = %e, "recording the fulfillment failed");
        Refusal::Unavailable
    })?;
    metrics::counter!("portal_fulfillment_total", "outcome" => "accepted").increment(1);
    tracing::info!(account = %customer.aws_account_id, "activation session started");
    // Events AWS sent before the buyer registered (e.g. a failed payment) apply now.
    match crate::lifecycle::LifecycleStore::apply_waiting_events(state.store.as_ref(), record.id, now()).await {
        Ok(applied) if !applied.is_empty() => tracing::info!(events = applied.len(), "waiting events applied"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "waiting events not applied"),
    }
    // Contract listings: read what the customer is entitled to now. A failure does not stop the buyer; the
    // next `entitlement-updated` event (or registration) reads them again.
    if let Err(e) = crate::entitlements::refresh(
        state.store.as_ref(),
        &state.marketplace,
        record.id,
        customer.aws_account_id.as_str(),
        customer.product_code.as_str(),
        now(),
    )
    .await
    {
        tracing::warn!(error = %e, account = %customer.aws_account_id, "entitlements not read at registration");
    }

    let cookie = Cookie::build((cookie_name(state.secure_cookies), id.as_str().to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .path("/");
    Ok((jar.add(cookie), Redirect::to(app::paths::ACTIVATE)))
}

/// AWS Marketplace's pages that post the registration token (the Set Up Your Account button), by default:
/// the global marketplace and console, and the China marketplace (`PORTAL_FULFILLMENT_ORIGINS` replaces
/// the list). `*.` matches any subdomain (regional consoles).
pub const DEFAULT_FULFILLMENT_ORIGINS: [&str; 6] = [
    "https://aws.amazon.com",
    "https://console.aws.amazon.com",
    "https://*.console.aws.amazon.com",
    "https://awsmarketplace.amazonaws.cn",
    "https://console.amazonaws.cn",
    "https://*.console.amazonaws.cn",
];

/// Where the POST says it comes from: `Origin`, else the origin of `Referer`; `None` when neither is sent.
fn posted_from(headers: &HeaderMap) -> Option<String> {
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("invalid").to_owned());
    if let Some(origin) = text(axum::http::header::ORIGIN) {
        return Some(origin);
    }
    text(axum::http::header::REFERER).map(|referer| origin_of(&referer))
}

/// Whether `origin` is one of `allowed` (exact, or `scheme://*.domain` for its subdomains) or the portal's own
/// (`public_url`: the dev simulation page posts from there).
pub fn origin_allowed(origin: &str, allowed: &[String], public_url: &str) -> bool {
    let own = origin_of(public_url);
    if origin.eq_ignore_ascii_case(&own) {
        return true;
    }
    allowed.iter().any(|pattern| match pattern.split_once("://*.") {
        Some((scheme, domain)) => origin
            .strip_prefix(scheme)
            .and_then(|rest| rest.strip_prefix("://"))
            .and_then(|host| host.strip_suffix(domain))
            .is_some_and(|sub| {
                sub.len() > 1
                    && sub.ends_with('.')
                    && sub[..sub.len() - 1]
                        .split('.')
                        .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            }),
        None => origin.eq_ignore_ascii_case(pattern),
    })
}

/// `scheme://host[:port]` of a URL (the whole text when it has no scheme).
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split(['/', '?', '#']).next().unwrap_or_default()),
        None => url.to_owned(),
    }
}

/// Checks what AWS answered: our product, and a well-formed account id.
fn accept(resolved: crate::aws::Resolved, ours: &ProductCode) -> Result<ResolvedCustomer, Refusal> {
    let product = resolved.product_code.as_deref().map(ProductCode::parse);
    match product {
        Some(Ok(product)) if &product == ours => {}
        _ => return Err(Refusal::ForeignProduct),
    }
    let Some(Ok(account)) = resolved.customer_aws_account_id.as_deref().map(AwsAccountId::parse) else {
        tracing::error!(?resolved.customer_aws_account_id, "ResolveCustomer returned no usable account id");
        return Err(Refusal::Unavailable);
    };
    Ok(ResolvedCustomer {
        aws_account_id: account,
        product_code: ours.clone(),
        customer_identifier: resolved.customer_identifier,
        license_arn: resolved.license_arn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Resolved;

    fn resolved(product: Option<&str>, account: Option<&str>) -> Resolved {
        Resolved {
            customer_aws_account_id: account.map(str::to_owned),
            product_code: product.map(str::to_owned),
            customer_identifier: Some("c".into()),
            license_arn: None,
        }
    }

    #[test]
    fn only_our_product_with_a_real_account_is_accepted() {
        let ours = ProductCode::parse("guance-dev").expect("product");
        let ok = accept(resolved(Some("guance-dev"), Some("123456789012")), &ours).expect("accepted");
        assert_eq!(ok.aws_account_id.as_str(), "123456789012");
        assert_eq!(accept(resolved(Some("other"), Some("123456789012")), &ours), Err(Refusal::ForeignProduct));
        assert_eq!(accept(resolved(None, Some("123456789012")), &ours), Err(Refusal::ForeignProduct));
        assert_eq!(accept(resolved(Some("guance-dev"), None), &ours), Err(Refusal::Unavailable));
        assert_eq!(accept(resolved(Some("guance-dev"), Some("12")), &ours), Err(Refusal::Unavailable));
    }

    #[test]
    fn only_aws_marketplaces_pages_and_ours_may_post_a_token() {
        let allowed: Vec<String> = DEFAULT_FULFILLMENT_ORIGINS.iter().map(|s| s.to_string()).collect();
        let own = "https://activate.example.com";
        for ok in [
            "https://aws.amazon.com",
            "https://console.aws.amazon.com",
            "https://us-east-1.console.aws.amazon.com",
            "https://awsmarketplace.amazonaws.cn",
            "https://cn-northwest-1.console.amazonaws.cn",
            "https://activate.example.com",
        ] {
            assert!(origin_allowed(ok, &allowed, own), "{ok}");
        }
        for bad in [
            "https://evil.example",
            "null",
            "http://aws.amazon.com",
            "https://aws.amazon.com.evil.example",
            "https://evilaws.amazon.com",
            "https://.console.aws.amazon.com",
            "https://a..console.aws.amazon.com",
            "https://x_y.console.aws.amazon.com",
            "https://activate.example.com.evil.example",
            "invalid",
        ] {
            assert!(!origin_allowed(bad, &allowed, own), "{bad}");
        }
        let mut headers = HeaderMap::new();
        assert_eq!(posted_from(&headers), None, "neither header: allowed (AWS may send none)");
        headers
            .insert(axum::http::header::REFERER, "https://aws.amazon.com/marketplace/library?x=1".parse().expect("h"));
        assert_eq!(posted_from(&headers).as_deref(), Some("https://aws.amazon.com"));
        headers.insert(axum::http::header::ORIGIN, "https://evil.example".parse().expect("h"));
        assert_eq!(posted_from(&headers).as_deref(), Some("https://evil.example"), "Origin wins");
    }

    #[test]
    fn buyer_mistakes_are_4xx_and_only_our_outages_are_5xx() {
        for refusal in [Refusal::MissingToken, Refusal::InvalidToken, Refusal::ExpiredToken, Refusal::ForeignProduct] {
            assert!(refusal.status().is_client_error(), "{refusal:?}");
        }
        assert!(Refusal::Unavailable.status().is_server_error());
    }
}
