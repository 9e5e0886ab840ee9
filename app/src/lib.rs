//! The portal's pages, components, domain types and server-function surface, laid out by feature:
//!
//! - [`domain`] — pure types and rules shared by the browser and the server (no Leptos, no i18n);
//! - [`wizard`] — the activation wizard: the start, the register branch (one file per step), the link
//!   branch, and the one gate every step passes;
//! - [`account`] — log in, the billing center, a workspace's start page, password reset, two-step;
//! - [`ui`] — the design system: every shared component and island;
//! - `ssr` — server-only plumbing (ports, session, draft, the code path, checks, hashing);
//! - [`dev`] — `/dev` and `/gallery`; [`paths`] — every page address; [`messages`] — words in both languages.
//!
//! Compiled twice: with `ssr` into the server (pages render here; server functions run here and call the
//! ports), and with `hydrate` into the browser bundle, which holds only the `#[island]` components (Leptos
//! islands mode keeps the wasm small; forms post to server functions and work without JavaScript). Nothing
//! server-only (sqlx, the AWS SDK, mail) is reachable from here: the server provides implementations of
//! `ssr::ports` via context.
// The gallery page is one long view: its type is deeper than the default limit of 128.
#![recursion_limit = "256"]

// The translation catalogue (`locales/*.json`), compiled by `build.rs`: `i18n::{Locale, t!, td!, td_string!,
// I18nContextProvider, use_i18n}`.
include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod account;
pub mod dev;
pub mod domain;
pub mod error;
pub mod messages;
pub mod operator;
pub mod paths;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;
pub mod wizard;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Meta, MetaTags, Title};
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
                // The stylesheet's name carries its content hash (cargo-leptos `hash-files`).
                <HashedStylesheet options=options.clone() id="leptos" />
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
        <Title formatter=move |title: String| format!("{title} – {}", td_string!(locale, title_suffix)) />
        // What a search result says about every page (Lighthouse's SEO audit asks for one).
        <Meta name="description" content=td_string!(locale, meta_description) />
        <Router>
            <ui::PageLayout>
                <Routes fallback=ui::NotFound>
                    // Async: the server waits for the page's data and sends complete HTML, so titles,
                    // status codes and content are right without JavaScript.
                    <Route path=path!("/activate") view=wizard::start::ActivatePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/activate/register")
                        view=wizard::register::basic::RegisterBasicPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/activate/register/company")
                        view=wizard::register::company::RegisterCompanyPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/activate/register/workspace")
                        view=wizard::register::workspace::RegisterWorkspacePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/activate/register/check")
                        view=wizard::register::check::RegisterCheckPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/activate/register/done")
                        view=wizard::register::done::RegisterDonePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/activate/link")
                        view=wizard::link::billing::LinkBillingPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/activate/link/workspaces")
                        view=wizard::link::workspaces::LinkWorkspacesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/activate/link/create")
                        view=wizard::link::create::LinkCreatePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/login") view=account::login::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot-password") view=account::reset::ForgotPasswordPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/forgot-password/reset")
                        view=account::reset::ResetPasswordPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/billing") view=account::billing::BillingPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/billing/two-step")
                        view=account::two_step::TwoStepSettingsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/workspaces") view=account::yours::YourWorkspacesPage ssr=SsrMode::Async />
                    <Route path=path!("/workspaces/:id") view=account::workspace::WorkspacePage ssr=SsrMode::Async />
                    <Route path=path!("/dev") view=dev::DevPage ssr=SsrMode::Async />
                    <Route path=path!("/gallery") view=dev::gallery::GalleryPage ssr=SsrMode::Async />
                    <Route path=path!("/terms") view=dev::TermsPage ssr=SsrMode::Async />
                    // The operator console: the server's guard answers 404 before these unless an operator is
                    // logged in (log in excepted); each page checks again.
                    <Route path=path!("/operator/login") view=operator::login::OperatorLoginPage ssr=SsrMode::Async />
                    <Route path=path!("/operator") view=operator::customers::OperatorCustomersPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/operator/metering")
                        view=operator::metering::OperatorMeteringPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/operator/webhooks")
                        view=operator::webhooks::OperatorWebhooksPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/operator/customers/:id")
                        view=operator::customers::OperatorCustomerPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </ui::PageLayout>
        </Router>
    }
}
