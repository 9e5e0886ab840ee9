//! The billing center as the owner of a billing account sees it: every workspace with how it is settled and
//! the state of that settlement.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingCenter {
    pub billing_username: String,
    pub workspaces: Vec<BillingWorkspace>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingWorkspace {
    pub id: i64,
    pub name: String,
    pub site_code: String,
    pub owner: String,
    pub settlement: Settlement,
    /// When the current settlement began (Unix seconds).
    pub since: Option<i64>,
    pub state: BillingState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Settlement {
    /// Billed through AWS Marketplace to this AWS account (12 digits).
    AwsMarketplace {
        aws_account_id: String,
    },
    BillingCenter,
}

impl Settlement {
    /// `…1234`: the last four digits, as the billing center shows an AWS account.
    pub fn account_tail(&self) -> Option<String> {
        match self {
            Settlement::AwsMarketplace { aws_account_id } => {
                Some(format!("…{}", &aws_account_id[aws_account_id.len().saturating_sub(4)..]))
            }
            Settlement::BillingCenter => None,
        }
    }
}

/// What the owner may switch a workspace to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettlementMethod {
    AwsMarketplace,
    BillingCenter,
}

impl SettlementMethod {
    pub fn code(self) -> &'static str {
        match self {
            SettlementMethod::AwsMarketplace => "aws_marketplace",
            SettlementMethod::BillingCenter => "billing_center",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "aws_marketplace" => Some(SettlementMethod::AwsMarketplace),
            "billing_center" => Some(SettlementMethod::BillingCenter),
            _ => None,
        }
    }
}

/// Why a settlement change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettlementRefusal {
    /// Not a workspace of the user's billing account.
    NotFound,
    /// Already changed this calendar month; the next change is possible from `from` (Unix seconds, UTC).
    ThisMonth { from: i64 },
    /// The billing account is not linked to an AWS account (activate through AWS Marketplace first).
    NoAwsAccount,
    /// The workspace is billed that way already.
    Unchanged,
    /// A locked workspace's settlement does not change.
    Locked,
}

/// The first second of the calendar month after the one `at` is in (UTC).
pub fn next_month_start(at: i64) -> i64 {
    let (year, month) = year_month(at);
    let (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    days_from_civil(year, month, 1) * 86_400
}

/// `YYYY-MM` of `at` (UTC): the key of "once per calendar month".
pub fn month_key(at: i64) -> String {
    let (year, month) = year_month(at);
    format!("{year:04}-{month:02}")
}

fn year_month(at: i64) -> (i64, i64) {
    let z = at.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingState {
    Active,
    PaymentFailed,
    CancellationPending,
    /// The AWS subscription ended: the workspace locks in this many days.
    LockedIn {
        days: i64,
    },
    Locked,
}

/// A workspace's start page: what it is, how it is billed, and how to start sending it data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceStart {
    pub id: i64,
    pub name: String,
    pub site_code: String,
    pub language_code: String,
    pub settlement: Settlement,
    pub state: BillingState,
    /// The workspace's DataKit token.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_months_in_utc() {
        // 2026-11-28T12:00:00Z
        let at = 1_795_867_200;
        assert_eq!(month_key(at), "2026-11");
        assert_eq!(next_month_start(at), 1_796_083_200, "2026-12-01T00:00:00Z");
        assert_eq!(month_key(next_month_start(at)), "2026-12");
        assert_eq!(month_key(next_month_start(at) - 1), "2026-11");
        // December rolls over into January.
        assert_eq!(month_key(next_month_start(1_796_083_200)), "2027-01");
        assert_eq!(SettlementMethod::parse("billing_center"), Some(SettlementMethod::BillingCenter));
        assert_eq!(SettlementMethod::parse("cash"), None);
    }

    #[test]
    fn an_aws_account_is_shown_by_its_last_four_digits() {
        let s = Settlement::AwsMarketplace { aws_account_id: "123456789012".into() };
        assert_eq!(s.account_tail().as_deref(), Some("…9012"));
        assert_eq!(Settlement::BillingCenter.account_tail(), None);
    }
}
