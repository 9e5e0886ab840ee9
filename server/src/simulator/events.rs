//! What AWS Marketplace publishes about a subscription: SNS notifications (signed with the simulator's own
//! certificate, from the listing's topics) and EventBridge events, delivered to the portal.

use super::*;

/// `POST /_sim/aws/sns/send`: what AWS Marketplace's SNS topics publish about a subscription.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnsSendRequest {
    pub aws_account_id: String,
    /// `subscribe-success`, `subscribe-fail`, `unsubscribe-pending`, `unsubscribe-success` or
    /// `entitlement-updated`.
    pub action: String,
    pub product_code: Option<String>,
    /// Another portal URL to deliver to (default: this portal's).
    pub deliver_to: Option<String>,
    /// A lost event: AWS's agreement changes as the action says, but nothing is delivered.
    #[serde(default)]
    pub drop: bool,
}

/// `POST /_sim/aws/eventbridge/send`: an EventBridge event for the listing's seller.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBridgeSendRequest {
    pub aws_account_id: String,
    /// e.g. `License Deprovisioned - Manufacturer`.
    pub detail_type: String,
    pub deliver_to: Option<String>,
    /// A lost event: AWS's agreement changes as the event says, but nothing is delivered.
    #[serde(default)]
    pub drop: bool,
    /// When the change happened (Unix seconds; default now): the event's `time` and the agreement's end.
    pub at: Option<i64>,
}

pub(super) fn rfc3339_now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

impl Simulator {
    pub(super) fn sign(&self, mut message: crate::sns::SnsMessage) -> Result<crate::sns::SnsMessage, String> {
        message.signature =
            crate::sns::sign_v2(&message, crate::sns::SIMULATOR_KEY_PKCS8).map_err(|e| e.to_string())?;
        Ok(message)
    }

    pub(super) fn sns_json(message: &crate::sns::SnsMessage) -> serde_json::Value {
        let mut out = json!({
            "Type": message.kind, "MessageId": message.message_id, "TopicArn": message.topic_arn,
            "Message": message.message, "Timestamp": message.timestamp,
            "SignatureVersion": message.signature_version, "Signature": message.signature,
            "SigningCertURL": message.signing_cert_url,
        });
        if let Some(url) = &message.subscribe_url {
            out["SubscribeURL"] = json!(url);
        }
        if let Some(token) = &message.token {
            out["Token"] = json!(token);
        }
        out
    }

    /// POSTs `body` to the portal; returns (status, the portal's answer).
    async fn deliver(&self, url: &str, headers: &[(&str, String)], body: String) -> serde_json::Value {
        let mut request = self.http.post(url).header("content-type", "text/plain; charset=UTF-8").body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let answer = response.json::<serde_json::Value>().await.unwrap_or(serde_json::Value::Null);
                json!({ "status": status, "answer": answer })
            }
            Err(e) => json!({ "status": 0, "answer": e.to_string() }),
        }
    }

    pub(super) fn topic(&self, product: &ProductCode, entitlement: bool) -> String {
        let kind = if entitlement { "entitlement" } else { "subscription" };
        self.partition.marketplace_topic(kind, product.as_str())
    }

    /// Publishes a subscription notification as AWS Marketplace's SNS topic would, signed (version 2).
    pub async fn send_sns(&self, req: SnsSendRequest) -> Result<serde_json::Value, String> {
        let account =
            AwsAccountId::parse(&req.aws_account_id).map_err(|e| describe_in(Locale::en, "aws_account_id", e))?;
        let product = match req.product_code.as_deref() {
            Some(code) => ProductCode::parse(code).map_err(|e| describe_in(Locale::en, "product_code", e))?,
            None => self.default_product.clone(),
        };
        let known = [
            "subscribe-success",
            "subscribe-fail",
            "unsubscribe-pending",
            "unsubscribe-success",
            "entitlement-updated",
        ];
        if !known.contains(&req.action.as_str()) {
            return Err(format!("action must be one of {}", known.join(", ")));
        }
        let customer = self.lock().customer_ids.entry(account.clone()).or_insert_with(|| random_string(9)).clone();
        match req.action.as_str() {
            "subscribe-success" => self.set_agreement_status(&account, &product, "ACTIVE"),
            "unsubscribe-success" => self.set_agreement_status(&account, &product, "CANCELLED"),
            _ => {}
        }
        let mut body =
            json!({ "action": req.action, "customer-identifier": customer, "product-code": product.as_str() });
        if req.action.starts_with("subscribe") {
            body["isFreeTrialTermPresent"] = json!("false");
        }
        let message = self.sign(crate::sns::SnsMessage {
            kind: "Notification".into(),
            message_id: format!(
                "{}-{}-{}-{}-{}",
                random_hex(4),
                random_hex(2),
                random_hex(2),
                random_hex(2),
                random_hex(6)
            ),
            topic_arn: self.topic(&product, req.action == "entitlement-updated"),
            subject: None,
            message: body.to_string(),
            timestamp: rfc3339_now(),
            signature_version: "2".into(),
            signature: String::new(),
            signing_cert_url: format!("{}sns/cert.pem", self.delivery.own),
            subscribe_url: None,
            token: None,
        })?;
        let sent = Self::sns_json(&message);
        if req.drop {
            return Ok(json!({ "delivered": null, "dropped": true, "message": sent }));
        }
        let url = req.deliver_to.unwrap_or_else(|| format!("{}/marketplace/aws/sns", self.delivery.portal));
        let headers = [
            ("x-amz-sns-message-type", "Notification".to_owned()),
            ("x-amz-sns-message-id", message.message_id.clone()),
        ];
        let delivered = self.deliver(&url, &headers, sent.to_string()).await;
        Ok(json!({ "delivered": delivered, "message": sent }))
    }

    /// Sends a SubscriptionConfirmation; the portal confirms by visiting its SubscribeURL.
    pub async fn send_subscription_confirmation(
        &self,
        deliver_to: Option<String>,
    ) -> Result<serde_json::Value, String> {
        let token = random_hex(32);
        let message = self.sign(crate::sns::SnsMessage {
            kind: "SubscriptionConfirmation".into(),
            message_id: random_hex(16),
            topic_arn: self.topic(&self.default_product, false),
            subject: None,
            message: "You have chosen to subscribe to the topic. To confirm the subscription, visit the SubscribeURL included in this message.".into(),
            timestamp: rfc3339_now(),
            signature_version: "2".into(),
            signature: String::new(),
            signing_cert_url: format!("{}sns/cert.pem", self.delivery.own),
            subscribe_url: Some(format!("{}sns/confirm?Token={token}", self.delivery.own)),
            token: Some(token.clone()),
        })?;
        let url = deliver_to.unwrap_or_else(|| format!("{}/marketplace/aws/sns", self.delivery.portal));
        let headers = [("x-amz-sns-message-type", "SubscriptionConfirmation".to_owned())];
        let delivered = self.deliver(&url, &headers, Self::sns_json(&message).to_string()).await;
        let confirmed = self.lock().confirmed.contains(&token);
        Ok(json!({ "delivered": delivered, "confirmed": confirmed }))
    }

    /// An EventBridge event (`aws.agreement-marketplace`) delivered through an API destination.
    pub async fn send_eventbridge(&self, req: EventBridgeSendRequest) -> Result<serde_json::Value, String> {
        let account =
            AwsAccountId::parse(&req.aws_account_id).map_err(|e| describe_in(Locale::en, "aws_account_id", e))?;
        let product = self.default_product.clone();
        let base = req.detail_type.split(" - ").next().unwrap_or_default().trim();
        let at = req.at.unwrap_or_else(unix_now);
        let time = time::OffsetDateTime::from_unix_timestamp(at)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .ok_or_else(|| format!("at {at} is not a time"))?;
        match base {
            "Purchase Agreement Created" | "License Updated" => {
                self.set_agreement_status_at(&account, &product, "ACTIVE", at);
            }
            "Purchase Agreement Ended" => self.set_agreement_status_at(&account, &product, "CANCELLED", at),
            "License Deprovisioned" => self.set_agreement_status_at(&account, &product, "TERMINATED", at),
            _ => {}
        }
        let (license, agreement) = {
            let mut state = self.lock();
            let license = Self::license_in(&mut state, &account, &product);
            let agreement = state.agreements.iter().rev().find(|a| a.license == license).map(|a| a.id.clone());
            (license, agreement.unwrap_or_default())
        };
        // EventBridge's own examples write the license ARN differently from ResolveCustomer.
        let event_license =
            format!("aws:license-manager:us-east-1:{account}:{}", crate::lifecycle::license_id(&license));
        let event = json!({
            "version": "0",
            "id": format!("{}-{}-{}-{}-{}", random_hex(4), random_hex(2), random_hex(2), random_hex(2), random_hex(6)),
            "detail-type": req.detail_type,
            "source": "aws.agreement-marketplace",
            "account": "287250355862",
            "time": time,
            "region": "us-east-1",
            "resources": [format!("arn:aws:aws-marketplace::aws:agreement:{agreement}")],
            "detail": {
                "requestId": random_hex(16),
                "catalog": "AWSMarketplace",
                "agreement": { "id": agreement },
                "product": { "code": product.as_str(), "id": format!("prod-{}", random_hex(6)) },
                "license": { "arn": event_license },
                "acceptor": { "accountId": account.as_str() },
                "proposer": { "accountId": "287250355862" },
                "offer": { "id": format!("offer-{}", random_hex(8)) },
            },
        });
        if req.drop {
            return Ok(json!({ "delivered": null, "dropped": true, "event": event }));
        }
        let url = req.deliver_to.unwrap_or_else(|| format!("{}/marketplace/aws/eventbridge", self.delivery.portal));
        let headers: Vec<(&str, String)> =
            self.delivery.eventbridge_key.iter().map(|key| ("x-api-key", key.clone())).collect();
        let delivered = self.deliver(&url, &headers, event.to_string()).await;
        Ok(json!({ "delivered": delivered, "event": event }))
    }
}

pub(super) async fn sns_certificate() -> Response {
    ([(header::CONTENT_TYPE, "application/x-pem-file")], crate::sns::SIMULATOR_CERT_PEM).into_response()
}

pub(super) async fn sns_send(
    State(sim): State<Simulator>,
    body: Result<Json<SnsSendRequest>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    match sim.send_sns(req).await {
        Ok(out) => Json(out).into_response(),
        Err(message) => bad_request(message),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct SubscribeRequest {
    deliver_to: Option<String>,
}

pub(super) async fn sns_subscribe(State(sim): State<Simulator>, body: Option<Json<SubscribeRequest>>) -> Response {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    match sim.send_subscription_confirmation(req.deliver_to).await {
        Ok(out) => Json(out).into_response(),
        Err(message) => bad_request(message),
    }
}

pub(super) async fn sns_confirm(
    State(sim): State<Simulator>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let Some(token) = q.get("Token") else {
        return bad_request("Token is required".into());
    };
    sim.lock().confirmed.push(token.clone());
    (
        [(header::CONTENT_TYPE, "text/xml")],
        "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>confirmed</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>",
    )
        .into_response()
}

pub(super) async fn eventbridge_send(
    State(sim): State<Simulator>,
    body: Result<Json<EventBridgeSendRequest>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_request(rejection.body_text()),
    };
    match sim.send_eventbridge(req).await {
        Ok(out) => Json(out).into_response(),
        Err(message) => bad_request(message),
    }
}
