//! Server-rendered pages that live outside the Leptos router: answers to plain form posts (fulfillment
//! errors, the simulated AWS page). Rendered with Leptos' `view!`, so every text is escaped.

use leptos::prelude::*;

/// A whole HTML document in the portal's layout.
pub fn page(title: &str, main: impl IntoView + 'static) -> String {
    let title = format!("{title} – Guance on AWS Marketplace");
    let doc = view! {
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>{title}</title>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=crate::assets::stylesheet_href() />
            </head>
            <body>
                <header class="site-header">
                    <span class="brand">"Guance"</span>
                    <span class="brand-sub">"Commercial Plan on AWS Marketplace"</span>
                </header>
                <main id="main">{main}</main>
            </body>
        </html>
    };
    format!("<!DOCTYPE html>{}", doc.to_html())
}
