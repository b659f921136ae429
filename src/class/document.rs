//! Passport and national identity numbers. Mask: last 3 characters (last 2 when shorter than 9).
//! Normalize: upper case, letters and digits only.

use super::text::line;
use super::{ClassRules, Masker};
use crate::error::Invalid;
use crate::mem::buffer::SecretBuf;

pub(super) struct Document;

fn alnum(value: &[u8]) -> Result<impl Iterator<Item = char> + Clone + '_, Invalid> {
    let text = line(value)?;
    if text
        .chars()
        .any(|c| !c.is_ascii_alphanumeric() && c != ' ' && c != '-')
    {
        return Err(Invalid("only letters, digits, spaces and `-` are allowed"));
    }
    let chars = text.chars().filter(char::is_ascii_alphanumeric);
    if !(5..=20).contains(&chars.clone().count()) {
        return Err(Invalid("a document number has 5 to 20 letters and digits"));
    }
    Ok(chars)
}

impl ClassRules for Document {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        alnum(value).map(drop)
    }

    fn normalize(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        for c in alnum(value)? {
            out.push(c.to_ascii_uppercase());
        }
        Ok(())
    }
}

impl Masker for Document {
    fn mask(&self, value: &[u8], out: &mut SecretBuf) -> Result<(), Invalid> {
        let chars = alnum(value)?;
        let count = chars.clone().count();
        let shown = if count >= 9 { 3 } else { 2 };
        out.push_str("***");
        for c in chars.skip(count - shown) {
            out.push(c);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Class;

    #[test]
    fn shows_the_last_two_or_three() {
        assert_eq!(Class::Passport.mask(b"X12345678").as_str(), "***678");
        assert_eq!(Class::NationalId.mask(b"AB-1234").as_str(), "***34");
        assert!(Class::Passport.mask(b"X1").is_redacted());
        assert!(Class::NationalId.mask(b"12_34_56").is_redacted());
        assert_eq!(
            Class::Passport.normalize(b"x 1234-5678").unwrap().as_str(),
            "X12345678"
        );
    }
}
