//! Every random byte piiguard uses comes from here.
//!
//! Secret material (root, subject and process keys, salts) is read from the OS (`getrandom`),
//! so a process that forks can never hand a child the parent's next key. Public values that
//! only need to be unique (nonces, request and grant ids) come from the thread's CSPRNG
//! (`rand`'s `ThreadRng`: ChaCha seeded from the OS and reseeded), so no syscall is made per
//! envelope.

use super::KEY_LEN;
use super::aead::NONCE_LEN;
use rand::Rng as _;
use zeroize::Zeroizing;

/// Fills `buf` with secret random bytes from the OS.
///
/// # Panics
/// If the OS random source is unavailable: nothing can be protected without one, and there is
/// no safe fallback.
pub(crate) fn fill_secret(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the OS random source is unavailable");
}

/// A fresh random 256-bit key from the OS, wiped on drop.
pub(crate) fn key() -> Zeroizing<[u8; KEY_LEN]> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    fill_secret(key.as_mut_slice());
    key
}

/// Fills `buf` with unique, unpredictable but public bytes (ids).
pub(crate) fn fill_public(buf: &mut [u8]) {
    rand::rng().fill_bytes(buf);
}

/// A random AEAD nonce. AES-GCM-SIV stays safe even if two nonces ever collided: it would only
/// reveal that the two messages were equal.
pub(crate) fn nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    fill_public(&mut nonce);
    nonce
}
