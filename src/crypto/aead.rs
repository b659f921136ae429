//! AES-256-GCM-SIV (RFC 8452), the AEAD of every envelope at rest.
//!
//! A [`FieldCipher`] holds the expanded key schedule in protected memory (excluded from core
//! dumps, wiped on drop), so it is built once per derived key and cached by the keyring.

use crate::crypto::KEY_LEN;
use crate::mem::protected::ProtectedBox;
use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::{AeadInOut, KeyInit, Nonce, Tag};
use rand::Rng;

/// Nonce length of AES-GCM-SIV.
pub(crate) const NONCE_LEN: usize = 12;
/// Tag length of AES-GCM-SIV.
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

/// A random nonce from the thread's CSPRNG (seeded and periodically reseeded from the OS), so
/// no syscall is made per envelope. GCM-SIV stays safe even if two nonces ever collided: it
/// would only reveal that the two messages were equal.
pub(crate) fn random_nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    nonce
}
