//! The page layout: the site header with its language switch, and `<main>`.

use super::Enhancements;
use crate::error::AppError;
use crate::i18n::{t, td_string, use_i18n, Locale};
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

/// The header's language switch: a form (so it works without JavaScript) offering the other language, named in
/// that language; the choice is remembered in leptos_i18n's cookie and the page comes back in it.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let other = match locale {
        Locale::en => "zh",
        Locale::zh => "en",
    };
    let location = leptos_router::hooks::use_location();
    let search = location.search.get_untracked();
    let back = if search.is_empty() {
        location.pathname.get_untracked()
    } else {
        format!("{}?{}", location.pathname.get_untracked(), search.trim_start_matches('?'))
    };
    let action = <SetLanguage as leptos::server_fn::ServerFn>::url();
    view! {
        <form class="language-switch" method="post" action=action>
            <input type="hidden" name="back" value=back />
            <button
                type="submit"
                name="lang"
                value=other
                lang=other
                class="language-switch-button"
                aria-label=format!(
                    "{} – {}",
                    td_string!(locale, language_switch_label),
                    td_string!(locale, language_switch_to),
                )
            >
                {td_string!(locale, language_switch_to)}
            </button>
        </form>
    }
}

/// **Site header**: the brand and the language switch (which needs the router: it sends the buyer back to
/// the page they were on).
#[component]
pub(crate) fn SiteHeader() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="site-header">
            <span class="brand">{t!(i18n, site_brand)}</span>
            <span class="brand-sub">{t!(i18n, site_brand_sub)}</span>
            <LanguageSwitch />
        </header>
    }
}

/// **Page layout**: the [`SiteHeader`] and the page's content (children) in `<main id="main">`.
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
    }
}

/// The header's language switch: remembers `lang` (`en` or `zh`) in leptos_i18n's cookie for a year and goes
/// back to the page (a path of this site; anything else goes to `/activate`).
#[server(endpoint = "set_language")]
pub async fn set_language(lang: Option<String>, back: Option<String>) -> Result<(), AppError> {
    use crate::paths;
    let lang = if lang.as_deref() == Some("zh") { "zh" } else { "en" };
    let back = back.as_deref().and_then(paths::safe_back).unwrap_or(paths::ACTIVATE);
    crate::ssr::set_cookie(&format!("i18n_pref_locale={lang}; Path=/; Max-Age=31536000; SameSite=Lax"))?;
    leptos_axum::redirect(back);
    Ok(())
}
