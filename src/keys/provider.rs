//! Where root keys live: the [`KeyProvider`] trait, and an in-memory provider.

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

/// Holds root keys for a keyring: a local key file by default; a KMS or HSM later.
///
/// `load` is called once when the keyring opens; `save` after every change (rotation,
/// destruction), with the complete set.
pub trait KeyProvider: Send + Sync {
    /// The stored key set, or `None` if nothing was stored yet (the keyring then creates one).
    ///
    /// # Errors
    /// Any [`Error`]; a corrupted store must be an error, never `None`.
    fn load(&self) -> Result<Option<KeySet>, Error>;

    /// Stores the complete key set, atomically.
    ///
    /// # Errors
    /// Any [`Error`]; the previous set must then still be intact.
    fn save(&self, keys: &KeySet) -> Result<(), Error>;
}
