//! Helpers shared by the class rules, and the always-redacted classes.

use super::{ClassRules, Masker};
use crate::error::Invalid;

/// The value as UTF-8 text.
pub(super) fn utf8(value: &[u8]) -> Result<&str, Invalid> {
    std::str::from_utf8(value).map_err(|_| Invalid("not UTF-8 text"))
}

/// Characters no text class accepts: C0 controls other than tab, line feed and carriage
/// return, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates that make
/// text display in another order than it reads (U+202A–U+202E, U+2066–U+2069).
pub(super) const fn forbidden(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0B' | '\x0C' | '\x0E'..='\x1F' | '\x7F'..='\u{9F}')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing: zero-width space, joiners, word joiner, byte order mark, soft
/// hyphen. Refused in identifiers (an address or number that looks equal must be equal).
pub(super) const fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    )
}

/// UTF-8 text with no [`forbidden`] character (free text: tabs and line breaks allowed).
pub(super) fn clean(value: &[u8]) -> Result<&str, Invalid> {
    let text = utf8(value)?;
    let bad = if text.is_ascii() {
        text.bytes()
            .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F)
    } else {
        text.chars().any(forbidden)
    };
    if bad {
        return Err(Invalid(
            "contains control or bidirectional-override characters",
        ));
    }
    Ok(text)
}

/// The value as trimmed, non-empty, [`clean`] text without the mask character.
pub(super) fn text(value: &[u8]) -> Result<&str, Invalid> {
    let text = clean(value)?.trim();
    if text.is_empty() {
        return Err(Invalid("empty"));
    }
    if text.contains('*') {
        return Err(Invalid("contains the mask character `*`"));
    }
    Ok(text)
}

/// [`text`] on one line: no tab or line break (a name may still join letters with U+200C/D).
pub(super) fn one_line(value: &[u8]) -> Result<&str, Invalid> {
    let text = text(value)?;
    if text.contains(['\t', '\n', '\r']) {
        return Err(Invalid("contains line breaks or tabs"));
    }
    Ok(text)
}

/// [`one_line`] without [`invisible`] characters: identifiers, addresses, numbers.
pub(super) fn line(value: &[u8]) -> Result<&str, Invalid> {
    if value.is_ascii() {
        ascii_line(value)
    } else {
        any_line(value)
    }
}

/// [`line`] of any input, character by character.
fn any_line(value: &[u8]) -> Result<&str, Invalid> {
    let text = one_line(value)?;
    if !text.is_ascii() && text.chars().any(invisible) {
        return Err(Invalid("contains invisible (zero-width) characters"));
    }
    Ok(text)
}

/// [`line`] of ASCII input: the same checks in the same order (so the same error), in tight
/// byte loops instead of character iterators. ASCII has no invisible characters, and trimming
/// ASCII whitespace is all `str::trim` does to it (U+000B, which `trim_ascii` keeps, is a
/// control character and refused before trimming matters).
fn ascii_line(value: &[u8]) -> Result<&str, Invalid> {
    let control = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F;
    if value.iter().any(|&b| control(b)) {
        return Err(Invalid(
            "contains control or bidirectional-override characters",
        ));
    }
    let text = value.trim_ascii();
    if text.is_empty() {
        return Err(Invalid("empty"));
    }
    if text.contains(&b'*') {
        return Err(Invalid("contains the mask character `*`"));
    }
    if text.iter().any(|b| matches!(b, b'\t' | b'\n' | b'\r')) {
        return Err(Invalid("contains line breaks or tabs"));
    }
    utf8(text)
}

/// The NFC form of `text` (Unicode canonical composition: "é" written as `e` + U+0301 becomes
/// U+00E9), in a wiping buffer, or `None` when it already is NFC (the usual case, checked
/// without allocating). Equal names then seal, index and compare equally.
pub(crate) fn nfc(text: &str) -> Option<crate::SecretBuf> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization as _, is_nfc_quick};
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return None;
    }
    let mut out = crate::SecretBuf::with_capacity(text.len() + 8);
    for c in text.nfc() {
        out.push(c);
    }
    (out.as_str() != text).then_some(out)
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
        clean(value).map(drop)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The ASCII fast path accepts, refuses and explains exactly as the general one does.
        #[test]
        fn the_ascii_path_agrees_with_the_general_one(
            value in proptest::collection::vec(
                prop_oneof![0u8..0x80, Just(b' '), Just(b'*'), Just(b'\t'), Just(0x0B)], 0..24)
        ) {
            prop_assert_eq!(ascii_line(&value), any_line(&value));
        }
    }

    #[test]
    fn the_ascii_path_refuses_in_the_general_order() {
        for (value, reason) in [
            (
                &b" \x0bjane "[..],
                "contains control or bidirectional-override characters",
            ),
            (b"  ", "empty"),
            (b" ja*ne\t", "contains the mask character `*`"),
            (b"ja\tne ", "contains line breaks or tabs"),
        ] {
            assert_eq!(ascii_line(value), Err(Invalid(reason)));
            assert_eq!(any_line(value), Err(Invalid(reason)));
        }
        assert_eq!(ascii_line(b" jane@example.com\n"), Ok("jane@example.com"));
    }
}
