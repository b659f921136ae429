//! Where root keys live: the [`KeyProvider`] trait (versioned, compare-and-swap), and the
//! [`KeySetStore`] a store engine offers for a key set sealed under a key-encryption key.

use super::{Environment, RootKey};
use crate::error::Error;

/// A keyring's whole set of root keys, and the environment they belong to.
#[derive(Debug)]
pub struct KeySet {
    /// The environment.
    pub environment: Environment,
    /// Every version of every root key, destroyed ones included (their ids stay reserved).
    pub keys: Vec<RootKey>,
}

/// Holds root keys for a keyring: a local key file, or a store shared by several instances
/// ([`StoredKeySet`](crate::keys::StoredKeySet)).
///
/// Every change is a compare-and-swap on the stored version: two instances that rotate at
/// once never overwrite each other's new key; the one that loses reloads and tries again.
pub trait KeyProvider: Send + Sync {
    /// The stored key set and its version, or `None` if nothing was stored yet (the keyring
    /// then creates one).
    ///
    /// # Errors
    /// Any [`Error`]; a corrupted store must be an error, never `None`.
    fn load(&self) -> Result<Option<(u64, KeySet)>, Error>;

    /// The stored version alone (cheap: asked a few times a second to notice other
    /// instances' changes), or `None` if nothing was stored yet.
    ///
    /// # Errors
    /// Any [`Error`].
    fn version(&self) -> Result<Option<u64>, Error>;

    /// Stores the complete key set, atomically, if the stored version is still `expected`
    /// (`None`: nothing stored yet). Returns the new version, or `Ok(None)` when another
    /// writer changed the set first (nothing is written then).
    ///
    /// # Errors
    /// Any [`Error`]; the previous set must then still be intact.
    fn save(&self, keys: &KeySet, expected: Option<u64>) -> Result<Option<u64>, Error>;
}

/// What a store engine offers a [`KeyProvider`]: one sealed key set with a version, replaced
/// only by compare-and-swap. The store never sees the keys, only the sealed bytes.
pub trait KeySetStore: Send + Sync {
    /// The sealed key set and its version, if one was stored.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn load_sealed(&self) -> Result<Option<(u64, Vec<u8>)>, Error>;

    /// The stored version alone.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn sealed_version(&self) -> Result<Option<u64>, Error>;

    /// Stores `sealed` if the stored version is still `expected` (`None`: none stored yet);
    /// returns the new version, or `Ok(None)` if it was not `expected`.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn swap_sealed(&self, expected: Option<u64>, sealed: &[u8]) -> Result<Option<u64>, Error>;
}

impl<S: KeySetStore + ?Sized> KeySetStore for std::sync::Arc<S> {
    fn load_sealed(&self) -> Result<Option<(u64, Vec<u8>)>, Error> {
        (**self).load_sealed()
    }

    fn sealed_version(&self) -> Result<Option<u64>, Error> {
        (**self).sealed_version()
    }

    fn swap_sealed(&self, expected: Option<u64>, sealed: &[u8]) -> Result<Option<u64>, Error> {
        (**self).swap_sealed(expected, sealed)
    }
}
