//! A key set sealed under a key-encryption key (KEK): the bytes a key file holds and a store
//! keeps. The same format in both places, so a local key file moves into a store unchanged.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! "PGKF" | version=2 | kdf (0 = raw KEK file, 1 = Argon2id) | m_cost u32 | t_cost u32
//!        | p_cost u32 | salt (16) | nonce (12) | AES-256-GCM-SIV(key set) | tag (16)
//! ```
//!
//! Version 2 records each key version's creation time after its material; version 1 (still
//! read) did not.
//!
//! The associated data is the header (everything before the nonce). Bytes that are truncated,
//! corrupted or sealed under another KEK are an [`Error::KeyFile`].

use super::material::RootKey;
use super::provider::KeySet;
use super::{Environment, KeyState, Purpose};
use crate::codec::{Reader, put_name};
use crate::crypto::KEY_LEN;
use crate::crypto::aead::{FieldCipher, NONCE_LEN, Siv as _, TAG_LEN};
use crate::crypto::{password, random};
use crate::envelope::{MAX_KEY_ID_LEN, MAX_REGION_LEN};
use crate::error::Error;
use crate::fs::write_new;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The environment variable holding the key-encryption passphrase of a local directory.
pub const KEK_PASSPHRASE_VAR: &str = "PIIGUARD_KEK_PASSPHRASE";
/// The environment variable naming the environment of a new local keyring.
pub const ENVIRONMENT_VAR: &str = "PIIGUARD_ENV";

const MAGIC: [u8; 4] = *b"PGKF";
/// The format written: 2 records each key version's creation time; 1 (read still) did not.
const VERSION: u8 = 2;
const KDF_RAW: u8 = 0;
const KDF_ARGON2ID: u8 = 1;
/// A random data key, wrapped by a key-encryption key held outside the process.
const KDF_WRAPPED: u8 = 2;
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
    /// A key-encryption key that never leaves an HSM or a key service
    /// ([`Pkcs11Kek`](crate::keys::Pkcs11Kek), [`VaultTransitKek`](crate::keys::VaultTransitKek),
    /// `AwsKmsKek` with `aws-kms`, or your own [`KeyWrap`]): each sealing draws a random data key, and the KEK wraps it
    /// inside its own boundary.
    Wrapped(std::sync::Arc<dyn KeyWrap>),
}

/// A key-encryption key held outside the process: it wraps and unwraps a 32-byte data key
/// inside its own boundary (an HSM token, a key service), bound to associated data.
pub trait KeyWrap: Send + Sync + fmt::Debug {
    /// A short, stable name of the KEK (`pkcs11:<token>/<key>`, `vault:<key>`, `aws-kms:<key>`),
    /// kept with the sealed key set so that opening it under another KEK is a clear error. At
    /// most 255 bytes.
    fn name(&self) -> String;

    /// Wraps `key`, bound to `aad` (never empty).
    ///
    /// # Errors
    /// The KEK's own, value-free errors ([`Error::KeyFile`] with a reason).
    fn wrap(&self, key: &[u8; KEY_LEN], aad: &[u8]) -> Result<Vec<u8>, Error>;

    /// Unwraps what [`wrap`](Self::wrap) made with the same `aad`.
    ///
    /// # Errors
    /// [`Error::KeyFile`] when it does not unwrap (another KEK, tampering) or the KEK fails.
    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, Error>;
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
            Self::Wrapped(kek) => f.debug_tuple("Wrapped").field(&kek.name()).finish(),
        }
    }
}

impl KekSource {
    /// The KEK for a header's kdf, costs and salt. A random key-encryption key file is created
    /// only with a new key set (`create`): a key set whose `kek` is gone cannot be opened by a
    /// new one, so a missing `kek` is an error.
    fn key(
        &self,
        (kdf, m_cost, t_cost): (u8, u32, u32),
        salt: &[u8],
        create: bool,
    ) -> Result<FieldCipher, Error> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        match (self, kdf) {
            (Self::Passphrase { passphrase, .. }, KDF_ARGON2ID) => {
                key =
                    password::argon2id(passphrase.expose_secret().as_bytes(), salt, m_cost, t_cost)
                        .map_err(|_| corrupt("invalid Argon2id parameters"))?;
            }
            (Self::RandomFile(path), KDF_RAW) => {
                *key = raw_kek(path, create)?;
            }
            (Self::Passphrase { .. }, KDF_RAW) => {
                return Err(corrupt(
                    "the key set is sealed under a random key-encryption key file (a dev \
                     directory's `kek`), but a passphrase was given: unset \
                     PIIGUARD_KEK_PASSPHRASE for this store",
                ));
            }
            (Self::RandomFile(_), KDF_ARGON2ID) => {
                return Err(corrupt(
                    "the key set is sealed under a passphrase: give it (PIIGUARD_KEK_PASSPHRASE)",
                ));
            }
            (Self::Wrapped(_), _) => {
                return Err(corrupt(
                    "the key set is sealed under a passphrase or a key file, not under a key in \
                     an HSM or a key service",
                ));
            }
            _ => {
                return Err(corrupt(
                    "the key set was sealed with another kind of key-encryption key",
                ));
            }
        }
        Ok(FieldCipher::new(&key))
    }

    /// Seals a key set; `first` when it is the first one sealed under this KEK (a random KEK
    /// file may then be created).
    pub(crate) fn seal(&self, keys: &KeySet, first: bool) -> Result<Vec<u8>, Error> {
        let costs = match self {
            Self::Wrapped(kek) => return seal_wrapped(kek.as_ref(), keys),
            Self::Passphrase { m_cost, t_cost, .. } => (KDF_ARGON2ID, *m_cost, *t_cost),
            Self::RandomFile(_) => (KDF_RAW, 0, 0),
        };
        let header = fresh_header(costs);
        let kek = self.key(costs, &header[HEADER_LEN - SALT_LEN..], first)?;
        Ok(seal_under(&header, &kek, keys))
    }

    /// Opens a sealed key set.
    pub(crate) fn open(&self, bytes: &[u8]) -> Result<KeySet, Error> {
        let mut r = Reader::new(bytes);
        if r.array::<4>() != Some(MAGIC) {
            return Err(corrupt("not a piiguard key set (or its header is damaged)"));
        }
        if !matches!(r.u8(), Some(1 | VERSION)) {
            return Err(corrupt(
                "unsupported key set version (sealed by a newer piiguard: upgrade this one)",
            ));
        }
        let truncated = || corrupt("truncated");
        let kdf = r.u8().ok_or_else(truncated)?;
        if kdf == KDF_WRAPPED {
            return self.open_wrapped(bytes, &mut r);
        }
        let m_cost = r.u32().ok_or_else(truncated)?;
        let t_cost = r.u32().ok_or_else(truncated)?;
        let _p_cost = r.u32().ok_or_else(truncated)?;
        let salt = r.take(SALT_LEN).ok_or_else(truncated)?;
        let kek = self.key((kdf, m_cost, t_cost), salt, false)?;
        open_under(bytes, HEADER_LEN, &kek)
    }

    /// Opens a key set sealed under a wrapped data key (the reader is past the kdf byte).
    fn open_wrapped(&self, bytes: &[u8], r: &mut Reader<'_>) -> Result<KeySet, Error> {
        let Self::Wrapped(kek) = self else {
            return Err(corrupt(
                "the key set is sealed under a key in an HSM or a key service (Vault, KMS), not \
                 under a passphrase or a key file",
            ));
        };
        let truncated = || corrupt("truncated");
        let name_len = usize::from(r.u8().ok_or_else(truncated)?);
        let name = r.take(name_len).ok_or_else(truncated)?;
        if name != kek.name().as_bytes() {
            return Err(corrupt(
                "the key set was sealed under another key-encryption key (another token, key \
                 or Transit key name)",
            ));
        }
        let prefix_len = 4 + 1 + 1 + 1 + name_len;
        let wrapped_len = usize::from(r.u16().ok_or_else(truncated)?);
        let wrapped = r.take(wrapped_len).ok_or_else(truncated)?;
        let data_key = kek.unwrap(wrapped, &bytes[..prefix_len])?;
        open_under(
            bytes,
            prefix_len + 2 + wrapped_len,
            &FieldCipher::new(&data_key),
        )
    }
}

/// A fresh header for a key set sealed under a derived KEK: the kdf, its costs and a new salt.
fn fresh_header((kdf, m_cost, t_cost): (u8, u32, u32)) -> Vec<u8> {
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(&MAGIC);
    header.push(VERSION);
    header.push(kdf);
    header.extend_from_slice(&m_cost.to_be_bytes());
    header.extend_from_slice(&t_cost.to_be_bytes());
    header.extend_from_slice(&1u32.to_be_bytes());
    let mut salt = [0u8; SALT_LEN];
    random::fill_secret(&mut salt);
    header.extend_from_slice(&salt);
    header
}

/// Seals a key set under a fresh data key, wrapped by `kek` inside its own boundary.
fn seal_wrapped(kek: &dyn KeyWrap, keys: &KeySet) -> Result<Vec<u8>, Error> {
    let data_key = random::key();
    let mut header = wrapped_prefix(&kek.name())?;
    let wrapped = kek.wrap(&data_key, &header)?;
    let len =
        u16::try_from(wrapped.len()).map_err(|_| corrupt("the wrapped data key is too long"))?;
    header.extend_from_slice(&len.to_be_bytes());
    header.extend_from_slice(&wrapped);
    Ok(seal_under(&header, &FieldCipher::new(&data_key), keys))
}

/// A data key a [`KeyWrap`] unwrapped, checked for its length and moved into a wiping array.
#[cfg_attr(not(any(feature = "pkcs11", feature = "vault")), allow(dead_code))]
pub(crate) fn data_key(unwrapped: Zeroizing<Vec<u8>>) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    if unwrapped.len() != KEY_LEN {
        return Err(corrupt("the unwrapped data key is malformed"));
    }
    key.copy_from_slice(&unwrapped);
    Ok(key)
}

/// The start of a wrapped key set's header (what the data key's wrap is bound to).
fn wrapped_prefix(name: &str) -> Result<Vec<u8>, Error> {
    let len = u8::try_from(name.len()).map_err(|_| corrupt("the KEK's name is too long"))?;
    let mut prefix = Vec::with_capacity(7 + name.len());
    prefix.extend_from_slice(&MAGIC);
    prefix.push(VERSION);
    prefix.push(KDF_WRAPPED);
    prefix.push(len);
    prefix.extend_from_slice(name.as_bytes());
    Ok(prefix)
}

/// `header | nonce | AES-256-GCM-SIV(key set) | tag`, the header as associated data.
fn seal_under(header: &[u8], kek: &FieldCipher, keys: &KeySet) -> Vec<u8> {
    seal_plain(header, kek, &encode_keys(keys))
}

fn seal_plain(header: &[u8], kek: &FieldCipher, plain: &[u8]) -> Vec<u8> {
    let nonce = random::nonce();
    let mut sealed = Vec::with_capacity(header.len() + NONCE_LEN + plain.len() + TAG_LEN);
    sealed.extend_from_slice(header);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(plain);
    let tag = kek.seal_in_place(&nonce, header, &mut sealed[header.len() + NONCE_LEN..]);
    sealed.extend_from_slice(&tag);
    sealed
}

/// Opens what [`seal_under`] made, the header being `bytes[..header_len]`.
fn open_under(bytes: &[u8], header_len: usize, kek: &FieldCipher) -> Result<KeySet, Error> {
    let truncated = || corrupt("truncated");
    let header = bytes.get(..header_len).ok_or_else(truncated)?;
    let mut r = Reader::new(&bytes[header_len..]);
    let nonce: [u8; NONCE_LEN] = r.array().ok_or_else(truncated)?;
    let body = r.rest();
    if body.len() < TAG_LEN {
        return Err(truncated());
    }
    let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| truncated())?;
    let mut plain = Zeroizing::new(vec![0u8; ciphertext.len()]);
    kek.open_into(&nonce, header, ciphertext, tag, &mut plain)
        .map_err(|_| {
            corrupt("does not open: wrong key-encryption key, or the key set is corrupted")
        })?;
    // The header's format version (after the magic) says whether creation times are there.
    let version = header.get(MAGIC.len()).copied().ok_or_else(truncated)?;
    decode_keys(&plain, version).ok_or_else(|| corrupt("the decrypted key set is malformed"))
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
            if write_new(path, key.as_slice())? {
                Ok(*key)
            } else {
                // Another process starting on the same empty directory made it first.
                raw_kek(path, false)
            }
        }
        Err(e) => Err(Error::io("reading the key-encryption key file")(e)),
    }
}

fn encode_keys(set: &KeySet) -> Zeroizing<Vec<u8>> {
    encode_keys_as(set, VERSION)
}

/// The key set in format `format` (1: without creation times).
fn encode_keys_as(set: &KeySet, format: u8) -> Zeroizing<Vec<u8>> {
    let len: usize = 3 + set
        .keys
        .iter()
        .map(|k| 1 + k.id.len() + 4 + 1 + 1 + k.region.len() + 1 + 1 + KEY_LEN + 8)
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
        if format >= 2 {
            // 0: not known (a version sealed before creation times were kept).
            out.extend_from_slice(&key.created.unwrap_or(0).to_be_bytes());
        }
    }
    out
}

fn decode_keys(bytes: &[u8], format: u8) -> Option<KeySet> {
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
        let created = if format >= 2 { r.u64()? } else { 0 };
        let mut key = RootKey::from_parts(id, version, purpose, region, state, material);
        if created > 0 {
            key = key.made_at(created);
        }
        keys.push(key);
    }
    (r.remaining() == 0).then_some(KeySet { environment, keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> KeySet {
        KeySet {
            environment: Environment::Staging,
            keys: vec![
                RootKey::generate("field-local", 1, Purpose::FieldEncryption, "local"),
                RootKey::from_parts(
                    "index-local",
                    1,
                    Purpose::BlindIndex,
                    "local",
                    KeyState::Destroyed,
                    None,
                ),
            ],
        }
    }

    #[test]
    fn creation_times_survive_sealing_and_version_1_sets_still_open() {
        let kek = KekSource::passphrase("test passphrase, synthetic");
        let made = set();
        let created = made.keys[0].created().unwrap();
        let opened = kek.open(&kek.seal(&made, true).unwrap()).unwrap();
        assert_eq!(opened.keys[0].created(), Some(created));
        assert_eq!(opened.keys[1].created(), None, "not known: sealed as 0");

        // A set sealed by piiguard before version 2: no creation times, the same keys.
        let v1 = encode_keys_as(&made, 1);
        let costs = match &kek {
            KekSource::Passphrase { m_cost, t_cost, .. } => (KDF_ARGON2ID, *m_cost, *t_cost),
            _ => unreachable!(),
        };
        let mut header = fresh_header(costs);
        header[MAGIC.len()] = 1;
        let cipher = kek
            .key(costs, &header[HEADER_LEN - SALT_LEN..], false)
            .unwrap();
        let old = kek.open(&seal_plain(&header, &cipher, &v1)).unwrap();
        assert_eq!(old.keys.len(), 2);
        assert_eq!(
            old.keys[0].expose_material(),
            made.keys[0].expose_material()
        );
        assert_eq!(old.keys[0].created(), None);
        // A version this piiguard does not know is refused, naming the way out.
        let mut newer = kek.seal(&made, true).unwrap();
        newer[MAGIC.len()] = 3;
        let Err(Error::KeyFile { reason }) = kek.open(&newer) else {
            panic!("a newer format opened")
        };
        assert!(reason.contains("upgrade"), "{reason}");
    }
}
