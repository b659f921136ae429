//! The embedded default keyring: a local key file and SQLite subject keys in one directory.

use super::key_file::{KekSource, LocalKeyFile};
use super::keyring::Keyring;
use super::sqlite_store::SqliteKeyStore;
use crate::environment::Environment;
use crate::error::Error;
use std::path::Path;

/// The environment variable holding the key-encryption passphrase of a local key file.
pub const KEK_PASSPHRASE_VAR: &str = "PIIGUARD_KEK_PASSPHRASE";
/// The environment variable naming the environment of a new local keyring.
pub const ENVIRONMENT_VAR: &str = "PIIGUARD_ENV";

impl Keyring {
    /// The embedded default: `dir/keys.pgk` (root keys, encrypted) and `dir/subject-keys.db`
    /// (SQLite), created with owner-only permissions on first use.
    ///
    /// The key-encryption key is the passphrase in `PIIGUARD_KEK_PASSPHRASE` (stretched with
    /// Argon2id). Without it, a `dev` keyring keeps a random key in `dir/kek` (zero
    /// configuration, no protection against someone who can read `dir`); `staging` and `prod`
    /// refuse to start. A new keyring's environment is `PIIGUARD_ENV` (default `dev`).
    ///
    /// # Errors
    /// [`Error::KeyFile`] for a corrupted or truncated key file (left untouched), a wrong
    /// passphrase, [`Error::Keyring`] when a passphrase is required, I/O and store errors.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn open_local(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let environment = match std::env::var(ENVIRONMENT_VAR) {
            Ok(name) => Some(Environment::parse(&name).ok_or(Error::Keyring {
                reason: "PIIGUARD_ENV must be dev, staging or prod",
            })?),
            Err(_) => None,
        };
        let kek = match std::env::var(KEK_PASSPHRASE_VAR) {
            Ok(passphrase) => KekSource::passphrase(passphrase),
            Err(_) if environment.unwrap_or_default() == Environment::Dev => {
                KekSource::RandomFile(dir.join("kek"))
            }
            Err(_) => {
                return Err(Error::Keyring {
                    reason: "PIIGUARD_KEK_PASSPHRASE is required outside the dev environment",
                });
            }
        };
        let mut builder = Self::builder()
            .provider(LocalKeyFile::new(dir.join("keys.pgk"), kek))
            .store(SqliteKeyStore::open(dir.join("subject-keys.db"))?);
        if let Some(e) = environment {
            builder = builder.environment(e);
        }
        builder.build()
    }
}
