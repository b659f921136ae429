//! IBANs: country code, check digits, national account number; length checked per country and
//! the mod-97 checksum verified. Mask: country code and last 4. Normalize: upper case, no spaces.

use super::text::text;
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct Iban;

/// IBAN lengths by country (SWIFT IBAN registry).
const LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SC", 31),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

/// The expected IBAN length for a country code, if the country uses IBANs.
pub(crate) fn country_length(country: &str) -> Option<usize> {
    LENGTHS.iter().find(|(c, _)| *c == country).map(|(_, n)| *n)
}

/// The IBAN's characters, upper-cased, without spaces.
fn chars(value: &[u8]) -> Result<impl Iterator<Item = u8> + Clone + '_, Invalid> {
    let text = text(value)?;
    if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ') {
        return Err(Invalid("only letters, digits and spaces are allowed"));
    }
    let chars = text
        .bytes()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase());
    let mut head = chars.clone();
    let country = [head.next(), head.next()];
    let [Some(a), Some(b)] = country else {
        return Err(Invalid("too short"));
    };
    let country = [a, b];
    let country = std::str::from_utf8(&country).map_err(|_| Invalid("bad country code"))?;
    let expected = country_length(country).ok_or(Invalid("unknown IBAN country code"))?;
    if chars.clone().count() != expected {
        return Err(Invalid("wrong length for its country"));
    }
    if !head.take(2).all(|b| b.is_ascii_digit()) {
        return Err(Invalid("the check digits must be digits"));
    }
    if mod97(chars.clone().skip(4).chain(chars.clone().take(4))) != 1 {
        return Err(Invalid("fails the mod-97 check"));
    }
    Ok(chars)
}

/// ISO 7064 mod 97-10 over alphanumerics (letters count as 10..=35).
pub(crate) fn mod97(chars: impl Iterator<Item = u8>) -> u32 {
    chars.fold(0u32, |acc, c| {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        if v >= 10 {
            (acc * 100 + v) % 97
        } else {
            (acc * 10 + v) % 97
        }
    })
}

impl ClassRules for Iban {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        chars(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        for c in chars(value)? {
            out.push(char::from(c));
        }
        Ok(())
    }
}

impl Masker for Iban {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let chars = chars(value)?;
        let count = chars.clone().count();
        for (i, c) in chars.enumerate() {
            out.push(if i < 2 || i >= count - 4 {
                char::from(c)
            } else {
                '*'
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn keeps_country_and_last_four() {
        assert_eq!(
            Class::Iban.mask(b"DE89 3704 0044 0532 0130 00").as_str(),
            "DE****************3000"
        );
        assert_eq!(
            Class::Iban.mask(b"gb82west12345698765432").as_str(),
            "GB****************5432"
        );
    }

    #[test]
    fn checksum_length_and_country_failures_are_redacted() {
        for bad in [
            &b"DE89 3704 0044 0532 0130 01"[..],
            b"DE89 3704 0044 0532 0130",
            b"ZZ89370400440532013000",
            b"DE8937040044053201300!",
            b"",
        ] {
            assert_eq!(Class::Iban.mask(bad).as_str(), "[REDACTED:iban]");
        }
    }

    #[test]
    fn normalizes_to_compact_upper_case() {
        assert_eq!(
            Class::Iban
                .normalize(b"gb82 west 1234 5698 7654 32")
                .unwrap()
                .as_str(),
            "GB82WEST12345698765432"
        );
    }
}
