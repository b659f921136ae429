//! Where subject keys are kept: the [`KeyStore`] trait and an in-memory store.

use crate::error::Error;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

/// Which subject a stored key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreKey {
    /// The region whose root key wraps it.
    pub region: String,
    /// The tenant (empty when the keyring is not multi-tenant).
    pub tenant: String,
    /// The subject id.
    pub subject: String,
}

/// A subject key wrapped (encrypted) under a root key: what a [`KeyStore`] holds. Never the
/// key itself.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The wrapping root key's id.
    pub key_id: String,
    /// The wrapping root key's version.
    pub key_version: u32,
    /// `nonce ‖ ciphertext ‖ tag`.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("key_id", &self.key_id)
            .field("key_version", &self.key_version)
            .finish_non_exhaustive()
    }
}

/// Stores wrapped subject keys. Destroying one is crypto-shredding: every envelope of that
/// subject becomes permanently unreadable.
pub trait KeyStore: Send + Sync {
    /// The subject's wrapped key, if it has one.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn get(&self, key: &StoreKey) -> Result<Option<WrappedKey>, Error>;

    /// Stores `wrapped` unless the subject already has a key; returns the key that is stored
    /// afterwards (so two writers racing to create a subject's key agree on one).
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn insert_if_absent(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<WrappedKey, Error>;

    /// Replaces the subject's wrapped key with `wrapped` (the same key, wrapped under a newer
    /// root key version), if the subject still has one. Returns whether it did.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn replace(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<bool, Error>;

    /// Destroys the subject's key, leaving no trace of it in the store. Returns whether there
    /// was one.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn delete(&self, key: &StoreKey) -> Result<bool, Error>;

    /// How many subject keys were ever destroyed in this store: instances sharing it drop
    /// their cached subject keys when the count moves (so a subject forgotten on one is
    /// refused on all). A store only one keyring uses may keep the default, 0.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn erasures(&self) -> Result<u64, Error> {
        Ok(0)
    }
}

/// A [`KeyStore`] in memory (tests, ephemeral processes).
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<StoreKey, WrappedKey>>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many subject keys it holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds no subject key.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StoreKey, WrappedKey>> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl KeyStore for MemoryKeyStore {
    fn get(&self, key: &StoreKey) -> Result<Option<WrappedKey>, Error> {
        Ok(self.lock().get(key).cloned())
    }

    fn insert_if_absent(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<WrappedKey, Error> {
        Ok(self.lock().entry(key.clone()).or_insert(wrapped).clone())
    }

    fn replace(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<bool, Error> {
        Ok(self.lock().get_mut(key).map(|w| *w = wrapped).is_some())
    }

    fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        Ok(self.lock().remove(key).is_some())
    }
}

/// A shared store: one store behind several keyrings (or kept by the caller to inspect).
impl<S: KeyStore + ?Sized> KeyStore for std::sync::Arc<S> {
    fn get(&self, key: &StoreKey) -> Result<Option<WrappedKey>, Error> {
        (**self).get(key)
    }

    fn insert_if_absent(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<WrappedKey, Error> {
        (**self).insert_if_absent(key, wrapped)
    }

    fn replace(&self, key: &StoreKey, wrapped: WrappedKey) -> Result<bool, Error> {
        (**self).replace(key, wrapped)
    }

    fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        (**self).delete(key)
    }

    fn erasures(&self) -> Result<u64, Error> {
        (**self).erasures()
    }
}
