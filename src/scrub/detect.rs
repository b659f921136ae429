//! The built-in detectors. Each one starts at a trigger byte the scanner stopped at, reads the
//! candidate by hand (no regex, no allocation) and validates it — Luhn for cards, mod-97 and the
//! country's length for IBANs, the invalid ranges for SSNs, octet ranges for IPv4, the address
//! grammar for IPv6, the segment shape for JWTs — so that random digit runs, timestamps, UUIDs,
//! version strings and order numbers do not match.

use crate::class::checksum::{iban_length, luhn, mod97};
use std::ops::Range;

/// What a detector found: the byte range and the class tag of the mask.
pub(crate) type Hit = (Range<usize>, &'static str);

pub(crate) const EMAIL: &str = "email";
pub(crate) const PHONE: &str = "phone";
pub(crate) const CARD: &str = "card_number";
pub(crate) const IBAN: &str = "iban";
pub(crate) const IP: &str = "ip_address";
pub(crate) const SSN: &str = "national_id";
pub(crate) const JWT: &str = "jwt";
pub(crate) const BEARER: &str = "bearer_token";
pub(crate) const MAC: &str = "mac_address";
/// Every built-in detector's class tag.
pub(crate) const BUILT_IN: [&str; 9] = [EMAIL, PHONE, CARD, IBAN, IP, SSN, JWT, BEARER, MAC];

pub(super) fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// The byte before `i`, if any.
pub(super) fn before(s: &[u8], i: usize) -> Option<u8> {
    i.checked_sub(1).map(|j| s[j])
}

/// A token may start at `i`: not glued to a preceding letter, digit or joining punctuation
/// (`_`, `.`, `-`, `+`). A `/` is a delimiter, as `=`, `&`, `;` and the others are: a value
/// right after it is a path segment (`GET /u/4111111111111111`). `floor` is where the previous
/// finding ended: its mask will end in `]`, so a token right after it is free (this keeps
/// scrubbing idempotent).
pub(crate) fn starts_token(s: &[u8], i: usize, floor: usize) -> bool {
    i == floor
        || !before(s, i).is_some_and(|b| is_alnum(b) || matches!(b, b'_' | b'.' | b'-' | b'+'))
}

/// A token may end at `end`: not followed by a letter, digit or joining punctuation (a final
/// `.` or `-` counts as a boundary when what follows it is not alphanumeric; a `/` always
/// does, as the end of a path segment).
pub(super) fn ends_token(s: &[u8], end: usize) -> bool {
    match s.get(end) {
        None => true,
        Some(&b) if is_alnum(b) || b == b'_' => false,
        Some(b'.' | b'-') => !s.get(end + 1).copied().is_some_and(is_alnum),
        Some(_) => true,
    }
}

// ---------------------------------------------------------------- email

fn local_char(b: u8) -> bool {
    is_alnum(b) || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// The width of the non-ASCII letter or digit whose UTF-8 encoding starts at `i`, else 0
/// (internationalized addresses, RFC 6531 and RFC 5890, write them in both parts).
fn wide_alnum(s: &[u8], i: usize) -> usize {
    let width = match s.get(i) {
        Some(0xC2..=0xDF) => 2,
        Some(0xE0..=0xEF) => 3,
        Some(0xF0..=0xF4) => 4,
        _ => return 0,
    };
    s.get(i..i + width)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|text| text.chars().next())
        .filter(|c| c.is_alphanumeric())
        .map_or(0, |_| width)
}

/// The width of the non-ASCII letter or digit that ends at `end`, not reaching below `floor`.
fn wide_alnum_before(s: &[u8], end: usize, floor: usize) -> usize {
    let mut start = end;
    while start > floor && end - start < 4 {
        start -= 1;
        if s[start] & 0xC0 != 0x80 {
            return if wide_alnum(s, start) == end - start {
                end - start
            } else {
                0
            };
        }
    }
    0
}

/// A domain label's bytes from `i`: ASCII letters, digits and dashes, and non-ASCII letters.
fn label_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        if is_alnum(s[i]) || s[i] == b'-' {
            i += 1;
        } else {
            match wide_alnum(s, i) {
                0 => break,
                width => i += width,
            }
        }
    }
    i
}

/// A top-level label: letters (ASCII, or a script's letters), or an A-label (`xn--…`).
fn top_level(tld: &[u8]) -> bool {
    if tld.len() < 2 {
        return false;
    }
    if tld.iter().all(u8::is_ascii_alphabetic) {
        return true;
    }
    if let Some(punycode) = tld.strip_prefix(b"xn--") {
        return !punycode.is_empty() && punycode.iter().all(|&b| is_alnum(b) || b == b'-');
    }
    std::str::from_utf8(tld).is_ok_and(|t| !t.is_ascii() && t.chars().all(char::is_alphabetic))
}

/// At an `@`: the local part before it, the domain after it (two or more labels, a letters-only
/// or A-label top-level label of two or more), either part internationalized.
pub(crate) fn email(s: &[u8], at: usize, floor: usize) -> Option<Hit> {
    email_at(s, at, at + 1, floor)
}

/// An address whose `@` is written from `at` to `domain` (one byte, or `%40` percent-encoded,
/// as in `?email=jane%40example.com`): the whole address, encoding included, is the finding.
pub(crate) fn email_at(s: &[u8], at: usize, domain: usize, floor: usize) -> Option<Hit> {
    let mut start = at;
    while start > floor && at - start < 64 {
        if local_char(s[start - 1]) {
            start -= 1;
        } else {
            match wide_alnum_before(s, start, floor) {
                0 => break,
                width => start -= width,
            }
        }
    }
    while start < at && matches!(s[start], b'.' | b'-' | b'+') {
        start += 1;
    }
    if start == at || s[at - 1] == b'.' {
        return None;
    }
    let mut end = domain;
    let mut labels = 0;
    let mut last_label;
    loop {
        let label = end;
        end = label_end(s, label);
        if end == label || s[label] == b'-' || s[end - 1] == b'-' {
            return None;
        }
        labels += 1;
        last_label = label;
        if end + 1 < s.len()
            && s[end] == b'.'
            && (is_alnum(s[end + 1]) || wide_alnum(s, end + 1) > 0)
        {
            end += 1;
        } else {
            break;
        }
    }
    if labels < 2 || !top_level(&s[last_label..end]) {
        return None;
    }
    Some((start..end, EMAIL))
}

// ---------------------------------------------------------------- digits

/// Counts digits from `i`, allowing single separators from `seps` between digit groups.
/// Returns (end, digits, separator used).
fn digit_run(s: &[u8], i: usize, seps: &[u8], max_digits: usize) -> (usize, usize, Option<u8>) {
    let mut end = i;
    let mut digits = 0;
    let mut sep = None;
    let mut j = i;
    while j < s.len() && digits < max_digits + 1 {
        let b = s[j];
        if b.is_ascii_digit() {
            digits += 1;
            j += 1;
            end = j;
        } else if seps.contains(&b)
            && sep.is_none_or(|x| x == b)
            && s.get(j + 1).is_some_and(u8::is_ascii_digit)
            && j > i
        {
            sep = Some(b);
            j += 1;
        } else {
            break;
        }
    }
    (end, digits, sep)
}

/// A payment card: 13–19 digits with a card network's first digit (2–6); or 12 for Maestro
/// (`50`, `56`–`69`) where a word such as `card` comes before; or 15 beginning with `1` (UATP). Optionally grouped by single spaces or
/// dashes (one kind), and the Luhn check.
pub(crate) fn card(s: &[u8], i: usize) -> Option<Hit> {
    if !matches!(s[i], b'1'..=b'6') {
        return None;
    }
    let (end, digits, sep) = digit_run(s, i, b" -", 19);
    let second = s.get(i + 1).copied().unwrap_or(0);
    let length_fits = match (s[i], digits) {
        (b'1', 15) => true,
        (b'1', _) => false,
        // Twelve-digit Maestro numbers are rare, and as long as tracking and order numbers:
        // where the text names a card only.
        (b'5' | b'6', 12) => {
            (s[i] == b'6' || matches!(second, b'0' | b'6'..=b'9'))
                && super::context::names(s, 0, i, 32, &[b"card", b"maestro", b"debit"])
        }
        _ => (13..=19).contains(&digits),
    };
    if !length_fits || !ends_token(s, end) {
        return None;
    }
    // Grouped numbers have groups of 4 (or Amex 4-6-5); a single run has no separator.
    if let Some(sep) = sep {
        let groups: Vec<usize> = s[i..end].split(|&b| b == sep).map(<[u8]>::len).collect();
        let fours = groups[..groups.len() - 1].iter().all(|&g| g == 4);
        // Amex and UATP: 4-6-5, UATP also 4-5-6.
        let fifteen = groups == [4, 6, 5] || groups == [4, 5, 6];
        if !(fours || fifteen) {
            return None;
        }
    }
    let all = s[i..end]
        .iter()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0');
    luhn(all).then_some((i..end, CARD))
}

/// A US social security number written `ddd-dd-dddd` (or with spaces): area 001–899 but not
/// 666, group 01–99, serial 0001–9999; or an ITIN, area 9xx with group 50–65, 70–88, 90–92 or
/// 94–99.
pub(crate) fn ssn(s: &[u8], i: usize) -> Option<Hit> {
    let num = |t: &[u8]| t.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
    let valid = |area: u32, group: u32, serial: u32| {
        let itin = matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99);
        area != 0 && area != 666 && (area < 900 || itin) && group != 0 && serial != 0
    };
    // Nine digits with no separator are an SSN only where the text says so.
    if let Some(t) = s.get(i..i + 9)
        && t.iter().all(u8::is_ascii_digit)
        && ends_token(s, i + 9)
        && ssn_context(s, i)
    {
        return valid(num(&t[..3]), num(&t[3..5]), num(&t[5..])).then_some((i..i + 9, SSN));
    }
    let t = s.get(i..i + 11)?;
    let sep = t[3];
    // Dots are as often version or section numbers: with context only.
    let sep_ok = matches!(sep, b'-' | b' ') || (sep == b'.' && ssn_context(s, i));
    if !sep_ok || t[6] != sep {
        return None;
    }
    let digits_at = |r: Range<usize>| t[r].iter().all(u8::is_ascii_digit);
    if !(digits_at(0..3) && digits_at(4..6) && digits_at(7..11) && ends_token(s, i + 11)) {
        return None;
    }
    // `372 12 3456` after `Tel.` is a phone number of that shape.
    (valid(num(&t[0..3]), num(&t[4..6]), num(&t[7..11])) && !super::context::calls_phone(s, 0, i))
        .then_some((i..i + 11, SSN))
}

/// Whether the 24 bytes before `i` name a social security number (`SSN`, `SS#`, `ITIN`,
/// `social security`), in any letter case.
fn ssn_context(s: &[u8], i: usize) -> bool {
    super::context::names(s, 0, i, 24, &[b"ssn", b"ss#", b"itin", b"social security"])
}

// ---------------------------------------------------------------- letters

/// An IBAN: country code, check digits, the country's length (compact, or in groups of four
/// separated by single spaces), and the ISO 7064 mod-97 check.
///
/// Returns the span of text shaped like an IBAN at `i` (a country's code and length) and
/// whether its mod-97 checksum holds: a near miss is skipped whole by the scanner, so that its
/// digits are not read as a card or a phone number.
pub(crate) fn iban_shaped(s: &[u8], i: usize) -> Option<(Range<usize>, bool)> {
    let head = s.get(i..i + 4)?;
    if !(head[0].is_ascii_alphabetic()
        && head[1].is_ascii_alphabetic()
        && head[2].is_ascii_digit()
        && head[3].is_ascii_digit())
    {
        return None;
    }
    // One letter case throughout (`DE89…` or `de89…`).
    let lower = head[0].is_ascii_lowercase();
    if head[1].is_ascii_lowercase() != lower {
        return None;
    }
    let country = [head[0].to_ascii_uppercase(), head[1].to_ascii_uppercase()];
    let want = iban_length(&country)?;
    let mut chars = [0u8; 34];
    let mut n = 0;
    let mut j = i;
    // Groups of four are separated by single spaces or single dashes, one kind throughout.
    let mut separator = None;
    while j < s.len() && n < want {
        let b = s[j];
        let letter = if lower {
            b.is_ascii_lowercase()
        } else {
            b.is_ascii_uppercase()
        };
        if letter || b.is_ascii_digit() {
            chars[n] = b.to_ascii_uppercase();
            n += 1;
            j += 1;
        } else if matches!(b, b' ' | b'-')
            && separator.is_none_or(|sep| sep == b)
            && n % 4 == 0
            && s.get(j + 1).is_some_and(|&c| is_alnum(c))
        {
            separator = Some(b);
            j += 1;
        } else {
            break;
        }
    }
    if n != want || !ends_token(s, j) {
        return None;
    }
    let rearranged = chars[4..n].iter().chain(&chars[..4]).copied();
    Some((i..j, mod97(rearranged) == 1))
}

fn b64url(b: u8) -> bool {
    is_alnum(b) || matches!(b, b'-' | b'_')
}

/// A JWT: `eyJ…` (a base64url JSON header) `.` payload `.` signature, header and payload of at
/// least 10 characters.
pub(crate) fn jwt(s: &[u8], i: usize) -> Option<Hit> {
    if !s[i..].starts_with(b"eyJ") {
        return None;
    }
    let mut j = i;
    let mut lens = [0usize; 3];
    for (k, len) in lens.iter_mut().enumerate() {
        let start = j;
        while j < s.len() && b64url(s[j]) {
            j += 1;
        }
        *len = j - start;
        if k < 2 {
            if s.get(j) != Some(&b'.') {
                return None;
            }
            j += 1;
        }
    }
    (lens[0] >= 10 && lens[1] >= 10 && ends_token(s, j)).then_some((i..j, JWT))
}

fn token_char(b: u8) -> bool {
    is_alnum(b) || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// A bearer token after `Bearer ` (any case): the credential, at least 8 characters.
pub(crate) fn bearer(s: &[u8], i: usize, floor: usize) -> Option<Hit> {
    let word = s.get(i..i + 7)?;
    if !word.eq_ignore_ascii_case(b"bearer ") || !starts_token(s, i, floor) {
        return None;
    }
    let start = i + 7;
    let mut end = start;
    while end < s.len() && token_char(s[end]) {
        end += 1;
    }
    // A sentence's full stop is not part of the token.
    while end > start && s[end - 1] == b'.' {
        end -= 1;
    }
    (end - start >= 8).then_some((start..end, BEARER))
}
