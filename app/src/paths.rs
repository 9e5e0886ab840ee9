//! The site's page addresses, and the one rule for a "go back to" address a visitor sends us.

pub const ACTIVATE: &str = "/activate";
pub const REGISTER_BASIC: &str = "/activate/register";
pub const REGISTER_COMPANY: &str = "/activate/register/company";
pub const REGISTER_WORKSPACE: &str = "/activate/register/workspace";
pub const REGISTER_CHECK: &str = "/activate/register/check";
/// The register branch's completion page, where every step sends the buyer once Activate has succeeded.
pub const REGISTER_DONE: &str = "/activate/register/done";
pub const LINK_BILLING: &str = "/activate/link";
pub const LINK_WORKSPACES: &str = "/activate/link/workspaces";
pub const LINK_CREATE: &str = "/activate/link/create";
/// Create workspace's two forms: for a buyer with a Guance account, and for one without.
pub const LINK_CREATE_EXISTING: &str = "/activate/link/create?account=existing";
pub const LINK_CREATE_NEW: &str = "/activate/link/create?account=new";
pub const LOGIN: &str = "/login";
pub const FORGOT_PASSWORD: &str = "/forgot-password";
pub const RESET_PASSWORD: &str = "/forgot-password/reset";
pub const BILLING: &str = "/billing";
pub const TWO_STEP: &str = "/billing/two-step";
/// "Your workspaces", where log in lands.
pub const YOUR_WORKSPACES: &str = "/workspaces";
/// `/workspaces/:id`: see [`workspace`].
pub const WORKSPACE_PREFIX: &str = "/workspaces/";
pub const DEV: &str = "/dev";
pub const GALLERY: &str = "/gallery";
/// Dev mode's sample terms (`PORTAL_TERMS_URL` names the real ones).
pub const TERMS: &str = "/terms";
/// The language switch's server function (`wizard::typed::set_language`).
pub const SET_LANGUAGE: &str = "/api/set_language";
/// The operator console (issue 20): log in, the customers (the console's first page), one customer
/// (`/operator/customers/<id>`: see [`operator_customer`]), metering records, webhooks. Every page but log in
/// answers 404 to anyone not logged in as an operator.
pub const OPERATOR_LOGIN: &str = "/operator/login";
pub const OPERATOR: &str = "/operator";
pub const OPERATOR_CUSTOMER_PREFIX: &str = "/operator/customers/";
pub const OPERATOR_METERING: &str = "/operator/metering";
pub const OPERATOR_WEBHOOKS: &str = "/operator/webhooks";
/// The CSV exports of the console's filtered lists (server routes, streamed).
pub const OPERATOR_CUSTOMERS_CSV: &str = "/operator/customers.csv";
pub const OPERATOR_METERING_CSV: &str = "/operator/metering.csv";
pub const OPERATOR_WEBHOOKS_CSV: &str = "/operator/webhooks.csv";
/// Where `/dev`'s form posts (the server's dev route, not a page).
pub const DEV_SUBSCRIBE: &str = "/dev/subscribe";

/// A workspace's start page.
pub fn workspace(id: i64) -> String {
    format!("{WORKSPACE_PREFIX}{id}")
}

/// One customer's page in the operator console.
pub fn operator_customer(id: i64) -> String {
    format!("{OPERATOR_CUSTOMER_PREFIX}{id}")
}

/// Every page a visitor may be sent back to (the language switch's `back`); with `/workspaces/<id>`, every
/// page of the route table (a test in `lib.rs` holds the two together).
pub const PAGES: [&str; 22] = [
    ACTIVATE,
    REGISTER_BASIC,
    REGISTER_COMPANY,
    REGISTER_WORKSPACE,
    REGISTER_CHECK,
    REGISTER_DONE,
    LINK_BILLING,
    LINK_WORKSPACES,
    LINK_CREATE,
    LOGIN,
    FORGOT_PASSWORD,
    RESET_PASSWORD,
    BILLING,
    YOUR_WORKSPACES,
    DEV,
    GALLERY,
    TERMS,
    OPERATOR_LOGIN,
    OPERATOR,
    OPERATOR_METERING,
    OPERATOR_WEBHOOKS,
    "/",
];

/// The longest `back` kept: anything longer is not one of our addresses.
pub const MAX_BACK_LEN: usize = 512;

/// `back` when it is one of this site's pages (a path of [`PAGES`] or `/workspaces/<id>`), with an optional
/// query of URL-safe characters and well-formed `%XX` escapes; `None` for anything else — another site
/// (`//host`, `/\host`, a tab or control character a browser strips), an unknown path, a fragment.
pub fn safe_back(back: &str) -> Option<&str> {
    if back.len() > MAX_BACK_LEN {
        return None;
    }
    let (path, query) = match back.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (back, None),
    };
    let numbered = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|id| !id.is_empty() && id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit()))
    };
    let known = PAGES.contains(&path) || numbered(WORKSPACE_PREFIX) || numbered(OPERATOR_CUSTOMER_PREFIX);
    if !known {
        return None;
    }
    if let Some(query) = query {
        let bytes = query.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    let hex = bytes.get(i + 1..i + 3)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    i += 3;
                    continue;
                }
                b if b.is_ascii_alphanumeric() || b"-._~=&+".contains(&b) => {}
                _ => return None,
            }
            i += 1;
        }
    }
    Some(back)
}

/// Where log in continues to: `next` when it is a page [`safe_back`] allows (or the two-step settings).
pub fn safe_next(next: &str) -> Option<&str> {
    safe_back(next).or_else(|| (next == TWO_STEP).then_some(next))
}

/// `/login`, asked to continue to `next` afterwards (when [`safe_next`] allows it).
pub fn login_then(next: &str) -> String {
    match next_param(next) {
        Some(next) => format!("{LOGIN}?next={next}"),
        None => LOGIN.to_owned(),
    }
}

/// `next` percent-encoded for a query, when [`safe_next`] allows it.
pub fn next_param(next: &str) -> Option<String> {
    safe_next(next).map(query_value)
}

/// `value` percent-encoded for a query (unreserved characters and `/` as they are).
pub fn query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len() + 8);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_in_continues_only_to_this_sites_pages() {
        assert_eq!(login_then("/billing"), "/login?next=/billing");
        assert_eq!(login_then("/workspaces/12"), "/login?next=/workspaces/12");
        assert_eq!(login_then("/billing?confirm=3&totp=x"), "/login?next=/billing%3Fconfirm%3D3%26totp%3Dx");
        assert_eq!(login_then(TWO_STEP), format!("/login?next={TWO_STEP}"));
        for elsewhere in ["//evil.example", "https://evil.example/", "/nowhere", ""] {
            assert_eq!(login_then(elsewhere), LOGIN, "{elsewhere}");
        }
        assert_eq!(safe_next("/activate"), Some("/activate"));
        assert_eq!(safe_next("/\\evil"), None);
    }

    /// The route table (`lib.rs`, whose `path!` takes literals) serves exactly these addresses.
    #[test]
    fn the_route_table_serves_every_page_here_and_no_other() {
        let lib = include_str!("lib.rs");
        let mut routed: Vec<&str> = lib.split("path!(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        routed.sort_unstable();
        let mut pages: Vec<&str> = PAGES.iter().copied().filter(|p| *p != "/").chain([TWO_STEP]).collect();
        pages.push("/workspaces/:id");
        pages.push("/operator/customers/:id");
        pages.sort_unstable();
        assert_eq!(routed, pages);
        assert_eq!(workspace(7), "/workspaces/7");
        for form in [LINK_CREATE_EXISTING, LINK_CREATE_NEW] {
            assert_eq!(form.split_once('?').map(|(page, _)| page), Some(LINK_CREATE));
        }
    }

    #[test]
    fn only_this_sites_pages_are_gone_back_to() {
        for ok in [
            "/activate",
            "/activate/link/create?account=existing",
            "/login?reset=done",
            "/workspaces/12",
            "/operator/customers/12",
            "/operator?q=123&state=active",
            "/activate?error=branch",
            "/forgot-password/reset?for=a%40b.example",
        ] {
            assert_eq!(safe_back(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "/%01",
            "/%09/evil.example",
            "/\t/evil.example",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/activate",
            "/activate/../login",
            "/activate/",
            "/workspaces/",
            "/workspaces/1x",
            "/operator/customers/",
            "/operator/customers/1/x",
            "/activate#main",
            "/login?next=https://evil.example",
            "/login?x=%zz",
            "/login?x=%4",
            "/login?a=b\r\nSet-Cookie:x=y",
            "/nowhere",
        ] {
            assert_eq!(safe_back(bad), None, "{bad:?}");
        }
        assert_eq!(safe_back(&format!("/activate?{}", "a".repeat(MAX_BACK_LEN))), None);
    }
}
