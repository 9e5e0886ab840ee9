//! Page navigation in the browser: one document load per visit. Links to our pages and our forms' submissions
//! (Continue, Back, Change, Send code, Bind, the language switch, Log in…) are fetched — the same request the
//! browser would send, to the same server function or page — and the page the server answers is swapped in:
//! the header and `<main>`, the title, the language; the new page's islands are hydrated; the URL is updated
//! with the History API, so Back and Forward work (they fetch the page again: the server's draft is the truth).
//! After each change focus moves to the new page's heading (or the error summary takes it) and the page's
//! title is announced to screen readers.
//!
//! Leptos' islands router does the same by diffing whole documents node by node; this keeps the layout's
//! islands and swaps the content whole, sends the pressed button (`intent=send_code`), and falls back to the
//! browser's own navigation on anything it does not understand. Without JavaScript none of this runs.

use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};
use leptos::web_sys::{self, Element, HtmlAnchorElement, HtmlFormElement};
use std::cell::Cell;

thread_local! {
    /// The number of the latest navigation: an answer to an older one is dropped.
    static LATEST: Cell<u64> = const { Cell::new(0) };
    /// Whether [`install`] has run on this document.
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
    /// What runs on every page swapped in (see [`install`]).
    static ENHANCE: Cell<Option<fn()>> = const { Cell::new(None) };
    /// Whether a form is on its way (checked, then sent): another submission meanwhile sends nothing.
    static SENDING: Cell<bool> = const { Cell::new(false) };
    /// The address of the page shown, without its `#fragment`.
    static SHOWN: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The id of the live region that announces each new page (rendered by `PageLayout`, kept across pages).
const ANNOUNCER: &str = "page-announcer";
/// The request header that marks a page change in the browser, and the response header that carries a
/// redirect's target back (`server/src/navigation.rs`).
const NAVIGATION: &str = "portal-navigation";
const LOCATION: &str = "portal-location";
/// Redirects followed for one page change (the server's gate redirects once or twice).
const MAX_REDIRECTS: usize = 8;

/// How the History API records a navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum History {
    /// A link or a form: a new entry (replacing the current one when the server answered the same address).
    Push,
    /// Back or Forward: the browser has moved already.
    Pop,
}

/// What to fetch.
struct Visit {
    url: String,
    /// The form body of a POST (`application/x-www-form-urlencoded`), or `None` for a GET.
    form: Option<(HtmlFormElement, web_sys::UrlSearchParams)>,
}

/// Starts handling links, forms and Back/Forward on this page (once per document); `enhance` runs on every
/// page swapped in, after its islands (what the layout's islands do for the first page).
pub(crate) fn install(enhance: fn()) {
    ENHANCE.with(|slot| slot.set(Some(enhance)));
    // Nothing here may change the document while the page's islands are being hydrated (the loader walks
    // `<body>`'s live child list): the announcer is part of the layout (`PageLayout`).
    if INSTALLED.with(|done| done.replace(true)) {
        return;
    }
    SHOWN.with(|shown| *shown.borrow_mut() = without_fragment(&window().location().href().unwrap_or_default()));
    let _ = window_event_listener(leptos::ev::click, |ev| {
        if let Some(url) = link_target(&ev) {
            ev.prevent_default();
            go(Visit { url, form: None }, History::Push);
        }
    });
    let _ = window_event_listener(leptos::ev::submit, |ev| {
        if let Some(visit) = form_target(&ev) {
            ev.prevent_default();
            let submitter = ev.dyn_ref::<web_sys::SubmitEvent>().and_then(web_sys::SubmitEvent::submitter);
            submit(visit, submitter);
        }
    });
    let _ = window_event_listener(leptos::ev::popstate, |_| {
        let Ok(url) = window().location().href() else { return };
        // Back from a `#field` the error summary linked to is the same page: the browser only scrolls.
        if SHOWN.with(|shown| *shown.borrow() == without_fragment(&url)) {
            return;
        }
        go(Visit { url, form: None }, History::Pop);
    });
}

/// The page a click goes to, when it is a plain left click on a link to another page of this site.
fn link_target(ev: &web_sys::MouseEvent) -> Option<String> {
    if ev.default_prevented() || ev.button() != 0 || ev.meta_key() || ev.ctrl_key() || ev.shift_key() || ev.alt_key() {
        return None;
    }
    let target: Element = ev.target()?.dyn_into().ok()?;
    let link: HtmlAnchorElement = target.closest("a[href]").ok()??.dyn_into().ok()?;
    if !link.target().is_empty() || link.has_attribute("download") || link.rel().split(' ').any(|r| r == "external") {
        return None;
    }
    ours(&link.href())
}

/// `href` when it is a page of this site other than the one shown (a `#fragment` of this page stays the
/// browser's: the error summary's links to fields).
fn ours(href: &str) -> Option<String> {
    let url = web_sys::Url::new(href).ok()?;
    let here = web_sys::Url::new(&window().location().href().ok()?).ok()?;
    if url.origin() != here.origin() || url.pathname().starts_with("/pkg/") {
        return None;
    }
    let same_page = url.pathname() == here.pathname() && url.search() == here.search();
    if same_page && !url.hash().is_empty() {
        return None;
    }
    Some(url.href())
}

/// The request a form's submission makes (with the button that was pressed), when it is a GET or POST of an
/// ordinary form of this site.
fn form_target(ev: &web_sys::Event) -> Option<Visit> {
    if ev.default_prevented() {
        return None;
    }
    let form: HtmlFormElement = ev.target()?.dyn_into().ok()?;
    let submitter = ev.dyn_ref::<web_sys::SubmitEvent>().and_then(web_sys::SubmitEvent::submitter);
    let attr = |name: &str| submitter.as_ref().and_then(|s| s.get_attribute(name)).filter(|v| !v.is_empty());
    if !form.target().is_empty() || attr("formtarget").is_some() {
        return None;
    }
    let method = attr("formmethod").unwrap_or_else(|| form.method()).to_ascii_lowercase();
    let action = match attr("formaction") {
        Some(action) => web_sys::Url::new_with_base(&action, &form.base_uri().ok()??).ok()?.href(),
        None => form.action(),
    };
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    // The pressed button's own name and value, as the browser's submission sends them (`intent=send_code`).
    if let (Some(name), Some(button)) = (attr("name"), &submitter) {
        let value = button.get_attribute("value").unwrap_or_default();
        let _ = data.append_with_str(&name, &value);
    }
    let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    match method.as_str() {
        "get" => {
            let url = web_sys::Url::new(&action).ok()?;
            url.set_search(&String::from(params.to_string()));
            Some(Visit { url: ours(&url.href())?, form: None })
        }
        "post" => {
            let url = web_sys::Url::new(&action).ok()?;
            (url.origin() == window().location().origin().ok()?)
                .then(|| Visit { url: url.href(), form: Some((form, params)) })
        }
        _ => None,
    }
}

/// Sends a form once: checked in the browser first (`checks.rs`; not for a button marked `formnovalidate`, and
/// for one with `data-check-only` only that field), sent only when nothing is wrong, the pressed button busy
/// meanwhile; a submission while one is on its way sends nothing.
fn submit(visit: Visit, submitter: Option<web_sys::HtmlElement>) {
    if SENDING.with(|sending| sending.replace(true)) {
        return;
    }
    let attr = |name: &str| submitter.as_ref().and_then(|s| s.get_attribute(name));
    let (skip, only) = (attr("formnovalidate").is_some(), attr("data-check-only"));
    let busy = move |busy: bool| {
        if let Some(button) = &submitter {
            for name in ["aria-busy", "aria-disabled"] {
                let _ = if busy { button.set_attribute(name, "true") } else { button.remove_attribute(name) };
            }
        }
    };
    busy(true);
    leptos::task::spawn_local(async move {
        let problems = match (&visit.form, skip) {
            (Some((form, _)), false) => super::checks::check(form, only.as_deref()).await,
            _ => Vec::new(),
        };
        if problems.is_empty() {
            go(visit, History::Push);
        } else {
            SENDING.with(|sending| sending.set(false));
            busy(false);
            super::checks::summarise(&problems);
        }
    });
}

/// Fetches the page and shows it; on anything unexpected, lets the browser do it the ordinary way.
fn go(visit: Visit, history: History) {
    let number = LATEST.with(|latest| {
        latest.set(latest.get() + 1);
        latest.get()
    });
    leptos::task::spawn_local(async move {
        let fetched = fetch(&visit).await;
        SENDING.with(|sending| sending.set(false));
        match fetched {
            Ok((url, html)) if LATEST.with(Cell::get) == number => {
                // Passwords never come back from the server: what the buyer typed stays when the same page
                // comes back (Send code, or an error elsewhere on the form).
                let typed = same_page(&url).then(typed_passwords).unwrap_or_default();
                if show(&html).is_none() {
                    fall_back(&visit, Some(&url));
                    return;
                }
                record(&url, history);
                restore_passwords(&typed);
                settle();
            }
            Ok(_) => {} // a newer navigation has started: it decides what is shown
            Err(reached) => fall_back(&visit, reached.as_deref()),
        }
    });
}

/// The final address (after the server's redirects, with the `#fragment` a redirect names) and the HTML of the
/// page the server answers. A redirect comes as `Portal-Location` (see `server/src/navigation.rs`) and is
/// followed here, as a GET, at most [`MAX_REDIRECTS`] times. On failure: the address the server last sent
/// the buyer to, if it answered at all.
async fn fetch(visit: &Visit) -> Result<(String, String), Option<String>> {
    let get =
        |url: &str| gloo_net::http::Request::get(url).header(NAVIGATION, "1").header("accept", "text/html").build();
    let mut request = match &visit.form {
        None => get(&visit.url),
        Some((_, params)) => gloo_net::http::Request::post(&visit.url)
            .header(NAVIGATION, "1")
            .header("accept", "text/html")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(JsValue::from(params.clone())),
    }
    .map_err(|_| None)?;
    let mut url = visit.url.clone();
    let mut answered = false;
    for _ in 0..=MAX_REDIRECTS {
        let response = request.send().await.map_err(|_| answered.then(|| url.clone()))?;
        answered = true;
        if let Some(target) = response.headers().get(LOCATION) {
            url = web_sys::Url::new_with_base(&target, &url).map_err(|_| None)?.href();
            // Our own pages only: any other site is the browser's to load.
            let origin = web_sys::Url::new(&url).map(|u| u.origin()).ok();
            if origin != window().location().origin().ok() {
                return Err(Some(url));
            }
            request = get(&url).map_err(|_| Some(url.clone()))?;
            continue;
        }
        let html = response.headers().get("content-type").is_some_and(|t| t.starts_with("text/html"));
        if !html {
            return Err(Some(url));
        }
        return response.text().await.map(|text| (url.clone(), text)).map_err(|_| Some(url.clone()));
    }
    Err(Some(url))
}

/// The ordinary way: where the server last sent the buyer, loaded as a document; or, when it never answered,
/// the address or the form as the browser would have sent them.
fn fall_back(visit: &Visit, reached: Option<&str>) {
    match (reached, &visit.form) {
        (Some(url), _) => drop(window().location().assign(url)),
        (None, Some((form, _))) => drop(form.submit()),
        (None, None) => drop(window().location().assign(&visit.url)),
    }
}

/// Swaps the new page in: the page's language and title, every part of `<body>` but the layout's islands and
/// what persists (the announcer), then hydrates the new content's islands. `None` if the answer is not a page.
fn show(html: &str) -> Option<()> {
    let parsed = web_sys::DomParser::new().ok()?.parse_from_string(html, web_sys::SupportedType::TextHtml).ok()?;
    let (new_body, body) = (parsed.body()?, document().body()?);
    new_body.query_selector("main#main").ok()??;
    if let (Some(new_root), Some(root)) = (parsed.document_element(), document().document_element()) {
        for name in ["lang", "dir"] {
            if let Some(value) = new_root.get_attribute(name) {
                let _ = root.set_attribute(name, &value);
            }
        }
    }
    document().set_title(&parsed.title());
    if let (Ok(Some(new_meta)), Ok(Some(meta))) =
        (parsed.query_selector("meta[name=description]"), document().query_selector("meta[name=description]"))
    {
        let _ = meta.set_attribute("content", &new_meta.get_attribute("content").unwrap_or_default());
    }
    let kept = |el: &Element| el.tag_name().eq_ignore_ascii_case("leptos-island") || el.has_attribute("data-persist");
    for el in children(&body) {
        if !kept(&el) {
            el.remove();
        }
    }
    for el in children(&new_body) {
        if kept(&el) || el.tag_name().eq_ignore_ascii_case("script") {
            continue;
        }
        if let Ok(node) = document().adopt_node(&el) {
            let _ = body.append_child(&node);
        }
    }
    hydrate_islands(&body);
    if let Some(enhance) = ENHANCE.with(Cell::get) {
        enhance();
    }
    Some(())
}

/// The element children of `parent`, in order (collected: the collection is live).
fn children(parent: &Element) -> Vec<Element> {
    let all = parent.children();
    (0..all.length()).filter_map(|i| all.item(i)).collect()
}

/// Hydrates the islands of the swapped-in content (the layout's are live already), outermost only: an island
/// hydrates what it holds.
fn hydrate_islands(body: &Element) {
    let Ok(hydrate) = leptos::web_sys::js_sys::Reflect::get(&window(), &JsValue::from_str("__hydrateIsland")) else {
        return;
    };
    let Some(hydrate) = hydrate.dyn_ref::<leptos::web_sys::js_sys::Function>() else { return };
    let Ok(islands) = body.query_selector_all("main leptos-island, header leptos-island, footer leptos-island") else {
        return;
    };
    for i in 0..islands.length() {
        let Some(island) = islands.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
        let nested = island.parent_element().and_then(|p| p.closest("leptos-island").ok().flatten()).is_some();
        if nested {
            continue;
        }
        let id = island.get_attribute("data-component").unwrap_or_default();
        let _ = hydrate.call2(&JsValue::NULL, &island, &JsValue::from_str(&id));
    }
    if let Some(main) = document().get_element_by_id("main") {
        let _ = main.set_attribute("data-hydrated", "true");
    }
}

/// Whether `url` is the page shown now (whatever its `#fragment`).
fn same_page(url: &str) -> bool {
    let here = window().location();
    let (Ok(url), Ok(path), Ok(search)) = (web_sys::Url::new(url), here.pathname(), here.search()) else {
        return false;
    };
    url.pathname() == path && url.search() == search
}

/// The passwords typed in the page's forms (shown or hidden), by field id.
fn typed_passwords() -> Vec<(String, String)> {
    let Ok(fields) = document().query_selector_all("main .password-field input") else {
        return Vec::new();
    };
    (0..fields.length())
        .filter_map(|i| fields.item(i)?.dyn_into::<web_sys::HtmlInputElement>().ok())
        .filter(|input| !input.id().is_empty() && !input.value().is_empty())
        .map(|input| (input.id(), input.value()))
        .collect()
}

/// Puts typed passwords back into the empty fields of the same ids.
fn restore_passwords(typed: &[(String, String)]) {
    for (id, value) in typed {
        let field = document().get_element_by_id(id).and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(field) = field.filter(|f| f.value().is_empty()) {
            field.set_value(value);
        }
    }
}

/// `url` without its `#fragment`.
fn without_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or_default().to_owned()
}

/// Records the new address in the session history.
fn record(url: &str, history: History) {
    SHOWN.with(|shown| *shown.borrow_mut() = without_fragment(url));
    let Ok(session) = window().history() else { return };
    let here = window().location().href().unwrap_or_default();
    let _ = match history {
        History::Push if url != here => session.push_state_with_url(&JsValue::NULL, "", Some(url)),
        // The same address again (a form shown again with its errors), or Back/Forward redirected elsewhere.
        _ => session.replace_state_with_url(&JsValue::NULL, "", Some(url)),
    };
}

/// After a page change: focus on the error summary if the page has one, else on the element the address's
/// `#fragment` names (Send code leads to the code field), else on the new page's heading — scrolled to it —
/// and the new title announced.
fn settle() {
    let by_id = |id: &str| document().get_element_by_id(id);
    let fragment = window().location().hash().ok().filter(|hash| hash.len() > 1).and_then(|hash| by_id(&hash[1..]));
    let summary = document().query_selector("main .error-summary").ok().flatten();
    let heading = || document().query_selector("main h1").ok().flatten();
    let named = summary.is_none() && fragment.is_some();
    let target = summary.or(fragment).or_else(heading).and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if !named {
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
    if let Some(target) = target {
        let focusable = matches!(target.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON" | "A");
        if !focusable && !target.has_attribute("tabindex") {
            let _ = target.set_attribute("tabindex", "-1");
        }
        let _ = target.focus();
        if named {
            target.scroll_into_view();
        }
    }
    if let Some(announcer) = document().get_element_by_id(ANNOUNCER) {
        announcer.set_text_content(Some(&document().title()));
    }
}
