//! The embedded default [`KeyProvider`]: a local key file, encrypted under a key-encryption key
//! (KEK), written atomically with owner-only permissions.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! "PGKF" | version=1 | kdf (0 = raw KEK file, 1 = Argon2id) | m_cost u32 | t_cost u32
//!        | p_cost u32 | salt (16) | nonce (12) | AES-256-GCM-SIV(key set) | tag (16)
//! ```
//!
//! The associated data is the header (everything before the nonce). A file that is truncated,
//! corrupted or encrypted under another KEK is an [`Error::KeyFile`] and is never overwritten.

use super::material::RootKey;
use super::provider::{KeyProvider, KeySet};
use super::{Environment, KeyState, Purpose};
use crate::codec::{Reader, put_name};
use crate::crypto::KEY_LEN;
use crate::crypto::aead::{FieldCipher, NONCE_LEN, TAG_LEN};
use crate::crypto::{password, random};
use crate::envelope::{MAX_KEY_ID_LEN, MAX_REGION_LEN};
use crate::error::Error;
use crate::fs::write_atomic;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const MAGIC: [u8; 4] = *b"PGKF";
const VERSION: u8 = 1;
const KDF_RAW: u8 = 0;
const KDF_ARGON2ID: u8 = 1;
const SALT_LEN: usize = 16;
const HEADER_LEN: usize = 4 + 1 + 1 + 12 + SALT_LEN;

/// Where the key-encryption key comes from.
pub enum KekSource {
    /// A passphrase, stretched with Argon2id (memory cost in KiB, time cost).
    Passphrase {
        /// The passphrase.
        passphrase: SecretString,
        /// Argon2id memory cost in KiB (default 19 456, OWASP's recommendation).
        m_cost: u32,
        /// Argon2id iterations (default 2).
        t_cost: u32,
    },
    /// A file of 32 random bytes, created with owner-only permissions on first use. Meant for
    /// development: whoever can read both files can read the keys.
    RandomFile(PathBuf),
}

impl KekSource {
    /// A passphrase with the default Argon2id cost.
    pub fn passphrase(passphrase: impl Into<String>) -> Self {
        Self::Passphrase {
            passphrase: SecretString::from(passphrase.into()),
            m_cost: password::DEFAULT_M_COST,
            t_cost: password::DEFAULT_T_COST,
        }
    }
}

impl fmt::Debug for KekSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Passphrase { m_cost, t_cost, .. } => f
                .debug_struct("Passphrase")
                .field("m_cost", m_cost)
                .field("t_cost", t_cost)
                .finish_non_exhaustive(),
            Self::RandomFile(path) => f.debug_tuple("RandomFile").field(path).finish(),
        }
    }
}

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

    /// The KEK for a header (kdf, costs, salt).
    /// A random key-encryption key file is created only with a new key file (`create`): a key
    /// file whose `kek` is gone cannot be opened by a new one, so a missing `kek` is an error.
    fn kek(
        &self,
        (kdf, m_cost, t_cost): (u8, u32, u32),
        salt: &[u8],
        create: bool,
    ) -> Result<FieldCipher, Error> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        match (&self.kek, kdf) {
            (KekSource::Passphrase { passphrase, .. }, KDF_ARGON2ID) => {
                key =
                    password::argon2id(passphrase.expose_secret().as_bytes(), salt, m_cost, t_cost)
                        .map_err(|_| Error::KeyFile {
                            reason: "invalid Argon2id parameters",
                        })?;
            }
            (KekSource::RandomFile(path), KDF_RAW) => {
                *key = raw_kek(path, create)?;
            }
            _ => {
                return Err(Error::KeyFile {
                    reason: "the key file was made with another kind of key-encryption key",
                });
            }
        }
        Ok(FieldCipher::new(&key))
    }

    fn header(&self) -> Result<Vec<u8>, Error> {
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(&MAGIC);
        header.push(VERSION);
        let (kdf, m, t) = match &self.kek {
            KekSource::Passphrase { m_cost, t_cost, .. } => (KDF_ARGON2ID, *m_cost, *t_cost),
            KekSource::RandomFile(_) => (KDF_RAW, 0, 0),
        };
        header.push(kdf);
        header.extend_from_slice(&m.to_be_bytes());
        header.extend_from_slice(&t.to_be_bytes());
        header.extend_from_slice(&1u32.to_be_bytes());
        let mut salt = [0u8; SALT_LEN];
        random::fill_secret(&mut salt);
        header.extend_from_slice(&salt);
        Ok(header)
    }
}

fn corrupt(reason: &'static str) -> Error {
    Error::KeyFile { reason }
}

fn raw_kek(path: &Path, create: bool) -> Result<[u8; KEY_LEN], Error> {
    match fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("the key-encryption key file is not 32 bytes"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => Err(corrupt(
            "the key-encryption key file `kek` is missing: restore it from the backup made with \
             the key file (a new one would not open it)",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = random::key();
            write_atomic(path, key.as_slice())?;
            Ok(*key)
        }
        Err(e) => Err(Error::io("reading the key-encryption key file")(e)),
    }
}

fn encode_keys(set: &KeySet) -> Zeroizing<Vec<u8>> {
    let len: usize = 3 + set
        .keys
        .iter()
        .map(|k| 1 + k.id.len() + 4 + 1 + 1 + k.region.len() + 1 + 1 + KEY_LEN)
        .sum::<usize>();
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    out.push(set.environment.byte());
    out.extend_from_slice(&(set.keys.len() as u16).to_be_bytes());
    for key in &set.keys {
        put_name(&mut out, &key.id);
        out.extend_from_slice(&key.version.to_be_bytes());
        out.push(key.purpose.byte());
        put_name(&mut out, &key.region);
        out.push(key.state.byte());
        match key.expose_material() {
            Some(material) => {
                out.push(1);
                out.extend_from_slice(material);
            }
            None => out.push(0),
        }
    }
    out
}

fn decode_keys(bytes: &[u8]) -> Option<KeySet> {
    let mut r = Reader::new(bytes);
    let environment = Environment::from_byte(r.u8()?)?;
    let count = r.u16()?;
    let mut keys = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let id = r.name(MAX_KEY_ID_LEN)?;
        let version = r.u32()?;
        let purpose = Purpose::from_byte(r.u8()?)?;
        let region = r.name(MAX_REGION_LEN)?;
        let state = KeyState::from_byte(r.u8()?)?;
        let material = match r.u8()? {
            0 => None,
            1 => Some(Zeroizing::new(r.array::<KEY_LEN>()?)),
            _ => return None,
        };
        if material.is_none() != (state == KeyState::Destroyed) {
            return None;
        }
        keys.push(RootKey::from_parts(
            id, version, purpose, region, state, material,
        ));
    }
    (r.remaining() == 0).then_some(KeySet { environment, keys })
}

impl KeyProvider for LocalKeyFile {
    fn load(&self) -> Result<Option<KeySet>, Error> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("reading the key file")(e)),
        };
        let mut r = Reader::new(&bytes);
        if r.array::<4>() != Some(MAGIC) {
            return Err(corrupt(
                "not a piiguard key file (or its header is damaged)",
            ));
        }
        if r.u8() != Some(VERSION) {
            return Err(corrupt("unsupported key file version"));
        }
        let truncated = || corrupt("truncated");
        let kdf = r.u8().ok_or_else(truncated)?;
        let m_cost = r.u32().ok_or_else(truncated)?;
        let t_cost = r.u32().ok_or_else(truncated)?;
        let _p_cost = r.u32().ok_or_else(truncated)?;
        let salt = r.take(SALT_LEN).ok_or_else(truncated)?;
        let nonce: [u8; NONCE_LEN] = r.array().ok_or_else(truncated)?;
        let body = r.rest();
        if body.len() < TAG_LEN {
            return Err(truncated());
        }
        let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
        let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| truncated())?;
        let kek = self.kek((kdf, m_cost, t_cost), salt, false)?;
        let mut plain = Zeroizing::new(ciphertext.to_vec());
        kek.open_in_place(&nonce, &bytes[..HEADER_LEN], &mut plain, tag)
            .map_err(|_| {
                corrupt("does not open: wrong key-encryption key, or the file is corrupted")
            })?;
        decode_keys(&plain)
            .map(Some)
            .ok_or_else(|| corrupt("the decrypted key set is malformed"))
    }

    fn save(&self, keys: &KeySet) -> Result<(), Error> {
        let header = self.header()?;
        let costs = (
            header[5],
            u32::from_be_bytes([header[6], header[7], header[8], header[9]]),
            u32::from_be_bytes([header[10], header[11], header[12], header[13]]),
        );
        // A new key file may bring its random `kek`; a rewritten one must find it.
        let kek = self.kek(costs, &header[18..], !self.path.exists())?;
        let plain = encode_keys(keys);
        let nonce = random::nonce();
        let mut file = Zeroizing::new(Vec::with_capacity(
            HEADER_LEN + NONCE_LEN + plain.len() + TAG_LEN,
        ));
        file.extend_from_slice(&header);
        file.extend_from_slice(&nonce);
        file.extend_from_slice(&plain);
        let tag = kek.seal_in_place(&nonce, &header, &mut file[HEADER_LEN + NONCE_LEN..]);
        file.extend_from_slice(&tag);
        write_atomic(&self.path, &file)
    }
}
