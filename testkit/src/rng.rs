//! Shared by the integration tests that generate synthetic data.

/// A small deterministic generator (xorshift64*): the same data from the same seed.
pub struct Rng(
    /// The state: the seed at first (not 0).
    pub u64,
);

impl Rng {
    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)] // never ends: not an `Iterator`
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// `n` random decimal digits.
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    /// `n` random lowercase hexadecimal digits.
    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
    /// `n` random characters of the URL-safe base64 alphabet.
    pub fn b64(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..n)
            .map(|_| char::from(A[self.below(64) as usize]))
            .collect()
    }

    /// `len` random lowercase letters, handed to `out` one at a time (so the caller decides
    /// where they go, and no other copy exists).
    pub fn letters(&mut self, len: usize, out: &mut impl FnMut(char)) {
        for _ in 0..len {
            out(char::from(b'a' + self.below(26) as u8));
        }
    }
}
