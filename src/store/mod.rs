//! The store: everything several instances of a service must agree on, in one place — the key
//! set (sealed under a key-encryption key the store never holds), subject keys, the audit
//! trail, break-glass requests and revocations, and the access monitor's counts.
//!
//! The traits live with what uses them ([`KeySetStore`](crate::keys::KeySetStore) and
//! [`KeyStore`](crate::keys::KeyStore) in `keys`, [`AuditSink`](crate::audit::AuditSink) in
//! `audit`, [`GrantStore`](crate::policy::GrantStore) in `policy`,
//! [`Counters`](crate::monitor::Counters) in `monitor`); this module holds the engines:
//!
//! - [`SqliteStore`] (feature `sqlite`, the embedded default): one database file that several
//!   processes on one host share correctly — WAL, every change in a `BEGIN IMMEDIATE`
//!   transaction, `synchronous = FULL`, so what a call acknowledged survives `kill -9` and a
//!   power cut.
//!
//! See `docs/DEPLOYMENT.md` for what each engine guarantees.

#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
mod local;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::{SqliteAudit, SqliteStore};

#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
pub(crate) use local::open_store;
