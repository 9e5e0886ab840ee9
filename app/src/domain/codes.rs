//! The rules of emailed verification codes. The store enforces them in one transaction each; these are the
//! numbers and the outcomes the wizard shows.

use serde::{Deserialize, Serialize};

/// A code is valid for 10 minutes.
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Five wrong tries void a code.
pub const MAX_ATTEMPTS: i64 = 5;
/// A new code can be asked for 60 seconds after the last one.
pub const RESEND_AFTER_SECS: i64 = 60;
/// At most five codes per address per hour.
pub const SENDS_PER_HOUR: i64 = 5;
/// At most ten wrong codes per address in 24 hours, whatever the session (then the owner is told by email):
/// with five codes an hour of five tries each, a guesser would otherwise get 600 tries a day.
pub const MAX_FAILED_CHECKS_PER_DAY: i64 = 10;
/// At most five different addresses get codes in one activation session (a session is not a mail cannon).
pub const MAX_ADDRESSES_PER_SESSION: i64 = 5;

/// What a code proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CodePurpose {
    /// The email of a new Guance account (register branch, or a new account when creating a workspace).
    Register,
    /// Ownership of an existing billing account (code sent to the email on file).
    LinkBillingAccount,
    /// Ownership of an existing Guance account (creating a workspace with it).
    GuanceAccount,
    /// Forgot password: ownership of the account's mailbox.
    PasswordReset,
}

impl CodePurpose {
    pub fn code(self) -> &'static str {
        match self {
            CodePurpose::Register => "register",
            CodePurpose::LinkBillingAccount => "link_billing_account",
            CodePurpose::GuanceAccount => "guance_account",
            CodePurpose::PasswordReset => "password_reset",
        }
    }
}

/// Why no code was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendRefusal {
    /// Asked again within [`RESEND_AFTER_SECS`]; the countdown says when.
    TooSoon { retry_after_secs: i64 },
    /// [`SENDS_PER_HOUR`] reached for this address.
    HourlyLimit { retry_after_secs: i64 },
    /// [`MAX_ADDRESSES_PER_SESSION`] other addresses got codes in this session already.
    TooManyAddresses,
    /// Mail already waiting could not be delivered (the mail service is down): no code is made, nothing counts.
    MailUnavailable,
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeRejection {
    /// No code was sent for this address in this session (or it was replaced by a newer one).
    NoCode,
    Wrong {
        remaining_attempts: i64,
    },
    Expired,
    /// Too many wrong tries: ask for a new code.
    Locked,
    /// Already used.
    Used,
    /// [`MAX_FAILED_CHECKS_PER_DAY`] wrong codes for this address in 24 hours: nothing is checked until the
    /// oldest is a day old. `reached` is true for the wrong code that reached the limit (its owner is told).
    DailyLimit {
        reached: bool,
    },
}
