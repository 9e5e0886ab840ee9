//! Store adapters. `DATABASE_URL` chooses one; `app` sees only the [`app::ports::ActivationStore`] port.

mod accounts;
mod codes;
mod entitlements;
mod lifecycle;
mod link;
mod logins;
mod metering;
mod rows;
mod sqlite;
#[cfg(test)]
pub(crate) mod test_support;

pub use sqlite::SqliteStore;

use crate::entitlements::EntitlementStore;
use crate::lifecycle::LifecycleStore;
use crate::metering::MeteringStore;
use app::ports::{Store, StoreError};
use std::sync::Arc;

/// Everything the server stores: `app`'s ports, the metering job's tables, entitlements and subscription events.
pub trait ServerStore: Store + MeteringStore + EntitlementStore + LifecycleStore + LoginSessions {}

impl<T: Store + MeteringStore + EntitlementStore + LifecycleStore + LoginSessions> ServerStore for T {}

/// Where tower-sessions keeps login sessions: in the same database (shared by every instance).
pub trait LoginSessions: Send + Sync {
    fn login_sessions(&self) -> tower_sessions_sqlx_store::SqliteStore;
}

/// Opens the store named by `database_url` and applies its migrations.
pub async fn connect(database_url: &str) -> Result<Arc<dyn ServerStore>, StoreError> {
    if database_url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(database_url).await?))
    } else {
        Err(StoreError::Unavailable(format!(
            "unsupported DATABASE_URL scheme in {:?}: this build supports sqlite:// only",
            database_url.split(':').next().unwrap_or_default()
        )))
    }
}
