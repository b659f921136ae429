//! Keyed BLAKE3: blind indexes and pseudonyms.

use crate::crypto::KEY_LEN;

/// BLAKE3 in keyed mode (a PRF under `key`), 32-byte output.
pub(crate) fn keyed_hash(key: &[u8; KEY_LEN], input: &[u8]) -> [u8; 32] {
    blake3::keyed_hash(key, input).into()
}

/// BLAKE3 `derive_key` mode.
#[cfg(test)]
pub(crate) fn derive_key(context: &str, material: &[u8]) -> [u8; 32] {
    blake3::derive_key(context, material)
}
