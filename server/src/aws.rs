//! AWS Marketplace through the real `aws-sdk-marketplacemetering`, `aws-sdk-marketplaceentitlement` and
//! `aws-sdk-marketplaceagreement` clients. In dev the client talks to the
//! built-in simulator with static credentials (the SDK's default credential chain never runs); in prod it
//! uses the default chain and AWS's regional endpoint unless `AWS_MARKETPLACE_ENDPOINT` says otherwise.

use crate::metering::{BatchAnswer, Meter, MeterError, PendingRecord, RecordKey, RecordStatus};
use crate::reconcile::{AgreementError, AgreementPage, AgreementSource, AgreementStatus, AgreementView};
use app::domain::MarketplaceToken;
use async_trait::async_trait;
use aws_config::{retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_sdk_marketplacemetering::error::SdkError;
use aws_sdk_marketplacemetering::operation::batch_meter_usage::BatchMeterUsageError;
use aws_sdk_marketplacemetering::operation::resolve_customer::ResolveCustomerError;
use aws_sdk_marketplacemetering::primitives::DateTime;
use aws_sdk_marketplacemetering::types::{Tag, UsageAllocation, UsageRecord, UsageRecordResultStatus};
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
    entitlement: aws_sdk_marketplaceentitlement::Client,
    agreement: aws_sdk_marketplaceagreement::Client,
}

impl Marketplace {
    pub async fn new(settings: &AwsSettings) -> Self {
        let region = Region::new(settings.region.clone());
        let retry = RetryConfig::standard().with_max_attempts(3);
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_timeout(Duration::from_secs(15))
            .build();
        let shared = if settings.static_credentials {
            aws_config::SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(region)
                .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                    "dev", "dev", None, None, "static",
                )))
                .build()
        } else {
            aws_config::defaults(BehaviorVersion::latest()).region(region).load().await
        };
        let mut metering = aws_sdk_marketplacemetering::config::Builder::from(&shared)
            .retry_config(retry.clone())
            .timeout_config(timeouts.clone());
        // The reconciliation retries throttling itself (backoff with jitter, a cap): the SDK does not retry.
        let mut agreement = aws_sdk_marketplaceagreement::config::Builder::from(&shared)
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts.clone());
        let mut entitlement = aws_sdk_marketplaceentitlement::config::Builder::from(&shared)
            .retry_config(retry)
            .timeout_config(timeouts)
            .protocol(
                aws_smithy_json::protocol::aws_json_rpc::AwsJsonRpcProtocol::aws_json_1_1()
                    .with_default_namespace("com.amazonaws.marketplaceentitlementservice"),
            );
        if let Some(endpoint) = &settings.endpoint {
            metering = metering.endpoint_url(endpoint);
            entitlement = entitlement.endpoint_url(endpoint);
            agreement = agreement.endpoint_url(endpoint);
        }
        Self {
            metering: Client::from_conf(metering.build()),
            entitlement: aws_sdk_marketplaceentitlement::Client::from_conf(entitlement.build()),
            agreement: aws_sdk_marketplaceagreement::Client::from_conf(agreement.build()),
        }
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

/// `AWSMPMeteringService.BatchMeterUsage` through the SDK (whose standard retry already repeats a throttled
/// call a few times; the job adds its own backoff on top).
#[async_trait]
impl Meter for Marketplace {
    async fn batch_meter_usage(
        &self,
        product_code: Option<&str>,
        records: &[PendingRecord],
    ) -> Result<BatchAnswer, MeterError> {
        let mut usage = Vec::with_capacity(records.len());
        for r in records {
            let quantity = i32::try_from(r.quantity).map_err(|_| MeterError::Refused("quantity too large".into()))?;
            let mut record = UsageRecord::builder()
                .timestamp(DateTime::from_secs(r.usage_hour))
                .dimension(&r.dimension)
                .quantity(quantity);
            record = match &r.license_arn {
                Some(license) => record.customer_aws_account_id(&r.aws_account_id).license_arn(license),
                None => record.customer_identifier(r.customer_identifier.clone().unwrap_or_default()),
            };
            if !r.allocations.is_empty() {
                record = record.set_usage_allocations(Some(usage_allocations(&r.allocations)?));
            }
            usage.push(record.build().map_err(|e| MeterError::Refused(e.to_string()))?);
        }
        let output = self
            .metering
            .batch_meter_usage()
            .set_product_code(product_code.map(str::to_owned))
            .set_usage_records(Some(usage))
            .send()
            .await
            .map_err(meter_error)?;
        let key = |r: &UsageRecord| RecordKey {
            customer: r
                .customer_aws_account_id()
                .filter(|id| !id.is_empty())
                .unwrap_or(r.customer_identifier())
                .to_owned(),
            dimension: r.dimension().to_owned(),
            usage_hour: r.timestamp().secs(),
        };
        let mut answer = BatchAnswer::default();
        for result in output.results() {
            let Some(record) = result.usage_record() else { continue };
            let status = match result.status() {
                Some(UsageRecordResultStatus::Success) => RecordStatus::Success {
                    metering_record_id: result.metering_record_id().unwrap_or_default().to_owned(),
                },
                Some(UsageRecordResultStatus::CustomerNotSubscribed) => RecordStatus::CustomerNotSubscribed,
                Some(UsageRecordResultStatus::DuplicateRecord) => RecordStatus::DuplicateRecord,
                // An answer we cannot read is treated as unprocessed: the identical record is sent again.
                _ => {
                    answer.unprocessed.push(key(record));
                    continue;
                }
            };
            answer.results.push((key(record), status));
        }
        answer.unprocessed.extend(output.unprocessed_records().iter().map(key));
        Ok(answer)
    }
}

/// A record's allocations as AWS's `UsageAllocations` (no tags: the untagged share, `Tags` left out).
fn usage_allocations(allocations: &[crate::metering::Allocation]) -> Result<Vec<UsageAllocation>, MeterError> {
    let refused = |e: aws_sdk_marketplacemetering::error::BuildError| MeterError::Refused(e.to_string());
    allocations
        .iter()
        .map(|a| {
            let quantity =
                i32::try_from(a.quantity).map_err(|_| MeterError::Refused("allocated quantity too large".into()))?;
            let tags = a
                .tags
                .iter()
                .map(|t| Tag::builder().key(&t.key).value(&t.value).build().map_err(refused))
                .collect::<Result<Vec<_>, _>>()?;
            UsageAllocation::builder()
                .allocated_usage_quantity(quantity)
                .set_tags((!tags.is_empty()).then_some(tags))
                .build()
                .map_err(refused)
        })
        .collect()
}

fn meter_error<R: std::fmt::Debug>(err: SdkError<BatchMeterUsageError, R>) -> MeterError {
    match err {
        SdkError::ServiceError(service) => match service.into_err() {
            e @ (BatchMeterUsageError::ThrottlingException(_)
            | BatchMeterUsageError::InternalServiceErrorException(_)) => MeterError::Retryable(format!("{e:?}")),
            e => match e.meta().code() {
                // 5xx AWS did not name in the model: try again.
                Some(code) if code.contains("Internal") || code.contains("ServiceUnavailable") => {
                    MeterError::Retryable(code.to_owned())
                }
                _ => MeterError::Refused(format!("{e:?}")),
            },
        },
        // Timeouts, connection failures, unreadable responses: the request may not have arrived.
        other => MeterError::Retryable(format!("{other:?}")),
    }
}

/// `AWSMPEntitlementService.GetEntitlements`, filtered by the customer's account id, every page.
#[async_trait]
impl crate::entitlements::EntitlementSource for Marketplace {
    async fn get_entitlements(
        &self,
        product_code: &str,
        aws_account_id: &str,
    ) -> Result<Vec<crate::entitlements::Entitlement>, crate::entitlements::EntitlementError> {
        use crate::entitlements::{Entitlement, EntitlementError, EntitlementValue};
        use aws_sdk_marketplaceentitlement::operation::get_entitlements::GetEntitlementsError;
        use aws_sdk_marketplaceentitlement::types::GetEntitlementFilterName;
        let mut all = Vec::new();
        let mut next: Option<String> = None;
        // A page may be empty and still carry a NextToken; a repeated token would loop forever.
        for _ in 0..1000 {
            let output = self
                .entitlement
                .get_entitlements()
                .product_code(product_code)
                .filter(GetEntitlementFilterName::CustomerAwsAccountId, vec![aws_account_id.to_owned()])
                .set_next_token(next.clone())
                .max_results(25)
                .send()
                .await
                .map_err(|err| match err {
                    aws_sdk_marketplaceentitlement::error::SdkError::ServiceError(service) => {
                        match service.into_err() {
                            e @ (GetEntitlementsError::ThrottlingException(_)
                            | GetEntitlementsError::InternalServiceErrorException(_)) => {
                                EntitlementError::Unavailable(format!("{e:?}"))
                            }
                            e => EntitlementError::Refused(format!("{e:?}")),
                        }
                    }
                    other => EntitlementError::Unavailable(format!("{other:?}")),
                })?;
            for e in output.entitlements() {
                let Some(dimension) = e.dimension() else { continue };
                let value = match e.value() {
                    Some(v) if v.integer_value().is_some() => {
                        EntitlementValue::Integer(i64::from(v.integer_value().unwrap_or_default()))
                    }
                    Some(v) if v.double_value().is_some() => {
                        EntitlementValue::Double(v.double_value().unwrap_or_default())
                    }
                    Some(v) if v.boolean_value().is_some() => {
                        EntitlementValue::Boolean(v.boolean_value().unwrap_or_default())
                    }
                    Some(v) => {
                        v.string_value().map_or(EntitlementValue::None, |s| EntitlementValue::String(s.to_owned()))
                    }
                    None => EntitlementValue::None,
                };
                all.push(Entitlement {
                    dimension: dimension.to_owned(),
                    value,
                    expires_at: e.expiration_date().map(|d| d.secs()),
                });
            }
            match output.next_token() {
                Some(token) if !token.is_empty() && next.as_deref() != Some(token) => next = Some(token.to_owned()),
                _ => return Ok(all),
            }
        }
        Err(EntitlementError::Unavailable("GetEntitlements kept answering with more pages".to_owned()))
    }
}

/// An Agreement API failure in the reconciliation's terms: throttling and 5xx (or no answer) may be retried.
fn agreement_error<E>(err: aws_sdk_marketplaceagreement::error::SdkError<E>) -> AgreementError
where
    E: aws_sdk_marketplaceagreement::error::ProvideErrorMetadata + std::fmt::Debug,
{
    use aws_sdk_marketplaceagreement::error::SdkError as AgreementSdkError;
    match err {
        AgreementSdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let e = service.into_err();
            match e.code() {
                Some("ThrottlingException") => AgreementError::Throttled(format!("{e:?}")),
                Some("InternalServerException") => AgreementError::Unavailable(format!("{e:?}")),
                _ if status >= 500 => AgreementError::Unavailable(format!("{status}: {e:?}")),
                _ => AgreementError::Refused(format!("{e:?}")),
            }
        }
        other => AgreementError::Unavailable(format!("{other:?}")),
    }
}

fn agreement_view(
    id: Option<&str>,
    status: Option<&aws_sdk_marketplaceagreement::types::AgreementStatus>,
    end: Option<&aws_sdk_marketplaceagreement::primitives::DateTime>,
    license_arns: Vec<&str>,
) -> Option<AgreementView> {
    Some(AgreementView {
        agreement_id: id.filter(|id| !id.is_empty())?.to_owned(),
        // No status at all is as unknown as a status we do not know.
        status: AgreementStatus::parse(status.map_or("", |s| s.as_str())),
        end_time: end.map(aws_sdk_marketplaceagreement::primitives::DateTime::secs),
        license_ids: license_arns.into_iter().map(|arn| crate::lifecycle::license_id(arn).to_owned()).collect(),
    })
}

/// The Agreement API (`AWSMPCommerceService_v20200301`, RPCv2-CBOR) as the listing's seller.
#[async_trait]
impl AgreementSource for Marketplace {
    async fn search_agreements(&self, next_token: Option<String>) -> Result<AgreementPage, AgreementError> {
        use aws_sdk_marketplaceagreement::types::Filter;
        let output = self
            .agreement
            .search_agreements()
            .catalog("AWSMarketplace")
            .filters(Filter::builder().name("PartyType").values("Proposer").build())
            .filters(Filter::builder().name("AgreementType").values("PurchaseAgreement").build())
            .max_results(crate::reconcile::PAGE_SIZE)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(agreement_error)?;
        let mut page = AgreementPage { agreements: Vec::new(), next_token: output.next_token().map(str::to_owned) };
        for summary in output.agreement_view_summaries() {
            let licenses = summary.entitlements().iter().filter_map(|e| e.license_arn()).collect();
            match agreement_view(summary.agreement_id(), summary.status(), summary.end_time(), licenses) {
                Some(view) => page.agreements.push(view),
                None => tracing::warn!("SearchAgreements named an agreement without an id: skipped"),
            }
        }
        Ok(page)
    }

    async fn describe_agreement(&self, agreement_id: &str) -> Result<AgreementView, AgreementError> {
        let output =
            self.agreement.describe_agreement().agreement_id(agreement_id).send().await.map_err(agreement_error)?;
        let id = output.agreement_id().or(Some(agreement_id));
        agreement_view(id, output.status(), output.end_time(), Vec::new())
            .ok_or_else(|| AgreementError::Refused("DescribeAgreement answered without an agreement".to_owned()))
    }

    async fn agreement_licenses(&self, agreement_id: &str) -> Result<Vec<String>, AgreementError> {
        let mut licenses = Vec::new();
        let mut next: Option<String> = None;
        // A repeated token would loop forever.
        for _ in 0..1000 {
            let output = self
                .agreement
                .get_agreement_entitlements()
                .agreement_id(agreement_id)
                .set_next_token(next.clone())
                .send()
                .await
                .map_err(agreement_error)?;
            licenses.extend(
                output
                    .agreement_entitlements()
                    .iter()
                    .filter_map(|e| e.license_arn())
                    .map(|arn| crate::lifecycle::license_id(arn).to_owned()),
            );
            match output.next_token() {
                Some(token) if !token.is_empty() && next.as_deref() != Some(token) => next = Some(token.to_owned()),
                _ => return Ok(licenses),
            }
        }
        Err(AgreementError::Unavailable("GetAgreementEntitlements kept answering with more pages".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_marketplaceagreement::primitives::DateTime as AgreementTime;
    use aws_sdk_marketplaceagreement::types::AgreementStatus as SdkStatus;

    #[test]
    fn odd_agreement_answers_are_read_without_guessing() {
        let ended = agreement_view(
            Some("agmt-1"),
            Some(&SdkStatus::Terminated),
            Some(&AgreementTime::from_secs(100)),
            vec!["arn:aws:license-manager::123456789012:license:l-abc", "aws:license-manager:us-east-1:1:l-def"],
        )
        .expect("view");
        assert_eq!(ended.status, AgreementStatus::Ended("TERMINATED".into()));
        assert_eq!((ended.end_time, ended.license_ids), (Some(100), vec!["l-abc".to_owned(), "l-def".to_owned()]));
        let unknown = agreement_view(Some("agmt-2"), Some(&SdkStatus::from("PAUSED")), None, Vec::new()).expect("view");
        assert_eq!(unknown.status, AgreementStatus::Other("PAUSED".into()));
        let silent = agreement_view(Some("agmt-3"), None, None, Vec::new()).expect("view");
        assert_eq!(silent.status, AgreementStatus::Other(String::new()), "no status is no evidence");
        assert_eq!(agreement_view(None, Some(&SdkStatus::Active), None, Vec::new()), None, "no id: skipped");
        assert_eq!(agreement_view(Some(""), Some(&SdkStatus::Active), None, Vec::new()), None);
    }
}
