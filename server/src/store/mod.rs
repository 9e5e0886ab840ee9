//! Store adapters. `DATABASE_URL` chooses one — SQLite (`sqlite:`, the embedded default) or PostgreSQL
//! (`postgres:`, shared by several instances); `app` sees only its ports.
//!
//! The queries are written once, in SQL both databases read (`$N` parameters, `ON CONFLICT`, `RETURNING`),
//! and compiled for each backend by [`on_each_backend!`]; only opening a store, migrating it and beginning a
//! write transaction differ (`sqlite.rs`, `postgres.rs`).

/// Compiles `$body` — a store module's imports, helpers, trait impls and tests — once per backend: in
/// `on_sqlite` and `on_postgres`, where `Store` is that backend's store, `Db` its sqlx database, `Tx<'a>` a
/// transaction and `DbRow` a row of it, and `rows` the shared inserts compiled for the same backend.
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
            $($body)*
        }
    };
}
pub(crate) use on_each_backend;

/// What a write transaction decides on, when that is not the whole store: on PostgreSQL, transactions on
/// different entities run at once, on the same entity in turn (see `postgres.rs`).
pub(crate) enum Entity<'a> {
    /// An activation session (its row, its branch, its codes).
    Session(&'a app::ssr::session::SessionKey),
    /// An address codes go to (its limits count across sessions).
    Address(&'a str),
    /// A workspace (its settlement).
    Workspace(i64),
}

impl Entity<'_> {
    /// The entity's lock key: the first 4 bytes of SHA-256 of its kind and id — the same on every instance and
    /// build (two entities sharing a key only take turns).
    fn key(&self) -> i32 {
        use sha2::{Digest, Sha256};
        let digest = match self {
            Entity::Session(key) => Sha256::new().chain_update(b"session:").chain_update(key.as_bytes()).finalize(),
            Entity::Address(address) => Sha256::new().chain_update(b"address:").chain_update(address).finalize(),
            Entity::Workspace(id) => {
                Sha256::new().chain_update(b"workspace:").chain_update(id.to_be_bytes()).finalize()
            }
        };
        i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
    }
}

mod accounts;
mod activation;
mod billing;
mod codes;
mod entitlements;
mod lifecycle;
mod link;
mod logins;
mod metering;
mod outbox;
mod postgres;
mod rows;
mod sqlite;
#[cfg(test)]
pub(crate) mod test_support;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::entitlements::EntitlementStore;
use crate::lifecycle::LifecycleStore;
use crate::metering::MeteringStore;
use crate::outbox::OutboxStore;
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
pub trait ServerStore: Store + MeteringStore + EntitlementStore + LifecycleStore + OutboxStore + LoginSessions {}

impl<T: Store + MeteringStore + EntitlementStore + LifecycleStore + OutboxStore + LoginSessions> ServerStore for T {}

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
