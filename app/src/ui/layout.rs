//! The page layout: the site header with its language switch, `<main>` and the site footer.

use super::language::LanguageSwitch;
use super::Enhancements;
use crate::i18n::{t, td_string, use_i18n};
use leptos::prelude::*;

/// Marks `<main>` with `data-hydrated="true"` once the page's islands are live in the browser, so that tests
/// (and people debugging) know the page is interactive. Effects never run on the server.
#[island]
fn HydrationMarker() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(main) = document().get_element_by_id("main") {
            let _ = main.set_attribute("data-hydrated", "true");
        }
    });
}

/// **Site header**: the brand and the language switch (which needs the router: it sends the buyer back to
/// the page they were on).
#[component]
pub(crate) fn SiteHeader() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="site-header">
            // Enter in a field of the page's wizard form submits that form as its own button does: this is its
            // first submit button in the document, ahead of the language switch that sends the form along.
            <button type="submit" form="page-form" class="implicit-submit" tabindex="-1" aria-hidden="true">
                {td_string!(i18n.get_locale_untracked(), button_continue)}
            </button>
            <span class="brand">{t!(i18n, site_brand)}</span>
            <span class="brand-sub">{t!(i18n, site_brand_sub)}</span>
            <LanguageSwitch />
        </header>
    }
}

/// **Site footer**: where to get help, the terms and the privacy notice (`PORTAL_SUPPORT_URL`,
/// `PORTAL_TERMS_URL`, `PORTAL_PRIVACY_URL`); the server renders it.
#[component]
pub(crate) fn SiteFooter() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    // (Rendered once without a request too, when the server lists its routes: the defaults then.)
    let links = use_context::<crate::ssr::ports::Ports>().map(|ports| ports.links.clone()).unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let links = crate::domain::links::SiteLinks::default();
    view! {
        <footer class="site-footer">
            <h2 class="visually-hidden">{t!(i18n, footer_heading)}</h2>
            <ul class="footer-links">
                <li>
                    <a href=links.support>{t!(i18n, footer_support)}</a>
                </li>
                <li>
                    <a href=links.terms>{t!(i18n, footer_terms)}</a>
                </li>
                <li>
                    <a href=links.privacy>{t!(i18n, footer_privacy)}</a>
                </li>
            </ul>
            <p class="footer-note">{t!(i18n, footer_note)}</p>
        </footer>
    }
}

/// **Page layout**: the [`SiteHeader`], the page's content (children) in `<main id="main">` and the
/// [`SiteFooter`].
#[component]
pub(crate) fn PageLayout(children: Children) -> impl IntoView {
    // The words the browser's own error summary uses (`checks.rs`), in the page's language.
    let locale = crate::messages::page_locale();
    let (prefix, summary_title) = (td_string!(locale, error_prefix), td_string!(locale, error_summary_title));
    view! {
        // Where a page change in the browser is announced (`navigation.rs`); first, so that it never
        // lengthens the page, and kept when the rest of the page is swapped.
        <p id="page-announcer" class="visually-hidden" aria-live="polite" data-persist=""></p>
        <SiteHeader />
        <HydrationMarker />
        <Enhancements />
        <main id="main" data-error-prefix=prefix data-error-summary-title=summary_title>
            {children()}
        </main>
        <SiteFooter />
    }
}
