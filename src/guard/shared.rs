//! A guard on a shared store (SQLite on one host, PostgreSQL for a fleet): keys, audit trail,
//! break-glass state, access counts and the policy in force, all in the store.

use super::{Guard, GuardBuilder};
use crate::error::Error;
use crate::keys::{KekSource, Keyring, StoredKeySet};
use crate::store::SharedStore;
use std::sync::Arc;

impl Guard {
    /// A guard builder whose keyring, audit trail, break-glass requests and revocations,
    /// access counts and policy all live in `store`, shared with every instance built on the
    /// same store; the key set is sealed under `kek`, which the store never holds. On an empty
    /// store the first instance makes the key set (instances starting together agree on one).
    /// Add a fallback policy (in force until the store holds one: see
    /// [`GuardBuilder::policy`]), a subsystem name or a scope, and build.
    ///
    /// ```
    /// use piiguard::keys::KekSource;
    /// use piiguard::store::SqliteStore;
    /// use piiguard::{Guard, Policy};
    ///
    /// let dir = std::env::temp_dir().join(format!("pg-doc-shared-{}", std::process::id()));
    /// let store = SqliteStore::open(dir.join("store.db"))?;
    /// let kek = KekSource::passphrase("correct horse battery staple");
    /// let guard = Guard::shared(store, kek)?.policy(Policy::starter()).build()?;
    /// assert!(guard.verify_audit().is_ok());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::KeysMissing`] if the store holds subject keys or audit events but no key set
    /// (restore it from the backup; keys are never made over data); [`Error::KeyFile`] if the
    /// key set does not open under `kek`; the store's errors.
    pub fn shared(store: impl SharedStore, kek: KekSource) -> Result<GuardBuilder, Error> {
        if store.sealed_version()?.is_none() && store.holds_data()? {
            return Err(Error::KeysMissing {
                missing: "the key set",
                found: "subject keys or audit events in the store".to_owned(),
            });
        }
        let keyring = Keyring::builder()
            .provider(StoredKeySet::new(store.clone(), kek))
            .store(store.clone())
            .build()?;
        let audit = store.audit_sink(&keyring)?;
        Ok(Self::builder(keyring)
            .audit(audit)
            .grants(Arc::new(store.clone()))
            .counters(Arc::new(store.clone()))
            .tokens(Arc::new(store.clone()))
            .lifecycle(Arc::new(store.clone()))
            .policies(Arc::new(store))
            .tallied())
    }
}
