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

use crate::codec::push_base64url;
use crate::crypto::KEY_LEN;
use crate::crypto::keyed_hash::keyed_hash;

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
    let bytes = &hash[..digest.len().min(hash.len())];
    out.reserve(key_id.len() + 16 + (bytes.len() * 4).div_ceil(3));
    out.push_str(digest.prefix());
    out.push('.');
    out.push_str(key_id);
    out.push('.');
    push_decimal(out, key_version);
    out.push('.');
    push_base64url(out, bytes);
}

/// Appends `n` in decimal without the formatting machinery.
fn push_decimal(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
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
