//! HKDF-SHA256 (RFC 5869): every data key is derived from a root key with it.

use hkdf::Hkdf;
use sha2::Sha256;

/// The requested output is longer than HKDF-SHA256 can produce (255 × 32 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutputTooLong;

/// HKDF-Extract then HKDF-Expand into `okm`, with `info` given as parts that are concatenated.
pub(crate) fn hkdf_sha256(
    salt: &[u8],
    ikm: &[u8],
    info: &[&[u8]],
    okm: &mut [u8],
) -> Result<(), OutputTooLong> {
    let salt = (!salt.is_empty()).then_some(salt);
    Hkdf::<Sha256>::new(salt, ikm)
        .expand_multi_info(info, okm)
        .map_err(|_| OutputTooLong)
}

/// HKDF-Extract alone: the pseudo-random key.
#[cfg(test)]
pub(crate) fn extract(salt: &[u8], ikm: &[u8]) -> [u8; 32] {
    let salt = (!salt.is_empty()).then_some(salt);
    let (prk, _) = Hkdf::<Sha256>::extract(salt, ikm);
    prk.into()
}
