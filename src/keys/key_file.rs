//! A [`KeyProvider`] in one local file: the key set sealed under a key-encryption key (see
//! `sealed.rs` for the format), written atomically with owner-only permissions.
//!
//! The version compare-and-swap works on is a hash of the file's bytes; a change is made under
//! an exclusive lock of `<file>.lock`, so processes sharing the file never overwrite each
//! other's change. A file that is truncated, corrupted or sealed under another KEK is an
//! [`Error::KeyFile`] and is never overwritten.

use super::provider::{KeyProvider, KeySet};
use super::sealed::KekSource;
use crate::error::Error;
use crate::fs::write_atomic;
use std::fs;
use std::path::{Path, PathBuf};

/// A key set stored in one encrypted local file.
///
/// ```
/// use piiguard::keys::{Environment, KekSource, Keyring, LocalKeyFile};
///
/// let dir = std::env::temp_dir().join(format!("piiguard-doc-{}", std::process::id()));
/// let file = LocalKeyFile::new(dir.join("keys.pgk"), KekSource::RandomFile(dir.join("kek")));
/// let keyring = Keyring::builder().provider(file).build()?;
/// assert_eq!(keyring.environment(), Environment::Dev);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Debug)]
pub struct LocalKeyFile {
    path: PathBuf,
    kek: KekSource,
}

impl LocalKeyFile {
    /// A key file at `path`, encrypted under `kek`.
    pub fn new(path: impl Into<PathBuf>, kek: KekSource) -> Self {
        Self {
            path: path.into(),
            kek,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's bytes, `None` if it does not exist.
    fn read(&self) -> Result<Option<Vec<u8>>, Error> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("reading the key file")(e)),
        }
    }

    /// Holds `<file>.lock` exclusively until the returned file is dropped.
    fn lock(&self) -> Result<fs::File, Error> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        if let Some(dir) = self.path.parent() {
            crate::fs::create_private_dir(dir)?;
        }
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(PathBuf::from(name))
            .map_err(Error::io("opening the key file's lock"))?;
        file.lock().map_err(Error::io("locking the key file"))?;
        Ok(file)
    }
}

/// The version of a key file's bytes: the first 8 bytes of their BLAKE3 hash, never 0.
fn version_of(bytes: &[u8]) -> u64 {
    let hash = crate::crypto::keyed_hash::digest(bytes);
    u64::from_be_bytes(hash[..8].try_into().unwrap_or([0; 8])).max(1)
}

impl KeyProvider for LocalKeyFile {
    fn load(&self) -> Result<Option<(u64, KeySet)>, Error> {
        match self.read()? {
            Some(bytes) => Ok(Some((version_of(&bytes), self.kek.open(&bytes)?))),
            None => Ok(None),
        }
    }

    fn version(&self) -> Result<Option<u64>, Error> {
        Ok(self.read()?.map(|b| version_of(&b)))
    }

    fn save(&self, keys: &KeySet, expected: Option<u64>) -> Result<Option<u64>, Error> {
        let _held = self.lock()?;
        let current = self.read()?;
        if current.as_deref().map(version_of) != expected {
            return Ok(None);
        }
        let sealed = self.kek.seal(keys, current.is_none())?;
        write_atomic(&self.path, &sealed)?;
        Ok(Some(version_of(&sealed)))
    }
}
