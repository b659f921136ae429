//! Phone numbers, international and national, as people and systems write them:
//!
//! - international: `+` and 7–15 digits in groups (`+44 20 7946 0958`, `+33 (0)1 23 45 67 89`),
//!   or 10–15 digits in one run (`+14155550123`); the `00` and `001`/`011` prefixes
//!   (`0044 20 7946 0958`, `001-201-555-0123`);
//! - North American: `(201) 555-0123`, `(201)555-0123`, `201-555-0123`, `201.555.0123`,
//!   `201 555 0123`, `1-800-555-0199`;
//! - national with a trunk prefix (`0…`), in groups of any length separated by spaces, dots,
//!   dashes or slashes (`020 7946 0958`, `06-12345678`, `0171/1234567`, `01.23.45.67.89`),
//!   the area code possibly in parentheses (`(0228) 123456`, `(11) 98765-4321`);
//! - national without a trunk prefix in three or more groups of 2–4 digits (`612 34 56 78`,
//!   `138 0013 8000`);
//! - where a word such as `phone`, `tel`, `call` or `mobile` comes shortly before: seven-digit
//!   local numbers (`555-0123`), ten digits with no separator, and grouped shapes that are
//!   otherwise read as amounts (`212 345 678`).
//!
//! An extension is masked with its number (`x459`, `ext. 12`, `#12`); a word glued after it is
//! not (`…1693-Office`). Dates, times, IPv4-like dotted quads, grouped amounts, ISBNs, and the
//! shapes of SSNs, SINs and grouped cards are not phone numbers.

use super::context;
use super::detect::{Hit, PHONE, ends_token};

/// Words that make a digit string likely a phone number, but could as well introduce an
/// identifier (`contact: 123-45-6789`).
const CONTACT_WORDS: &[&[u8]] = &[b"text me", b"reach", b"contact", b"ring", b"my number"];

/// How far before a number its context word may be.
const WINDOW: usize = 32;

/// Whether a word that may introduce a phone number comes shortly before `i` (and after
/// `floor`).
fn named(s: &[u8], floor: usize, i: usize) -> bool {
    context::calls_phone(s, floor, i) || context::names(s, floor, i, WINDOW, CONTACT_WORDS)
}

/// A phone number starting at `i` (a `+`, a `(` or a digit at a token's start); `floor` is
/// where the previous finding ended.
#[inline]
pub(crate) fn phone(s: &[u8], i: usize, floor: usize) -> Option<Hit> {
    match s[i] {
        b'+' => international(s, i),
        b'(' => parenthesized(s, i),
        _ => national(s, i, floor),
    }
}

fn plain_sep(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.')
}

/// `+`, then digit groups separated by short runs of ` `, `-`, `.`, `(`, `)`.
#[inline(never)]
fn international(s: &[u8], i: usize) -> Option<Hit> {
    let mut j = i + 1;
    let mut digits = 0;
    let mut groups = 0;
    let mut in_group = false;
    while j < s.len() {
        if s[j].is_ascii_digit() {
            if !in_group {
                groups += 1;
                in_group = true;
            }
            digits += 1;
            j += 1;
            continue;
        }
        // A separator run (` `, `-`, `.`, `(`, `)`, as in `+1 (555) 010-0142`) must be short,
        // hold at most one plain separator and one of each parenthesis, and lead to a digit.
        let run = s[j..]
            .iter()
            .take(3)
            .take_while(|&&b| plain_sep(b) || b == b'(' || b == b')')
            .count();
        let seps = &s[j..j + run];
        let plain = seps.iter().filter(|&&b| plain_sep(b)).count();
        let opens = seps.iter().filter(|&&b| b == b'(').count();
        let closes = seps.iter().filter(|&&b| b == b')').count();
        if run == 0
            || plain > 1
            || opens > 1
            || closes > 1
            || !s.get(j + run).is_some_and(u8::is_ascii_digit)
        {
            break;
        }
        in_group = false;
        j += run;
    }
    let end = phone_end(s, j)?;
    let grouped = groups >= 2 && (7..=15).contains(&digits);
    let one_run = groups == 1 && (8..=15).contains(&digits);
    (grouped || one_run).then_some((i..end, PHONE))
}

/// Digit groups from a digit: their lengths, the separators between them, where they end.
struct Groups {
    lens: [u8; 8],
    n: usize,
    digits: usize,
    /// The first separator, and a second kind if the groups use two.
    sep: Option<u8>,
    mixed: bool,
    end: usize,
}

impl Groups {
    fn lens(&self) -> &[u8] {
        &self.lens[..self.n]
    }

    /// Reads groups of digits from `i`, separated by single spaces, dashes, dots or slashes
    /// (two kinds at most; slashes not in a path segment, see [`slash_joins`]). `None` past
    /// eight groups or 17 digits: not a phone number.
    fn read(s: &[u8], i: usize) -> Option<Groups> {
        let slash = slash_joins(s, i);
        let mut g = Groups {
            lens: [0; 8],
            n: 0,
            digits: 0,
            sep: None,
            mixed: false,
            end: i,
        };
        let mut j = i;
        loop {
            let start = j;
            while j < s.len() && j - start < 18 && s[j].is_ascii_digit() {
                j += 1;
            }
            if g.n == 8 {
                return None;
            }
            let run = j - start;
            g.lens[g.n] = run as u8;
            g.n += 1;
            g.digits += run;
            g.end = j;
            if g.digits > 17 {
                return None;
            }
            match s.get(j) {
                Some(&b @ (b' ' | b'-' | b'.' | b'/'))
                    if (b != b'/' || slash) && s.get(j + 1).is_some_and(u8::is_ascii_digit) =>
                {
                    match g.sep {
                        None => g.sep = Some(b),
                        Some(first) if first != b => g.mixed = true,
                        Some(_) => {}
                    }
                    j += 1;
                }
                _ => return Some(g),
            }
        }
    }
}

/// The value of ASCII digits.
fn value(t: &[u8]) -> u32 {
    t.iter().fold(0, |a, &d| a * 10 + u32::from(d - b'0'))
}

/// Whether the first three groups read as a date: `2026-11-30`, `30.11.2026`, `11/30/2026`.
fn date(s: &[u8], i: usize, lens: &[u8]) -> bool {
    if lens.len() < 3 {
        return false;
    }
    let at = |k: usize| {
        let start = i + lens[..k].iter().map(|&l| usize::from(l) + 1).sum::<usize>();
        value(&s[start..start + usize::from(lens[k])])
    };
    let day = |v: u32| (1..=31).contains(&v);
    let month = |v: u32| (1..=12).contains(&v);
    // A two-digit year only where the date is all there is (`01.23.45.67.89` is a number).
    let year = |v: u32, len: u8| {
        if len == 2 {
            lens.len() == 3
        } else {
            (1900..=2099).contains(&v)
        }
    };
    match (lens[0], lens[1], lens[2]) {
        (4, 1 | 2, 1 | 2) => year(at(0), 4) && month(at(1)) && day(at(2)),
        (1 | 2, 1 | 2, 2 | 4) => {
            let (a, b) = (at(0), at(1));
            year(at(2), lens[2]) && ((day(a) && month(b)) || (month(a) && day(b)))
        }
        _ => false,
    }
}

/// A national number (or one with a `00` international prefix) starting at a digit.
#[inline]
fn national(s: &[u8], i: usize, floor: usize) -> Option<Hit> {
    // A one-digit trunk or country prefix before a parenthesized area code: `8 (912) 345-67-89`,
    // `1 (800) 555-0199`.
    if s.get(i + 1..i + 3) == Some(b" (") {
        let (span, _) = parenthesized(s, i + 2)?;
        return Some((i..span.end, PHONE));
    }
    // One quick pass over the digits and single separators: most digit runs in logs are short
    // counts, times (`10:30`), or glued to a word other than an extension (a timestamp's `T`),
    // and are refused before their groups are read.
    let slash = slash_joins(s, i);
    let mut end = i;
    let mut d = 0;
    let mut last = 0;
    while let Some(&b) = s.get(end) {
        if b.is_ascii_digit() {
            d += 1;
            last += 1;
        } else if (matches!(b, b' ' | b'-' | b'.') || (b == b'/' && slash))
            && s.get(end + 1).is_some_and(u8::is_ascii_digit)
        {
            last = 0;
        } else {
            break;
        }
        end += 1;
    }
    let after = s.get(end).copied().unwrap_or(b' ');
    let glued = after.is_ascii_alphanumeric() && !matches!(after, b'x' | b'X');
    // A time: an hour of one or two digits, `:`, two digits (`… 10:30`). Only its own shape:
    // what follows a colon may be masked by this very scan, and a second scan must decide the
    // same.
    let minutes = |k: usize| {
        s.get(k..k + 2)
            .is_some_and(|m| m.iter().all(u8::is_ascii_digit))
            && !s.get(k + 2).is_some_and(u8::is_ascii_digit)
    };
    let time = after == b':' && last <= 2 && minutes(end + 1);
    if !(7..=17).contains(&d) || glued || time {
        return None;
    }
    grouped(s, i, floor)
}

/// The rest of [`national`], for the few digit runs long enough to be a phone number: kept
/// out of line so that the quick refusals above stay cheap.
#[inline(never)]
fn grouped(s: &[u8], i: usize, floor: usize) -> Option<Hit> {
    if within_identifier(s, floor, i) {
        return None;
    }
    let g = Groups::read(s, i)?;
    national_shape(s, i, floor, &g).then(|| phone_end(s, g.end).map(|end| (i..end, PHONE)))?
}

/// Whether digit groups (seven digits or more) starting at a digit are shaped like a phone
/// number, or named as one.
fn national_shape(s: &[u8], i: usize, floor: usize, g: &Groups) -> bool {
    let lens = g.lens();
    let d = g.digits;
    let (first, second) = (s[i], s.get(i + 1).copied().unwrap_or(0));
    if lens.len() == 1 {
        return d <= 12 && named(s, floor, i);
    }
    if date(s, i, lens) || lens.last().is_some_and(|&l| l < 2) {
        return false;
    }
    // `00` or `011` and a country code: an international number.
    let prefixed = ((first == b'0' && second == b'0' && s.get(i + 2).is_some_and(|&b| b != b'0'))
        || s[i..].starts_with(b"011"))
        && !g.mixed
        && g.sep != Some(b'.');
    if prefixed {
        return (10..=17).contains(&d);
    }
    if d > 13 {
        return false;
    }
    // The shapes of other identifiers: an SSN (3-2-4), a SIN (3-3-3, never starting with 0),
    // a ZIP+4 code (5-4), a grouped card or Aadhaar number (4-4-4…), an ISBN.
    let other = lens == [3, 2, 4]
        || (lens == [3, 3, 3] && first != b'0')
        || (lens == [5, 4] && g.sep == Some(b'-'))
        || (lens.len() >= 3 && lens.iter().all(|&l| l == 4))
        || (d == 13 && (s[i..].starts_with(b"978") || s[i..].starts_with(b"979")));
    // A grouped amount (`1 234 567`, `12.345.678`) or a dotted quad.
    let amount = first != b'0' && lens[0] <= 3 && lens[1..].iter().all(|&l| l == 3);
    let quad = g.sep == Some(b'.') && lens.len() == 4 && lens.iter().all(|&l| l <= 3);
    if other || amount || quad {
        return named(s, floor, i);
    }
    let nanp = !g.mixed
        && ((lens == [3, 3, 4] && first >= b'2') || (lens == [1, 3, 3, 4] && first == b'1'));
    // The trunk prefix `0`, or `8` as Russia and its neighbours write it (`8 912 345 67 89`).
    let trunk = (first == b'0'
        && matches!(second, b'1'..=b'9')
        && ((8..=13).contains(&d) || (d == 7 && lens.len() >= 3)))
        || (first == b'8' && lens == [1, 3, 3, 2, 2]);
    let grouped = !g.mixed
        && lens.len() >= 3
        && lens[0] <= 3
        && (8..=12).contains(&d)
        && lens.iter().all(|l| (2..=4).contains(l));
    nanp || trunk || grouped || named(s, floor, i)
}

/// Whether a `/` may separate the groups of a number starting at `i` (`030/1234567`): not when
/// the number itself follows a `/`, as a path segment does (`/items/0645/905-52-2194` is two
/// segments, not one number).
fn slash_joins(s: &[u8], i: usize) -> bool {
    i == 0 || s[i - 1] != b'/'
}

/// Whether digits at `i` continue a token before them: they follow a separator, and the token
/// before it holds a digit (the middle of a card or an IBAN that was not a finding, the tail
/// of `2A 015 868 93`). A finding before `floor` is a mask by the next scan, not a token.
fn within_identifier(s: &[u8], floor: usize, i: usize) -> bool {
    if i < 2 || !matches!(s[i - 1], b' ' | b'-' | b'.') {
        return false;
    }
    s[floor.min(i - 1)..i - 1]
        .iter()
        .rev()
        .take(8)
        .take_while(|b| b.is_ascii_alphanumeric())
        .any(u8::is_ascii_digit)
}

/// `(`, an area code of 1–6 digits (possibly with its trunk prefix and a space or dash inside:
/// `(0-312)`, `(06 1)`), `)`, a space or dash or nothing, then digit groups: `(201) 555-0123`,
/// `(0228) 123456`, `(11) 98765-4321`, `(2) 2123 4567`.
#[inline(never)]
fn parenthesized(s: &[u8], i: usize) -> Option<Hit> {
    let mut k = i + 1;
    let mut area = 0;
    let mut inner_sep = false;
    while let Some(&b) = s.get(k) {
        if b.is_ascii_digit() {
            area += 1;
        } else if matches!(b, b' ' | b'-') && area > 0 && !inner_sep {
            inner_sep = true;
        } else {
            break;
        }
        k += 1;
    }
    if !(1..=6).contains(&area) || s.get(k) != Some(&b')') || !s[k - 1].is_ascii_digit() {
        return None;
    }
    let mut j = k + 1;
    if matches!(s.get(j), Some(b' ' | b'-')) {
        j += 1;
    }
    if !s.get(j).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let g = Groups::read(s, j)?;
    let end = phone_end(s, g.end)?;
    let d = area + g.digits;
    let last = g.lens().last().copied().unwrap_or(0);
    ((8..=13).contains(&d) && last >= 2).then_some((i..end, PHONE))
}

/// Where a phone number whose digits end at `j` ends as a finding: with its extension if one
/// follows (`x459`, `#12`, ` ext. 12`, `, extension 12`), so the number is not left in
/// clear; at `j` if the token ends there, or before a glued word (`…1693-Office`). `None` if
/// more digits or an identifier follow.
pub(crate) fn phone_end(s: &[u8], j: usize) -> Option<usize> {
    if let Some(end) = extension(s, j) {
        return Some(end);
    }
    if matches!(s.get(j), Some(b'x' | b'X' | b'#')) && s.get(j + 1).is_some_and(u8::is_ascii_digit)
    {
        // Too long for an extension: part of some identifier.
        return None;
    }
    if ends_token(s, j) {
        return Some(j);
    }
    match s.get(j) {
        Some(b'-') if s.get(j + 1).is_some_and(u8::is_ascii_alphabetic) => {
            let word = s[j + 1..]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            (word >= 2 && ends_token(s, j + 1 + word)).then_some(j)
        }
        _ => None,
    }
}

/// An extension after a number ending at `j`: its end, if there is one of 1–6 digits.
fn extension(s: &[u8], j: usize) -> Option<usize> {
    // Most numbers end the text or are followed by something else: one test for them.
    let next = |k: usize| s.get(k).map_or(0, u8::to_ascii_lowercase);
    let lead = match next(j) {
        b' ' => next(j + 1),
        b',' => next(j + 2),
        b => b,
    };
    if !matches!(lead, b'e' | b'x' | b'#') {
        return None;
    }
    let mut k = j;
    // Glued (`x459`, `#12`), or after a space or `, ` (` ext. 12`, `, x 12`).
    let spaced = match s.get(k..k + 2) {
        Some(b", ") => 2,
        Some([b' ', _]) => 1,
        _ => 0,
    };
    k += spaced;
    let rest = &s[k.min(s.len())..];
    let word = [&b"extension"[..], b"ext", b"x", b"#"]
        .into_iter()
        .find(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w))?;
    if spaced == 0 && word.len() > 1 {
        return None;
    }
    k += word.len();
    if word.len() > 1 && s.get(k) == Some(&b'.') {
        k += 1;
    }
    if spaced > 0 && s.get(k) == Some(&b' ') {
        k += 1;
    }
    let digits = s[k.min(s.len())..]
        .iter()
        .take(7)
        .take_while(|b| b.is_ascii_digit())
        .count();
    ((1..=6).contains(&digits) && ends_token(s, k + digits)).then_some(k + digits)
}

#[cfg(test)]
mod tests;
