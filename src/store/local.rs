//! The embedded default keyring: a directory holding the store (`store.db`, SQLite) and, in
//! development, the random key-encryption key (`kek`). Several processes may serve one
//! directory at once: the store keeps them in step.
//!
//! Key material is created only on purpose: in a new or empty directory, or by the explicit
//! [`Keyring::create_local`]. A directory that holds data but not its keys is refused, naming
//! what is missing, and nothing is written. A directory laid out by piiguard 0.1 before the
//! store (`keys.pgk`, `subject-keys.db`, `revoked-grants`) is moved into the store on first
//! open, and the old files are renamed `*.imported`.

use super::SqliteStore;
use crate::environment::Environment;
use crate::error::Error;
use crate::keys::{
    ENVIRONMENT_VAR, KEK_PASSPHRASE_VAR, KekSource, KeySetStore as _, Keyring, StoredKeySet,
};
use rusqlite::TransactionBehavior;
use std::path::Path;

/// The store.
pub(crate) const STORE_FILE: &str = "store.db";
/// The random key-encryption key of a development directory.
const KEK_FILE: &str = "kek";
/// The key file of piiguard 0.1 before the store.
const LEGACY_KEYS: &str = "keys.pgk";
/// Its subject keys and revocations.
const LEGACY_SUBJECTS: &str = "subject-keys.db";
const LEGACY_REVOKED: &str = "revoked-grants";
/// Files whose data only the key set opens: if any is present, the key set must be too.
const NEEDS_KEYS: [&str; 4] = [KEK_FILE, LEGACY_SUBJECTS, "audit.jsonl", LEGACY_REVOKED];

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

/// Refuses a directory that holds data but not the key set that opens it.
fn check_keys_present(dir: &Path, store: &SqliteStore) -> Result<(), Error> {
    let mut found: Vec<&str> = NEEDS_KEYS
        .into_iter()
        .filter(|name| dir.join(name).exists())
        .collect();
    if super::SharedStore::holds_data(store)? {
        found.push("data in store.db");
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::KeysMissing {
            missing: "the key set in store.db",
            found: found.join(", "),
        })
    }
}

/// Moves a directory of piiguard 0.1 (before the store) into the store: the key file's sealed
/// bytes (the same format), the subject keys and the revocations, in one transaction; the old
/// files are then renamed `*.imported` (kept as a backup, never read again).
fn import_legacy(dir: &Path, store: &SqliteStore) -> Result<(), Error> {
    let keys = dir.join(LEGACY_KEYS);
    let sealed = match std::fs::read(&keys) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("reading the key file")(e)),
    };
    let failed = super::sqlite::failed;
    let subjects = dir.join(LEGACY_SUBJECTS);
    let revoked = match std::fs::read_to_string(dir.join(LEGACY_REVOKED)) {
        Ok(text) => text.lines().map(str::to_owned).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io("reading the revoked grants")(e)),
    };
    {
        let mut conn = store.conn();
        if subjects.exists() {
            conn.execute(
                "ATTACH DATABASE ?1 AS legacy",
                [subjects.to_string_lossy().as_ref()],
            )
            .map_err(failed("cannot open subject-keys.db"))?;
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed("cannot start a transaction on the store"))?;
        let imported = tx
            .execute(
                "INSERT OR IGNORE INTO key_set (id, version, sealed) VALUES (1, 1, ?1)",
                [&sealed],
            )
            .map_err(failed("cannot import the key file"))?;
        if imported == 1 {
            if subjects.exists() {
                tx.execute(
                    "INSERT OR IGNORE INTO subject_keys SELECT * FROM legacy.subject_keys",
                    [],
                )
                .map_err(failed("cannot import subject-keys.db"))?;
            }
            for id in &revoked {
                tx.execute(
                    "INSERT OR IGNORE INTO revoked_grants (id) VALUES (?1)",
                    [id],
                )
                .map_err(failed("cannot import the revoked grants"))?;
            }
        }
        tx.commit().map_err(failed("cannot commit the import"))?;
        if subjects.exists() {
            conn.execute("DETACH DATABASE legacy", [])
                .map_err(failed("cannot close subject-keys.db"))?;
        }
    }
    for name in [LEGACY_KEYS, LEGACY_SUBJECTS, LEGACY_REVOKED] {
        let from = dir.join(name);
        if from.exists() {
            std::fs::rename(&from, dir.join(format!("{name}.imported")))
                .map_err(Error::io("renaming an imported file"))?;
        }
    }
    Ok(())
}

/// Opens the directory's store. A directory without `store.db` (nor a key file to import)
/// whose other files need a key set is refused before anything is written.
pub(crate) fn open_store(dir: &Path, create: bool) -> Result<SqliteStore, Error> {
    let path = dir.join(STORE_FILE);
    if !create && !path.exists() && !dir.join(LEGACY_KEYS).exists() {
        let found: Vec<&str> = NEEDS_KEYS
            .into_iter()
            .filter(|name| dir.join(name).exists())
            .collect();
        if !found.is_empty() {
            return Err(Error::KeysMissing {
                missing: STORE_FILE,
                found: found.join(", "),
            });
        }
    }
    SqliteStore::open(path)
}

/// Holds `dir/.init.lock` exclusively (until dropped) while a key set is made.
fn init_lock(dir: &Path) -> Result<std::fs::File, Error> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(dir.join(".init.lock"))
        .map_err(Error::io("opening the directory's init lock"))?;
    file.lock().map_err(Error::io("locking the directory"))?;
    Ok(file)
}

impl Keyring {
    /// Opens (or, in a new or empty directory, creates) the local keyring over `store`.
    pub(crate) fn local_in(dir: &Path, store: &SqliteStore, create: bool) -> Result<Self, Error> {
        import_legacy(dir, store)?;
        if store.sealed_version()?.is_some() && !create {
            return Self::local_keyring(dir, store);
        }
        // Making a key set: one process at a time, so that processes starting together on an
        // empty directory do not take each other's new `kek` for a lost key set.
        let _making = init_lock(dir)?;
        let stored = store.sealed_version()?.is_some();
        if create && stored {
            return Err(Error::KeyFile {
                reason: "the directory already has a key set: it is opened, never replaced",
            });
        }
        if !create && !stored {
            check_keys_present(dir, store)?;
        }
        Self::local_keyring(dir, store)
    }

    fn local_keyring(dir: &Path, store: &SqliteStore) -> Result<Self, Error> {
        let (kek, environment) = settings(dir)?;
        let mut builder = Self::builder()
            .provider(StoredKeySet::new(store.clone(), kek))
            .store(store.clone());
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
    /// [`Error::KeyFile`] if `dir` already has a key set (it is never replaced); the errors of
    /// [`open_local`](Self::open_local).
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn create_local(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        Self::local_in(dir, &open_store(dir, true)?, true)
    }

    /// The embedded default: `dir/store.db` (SQLite) holds the key set, sealed under a
    /// key-encryption key, and the subject keys; created with owner-only permissions in a new
    /// or empty directory. Several processes may open one directory at once: they share one
    /// key set, and a change one makes (a rotation, a destroyed key or subject) reaches the
    /// others within [`REFRESH`](crate::clock::REFRESH).
    ///
    /// Keys are never created over existing data: if the store has no key set while `kek`,
    /// subject keys, audit events or files of an older layout are present, it refuses with
    /// [`Error::KeysMissing`] and writes nothing; restore `store.db` from the backup (see
    /// `docs/DEPLOYMENT.md`, "Backup and restore"). If `kek` is missing, the key set does not
    /// open and no new `kek` is written.
    ///
    /// The key-encryption key is the passphrase in `PIIGUARD_KEK_PASSPHRASE` (stretched with
    /// Argon2id). Without it, a `dev` keyring keeps a random key in `dir/kek` (zero
    /// configuration, no protection against someone who can read `dir`); `staging` and `prod`
    /// refuse to start. A new keyring's environment is `PIIGUARD_ENV` (default `dev`).
    ///
    /// # Errors
    /// [`Error::KeysMissing`]; [`Error::KeyFile`] for a corrupted key set (left untouched), a
    /// missing `kek` or a wrong passphrase; [`Error::Keyring`] when a passphrase is required;
    /// I/O and store errors.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
    pub fn open_local(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        Self::local_in(dir, &open_store(dir, false)?, false)
    }
}
