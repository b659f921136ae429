//! The default backend of AES-256-GCM-SIV: AWS-LC, through `aws-lc-rs`.
//!
//! AWS-LC keeps an AEAD context's expanded key in a C heap allocation of its own, outside
//! piiguard's protected memory, and an AES-256 key schedule begins with the raw key: a context
//! kept for the life of a key would put every derived field key into a core dump. So only the
//! 32 key bytes are kept, in protected memory, and a context is built for each operation and
//! freed at its end; AWS-LC cleanses what it frees (`OPENSSL_free` zeroes the allocation), which
//! the memory-dump test checks by searching the process's memory for the derived field keys.
//! Building the context costs 65–85 ns; the operation itself is still faster than the pure-Rust
//! backend's with its schedule expanded once (see `docs/PERFORMANCE.md`).

use super::{NONCE_LEN, OpenFailed, Siv, TAG_LEN};
use crate::crypto::KEY_LEN;
use crate::mem::protected::ProtectedBox;
use aws_lc_rs::aead::{AES_256_GCM_SIV, Aad, LessSafeKey, Nonce, UnboundKey};

/// An AES-256-GCM-SIV key: its bytes in protected memory.
pub(crate) struct AwsLcSiv(ProtectedBox<[u8; KEY_LEN]>);

impl AwsLcSiv {
    /// The context for one operation, dropped (and cleansed by AWS-LC) when it ends.
    fn context(&self) -> LessSafeKey {
        // Only fails for a key of the wrong length, which `KEY_LEN` rules out.
        LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM_SIV, self.0.as_slice()).expect("a 256-bit key"),
        )
    }
}

impl Siv for AwsLcSiv {
    fn new(key: &[u8; KEY_LEN]) -> Self {
        Self(ProtectedBox::new(*key))
    }

    fn seal_in_place(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN] {
        let tag = self
            .context()
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), buf)
            // Only fails for messages over 2^36 bytes, which no field reaches.
            .expect("AES-GCM-SIV message length limit");
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(tag.as_ref());
        out
    }

    fn open_into(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8; TAG_LEN],
        out: &mut [u8],
    ) -> Result<(), OpenFailed> {
        self.context()
            .open_separate_gather(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                ciphertext,
                tag,
                out,
            )
            .map_err(|_| OpenFailed)
    }
}
