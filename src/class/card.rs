//! Payment card numbers: 13–19 digits with optional spaces or dashes, Luhn-checked.
//! Mask (PCI DSS): first 6 and last 4 digits at most. Normalize: digits only.

use super::checksum::luhn;
use super::text::{digits_ignoring, line};
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct CardNumber;

fn digits(value: &[u8]) -> Result<impl DoubleEndedIterator<Item = u8> + Clone + '_, Invalid> {
    let digits = digits_ignoring(line(value)?, &[' ', '-'])?;
    if !(13..=19).contains(&digits.clone().count()) {
        return Err(Invalid("a card number has 13 to 19 digits"));
    }
    if !luhn(digits.clone()) {
        return Err(Invalid("fails the Luhn check"));
    }
    Ok(digits)
}

impl ClassRules for CardNumber {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        digits(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        for d in digits(value)? {
            out.push(char::from(b'0' + d));
        }
        Ok(())
    }
}

impl Masker for CardNumber {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let digits = digits(value)?;
        let count = digits.clone().count();
        for (i, d) in digits.enumerate() {
            if i < 6 || i >= count - 4 {
                out.push(char::from(b'0' + d));
            } else {
                out.push('*');
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn masks_first_six_and_last_four() {
        assert_eq!(
            Class::CardNumber.mask(b"4111 1111 1111 1111").as_str(),
            "411111******1111"
        );
        assert_eq!(
            Class::CardNumber.mask(b"5555-5555-5555-4444").as_str(),
            "555555******4444"
        );
        assert_eq!(
            Class::CardNumber.mask(b"378282246310005").as_str(),
            "378282*****0005"
        );
    }

    #[test]
    fn luhn_failures_and_bad_lengths_are_redacted() {
        for bad in [
            &b"4111 1111 1111 1112"[..],
            b"4111",
            b"41111111111111111111111111",
            b"4111-1111-1111-111x",
            b"",
        ] {
            let m = Class::CardNumber.mask(bad);
            assert_eq!(m.as_str(), "[REDACTED:card_number]");
        }
    }

    #[test]
    fn normalizes_to_digits() {
        assert_eq!(
            Class::CardNumber
                .normalize(b"4111-1111 1111-1111")
                .unwrap()
                .as_str(),
            "4111111111111111"
        );
    }
}
