//! The portal's server: axum wiring, configuration and the adapters behind `app`'s ports.

pub mod aws;
pub mod config;
mod dev;
pub mod fulfillment;
mod html;
pub mod observability;
pub mod simulator;
pub mod store;

use app::ports::{ActivationStore, Ports, StoreError};
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

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub ports: Ports,
    pub marketplace: aws::Marketplace,
    pub secure_cookies: bool,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Opens the store and builds the whole application for `config`.
pub async fn build(config: &Config, leptos_options: LeptosOptions) -> Result<Router, StoreError> {
    let store = store::connect(&config.database_url).await?;
    Ok(router(config, leptos_options, store).await)
}

/// Builds the application around an already opened store.
pub async fn router(config: &Config, leptos_options: LeptosOptions, store: Arc<dyn ActivationStore>) -> Router {
    let dev = config.dev_mode();
    let marketplace = aws::Marketplace::new(&aws::AwsSettings {
        region: config.aws_region.clone(),
        endpoint: config.aws_endpoint.clone(),
        static_credentials: dev,
    })
    .await;
    let ports = Ports { store, product_code: config.product_code.clone(), dev_mode: dev };
    let state =
        AppState { leptos_options: leptos_options.clone(), ports: ports.clone(), marketplace, secure_cookies: !dev };

    // In prod the dev pages are not routed at all: they fall through to the 404 page.
    let routes: Vec<_> =
        generate_route_list(App).into_iter().filter(|route| dev || !route.path().starts_with("/dev")).collect();

    let mut router = Router::new()
        .route("/", get(|| async { Redirect::to("/activate") }))
        .route("/marketplace/aws", post(fulfillment::fulfill).layer(DefaultBodyLimit::max(fulfillment::BODY_LIMIT)))
        .route("/healthz", get(healthz))
        .route("/metrics", get(observability::render))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(ports.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state);
    if dev {
        let sim = simulator::Simulator::new(config.product_code.clone());
        let subscribe = Router::new().route("/dev/subscribe", post(dev::subscribe)).with_state(sim.clone());
        router = router.merge(simulator::routes(sim)).merge(subscribe);
    }
    // Touch the recorder so `/metrics` works before the first request is counted.
    observability::prometheus();
    router.layer(axum::middleware::from_fn(observability::track)).layer(tower_http::trace::TraceLayer::new_for_http())
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
