//! The AEADs: AES-256-GCM-SIV (RFC 8452) for every envelope at rest, and AES-256-GCM for the
//! in-memory seal of `Pii<T>`. Both take a 96-bit nonce and give a 128-bit tag.
//!
//! A [`FieldCipher`] holds the expanded key schedule in protected memory (excluded from core
//! dumps, wiped on drop), so it is built once per derived key and cached by the keyring.

use crate::crypto::KEY_LEN;
use crate::mem::protected::ProtectedBox;
use aes_gcm::Aes256Gcm;
use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::{AeadInOut, KeyInit, Nonce, Tag};

/// Nonce length of both AEADs.
pub(crate) const NONCE_LEN: usize = 12;
/// Tag length of both AEADs.
pub(crate) const TAG_LEN: usize = 16;

/// The AEAD refused the input: wrong key, wrong associated data, or tampered bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenFailed;

/// An AES-256-GCM-SIV key, expanded once.
pub(crate) struct FieldCipher(ProtectedBox<Aes256GcmSiv>);

impl FieldCipher {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(ProtectedBox::new(Aes256GcmSiv::new(key.into())))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> [u8; TAG_LEN] {
        let tag = self
            .0
            .encrypt_inout_detached(&Nonce::<Aes256GcmSiv>::from(*nonce), aad, buf.into())
            // Only fails for messages over 2^36 bytes, which no field reaches.
            .expect("AES-GCM-SIV message length limit");
        tag.into()
    }

    /// Decrypts `buf` in place after checking `tag`; on failure `buf` is left unspecified and
    /// must be discarded (callers wipe it).
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), OpenFailed> {
        self.0
            .decrypt_inout_detached(
                &Nonce::<Aes256GcmSiv>::from(*nonce),
                aad,
                buf.into(),
                &Tag::<Aes256GcmSiv>::from(*tag),
            )
            .map_err(|_| OpenFailed)
    }
}

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

    /// Decrypts `buf` in place after checking `tag`.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), OpenFailed> {
        self.0
            .decrypt_inout_detached(&(*nonce).into(), b"", buf.into(), &(*tag).into())
            .map_err(|_| OpenFailed)
    }
}

#[cfg(test)]
mod tests {
    /// The arena slot a cipher takes (documented with the key cache's memory budget).
    #[test]
    fn a_field_cipher_fits_a_1_kib_slot() {
        let size = size_of::<aes_gcm_siv::Aes256GcmSiv>();
        assert!(size > 512 && size <= 1024, "{size}");
    }
}
