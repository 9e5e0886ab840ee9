//! The portal's pages, components, domain types and server-function surface.
//!
//! Compiled twice: with `ssr` into the server (pages render here; server functions run here and call the
//! ports), and with `hydrate` into the browser bundle, which holds only the `#[island]` components (Leptos
//! islands mode keeps the wasm small; forms post to server functions and work without JavaScript). Nothing server-only (sqlx, the
//! AWS SDK, mail) is reachable from here: the server provides implementations of [`ports`] via context.
// The gallery page is one long view: its type is deeper than the default limit of 128.
#![recursion_limit = "256"]

// The translation catalogue (`locales/*.json`), compiled by `build.rs`: `i18n::{Locale, t!, td!, td_string!,
// I18nContextProvider, use_i18n}`.
include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

mod account;
pub mod api;
pub mod billing;
mod components;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod draft;
mod gallery;
mod link;
pub mod messages;
mod pages;
pub mod paths;
#[cfg(feature = "ssr")]
pub mod ports;
mod register;
mod register_check;
mod register_company;
mod register_workspace;
mod reset;
#[cfg(feature = "ssr")]
pub mod security_log;
#[cfg(feature = "ssr")]
pub mod server_checks;
#[cfg(feature = "ssr")]
pub mod session;
pub mod two_step;
pub mod workspaces;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around every server-rendered page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        // `lang` and `dir` come from the translation context (leptos_i18n sets them through leptos_meta).
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

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
    use i18n::{td_string, use_i18n, Locale};
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
    let action = <api::SetLanguage as leptos::server_fn::ServerFn>::url();
    view! {
        <form class="language-switch" method="post" action=action>
            <input type="hidden" name="back" value=back />
            <button type="submit" name="lang" value=other lang=other class="language-switch-button"
                aria-label=format!("{} – {}", td_string!(locale, language_switch_label), td_string!(locale, language_switch_to))>
                {td_string!(locale, language_switch_to)}
            </button>
        </form>
    }
}

/// **Site header**: the brand and the language switch (which needs the router: it sends the buyer back to
/// the page they were on).
#[component]
pub(crate) fn SiteHeader() -> impl IntoView {
    use i18n::{t, use_i18n};
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
fn PageLayout(children: Children) -> impl IntoView {
    view! {
        <SiteHeader />
        <HydrationMarker />
        <components::Enhancements />
        <main id="main">{children()}</main>
    }
}

/// The application: every page is rendered on the server; `#[island]`s are hydrated in the browser.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <i18n::I18nContextProvider>
            <Portal />
        </i18n::I18nContextProvider>
    }
}

#[component]
fn Portal() -> impl IntoView {
    use i18n::{td_string, use_i18n};
    let locale = use_i18n().get_locale_untracked();
    view! {
        <Stylesheet id="leptos" href="/pkg/portal.css" />
        <Title formatter=move |title: String| format!("{title} – {}", td_string!(locale, title_suffix)) />
        <Router>
            <PageLayout>
                <Routes fallback=pages::NotFound>
                    // Async: the server waits for the page's data and sends complete HTML, so titles,
                    // status codes and content are right without JavaScript.
                    <Route path=path!("/activate") view=pages::ActivatePage ssr=SsrMode::Async />
                    <Route path=path!("/activate/register") view=register::RegisterBasicPage ssr=SsrMode::Async />
                    <Route path=path!("/activate/register/company") view=register_company::RegisterCompanyPage ssr=SsrMode::Async />
                    <Route path=path!("/activate/register/workspace") view=register_workspace::RegisterWorkspacePage ssr=SsrMode::Async />
                    <Route path=path!("/activate/register/check") view=register_check::RegisterCheckPage ssr=SsrMode::Async />
                    <Route path=path!("/activate/register/done") view=register_check::RegisterDonePage ssr=SsrMode::Async />
                    <Route path=path!("/activate/link") view=link::LinkBillingPage ssr=SsrMode::Async />
                    <Route path=path!("/activate/link/workspaces") view=link::LinkWorkspacesPage ssr=SsrMode::Async />
                    <Route path=path!("/activate/link/create") view=link::LinkCreatePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=account::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot-password") view=reset::ForgotPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot-password/reset") view=reset::ResetPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/billing") view=account::BillingPage ssr=SsrMode::Async />
                    <Route path=path!("/billing/two-step") view=two_step::TwoStepSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/workspaces/:id") view=account::WorkspacePage ssr=SsrMode::Async />
                    <Route path=path!("/dev") view=pages::DevPage ssr=SsrMode::Async />
                    <Route path=path!("/gallery") view=gallery::GalleryPage ssr=SsrMode::Async />
                </Routes>
            </PageLayout>
        </Router>
    }
}
