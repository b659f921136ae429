//! The store: everything several instances of a service must agree on, in one place — the key
//! set (sealed under a key-encryption key the store never holds), subject keys, the audit
//! trail, break-glass requests and revocations, the access monitor's counts, and vault tokens.
//!
//! The traits live with what uses them ([`KeySetStore`] and [`KeyStore`] in `keys`,
//! [`AuditSink`] in `audit`, [`GrantStore`] and [`PolicyStore`] in `policy`, [`Counters`] in
//! `monitor`); this module holds the engines, each a [`SharedStore`]:
//!
//! - [`SqliteStore`] (feature `sqlite`, the embedded default): one database file that several
//!   processes on one host share correctly — WAL, every change in a `BEGIN IMMEDIATE`
//!   transaction, `synchronous = FULL`, so what a call acknowledged survives `kill -9` and a
//!   power cut.
//! - [`PgStore`] (feature `postgres`): a fleet of hosts on one PostgreSQL database, with
//!   versioned migrations and a service role that needs no DDL.
//!
//! See `docs/DEPLOYMENT.md` for what each engine guarantees.

#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
mod local;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use crate::error::DatabaseCause;
#[cfg(all(feature = "postgres", feature = "sqlite", feature = "local-key-file"))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(feature = "postgres", feature = "sqlite", feature = "local-key-file")))
)]
pub use postgres::ImportReport;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{DbRole, Migrated, PgAudit, PgStore};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::{SqliteAudit, SqliteStore};

#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
pub(crate) use local::open_store;

use crate::audit::AuditSink;
use crate::error::Error;
use crate::keys::{KeySetStore, KeyStore, Keyring};
use crate::monitor::Counters;
use crate::policy::{GrantStore, PolicyStore};
use crate::token::TokenStore;
use std::sync::Arc;

/// A store engine: everything a guard shares with the other instances.
/// [`Guard::shared`](crate::Guard::shared) builds a guard on one.
pub trait SharedStore:
    KeySetStore
    + KeyStore
    + GrantStore
    + Counters
    + PolicyStore
    + TokenStore
    + crate::lifecycle::LifecycleStore
    + Clone
    + 'static
{
    /// The store's audit trail, chained under `keyring`'s integrity key.
    ///
    /// # Errors
    /// The trail's errors (its head does not verify, the store fails).
    fn audit_sink(&self, keyring: &Keyring) -> Result<Arc<dyn AuditSink>, Error>;

    /// Whether the store holds data that only its key set opens (subject keys, audit events):
    /// a store like that without a key set is refused, never given a new one.
    ///
    /// # Errors
    /// The store's error.
    fn holds_data(&self) -> Result<bool, Error>;
}
