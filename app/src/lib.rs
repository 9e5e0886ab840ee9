//! The portal's pages, components, domain types and server-function surface.
//!
//! Compiled twice: with `ssr` into the server (server functions run here and call the ports), and with
//! `hydrate` into the browser bundle (server functions become HTTP calls). Nothing server-only (sqlx, the
//! AWS SDK, mail) is reachable from here: the server provides implementations of [`ports`] via context.

pub mod api;
pub mod domain;
mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
#[cfg(feature = "ssr")]
pub mod session;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around every server-rendered page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: the marker tells tests (and people) that the page is interactive.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/portal.css" />
        <Title formatter=|title: String| format!("{title} – Guance on AWS Marketplace") />
        <Router>
            <header class="site-header">
                <span class="brand">"Guance"</span>
                <span class="brand-sub">"Commercial Plan on AWS Marketplace"</span>
            </header>
            <main id="main" data-hydrated=move || hydrated.get().then_some("true")>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/activate") view=pages::ActivatePage />
                    <Route path=path!("/activate/register") view=pages::RegisterPage />
                    <Route path=path!("/activate/link") view=pages::LinkPage />
                    <Route path=path!("/dev") view=pages::DevPage />
                </Routes>
            </main>
        </Router>
    }
}
