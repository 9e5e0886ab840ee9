//! The AWS partition the listing is in: the global marketplace (`aws`) or the AWS China marketplace
//! (`aws-cn`, awsmarketplace.amazonaws.cn). It decides the SDK's default region (the SDK derives the endpoints
//! from the region), which hosts may serve SNS signing certificates, AWS Marketplace's SNS topics, and where
//! buyer pages send a buyer back to their subscriptions.

/// An AWS partition (`PORTAL_AWS_PARTITION`, else the one `AWS_REGION` is in).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Partition {
    #[default]
    Aws,
    AwsCn,
}

impl Partition {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "aws" => Some(Partition::Aws),
            "aws-cn" => Some(Partition::AwsCn),
            _ => None,
        }
    }

    /// The partition `region` is in (`cn-north-1`, `cn-northwest-1`: China).
    pub fn of_region(region: &str) -> Self {
        if region.starts_with("cn-") {
            Partition::AwsCn
        } else {
            Partition::Aws
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
        }
    }

    /// Where AWS Marketplace's APIs are called when `AWS_REGION` is unset.
    pub fn default_region(self) -> &'static str {
        match self {
            Partition::Aws => "us-east-1",
            Partition::AwsCn => "cn-northwest-1",
        }
    }

    /// The partition's DNS suffix: SNS certificates come from `sns.<region>.<suffix>` only.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
        }
    }

    /// The buyer's AWS Marketplace subscriptions page.
    pub fn marketplace(self) -> &'static str {
        match self {
            Partition::Aws => app::domain::links::GLOBAL_MARKETPLACE,
            Partition::AwsCn => app::domain::links::CHINA_MARKETPLACE,
        }
    }

    /// AWS Marketplace's SNS topic of `kind` (`subscription`, `entitlement`) for the listing `product`. The
    /// global marketplace publishes from us-east-1 under its account 287250355862 (the seller guide); for
    /// China the same names in cn-northwest-1 are what the dev simulator publishes — a real China listing
    /// names its topics in `PORTAL_SNS_TOPIC_ARNS` (prod refuses to start without them).
    pub fn marketplace_topic(self, kind: &str, product: &str) -> String {
        format!("arn:{}:sns:{}:287250355862:aws-mp-{kind}-notification-{product}", self.code(), self.default_region())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_has_its_region_hosts_topics_and_marketplace() {
        assert_eq!(Partition::parse("aws-cn"), Some(Partition::AwsCn));
        assert_eq!(Partition::parse("china"), None);
        assert_eq!(Partition::of_region("cn-northwest-1"), Partition::AwsCn);
        assert_eq!(Partition::of_region("us-east-1"), Partition::Aws);
        assert_eq!(Partition::AwsCn.default_region(), "cn-northwest-1");
        assert_eq!(
            Partition::Aws.marketplace_topic("subscription", "p1"),
            "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-p1"
        );
        assert_eq!(
            Partition::AwsCn.marketplace_topic("entitlement", "p1"),
            "arn:aws-cn:sns:cn-northwest-1:287250355862:aws-mp-entitlement-notification-p1"
        );
        assert!(Partition::AwsCn.marketplace().starts_with("https://awsmarketplace.amazonaws.cn/"));
        assert_eq!(Partition::AwsCn.dns_suffix(), "amazonaws.com.cn");
    }
}
