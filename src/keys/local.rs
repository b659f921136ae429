//! The embedded default keyring: a local key file and SQLite subject keys in one directory.
//!
//! Key material is created only on purpose: in a new or empty directory, or by the explicit
//! [`Keyring::create_local`]. A directory that holds data but not its keys is refused, naming
//! what is missing, and nothing is written; so is a directory another process has open.

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

/// The key file.
const KEY_FILE: &str = "keys.pgk";
/// The random key-encryption key of a development key file.
const KEK_FILE: &str = "kek";
/// The exclusive lock of the directory.
const LOCK_FILE: &str = ".lock";
/// Files whose data only the key file opens: if any is present, the key file must be too.
const NEEDS_KEYS: [&str; 4] = [KEK_FILE, "subject-keys.db", "audit.jsonl", "revoked-grants"];

/// Takes the directory's exclusive lock (held until the keyring is dropped), or refuses.
fn lock(dir: &Path) -> Result<std::fs::File, Error> {
    crate::fs::create_private_dir(dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(dir.join(LOCK_FILE))
        .map_err(Error::io("opening the directory's lock file"))?;
    // A lock can be held for a moment after its owner let go: a child process forked by any
    // thread keeps a copy of the descriptor until it executes its program. Wait that out.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::Locked { lock: LOCK_FILE });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::io("locking the directory")(e));
            }
        }
    }
}

/// Refuses a directory that holds data but not the key file that opens it.
fn check_keys_present(dir: &Path) -> Result<(), Error> {
    if dir.join(KEY_FILE).exists() {
        return Ok(());
    }
    let found: Vec<&str> = NEEDS_KEYS
        .into_iter()
        .filter(|name| dir.join(name).exists())
        .collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::KeysMissing {
            missing: KEY_FILE,
            found: found.join(", "),
        })
    }
}

/// The key-encryption key and environment `PIIGUARD_KEK_PASSPHRASE` and `PIIGUARD_ENV` ask for.
fn settings(dir: &Path) -> Result<(KekSource, Option<Environment>), Error> {
    let environment = match std::env::var(ENVIRONMENT_VAR) {
        Ok(name) => Some(Environment::parse(&name).ok_or(Error::Keyring {
            reason: "PIIGUARD_ENV must be dev, staging or prod",
        })?),
        Err(_) => None,
    };
    let kek = match std::env::var(KEK_PASSPHRASE_VAR) {
        Ok(passphrase) => KekSource::passphrase(passphrase),
        Err(_) if environment.unwrap_or_default() == Environment::Dev => {
            KekSource::RandomFile(dir.join(KEK_FILE))
        }
        Err(_) => {
            return Err(Error::Keyring {
                reason: "PIIGUARD_KEK_PASSPHRASE is required outside the dev environment",
            });
        }
    };
    Ok((kek, environment))
}

impl Keyring {
    /// Opens (or, in a new or empty directory, creates) the local keyring, holding the
    /// directory's lock.
    fn local(dir: &Path, create: bool) -> Result<Self, Error> {
        let held = lock(dir)?;
        if create {
            if dir.join(KEY_FILE).exists() {
                return Err(Error::KeyFile {
                    reason: "keys.pgk already exists: it is opened, never replaced",
                });
            }
        } else {
            check_keys_present(dir)?;
        }
        if !dir.join(KEY_FILE).exists() {
            // The key file first, alone: if anything after it fails, no store is left behind
            // without its keys (which the next start would take for lost keys).
            let (kek, environment) = settings(dir)?;
            let mut keys_only =
                Self::builder().provider(LocalKeyFile::new(dir.join(KEY_FILE), kek));
            if let Some(e) = environment {
                keys_only = keys_only.environment(e);
            }
            drop(keys_only.build()?);
        }
        let (kek, environment) = settings(dir)?;
        let mut builder = Self::builder()
            .provider(LocalKeyFile::new(dir.join(KEY_FILE), kek))
            .store(SqliteKeyStore::open(dir.join("subject-keys.db"))?)
            .hold(held);
        if let Some(e) = environment {
            builder = builder.environment(e);
        }
        builder.build()
    }

    /// Creates a new key set in `dir` even though the directory holds other state (data
    /// written under keys that are lost): that data stays unreadable, new data is written under
    /// the new keys. This is the explicit form of what [`open_local`](Self::open_local) refuses
    /// to do on its own.
    ///
    /// # Errors
    /// [`Error::KeyFile`] if `dir` already has a key file (it is never replaced);
    /// [`Error::Locked`]; the errors of [`open_local`](Self::open_local).
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn create_local(dir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::local(dir.as_ref(), true)
    }

    /// The embedded default: `dir/keys.pgk` (root keys, encrypted) and `dir/subject-keys.db`
    /// (SQLite), created with owner-only permissions in a new or empty directory. The keyring
    /// holds `dir/.lock` exclusively while it lives: one process at a time serves a directory.
    ///
    /// Keys are never created over existing data: if `keys.pgk` is missing while `kek`, the
    /// subject keys, the audit trail or the revocations are present, it refuses with
    /// [`Error::KeysMissing`] and writes nothing; restore the file from the backup (see
    /// `docs/THREAT_MODEL.md`, "What to back up"). If `kek` is missing next to `keys.pgk`, the
    /// key file does not open and no new `kek` is written.
    ///
    /// The key-encryption key is the passphrase in `PIIGUARD_KEK_PASSPHRASE` (stretched with
    /// Argon2id). Without it, a `dev` keyring keeps a random key in `dir/kek` (zero
    /// configuration, no protection against someone who can read `dir`); `staging` and `prod`
    /// refuse to start. A new keyring's environment is `PIIGUARD_ENV` (default `dev`).
    ///
    /// # Errors
    /// [`Error::KeysMissing`]; [`Error::Locked`] while another process has the directory open;
    /// [`Error::KeyFile`] for a corrupted or truncated key file (left untouched), a missing
    /// `kek` or a wrong passphrase; [`Error::Keyring`] when a passphrase is required; I/O and
    /// store errors.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn open_local(dir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::local(dir.as_ref(), false)
    }
}
