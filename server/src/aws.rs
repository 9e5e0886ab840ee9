//! AWS Marketplace through the real `aws-sdk-marketplacemetering` client. In dev the client talks to the
//! built-in simulator with static credentials (the SDK's default credential chain never runs); in prod it
//! uses the default chain and AWS's regional endpoint unless `AWS_MARKETPLACE_ENDPOINT` says otherwise.

use app::domain::MarketplaceToken;
use aws_config::{retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_sdk_marketplacemetering::operation::resolve_customer::ResolveCustomerError;
use aws_sdk_marketplacemetering::Client;
use std::time::Duration;

/// How the SDK clients are built.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    pub region: String,
    /// `None` → AWS's regional endpoint.
    pub endpoint: Option<String>,
    /// Static dev credentials instead of the default chain (dev mode and tests).
    pub static_credentials: bool,
}

/// What ResolveCustomer answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub customer_aws_account_id: Option<String>,
    pub product_code: Option<String>,
    pub customer_identifier: Option<String>,
    pub license_arn: Option<String>,
}

/// Why a token could not be resolved, in the terms the fulfillment page needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("the registration token is invalid")]
    InvalidToken,
    #[error("the registration token has expired")]
    ExpiredToken,
    #[error("AWS Marketplace is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Clone)]
pub struct Marketplace {
    metering: Client,
}

impl Marketplace {
    pub async fn new(settings: &AwsSettings) -> Self {
        let region = Region::new(settings.region.clone());
        let retry = RetryConfig::standard().with_max_attempts(3);
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_timeout(Duration::from_secs(15))
            .build();
        let mut builder = if settings.static_credentials {
            aws_sdk_marketplacemetering::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(region)
                .credentials_provider(Credentials::new("dev", "dev", None, None, "static"))
        } else {
            let shared = aws_config::defaults(BehaviorVersion::latest()).region(region).load().await;
            aws_sdk_marketplacemetering::config::Builder::from(&shared)
        };
        builder = builder.retry_config(retry).timeout_config(timeouts);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Self { metering: Client::from_conf(builder.build()) }
    }

    /// `AWSMPMeteringService.ResolveCustomer`.
    pub async fn resolve_customer(&self, token: &MarketplaceToken) -> Result<Resolved, ResolveError> {
        let output = self.metering.resolve_customer().registration_token(token.as_str()).send().await.map_err(
            |err| match err.into_service_error() {
                ResolveCustomerError::InvalidTokenException(_) => ResolveError::InvalidToken,
                ResolveCustomerError::ExpiredTokenException(_) => ResolveError::ExpiredToken,
                other => ResolveError::Unavailable(format!("{other:?}")),
            },
        )?;
        Ok(Resolved {
            customer_aws_account_id: output.customer_aws_account_id().map(str::to_owned),
            product_code: output.product_code().map(str::to_owned),
            customer_identifier: output.customer_identifier().map(str::to_owned),
            license_arn: output.license_arn().map(str::to_owned),
        })
    }
}
