//! [`PgStore`]: the store on PostgreSQL, shared by a fleet of hosts.
//!
//! The client is the synchronous `postgres` crate, each connection on a thread of its own
//! (a small pool): a call blocks the calling thread on a channel, never enters an async runtime
//! there, so the store works the same from a plain program and from inside tokio (where, as
//! any blocking call, it belongs in `spawn_blocking`). `sqlx` would have tied piiguard's
//! synchronous API to one runtime, and brought compile-time query macros we do not need.

mod audit;
mod connect;
mod counters;
mod grants;
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
mod import;
mod key_tables;
mod lifecycle;
mod policies;
mod schema;
mod token_table;

pub use audit::PgAudit;
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
pub use import::ImportReport;
pub use schema::{DbRole, Migrated};

use crate::error::{DatabaseCause, Error};
use connect::Target;
use postgres::Client;
use std::fmt;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};

/// A job for a connection thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// One connection, made again when it broke, with the statements prepared on it.
struct Connection {
    target: Target,
    client: Option<Client>,
    prepared: Vec<(&'static str, postgres::Statement)>,
}

impl Connection {
    fn client(&mut self) -> Result<&mut Client, postgres::Error> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.prepared.clear();
            self.client = Some(self.target.connect()?);
        }
        Ok(self
            .client
            .as_mut()
            .unwrap_or_else(|| unreachable!("connected just above")))
    }

    /// The client and `sql` prepared on it (once per connection): a call is then one round
    /// trip.
    fn prepared(
        &mut self,
        sql: &'static str,
    ) -> Result<(&mut Client, postgres::Statement), postgres::Error> {
        self.client()?;
        let statement = match self.prepared.iter().find(|(s, _)| *s == sql) {
            Some((_, statement)) => statement.clone(),
            None => {
                let statement = self
                    .client
                    .as_mut()
                    .unwrap_or_else(|| unreachable!("connected just above"))
                    .prepare(sql)?;
                self.prepared.push((sql, statement.clone()));
                statement
            }
        };
        let client = self
            .client
            .as_mut()
            .unwrap_or_else(|| unreachable!("connected just above"));
        Ok((client, statement))
    }
}

struct Pool {
    jobs: Mutex<Sender<Job>>,
    redacted_url: String,
    /// Where the database is (never printed), for a connection of one's own.
    target: Target,
    connections: usize,
}

/// The store on PostgreSQL: the key set (sealed, compare-and-swap), subject keys, the audit
/// trail (a chain per writer, signed checkpoints), break-glass requests and revocations, the
/// monitor's counts and the policy in force — for every host of a fleet. Cheap to clone.
///
/// Its tables (`piiguard_*`) are made by [`migrate`](Self::migrate), run with a role that may
/// create tables, or by the statements of [`migrations`](Self::migrations), run by a DBA; the
/// service's own role then needs only the grants of [`RUNTIME_GRANTS`](Self::RUNTIME_GRANTS)
/// (no superuser, no DDL; on the audit trail, two functions and nothing more).
///
/// ```no_run
/// use piiguard::store::PgStore;
///
/// let store = PgStore::connect("postgres://piiguard@db.example.com/app", 4)?;
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Clone)]
pub struct PgStore {
    pool: Arc<Pool>,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.pool.redacted_url)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` without the secret, for `Debug`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        (Some(_), _) => url.to_owned(),
        _ => "(key=value connection string)".to_owned(),
    }
}

fn worker(target: Target, jobs: Arc<Mutex<Receiver<Job>>>) {
    let mut connection = Connection {
        target,
        client: None,
        prepared: Vec::new(),
    };
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(&mut connection),
            Err(_) => return,
        }
    }
}

impl PgStore {
    /// Connects `connections` threads (at least 1) to the database at `url` (a libpq-style
    /// URL or key=value string) and checks that its schema is this piiguard's.
    ///
    /// # Errors
    /// [`Error::KeyStore`] if the database cannot be reached, has no piiguard tables (run
    /// [`migrate`](Self::migrate)) or has a newer schema.
    pub fn connect(url: &str, connections: usize) -> Result<Self, Error> {
        let store = Self::start(url, connections)?;
        store.check_schema()?;
        Ok(store)
    }

    /// Connects without checking the schema (for [`migrate`](Self::migrate)).
    fn start(url: &str, connections: usize) -> Result<Self, Error> {
        let target = Target::parse(url)?;
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..connections.max(1) {
            let target = target.clone();
            let jobs = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("piiguard-pg-{n}"))
                .spawn(move || worker(target, jobs))
                .map_err(Error::io("starting a connection thread"))?;
        }
        let store = Self {
            pool: Arc::new(Pool {
                jobs: Mutex::new(sender),
                redacted_url: redact(url),
                target,
                connections: connections.max(1),
            }),
        };
        store
            .run(|client| client.simple_query("SELECT 1").map(|_| ()))
            .map_err(|e| e.into_error("cannot connect to PostgreSQL"))?;
        Ok(store)
    }

    /// Runs `job` on a connection thread and waits for its result. A connection that broke is
    /// made again for the next job.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, RunError> {
        self.dispatch(move |connection| job(connection.client()?))
    }

    /// Runs `job` on a connection thread with `sql` prepared on its connection (once per
    /// connection), and waits for its result.
    pub(crate) fn run_prepared<T: Send + 'static>(
        &self,
        sql: &'static str,
        job: impl FnOnce(&mut Client, &postgres::Statement) -> Result<T, postgres::Error>
        + Send
        + 'static,
    ) -> Result<T, RunError> {
        self.dispatch(move |connection| {
            let (client, statement) = connection.prepared(sql)?;
            job(client, &statement)
        })
    }

    /// Hands `job` to a connection thread and waits for its answer; a connection found closed
    /// is dropped, to be made again for the next job.
    fn dispatch<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, RunError> {
        let (reply, result): (SyncSender<Result<T, RunError>>, _) = sync_channel(1);
        let job: Job = Box::new(move |connection| {
            let outcome = job(connection).map_err(RunError::Query);
            if matches!(outcome, Err(RunError::Query(ref e)) if e.is_closed()) {
                connection.client = None;
            }
            let _ = reply.send(outcome);
        });
        self.pool
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| RunError::Gone)?;
        result.recv().map_err(|_| RunError::Gone)?
    }

    /// A connection of the caller's own (a long read in one snapshot: verifying the trail).
    pub(crate) fn connect_own(&self) -> Result<Client, postgres::Error> {
        self.pool.target.connect()
    }

    /// How many connections the store keeps.
    pub(crate) fn connections(&self) -> usize {
        self.pool.connections
    }

    /// Runs `job` and maps its failure to [`Error::KeyStore`] with `reason` (never
    /// PostgreSQL's message, which can quote a value).
    pub(crate) fn call<T: Send + 'static>(
        &self,
        reason: &'static str,
        job: impl FnOnce(&mut Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, Error> {
        self.run(job).map_err(|e| e.into_error(reason))
    }
}

/// Why a job did not give a result.
#[derive(Debug)]
pub(crate) enum RunError {
    /// PostgreSQL refused or the connection failed.
    Query(postgres::Error),
    /// The connection threads are gone.
    Gone,
}

impl From<postgres::Error> for RunError {
    fn from(e: postgres::Error) -> Self {
        Self::Query(e)
    }
}

impl RunError {
    /// The error of a failed `reason`: [`Error::Database`] when the cause is one an operator
    /// can act on (the connection, the credentials, a missing grant), [`Error::KeyStore`]
    /// otherwise.
    pub(crate) fn into_error(self, reason: &'static str) -> Error {
        match self {
            Self::Query(e) => match cause(&e) {
                Some(cause) => Error::Database { reason, cause },
                None => Error::KeyStore { reason },
            },
            Self::Gone => Error::KeyStore { reason },
        }
    }
}

/// What an operator can act on in a PostgreSQL error, from its SQLSTATE code and kind only:
/// the server's message is read for nothing but a piiguard object's name (a value could be
/// quoted elsewhere in it).
fn cause(e: &postgres::Error) -> Option<DatabaseCause> {
    use postgres::error::SqlState;
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        return if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            Some(DatabaseCause::Permission {
                object: privileged_object(db.message()),
            })
        } else if *code == SqlState::INVALID_PASSWORD {
            Some(DatabaseCause::Authentication)
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            Some(DatabaseCause::NoDatabase)
        } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            let message = db.message();
            Some(if message.contains("no encryption") {
                DatabaseCause::TlsRequired
            } else if message.starts_with("role ") && message.ends_with("does not exist") {
                DatabaseCause::Authentication
            } else {
                DatabaseCause::NotAllowed
            })
        } else {
            None
        };
    }
    if let Some(tls) = tls_cause(e) {
        return Some(tls);
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return Some(if io.kind() == std::io::ErrorKind::ConnectionRefused {
                DatabaseCause::Refused
            } else {
                DatabaseCause::Unreachable
            });
        }
        source = inner.source();
    }
    None
}

/// A TLS failure: the server offers no TLS, or rustls refused the handshake (found in the error's
/// sources, where tokio-postgres and tokio-rustls wrap it).
fn tls_cause(e: &postgres::Error) -> Option<DatabaseCause> {
    use rustls::{CertificateError, Error as Tls};
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        // tokio-postgres's words when the server answers that it has no TLS.
        if inner.to_string() == "server does not support TLS" {
            return Some(DatabaseCause::TlsUnavailable);
        }
        let rustls = inner.downcast_ref::<Tls>().or_else(|| {
            inner
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .and_then(|e| e.downcast_ref::<Tls>())
        });
        if let Some(rustls) = rustls {
            return Some(match rustls {
                Tls::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                ) => DatabaseCause::TlsWrongHost,
                Tls::InvalidCertificate(
                    CertificateError::UnknownIssuer | CertificateError::BadSignature,
                ) => DatabaseCause::TlsUntrusted,
                _ => DatabaseCause::TlsFailed,
            });
        }
        source = inner.source();
    }
    e.to_string()
        .contains("TLS")
        .then_some(DatabaseCause::TlsFailed)
}

/// `table piiguard_x` from "permission denied for table piiguard_x"; only a piiguard object's
/// name is taken from the message.
fn privileged_object(message: &str) -> String {
    let named = message
        .strip_prefix("permission denied for ")
        .and_then(|rest| rest.split_once(' '))
        .filter(|(kind, name)| {
            matches!(*kind, "table" | "function" | "sequence" | "schema")
                && name.starts_with("piiguard_")
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        });
    match named {
        Some((kind, name)) => format!("{kind} {name}"),
        None => "a piiguard object".to_owned(),
    }
}

impl super::SharedStore for PgStore {
    fn audit_sink(
        &self,
        keyring: &crate::keys::Keyring,
    ) -> Result<Arc<dyn crate::audit::AuditSink>, Error> {
        Ok(Arc::new(self.audit(keyring)?))
    }

    fn holds_data(&self) -> Result<bool, Error> {
        self.call("cannot read the store", |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM piiguard_subject_keys)
                         OR EXISTS (SELECT 1 FROM piiguard_audit_writers)",
                    &[],
                )?
                .get(0))
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_lose_their_secret_in_debug() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db.example.com:5432/app"),
            "postgres://app@db.example.com:5432/app"
        );
        assert!(!super::redact("host=/tmp password=s3cret").contains("s3cret"));
    }
}
