//! The portal's server: axum wiring, configuration and the adapters behind `app`'s ports.

pub mod assets;
pub mod aws;
pub mod codes;
pub mod config;
pub mod console;
mod csrf;
mod dev;
pub mod entitlements;
pub mod events;
pub mod fulfillment;
mod html;
pub mod internal;
pub mod lifecycle;
pub mod limits;
pub mod mail;
pub mod metering;
mod navigation;
pub mod net;
pub mod observability;
pub mod operators;
pub mod outbox;
pub mod partition;
pub mod reconcile;
pub mod simulator;
pub mod sns;
pub mod store;
pub mod throwaway_pg;
pub mod webhooks;

use app::ssr::ports::{MailError, Mailer, Ports, Store, StoreError};
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use config::Config;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

/// The largest body a server function (a form of the wizard or an account page) accepts: `413` beyond it.
pub const SERVER_FN_BODY_LIMIT: usize = 64 * 1024;

/// The login session's cookie (tower-sessions) in dev, and in prod (`Secure`, host-only).
pub const LOGIN_COOKIE: &str = "portal_session";
pub const SECURE_LOGIN_COOKIE: &str = "__Host-portal_session";

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub ports: Ports,
    /// The same store, with the server's own tables (metering, entitlements).
    pub store: Arc<dyn store::ServerStore>,
    pub marketplace: aws::Marketplace,
    pub secure_cookies: bool,
    /// The pages allowed to post a registration token (see [`fulfillment::DEFAULT_FULFILLMENT_ORIGINS`]).
    pub fulfillment_origins: Arc<Vec<String>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Sns(#[from] sns::SnsError),
    #[error("{0}")]
    Assets(String),
    #[error("the webhook client could not be built: {0}")]
    Webhooks(#[from] reqwest::Error),
}

/// One TLS crypto provider for every rustls user in the process (reqwest is built without one): the aws-lc-rs
/// the AWS SDK already links. Installing it again (tests build several routers) changes nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Opens the store, builds the whole application for `config` and schedules the metering job and the
/// reconciliation.
pub async fn build(config: &Config, leptos_options: LeptosOptions) -> Result<Router, StartError> {
    let store = store::connect(&config.database_url).await?;
    let marketplace = marketplace(config).await;
    if config.metering_interval_secs > 0 {
        let state = metering_state(config, store.clone(), marketplace.clone());
        internal::spawn_job(state, std::time::Duration::from_secs(config.metering_interval_secs));
    }
    if config.reconcile_interval_secs > 0 {
        let state = metering_state(config, store.clone(), marketplace);
        internal::spawn_reconcile(state, std::time::Duration::from_secs(config.reconcile_interval_secs));
    }
    observability::spawn_upkeep(std::time::Duration::from_secs(5));
    // Expired login sessions leave the database hourly.
    let sessions = store::LoginSessions::login_sessions(store.as_ref());
    tokio::spawn(tower_sessions::session_store::ExpiredDeletion::continuously_delete_expired(
        sessions,
        tokio::time::Duration::from_secs(3600),
    ));
    router(config, leptos_options, store).await
}

async fn marketplace(config: &Config) -> aws::Marketplace {
    aws::Marketplace::new(&aws::AwsSettings {
        region: config.aws_region.clone(),
        endpoint: config.aws_endpoint.clone(),
        static_credentials: config.dev_mode(),
    })
    .await
}

fn metering_state(
    config: &Config,
    store: Arc<dyn store::ServerStore>,
    marketplace: aws::Marketplace,
) -> internal::MeteringState {
    internal::MeteringState {
        store,
        marketplace,
        internal_token: Arc::new(config.internal_token.bytes().to_vec()),
        holder: internal::instance_name().into(),
        product_code: config.product_code.as_str().into(),
        heartbeat_dimensions: config.metering_heartbeat_dimensions.clone().into(),
    }
}

/// Builds the application around an already opened store (the metering job is not scheduled: see [`build`]):
/// one router per area — the pages, AWS Marketplace's endpoints, the internal API, `/metrics`, and in dev the
/// dev tools — merged under the layers every request goes through.
pub async fn router(
    config: &Config,
    leptos_options: LeptosOptions,
    store: Arc<dyn store::ServerStore>,
) -> Result<Router, StartError> {
    install_crypto_provider();
    assets::init(&leptos_options).map_err(StartError::Assets)?;
    let dev = config.dev_mode();
    let (outbox, mailbox) = mail_outbox(config, store.clone())?;
    // Webhook deliveries: queued by the store in each change's transaction, sent by this worker.
    webhooks::Webhooks::new(store.clone() as Arc<dyn webhooks::WebhookStore>).map(Arc::new)?.spawn_worker();
    let marketplace = marketplace(config).await;
    let metering = metering_state(config, store.clone(), marketplace.clone());
    let codes = Arc::new(codes::CodeService::new(config.secret_key.bytes().to_vec(), store.clone(), outbox.clone()));
    let ports = Ports {
        store: store.clone(),
        codes,
        mailer: outbox.clone(),
        public_url: config.public_url.clone(),
        product_code: config.product_code.clone(),
        dev_mode: dev,
        links: config.links.clone(),
        metering_wake: internal::metering_wake(),
    };
    let state = AppState {
        leptos_options,
        ports,
        store: store.clone(),
        marketplace,
        secure_cookies: !dev,
        fulfillment_origins: Arc::new(config.fulfillment_origins.clone()),
    };
    let mut router = pages(&state, dev)
        .merge(console_routes(&store))
        .merge(marketplace_routes(config, &state, &metering)?)
        .merge(internal_routes(&metering))
        .merge(metrics_routes(config, dev));
    if dev {
        router = router.merge(dev_routes(config, DevTools { mailbox, outbox, store: store.clone(), metering }));
    }
    // Touch the recorder so `/metrics` works before the first request is counted.
    observability::prometheus();
    Ok(layers(router, config, store))
}

/// The operator console's CSV exports (its pages are Leptos routes); the guard in [`layers`] keeps them to
/// operators.
fn console_routes(store: &Arc<dyn store::ServerStore>) -> Router {
    Router::new()
        .route(app::paths::OPERATOR_CUSTOMERS_CSV, get(console::customers_csv))
        .route(app::paths::OPERATOR_METERING_CSV, get(console::metering_csv))
        .route(app::paths::OPERATOR_WEBHOOKS_CSV, get(console::deliveries_csv))
        .with_state(console::Exports {
            export: store.clone() as Arc<dyn console::ConsoleExport>,
            store: store.clone() as Arc<dyn Store>,
        })
}

/// SMTP when configured, otherwise the embedded mailbox (prod refuses to start without `SMTP_URL`) — always
/// behind the durable outbox, whose worker delivers after the response.
fn mail_outbox(
    config: &Config,
    store: Arc<dyn store::ServerStore>,
) -> Result<(Arc<outbox::Outbox>, mail::Mailbox), StartError> {
    let mailbox = mail::Mailbox::new(config.mail_from.clone());
    let (transport, local): (Arc<dyn Mailer>, bool) = match &config.smtp_url {
        Some(url) => (Arc::new(mail::SmtpMailer::new(url, config.mail_from.clone())?), false),
        None => (Arc::new(mailbox.clone()), true),
    };
    let outbox = Arc::new(outbox::Outbox::with_transport(store, transport, local, config.secret_key.bytes())?);
    outbox.spawn_worker();
    Ok((outbox, mailbox))
}

/// Every Leptos page and server function (the request's CSP nonce and the ports in Leptos's context, bodies
/// capped at [`SERVER_FN_BODY_LIMIT`]), `/` and `/healthz`, and the 404 page for everything else.
fn pages(state: &AppState, dev: bool) -> Router {
    // In prod the dev pages are not routed at all: they fall through to the 404 page.
    let routes: Vec<_> =
        generate_route_list(App).into_iter().filter(|route| dev || !route.path().starts_with("/dev")).collect();
    let ports = state.ports.clone();
    let context = move || {
        provide_context(ports.clone());
        if let Some(nonce) = use_context::<axum::http::request::Parts>().as_ref().and_then(net::nonce_of) {
            provide_context(nonce);
        }
    };
    let options = state.leptos_options.clone();
    Router::new()
        .leptos_routes_with_context(state, routes, context.clone(), move || shell(options.clone()))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(SERVER_FN_BODY_LIMIT))
        .route("/", get(|| async { Redirect::to(app::paths::ACTIVATE) }))
        .route("/healthz", get(healthz))
        .merge(assets::pkg_routes(&state.leptos_options))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .with_state(state.clone())
}

/// AWS Marketplace's side: the fulfillment POST (Set Up Your Account), SNS and EventBridge deliveries.
fn marketplace_routes(
    config: &Config,
    state: &AppState,
    metering: &internal::MeteringState,
) -> Result<Router, StartError> {
    let events = events::EventsState {
        metering: metering.clone(),
        sns: sns::SnsClient::new(sns::CertPolicy {
            dev_prefix: if config.dev_mode() { config.aws_endpoint.clone() } else { None },
            partition: config.aws_partition,
        })?,
        eventbridge_key: config.eventbridge_api_key.as_ref().map(|k| Arc::new(k.bytes().to_vec())),
        product_code: config.product_code.as_str().to_owned(),
        sns_topics: Arc::new(config.sns_topic_arns.clone()),
    };
    let fulfillment = Router::new()
        .route("/marketplace/aws", post(fulfillment::fulfill).layer(DefaultBodyLimit::max(fulfillment::BODY_LIMIT)))
        .with_state(state.clone());
    let deliveries = Router::new()
        .route("/marketplace/aws/sns", post(events::sns).layer(DefaultBodyLimit::max(256 * 1024)))
        .route("/marketplace/aws/eventbridge", post(events::eventbridge).layer(DefaultBodyLimit::max(256 * 1024)))
        .with_state(events);
    Ok(fulfillment.merge(deliveries))
}

/// `/internal/usage`: usage reports from the vendor's own systems (bearer token).
fn internal_routes(metering: &internal::MeteringState) -> Router {
    Router::new()
        .route("/internal/usage", post(internal::usage).layer(DefaultBodyLimit::max(1024 * 1024)))
        .with_state(metering.clone())
}

/// `/metrics` with its bearer token when one is set; open in dev without one; absent in prod without one.
fn metrics_routes(config: &Config, dev: bool) -> Router {
    match &config.metrics_token {
        Some(token) => Router::new()
            .route("/metrics", get(observability::render_with_token))
            .with_state(Arc::new(token.bytes().to_vec())),
        None if dev => Router::new().route("/metrics", get(observability::render)),
        None => Router::new(),
    }
}

/// What the dev tools reach into.
struct DevTools {
    mailbox: mail::Mailbox,
    outbox: Arc<outbox::Outbox>,
    store: Arc<dyn store::ServerStore>,
    metering: internal::MeteringState,
}

/// Dev mode only: the AWS simulator, its subscribe step, the mailbox, the billing-center stand-in and the
/// metering triggers.
fn dev_routes(config: &Config, tools: DevTools) -> Router {
    let sim = simulator::Simulator::new(config.product_code.clone()).in_partition(config.aws_partition).delivering(
        simulator::Delivery {
            portal: config.public_url.clone(),
            own: config::simulator_url(config.site_addr),
            eventbridge_key: config
                .eventbridge_api_key
                .as_ref()
                .map(|k| String::from_utf8_lossy(k.bytes()).into_owned()),
        },
    );
    let subscribe = Router::new().route(app::paths::DEV_SUBSCRIBE, post(dev::subscribe)).with_state(sim.clone());
    let mailbox = Router::new()
        .route("/_dev/mailbox", get(dev::mailbox_page))
        .route("/_dev/mailbox.json", get(dev::mailbox_json))
        .with_state(dev::DevMail { mailbox: tools.mailbox, outbox: tools.outbox });
    let store: Arc<dyn Store> = tools.store;
    let billing_center = Router::new()
        .route("/_dev/billing-center/workspaces", post(dev::billing_center_workspace))
        .route("/_dev/mailbox/expire", post(dev::expire_codes))
        .with_state(store);
    let metering = Router::new()
        .route("/_dev/metering/run", post(internal::dev_run))
        .route("/_dev/usage/generate", post(internal::dev_generate))
        .route("/_dev/reconcile/run", post(internal::dev_reconcile))
        .with_state(tools.metering);
    simulator::routes(sim).merge(subscribe).merge(mailbox).merge(billing_center).merge(metering)
}

/// What every request goes through, innermost first: the console's guard, login sessions, CSRF, rate limits, metrics, tracing,
/// then the hardening of `net` (headers, timeouts, caps, panics).
fn layers(router: Router, config: &Config, store: Arc<dyn store::ServerStore>) -> Router {
    let dev = config.dev_mode();
    let sessions = tower_sessions::SessionManagerLayer::new(store.login_sessions())
        .with_name(if dev { LOGIN_COOKIE } else { SECURE_LOGIN_COOKIE })
        .with_secure(!dev)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_path("/")
        .with_expiry(tower_sessions::Expiry::OnInactivity(time::Duration::minutes(30)));
    let limits = Arc::new(limits::RateLimits::new(config.rate_limit_per_minute, config.trusted_proxy_hops));
    // The console's guard runs before routing (it may send a refused request to the 404 page), inside the
    // session layer (it reads the session).
    let guard = axum::middleware::from_fn_with_state(store as Arc<dyn Store>, console::guard);
    let router = Router::new()
        .fallback_service(tower::Layer::layer(&guard, router))
        // Pages and server-function answers compressed (br, gzip) for a client that accepts it, at a level
        // that costs little per answer (brotli's default, 11, quartered the page rate); the assets under /pkg
        // come precompressed at the highest level and pass through.
        .layer(tower_http::compression::CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(4)))
        // A redirect answered to a page change in the browser carries its target in a header (`navigation.rs`).
        .layer(axum::middleware::from_fn(navigation::redirects))
        .layer(sessions)
        .layer(axum::middleware::from_fn(csrf::guard))
        .layer(axum::middleware::from_fn_with_state(limits, limits::rate_limit))
        .layer(axum::middleware::from_fn(observability::track))
        .layer(tower_http::trace::TraceLayer::new_for_http());
    net::harden(router, net::Limits::default(), net::HeaderPolicy { hsts: !dev })
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.ports.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
