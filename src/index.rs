//! Keyed digests of normalized values: blind indexes (equality lookups on encrypted columns)
//! and pseudonyms (exports).
//!
//! Both are keyed BLAKE3 over the class's normalized form (`Jane.Doe@Example.com` and
//! `jane.doe@example.com` digest alike), under a key derived per field, tenant and region, and
//! both are written with the key id and version in front:
//!
//! ```text
//! bi.<key id>.<version>.<base64url(first n bytes)>     blind index, n = 4..=32 (default 16)
//! ps.<key id>.<version>.<base64url(16 bytes)>          pseudonym
//! ```
//!
//! The prefix keeps digests made under different keys from ever comparing equal by accident,
//! and lets a lookup ask for the digest under every still-valid key version during a rotation.

use crate::crypto::KEY_LEN;
use crate::crypto::keyed_hash::keyed_hash;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt::Write as _;

/// Which digest is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    /// A blind index truncated to this many bytes.
    BlindIndex(usize),
    /// A pseudonym (128 bits).
    Pseudonym,
}

impl Digest {
    const fn prefix(self) -> &'static str {
        match self {
            Self::BlindIndex(_) => "bi",
            Self::Pseudonym => "ps",
        }
    }

    const fn len(self) -> usize {
        match self {
            Self::BlindIndex(n) => n,
            Self::Pseudonym => 16,
        }
    }
}

/// Appends the digest of `normalized` under `key` to `out`.
pub(crate) fn write_digest(
    out: &mut String,
    digest: Digest,
    key_id: &str,
    key_version: u32,
    key: &[u8; KEY_LEN],
    normalized: &[u8],
) {
    let hash = keyed_hash(key, normalized);
    // Writing to a String cannot fail.
    let _ = write!(out, "{}.{key_id}.{key_version}.", digest.prefix());
    URL_SAFE_NO_PAD.encode_string(&hash[..digest.len().min(hash.len())], out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_carry_their_key_and_length() {
        let mut a = String::new();
        write_digest(&mut a, Digest::BlindIndex(8), "index-eu", 2, &[1; 32], b"x");
        assert!(a.starts_with("bi.index-eu.2."));
        assert_eq!(a.len(), "bi.index-eu.2.".len() + 11);
        let mut b = String::new();
        write_digest(&mut b, Digest::Pseudonym, "pseudonym-eu", 1, &[1; 32], b"x");
        assert!(b.starts_with("ps.pseudonym-eu.1."));
        let mut c = String::new();
        write_digest(&mut c, Digest::Pseudonym, "pseudonym-eu", 1, &[2; 32], b"x");
        assert_ne!(b, c);
    }
}
