//! Helpers shared by the class rules, and the always-redacted classes.

use super::{ClassRules, Masker};
use crate::error::Invalid;

/// The value as UTF-8 text.
pub(super) fn utf8(value: &[u8]) -> Result<&str, Invalid> {
    std::str::from_utf8(value).map_err(|_| Invalid("not UTF-8 text"))
}

/// The value as trimmed, non-empty text without the mask character.
pub(super) fn text(value: &[u8]) -> Result<&str, Invalid> {
    let text = utf8(value)?.trim();
    if text.is_empty() {
        return Err(Invalid("empty"));
    }
    if text.contains('*') {
        return Err(Invalid("contains the mask character `*`"));
    }
    Ok(text)
}

/// ASCII digits of `text`, ignoring the separators a human writes between them.
pub(super) fn digits_ignoring<'a>(
    text: &'a str,
    separators: &'a [char],
) -> Result<impl DoubleEndedIterator<Item = u8> + Clone + 'a, Invalid> {
    if text
        .chars()
        .any(|c| !c.is_ascii_digit() && !separators.contains(&c))
    {
        return Err(Invalid(
            "contains characters other than digits and separators",
        ));
    }
    Ok(text.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0'))
}

/// Writes `text` lower-cased, with runs of whitespace collapsed to one space.
pub(super) fn lower_collapsed(text: &str, out: &mut crate::SecretBuf) {
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for lower in word.chars().flat_map(char::to_lowercase) {
            out.push(lower);
        }
    }
}

/// Free text and health data: any non-placeholder text, always redacted.
pub(super) struct RedactedText;

impl Masker for RedactedText {}

impl ClassRules for RedactedText {
    fn validate(&self, value: &[u8]) -> Result<(), Invalid> {
        utf8(value).map(drop)
    }
}

/// Biometric data: any bytes, always redacted.
pub(super) struct RedactedBytes;

impl Masker for RedactedBytes {}

impl ClassRules for RedactedBytes {
    fn normalize(&self, _value: &[u8], _out: &mut crate::SecretBuf) -> Result<(), Invalid> {
        Err(Invalid("biometric data has no text form to normalize"))
    }
}
