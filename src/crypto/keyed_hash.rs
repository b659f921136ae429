//! Keyed BLAKE3: blind indexes, pseudonyms and the MACs of the audit chain and grants.

use crate::crypto::KEY_LEN;

/// BLAKE3 in keyed mode (a PRF under `key`), 32-byte output.
pub(crate) fn keyed_hash(key: &[u8; KEY_LEN], input: &[u8]) -> [u8; 32] {
    blake3::keyed_hash(key, input).into()
}

/// Keyed BLAKE3 over the concatenation of `parts` (a MAC).
pub(crate) fn keyed_hash_parts(key: &[u8; KEY_LEN], parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_keyed(key);
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// BLAKE3 `derive_key` mode.
#[cfg(test)]
pub(crate) fn derive_key(context: &str, material: &[u8]) -> [u8; 32] {
    blake3::derive_key(context, material)
}

/// Plain BLAKE3 of public bytes (a version tag of a sealed file, the link between audit
/// checkpoints; not a secret's hash).
#[cfg_attr(
    not(any(feature = "local-key-file", feature = "sqlite", feature = "postgres")),
    allow(dead_code)
)]
pub(crate) fn digest(input: &[u8]) -> [u8; 32] {
    blake3::hash(input).into()
}
