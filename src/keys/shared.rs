//! The state a keyring's clones share: the key set behind its lock, the provider and store, and
//! the derived-key cache. Only `keys/` sees it.

use super::derive::Cache;
use super::material::RootKey;
use super::provider::KeyProvider;
use super::store::KeyStore;
use crate::environment::Environment;
use std::sync::{Arc, RwLock};

pub(crate) struct Inner {
    pub(crate) environment: Environment,
    pub(crate) default_region: String,
    pub(crate) keys: RwLock<Vec<RootKey>>,
    pub(crate) provider: Option<Box<dyn KeyProvider>>,
    pub(crate) store: Option<Arc<dyn KeyStore>>,
    pub(crate) cache: Cache,
    pub(crate) index_len: usize,
    /// Held for the keyring's life: the local directory's exclusive lock.
    pub(crate) _hold: Option<Box<dyn Send + Sync>>,
}
