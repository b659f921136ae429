//! [`FormatPreserving`]: tokens in the value's own format, without a vault — FF1 over the
//! value's characters, its separators kept in place.
//!
//! - [`TokenFormat::Digits`]: digits to digits of the same length (at least six).
//! - [`TokenFormat::Alphanumeric`]: digits and upper-case letters (passport and document
//!   numbers) to the same alphabet, same length (at least four).
//! - [`TokenFormat::Card`]: a payment card's last four digits kept (and its first six, the
//!   issuer's BIN, with `keep_first_six`), the digits between them replaced, and the token made
//!   to **fail Luhn**, so that no token can be taken for a card number by a processor, a
//!   scrubber or a PCI scan. This is done without a vault and without losing the bijection: a
//!   real card passes Luhn, so one digit between the kept ones is redundant — it follows from
//!   the others. FF1 runs over the others, and that digit is written so that the token's Luhn
//!   sum is off by five; detokenizing decrypts the others and recomputes the digit. FF1 needs
//!   six digits or more, so the token keeps the last four of 11–19-digit cards, and the first
//!   six as well only for 17–19-digit ones. (A reserved prefix was the other way the
//!   issue allowed: it cannot keep the real BIN, and keeping it is why one keeps six.)
//!
//! The tweak binds a token to where it is used (the application's record type and field, its
//! tenant): the same value makes another token in another field. For a card, the kept digits
//! are in the tweak too.

use crate::crypto::ff1::{Ff1, TokenKey};
use crate::error::Error;
use std::fmt;
use zeroize::Zeroizing;

/// The shape of a format-preserving token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFormat {
    /// Digits to digits, same length, separators kept.
    Digits,
    /// Digits and upper-case letters to the same alphabet, same length, separators kept.
    Alphanumeric,
    /// A payment card: last four kept (first six too with `keep_first_six`), fails Luhn.
    Card {
        /// Keep the issuer's first six digits (17–19-digit cards only).
        keep_first_six: bool,
    },
}

/// Format-preserving tokens of one format, under one key and tweak.
///
/// ```
/// use piiguard::token::{FormatPreserving, TokenFormat, TokenKey};
///
/// let cards = FormatPreserving::new(
///     &TokenKey::from_bytes([7; 32]),
///     TokenFormat::Card { keep_first_six: false },
///     b"customer.card",
/// )?;
/// let token = cards.tokenize("4111 1111 1111 1111")?;
/// assert!(token.ends_with(" 1111"));        // the last four, and the spaces, kept
/// assert_ne!(token, "4111 1111 1111 1111");
/// assert_eq!(*cards.expose(&token)?, "4111 1111 1111 1111");
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct FormatPreserving {
    ff1: Ff1,
    format: TokenFormat,
    tweak: Vec<u8>,
}

impl fmt::Debug for FormatPreserving {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormatPreserving")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// A value's characters of the format's alphabet (as numerals) and where they are.
struct Numerals {
    values: Zeroizing<Vec<u16>>,
    at: Vec<usize>,
}

impl FormatPreserving {
    /// Tokens of `format` under `key`, bound to `tweak`.
    ///
    /// # Errors
    /// [`Error::Token`] for a key FF1 refuses (never, for a 32-byte key).
    pub fn new(key: &TokenKey, format: TokenFormat, tweak: &[u8]) -> Result<Self, Error> {
        let radix = match format {
            TokenFormat::Alphanumeric => 36,
            TokenFormat::Digits | TokenFormat::Card { .. } => 10,
        };
        Ok(Self {
            ff1: Ff1::new(key, radix)?,
            format,
            tweak: tweak.to_vec(),
        })
    }

    /// The format.
    pub fn format(&self) -> TokenFormat {
        self.format
    }

    /// The token of `value`.
    ///
    /// # Errors
    /// [`Error::Token`]: a character outside the format's alphabet and separators (` `, `-`,
    /// `.`, `/`), too few characters for FF1's minimum domain, or a card number that fails
    /// Luhn or is not 11–19 digits (17–19 to keep the first six).
    pub fn tokenize(&self, value: &str) -> Result<String, Error> {
        self.run(value, true)
    }

    /// The value of `token`, wiped when dropped: the bare primitive, neither decided nor
    /// audited (named `expose…` as every such door is). Through a guard, detokenize with
    /// [`Guard::detokenize_preserving`](crate::Guard::detokenize_preserving).
    ///
    /// # Errors
    /// As [`tokenize`](Self::tokenize); a card token that passes Luhn is not one of ours.
    pub fn expose(&self, token: &str) -> Result<Zeroizing<String>, Error> {
        self.run(token, false).map(Zeroizing::new)
    }

    fn run(&self, text: &str, forward: bool) -> Result<String, Error> {
        let numerals = self.numerals(text)?;
        let out = match self.format {
            TokenFormat::Card { keep_first_six } => {
                self.card(&numerals.values, keep_first_six, forward)?
            }
            _ if forward => self.ff1.encrypt(&self.tweak, &numerals.values)?,
            _ => self.ff1.decrypt(&self.tweak, &numerals.values)?,
        };
        let mut result = text.as_bytes().to_vec();
        for (&at, &n) in numerals.at.iter().zip(out.iter()) {
            result[at] = numeral_char(n);
        }
        // Only ASCII alphabet characters were replaced by ASCII ones.
        String::from_utf8(result).map_err(|_| Error::Token {
            reason: "a character is outside the alphabet",
        })
    }

    /// The alphabet characters of `text` as numerals; separators are skipped and kept.
    fn numerals(&self, text: &str) -> Result<Numerals, Error> {
        let mut values = Zeroizing::new(Vec::with_capacity(text.len()));
        let mut at = Vec::with_capacity(text.len());
        for (i, b) in text.bytes().enumerate() {
            let n = match b {
                b'0'..=b'9' => u16::from(b - b'0'),
                b'A'..=b'Z' if self.format == TokenFormat::Alphanumeric => u16::from(b - b'A') + 10,
                b' ' | b'-' | b'.' | b'/' => continue,
                _ => {
                    return Err(Error::Token {
                        reason: "a character is outside the format's alphabet",
                    });
                }
            };
            values.push(n);
            at.push(i);
        }
        Ok(Numerals { values, at })
    }

    /// A card's digits, tokenized (`forward`) or detokenized.
    fn card(
        &self,
        digits: &[u16],
        keep_first_six: bool,
        forward: bool,
    ) -> Result<Zeroizing<Vec<u16>>, Error> {
        let n = digits.len();
        let head = if keep_first_six { 6 } else { 0 };
        let (min, reason) = if keep_first_six {
            (
                17,
                "keeping the first six and last four needs a card of 17–19 digits",
            )
        } else {
            (11, "a card number has 11–19 digits")
        };
        if !(min..=19).contains(&n) {
            return Err(Error::Token { reason });
        }
        // A card passes Luhn; a token's Luhn sum ends in 5 (any other is neither).
        let sum = luhn_sum(digits) % 10;
        let passes = sum == 0;
        if forward != passes || (!forward && sum != 5) {
            return Err(Error::Token {
                reason: if forward {
                    "the card number fails Luhn"
                } else {
                    "this is not a card token: its Luhn sum does not end in 5"
                },
            });
        }
        // The kept digits are in the tweak (wiped afterwards: they are part of the card): the
        // same middle digits under another BIN or last four make another token.
        let mut tweak = Zeroizing::new(self.tweak.clone());
        tweak.push(0);
        tweak.extend(
            digits[..head]
                .iter()
                .chain(&digits[n - 4..])
                .map(|&d| d as u8 + b'0'),
        );
        // The digits between the kept ones, less the last of them (the redundant one).
        let free = head..n - 5;
        let redundant = n - 5;
        let moved = if forward {
            self.ff1.encrypt(&tweak, &digits[free.clone()])?
        } else {
            self.ff1.decrypt(&tweak, &digits[free.clone()])?
        };
        let mut out = Zeroizing::new(digits.to_vec());
        out[free].copy_from_slice(&moved);
        // The redundant digit: the token's Luhn sum ends in 5; the card's in 0.
        let target = if forward { 5 } else { 0 };
        out[redundant] = (0..10)
            .find(|&d| {
                out[redundant] = d;
                luhn_sum(&out) % 10 == target
            })
            .unwrap_or(0);
        Ok(out)
    }
}

/// The Luhn sum of digits (the check digit last).
fn luhn_sum(digits: &[u16]) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &d)| {
            let d = u32::from(d);
            if k % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum()
}

fn numeral_char(n: u16) -> u8 {
    match n {
        0..=9 => b'0' + n as u8,
        _ => b'A' + (n - 10) as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::checksum::luhn;

    fn tokens(format: TokenFormat) -> FormatPreserving {
        FormatPreserving::new(&TokenKey::from_bytes([9; 32]), format, b"customer.field").unwrap()
    }

    const CARDS: [&str; 5] = [
        "4111111111111111",
        "4111 1111 1111 1111",
        "5555-5555-5555-4444",
        "378282246310005",
        "6011000990139424",
    ];

    #[test]
    fn card_tokens_keep_the_last_four_fail_luhn_and_come_back() {
        let cards = tokens(TokenFormat::Card {
            keep_first_six: false,
        });
        for card in CARDS {
            let token = cards.tokenize(card).unwrap();
            assert_eq!(token.len(), card.len());
            assert_eq!(&token[token.len() - 4..], &card[card.len() - 4..]);
            let digits: Vec<u8> = token
                .bytes()
                .filter(u8::is_ascii_digit)
                .map(|b| b - b'0')
                .collect();
            assert!(!luhn(digits.into_iter()), "{token} fails Luhn");
            assert_eq!(*cards.expose(&token).unwrap(), card);
            // Deterministic: the same card, field and key give the same token.
            assert_eq!(cards.tokenize(card).unwrap(), token);
        }
        // A token is not a card, and a card is not a token.
        assert!(cards.tokenize(&cards.tokenize(CARDS[0]).unwrap()).is_err());
        assert!(cards.expose(CARDS[0]).is_err());
        assert!(cards.tokenize("4111111111111112").is_err());
    }

    #[test]
    fn keeping_the_first_six_needs_seventeen_digits() {
        let cards = tokens(TokenFormat::Card {
            keep_first_six: true,
        });
        assert_eq!(
            cards.tokenize("4111111111111111").unwrap_err(),
            Error::Token {
                reason: "keeping the first six and last four needs a card of 17–19 digits"
            }
        );
        let nineteen = "6011000990139424003";
        // Made Luhn-valid for the test.
        let body = &nineteen[..18];
        let check = (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|c| luhn(c.bytes().map(|b| b - b'0')))
            .unwrap();
        let token = cards.tokenize(&check).unwrap();
        assert_eq!(&token[..6], &check[..6]);
        assert_eq!(&token[15..], &check[15..]);
        assert_eq!(*cards.expose(&token).unwrap(), check);
    }

    #[test]
    fn digit_and_document_tokens_keep_length_and_separators() {
        let digits = tokens(TokenFormat::Digits);
        let token = digits.tokenize("123-45-6789").unwrap();
        assert_eq!(token.len(), 11);
        assert_eq!((&token[3..4], &token[6..7]), ("-", "-"));
        assert_ne!(token, "123-45-6789");
        assert_eq!(*digits.expose(&token).unwrap(), "123-45-6789");
        assert!(digits.tokenize("12345").is_err(), "below a million values");
        assert!(digits.tokenize("12345a7").is_err());

        let documents = tokens(TokenFormat::Alphanumeric);
        let token = documents.tokenize("X1234567L").unwrap();
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        );
        assert_eq!(*documents.expose(&token).unwrap(), "X1234567L");
        assert!(documents.tokenize("x1234567l").is_err(), "upper case only");
    }

    #[test]
    fn errors_never_hold_the_value() {
        let cards = tokens(TokenFormat::Card {
            keep_first_six: false,
        });
        let error = cards.tokenize("4111111111111112").unwrap_err();
        assert!(!error.to_string().contains("4111"));
        assert!(!format!("{error:?}").contains("4111"));
        assert_eq!(
            format!("{cards:?}"),
            "FormatPreserving { format: Card { keep_first_six: false }, .. }"
        );
    }
}
