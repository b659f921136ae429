//! Thin, tested wrappers over the primitives piiguard is built on, and the only place that
//! names a cryptographic crate. No personal-data concepts live here: AEADs ([`aead`]: AES-256-
//! GCM-SIV at rest, AES-256-GCM for the in-memory seal), key derivation ([`kdf`]), keyed hashing
//! and MACs ([`keyed_hash`]), the password KDF ([`password`]), signatures ([`signature`]:
//! Ed25519, for the audit trail's checkpoints) and randomness ([`random`]).
//!
//! Every wrapper is checked against published vectors (RFC 8452, RFC 5869, RFC 8032,
//! Wycheproof, the BLAKE3 team's vectors) in `kat.rs`, through these functions rather than
//! the crates below.

pub(crate) mod aead;
pub(crate) mod kdf;
pub(crate) mod keyed_hash;
#[cfg(feature = "local-key-file")]
pub(crate) mod password;
pub(crate) mod random;
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) mod signature;

#[cfg(test)]
mod kat;

/// The length of every root, data and hashing key: 256 bits.
pub(crate) const KEY_LEN: usize = 32;
