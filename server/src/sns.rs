//! Amazon SNS HTTPS messages, verified as AWS documents: the string to sign in the documented field order,
//! RSA PKCS#1 v1.5 with SHA-1 (`SignatureVersion` 1) or SHA-256 (2), the certificate fetched only from an
//! SNS host (`https://sns.<region>.amazonaws.com[.cn]/….pem`; in dev also from the simulator), and a
//! timestamp no older than a day. Duplicates are recognised later by `MessageId` (the event store).

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Messages older than this are refused (a replay of a captured message).
pub const MAX_AGE_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SnsMessage {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "MessageId")]
    pub message_id: String,
    #[serde(rename = "TopicArn")]
    pub topic_arn: String,
    #[serde(rename = "Subject")]
    pub subject: Option<String>,
    #[serde(rename = "Message")]
    pub message: String,
    #[serde(rename = "Timestamp")]
    pub timestamp: String,
    #[serde(rename = "SignatureVersion")]
    pub signature_version: String,
    #[serde(rename = "Signature")]
    pub signature: String,
    #[serde(rename = "SigningCertURL")]
    pub signing_cert_url: String,
    #[serde(rename = "SubscribeURL")]
    pub subscribe_url: Option<String>,
    #[serde(rename = "Token")]
    pub token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnsError {
    #[error("malformed SNS message: {0}")]
    Malformed(String),
    #[error("certificate URL not allowed: {0}")]
    CertificateUrl(String),
    #[error("certificate unavailable: {0}")]
    Certificate(String),
    #[error("signature does not verify")]
    Signature,
    #[error("message is too old or from the future")]
    Stale,
}

impl SnsMessage {
    pub fn parse(body: &[u8]) -> Result<Self, SnsError> {
        serde_json::from_slice(body).map_err(|e| SnsError::Malformed(e.to_string()))
    }

    /// The string SNS signed: `Key\nvalue\n` for each field in the documented order.
    pub fn string_to_sign(&self) -> Result<String, SnsError> {
        let missing = |name: &str| SnsError::Malformed(format!("{name} is required for {}", self.kind));
        let mut fields: Vec<(&str, &str)> = vec![("Message", &self.message), ("MessageId", &self.message_id)];
        match self.kind.as_str() {
            "Notification" => {
                if let Some(subject) = &self.subject {
                    fields.push(("Subject", subject));
                }
                fields.push(("Timestamp", &self.timestamp));
                fields.push(("TopicArn", &self.topic_arn));
            }
            "SubscriptionConfirmation" | "UnsubscribeConfirmation" => {
                fields.push(("SubscribeURL", self.subscribe_url.as_deref().ok_or_else(|| missing("SubscribeURL"))?));
                fields.push(("Timestamp", &self.timestamp));
                fields.push(("Token", self.token.as_deref().ok_or_else(|| missing("Token"))?));
                fields.push(("TopicArn", &self.topic_arn));
            }
            other => return Err(SnsError::Malformed(format!("unknown Type {other:?}"))),
        }
        fields.push(("Type", &self.kind));
        Ok(fields.into_iter().map(|(k, v)| format!("{k}\n{v}\n")).collect())
    }

    /// Unix seconds of `Timestamp`.
    pub fn timestamp_secs(&self) -> Result<i64, SnsError> {
        time::OffsetDateTime::parse(&self.timestamp, &time::format_description::well_known::Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|e| SnsError::Malformed(format!("Timestamp: {e}")))
    }

    /// Checks the signature against the PEM certificate and the timestamp against `now`.
    pub fn verify(&self, certificate_pem: &[u8], now: i64) -> Result<(), SnsError> {
        use aws_lc_rs::signature::{
            UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256,
        };
        use base64::Engine as _;
        use rustls_pki_types::pem::PemObject;
        let algorithm: &'static dyn aws_lc_rs::signature::VerificationAlgorithm = match self.signature_version.as_str()
        {
            "1" => &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            "2" => &RSA_PKCS1_2048_8192_SHA256,
            other => return Err(SnsError::Malformed(format!("unknown SignatureVersion {other:?}"))),
        };
        let der = rustls_pki_types::CertificateDer::from_pem_slice(certificate_pem)
            .map_err(|e| SnsError::Certificate(format!("{e:?}")))?;
        let cert = webpki::EndEntityCert::try_from(&der).map_err(|e| SnsError::Certificate(format!("{e:?}")))?;
        let spki = cert.subject_public_key_info();
        let signature =
            base64::engine::general_purpose::STANDARD.decode(&self.signature).map_err(|_| SnsError::Signature)?;
        UnparsedPublicKey::new(algorithm, spki.as_ref())
            .verify(self.string_to_sign()?.as_bytes(), &signature)
            .map_err(|_| SnsError::Signature)?;
        let at = self.timestamp_secs()?;
        if at < now - MAX_AGE_SECS || at > now + 300 {
            return Err(SnsError::Stale);
        }
        Ok(())
    }
}

/// Where signing certificates (and subscription confirmations) may come from.
#[derive(Debug, Clone, Default)]
pub struct CertPolicy {
    /// Dev mode: the simulator's base URL, whose own certificate is accepted too.
    pub dev_prefix: Option<String>,
    /// Certificates come from this partition's SNS hosts only.
    pub partition: crate::partition::Partition,
}

impl CertPolicy {
    /// Exactly `https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<hex>.pem` — no other
    /// path, no query, no fragment — or, in dev, the simulator's `sns/cert.pem`.
    pub fn allows_certificate(&self, url: &str) -> bool {
        if let Some(rest) = self.dev_prefix.as_deref().and_then(|prefix| url.strip_prefix(prefix)) {
            return rest == "sns/cert.pem";
        }
        let Some((host, path)) = url.strip_prefix("https://").and_then(|rest| rest.split_once('/')) else {
            return false;
        };
        let name = path.strip_prefix("SimpleNotificationService-").and_then(|p| p.strip_suffix(".pem"));
        let hex = name.is_some_and(|n| (1..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_hexdigit()));
        hex && sns_host(host, self.partition)
    }

    /// A SubscribeURL must point at SNS (or the simulator) as well.
    pub fn allows_host(&self, url: &str) -> bool {
        if let Some(prefix) = &self.dev_prefix {
            if url.starts_with(prefix.as_str()) {
                return true;
            }
        }
        let Some(rest) = url.strip_prefix("https://") else { return false };
        sns_host(rest.split(['/', '?', '#']).next().unwrap_or_default(), self.partition)
    }
}

/// `sns.<region>.amazonaws.com` (global) or `sns.<region>.amazonaws.com.cn` (AWS China), as the partition is.
fn sns_host(host: &str, partition: crate::partition::Partition) -> bool {
    let host = host.strip_suffix(partition.dns_suffix()).and_then(|h| h.strip_suffix('.'));
    let Some(region) = host.and_then(|h| h.strip_prefix("sns.")) else { return false };
    region.len() >= 3 && region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// At most this many certificates are kept, each for [`CERT_TTL`]; a certificate body longer than
/// [`CERT_MAX_BYTES`] is refused (AWS's are about 2 KB).
pub const CERT_CACHE_MAX: usize = 16;
pub const CERT_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
pub const CERT_MAX_BYTES: usize = 16 * 1024;

/// Fetched certificates by URL, bounded in number and age.
#[derive(Debug, Default)]
struct CertCache(HashMap<String, (Vec<u8>, std::time::Instant)>);

impl CertCache {
    fn get(&self, url: &str, now: std::time::Instant) -> Option<Vec<u8>> {
        self.0.get(url).filter(|(_, at)| now.duration_since(*at) < CERT_TTL).map(|(pem, _)| pem.clone())
    }

    fn put(&mut self, url: &str, pem: Vec<u8>, now: std::time::Instant) {
        self.0.retain(|_, (_, at)| now.duration_since(*at) < CERT_TTL);
        while self.0.len() >= CERT_CACHE_MAX {
            let Some(oldest) = self.0.iter().min_by_key(|(_, (_, at))| *at).map(|(url, _)| url.clone()) else { break };
            self.0.remove(&oldest);
        }
        self.0.insert(url.to_owned(), (pem, now));
    }
}

/// Fetches certificates (cached per URL: they are public and rarely change) and confirms subscriptions.
#[derive(Clone)]
pub struct SnsClient {
    http: reqwest::Client,
    pub policy: CertPolicy,
    cache: Arc<Mutex<CertCache>>,
}

impl SnsClient {
    pub fn new(policy: CertPolicy) -> Result<Self, SnsError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| SnsError::Certificate(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(std::time::Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SnsError::Certificate(e.to_string()))?;
        Ok(Self { http, policy, cache: Arc::default() })
    }

    pub async fn certificate(&self, url: &str) -> Result<Vec<u8>, SnsError> {
        if !self.policy.allows_certificate(url) {
            return Err(SnsError::CertificateUrl(url.to_owned()));
        }
        let cached = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(url, std::time::Instant::now());
        if let Some(pem) = cached {
            return Ok(pem);
        }
        let too_long = || SnsError::Certificate(format!("{url}: longer than {CERT_MAX_BYTES} bytes"));
        let mut response = self.http.get(url).send().await.map_err(|e| SnsError::Certificate(e.to_string()))?;
        if !response.status().is_success() {
            return Err(SnsError::Certificate(format!("{url}: {}", response.status())));
        }
        if response.content_length().is_some_and(|n| n > CERT_MAX_BYTES as u64) {
            return Err(too_long());
        }
        let mut pem = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| SnsError::Certificate(e.to_string()))? {
            if pem.len() + chunk.len() > CERT_MAX_BYTES {
                return Err(too_long());
            }
            pem.extend_from_slice(&chunk);
        }
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).put(url, pem.clone(), std::time::Instant::now());
        Ok(pem)
    }

    /// Visits the SubscribeURL of a verified SubscriptionConfirmation.
    pub async fn confirm(&self, subscribe_url: &str) -> Result<(), SnsError> {
        if !self.policy.allows_host(subscribe_url) {
            return Err(SnsError::CertificateUrl(subscribe_url.to_owned()));
        }
        let response = self.http.get(subscribe_url).send().await.map_err(|e| SnsError::Certificate(e.to_string()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(SnsError::Certificate(format!("confirmation answered {}", response.status())))
        }
    }
}

/// Signs a message as SNS does, with the simulator's key (dev mode and tests; SHA-256, version 2).
pub fn sign_v2(message: &SnsMessage, key_pkcs8: &[u8]) -> Result<String, SnsError> {
    use base64::Engine as _;
    let key =
        aws_lc_rs::signature::RsaKeyPair::from_pkcs8(key_pkcs8).map_err(|e| SnsError::Certificate(e.to_string()))?;
    let mut signature = vec![0u8; key.public_modulus_len()];
    key.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        message.string_to_sign()?.as_bytes(),
        &mut signature,
    )
    .map_err(|_| SnsError::Signature)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(signature))
}

/// The simulator's signing certificate and key (see `fixtures/README.md`).
pub const SIMULATOR_CERT_PEM: &[u8] = include_bytes!("../fixtures/sns-simulator-cert.pem");
pub const SIMULATOR_KEY_PKCS8: &[u8] = include_bytes!("../fixtures/sns-simulator-key.pk8");

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(now: i64) -> SnsMessage {
        let timestamp = time::OffsetDateTime::from_unix_timestamp(now)
            .expect("time")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("format");
        SnsMessage {
            kind: "Notification".into(),
            message_id: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324".into(),
            topic_arn: "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-guance-dev".into(),
            subject: None,
            message:
                r#"{"action":"subscribe-success","customer-identifier":"X01EXAMPLEX","product-code":"guance-dev"}"#
                    .into(),
            timestamp,
            signature_version: "2".into(),
            signature: String::new(),
            signing_cert_url: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem".into(),
            subscribe_url: None,
            token: None,
        }
    }

    #[test]
    fn the_string_to_sign_follows_the_documented_order() {
        let mut m = notification(1_700_000_000);
        m.subject = Some("s".into());
        let s = m.string_to_sign().expect("string");
        let keys: Vec<&str> = s.lines().step_by(2).collect();
        assert_eq!(keys, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]);
        m.kind = "SubscriptionConfirmation".into();
        assert!(m.string_to_sign().is_err(), "a confirmation needs SubscribeURL and Token");
        m.subscribe_url = Some("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription".into());
        m.token = Some("t".into());
        let keys: Vec<String> = m.string_to_sign().expect("string").lines().step_by(2).map(str::to_owned).collect();
        assert_eq!(keys, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]);
    }

    #[test]
    fn a_signed_message_verifies_and_a_tampered_or_stale_one_does_not() {
        let now = 1_700_000_000;
        let mut m = notification(now);
        m.signature = sign_v2(&m, SIMULATOR_KEY_PKCS8).expect("sign");
        assert_eq!(m.verify(SIMULATOR_CERT_PEM, now + 10), Ok(()));
        let mut tampered = m.clone();
        tampered.message = tampered.message.replace("subscribe-success", "unsubscribe-success");
        assert_eq!(tampered.verify(SIMULATOR_CERT_PEM, now), Err(SnsError::Signature));
        let mut other_version = m.clone();
        other_version.signature_version = "1".into();
        assert_eq!(
            other_version.verify(SIMULATOR_CERT_PEM, now),
            Err(SnsError::Signature),
            "SHA-1 over a SHA-256 signature"
        );
        assert_eq!(m.verify(SIMULATOR_CERT_PEM, now + MAX_AGE_SECS + 1), Err(SnsError::Stale), "a day-old replay");
        let mut bad = m.clone();
        bad.signature_version = "3".into();
        assert!(matches!(bad.verify(SIMULATOR_CERT_PEM, now), Err(SnsError::Malformed(_))));
    }

    #[test]
    fn signature_version_1_is_sha1_with_rsa() {
        // Signed with `openssl dgst -sha1 -sign` over this message's string to sign (fixtures/README.md).
        let now = 1_700_000_000;
        let mut m = notification(now);
        m.signature_version = "1".into();
        m.signature = include_str!("../fixtures/sns-v1-signature.b64").trim().to_owned();
        assert_eq!(m.verify(SIMULATOR_CERT_PEM, now), Ok(()));
        m.signature_version = "2".into();
        assert_eq!(m.verify(SIMULATOR_CERT_PEM, now), Err(SnsError::Signature));
    }

    #[test]
    fn certificates_come_only_from_sns_hosts_or_the_dev_simulator() {
        let prod = CertPolicy::default();
        let china_cert =
            "https://sns.cn-northwest-1.amazonaws.com.cn/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem";
        assert!(prod.allows_certificate("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem"));
        assert!(!prod.allows_certificate(china_cert), "the global partition's hosts only");
        let china = CertPolicy { partition: crate::partition::Partition::AwsCn, ..CertPolicy::default() };
        assert!(china.allows_certificate(china_cert));
        assert!(!china.allows_certificate("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem"));
        assert!(!china.allows_certificate(
            "https://sns.cn-northwest-1.amazonaws.com.cn.evil.example/SimpleNotificationService-1.pem"
        ));
        for bad in [
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem?x=1",
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem#x",
            "https://sns.us-east-1.amazonaws.com/a/../SimpleNotificationService-1.pem",
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-.pem",
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-xyz.pem",
            "https://sns.us-east-1.amazonaws.com/x.pem",
            "http://sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
            "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
            "https://sns.us-east-1.amazonaws.com/x.txt",
            "https://sqs.us-east-1.amazonaws.com/x.pem",
            "https://sns.us.amazonaws.com@evil.example/x.pem",
            "https://sns..amazonaws.com/x.pem",
        ] {
            assert!(!prod.allows_certificate(bad), "{bad}");
        }
        let dev = CertPolicy { dev_prefix: Some("http://127.0.0.1:3000/_sim/aws/".into()), ..CertPolicy::default() };
        assert!(dev.allows_certificate("http://127.0.0.1:3000/_sim/aws/sns/cert.pem"));
        assert!(!dev.allows_certificate("http://127.0.0.1:3001/_sim/aws/sns/cert.pem"));
        assert!(!dev.allows_certificate("http://127.0.0.1:3000/_sim/aws/sns/cert.pem?x"));
    }

    #[test]
    fn the_certificate_cache_is_bounded_in_number_and_age() {
        let start = std::time::Instant::now();
        let mut cache = CertCache::default();
        for i in 0..CERT_CACHE_MAX + 5 {
            cache.put(&format!("u{i}"), vec![1], start + std::time::Duration::from_secs(i as u64));
        }
        assert_eq!(cache.0.len(), CERT_CACHE_MAX);
        let later = start + std::time::Duration::from_secs(100);
        assert_eq!(cache.get("u0", later), None, "the oldest went first");
        assert_eq!(cache.get(&format!("u{}", CERT_CACHE_MAX + 4), later), Some(vec![1]));
        assert_eq!(cache.get(&format!("u{}", CERT_CACHE_MAX + 4), later + CERT_TTL), None, "stale after a day");
    }

    #[tokio::test]
    async fn a_certificate_body_over_the_cap_is_refused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let app =
            axum::Router::new().route("/sns/cert.pem", axum::routing::get(|| async { "A".repeat(CERT_MAX_BYTES + 1) }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = SnsClient::new(CertPolicy {
            dev_prefix: Some(format!("http://127.0.0.1:{port}/")),
            ..CertPolicy::default()
        })
        .expect("client");
        let url = format!("http://127.0.0.1:{port}/sns/cert.pem");
        assert!(matches!(client.certificate(&url).await, Err(SnsError::Certificate(e)) if e.contains("longer than")));
    }
}
