//! The embedded default [`KeyStore`]: one SQLite file (`rusqlite`, bundled library).
//!
//! `secure_delete` is on, so a destroyed subject key is overwritten in the database file rather
//! than left in a free page; the rollback journal is deleted after each transaction.

use super::store::{KeyStore, StoreKey, WrappedKey};
use crate::error::Error;
use rusqlite::{Connection, OptionalExtension, params};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Wrapped subject keys in a SQLite database.
///
/// ```
/// use piiguard::keys::{KeyStore, SqliteKeyStore, StoreKey};
///
/// let store = SqliteKeyStore::in_memory()?;
/// let key = StoreKey { region: "eu".into(), tenant: String::new(), subject: "42".into() };
/// assert_eq!(store.get(&key)?, None);
/// assert!(!store.delete(&key)?);
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct SqliteKeyStore {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

fn failed(reason: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    move |_| Error::KeyStore { reason }
}

impl SqliteKeyStore {
    /// Opens (creating if needed) the store at `path`.
    ///
    /// # Errors
    /// [`Error::KeyStore`] if the file cannot be opened or is not a piiguard key store.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        if let Some(dir) = path.parent() {
            crate::fs::create_private_dir(dir)?;
        }
        let conn = Connection::open(path).map_err(failed("cannot open the database"))?;
        crate::fs::make_private(path)?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// A store that lives in memory only.
    ///
    /// # Errors
    /// [`Error::KeyStore`] if SQLite cannot start.
    pub fn in_memory() -> Result<Self, Error> {
        let conn = Connection::open_in_memory().map_err(failed("cannot open the database"))?;
        Self::init(conn, None)
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<Self, Error> {
        conn.execute_batch(
            "PRAGMA secure_delete = ON;
             PRAGMA journal_mode = DELETE;
             CREATE TABLE IF NOT EXISTS subject_keys (
                 region TEXT NOT NULL,
                 tenant TEXT NOT NULL,
                 subject TEXT NOT NULL,
                 key_id TEXT NOT NULL,
                 key_version INTEGER NOT NULL,
                 wrapped BLOB NOT NULL,
                 PRIMARY KEY (region, tenant, subject)
             ) WITHOUT ROWID;",
        )
        .map_err(failed(
            "cannot prepare the database (is it a piiguard key store?)",
        ))?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// The database file, unless in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl fmt::Debug for SqliteKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteKeyStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn select(conn: &Connection, key: &StoreKey) -> Result<Option<WrappedKey>, Error> {
    conn.prepare_cached(
        "SELECT key_id, key_version, wrapped FROM subject_keys
         WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![key.region, key.tenant, key.subject], |row| {
            Ok(WrappedKey {
                key_id: row.get(0)?,
                key_version: row.get(1)?,
                bytes: row.get(2)?,
            })
        })
        .optional()
    })
    .map_err(failed("cannot read a subject key"))
}

impl KeyStore for SqliteKeyStore {
    fn get(&self, key: &StoreKey) -> Result<Option<WrappedKey>, Error> {
        select(&self.conn(), key)
    }

    fn insert_if_absent(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<WrappedKey, Error> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT OR IGNORE INTO subject_keys
             (region, tenant, subject, key_id, key_version, wrapped)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                key.region,
                key.tenant,
                key.subject,
                wrapped.key_id,
                wrapped.key_version,
                wrapped.bytes
            ])
        })
        .map_err(failed("cannot store a subject key"))?;
        select(&conn, key)?.ok_or(Error::KeyStore {
            reason: "a stored subject key vanished",
        })
    }

    fn replace(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<bool, Error> {
        let updated = self
            .conn()
            .prepare_cached(
                "UPDATE subject_keys SET key_id = ?4, key_version = ?5, wrapped = ?6
                 WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    key.region,
                    key.tenant,
                    key.subject,
                    wrapped.key_id,
                    wrapped.key_version,
                    wrapped.bytes
                ])
            })
            .map_err(failed("cannot rewrap a subject key"))?;
        Ok(updated > 0)
    }

    fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        let deleted = self
            .conn()
            .prepare_cached(
                "DELETE FROM subject_keys WHERE region = ?1 AND tenant = ?2 AND subject = ?3",
            )
            .and_then(|mut stmt| stmt.execute(params![key.region, key.tenant, key.subject]))
            .map_err(failed("cannot delete a subject key"))?;
        Ok(deleted > 0)
    }
}
