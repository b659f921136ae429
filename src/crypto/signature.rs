//! Ed25519 signatures (RFC 8032): the audit trail's checkpoints, so that whoever holds the
//! public key can check them without any key that opens data.

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

/// A signing key made from a 32-byte seed (derived from a root key; never stored).
pub(crate) struct SignKey(SigningKey);

impl SignKey {
    /// The key whose seed is `seed`.
    pub(crate) fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The public key, 32 bytes.
    pub(crate) fn public(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The signature of `message`, 64 bytes.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

/// Whether `signature` is `public`'s signature of `message` (strict verification: no
/// malleable signature, no weak key).
pub(crate) fn verify(public: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    VerifyingKey::from_bytes(public).is_ok_and(|key| {
        key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature))
            .is_ok()
    })
}
