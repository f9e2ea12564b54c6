//! Staff and visitor sessions, kept in the application's own database: one
//! store type wrapping tower-sessions' SQLite and PostgreSQL stores.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::{Result, Store, StoreError};

/// On SQLite, sessions are read on connections of their own and written through the
/// one writer connection, in turn with every other write: a connection of
/// their own had to wait for the writer's lock under `busy_timeout`, and
/// under a steady stream of requests it could wait past it (a form's page
/// answered 500).
#[derive(Debug, Clone)]
pub enum SessionStore {
    Sqlite { read: SqliteStore, write: SqliteStore },
    Postgres(PostgresStore),
}

impl SessionStore {
    /// Creates the sessions table if it is missing.
    pub async fn open(store: &Store) -> Result<SessionStore> {
        let bad = |e: String| StoreError::Corrupt(e);
        let s = match store {
            Store::Sqlite { sessions: read, write, .. } => {
                let write = SqliteStore::new(write.clone()).with_table_name("sessions").map_err(bad)?;
                write.migrate().await?;
                let read = SqliteStore::new(read.clone()).with_table_name("sessions").map_err(bad)?;
                SessionStore::Sqlite { read, write }
            }
            Store::Postgres(pool) => {
                let s = PostgresStore::new(pool.clone())
                    .with_schema_name("public")
                    .map_err(bad)?
                    .with_table_name("sessions")
                    .map_err(bad)?;
                s.migrate().await?;
                SessionStore::Postgres(s)
            }
        };
        Ok(s)
    }

    pub async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite { write, .. } => write.delete_expired().await,
            SessionStore::Postgres(s) => s.delete_expired().await,
        }
    }
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite { write, .. } => write.create(record).await,
            SessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite { write, .. } => write.save(record).await,
            SessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionStore::Sqlite { read, .. } => read.load(id).await,
            SessionStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionStore::Sqlite { write, .. } => write.delete(id).await,
            SessionStore::Postgres(s) => s.delete(id).await,
        }
    }
}
