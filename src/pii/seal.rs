//! In-memory sealing: how a [`Pii`](crate::Pii) holds its value between uses.
//!
//! Every value is encrypted with AES-256-GCM under one random key per process. The key lives in
//! [`secure_memory`](crate::mem::protected) pages (locked, excluded from core dumps) and is wiped
//! when the process exits. Nonces are a per-process 64-bit counter, so they never repeat under
//! the key and no syscall for randomness is made per value.
//!
//! Why GCM and not GCM-SIV (which piiguard uses at rest): GCM-SIV's advantage is resistance to
//! nonce reuse, and a counter under a per-process key cannot repeat (2^64 seals would take
//! centuries). GCM-SIV also derives fresh keys for every message; in the same benchmark run a
//! bare AES-256-GCM seal+open of a 20-byte value costs 0.45× the AES-256-GCM-SIV one
//! (`benches/pii_value.rs`). Both come from the RustCrypto AEADs family.
//!
//! Each thread keeps its own cipher object (the expanded AES key schedule and GHASH key, which
//! are key material too) in a [`ProtectedBox`]: protected pages, wiped when the thread ends.
//! Rebuilding it for every operation doubled the cost of a seal+open round trip.

use crate::crypto::KEY_LEN;
use crate::crypto::aead::{NONCE_LEN, SealCipher, TAG_LEN};
use crate::crypto::random;
use crate::mem::protected::{
    ProtectedBox, ProtectedWords, Protections, wipe_stack, zeroize_at_exit,
};
use std::cell::OnceCell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use zeroize::Zeroizing;

const KEY_WORDS: usize = KEY_LEN / 8;

/// The per-process sealing key and nonce counter.
struct ProcessKey {
    key: ProtectedWords,
    counter: AtomicU64,
}

static PROCESS_KEY: OnceLock<ProcessKey> = OnceLock::new();

thread_local! {
    static CIPHER: OnceCell<ProtectedBox<SealCipher>> = const { OnceCell::new() };
}

/// Runs `f` with this thread's cipher under the process key.
fn with_cipher<R>(f: impl FnOnce(&SealCipher) -> R) -> R {
    CIPHER.with(|cell| f(cell.get_or_init(|| ProtectedBox::new(process_key().cipher()))))
}

extern "C" fn wipe_process_key() {
    if let Some(process) = PROCESS_KEY.get() {
        process.key.wipe();
    }
}

fn process_key() -> &'static ProcessKey {
    PROCESS_KEY.get_or_init(|| {
        let key = ProtectedWords::new(KEY_WORDS);
        let mut random = Zeroizing::new([0u8; 8 * KEY_WORDS]);
        random::fill_secret(random.as_mut_slice());
        for (word, bytes) in key.words().iter().zip(random.chunks_exact(8)) {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(bytes);
            word.store(u64::from_le_bytes(buf), Ordering::SeqCst);
            zeroize::Zeroize::zeroize(&mut buf);
        }
        zeroize_at_exit(wipe_process_key);
        ProcessKey {
            key,
            counter: AtomicU64::new(0),
        }
    })
}

/// Which OS protections hold the process sealing key.
///
/// ```
/// let p = piiguard::memory::process_key_protections();
/// if cfg!(target_os = "linux") {
///     assert!(p.excluded_from_dumps);
/// }
/// ```
pub fn process_key_protections() -> Protections {
    process_key().key.protections()
}

/// What protected memory a process actually got: for the in-memory sealing key, and for the
/// arena that holds derived keys, cipher key schedules and subject keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryReport {
    /// The process sealing key's protections.
    pub process_key: Protections,
    /// The weakest protections among the key arena's chunks (`None` before the first key).
    /// When `RLIMIT_MEMLOCK` runs out, later chunks are not locked, and this says so.
    pub keys: Option<Protections>,
    /// How many OS mappings the key arena holds (each 256 KiB).
    pub key_mappings: usize,
}

/// What protected memory this process actually got.
///
/// ```
/// let report = piiguard::memory::memory_report();
/// if cfg!(target_os = "linux") {
///     assert!(report.process_key.excluded_from_dumps);
/// }
/// ```
pub fn memory_report() -> MemoryReport {
    MemoryReport {
        process_key: process_key_protections(),
        keys: crate::mem::arena::protections(),
        key_mappings: crate::mem::arena::mappings(),
    }
}

impl ProcessKey {
    fn cipher(&self) -> SealCipher {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        for (chunk, word) in bytes.chunks_exact_mut(8).zip(self.key.words()) {
            chunk.copy_from_slice(&word.load(Ordering::Relaxed).to_le_bytes());
        }
        SealCipher::new(&bytes)
    }

    fn next_nonce(&self) -> [u8; NONCE_LEN] {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..8].copy_from_slice(&n.to_le_bytes());
        nonce
    }
}

/// A value encrypted under the process key: `nonce ‖ ciphertext ‖ tag`.
pub(crate) struct Sealed(Box<[u8]>);

impl Sealed {
    /// Encrypts `cleartext`. The cleartext is copied straight into an exactly sized buffer and
    /// encrypted in place, so no partial copy is left behind by a reallocation.
    pub(crate) fn seal(cleartext: &[u8]) -> Self {
        let process = process_key();
        let nonce = process.next_nonce();
        let mut buf = Vec::with_capacity(NONCE_LEN + cleartext.len() + TAG_LEN);
        buf.extend_from_slice(&nonce);
        buf.extend_from_slice(cleartext);
        let tag = with_cipher(|cipher| cipher.seal_in_place(&nonce, &mut buf[NONCE_LEN..]));
        wipe_stack();
        buf.extend_from_slice(&tag);
        Self(buf.into_boxed_slice())
    }

    /// Decrypts into an exactly sized zeroizing buffer.
    ///
    /// # Panics
    /// Only if the sealed bytes were corrupted in memory (they are never read from outside the
    /// process); the message names no value.
    pub(crate) fn open(&self) -> Zeroizing<Vec<u8>> {
        let (nonce, rest) = self.0.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut out = Zeroizing::new(vec![0u8; ciphertext.len()]);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().expect("nonce length is fixed");
        let tag: &[u8; TAG_LEN] = tag.try_into().expect("tag length is fixed");
        with_cipher(|cipher| cipher.open_into(nonce, ciphertext, tag, out.as_mut_slice()))
            .expect("a sealed value failed its integrity check: memory corruption");
        wipe_stack();
        out
    }

    /// The length of the cleartext.
    pub(crate) fn cleartext_len(&self) -> usize {
        self.0.len() - NONCE_LEN - TAG_LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_no_cleartext_in_sealed_bytes() {
        let secret = b"sentinel-7Q2XK9@example.com";
        let sealed = Sealed::seal(secret);
        assert_eq!(sealed.cleartext_len(), secret.len());
        assert!(
            !sealed
                .0
                .windows(6)
                .any(|w| secret.windows(6).any(|s| s == w))
        );
        assert_eq!(sealed.open().as_slice(), secret);
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let a = Sealed::seal(b"same value");
        let b = Sealed::seal(b"same value");
        assert_ne!(a.0, b.0);
    }

    #[test]
    #[should_panic(expected = "integrity check")]
    fn a_flipped_bit_is_detected() {
        let mut sealed = Sealed::seal(b"value");
        sealed.0[NONCE_LEN] ^= 1;
        let _ = sealed.open();
    }

    #[test]
    fn empty_values_seal() {
        assert!(Sealed::seal(b"").open().is_empty());
    }
}
