//! [`Ff1`]: FF1 format-preserving encryption (NIST SP 800-38G) with AES-256, through the
//! `fpe` crate, and [`TokenKey`], the key it runs under.
//!
//! FF3 and FF3-1 are not offered: NIST's 2025 draft revision of SP 800-38G withdraws them.
//! The standard's minimum domain is enforced: a numeral string of radix `r` and length `n` is
//! refused unless `r^n ≥ 1,000,000`.

use crate::error::Error;
use aes::Aes256;
use fpe::ff1::{FF1, FlexibleNumeralString, NumeralStringError};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// The smallest domain SP 800-38G Rev. 1 allows: `radix^length ≥ 1,000,000`.
pub const MIN_DOMAIN: u64 = 1_000_000;

/// A 256-bit FF1 key, wiped when dropped; no `Debug` shows its bytes.
pub struct TokenKey(Zeroizing<[u8; 32]>);

impl TokenKey {
    /// A key of these 32 bytes. Keys for real data come from the keyring's token keys; this
    /// constructor is for keys the application manages itself and for test vectors.
    ///
    /// ```
    /// use piiguard::token::TokenKey;
    /// let key = TokenKey::from_bytes([7; 32]);
    /// assert_eq!(format!("{key:?}"), "TokenKey(..)");
    /// ```
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

/// FF1 with AES-256 over one radix (2 to 36 here: digits, then letters).
///
/// ```
/// use piiguard::token::{Ff1, TokenKey};
/// let ff1 = Ff1::new(&TokenKey::from_bytes([7; 32]), 10)?;
/// let token = ff1.encrypt(b"customer.card", &[4, 1, 1, 1, 2, 2, 2, 2])?;
/// assert_eq!(token.len(), 8);
/// assert_eq!(*ff1.decrypt(b"customer.card", &token)?, [4, 1, 1, 1, 2, 2, 2, 2]);
/// // Five digits are a domain of 100,000 values: below the standard's minimum.
/// assert!(ff1.encrypt(b"t", &[1, 2, 3, 4, 5]).is_err());
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct Ff1 {
    cipher: FF1<Aes256>,
    radix: u32,
}

impl fmt::Debug for Ff1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ff1")
            .field("radix", &self.radix)
            .finish_non_exhaustive()
    }
}

impl Ff1 {
    /// FF1 under `key` for numerals of `radix` (2 to 36).
    ///
    /// # Errors
    /// [`Error::Token`] for a radix outside 2–36.
    pub fn new(key: &TokenKey, radix: u32) -> Result<Self, Error> {
        if !(2..=36).contains(&radix) {
            return Err(Error::Token {
                reason: "the radix must be between 2 and 36",
            });
        }
        let cipher = FF1::<Aes256>::new(&key.0[..], radix).map_err(|_| Error::Token {
            reason: "the radix must be between 2 and 36",
        })?;
        Ok(Self { cipher, radix })
    }

    /// The radix.
    pub fn radix(&self) -> u32 {
        self.radix
    }

    /// The fewest numerals this radix needs for the standard's minimum domain (6 for digits,
    /// 4 for radix 36).
    pub fn min_len(&self) -> usize {
        min_len(self.radix)
    }

    /// Encrypts `numerals` (each below the radix) under `tweak`.
    ///
    /// # Errors
    /// [`Error::Token`]: a numeral not below the radix, or fewer numerals than the minimum
    /// domain needs.
    pub fn encrypt(&self, tweak: &[u8], numerals: &[u16]) -> Result<Zeroizing<Vec<u16>>, Error> {
        self.run(tweak, numerals, true)
    }

    /// Decrypts `numerals` under `tweak`.
    ///
    /// # Errors
    /// As [`encrypt`](Self::encrypt).
    pub fn decrypt(&self, tweak: &[u8], numerals: &[u16]) -> Result<Zeroizing<Vec<u16>>, Error> {
        self.run(tweak, numerals, false)
    }

    fn run(
        &self,
        tweak: &[u8],
        numerals: &[u16],
        encrypt: bool,
    ) -> Result<Zeroizing<Vec<u16>>, Error> {
        if numerals.len() < self.min_len() {
            return Err(Error::Token {
                reason: "the value has too few characters: FF1 needs a domain of a million values",
            });
        }
        let input = FlexibleNumeralString::from(numerals.to_vec());
        let result = if encrypt {
            self.cipher.encrypt(tweak, &input)
        } else {
            self.cipher.decrypt(tweak, &input)
        };
        // The input copy is wiped; so is the output once the caller drops it.
        let mut input: Vec<u16> = input.into();
        input.zeroize();
        let output = result.map_err(|error| Error::Token {
            reason: match error {
                NumeralStringError::InvalidForRadix(_) => "a character is outside the alphabet",
                NumeralStringError::TooLong { .. } => "the value is too long for FF1",
                NumeralStringError::TooShort { .. } => {
                    "the value has too few characters: FF1 needs a domain of a million values"
                }
            },
        })?;
        Ok(Zeroizing::new(output.into()))
    }
}

/// The fewest numerals of `radix` whose domain reaches [`MIN_DOMAIN`].
pub(crate) fn min_len(radix: u32) -> usize {
    let mut domain = 1u64;
    let mut len = 0;
    while domain < MIN_DOMAIN {
        domain *= u64::from(radix.max(2));
        len += 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NIST's FF1 samples 7–9 (AES-256), from the CSRC's `FF1samples.pdf`.
    const KEY: [u8; 32] = [
        0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6, 0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F,
        0x3C, 0xEF, 0x43, 0x59, 0xD8, 0xD5, 0x80, 0xAA, 0x4F, 0x7F, 0x03, 0x6D, 0x6F, 0x04, 0xFC,
        0x6A, 0x94,
    ];

    fn numerals(text: &str, radix: u32) -> Vec<u16> {
        text.chars()
            .map(|c| c.to_digit(radix).unwrap() as u16)
            .collect()
    }

    fn text(numerals: &[u16], radix: u32) -> String {
        numerals
            .iter()
            .map(|&n| char::from_digit(u32::from(n), radix).unwrap())
            .collect()
    }

    #[test]
    fn nist_samples_7_to_9_through_our_wrapper() {
        let key = TokenKey::from_bytes(KEY);
        let samples: [(u32, &[u8], &str, &str); 3] = [
            (10, b"", "0123456789", "6657667009"),
            (10, b"9876543210", "0123456789", "1001623463"),
            (
                36,
                b"7777pqrs777",
                "0123456789abcdefghi",
                "xs8a0azh2avyalyzuwd",
            ),
        ];
        for (radix, tweak, plain, cipher) in samples {
            let ff1 = Ff1::new(&key, radix).unwrap();
            let encrypted = ff1.encrypt(tweak, &numerals(plain, radix)).unwrap();
            assert_eq!(text(&encrypted, radix), cipher);
            let decrypted = ff1.decrypt(tweak, &encrypted).unwrap();
            assert_eq!(text(&decrypted, radix), plain);
        }
    }

    #[test]
    fn domains_below_a_million_and_foreign_numerals_are_refused() {
        let ff1 = Ff1::new(&TokenKey::from_bytes(KEY), 10).unwrap();
        assert_eq!(ff1.min_len(), 6);
        assert_eq!(min_len(36), 4);
        assert_eq!(min_len(2), 20);
        assert!(matches!(
            ff1.encrypt(b"", &[1, 2, 3, 4, 5]),
            Err(Error::Token { .. })
        ));
        assert!(ff1.encrypt(b"", &[1, 2, 3, 4, 5, 6]).is_ok());
        assert_eq!(
            ff1.encrypt(b"", &[1, 2, 3, 4, 5, 10]).unwrap_err(),
            Error::Token {
                reason: "a character is outside the alphabet"
            }
        );
        assert!(Ff1::new(&TokenKey::from_bytes(KEY), 37).is_err());
        assert!(Ff1::new(&TokenKey::from_bytes(KEY), 1).is_err());
    }

    #[test]
    fn the_tweak_and_the_key_change_the_output() {
        let a = Ff1::new(&TokenKey::from_bytes(KEY), 10).unwrap();
        let b = Ff1::new(&TokenKey::from_bytes([1; 32]), 10).unwrap();
        let x = numerals("4111111111", 10);
        let base = a.encrypt(b"customer.card", &x).unwrap();
        assert_ne!(*base, *a.encrypt(b"order.card", &x).unwrap());
        assert_ne!(*base, *b.encrypt(b"customer.card", &x).unwrap());
        // Another tweak or key does not give the value back.
        assert_ne!(*b.decrypt(b"customer.card", &base).unwrap(), x);
    }
}
