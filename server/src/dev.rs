//! Dev-mode routes outside the Leptos router: the simulator's subscribe step and the mailbox.
//!
//! `POST /dev/subscribe`: the form on `/dev` lands here. It mints a token with the simulator
//! and answers with what AWS Marketplace shows a new subscriber: a **Set Up Your Account** button that posts
//! the token to `/marketplace/aws` from the browser. Works without JavaScript.

use crate::html::page;
use crate::mail::Mailbox;
use crate::outbox::Outbox;
use crate::simulator::{Simulator, DEFAULT_TTL_SECONDS};
use app::domain::{AwsAccountId, ProductCode};
use app::i18n::Locale;
use app::messages::describe_in;
use axum::extract::Query;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use leptos::prelude::*;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Deserialize)]
pub struct SubscribeForm {
    #[serde(default)]
    aws_account_id: String,
    #[serde(default)]
    product_code: String,
}

pub async fn subscribe(State(sim): State<Simulator>, Form(form): Form<SubscribeForm>) -> Response {
    let account = AwsAccountId::parse(&form.aws_account_id).map_err(|e| describe_in(Locale::en, "AWS account ID", e));
    let product = ProductCode::parse(&form.product_code).map_err(|e| describe_in(Locale::en, "Product code", e));
    let (account, product) = match (account, product) {
        (Ok(account), Ok(product)) => (account, product),
        (account, product) => {
            let problems: Vec<String> = [account.err(), product.err()].into_iter().flatten().collect();
            let body = page(
                "Error: Simulate AWS Marketplace",
                view! {
                    <div class="error-summary" role="alert">
                        <h2>"There is a problem"</h2>
                        <ul>{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                    </div>
                    <p><a href="/dev">"Back to the simulator"</a></p>
                },
            );
            return (StatusCode::BAD_REQUEST, Html(body)).into_response();
        }
    };
    let grouped = account.display_grouped();
    let token = sim.mint(account, product.clone(), Duration::from_secs(DEFAULT_TTL_SECONDS));
    Html(page(
        "AWS Marketplace (simulated)",
        view! {
            <p class="notice">"Simulated AWS Marketplace – dev mode"</p>
            <h1>"Thank you for subscribing"</h1>
            <p>
                "AWS account " <strong>{grouped}</strong> " is subscribed to " <strong>{product.to_string()}</strong>
                ". Set up your account with the seller to start using the product."
            </p>
            <form method="post" action="/marketplace/aws">
                <input type="hidden" name="x-amzn-marketplace-token" value=token />
                <button type="submit" class="button">"Set Up Your Account"</button>
            </form>
        },
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct MailboxQuery {
    to: Option<String>,
}

/// The dev mailbox and the outbox that delivers into it.
#[derive(Clone)]
pub struct DevMail {
    pub mailbox: Mailbox,
    pub outbox: Arc<Outbox>,
}

impl DevMail {
    /// Every message sent so far, after the outbox delivered what is due (so a mail is listed as soon as the
    /// request that sent it has answered).
    async fn list(&self, to: Option<&str>) -> Vec<crate::mail::Delivered> {
        if let Err(e) = self.outbox.deliver_due().await {
            tracing::error!(error = %e, "the mail outbox could not be read");
        }
        self.mailbox.list(to)
    }
}

/// `GET /_dev/mailbox.json?to=ADDR`: every email sent (to ADDR), newest first.
pub async fn mailbox_json(State(mail): State<DevMail>, Query(query): Query<MailboxQuery>) -> Response {
    Json(mail.list(query.to.as_deref()).await).into_response()
}

/// `GET /_dev/mailbox`: the same as a page.
pub async fn mailbox_page(State(mail): State<DevMail>) -> Response {
    let messages = mail.list(None).await;
    let empty = messages.is_empty();
    Html(page(
        "Mailbox",
        view! {
            <p class="notice">"Dev mode: email the portal sent (when SMTP_URL is unset), newest first"</p>
            <h1>"Mailbox"</h1>
            {empty.then(|| view! { <p>"No email has been sent yet."</p> })}
            {messages
                .into_iter()
                .map(|m| {
                    view! {
                        <article class="mail">
                            <h2>{m.subject}</h2>
                            <dl class="summary-list">
                                <div class="summary-row"><dt>"To"</dt><dd>{m.to}</dd></div>
                                <div class="summary-row"><dt>"Sent"</dt><dd>{m.sent_at}</dd></div>
                            </dl>
                            <pre class="mail-text">{m.text}</pre>
                        </article>
                    }
                })
                .collect_view()}
        },
    ))
    .into_response()
}

/// `POST /_dev/billing-center/workspaces`: what Guance's billing center does when an owner creates a
/// workspace there (billed by the billing center, bound to no AWS account), so that the wizard's Bind can be
/// tried. JSON `{"billing_username", "name", "site", "language"}` → `201 {"id"}`; unknown billing account
/// `404`, a name taken on that site `409`, bad input `400`.
#[derive(Debug, Deserialize)]
pub struct BillingCenterWorkspace {
    billing_username: String,
    name: String,
    site: String,
    language: String,
}

pub async fn billing_center_workspace(
    State(store): State<std::sync::Arc<dyn app::ssr::ports::Store>>,
    Json(input): Json<BillingCenterWorkspace>,
) -> Response {
    use app::domain::{Site, Username, WorkspaceLanguage, WorkspaceName};
    let parsed = (
        Username::parse(&input.billing_username),
        WorkspaceName::parse(&input.name),
        Site::ALL.into_iter().find(|s| s.code() == input.site),
        WorkspaceLanguage::parse(&input.language),
    );
    let (Ok(username), Ok(name), Some(site), Ok(language)) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            "billing_username, name, site (a site code) and language (en, zh) are required",
        )
            .into_response();
    };
    let workspace = app::ssr::ports::NewWorkspace { name, site, language };
    match store.create_billing_center_workspace(&username, &workspace, app::ssr::ports::now()).await {
        Ok(Some(Some(id))) => (StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response(),
        Ok(Some(None)) => {
            (StatusCode::CONFLICT, "the billing account has a workspace of that name on that site").into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such billing account").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "billing center workspace");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `POST /_dev/mailbox/expire?to=ADDR`: lets ten minutes pass for the codes mailed to `to` (they expire now),
/// so the "expired code" path can be tried without waiting. Answers `{"expired": N}`.
pub async fn expire_codes(
    State(store): State<std::sync::Arc<dyn app::ssr::ports::Store>>,
    Query(query): Query<MailboxQuery>,
) -> Response {
    let Some(to) = query.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return (StatusCode::BAD_REQUEST, "the query parameter `to` (an email address) is required").into_response();
    };
    match store.expire_codes(&to.to_lowercase(), app::ssr::ports::now()).await {
        Ok(n) => Json(serde_json::json!({ "expired": n })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "expire codes");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
