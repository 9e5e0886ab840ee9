//! The billing center as the owner of a billing account sees it: every workspace with how it is settled and
//! the state of that settlement.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingCenter {
    pub billing_username: String,
    pub workspaces: Vec<BillingWorkspace>,
    /// The logged-in owner has two-step verification on (a settlement change then asks for a code).
    #[serde(default)]
    pub two_step: bool,
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
    /// Linked, but none of the AWS account's subscriptions is active (ended, ending, or payment failed).
    NoActiveSubscription,
    /// The workspace is billed that way already.
    Unchanged,
    /// A locked workspace's settlement does not change.
    Locked,
}

fn utc_date(at: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(at).map_or(time::Date::MIN, |t| t.date())
}

/// The first second of the calendar month after the one `at` is in (UTC).
pub fn next_month_start(at: i64) -> i64 {
    let date = utc_date(at);
    let (year, month) = match date.month() {
        time::Month::December => (date.year() + 1, time::Month::January),
        month => (date.year(), month.next()),
    };
    time::Date::from_calendar_date(year, month, 1)
        .map_or(i64::MAX, |first| first.midnight().assume_utc().unix_timestamp())
}

/// `YYYY-MM` of `at` (UTC): the key of "once per calendar month".
pub fn month_key(at: i64) -> String {
    let date = utc_date(at);
    format!("{:04}-{:02}", date.year(), u8::from(date.month()))
}

/// (year, month 1–12, day) of `at` (UTC); [`crate::messages::date`] says it in the page's language.
pub fn ymd(at: i64) -> (i32, u8, u8) {
    let date = utc_date(at);
    (date.year(), u8::from(date.month()), date.day())
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

/// "Your workspaces", where log in lands: every workspace the account owns or whose billing account it owns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YourWorkspaces {
    /// Whether the account owns a billing account (the billing center is offered to its owner only).
    pub owns_billing_account: bool,
    pub workspaces: Vec<WorkspaceLink>,
}

/// One workspace on "Your workspaces": its start page is `/workspaces/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceLink {
    pub id: i64,
    pub name: String,
    pub site_code: String,
}

/// A username shown to someone who may not own it (a second session of an activated AWS account): its first
/// and last characters, the rest starred — `owner` reads `o***r`, `ab` reads `a***`.
pub fn masked_username(username: &str) -> String {
    let chars: Vec<char> = username.chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [first] | [first, _] => format!("{first}***"),
        [first, .., last] => format!("{first}***{last}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_masked_but_recognisable() {
        assert_eq!(masked_username("owner"), "o***r");
        assert_eq!(masked_username("abc"), "a***c");
        assert_eq!(masked_username("ab"), "a***");
        assert_eq!(masked_username("a"), "a***");
        assert_eq!(masked_username(""), "");
        assert_eq!(masked_username("张三丰"), "张***丰");
    }

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
        assert_eq!(ymd(0), (1970, 1, 1));
        assert_eq!(ymd(951_782_400), (2000, 2, 29));
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
