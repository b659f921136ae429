//! [`StoredKeySet`]: a key set kept in a store shared by several instances, sealed under a
//! key-encryption key that the store never holds.

use super::provider::{KeyProvider, KeySet, KeySetStore};
use super::sealed::KekSource;
use crate::error::Error;
use std::fmt;

/// A [`KeyProvider`] over a store engine's [`KeySetStore`]: the store keeps the sealed bytes
/// and their version, the key-encryption key stays with the instances.
///
/// ```
/// use piiguard::keys::{KekSource, Keyring, StoredKeySet};
/// use piiguard::store::SqliteStore;
///
/// let dir = std::env::temp_dir().join(format!("piiguard-doc-stored-{}", std::process::id()));
/// let store = SqliteStore::open(dir.join("store.db"))?;
/// let kek = || KekSource::RandomFile(dir.join("kek"));
/// let a = Keyring::builder().provider(StoredKeySet::new(store.clone(), kek())).build()?;
/// let b = Keyring::builder().provider(StoredKeySet::new(store, kek())).build()?;
/// assert_eq!(a.key_infos(), b.key_infos()); // one key set, whoever came first made it
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct StoredKeySet<S> {
    store: S,
    kek: KekSource,
}

impl<S: KeySetStore> StoredKeySet<S> {
    /// The key set in `store`, sealed under `kek`.
    pub fn new(store: S, kek: KekSource) -> Self {
        Self { store, kek }
    }
}

impl<S> fmt::Debug for StoredKeySet<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKeySet")
            .field("kek", &self.kek)
            .finish_non_exhaustive()
    }
}

impl<S: KeySetStore> KeyProvider for StoredKeySet<S> {
    fn load(&self) -> Result<Option<(u64, KeySet)>, Error> {
        match self.store.load_sealed()? {
            Some((version, sealed)) => Ok(Some((version, self.kek.open(&sealed)?))),
            None => Ok(None),
        }
    }

    fn version(&self) -> Result<Option<u64>, Error> {
        self.store.sealed_version()
    }

    fn save(&self, keys: &KeySet, expected: Option<u64>) -> Result<Option<u64>, Error> {
        let sealed = self.kek.seal(keys, expected.is_none())?;
        self.store.swap_sealed(expected, &sealed)
    }
}
