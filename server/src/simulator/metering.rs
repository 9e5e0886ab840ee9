//! BatchMeterUsage (AWSMPMeteringService): usage records checked as AWS checks them, each answered once, and
//! what was received listed for tests (`GET /_sim/aws/metering`); faults injected per operation.

use super::*;

#[derive(Debug, Deserialize)]
pub(super) struct BatchMeterUsageRequest {
    #[serde(rename = "ProductCode")]
    product_code: Option<String>,
    #[serde(rename = "UsageRecords")]
    usage_records: Option<Vec<UsageRecordIn>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub(super) struct UsageRecordIn {
    #[serde(rename = "Timestamp")]
    timestamp: f64,
    #[serde(rename = "CustomerIdentifier", default, skip_serializing_if = "Option::is_none")]
    customer_identifier: Option<String>,
    #[serde(rename = "CustomerAWSAccountId", default, skip_serializing_if = "Option::is_none")]
    customer_aws_account_id: Option<String>,
    #[serde(rename = "LicenseArn", default, skip_serializing_if = "Option::is_none")]
    license_arn: Option<String>,
    #[serde(rename = "Dimension")]
    dimension: String,
    #[serde(rename = "Quantity", default, skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
    #[serde(rename = "UsageAllocations", default, skip_serializing_if = "Option::is_none")]
    usage_allocations: Option<Vec<serde_json::Value>>,
}

/// The operations a fault may be injected into.
const FAULTY_OPERATIONS: [&str; 6] = [
    "BatchMeterUsage",
    "ResolveCustomer",
    "GetEntitlements",
    "SearchAgreements",
    "DescribeAgreement",
    "GetAgreementEntitlements",
];

impl Simulator {
    pub(super) fn take_fault(&self, operation: &str) -> Option<FaultKind> {
        let mut state = self.lock();
        let at = state.faults.iter().position(|(op, _)| op == operation)?;
        Some(state.faults.remove(at).1)
    }

    /// Queues a fault for the next `times` calls of an operation.
    pub fn inject(&self, req: &FaultRequest) -> Result<(), String> {
        let kind = match req.kind.as_str() {
            "throttle" => FaultKind::Throttle,
            "internal" => FaultKind::Internal,
            "slow" => FaultKind::Slow(Duration::from_millis(req.delay_ms.unwrap_or(1000).min(60_000))),
            "unprocessed" => FaultKind::Unprocessed,
            "not_subscribed" => FaultKind::NotSubscribed,
            "lost" => FaultKind::Lost,
            "disabled" => FaultKind::Disabled,
            other => {
                return Err(format!(
                "unknown fault kind {other:?}: throttle, internal, slow, lost, disabled, unprocessed or not_subscribed"
            ))
            }
        };
        if !FAULTY_OPERATIONS.contains(&req.operation.as_str()) {
            return Err(format!("operation must be one of {}", FAULTY_OPERATIONS.join(", ")));
        }
        let mut state = self.lock();
        for _ in 0..req.times.unwrap_or(1).min(1000) {
            state.faults.push((req.operation.clone(), kind));
        }
        Ok(())
    }

    /// What BatchMeterUsage answered so far, in order.
    pub fn received(&self) -> Vec<ReceivedRecord> {
        self.lock().received.clone()
    }

    /// BatchMeterUsage as AWS documents it: 1 to 25 records; the whole batch is refused when a timestamp is
    /// more than 6 hours old or in the future, a dimension is not the listing's, or a record names its
    /// customer neither by account + license nor by CustomerIdentifier + ProductCode; an unknown customer
    /// is `CustomerNotSubscribed`; the same customer, dimension and hour with another quantity is
    /// `DuplicateRecord`; an identical record gets the identical answer.
    pub(super) fn batch_meter_usage(
        &self,
        req: BatchMeterUsageRequest,
        now: i64,
    ) -> Result<serde_json::Value, AwsError> {
        let records = req.usage_records.unwrap_or_default();
        if records.is_empty() || records.len() > crate::metering::BATCH_SIZE {
            return Err(AwsError::Validation("UsageRecords must hold 1 to 25 records"));
        }
        let product = match req.product_code.as_deref() {
            Some(code) => Some(ProductCode::parse(code).map_err(|_| AwsError::InvalidProductCode)?),
            None => None,
        };
        for r in &records {
            let ts = r.timestamp as i64;
            if ts < now - crate::metering::WINDOW_SECS || ts > now + 300 {
                return Err(AwsError::TimestampOutOfBounds);
            }
            if !crate::metering::DIMENSIONS.contains(&r.dimension.as_str()) {
                return Err(AwsError::InvalidUsageDimension);
            }
            if !(0..=i64::from(i32::MAX)).contains(&r.quantity.unwrap_or(0)) {
                return Err(AwsError::Validation("Quantity must be between 0 and 2147483647"));
            }
            if let Some(allocations) = &r.usage_allocations {
                if allocations.iter().any(|a| a["Tags"].as_array().is_some_and(|tags| tags.len() > 5)) {
                    return Err(AwsError::InvalidTag);
                }
                let allocated: i64 = allocations.iter().filter_map(|a| a["AllocatedUsageQuantity"].as_i64()).sum();
                if allocations.is_empty() || allocated != r.quantity.unwrap_or(0) {
                    return Err(AwsError::InvalidUsageAllocations);
                }
            }
            // AWS issues CustomerIdentifiers of letters and digits; anything else was never one of its.
            if let Some(id) = r.customer_identifier.as_deref().filter(|id| !id.is_empty()) {
                if id.len() > 255 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    return Err(AwsError::InvalidCustomerIdentifier);
                }
            }
        }
        let mut state = self.lock();
        let mut results = Vec::new();
        for r in records {
            let by_account = r.customer_aws_account_id.as_deref().filter(|id| !id.is_empty());
            let by_identifier = r.customer_identifier.as_deref().filter(|id| !id.is_empty());
            let (customer, subscribed) =
                match (by_account, by_identifier, &product) {
                    (Some(account), None, _) => {
                        let license = r.license_arn.as_deref().ok_or(AwsError::InvalidLicense)?;
                        let known = state.licenses.iter().any(|((a, p), l)| {
                            a.as_str() == account
                                && crate::lifecycle::license_id(l) == crate::lifecycle::license_id(license)
                                && product.as_ref().is_none_or(|code| code == p)
                        });
                        (account.to_owned(), known)
                    }
                    (None, Some(identifier), Some(code)) => {
                        let known = state.customer_ids.iter().any(|(account, id)| {
                            id == identifier && state.licenses.contains_key(&(account.clone(), code.clone()))
                        });
                        (identifier.to_owned(), known)
                    }
                    _ => return Err(AwsError::Validation(
                        "Name the customer by CustomerAWSAccountId + LicenseArn or by CustomerIdentifier + ProductCode",
                    )),
                };
            let quantity = r.quantity.unwrap_or(0);
            let hour = r.timestamp as i64;
            // An account's usage is metered per license (agreement); a legacy customer's per identifier.
            let metered_as = match &r.license_arn {
                Some(license) if by_account.is_some() => {
                    format!("{customer}/{}", crate::lifecycle::license_id(license))
                }
                _ => customer.clone(),
            };
            let key = (metered_as, r.dimension.clone(), hour);
            let (status, record_id) = if !subscribed {
                ("CustomerNotSubscribed", None)
            } else {
                match state.metered.get(&key) {
                    Some((q, id)) if *q == quantity => ("Success", Some(id.clone())),
                    Some(_) => ("DuplicateRecord", None),
                    None => {
                        let id = format!("mr-{}", random_hex(12));
                        state.metered.insert(key, (quantity, id.clone()));
                        ("Success", Some(id))
                    }
                }
            };
            state.received.push(ReceivedRecord {
                customer,
                license_arn: r.license_arn.clone().filter(|_| by_account.is_some()),
                dimension: r.dimension.clone(),
                timestamp: hour,
                quantity,
                status: status.to_owned(),
                metering_record_id: record_id.clone(),
            });
            let mut result = json!({ "UsageRecord": r, "Status": status });
            if let Some(id) = record_id {
                result["MeteringRecordId"] = json!(id);
            }
            results.push(result);
        }
        Ok(json!({ "Results": results, "UnprocessedRecords": [] }))
    }
}

pub(super) async fn list_metering(State(sim): State<Simulator>) -> Response {
    Json(json!({ "records": sim.received() })).into_response()
}
