//! The pure-Rust backend of AES-256-GCM-SIV (RustCrypto's `aes-gcm-siv`): the key schedule is
//! expanded once and kept in protected memory (excluded from core dumps, wiped on drop). The
//! envelopes' cipher when piiguard is built without the `aws-lc` feature, for targets without a
//! C compiler; also built for the tests that check the two backends against each other.

use super::{NONCE_LEN, OpenFailed, Siv, TAG_LEN};
use crate::crypto::KEY_LEN;
use crate::mem::protected::ProtectedBox;
use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::inout::InOutBuf;
use aes_gcm_siv::aead::{AeadInOut, KeyInit, Nonce, Tag};

/// An AES-256-GCM-SIV key, expanded once, in protected memory.
pub(crate) struct RustCryptoSiv(ProtectedBox<Aes256GcmSiv>);

impl Siv for RustCryptoSiv {
    fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(ProtectedBox::new(Aes256GcmSiv::new(key.into())))
    }

    fn seal_in_place(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN] {
        self.0
            .encrypt_inout_detached(&Nonce::<Aes256GcmSiv>::from(*nonce), aad, buf.into())
            // Only fails for messages over 2^36 bytes, which no field reaches.
            .expect("AES-GCM-SIV message length limit")
            .into()
    }

    fn open_into(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8; TAG_LEN],
        out: &mut [u8],
    ) -> Result<(), OpenFailed> {
        let buf = InOutBuf::new(ciphertext, out).map_err(|_| OpenFailed)?;
        self.0
            .decrypt_inout_detached(
                &Nonce::<Aes256GcmSiv>::from(*nonce),
                aad,
                buf,
                &Tag::<Aes256GcmSiv>::from(*tag),
            )
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
