//! The audit trail: one [`AuditEvent`] for every reveal, denial, view, break-glass request,
//! grant and revocation, key rotation, subject erasure and access alert — answering who did
//! what to which data, why, when, and whether it was allowed. Events never hold a value.
//!
//! Sinks:
//! - [`JsonlSink`]: a JSON-lines file with a keyed BLAKE3 hash chain ([`verify_jsonl`] detects
//!   any edited, deleted, inserted, reordered or cut-off line), durable appends.
//! - [`SqliteAudit`](crate::store::SqliteAudit) and `PgAudit` (feature `postgres`): the same
//!   lines in the store, one chain per writer (so that no writer chains onto another's events) and
//!   signed checkpoints binding every writer's head at intervals; read and verified in pages.
//! - [`MemorySink`]: in memory, for tests.
//! - `TracingSink` (feature `tracing`): events as `tracing` events, target `piiguard::audit`.
//!
//! A sink that fails to record makes the access fail: nothing is revealed without its record.

mod chain;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod checkpoint;
mod event;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod group;
mod jsonl;
mod text;
#[cfg(feature = "tracing")]
mod tracing_sink;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod trail;

pub use chain::{ChainHead, ChainProblem, ChainReport};
pub use event::{Action, Actor, AuditEvent, Object, Outcome};
pub use jsonl::{Durability, JsonlSink, verify_jsonl};
pub use text::Text;
#[cfg(feature = "tracing")]
pub use tracing_sink::TracingSink;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use chain::Chain;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use checkpoint::{WriterHead, line_hash, mac_of, seal as seal_checkpoint};
pub(crate) use event::timestamp;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use group::{Entry, GroupCommit, Stored};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use trail::{Row, verify_trail};

use crate::error::Error;
pub use crate::monitor::Tally;
use crate::token::TokenEntry;
use std::sync::{Arc, Mutex, PoisonError};

/// Where audit events go. Implementations must be safe to call from many threads at once and
/// must not return before the event is recorded as durably as they promise.
pub trait AuditSink: Send + Sync {
    /// Records one event.
    ///
    /// # Errors
    /// [`Error::Audit`] or [`Error::Io`]: the caller then refuses the access it was for.
    fn record(&self, event: &AuditEvent) -> Result<(), Error>;

    /// Verifies the trail, for sinks that keep a hash chain (`None` for the others).
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad line; I/O errors.
    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        Ok(None)
    }

    /// The head of the chain, for sinks that keep one: a file's last event number and MAC; a
    /// store's new checkpoint (its number and hash; `None` if it cannot be made). Keep it
    /// somewhere the trail's writers cannot change, and hand it back when the trail is opened
    /// again, so that lines cut off its end are detected.
    fn chain_head(&self) -> Option<ChainHead> {
        None
    }

    /// Records `event` and takes the monitor's `tally` in one commit, for sinks in a store that
    /// keeps the monitor's counts too ([`Tallied::Unsupported`] for the others: the guard then
    /// counts and records in two steps). The guard calls it only when its counters are that
    /// store's.
    ///
    /// # Errors
    /// As [`record`](Self::record): nothing is stored then, neither counts nor event.
    fn record_tallied(&self, event: &AuditEvent, tally: &Tally) -> Result<Tallied, Error> {
        let _ = (event, tally);
        Ok(Tallied::Unsupported)
    }

    /// Stores a vault token's row in the trail's next commit (sharing its sync with the
    /// events being recorded), for sinks in a store that keeps the tokens too: the row as
    /// stored (the one already there, when its id was taken). `Ok(None)` for the others: the
    /// guard then stores the row in its token store. The guard calls it only when its token
    /// store is that store.
    ///
    /// # Errors
    /// As [`record`](Self::record).
    fn store_token(&self, entry: &TokenEntry) -> Result<Option<TokenEntry>, Error> {
        let _ = entry;
        Ok(None)
    }
}

/// What became of [`AuditSink::record_tallied`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tallied {
    /// The sink keeps no counts: nothing was stored.
    Unsupported,
    /// Counted and recorded in one commit: how many events each track of the tally held in
    /// the window before this one.
    Recorded(Vec<u32>),
    /// The principal is blocked, or at the hard limit: nothing was stored.
    Refused,
}

impl<S: AuditSink + ?Sized> AuditSink for Arc<S> {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        (**self).record(event)
    }

    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        (**self).verify()
    }

    fn chain_head(&self) -> Option<ChainHead> {
        (**self).chain_head()
    }

    fn record_tallied(&self, event: &AuditEvent, tally: &Tally) -> Result<Tallied, Error> {
        (**self).record_tallied(event, tally)
    }

    fn store_token(&self, entry: &TokenEntry) -> Result<Option<TokenEntry>, Error> {
        (**self).store_token(entry)
    }
}

/// Keeps events in memory (tests, examples).
///
/// ```
/// use piiguard::audit::{AuditSink, MemorySink};
/// let sink = MemorySink::new();
/// assert!(sink.events().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct MemorySink(Mutex<Vec<AuditEvent>>);

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every event so far, in order.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many events it holds.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl AuditSink for MemorySink {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.clone());
        Ok(())
    }
}

/// Sends every event to several sinks, in order; fails if any fails.
pub struct Tee(Vec<Arc<dyn AuditSink>>);

impl Tee {
    /// A tee over `sinks`.
    pub fn new(sinks: Vec<Arc<dyn AuditSink>>) -> Self {
        Self(sinks)
    }
}

impl AuditSink for Tee {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        self.0.iter().try_for_each(|s| s.record(event))
    }

    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        let mut last = None;
        for sink in &self.0 {
            if let Some(report) = sink.verify()? {
                last = Some(report);
            }
        }
        Ok(last)
    }
}

impl std::fmt::Debug for Tee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Tee").field(&self.0.len()).finish()
    }
}
