//! [`SqliteSink`]: the chained audit trail in an SQLite table (`audit_events`), one row per
//! line, in a database of its own (WAL, `synchronous = FULL`: a committed event survives a
//! power cut).

use super::chain::{Chain, ChainHead, ChainReport, verify_lines};
use super::{AuditEvent, AuditSink};
use crate::error::Error;
use crate::keys::Keyring;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

fn failed(reason: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    move |_| Error::Audit { reason }
}

struct Inner {
    conn: Connection,
    chain: Chain,
}

/// Audit events in SQLite, with the same hash chain as the JSON-lines file.
///
/// ```
/// use piiguard::audit::{AuditSink, SqliteSink};
/// use piiguard::keys::{Environment, Keyring};
///
/// let keyring = Keyring::in_memory(Environment::Dev);
/// let sink = SqliteSink::in_memory(&keyring)?;
/// assert_eq!(sink.verify()?.map(|r| r.events), Some(0));
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct SqliteSink {
    inner: Mutex<Inner>,
    keyring: Keyring,
}

impl std::fmt::Debug for SqliteSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteSink").finish_non_exhaustive()
    }
}

impl SqliteSink {
    /// Opens (or creates) the database at `path`, continuing its chain.
    ///
    /// # Errors
    /// [`Error::Audit`] if it cannot be opened; [`Error::AuditChain`] if its last event does
    /// not verify.
    pub fn open(path: impl AsRef<Path>, keyring: &Keyring) -> Result<Self, Error> {
        let conn = Connection::open(path.as_ref()).map_err(failed("cannot open the database"))?;
        crate::fs::make_private(path.as_ref())?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(failed("cannot configure the database"))?;
        Self::init(conn, keyring)
    }

    /// A database in memory only (tests).
    ///
    /// # Errors
    /// [`Error::Audit`] if SQLite cannot start.
    pub fn in_memory(keyring: &Keyring) -> Result<Self, Error> {
        let conn = Connection::open_in_memory().map_err(failed("cannot open the database"))?;
        Self::init(conn, keyring)
    }

    fn init(conn: Connection, keyring: &Keyring) -> Result<Self, Error> {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS audit_events (
                 seq INTEGER PRIMARY KEY,
                 line TEXT NOT NULL
             );",
        )
        .map_err(failed("cannot create the audit table"))?;
        let last: Option<String> = conn
            .query_row(
                "SELECT line FROM audit_events ORDER BY seq DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(failed("cannot read the audit table"))?;
        let chain = match last {
            Some(line) => Chain::resume(keyring, &line)?,
            None => Chain::start(keyring)?,
        };
        Ok(Self {
            inner: Mutex::new(Inner { conn, chain }),
            keyring: keyring.clone(),
        })
    }

    /// The rows as chained lines, in order (what [`verify`](AuditSink::verify) checks).
    ///
    /// # Errors
    /// [`Error::Audit`] if the table cannot be read.
    pub fn lines(&self) -> Result<Vec<String>, Error> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut statement = inner
            .conn
            .prepare("SELECT line FROM audit_events ORDER BY seq")
            .map_err(failed("cannot read the audit table"))?;
        statement
            .query_map([], |row| row.get(0))
            .map_err(failed("cannot read the audit table"))?
            .collect::<Result<Vec<String>, _>>()
            .map_err(failed("cannot read the audit table"))
    }
}

impl AuditSink for SqliteSink {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let position = inner.chain.position();
        let line = inner.chain.seal(event)?;
        let seq = i64::try_from(position.0 + 1).unwrap_or(i64::MAX);
        if let Err(e) = inner.conn.execute(
            "INSERT INTO audit_events (seq, line) VALUES (?1, ?2)",
            params![seq, line],
        ) {
            // Not stored: the next event takes this one's place in the chain.
            inner.chain.restore(position);
            return Err(failed("cannot insert the event")(e));
        }
        Ok(())
    }

    fn chain_head(&self) -> Option<ChainHead> {
        Some(
            self.inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .chain
                .head(),
        )
    }

    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        let head = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .chain
            .head();
        let lines = self.lines()?;
        verify_lines(
            &self.keyring,
            lines.iter().map(String::as_str),
            true,
            Some(&head),
            |_, _| {},
        )
        .map(Some)
    }
}
