//! Thin, tested wrappers over the primitives piiguard is built on. No personal-data concepts
//! live here: AEAD ([`aead`]), key derivation ([`kdf`]) and keyed hashing ([`keyed_hash`]).
//!
//! Every wrapper is checked against published vectors (RFC 8452, RFC 5869, Wycheproof, the
//! BLAKE3 team's vectors) in `kat.rs`, through these functions rather than the crates below.

pub(crate) mod aead;
pub(crate) mod kdf;
pub(crate) mod keyed_hash;

#[cfg(test)]
mod kat;

/// The length of every root, data and hashing key: 256 bits.
pub(crate) const KEY_LEN: usize = 32;

/// Fresh random bytes from the OS.
///
/// # Panics
/// If the OS random source is unavailable: nothing can be protected without one.
pub(crate) fn random_key() -> zeroize::Zeroizing<[u8; KEY_LEN]> {
    let mut key = zeroize::Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(key.as_mut_slice()).expect("the OS random source is unavailable");
    key
}
