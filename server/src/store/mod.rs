//! Store adapters. `DATABASE_URL` chooses one — SQLite (`sqlite:`, the embedded default) or PostgreSQL
//! (`postgres:`, shared by several instances); `app` sees only its ports.
//!
//! The queries are written once, in SQL both databases read (`$N` parameters, `ON CONFLICT`, `RETURNING`),
//! and compiled for each backend by [`on_each_backend!`]; only opening a store, migrating it and beginning a
//! write transaction differ (`sqlite.rs`, `postgres.rs`).

/// Compiles `$body` — a store module's imports, helpers, trait impls and tests — once per backend: in
/// `on_sqlite` and `on_postgres`, where `Store` is that backend's store, `Db` its sqlx database, `Tx<'a>` a
/// transaction and `DbRow` a row of it, `rows` the shared inserts, `audit` the audit log's append and
/// `webhooks` the webhook queue's `publish`,
/// compiled for the same backend.
macro_rules! on_each_backend {
    ($($body:tt)*) => {
        pub(crate) mod on_sqlite {
            #![allow(unused_imports, dead_code)]
            use super::*;
            pub(crate) type Store = crate::store::SqliteStore;
            pub(crate) type Db = sqlx::Sqlite;
            pub(crate) type Tx<'a> = sqlx::Transaction<'a, Db>;
            pub(crate) type DbRow = <Db as sqlx::Database>::Row;
            use crate::store::rows::on_sqlite as rows;
            use crate::store::audit::on_sqlite as audit;
            use crate::store::webhooks::on_sqlite as webhooks;
            $($body)*
        }
        pub(crate) mod on_postgres {
            #![allow(unused_imports, dead_code)]
            use super::*;
            pub(crate) type Store = crate::store::PgStore;
            pub(crate) type Db = sqlx::Postgres;
            pub(crate) type Tx<'a> = sqlx::Transaction<'a, Db>;
            pub(crate) type DbRow = <Db as sqlx::Database>::Row;
            use crate::store::rows::on_postgres as rows;
            use crate::store::audit::on_postgres as audit;
            use crate::store::webhooks::on_postgres as webhooks;
            $($body)*
        }
    };
}
pub(crate) use on_each_backend;

/// What a write transaction decides on. On PostgreSQL each entity is an advisory lock keyed by it (see
/// `postgres.rs`): transactions on different entities run at once, on the same entity in turn; there is no
/// store-wide lock. SQLite has one writer whatever the entities.
///
/// **Order.** A transaction takes its locks in the order of the variants below (rank, then key): all at once
/// when it begins, or later ([`PgStore::lock_also`]) only of a rank above every lock it already holds. So no two
/// transactions ever wait for each other in a circle.
#[derive(Clone, Copy)]
pub(crate) enum Entity<'a> {
    /// An AWS subscriber by its AWS account id or its customer identifier (fulfillment and lifecycle events of
    /// a customer not yet known meet here).
    Subscriber(&'a str),
    /// An activation session (its row, its branch, its codes).
    Session(&'a app::ssr::session::SessionKey),
    /// An AWS Marketplace customer (its billing account, its subscription state, its entitlements).
    Customer(i64),
    /// A workspace (its settlement).
    Workspace(i64),
    /// An address codes go to (its limits count across sessions).
    Address(&'a str),
    /// Usage intake: reports take it shared, freezing hours into metering records exclusively (a freeze's
    /// statements must see the same events).
    Usage {
        /// Whether this transaction freezes hours.
        freezing: bool,
    },
}

impl Entity<'_> {
    /// The rank that orders lock taking (see the type's documentation).
    fn rank(&self) -> u8 {
        match self {
            Entity::Subscriber(_) => 0,
            Entity::Session(_) => 1,
            Entity::Customer(_) => 2,
            Entity::Workspace(_) => 3,
            Entity::Address(_) => 4,
            Entity::Usage { .. } => 5,
        }
    }

    /// Whether other transactions holding it the same way run at once.
    fn shared(&self) -> bool {
        matches!(self, Entity::Usage { freezing: false })
    }

    /// The entity's lock key: the first 4 bytes of SHA-256 of its kind and id — the same on every instance and
    /// build (two entities sharing a key only take turns).
    fn key(&self) -> i32 {
        use sha2::{Digest, Sha256};
        let digest = match self {
            Entity::Subscriber(id) => Sha256::new().chain_update(b"subscriber:").chain_update(id).finalize(),
            Entity::Session(key) => Sha256::new().chain_update(b"session:").chain_update(key.as_bytes()).finalize(),
            Entity::Customer(id) => Sha256::new().chain_update(b"customer:").chain_update(id.to_be_bytes()).finalize(),
            Entity::Workspace(id) => {
                Sha256::new().chain_update(b"workspace:").chain_update(id.to_be_bytes()).finalize()
            }
            Entity::Address(address) => Sha256::new().chain_update(b"address:").chain_update(address).finalize(),
            Entity::Usage { .. } => Sha256::new().chain_update(b"usage").finalize(),
        };
        i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
    }

    /// The locks to take for `entities`, in the order they must be taken: (rank, key, shared), once each
    /// (exclusive wins over shared).
    fn ordered(entities: &[Entity<'_>]) -> Vec<(u8, i32, bool)> {
        let mut locks: Vec<(u8, i32, bool)> = entities.iter().map(|e| (e.rank(), e.key(), e.shared())).collect();
        locks.sort_unstable();
        locks.dedup_by(|later, earlier| later.0 == earlier.0 && later.1 == earlier.1);
        locks
    }
}

mod accounts;
mod activation;
mod audit;
mod billing;
mod codes;
mod console;
mod entitlements;
mod lifecycle;
mod link;
mod logins;
mod metering;
mod operators;
mod outbox;
mod postgres;
mod rows;
mod sqlite;
#[cfg(test)]
pub(crate) mod test_support;
mod webhooks;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::entitlements::EntitlementStore;
use crate::lifecycle::LifecycleStore;
use crate::metering::MeteringStore;
use crate::operators::OperatorStore;
use crate::outbox::OutboxStore;
use crate::reconcile::ReconcileStore;
use app::ssr::ports::{Store, StoreError};
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store;

pub(crate) fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

pub(crate) fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{column} = {value:?}"))
}

/// Everything the server stores: `app`'s ports, the metering job's tables, entitlements and subscription events.
pub trait ServerStore:
    Store
    + MeteringStore
    + EntitlementStore
    + LifecycleStore
    + ReconcileStore
    + OutboxStore
    + OperatorStore
    + crate::console::ConsoleExport
    + crate::webhooks::WebhookStore
    + LoginSessions
{
}

impl<
        T: Store
            + MeteringStore
            + EntitlementStore
            + LifecycleStore
            + ReconcileStore
            + OutboxStore
            + OperatorStore
            + crate::console::ConsoleExport
            + crate::webhooks::WebhookStore
            + LoginSessions,
    > ServerStore for T
{
}

/// Where tower-sessions keeps login sessions: in the same database (shared by every instance).
pub trait LoginSessions: Send + Sync {
    fn login_sessions(&self) -> SessionBackend;
}

/// tower-sessions' sqlx store for the backend in use (table `login_sessions`).
#[derive(Debug, Clone)]
pub enum SessionBackend {
    Sqlite(tower_sessions_sqlx_store::SqliteStore),
    Postgres(tower_sessions_sqlx_store::PostgresStore),
}

impl SessionBackend {
    /// Creates the session table if it is missing.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            SessionBackend::Sqlite(s) => s.migrate().await,
            SessionBackend::Postgres(s) => s.migrate().await,
        }
    }
}

#[async_trait::async_trait]
impl session_store::SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.create(record).await,
            SessionBackend::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.save(record).await,
            SessionBackend::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionBackend::Sqlite(s) => s.load(id).await,
            SessionBackend::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete(id).await,
            SessionBackend::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait::async_trait]
impl session_store::ExpiredDeletion for SessionBackend {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete_expired().await,
            SessionBackend::Postgres(s) => s.delete_expired().await,
        }
    }
}

/// Opens the store named by `database_url` and applies its migrations.
pub async fn connect(database_url: &str) -> Result<Arc<dyn ServerStore>, StoreError> {
    if database_url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(database_url).await?))
    } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::connect(database_url).await?))
    } else {
        Err(StoreError::Unavailable(format!(
            "unsupported DATABASE_URL scheme in {:?}: use sqlite:// or postgres://",
            database_url.split(':').next().unwrap_or_default()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::Entity;

    #[test]
    fn locks_are_taken_by_rank_then_key_once_each_exclusive_over_shared() {
        let session = app::ssr::session::SessionId::generate().key();
        let locks = Entity::ordered(&[
            Entity::Usage { freezing: false },
            Entity::Address("a@example.com"),
            Entity::Workspace(7),
            Entity::Customer(3),
            Entity::Session(&session),
            Entity::Subscriber("123456789012"),
            Entity::Usage { freezing: true },
            Entity::Customer(3),
        ]);
        let ranks: Vec<u8> = locks.iter().map(|l| l.0).collect();
        assert_eq!(ranks, [0, 1, 2, 3, 4, 5], "by rank, each entity once");
        assert!(!locks[5].2, "freezing and reporting in one transaction takes usage exclusively");
        let other = Entity::ordered(&[Entity::Customer(4), Entity::Customer(3)]);
        assert!(other[0].1 <= other[1].1, "same rank: by key");
        assert_ne!(Entity::Customer(3).key(), Entity::Workspace(3).key(), "kinds have their own keys");
    }
}
