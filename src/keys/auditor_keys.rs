//! The auditor's key file: the integrity keys alone — the keys that chain the audit trail and
//! sign its checkpoints — sealed under a key-encryption key of the auditor's, apart from the key
//! set. With it an auditor verifies, follows and reports on the trail without the key set's KEK,
//! and without any key that opens personal data.

use super::key_file::LocalKeyFile;
use super::keyring::Keyring;
use super::material::RootKey;
use super::provider::{KeyProvider as _, KeySet};
use super::purpose::Purpose;
use super::shared::{Freshness, Inner};
use crate::error::Error;
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

impl Keyring {
    /// Writes every version of this keyring's integrity keys (every region) to `file`, and
    /// nothing else: an auditor's key file (`piiguard audit export-key`). Refuses a file that
    /// exists. Re-export after rotating the integrity key, or the auditor cannot check what
    /// the new version chained. Returns how many key versions it holds.
    ///
    /// ```
    /// use piiguard::keys::{Environment, KekSource, Keyring, LocalKeyFile};
    ///
    /// let dir = std::env::temp_dir().join(format!("pg-doc-auditor-{}", std::process::id()));
    /// # std::fs::remove_dir_all(&dir).ok();
    /// let keyring = Keyring::in_memory(Environment::Dev);
    /// let file = LocalKeyFile::new(dir.join("auditor.key"), KekSource::passphrase("the auditor's"));
    /// assert_eq!(keyring.export_integrity_keys(&file)?, 1);
    /// let auditor = Keyring::open_integrity_keys(&file)?;
    /// // The integrity key alone: no key of the key set opens a field.
    /// let held: Vec<_> = auditor.key_infos().into_iter().map(|k| k.purpose.name()).collect();
    /// assert_eq!(held, ["integrity"]);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::KeyFile`] if `file` exists; the file's sealing and I/O errors.
    pub fn export_integrity_keys(&self, file: &LocalKeyFile) -> Result<usize, Error> {
        let _ = self.refresh_if_due();
        let keys: Vec<RootKey> = self
            .read_now()
            .iter()
            .filter(|k| k.purpose() == Purpose::Integrity)
            .map(|k| {
                let key = RootKey::from_parts(
                    &k.id,
                    k.version,
                    k.purpose,
                    &k.region,
                    k.state,
                    k.expose_material().map(|m| Zeroizing::new(*m)),
                );
                match k.created {
                    Some(created) => key.made_at(created),
                    None => key,
                }
            })
            .collect();
        let count = keys.len();
        let set = KeySet {
            environment: self.environment(),
            keys,
        };
        match file.save(&set, None)? {
            Some(_) => Ok(count),
            None => Err(Error::KeyFile {
                reason: "the auditor's key file exists: it is never overwritten (move it away)",
            }),
        }
    }

    /// A keyring holding only the integrity keys of an auditor's key file: it verifies audit
    /// trails and their checkpoints, and can neither encrypt nor decrypt a field. Refuses a
    /// file that holds any other key.
    ///
    /// # Errors
    /// [`Error::KeyFile`] if the file is missing, does not open under its KEK, or holds keys of
    /// another purpose.
    pub fn open_integrity_keys(file: &LocalKeyFile) -> Result<Self, Error> {
        let (_, set) = file.load()?.ok_or(Error::KeyFile {
            reason: "the auditor's key file is missing",
        })?;
        if set.keys.is_empty() || set.keys.iter().any(|k| k.purpose() != Purpose::Integrity) {
            return Err(Error::KeyFile {
                reason: "not an auditor's key file: it must hold integrity keys and nothing else",
            });
        }
        super::keyring::check(&set.keys)?;
        let default_region = set.keys[0].region.clone();
        Ok(Self {
            inner: Arc::new(Inner {
                environment: set.environment,
                default_region,
                keys: RwLock::new(set.keys),
                fresh: Freshness::new(0, None, crate::clock::REFRESH)?,
                provider: None,
                store: None,
                cache: super::derive::Cache::default(),
                index_len: 16,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::error::Error;
    use crate::keys::{Environment, KekSource, Keyring, LocalKeyFile};

    #[test]
    fn a_key_file_holding_other_keys_is_not_an_auditor_s() {
        let dir = std::env::temp_dir().join(format!("pg-auditor-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let kek = || KekSource::passphrase("test passphrase, synthetic");
        // A whole key set, as a local key file holds it.
        let whole = LocalKeyFile::new(dir.join("keys.pgk"), kek());
        Keyring::builder()
            .environment(Environment::Dev)
            .provider(LocalKeyFile::new(dir.join("keys.pgk"), kek()))
            .build()
            .unwrap();
        let Err(Error::KeyFile { reason }) = Keyring::open_integrity_keys(&whole) else {
            panic!("a whole key set opened as an auditor's key file");
        };
        assert!(reason.contains("not an auditor's key file"), "{reason}");
        // Exported, it holds the integrity keys and opens.
        let source = Keyring::builder()
            .provider(LocalKeyFile::new(dir.join("keys.pgk"), kek()))
            .build()
            .unwrap();
        let auditor = LocalKeyFile::new(dir.join("auditor.key"), kek());
        assert_eq!(source.export_integrity_keys(&auditor).unwrap(), 1);
        assert!(Keyring::open_integrity_keys(&auditor).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
