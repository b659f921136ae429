//! The AEADs: AES-256-GCM-SIV (RFC 8452) for every envelope at rest, and AES-256-GCM for the
//! in-memory seal of `Pii<T>`. Both take a 96-bit nonce and give a 128-bit tag.
//!
//! [`FieldCipher`] is AES-256-GCM-SIV on one of two backends: AWS-LC (feature `aws-lc`, the
//! default; `aws_lc`) or RustCrypto's pure-Rust `aes-gcm-siv` ([`rust_crypto`]) without it.
//! Both give the same bytes for the same key, nonce and associated data (`kat.rs` checks both
//! against the published vectors and against each other). The seal stays on RustCrypto's
//! AES-256-GCM, its schedule expanded once in protected memory: faster than building an AWS-LC
//! context per seal (see `docs/PERFORMANCE.md`), and kept out of core dumps.

#[cfg(feature = "aws-lc")]
pub(crate) mod aws_lc;
// Built without `aws-lc`, and for the tests that check the backends against each other.
#[cfg(any(not(feature = "aws-lc"), test))]
pub(crate) mod rust_crypto;

use crate::crypto::KEY_LEN;
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit};

/// Nonce length of both AEADs.
pub(crate) const NONCE_LEN: usize = 12;
/// Tag length of both AEADs.
pub(crate) const TAG_LEN: usize = 16;

/// The AEAD refused the input: wrong key, wrong associated data, or tampered bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenFailed;

/// AES-256-GCM-SIV under one key: what each backend gives.
pub(crate) trait Siv: Sized {
    /// A cipher under `key`.
    fn new(key: &[u8; KEY_LEN]) -> Self;

    /// Encrypts `buf` in place and returns the tag.
    fn seal_in_place(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN];

    /// Decrypts `ciphertext` into `out` (of the same length) after checking `tag`; on failure
    /// `out` is left unspecified and must be discarded (callers wipe it).
    fn open_into(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8; TAG_LEN],
        out: &mut [u8],
    ) -> Result<(), OpenFailed>;
}

/// AES-256-GCM-SIV on the build's backend.
#[cfg(feature = "aws-lc")]
pub(crate) type FieldCipher = aws_lc::AwsLcSiv;
/// AES-256-GCM-SIV on the build's backend.
#[cfg(not(feature = "aws-lc"))]
pub(crate) type FieldCipher = rust_crypto::RustCryptoSiv;

/// An AES-256-GCM key, expanded once: the in-memory seal's cipher (see `pii/seal.rs` for why
/// GCM there). The caller keeps it in protected memory.
pub(crate) struct SealCipher(Aes256Gcm);

impl SealCipher {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(Aes256Gcm::new(key.into()))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(&self, nonce: &[u8; NONCE_LEN], buf: &mut [u8]) -> [u8; TAG_LEN] {
        self.0
            .encrypt_inout_detached(&(*nonce).into(), b"", buf.into())
            // Only fails for messages over 2^36 bytes, which no field reaches.
            .expect("AES-GCM message length limit")
            .into()
    }

    /// Decrypts `ciphertext` into `out` (of the same length) after checking `tag`.
    pub(crate) fn open_into(
        &self,
        nonce: &[u8; NONCE_LEN],
        ciphertext: &[u8],
        tag: &[u8; TAG_LEN],
        out: &mut [u8],
    ) -> Result<(), OpenFailed> {
        let buf = aes_gcm::aead::inout::InOutBuf::new(ciphertext, out).map_err(|_| OpenFailed)?;
        self.0
            .decrypt_inout_detached(&(*nonce).into(), b"", buf, &(*tag).into())
            .map_err(|_| OpenFailed)
    }
}
