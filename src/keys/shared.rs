//! The state a keyring's clones share: the key set behind its lock, the provider and store, the
//! derived-key cache, and how fresh this instance's view of the stored state is. Only `keys/`
//! sees it.

use super::derive::Cache;
use super::material::RootKey;
use super::provider::KeyProvider;
use super::subject_keys::KeyStore;
use crate::clock::Pace;
use crate::environment::Environment;
use crate::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

pub(crate) struct Inner {
    pub(crate) environment: Environment,
    pub(crate) default_region: String,
    pub(crate) keys: RwLock<Vec<RootKey>>,
    pub(crate) fresh: Freshness,
    pub(crate) provider: Option<Box<dyn KeyProvider>>,
    pub(crate) store: Option<Arc<dyn KeyStore>>,
    pub(crate) cache: Cache,
    pub(crate) index_len: usize,
}

/// What this instance last saw of the stored state, and when it last looked.
pub(crate) struct Freshness {
    /// The stored key set's version this instance holds (0: none stored).
    version: AtomicU64,
    /// The store's count of destroyed subject keys when last looked.
    pub(crate) erasures: AtomicU64,
    /// How often it looks.
    pub(crate) pace: Pace,
}

impl Freshness {
    pub(crate) fn new(
        version: u64,
        store: Option<&dyn KeyStore>,
        every: std::time::Duration,
    ) -> Result<Self, Error> {
        Ok(Self {
            version: AtomicU64::new(version),
            erasures: AtomicU64::new(store.map_or(Ok(0), KeyStore::erasures)?),
            pace: Pace::new(every),
        })
    }

    /// The version held, `None` when none was stored.
    pub(crate) fn version(&self) -> Option<u64> {
        Some(self.version.load(Ordering::Acquire)).filter(|&v| v != 0)
    }

    pub(crate) fn set_version(&self, version: u64) {
        self.version.store(version, Ordering::Release);
    }
}
