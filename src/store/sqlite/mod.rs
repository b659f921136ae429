//! [`SqliteStore`]: the store in one SQLite database (`rusqlite`, bundled library), shared by
//! the processes of one host.

mod audit;
mod counters;
mod grants;
mod key_tables;
mod lifecycle;
mod policies;
mod token_table;

pub use audit::SqliteAudit;

use crate::error::Error;
use rusqlite::{Connection, TransactionBehavior};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The schema versions, in order: each one's statements bring the previous one up to it.
const MIGRATIONS: &[&str] = &[
    // 1: the key set, subject keys, the audit trail, grants and the monitor's counts.
    "CREATE TABLE key_set (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         version INTEGER NOT NULL,
         sealed BLOB NOT NULL
     );
     CREATE TABLE subject_keys (
         region TEXT NOT NULL,
         tenant TEXT NOT NULL,
         subject TEXT NOT NULL,
         key_id TEXT NOT NULL,
         key_version INTEGER NOT NULL,
         wrapped BLOB NOT NULL,
         PRIMARY KEY (region, tenant, subject)
     ) WITHOUT ROWID;
     CREATE TABLE tallies (
         name TEXT PRIMARY KEY,
         value INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE audit_events (
         seq INTEGER PRIMARY KEY,
         line TEXT NOT NULL
     );
     CREATE TABLE grant_requests (
         id TEXT PRIMARY KEY,
         requester TEXT NOT NULL,
         request TEXT NOT NULL,
         requested_at INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE revoked_grants (
         id TEXT PRIMARY KEY
     ) WITHOUT ROWID;
     CREATE TABLE monitor_events (
         principal TEXT NOT NULL,
         track TEXT NOT NULL,
         at_ms INTEGER NOT NULL
     );
     CREATE INDEX monitor_events_by_track ON monitor_events (principal, track, at_ms);
     CREATE TABLE monitor_blocks (
         principal TEXT PRIMARY KEY
     ) WITHOUT ROWID;",
    // 2: the policy in force, every installed version kept.
    "CREATE TABLE policies (
         seq INTEGER PRIMARY KEY,
         text TEXT NOT NULL,
         source TEXT NOT NULL
     );",
    // 3: vault tokens, each with its value's envelope (deleted with the subject's key).
    "CREATE TABLE tokens (
         region TEXT NOT NULL,
         tenant TEXT NOT NULL,
         id TEXT NOT NULL,
         subject TEXT,
         record TEXT NOT NULL,
         field TEXT NOT NULL,
         class TEXT NOT NULL,
         created INTEGER NOT NULL,
         expires INTEGER,
         token TEXT NOT NULL,
         envelope TEXT NOT NULL,
         key_id TEXT NOT NULL,
         key_version INTEGER NOT NULL,
         PRIMARY KEY (region, tenant, id)
     ) WITHOUT ROWID;
     CREATE INDEX tokens_by_subject ON tokens (region, tenant, subject);
     CREATE INDEX tokens_by_expiry ON tokens (expires) WHERE expires IS NOT NULL;
     CREATE INDEX tokens_by_key ON tokens (region, key_id, key_version);",
    // 4: the data lifecycle: each subject's activity per record type, legal holds, and the
    // deletion register.
    "CREATE TABLE subject_activity (
         region TEXT NOT NULL,
         tenant TEXT NOT NULL,
         subject TEXT NOT NULL,
         record TEXT NOT NULL,
         classes TEXT NOT NULL,
         created INTEGER NOT NULL,
         last INTEGER NOT NULL,
         given INTEGER,
         PRIMARY KEY (region, tenant, subject, record)
     ) WITHOUT ROWID;
     CREATE TABLE legal_holds (
         region TEXT NOT NULL,
         tenant TEXT NOT NULL,
         subject TEXT NOT NULL,
         reason TEXT NOT NULL,
         since INTEGER NOT NULL,
         PRIMARY KEY (region, tenant, subject)
     ) WITHOUT ROWID;
     CREATE TABLE deletions (
         seq INTEGER PRIMARY KEY,
         region TEXT NOT NULL,
         id TEXT NOT NULL,
         tenant TEXT NOT NULL,
         subject TEXT NOT NULL,
         records TEXT NOT NULL,
         classes TEXT NOT NULL,
         reason TEXT NOT NULL,
         policy_version TEXT NOT NULL,
         at INTEGER NOT NULL,
         actor TEXT NOT NULL,
         UNIQUE (region, id)
     );
     CREATE INDEX deletions_by_subject ON deletions (region, subject);",
    // 5: the audit trail's writers, each with a chain of its own, and its checkpoints (the
    // events so far are the writer `legacy`, numbered as they were); the monitor's counts per
    // step of the window instead of one row per event (those so far in steps of a day's
    // window).
    "ALTER TABLE audit_events ADD COLUMN writer TEXT NOT NULL DEFAULT 'legacy';
     ALTER TABLE audit_events ADD COLUMN wseq INTEGER;
     UPDATE audit_events SET wseq = seq;
     CREATE UNIQUE INDEX audit_events_by_writer ON audit_events (writer, wseq);
     CREATE TABLE audit_writers (
         writer TEXT PRIMARY KEY,
         started INTEGER NOT NULL,
         sealed INTEGER NOT NULL DEFAULT 0
     ) WITHOUT ROWID;
     INSERT INTO audit_writers (writer, started)
         SELECT 'legacy', 0 WHERE EXISTS (SELECT 1 FROM audit_events);
     CREATE TABLE audit_checkpoints (
         seq INTEGER PRIMARY KEY,
         at_ms INTEGER NOT NULL,
         line TEXT NOT NULL
     );
     CREATE TABLE monitor_counts (
         principal TEXT NOT NULL,
         track TEXT NOT NULL,
         width INTEGER NOT NULL,
         bucket INTEGER NOT NULL,
         n INTEGER NOT NULL,
         PRIMARY KEY (principal, track, width, bucket)
     ) WITHOUT ROWID;
     INSERT INTO monitor_counts (principal, track, width, bucket, n)
         SELECT principal, track, 864000, at_ms / 864000, COUNT(*) FROM monitor_events
         GROUP BY principal, track, at_ms / 864000;
     DROP TABLE monitor_events;",
];

/// The store in one SQLite database: the key set, subject keys, the audit trail, break-glass
/// requests and revocations, and the monitor's counts. Cheap to clone (the clones share one
/// connection); several processes may open the same file.
///
/// ```
/// use piiguard::keys::{KeyStore, StoreKey};
/// use piiguard::store::SqliteStore;
///
/// let store = SqliteStore::in_memory()?;
/// let key = StoreKey { region: "eu".into(), tenant: String::new(), subject: "42".into() };
/// assert_eq!(store.get(&key)?, None);
/// assert!(!store.delete(&key)?);
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    db: Arc<Database>,
}

pub(crate) struct Database {
    conn: Mutex<Connection>,
    /// The monitor's counts, on a connection of their own with `synchronous = NORMAL`: a count
    /// survives a crash of the process, and the last ones may be lost to a power cut (keys and
    /// audit events are synced at every commit).
    counts: Option<Mutex<Connection>>,
    path: Option<PathBuf>,
}

/// The error of a failed store operation, naming what failed (never a value).
pub(crate) fn failed(reason: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    move |_| Error::KeyStore { reason }
}

impl SqliteStore {
    /// Opens (creating if needed, owner-only) the store at `path`, bringing its schema up to
    /// date.
    ///
    /// # Errors
    /// [`Error::KeyStore`] if the file cannot be opened, is not a piiguard store, or was
    /// written by a newer piiguard.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::fs::create_private_dir(dir)?;
        }
        let mut conn = connection(path, "FULL")?;
        crate::fs::make_private(path)?;
        wal(&conn)?;
        migrate(&mut conn)?;
        Ok(Self::with(
            conn,
            Some(connection(path, "NORMAL")?),
            Some(path.to_owned()),
        ))
    }

    /// A store in memory only (tests, one process).
    ///
    /// # Errors
    /// [`Error::KeyStore`] if SQLite cannot start.
    pub fn in_memory() -> Result<Self, Error> {
        let mut conn = Connection::open_in_memory().map_err(failed("cannot open the store"))?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;")
            .map_err(failed("cannot configure the store"))?;
        migrate(&mut conn)?;
        Ok(Self::with(conn, None, None))
    }

    fn with(conn: Connection, counts: Option<Connection>, path: Option<PathBuf>) -> Self {
        Self {
            db: Arc::new(Database {
                conn: Mutex::new(conn),
                counts: counts.map(Mutex::new),
                path,
            }),
        }
    }

    /// The same store through a connection of its own (the audit trail's, so that an event's
    /// commit does not hold up key lookups); in memory, the same connection.
    pub(crate) fn sibling(&self) -> Result<Self, Error> {
        match self.path() {
            Some(path) => Ok(Self::with(
                connection(path, "FULL")?,
                None,
                Some(path.to_owned()),
            )),
            None => Ok(self.clone()),
        }
    }

    /// The database file, unless in memory.
    pub fn path(&self) -> Option<&Path> {
        self.db.path.as_deref()
    }

    /// The schema version this piiguard writes.
    pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.db.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection the monitor's counts go through.
    pub(crate) fn counts_conn(&self) -> MutexGuard<'_, Connection> {
        self.db
            .counts
            .as_ref()
            .unwrap_or(&self.db.conn)
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection to the store's file: waits for other writers, `secure_delete` on, and the
/// given `synchronous` level (`FULL` for keys and audit events, `NORMAL` for counts).
fn connection(path: &Path, synchronous: &str) -> Result<Connection, Error> {
    let conn = Connection::open(path).map_err(failed("cannot open the store"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .and_then(|()| {
            conn.execute_batch(&format!(
                "PRAGMA synchronous = {synchronous}; PRAGMA secure_delete = ON;"
            ))
        })
        .map_err(failed("cannot configure the store"))?;
    Ok(conn)
}

/// Switches the database to WAL (a setting kept in the file). A process starting beside others
/// that hold the file open can be told "busy" without the busy handler being asked (SQLite
/// needs every connection out of the way to change the journal mode): asked again for up to
/// the busy timeout.
fn wal(conn: &Connection) -> Result<(), Error> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        let mode: rusqlite::Result<String> =
            conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0));
        match mode {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(_) => {
                return Err(Error::KeyStore {
                    reason: "cannot switch the store to WAL",
                });
            }
            Err(e) => {
                return Err(failed("cannot switch the store to WAL (is it a database?)")(e));
            }
        }
    }
}

/// Brings the schema up to date, one version per transaction (the first writer migrates;
/// the others wait for it and find nothing left to do).
fn migrate(conn: &mut Connection) -> Result<(), Error> {
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed("cannot start a transaction on the store"))?;
        let version: u32 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(failed("cannot read the store's schema version"))?;
        let Some(statements) = MIGRATIONS.get(version as usize) else {
            if version as usize > MIGRATIONS.len() {
                return Err(Error::KeyStore {
                    reason: "the store was written by a newer piiguard: upgrade this one",
                });
            }
            return Ok(());
        };
        tx.execute_batch(statements).map_err(failed(
            "cannot create the store's tables (is it a piiguard store?)",
        ))?;
        tx.pragma_update(None, "user_version", version + 1)
            .map_err(failed("cannot record the store's schema version"))?;
        tx.commit()
            .map_err(failed("cannot commit the store's schema"))?;
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.db.path)
            .finish_non_exhaustive()
    }
}

impl super::SharedStore for SqliteStore {
    fn audit_sink(
        &self,
        keyring: &crate::keys::Keyring,
    ) -> Result<Arc<dyn crate::audit::AuditSink>, Error> {
        Ok(Arc::new(self.audit(keyring)?))
    }

    fn holds_data(&self) -> Result<bool, Error> {
        self.conn()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM subject_keys) OR EXISTS (SELECT 1 FROM audit_events)",
                [],
                |row| row.get(0),
            )
            .map_err(failed("cannot read the store"))
    }
}
