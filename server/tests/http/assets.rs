//! Assets go out precompressed and are cached for a year; pages and server-function answers are compressed on
//! the fly and never stored.

use super::common;

const ACCOUNT: &str = "123456789012";
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};
use reqwest::StatusCode;

#[tokio::test]
async fn assets_are_sent_precompressed_and_kept_a_year_pages_compressed_and_never_stored() {
    // The hashes cargo-leptos writes beside the server binary (here: this test binary), read at start.
    let hashes = server::assets::hash_file(&leptos::prelude::LeptosOptions::builder().output_name("portal").build());
    std::fs::write(&hashes, "js: abc123\nwasm: abc123\ncss: abc123\n").expect("hash file");
    let portal = common::start_hashed(&[]).await;
    let pkg = portal.site_root().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg");
    let raw = "export function hydrate() {}\n".repeat(64);
    std::fs::write(pkg.join("portal.abc123.js"), &raw).expect("js");
    std::fs::write(pkg.join("portal.abc123.js.br"), b"brotli bytes").expect("br");
    std::fs::write(pkg.join("portal.abc123.js.gz"), b"gzip bytes").expect("gz");
    let cookie = portal.subscribe_via(&portal, ACCOUNT).await;
    let get = |path: &str, accept: Option<&str>| {
        let mut req = portal.http.get(format!("{}{path}", portal.base)).header("cookie", &cookie);
        if let Some(accept) = accept {
            req = req.header(ACCEPT_ENCODING, accept);
        }
        req.send()
    };

    for (accept, encoding, body) in [
        (Some("br, gzip"), Some("br"), "brotli bytes"),
        (Some("gzip"), Some("gzip"), "gzip bytes"),
        (None, None, &raw[..]),
    ] {
        let res = get("/pkg/portal.abc123.js", accept).await.expect("asset");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CACHE_CONTROL], server::assets::IMMUTABLE, "accepting {accept:?}");
        assert_eq!(res.headers().get(CONTENT_ENCODING).map(|v| v.to_str().expect("ascii")), encoding);
        assert_eq!(res.text().await.expect("body"), body);
    }
    let missing = get("/pkg/portal.def456.js", Some("br")).await.expect("missing");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_ne!(
        missing.headers().get(CACHE_CONTROL).map(|v| v.to_str().expect("ascii")),
        Some(server::assets::IMMUTABLE)
    );

    // A page: compressed for a client that accepts it, as is for one that does not; never stored.
    for (accept, encoding) in [(Some("br"), Some("br")), (Some("gzip"), Some("gzip")), (None, None)] {
        let mut req = portal.http.get(format!("{}/activate", portal.base)).header("cookie", &cookie);
        if let Some(accept) = accept {
            req = req.header(ACCEPT_ENCODING, accept);
        }
        let res = req.send().await.expect("page");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get(CONTENT_ENCODING).map(|v| v.to_str().expect("ascii")), encoding);
        assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    }
    // A server function's answer too.
    let res = portal
        .http
        .post(format!("{}/api/get_activation", portal.base))
        .header("cookie", &cookie)
        .header(ACCEPT_ENCODING, "br")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("server function");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(CONTENT_ENCODING).map(|v| v.to_str().expect("ascii")), Some("br"));
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    let page = get("/activate", None).await.expect("page").text().await.expect("body");
    assert!(page.contains("/pkg/portal.abc123.css") && page.contains("/pkg/portal.abc123.js"), "{page}");
}
