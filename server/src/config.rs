//! Configuration from the environment (see the README's table). `dev` has embedded defaults for everything;
//! `prod` refuses to start without its required settings and names every missing one.

use app::domain::ProductCode;
use app::i18n::Locale;
use app::messages::describe_in;
use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dev,
    Prod,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub site_addr: SocketAddr,
    pub database_url: String,
    pub smtp_url: Option<String>,
    /// `None` in prod means AWS's regional endpoint; dev defaults to the built-in simulator.
    pub aws_endpoint: Option<String>,
    pub aws_region: String,
    /// The listing's AWS partition (`PORTAL_AWS_PARTITION`: `aws` or `aws-cn`; unset: the one `AWS_REGION`
    /// is in). `AWS_REGION` defaults to the partition's (us-east-1, cn-northwest-1).
    pub aws_partition: crate::partition::Partition,
    pub product_code: ProductCode,
    /// The From: of every email.
    pub mail_from: lettre::message::Mailbox,
    /// Key of the HMAC that protects stored verification codes. Dev: random at each start.
    pub secret_key: SecretKey,
    /// Where buyers reach the portal, for links in emails (`PORTAL_PUBLIC_URL`); no trailing slash.
    pub public_url: String,
    /// Bearer token of `POST /internal/usage` (`PORTAL_INTERNAL_TOKEN`). Dev default: [`DEV_INTERNAL_TOKEN`].
    pub internal_token: SecretKey,
    /// Seconds between runs of the metering job (`PORTAL_METERING_INTERVAL_SECS`); 0 turns it off.
    pub metering_interval_secs: u64,
    /// Dimensions in which subscribed customers without usage in an hour get a zero-quantity record
    /// (`PORTAL_METERING_HEARTBEAT_DIMENSIONS`, comma-separated; default the listing's base dimension, `none`
    /// turns heartbeats off). Each must be one of the listing's dimensions.
    pub metering_heartbeat_dimensions: Vec<String>,
    /// Seconds between runs of the reconciliation with AWS's agreements (`PORTAL_RECONCILE_INTERVAL_SECS`);
    /// 0 turns it off. The first run comes one interval after start.
    pub reconcile_interval_secs: u64,
    /// The `x-api-key` EventBridge's API destination sends (`PORTAL_EVENTBRIDGE_API_KEY`); `None` (prod
    /// without it) leaves `/marketplace/aws/eventbridge` unconfigured. Dev default: [`DEV_EVENTBRIDGE_API_KEY`].
    pub eventbridge_api_key: Option<SecretKey>,
    /// The SNS topics whose messages `/marketplace/aws/sns` accepts (`PORTAL_SNS_TOPIC_ARNS`, comma-separated).
    /// Default: AWS Marketplace's two topics of the listing, [`default_sns_topics`].
    pub sns_topic_arns: Vec<String>,
    /// Origins allowed to post a registration token to `/marketplace/aws` (`PORTAL_FULFILLMENT_ORIGINS`,
    /// comma-separated; `https://*.domain` for subdomains). Default: AWS Marketplace's (see
    /// [`crate::fulfillment::DEFAULT_FULFILLMENT_ORIGINS`]); the portal's own origin is always allowed.
    pub fulfillment_origins: Vec<String>,
    /// Bearer token of `GET /metrics` (`PORTAL_METRICS_TOKEN`, at least 32 characters). Unset: `/metrics` is
    /// open in dev and not served at all (404) in prod.
    pub metrics_token: Option<SecretKey>,
    /// Proxies in front of the portal that append the client's address to `X-Forwarded-For`
    /// (`PORTAL_TRUSTED_PROXY_HOPS`, default 0: the TCP peer is the client).
    pub trusted_proxy_hops: usize,
    /// Limited posts of each kind per client and per session a minute (`PORTAL_RATE_LIMIT_PER_MINUTE`).
    pub rate_limit_per_minute: std::num::NonZeroU32,
    /// Addresses shown on buyer pages (`PORTAL_INTRO_VIDEO_URL`, `PORTAL_DATAKIT_DOCS_URL`): `https://` (or
    /// `http://` in dev); defaults: Guance's documentation.
    pub links: app::domain::links::SiteLinks,
}

/// Key material: usable, never printed.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// The shortest `PORTAL_SECRET_KEY` accepted.
pub const MIN_SECRET_KEY_LEN: usize = 32;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("PORTAL_ENV must be `dev` or `prod`, not {0:?}")]
    UnknownMode(String),
    #[error(
        "PORTAL_ENV=dev serves a token simulator and a mailbox of every code: it listens on loopback only, not on {0}"
    )]
    DevNotLoopback(SocketAddr),
    #[error("missing required settings for PORTAL_ENV=prod: {}", .0.join(", "))]
    Missing(Vec<&'static str>),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/portal.db?mode=rwc";
pub const DEFAULT_PRODUCT_CODE: &str = "guance-dev";
pub const DEFAULT_MAIL_FROM: &str = "Guance <no-reply@guance.example>";
/// The internal token in dev mode (prod requires its own).
pub const DEV_INTERNAL_TOKEN: &str = "dev-internal-token";
pub const DEFAULT_METERING_INTERVAL_SECS: u64 = 600;
pub const DEFAULT_RECONCILE_INTERVAL_SECS: u64 = 3600;
/// Limited posts of each kind (see `server::limits`) per client and per session a minute.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: std::num::NonZeroU32 = match std::num::NonZeroU32::new(20) {
    Some(n) => n,
    None => std::num::NonZeroU32::MIN,
};
/// EventBridge's API key in dev mode.
pub const DEV_EVENTBRIDGE_API_KEY: &str = "dev-eventbridge-api-key";

/// The setting `name` is refused for `reason`.
fn invalid(name: &'static str, reason: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid { name, reason: reason.to_string() }
}

/// A secret setting `name` when set: at least [`MIN_SECRET_KEY_LEN`] characters.
fn secret(name: &'static str, value: Option<String>) -> Result<Option<SecretKey>, ConfigError> {
    match value {
        Some(value) if value.len() < MIN_SECRET_KEY_LEN => {
            Err(ConfigError::Invalid { name, reason: format!("it must be at least {MIN_SECRET_KEY_LEN} characters") })
        }
        value => Ok(value.map(|v| SecretKey(v.into_bytes()))),
    }
}

/// `PORTAL_SNS_TOPIC_ARNS`: a comma-separated list of SNS topic ARNs.
fn sns_topics(list: &str) -> Result<Vec<String>, ConfigError> {
    let topics: Vec<String> = list.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
    if let Some(bad) = topics.iter().find(|t| !t.starts_with("arn:aws") || t.split(':').count() != 6) {
        return Err(ConfigError::Invalid {
            name: "PORTAL_SNS_TOPIC_ARNS",
            reason: format!("{bad:?} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"),
        });
    }
    Ok(topics)
}

/// The settings that guard the doors: who may send events, from where a buyer may arrive, who may read the
/// metrics, which proxies to believe, and how fast one client may post.
struct Guards {
    eventbridge_api_key: Option<SecretKey>,
    sns_topic_arns: Vec<String>,
    fulfillment_origins: Vec<String>,
    metrics_token: Option<SecretKey>,
    trusted_proxy_hops: usize,
    rate_limit_per_minute: std::num::NonZeroU32,
}

impl Guards {
    fn read(
        get: &impl Fn(&str) -> Option<String>,
        mode: Mode,
        product_code: &ProductCode,
        partition: crate::partition::Partition,
    ) -> Result<Self, ConfigError> {
        let eventbridge_api_key = match (secret("PORTAL_EVENTBRIDGE_API_KEY", get("PORTAL_EVENTBRIDGE_API_KEY"))?, mode)
        {
            (Some(key), _) => Some(key),
            (None, Mode::Dev) => Some(SecretKey(DEV_EVENTBRIDGE_API_KEY.as_bytes().to_vec())),
            (None, Mode::Prod) => None,
        };
        let sns_topic_arns = match (get("PORTAL_SNS_TOPIC_ARNS"), partition, mode) {
            (Some(list), _, _) => sns_topics(&list)?,
            // AWS China's Marketplace topics are the listing's to name: no guess opens the door in prod.
            (None, crate::partition::Partition::AwsCn, Mode::Prod) => {
                return Err(invalid("PORTAL_SNS_TOPIC_ARNS", "the AWS China listing's SNS topics must be named"))
            }
            (None, _, _) => default_sns_topics(partition, product_code),
        };
        let fulfillment_origins = match get("PORTAL_FULFILLMENT_ORIGINS") {
            Some(list) => list.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect(),
            None => crate::fulfillment::DEFAULT_FULFILLMENT_ORIGINS.iter().map(|o| o.to_string()).collect(),
        };
        let metrics_token = secret("PORTAL_METRICS_TOKEN", get("PORTAL_METRICS_TOKEN"))?;
        let trusted_proxy_hops =
            match get("PORTAL_TRUSTED_PROXY_HOPS") {
                None => 0,
                Some(v) => v.parse().ok().filter(|n| *n <= 8).ok_or_else(|| {
                    invalid("PORTAL_TRUSTED_PROXY_HOPS", "it must be a number of proxies from 0 to 8")
                })?,
            };
        let rate_limit_per_minute = match get("PORTAL_RATE_LIMIT_PER_MINUTE") {
            None => DEFAULT_RATE_LIMIT_PER_MINUTE,
            Some(v) => v
                .parse()
                .map_err(|_| invalid("PORTAL_RATE_LIMIT_PER_MINUTE", "it must be a whole number of at least 1"))?,
        };
        Ok(Guards {
            eventbridge_api_key,
            sns_topic_arns,
            fulfillment_origins,
            metrics_token,
            trusted_proxy_hops,
            rate_limit_per_minute,
        })
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `get` (a map in tests). Empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        // Unset is prod: dev mounts a simulator that mints tokens for any AWS account and a mailbox showing
        // every code, so it must be asked for by name (`make run`, the tests and the benchmarks do).
        let mode = match get("PORTAL_ENV").as_deref() {
            Some("dev") => Mode::Dev,
            None | Some("prod") => Mode::Prod,
            Some(other) => return Err(ConfigError::UnknownMode(other.to_owned())),
        };
        let site_addr: SocketAddr = get("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| DEFAULT_SITE_ADDR.to_owned())
            .parse()
            .map_err(|e| invalid("LEPTOS_SITE_ADDR", e))?;
        if mode == Mode::Dev && !site_addr.ip().is_loopback() {
            return Err(ConfigError::DevNotLoopback(site_addr));
        }

        let database_url = get("DATABASE_URL");
        let smtp_url = get("SMTP_URL");
        let product_code = get("AWS_MARKETPLACE_PRODUCT_CODE");
        let secret_key = get("PORTAL_SECRET_KEY");
        let public_url = get("PORTAL_PUBLIC_URL");
        let internal_token = get("PORTAL_INTERNAL_TOKEN");
        if mode == Mode::Prod {
            let required = [
                ("DATABASE_URL", &database_url),
                ("SMTP_URL", &smtp_url),
                ("AWS_MARKETPLACE_PRODUCT_CODE", &product_code),
                ("PORTAL_SECRET_KEY", &secret_key),
                ("PORTAL_PUBLIC_URL", &public_url),
                ("PORTAL_INTERNAL_TOKEN", &internal_token),
            ];
            let missing: Vec<&'static str> =
                required.into_iter().filter_map(|(name, value)| value.is_none().then_some(name)).collect();
            if !missing.is_empty() {
                return Err(ConfigError::Missing(missing));
            }
            check_prod_transport(
                database_url.as_deref().unwrap_or_default(),
                smtp_url.as_deref().unwrap_or_default(),
                public_url.as_deref().unwrap_or_default(),
                get("AWS_MARKETPLACE_ENDPOINT").as_deref(),
            )?;
        }
        let product_code =
            ProductCode::parse(product_code.as_deref().unwrap_or(DEFAULT_PRODUCT_CODE)).map_err(|e| {
                ConfigError::Invalid {
                    name: "AWS_MARKETPLACE_PRODUCT_CODE",
                    reason: describe_in(Locale::en, "the product code", e),
                }
            })?;
        let aws_endpoint = match (get("AWS_MARKETPLACE_ENDPOINT"), mode) {
            (Some(url), _) => Some(url),
            (None, Mode::Dev) => Some(simulator_url(site_addr)),
            (None, Mode::Prod) => None,
        };
        let mail_from = get("PORTAL_MAIL_FROM")
            .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned())
            .parse()
            .map_err(|e| invalid("PORTAL_MAIL_FROM", e))?;
        let secret_key = secret("PORTAL_SECRET_KEY", secret_key)?.unwrap_or_else(|| {
            let mut key = vec![0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
            SecretKey(key)
        });
        let public_url = match public_url {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(_) => return Err(invalid("PORTAL_PUBLIC_URL", "it must start with https:// or http://")),
            None => format!("http://{}", loopback_authority(site_addr)),
        };
        let internal_token = secret("PORTAL_INTERNAL_TOKEN", internal_token)?
            .unwrap_or_else(|| SecretKey(DEV_INTERNAL_TOKEN.as_bytes().to_vec()));
        let (metering_interval_secs, reconcile_interval_secs, metering_heartbeat_dimensions) = read_jobs(&get)?;
        let (aws_partition, aws_region) = read_partition(&get)?;
        let guards = Guards::read(&get, mode, &product_code, aws_partition)?;
        Ok(Config {
            links: read_links(&get, mode, aws_partition)?,
            trusted_proxy_hops: guards.trusted_proxy_hops,
            rate_limit_per_minute: guards.rate_limit_per_minute,
            metrics_token: guards.metrics_token,
            fulfillment_origins: guards.fulfillment_origins,
            sns_topic_arns: guards.sns_topic_arns,
            eventbridge_api_key: guards.eventbridge_api_key,
            internal_token,
            metering_interval_secs,
            metering_heartbeat_dimensions,
            reconcile_interval_secs,
            public_url,
            mode,
            mail_from,
            secret_key,
            site_addr,
            database_url: database_url.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            smtp_url,
            aws_endpoint,
            aws_region,
            aws_partition,
            product_code,
        })
    }

    pub fn dev_mode(&self) -> bool {
        self.mode == Mode::Dev
    }
}

/// The schedules of the metering job and the reconciliation, and the job's heartbeat dimensions.
fn read_jobs(get: &impl Fn(&str) -> Option<String>) -> Result<(u64, u64, Vec<String>), ConfigError> {
    let seconds = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
        get(name).map_or(Ok(default), |v| v.parse().map_err(|e| invalid(name, e)))
    };
    Ok((
        seconds("PORTAL_METERING_INTERVAL_SECS", DEFAULT_METERING_INTERVAL_SECS)?,
        seconds("PORTAL_RECONCILE_INTERVAL_SECS", DEFAULT_RECONCILE_INTERVAL_SECS)?,
        heartbeat_dimensions(get("PORTAL_METERING_HEARTBEAT_DIMENSIONS").as_deref())?,
    ))
}

/// `PORTAL_METERING_HEARTBEAT_DIMENSIONS`: unset, the base dimension; `none`, no heartbeats; else names of the
/// listing's dimensions, comma-separated (an unknown one refuses to start, naming it).
fn heartbeat_dimensions(value: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let name = "PORTAL_METERING_HEARTBEAT_DIMENSIONS";
    let Some(value) = value else {
        return Ok(vec![crate::metering::BASE_DIMENSION.to_owned()]);
    };
    if value == "none" {
        return Ok(Vec::new());
    }
    let mut dimensions: Vec<String> = Vec::new();
    for dimension in value.split(',').map(str::trim) {
        if !crate::metering::DIMENSIONS.contains(&dimension) {
            return Err(invalid(
                name,
                format!(
                    "{dimension:?} is not a dimension of the listing ({}); `none` turns heartbeats off",
                    crate::metering::DIMENSIONS.join(", ")
                ),
            ));
        }
        if !dimensions.iter().any(|d| d == dimension) {
            dimensions.push(dimension.to_owned());
        }
    }
    Ok(dimensions)
}

/// The addresses shown on buyer pages: `https://` (or `http://` in dev), else the defaults.
fn read_links(
    get: &impl Fn(&str) -> Option<String>,
    mode: Mode,
    partition: crate::partition::Partition,
) -> Result<app::domain::links::SiteLinks, ConfigError> {
    let link = |name: &'static str, default: String| match get(name) {
        None => Ok(default),
        Some(url) if url.starts_with("https://") || (mode == Mode::Dev && url.starts_with("http://")) => Ok(url),
        Some(_) => Err(invalid(name, "it must be an https:// address")),
    };
    let defaults = app::domain::links::SiteLinks::default();
    Ok(app::domain::links::SiteLinks {
        intro_video: link("PORTAL_INTRO_VIDEO_URL", defaults.intro_video)?,
        datakit_docs: link("PORTAL_DATAKIT_DOCS_URL", defaults.datakit_docs)?,
        // Dev serves a sample of its own.
        terms: link("PORTAL_TERMS_URL", if mode == Mode::Dev { app::paths::TERMS.to_owned() } else { defaults.terms })?,
        marketplace: link("PORTAL_MARKETPLACE_URL", partition.marketplace().to_owned())?,
        // Support may be an address to write to.
        support: match get("PORTAL_SUPPORT_URL") {
            Some(mail)
                if mail
                    .strip_prefix("mailto:")
                    .is_some_and(|to| to.contains('@') && !to.contains(['<', '>', '"', ' '])) =>
            {
                mail
            }
            _ => link("PORTAL_SUPPORT_URL", defaults.support.clone())?,
        },
        privacy: link("PORTAL_PRIVACY_URL", defaults.privacy)?,
        consoles: match get("PORTAL_CONSOLE_URLS") {
            None => Vec::new(),
            Some(list) => consoles(&list)?,
        },
    })
}

/// `PORTAL_CONSOLE_URLS`: `site=https://…` pairs, comma-separated, for sites whose console is elsewhere.
fn consoles(list: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let refuse = || invalid("PORTAL_CONSOLE_URLS", "it must be site=https://… pairs, e.g. cn2=https://console.example");
    list.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((site, url))
                if app::domain::Site::ALL.iter().any(|s| s.code() == site.trim())
                    && url.trim().starts_with("https://") =>
            {
                Ok((site.trim().to_owned(), url.trim().to_owned()))
            }
            _ => Err(refuse()),
        })
        .collect()
}

/// The AWS partition and region: `PORTAL_AWS_PARTITION` (else the one `AWS_REGION` is in, else `aws`) and
/// `AWS_REGION` (else the partition's); a region of the other partition is refused.
fn read_partition(get: &impl Fn(&str) -> Option<String>) -> Result<(crate::partition::Partition, String), ConfigError> {
    use crate::partition::Partition;
    let region = get("AWS_REGION");
    let partition = match get("PORTAL_AWS_PARTITION") {
        Some(code) => Partition::parse(&code)
            .ok_or_else(|| invalid("PORTAL_AWS_PARTITION", "it must be aws (global) or aws-cn (AWS China)"))?,
        None => region.as_deref().map(Partition::of_region).unwrap_or_default(),
    };
    let region = region.unwrap_or_else(|| partition.default_region().to_owned());
    if Partition::of_region(&region) != partition {
        return Err(invalid("AWS_REGION", format!("{region} is not in the {} partition", partition.code())));
    }
    Ok((partition, region))
}

/// AWS Marketplace's SNS topics for a listing (the seller guide's "SNS notifications for SaaS products"): its
/// subscription and entitlement notifications (see [`crate::partition::Partition::marketplace_topic`]).
pub fn default_sns_topics(partition: crate::partition::Partition, product_code: &ProductCode) -> Vec<String> {
    ["subscription", "entitlement"]
        .iter()
        .map(|kind| partition.marketplace_topic(kind, product_code.as_str()))
        .collect()
}

/// Prod talks to the world over TLS only: buyers over `https://`, mail over SMTPS or STARTTLS required,
/// PostgreSQL with `sslmode=require` (or `verify-ca` / `verify-full`), AWS over `https://`. SQLite is a local
/// file and needs nothing.
fn check_prod_transport(
    database_url: &str,
    smtp_url: &str,
    public_url: &str,
    aws_endpoint: Option<&str>,
) -> Result<(), ConfigError> {
    let invalid = |name, reason: &str| Err(ConfigError::Invalid { name, reason: reason.to_owned() });
    if !public_url.starts_with("https://") {
        return invalid("PORTAL_PUBLIC_URL", "PORTAL_ENV=prod serves buyers over https:// only");
    }
    let query = |url: &str| url.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
    let param = |url: &str, key: &str| {
        query(url)
            .split('&')
            .find_map(|pair| pair.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v.to_owned()))
    };
    let smtp_tls = smtp_url.starts_with("smtps://")
        || (smtp_url.starts_with("smtp://")
            && matches!(param(smtp_url, "tls").as_deref(), Some("required" | "wrapper")));
    if !smtp_tls {
        return invalid("SMTP_URL", "PORTAL_ENV=prod sends mail over TLS only: smtps://… or smtp://…?tls=required");
    }
    let postgres = database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
    if postgres && !matches!(param(database_url, "sslmode").as_deref(), Some("require" | "verify-ca" | "verify-full")) {
        return invalid(
            "DATABASE_URL",
            "PORTAL_ENV=prod reaches PostgreSQL over TLS only: add sslmode=require (or verify-ca / verify-full)",
        );
    }
    if aws_endpoint.is_some_and(|url| !url.starts_with("https://")) {
        return invalid("AWS_MARKETPLACE_ENDPOINT", "PORTAL_ENV=prod reaches AWS over https:// only");
    }
    Ok(())
}

/// The simulator's endpoint on this very server; an unspecified listen address is reached on loopback.
pub fn simulator_url(addr: SocketAddr) -> String {
    format!("http://{}/_sim/aws/", loopback_authority(addr))
}

/// `host:port` for reaching `addr` from this machine.
fn loopback_authority(addr: SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        if addr.is_ipv4() {
            "127.0.0.1".to_owned()
        } else {
            "[::1]".to_owned()
        }
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    format!("{host}:{}", addr.port())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    /// `pairs` in dev mode.
    fn dev(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut all = vec![("PORTAL_ENV", "dev")];
        all.extend_from_slice(pairs);
        config(&all)
    }

    const PROD: [(&str, &str); 7] = [
        ("PORTAL_ENV", "prod"),
        ("DATABASE_URL", "postgres://portal@db.internal/portal?sslmode=verify-full"),
        ("SMTP_URL", "smtp://u:p@mail:587?tls=required"),
        ("AWS_MARKETPLACE_PRODUCT_CODE", "abc123"),
        ("PORTAL_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
        ("PORTAL_PUBLIC_URL", "https://activate.example.com/"),
        ("PORTAL_INTERNAL_TOKEN", "fedcba9876543210fedcba9876543210"),
    ];

    /// The prod settings with `changes` (an empty value removes a setting).
    fn prod(changes: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut all: Vec<(&str, &str)> =
            PROD.iter().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).copied().collect();
        all.extend(changes.iter().filter(|(_, v)| !v.is_empty()));
        config(&all)
    }

    #[test]
    fn dev_defaults_use_the_embedded_services() {
        let c = dev(&[]).expect("dev config");
        assert_eq!(c.mode, Mode::Dev);
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.aws_endpoint.as_deref(), Some("http://127.0.0.1:3000/_sim/aws/"));
        assert_eq!(c.aws_region, "us-east-1");
        assert_eq!(c.product_code.as_str(), "guance-dev");
        assert_eq!(c.smtp_url, None);
        assert_eq!(c.mail_from.to_string(), DEFAULT_MAIL_FROM);
    }

    #[test]
    fn dev_simulator_follows_the_listen_address() {
        let c = dev(&[("LEPTOS_SITE_ADDR", "127.0.0.2:8080")]).expect("config");
        assert_eq!(c.aws_endpoint.as_deref(), Some("http://127.0.0.2:8080/_sim/aws/"));
        let c = dev(&[("LEPTOS_SITE_ADDR", "[::1]:8080")]).expect("config");
        assert_eq!(c.aws_endpoint.as_deref(), Some("http://[::1]:8080/_sim/aws/"));
        let c = dev(&[("AWS_MARKETPLACE_ENDPOINT", "http://example.test/")]).expect("config");
        assert_eq!(c.aws_endpoint.as_deref(), Some("http://example.test/"));
    }

    #[test]
    fn unset_mode_is_prod_and_dev_listens_on_loopback_only() {
        assert!(matches!(config(&[]), Err(ConfigError::Missing(_))), "no PORTAL_ENV is prod, never dev");
        assert!(matches!(config(&[("PORTAL_ENV", " ")]), Err(ConfigError::Missing(_))), "blank is unset");
        let c = prod(&[("PORTAL_ENV", "")]).expect("prod settings without PORTAL_ENV");
        assert_eq!(c.mode, Mode::Prod);
        for addr in ["0.0.0.0:3000", "[::]:3000", "192.168.1.10:3000"] {
            assert!(matches!(dev(&[("LEPTOS_SITE_ADDR", addr)]), Err(ConfigError::DevNotLoopback(_))), "dev on {addr}");
        }
        assert!(prod(&[("LEPTOS_SITE_ADDR", "0.0.0.0:3000")]).is_ok(), "prod listens anywhere");
    }

    #[test]
    fn the_partition_chooses_region_topics_and_marketplace_and_mismatches_are_refused() {
        use crate::partition::Partition;
        let c = dev(&[("PORTAL_AWS_PARTITION", "aws-cn")]).expect("config");
        assert_eq!((c.aws_partition, c.aws_region.as_str()), (Partition::AwsCn, "cn-northwest-1"));
        assert!(
            c.sns_topic_arns.iter().all(|t| t.starts_with("arn:aws-cn:sns:cn-northwest-1:")),
            "{:?}",
            c.sns_topic_arns
        );
        assert_eq!(c.links.marketplace, "https://awsmarketplace.amazonaws.cn/marketplace/library");
        let c = dev(&[("AWS_REGION", "cn-north-1")]).expect("config");
        assert_eq!(c.aws_partition, Partition::AwsCn, "the region says which partition");
        let c = dev(&[]).expect("config");
        assert_eq!((c.aws_partition, c.aws_region.as_str()), (Partition::Aws, "us-east-1"));
        assert_eq!(c.links.marketplace, "https://aws.amazon.com/marketplace/library");
        let invalid = |changes: &[(&str, &str)]| match dev(changes) {
            Err(ConfigError::Invalid { name, .. }) => name,
            other => panic!("{changes:?} accepted: {other:?}"),
        };
        assert_eq!(invalid(&[("PORTAL_AWS_PARTITION", "aws-cn"), ("AWS_REGION", "us-east-1")]), "AWS_REGION");
        assert_eq!(invalid(&[("PORTAL_AWS_PARTITION", "aws"), ("AWS_REGION", "cn-northwest-1")]), "AWS_REGION");
        assert_eq!(invalid(&[("PORTAL_AWS_PARTITION", "china")]), "PORTAL_AWS_PARTITION");
        // Prod in China names the listing's topics: no guess.
        assert!(matches!(
            prod(&[("PORTAL_AWS_PARTITION", "aws-cn")]),
            Err(ConfigError::Invalid { name: "PORTAL_SNS_TOPIC_ARNS", .. })
        ));
        let topic = "arn:aws-cn:sns:cn-northwest-1:123456789012:aws-mp-subscription-notification-x";
        assert!(prod(&[("PORTAL_AWS_PARTITION", "aws-cn"), ("PORTAL_SNS_TOPIC_ARNS", topic)]).is_ok());
    }

    #[test]
    fn console_addresses_are_per_site_pairs_over_https() {
        let c = dev(&[("PORTAL_CONSOLE_URLS", "cn2=https://console.example.cn, us1=https://console.example.com")]);
        let links = c.expect("config").links;
        assert_eq!(links.console("cn2").as_deref(), Some("https://console.example.cn"));
        assert_eq!(links.console("us1").as_deref(), Some("https://console.example.com"));
        for bad in ["cn2", "xx=https://a.example", "cn2=http://a.example", "cn2=javascript:alert(1)"] {
            assert!(
                matches!(
                    dev(&[("PORTAL_CONSOLE_URLS", bad)]),
                    Err(ConfigError::Invalid { name: "PORTAL_CONSOLE_URLS", .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn prod_requires_tls_everywhere() {
        let refused = |changes: &[(&str, &str)]| match prod(changes) {
            Err(ConfigError::Invalid { name, .. }) => name,
            other => panic!("{changes:?} accepted: {other:?}"),
        };
        assert_eq!(refused(&[("PORTAL_PUBLIC_URL", "http://activate.example.com")]), "PORTAL_PUBLIC_URL");
        assert_eq!(refused(&[("PORTAL_INTRO_VIDEO_URL", "http://video.example.com/")]), "PORTAL_INTRO_VIDEO_URL");
        assert_eq!(refused(&[("PORTAL_DATAKIT_DOCS_URL", "javascript:alert(1)")]), "PORTAL_DATAKIT_DOCS_URL");
        let links = prod(&[("PORTAL_INTRO_VIDEO_URL", "https://video.example.com/intro")]).expect("config").links;
        assert_eq!(links.intro_video, "https://video.example.com/intro");
        assert_eq!(links.datakit_docs, app::domain::links::SiteLinks::default().datakit_docs);
        assert_eq!(links.support, "mailto:support@guance.com", "the footer's defaults");
        assert_eq!(links.privacy, "https://www.guance.com/privacy");
        let links = prod(&[
            ("PORTAL_SUPPORT_URL", "mailto:help@vendor.example"),
            ("PORTAL_PRIVACY_URL", "https://vendor.example/privacy"),
        ])
        .expect("config")
        .links;
        assert_eq!(
            (links.support.as_str(), links.privacy.as_str()),
            ("mailto:help@vendor.example", "https://vendor.example/privacy")
        );
        assert_eq!(
            prod(&[("PORTAL_SUPPORT_URL", "https://vendor.example/help")]).expect("config").links.support,
            "https://vendor.example/help"
        );
        assert_eq!(refused(&[("PORTAL_SUPPORT_URL", "javascript:alert(1)")]), "PORTAL_SUPPORT_URL");
        assert_eq!(refused(&[("PORTAL_SUPPORT_URL", "mailto:nobody")]), "PORTAL_SUPPORT_URL");
        assert_eq!(refused(&[("PORTAL_PRIVACY_URL", "http://vendor.example/privacy")]), "PORTAL_PRIVACY_URL");
        assert_eq!(refused(&[("SMTP_URL", "smtp://u:p@mail:587")]), "SMTP_URL");
        assert_eq!(refused(&[("SMTP_URL", "smtp://u:p@mail:587?tls=opportunistic")]), "SMTP_URL");
        assert_eq!(refused(&[("DATABASE_URL", "postgres://portal@db/portal")]), "DATABASE_URL");
        assert_eq!(refused(&[("DATABASE_URL", "postgres://portal@db/portal?sslmode=prefer")]), "DATABASE_URL");
        assert_eq!(refused(&[("AWS_MARKETPLACE_ENDPOINT", "http://aws.internal/")]), "AWS_MARKETPLACE_ENDPOINT");
        for ok in [
            ("SMTP_URL", "smtps://u:p@mail:465"),
            ("DATABASE_URL", "postgresql://db/portal?application_name=p&sslmode=require"),
            ("DATABASE_URL", "sqlite:///var/lib/portal/portal.db"),
        ] {
            assert!(prod(&[ok]).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn sns_topics_default_to_the_listings_and_can_be_configured() {
        let c = prod(&[]).expect("prod");
        assert_eq!(
            c.sns_topic_arns,
            [
                "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-abc123",
                "arn:aws:sns:us-east-1:287250355862:aws-mp-entitlement-notification-abc123"
            ]
        );
        let china = "arn:aws-cn:sns:cn-northwest-1:123456789012:aws-mp-subscription-notification-abc123";
        let list = format!(" {china} ,");
        let c = prod(&[("PORTAL_SNS_TOPIC_ARNS", list.as_str())]).expect("prod");
        assert_eq!(c.sns_topic_arns, [china]);
        assert!(matches!(
            prod(&[("PORTAL_SNS_TOPIC_ARNS", "https://evil.example/topic")]),
            Err(ConfigError::Invalid { name: "PORTAL_SNS_TOPIC_ARNS", .. })
        ));
    }

    #[test]
    fn prod_names_every_missing_setting() {
        let err = config(&[("PORTAL_ENV", "prod")]).expect_err("must refuse");
        assert_eq!(
            err,
            ConfigError::Missing(vec![
                "DATABASE_URL",
                "SMTP_URL",
                "AWS_MARKETPLACE_PRODUCT_CODE",
                "PORTAL_SECRET_KEY",
                "PORTAL_PUBLIC_URL",
                "PORTAL_INTERNAL_TOKEN"
            ])
        );
        assert_eq!(
            err.to_string(),
            "missing required settings for PORTAL_ENV=prod: DATABASE_URL, SMTP_URL, AWS_MARKETPLACE_PRODUCT_CODE, \
             PORTAL_SECRET_KEY, PORTAL_PUBLIC_URL, PORTAL_INTERNAL_TOKEN"
        );
        let err = config(&[("PORTAL_ENV", "prod"), ("SMTP_URL", "smtp://x"), ("DATABASE_URL", " ")])
            .expect_err("blank counts as missing");
        assert_eq!(
            err,
            ConfigError::Missing(vec![
                "DATABASE_URL",
                "AWS_MARKETPLACE_PRODUCT_CODE",
                "PORTAL_SECRET_KEY",
                "PORTAL_PUBLIC_URL",
                "PORTAL_INTERNAL_TOKEN"
            ])
        );
    }

    #[test]
    fn prod_with_settings_uses_the_regional_endpoint() {
        let c = prod(&[]).expect("prod config");
        assert_eq!(c.mode, Mode::Prod);
        assert_eq!(c.public_url, "https://activate.example.com");
        assert_eq!(c.aws_endpoint, None);
        assert!(!c.dev_mode());
    }

    #[test]
    fn proxies_and_rate_limits_are_explicit() {
        let c = dev(&[]).expect("dev");
        assert_eq!((c.trusted_proxy_hops, c.rate_limit_per_minute), (0, DEFAULT_RATE_LIMIT_PER_MINUTE));
        let c = dev(&[("PORTAL_TRUSTED_PROXY_HOPS", "1"), ("PORTAL_RATE_LIMIT_PER_MINUTE", "600")]).expect("dev");
        assert_eq!((c.trusted_proxy_hops, c.rate_limit_per_minute.get()), (1, 600));
        for (name, value) in [
            ("PORTAL_TRUSTED_PROXY_HOPS", "-1"),
            ("PORTAL_TRUSTED_PROXY_HOPS", "99"),
            ("PORTAL_RATE_LIMIT_PER_MINUTE", "0"),
            ("PORTAL_RATE_LIMIT_PER_MINUTE", "lots"),
        ] {
            assert!(
                matches!(dev(&[(name, value)]), Err(ConfigError::Invalid { name: n, .. }) if n == name),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn bad_values_are_named() {
        assert_eq!(config(&[("PORTAL_ENV", "staging")]).expect_err("mode"), ConfigError::UnknownMode("staging".into()));
        assert!(matches!(
            dev(&[("LEPTOS_SITE_ADDR", "nowhere")]),
            Err(ConfigError::Invalid { name: "LEPTOS_SITE_ADDR", .. })
        ));
        assert!(matches!(
            dev(&[("PORTAL_SECRET_KEY", "short")]),
            Err(ConfigError::Invalid { name: "PORTAL_SECRET_KEY", .. })
        ));
        assert!(matches!(
            dev(&[("PORTAL_MAIL_FROM", "not an address")]),
            Err(ConfigError::Invalid { name: "PORTAL_MAIL_FROM", .. })
        ));
        assert!(matches!(
            dev(&[("AWS_MARKETPLACE_PRODUCT_CODE", "bad code")]),
            Err(ConfigError::Invalid { name: "AWS_MARKETPLACE_PRODUCT_CODE", .. })
        ));
    }

    #[test]
    fn heartbeats_go_out_in_the_base_dimension_unless_told_otherwise() {
        let dimensions = |pairs: &[(&str, &str)]| dev(pairs).map(|c| c.metering_heartbeat_dimensions);
        assert_eq!(dimensions(&[]), Ok(vec!["hosts".to_owned()]));
        assert_eq!(prod(&[]).map(|c| c.metering_heartbeat_dimensions), Ok(vec!["hosts".to_owned()]));
        let name = "PORTAL_METERING_HEARTBEAT_DIMENSIONS";
        assert_eq!(dimensions(&[(name, "none")]), Ok(vec![]));
        assert_eq!(dimensions(&[(name, " log_gb, hosts,log_gb ")]), Ok(vec!["log_gb".to_owned(), "hosts".to_owned()]));
        for bad in ["gpus", "hosts,,log_gb", "hosts,gpus", "Hosts"] {
            let err = dimensions(&[(name, bad)]).expect_err(bad);
            assert!(
                matches!(&err, ConfigError::Invalid { name: n, reason } if *n == name && reason.contains("is not a dimension of the listing")),
                "{bad}: {err}"
            );
        }
        let err = dimensions(&[(name, "hosts,gpus")]).expect_err("unknown");
        assert!(err.to_string().contains("\"gpus\" is not a dimension of the listing (hosts, log_gb"), "{err}");
    }

    #[test]
    fn the_reconciliation_runs_hourly_unless_told_otherwise() {
        assert_eq!(dev(&[]).map(|c| c.reconcile_interval_secs).ok(), Some(DEFAULT_RECONCILE_INTERVAL_SECS));
        assert_eq!(prod(&[]).map(|c| c.reconcile_interval_secs).ok(), Some(3600));
        assert_eq!(dev(&[("PORTAL_RECONCILE_INTERVAL_SECS", "0")]).map(|c| c.reconcile_interval_secs).ok(), Some(0));
        assert!(matches!(
            dev(&[("PORTAL_RECONCILE_INTERVAL_SECS", "hourly")]),
            Err(ConfigError::Invalid { name: "PORTAL_RECONCILE_INTERVAL_SECS", .. })
        ));
    }
}
