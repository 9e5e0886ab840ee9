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
    usage_allocations: Option<Vec<UsageAllocationIn>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub(super) struct UsageAllocationIn {
    #[serde(rename = "AllocatedUsageQuantity")]
    allocated_usage_quantity: Option<i64>,
    #[serde(rename = "Tags", default, skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<TagIn>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub(super) struct TagIn {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value")]
    value: String,
}

/// A record's `UsageAllocations` as AWS checks them: 1 to 2500 of them, each with a quantity in range and
/// 1 to 5 tags of AWS's characters and lengths when it has tags, their quantities summing to the record's.
fn check_allocations(
    allocations: &[UsageAllocationIn],
    quantity: i64,
) -> Result<Vec<crate::metering::Allocation>, AwsError> {
    use crate::metering::{
        tag_text_ok, Allocation, Tag, MAX_ALLOCATIONS, MAX_TAGS, MAX_TAG_KEY_LEN, MAX_TAG_VALUE_LEN,
    };
    if allocations.is_empty() || allocations.len() > MAX_ALLOCATIONS {
        return Err(AwsError::InvalidUsageAllocations);
    }
    let mut kept = Vec::with_capacity(allocations.len());
    for a in allocations {
        let share = a.allocated_usage_quantity.ok_or(AwsError::Validation("AllocatedUsageQuantity is required"))?;
        if !(0..=i64::from(i32::MAX)).contains(&share) {
            return Err(AwsError::Validation("AllocatedUsageQuantity must be between 0 and 2147483647"));
        }
        let tags = a.tags.clone().unwrap_or_default();
        if a.tags.is_some() && (tags.is_empty() || tags.len() > MAX_TAGS) {
            return Err(AwsError::InvalidTag);
        }
        if !tags.iter().all(|t| tag_text_ok(&t.key, MAX_TAG_KEY_LEN) && tag_text_ok(&t.value, MAX_TAG_VALUE_LEN)) {
            return Err(AwsError::InvalidTag);
        }
        kept.push(Allocation {
            quantity: share,
            tags: tags.into_iter().map(|t| Tag { key: t.key, value: t.value }).collect(),
        });
    }
    if kept.iter().map(|a| a.quantity).sum::<i64>() != quantity {
        return Err(AwsError::InvalidUsageAllocations);
    }
    Ok(kept)
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

/// The `not_subscribed` fault's answer to a BatchMeterUsage call: every record CustomerNotSubscribed, nothing
/// metered.
pub(super) fn not_subscribed(body: &[u8]) -> Response {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(req) => {
            let records = req["UsageRecords"].as_array().cloned().unwrap_or_default();
            let results: Vec<serde_json::Value> = records
                .into_iter()
                .map(|record| serde_json::json!({ "UsageRecord": record, "Status": "CustomerNotSubscribed" }))
                .collect();
            super::json_ok(serde_json::json!({ "Results": results, "UnprocessedRecords": [] }))
        }
        Err(_) => AwsError::Serialization.into_response(),
    }
}

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
    /// customer neither by account + license nor by CustomerIdentifier + ProductCode, or its allocations break
    /// AWS's rules; an unknown customer, or one whose license was deprovisioned more than an hour before the
    /// record's hour, is `CustomerNotSubscribed`; the same customer, dimension and hour with another quantity is
    /// `DuplicateRecord`; an identical record gets the identical answer.
    /// Whether AWS takes usage of `license` for the hour starting at `hour`: while its agreement is active,
    /// and for one hour after the agreement ended (the final-usage window of a deprovisioned license).
    fn meterable(state: &State_, license: &str, hour: i64) -> bool {
        match state.agreements.iter().rev().find(|a| a.license == license) {
            Some(agreement) if agreement.status != "ACTIVE" => {
                agreement.end.is_some_and(|end| hour < end + crate::metering::FINAL_USAGE_SECS)
            }
            _ => true,
        }
    }

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
                check_allocations(allocations, r.quantity.unwrap_or(0))?;
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
            let (customer, license) =
                match (by_account, by_identifier, &product) {
                    (Some(account), None, _) => {
                        let license = r.license_arn.as_deref().ok_or(AwsError::InvalidLicense)?;
                        let held = state.licenses.iter().find(|((a, p), l)| {
                            a.as_str() == account
                                && crate::lifecycle::license_id(l) == crate::lifecycle::license_id(license)
                                && product.as_ref().is_none_or(|code| code == p)
                        });
                        (account.to_owned(), held.map(|(_, l)| l.clone()))
                    }
                    (None, Some(identifier), Some(code)) => {
                        let held = state
                            .customer_ids
                            .iter()
                            .find(|(_, id)| id.as_str() == identifier)
                            .and_then(|(account, _)| state.licenses.get(&(account.clone(), code.clone())));
                        (identifier.to_owned(), held.cloned())
                    }
                    _ => return Err(AwsError::Validation(
                        "Name the customer by CustomerAWSAccountId + LicenseArn or by CustomerIdentifier + ProductCode",
                    )),
                };
            let subscribed = license.as_deref().is_some_and(|l| Self::meterable(&state, l, r.timestamp as i64));
            let quantity = r.quantity.unwrap_or(0);
            let hour = r.timestamp as i64;
            let allocations = match &r.usage_allocations {
                Some(allocations) => check_allocations(allocations, quantity)?,
                None => Vec::new(),
            };
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
                allocations,
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

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;

    fn sim_with_license() -> (Simulator, AwsAccountId, String) {
        let sim = Simulator::new(ProductCode::parse("guance-dev").expect("product"));
        let account = AwsAccountId::parse("123456789012").expect("account");
        let license = sim.license_of(&account, sim.default_product());
        (sim, account, license)
    }

    fn request(
        license: &str,
        hour: i64,
        quantity: i64,
        allocations: Option<serde_json::Value>,
    ) -> BatchMeterUsageRequest {
        let mut record = json!({ "Timestamp": hour, "CustomerAWSAccountId": "123456789012", "LicenseArn": license,
                                 "Dimension": "hosts", "Quantity": quantity });
        if let Some(allocations) = allocations {
            record["UsageAllocations"] = allocations;
        }
        serde_json::from_value(json!({ "UsageRecords": [record] })).expect("request")
    }

    fn status(answer: &serde_json::Value) -> &str {
        answer["Results"][0]["Status"].as_str().unwrap_or_default()
    }

    #[test]
    fn allocations_are_checked_as_aws_checks_them_and_kept() {
        let (sim, _, license) = sim_with_license();
        let now = 100 * H + 60;
        let hour = 99 * H;
        let ok = json!([
            { "AllocatedUsageQuantity": 4, "Tags": [{ "Key": "team", "Value": "a" }, { "Key": "env", "Value": "prod" }] },
            { "AllocatedUsageQuantity": 6 }
        ]);
        let answer = sim.batch_meter_usage(request(&license, hour, 10, Some(ok)), now).expect("accepted");
        assert_eq!(status(&answer), "Success");
        let kept = &sim.received()[0].allocations;
        assert_eq!(kept.len(), 2);
        assert_eq!((kept[0].quantity, kept[0].tags.len(), kept[1].quantity, kept[1].tags.len()), (4, 2, 6, 0));
        let six_tags: Vec<serde_json::Value> =
            (0..6).map(|i| json!({ "Key": format!("k{i}"), "Value": "v" })).collect();
        let too_many: Vec<serde_json::Value> = (0..2501).map(|_| json!({ "AllocatedUsageQuantity": 0 })).collect();
        for (allocations, expected) in [
            (json!([{ "AllocatedUsageQuantity": 9 }]), AwsError::InvalidUsageAllocations),
            (json!([]), AwsError::InvalidUsageAllocations),
            (json!(too_many), AwsError::InvalidUsageAllocations),
            (json!([{ "AllocatedUsageQuantity": 10, "Tags": six_tags }]), AwsError::InvalidTag),
            (json!([{ "AllocatedUsageQuantity": 10, "Tags": [] }]), AwsError::InvalidTag),
            (json!([{ "AllocatedUsageQuantity": 10, "Tags": [{ "Key": "a#b", "Value": "v" }] }]), AwsError::InvalidTag),
            (json!([{ "AllocatedUsageQuantity": 10, "Tags": [{ "Key": "k", "Value": "" }] }]), AwsError::InvalidTag),
            (
                json!([{ "AllocatedUsageQuantity": 10, "Tags": [{ "Key": "k".repeat(101), "Value": "v" }] }]),
                AwsError::InvalidTag,
            ),
        ] {
            let refused = sim.batch_meter_usage(request(&license, hour, 10, Some(allocations.clone())), now);
            assert_eq!(refused.err(), Some(expected), "{allocations}");
        }
        assert_eq!(sim.received().len(), 1, "a refused batch is not received");
    }

    #[test]
    fn a_deprovisioned_license_is_metered_for_one_hour_more() {
        let (sim, account, license) = sim_with_license();
        let now = 100 * H;
        let ended = 95 * H + 1800; // deprovisioned at 95:30
        sim.set_agreement_status_at(&account, sim.default_product(), "TERMINATED", ended);
        let answer = |hour: i64| sim.batch_meter_usage(request(&license, hour, 1, None), now).expect("answered");
        assert_eq!(status(&answer(95 * H)), "Success", "the hour it ended in");
        assert_eq!(status(&answer(96 * H)), "Success", "96:00 starts within the hour after 95:30");
        assert_eq!(status(&answer(96 * H + 1799)), "Success", "the last second of the window");
        assert_eq!(status(&answer(96 * H + 1800)), "CustomerNotSubscribed", "one hour after the end");
        assert_eq!(status(&answer(97 * H)), "CustomerNotSubscribed");
        sim.set_agreement_status_at(&account, sim.default_product(), "ACTIVE", now);
        assert_eq!(status(&answer(97 * H)), "Success", "active again");
    }
}
