//! The subscription as it changes after activation: AWS's events (SNS actions and EventBridge detail types)
//! move a customer's subscription state; a cancellation starts a 14-day countdown after which the
//! customer's workspaces are locked (a job), and a resubscribe before then clears it. Every event is kept once
//! per source id (a replay changes nothing), an event older than the last one applied changes nothing, and an
//! event for a customer who has not registered yet waits and is applied at registration.

use app::ssr::ports::StoreError;
use async_trait::async_trait;
use serde::Serialize;

/// Days between the end of a subscription and the locking of its workspaces.
pub const LOCK_AFTER_SECS: i64 = 14 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    Active,
    /// `subscribe-fail`: AWS could not charge the buyer.
    PaymentFailed,
    /// `unsubscribe-pending`: the final usage is being sent.
    CancellationPending,
    /// Ended; the workspaces lock at `lock_at`.
    Cancelled,
    Locked,
}

impl SubscriptionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::Active => "active",
            SubscriptionState::PaymentFailed => "payment_failed",
            SubscriptionState::CancellationPending => "cancellation_pending",
            SubscriptionState::Cancelled => "cancelled",
            SubscriptionState::Locked => "locked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => SubscriptionState::Active,
            "payment_failed" => SubscriptionState::PaymentFailed,
            "cancellation_pending" => SubscriptionState::CancellationPending,
            "cancelled" => SubscriptionState::Cancelled,
            "locked" => SubscriptionState::Locked,
            _ => return None,
        })
    }
}

/// What an event asks for, whichever channel brought it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    /// `subscribe-success`, `Purchase Agreement Created`, `License Updated`.
    Subscribed,
    /// `subscribe-fail`.
    SubscribeFailed,
    /// `unsubscribe-pending`.
    UnsubscribePending,
    /// `unsubscribe-success`, `License Deprovisioned`, `Purchase Agreement Ended`.
    Unsubscribed,
    /// `entitlement-updated`, `Purchase Agreement Amended`: read the entitlements again.
    EntitlementChanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Subscribed => "subscribed",
            Action::SubscribeFailed => "subscribe_failed",
            Action::UnsubscribePending => "unsubscribe_pending",
            Action::Unsubscribed => "unsubscribed",
            Action::EntitlementChanged => "entitlement_changed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "subscribed" => Action::Subscribed,
            "subscribe_failed" => Action::SubscribeFailed,
            "unsubscribe_pending" => Action::UnsubscribePending,
            "unsubscribed" => Action::Unsubscribed,
            "entitlement_changed" => Action::EntitlementChanged,
            _ => return None,
        })
    }

    /// SNS's `action` field.
    pub fn from_sns(action: &str) -> Option<Self> {
        Some(match action {
            "subscribe-success" => Action::Subscribed,
            "subscribe-fail" => Action::SubscribeFailed,
            "unsubscribe-pending" => Action::UnsubscribePending,
            "unsubscribe-success" => Action::Unsubscribed,
            "entitlement-updated" => Action::EntitlementChanged,
            _ => return None,
        })
    }

    /// EventBridge's `detail-type` (the " - Manufacturer" / " - Proposer" suffix ignored).
    pub fn from_detail_type(detail_type: &str) -> Option<Self> {
        let base = detail_type.split(" - ").next().unwrap_or(detail_type).trim();
        Some(match base {
            "Purchase Agreement Created" | "License Updated" => Action::Subscribed,
            "Purchase Agreement Amended" => Action::EntitlementChanged,
            "Purchase Agreement Ended" | "License Deprovisioned" => Action::Unsubscribed,
            _ => return None,
        })
    }
}

/// A customer's subscription as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub state: SubscriptionState,
    /// When the last applied event happened.
    pub changed_at: Option<i64>,
    /// When the workspaces lock (cancelled only).
    pub lock_at: Option<i64>,
}

impl Subscription {
    pub const NEW: Subscription = Subscription { state: SubscriptionState::Active, changed_at: None, lock_at: None };

    /// The subscription after an event that happened at `at`; `None` when it changes nothing (an older
    /// event than the last applied, or an action that does not move the state).
    pub fn after(self, action: Action, at: i64) -> Option<Subscription> {
        if self.changed_at.is_some_and(|last| at < last) {
            return None;
        }
        let next = |state, lock_at| Some(Subscription { state, changed_at: Some(at), lock_at });
        match (self.state, action) {
            // Locked stays locked: the data is kept, but a new subscription is a support case.
            (SubscriptionState::Locked, _) => None,
            (_, Action::EntitlementChanged) => None,
            (_, Action::Subscribed) => next(SubscriptionState::Active, None),
            (_, Action::SubscribeFailed) => next(SubscriptionState::PaymentFailed, None),
            (SubscriptionState::Cancelled, Action::UnsubscribePending) => None,
            (_, Action::UnsubscribePending) => next(SubscriptionState::CancellationPending, None),
            (SubscriptionState::Cancelled, Action::Unsubscribed) => None,
            (_, Action::Unsubscribed) => next(SubscriptionState::Cancelled, Some(at + LOCK_AFTER_SECS)),
        }
    }

    /// Days left before the lock, as the billing center shows it ("Locked in N days"): to the nearest day,
    /// and at least 1 while any time is left.
    pub fn days_to_lock(&self, now: i64) -> Option<i64> {
        self.lock_at.map(|at| {
            let left = (at - now).max(0);
            if left == 0 {
                0
            } else {
                ((left + 43_200) / 86_400).max(1)
            }
        })
    }
}

/// One event as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketplaceEvent {
    /// `sns` or `eventbridge`.
    pub source: &'static str,
    /// SNS MessageId / EventBridge event id: a replay is recognised by it.
    pub source_id: String,
    pub action: Action,
    pub aws_account_id: Option<String>,
    pub customer_identifier: Option<String>,
    /// The `l-…` id of the license (ARN formats differ between events and ResolveCustomer).
    pub license_id: Option<String>,
    pub product_code: Option<String>,
    pub occurred_at: i64,
}

/// What recording an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Seen before (same source id): nothing changed.
    Replay,
    /// No registered customer matches yet: kept for registration.
    Waiting,
    /// No registered customer matches and the waiting room is full (for this account, or altogether): not
    /// kept. AWS only sends events for accounts that subscribed, so a flood of these is not AWS's.
    Dropped,
    /// Applied to the customer (state moved or not).
    Applied { customer_id: i64, aws_account_id: String, product_code: String, moved: Option<Subscription> },
}

/// At most this many events wait for one AWS account (or customer identifier) that has not registered.
pub const MAX_WAITING_PER_ACCOUNT: i64 = 16;
/// At most this many events wait altogether.
pub const MAX_WAITING: i64 = 10_000;
/// A waiting event is forgotten this long after it arrived: AWS sends a subscription's events when the buyer
/// subscribes, and the buyer registers within minutes to days.
pub const WAITING_TTL_SECS: i64 = 30 * 24 * 3600;

#[async_trait]
pub trait LifecycleStore: Send + Sync {
    /// Keeps the event once and applies it to its customer when known, in one transaction.
    async fn record_event(&self, event: &MarketplaceEvent, now: i64) -> Result<Recorded, StoreError>;
    /// Applies the events that waited for this customer (called at registration), oldest first.
    async fn apply_waiting_events(&self, customer_id: i64, now: i64) -> Result<Vec<Recorded>, StoreError>;
    /// The subscription of the account's latest customer (license) for the product.
    async fn subscription(&self, aws_account_id: &str, product_code: &str) -> Result<Option<Subscription>, StoreError>;
    /// Locks the workspaces of every cancelled customer whose countdown has run out; returns how many
    /// customers were locked.
    async fn lock_due(&self, now: i64) -> Result<u64, StoreError>;
}

/// The `l-…` id at the end of a license ARN.
pub fn license_id(arn: &str) -> &str {
    arn.rsplit([':', '/']).next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscription_follows_the_events_and_ignores_older_ones() {
        let s = Subscription::NEW;
        let pending = s.after(Action::UnsubscribePending, 100).expect("moves");
        assert_eq!(pending.state, SubscriptionState::CancellationPending);
        let cancelled = pending.after(Action::Unsubscribed, 200).expect("moves");
        assert_eq!((cancelled.state, cancelled.lock_at), (SubscriptionState::Cancelled, Some(200 + LOCK_AFTER_SECS)));
        assert_eq!(cancelled.after(Action::UnsubscribePending, 150), None, "older than the last applied");
        assert_eq!(cancelled.after(Action::Unsubscribed, 300), None, "already cancelled: the countdown stays");
        let back = cancelled.after(Action::Subscribed, 400).expect("resubscribe");
        assert_eq!((back.state, back.lock_at), (SubscriptionState::Active, None), "a resubscribe clears the countdown");
        assert_eq!(back.after(Action::EntitlementChanged, 500), None);
        assert_eq!(back.after(Action::SubscribeFailed, 500).map(|s| s.state), Some(SubscriptionState::PaymentFailed));
        let locked = Subscription { state: SubscriptionState::Locked, changed_at: Some(1), lock_at: Some(1) };
        assert_eq!(locked.after(Action::Subscribed, 2), None);
    }

    #[test]
    fn channels_name_the_same_actions() {
        assert_eq!(Action::from_sns("unsubscribe-success"), Some(Action::Unsubscribed));
        assert_eq!(Action::from_sns("subscribe-fail"), Some(Action::SubscribeFailed));
        assert_eq!(Action::from_sns("bogus"), None);
        assert_eq!(Action::from_detail_type("License Deprovisioned - Manufacturer"), Some(Action::Unsubscribed));
        assert_eq!(Action::from_detail_type("Purchase Agreement Created - Proposer"), Some(Action::Subscribed));
        assert_eq!(
            Action::from_detail_type("Purchase Agreement Amended - Manufacturer"),
            Some(Action::EntitlementChanged)
        );
        assert_eq!(Action::from_detail_type("Advisory Issued"), None);
        for a in [
            Action::Subscribed,
            Action::SubscribeFailed,
            Action::UnsubscribePending,
            Action::Unsubscribed,
            Action::EntitlementChanged,
        ] {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
    }

    #[test]
    fn license_ids_match_across_arn_formats() {
        assert_eq!(license_id("arn:aws:license-manager::123456789012:license:l-abc"), "l-abc");
        assert_eq!(license_id("aws:license-manager:us-east-1:123456789012:l-abc"), "l-abc");
    }

    #[test]
    fn the_countdown_is_shown_in_whole_days() {
        let s =
            Subscription { state: SubscriptionState::Cancelled, changed_at: Some(0), lock_at: Some(LOCK_AFTER_SECS) };
        assert_eq!(s.days_to_lock(0), Some(14));
        assert_eq!(s.days_to_lock(-5), Some(14), "a few seconds more is still 14 days");
        assert_eq!(s.days_to_lock(LOCK_AFTER_SECS - 1), Some(1));
        assert_eq!(s.days_to_lock(LOCK_AFTER_SECS + 5), Some(0));
    }
}
