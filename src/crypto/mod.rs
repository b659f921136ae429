//! Thin, tested wrappers over the primitives piiguard is built on, and the only place that
//! names a cryptographic crate. No personal-data concepts live here: AEADs ([`aead`]: AES-256-
//! GCM-SIV at rest, AES-256-GCM for the in-memory seal), key derivation ([`kdf`]), keyed hashing
//! and MACs ([`keyed_hash`]), the password KDF ([`password`]), signatures ([`signature`]:
//! Ed25519, for the audit trail's checkpoints), FF1 format-preserving encryption ([`ff1`]:
//! NIST SP 800-38G over `aes` and `fpe`, for the tokens), constant-time comparison
//! ([`ct_eq`]), randomness ([`random`]) and, with `postgres`, the TLS client configuration
//! (`tls`: rustls on AWS-LC).
//!
//! Every wrapper is checked against published vectors (RFC 8452, RFC 5869, RFC 8032,
//! Wycheproof, the BLAKE3 team's vectors) in `kat.rs`, through these functions rather than
//! the crates below.

pub(crate) mod aead;
pub(crate) mod ff1;
pub(crate) mod kdf;
pub(crate) mod keyed_hash;
#[cfg(feature = "local-key-file")]
pub(crate) mod password;
pub(crate) mod random;
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) mod signature;
#[cfg(feature = "postgres")]
pub(crate) mod tls;

#[cfg(test)]
mod kat;

/// Whether `a` and `b` are equal, in time that depends on their lengths only (`subtle`): for
/// MACs, tags and values an attacker may probe.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(a.ct_eq(b))
}

/// The length of every root, data and hashing key: 256 bits.
pub(crate) const KEY_LEN: usize = 32;
