//! The free-text scrubber: finds personal data (and credentials) in text the application did
//! not classify — log lines, request bodies, error messages — and replaces each finding with a
//! class-tagged mask, `[REDACTED:email]`.
//!
//! Built-in detectors, each validated so that random digit runs do not match: email; phone
//! (international, North American and other national formats, with extensions); payment card
//! (12–19 digits, grouped by spaces or dashes, Luhn); IBAN (country lengths, mod-97); IPv4 and
//! IPv6; national identifiers, each by its own check (US SSN and ITIN, Spanish DNI/NIE,
//! Italian codice fiscale, UK NINO, Indian PAN and Aadhaar, Canadian SIN, Brazilian CPF, French
//! NIR, German tax id); MAC addresses; JWT; bearer tokens. Formats that are ambiguous alone
//! (bare digits) are findings where a word naming them comes shortly before. Add your own
//! with [`Scrubber::with_detector`]. Keep what is not personal readable with
//! [`Scrubber::allow`] (one class's exact values) and [`Scrubber::allow_network`]; a host's own
//! addresses are readable by default.
//!
//! The scanner is one pass over the bytes without regexes: it jumps between the few bytes that
//! can start a finding (`@`, digits, `+`, `(`, `:`, letters) and runs only the detectors that
//! byte can start. A line holding percent or `\u00XX` escapes is also decoded and scanned
//! again, and what is found there replaces the encoded bytes it came from.
//!
//! ```
//! use piiguard::scrub::Scrubber;
//! use std::borrow::Cow;
//!
//! let scrubber = Scrubber::new();
//! let line = "payment failed for jane.doe@example.com card 4111 1111 1111 1111 from 192.0.2.7";
//! assert_eq!(
//!     scrubber.scrub(line),
//!     "payment failed for [REDACTED:email] card [REDACTED:card_number] from [REDACTED:ip_address]"
//! );
//! // Nothing found: the input comes back borrowed, without a copy.
//! assert!(matches!(scrubber.scrub("order 12345 shipped in 2.5 days"), Cow::Borrowed(_)));
//! ```

mod allow;
mod context;
mod detect;
mod escapes;
mod europe;
mod ip;
mod national;
mod phone;
mod writer;

#[cfg(feature = "tracing")]
pub use writer::Scrubbed;
pub use writer::ScrubbingWriter;

use allow::AllowList;
use detect::Hit;
use std::borrow::Cow;
use std::io::{self, BufRead, Write};
use std::ops::Range;

/// One finding: where it is and its class tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The byte range in the scanned text.
    pub range: Range<usize>,
    /// The class tag used in the mask (`email`, `card_number`, `jwt`…).
    pub class: &'static str,
}

/// A user-defined detector: finds its own kind of data in a text.
///
/// ```
/// use piiguard::scrub::{Detector, Scrubber};
/// use std::ops::Range;
///
/// /// Employee numbers like `EMP-123456`.
/// struct EmployeeId;
/// impl Detector for EmployeeId {
///     fn class(&self) -> &'static str { "employee_id" }
///     fn find(&self, text: &str, out: &mut Vec<Range<usize>>) {
///         for (i, _) in text.match_indices("EMP-") {
///             let digits = text[i + 4..].bytes().take_while(u8::is_ascii_digit).count();
///             if digits == 6 { out.push(i..i + 10); }
///         }
///     }
/// }
///
/// let scrubber = Scrubber::new().with_detector(EmployeeId);
/// assert_eq!(scrubber.scrub("badge EMP-123456 used"), "badge [REDACTED:employee_id] used");
/// ```
pub trait Detector: Send + Sync {
    /// The class tag of its mask.
    fn class(&self) -> &'static str;

    /// Pushes the byte range of every finding in `text` (ranges on character boundaries).
    fn find(&self, text: &str, out: &mut Vec<Range<usize>>);
}

/// Finds and masks personal data in free text. Cheap to share between threads.
#[derive(Default)]
pub struct Scrubber {
    custom: Vec<Box<dyn Detector>>,
    allow: AllowList,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let custom: Vec<&str> = self.custom.iter().map(|d| d.class()).collect();
        // The allow-list's values are left out: they may be personal data themselves.
        f.debug_struct("Scrubber")
            .field("custom", &custom)
            .finish_non_exhaustive()
    }
}

/// What a byte can start.
const NONE: u8 = 0;
const AT: u8 = 1;
const DIGIT: u8 = 2;
const PLUS_PAREN: u8 = 3;
const COLON: u8 = 4;
const UPPER: u8 = 5;
/// `%`: a percent-encoded `@` (`%40`) in a URL or query string.
const PERCENT: u8 = 6;
/// `\`: a JSON or Unicode-escaped `@` (`\u0040`).
const BACKSLASH: u8 = 7;
/// A lower-case letter: only a lower-case IBAN (`de89 3704 …`) starts with one.
const LOWER: u8 = 8;

const TRIGGERS: [u8; 256] = {
    let mut t = [NONE; 256];
    t[b'@' as usize] = AT;
    t[b'+' as usize] = PLUS_PAREN;
    t[b'(' as usize] = PLUS_PAREN;
    t[b':' as usize] = COLON;
    t[b'%' as usize] = PERCENT;
    t[b'\\' as usize] = BACKSLASH;
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = DIGIT;
        c += 1;
    }
    let mut c = b'A';
    while c <= b'Z' {
        t[c as usize] = UPPER;
        c += 1;
    }
    let mut c = b'a';
    while c <= b'z' {
        t[c as usize] = LOWER;
        c += 1;
    }
    t
};

fn skip_alnum(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_alphanumeric() {
        i += 1;
    }
    i
}

/// Whether the digits at `i` are a short number that no detector can start: at most six
/// digits, followed by neither a letter that could be hex (a MAC address), nor a separator
/// leading to more digits (`555-0100`, `10.0.0.1`, `00:1a:…`) or an area code (`8 (912)…`). Most numbers in logs — counts,
/// statuses, durations — are these, and are skipped with one look.
fn lone_short_number(s: &[u8], i: usize) -> bool {
    let run = s[i..]
        .iter()
        .take(7)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if run > 6 {
        return false;
    }
    match s.get(i + run) {
        Some(b'a'..=b'f' | b'A'..=b'F') => false,
        // A MAC address's pairs: `00:1a:2b…`. Other digits before a colon are a time.
        Some(b':') => run != 2 || s.get(i + 5) != Some(&b':'),
        Some(b' ' | b'-' | b'.' | b'/') => !s
            .get(i + run + 1)
            .is_some_and(|&b| b.is_ascii_hexdigit() || b == b'('),
        _ => true,
    }
}

/// The built-in detectors over `s`, in order, without overlaps; returns whether `s` holds a
/// percent or `\u00XX` escape (then the caller scans the decoded text too).
fn scan(s: &[u8], out: &mut Vec<Hit>) -> bool {
    let mut i = 0;
    let mut last_end = 0;
    let mut escaped = false;
    let n = s.len();
    while i < n {
        let kind = TRIGGERS[usize::from(s[i])];
        if kind == NONE {
            i += 1;
            continue;
        }
        // Right after a finding the text is free: its mask ends in `]`.
        let free = i == last_end || !s[i - 1].is_ascii_alphanumeric();
        // Lower-case words are most of the text: only `xx00` at a word's start (a lower-case
        // IBAN) is looked at; the rest of the run is skipped at once.
        // A lower-case MAC address (`ab:cd:…`, `ab-cd-…`, `abcd.ef01.…`) is the other.
        if kind == LOWER
            && !(free
                && (s.get(i + 1).is_some_and(u8::is_ascii_lowercase)
                    && s.get(i + 2).is_some_and(u8::is_ascii_digit)
                    || national::mac_start(s, i)))
        {
            i += 1;
            while i < n && s[i].is_ascii_lowercase() {
                i += 1;
            }
            continue;
        }
        if matches!(kind, PERCENT | BACKSLASH) {
            escaped |= escapes::is_escape(s, i);
        }
        let hit = match kind {
            AT => detect::email(s, i, last_end),
            PERCENT if s.get(i + 1..i + 3) == Some(b"40") => {
                detect::email_at(s, i, i + 3, last_end)
            }
            BACKSLASH if s.get(i + 1..i + 6) == Some(b"u0040") => {
                detect::email_at(s, i, i + 6, last_end)
            }
            DIGIT if detect::starts_token(s, i, last_end) && !lone_short_number(s, i) => {
                detect::ssn(s, i)
                    .or_else(|| national::from_digit(s, i))
                    .or_else(|| ip::ipv4(s, i))
                    .or_else(|| detect::card(s, i))
                    .or_else(|| phone::phone(s, i, last_end))
            }
            PLUS_PAREN if free => phone::phone(s, i, last_end),
            COLON => match s.get(i + 1..i + 9) {
                Some(w) if w.eq_ignore_ascii_case(b" bearer ") => {
                    detect::bearer(s, i + 2, last_end)
                }
                _ => ip::ipv6(s, i, last_end),
            },
            // A bearer token, a national identifier, a MAC address or an IBAN; a near-miss IBAN
            // is skipped whole so its digits are not read as a card.
            UPPER | LOWER if free => {
                let bearer = (s[i] == b'B')
                    .then(|| detect::bearer(s, i, last_end))
                    .flatten();
                match bearer.or_else(|| national::from_letter(s, i)) {
                    Some(hit) => Some(hit),
                    None => match detect::iban_shaped(s, i) {
                        Some((span, true)) => Some((span, detect::IBAN)),
                        Some((span, false)) => {
                            i = span.end;
                            continue;
                        }
                        None => None,
                    },
                }
            }
            UPPER if s[i] == b'J' && i >= 2 && &s[i - 2..i] == b"ey" => {
                let start = i - 2;
                if start >= last_end && detect::starts_token(s, start, last_end) {
                    detect::jwt(s, start)
                } else {
                    None
                }
            }
            _ => None,
        };
        match hit {
            Some((range, class)) if range.start >= last_end => {
                i = range.end;
                last_end = range.end;
                out.push((range, class));
            }
            _ if matches!(kind, DIGIT | UPPER) => i = skip_alnum(s, i + 1),
            _ => i += 1,
        }
    }
    escaped
}

/// Scans of one text at most (each pass after the first only finds what a mask freed).
const MAX_PASSES: usize = 8;

/// The mask of a finding.
fn mask(class: &str, out: &mut String) {
    out.push_str("[REDACTED:");
    out.push_str(class);
    out.push(']');
}

impl Scrubber {
    /// A scrubber with every built-in detector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user-defined detector (run after the built-in ones; overlapping findings keep the
    /// one that starts first).
    pub fn with_detector(mut self, detector: impl Detector + 'static) -> Self {
        self.custom.push(Box::new(detector));
        self
    }

    /// Leaves `value` readable where the detector of `class` (a built-in class tag such as
    /// `email` or `phone`, or a custom detector's, added before) finds exactly it, and nowhere
    /// else: a finding of another class with the same text is masked. Emails compare without
    /// regard to ASCII case; phone, card, IBAN and national-id values by their letters and
    /// digits (`+1 555 0100` is `+1-555-0100`).
    ///
    /// ```
    /// use piiguard::scrub::Scrubber;
    ///
    /// let scrubber = Scrubber::new().allow("email", "support@example.com")?;
    /// assert_eq!(
    ///     scrubber.scrub("from Support@example.com to jane@example.com"),
    ///     "from Support@example.com to [REDACTED:email]"
    /// );
    /// assert!(Scrubber::new().allow("e-mail", "support@example.com").is_err());
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`](crate::Error::InvalidValue) if no detector has `class`.
    pub fn allow(mut self, class: &str, value: &str) -> Result<Self, crate::Error> {
        let custom: Vec<&'static str> = self.custom.iter().map(|d| d.class()).collect();
        self.allow.value(class, value, |c| custom.contains(&c))?;
        Ok(self)
    }

    /// Leaves IP addresses in `network` readable (`10.0.0.0/8`, `2001:db8::/32`, or one
    /// address): a service's own hosts, say. A CIDR range written in the text stays readable
    /// when its first address is in `network`. Loopback and unspecified addresses are allowed
    /// from the start; see [`mask_host_addresses`](Self::mask_host_addresses).
    ///
    /// ```
    /// use piiguard::scrub::Scrubber;
    ///
    /// let scrubber = Scrubber::new().allow_network("10.0.0.0/8")?;
    /// assert_eq!(
    ///     scrubber.scrub("proxy 10.1.2.3 for client 203.0.113.9, on 127.0.0.1"),
    ///     "proxy 10.1.2.3 for client [REDACTED:ip_address], on 127.0.0.1"
    /// );
    /// # Ok::<(), piiguard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`](crate::Error::InvalidValue) if `network` is not one.
    pub fn allow_network(mut self, network: &str) -> Result<Self, crate::Error> {
        self.allow.network(network)?;
        Ok(self)
    }

    /// Masks a host's own addresses too (loopback `127.0.0.0/8` and `::1`, unspecified
    /// `0.0.0.0` and `::`), which stay readable by default.
    ///
    /// ```
    /// use piiguard::scrub::Scrubber;
    ///
    /// let line = "listening on 127.0.0.1:8080";
    /// assert_eq!(Scrubber::new().scrub(line), line);
    /// assert_eq!(
    ///     Scrubber::new().mask_host_addresses().scrub(line),
    ///     "listening on [REDACTED:ip_address]:8080"
    /// );
    /// ```
    pub fn mask_host_addresses(mut self) -> Self {
        self.allow.without_host();
        self
    }

    /// Every finding in `text`, in order, without overlaps.
    pub fn find(&self, text: &str) -> Vec<Finding> {
        let mut hits = Vec::new();
        let escaped = scan(text.as_bytes(), &mut hits);
        hits.retain(|(range, class)| !self.allow.allows(class, &text[range.clone()]));
        if escaped && let Some(decoded) = escapes::decode(text) {
            self.add_decoded(&decoded, &mut hits);
        }
        if !self.custom.is_empty() {
            let mut ranges = Vec::new();
            for detector in &self.custom {
                ranges.clear();
                detector.find(text, &mut ranges);
                hits.extend(
                    ranges
                        .iter()
                        .filter(|r| {
                            r.start < r.end
                                && r.end <= text.len()
                                && text.is_char_boundary(r.start)
                                && text.is_char_boundary(r.end)
                                && !self.allow.allows(detector.class(), &text[r.start..r.end])
                        })
                        .map(|r| (r.clone(), detector.class())),
                );
            }
            hits.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
            let mut end = 0;
            hits.retain(|(r, _)| {
                let keep = r.start >= end;
                if keep {
                    end = r.end;
                }
                keep
            });
        }
        hits.into_iter()
            .map(|(range, class)| Finding { range, class })
            .collect()
    }

    /// Adds what the detectors find in the decoded text and the plain scan could not see whole
    /// (a value with an escape in it), mapped back to the encoded bytes. A plain finding that
    /// lies inside a decoded one (a token's start, cut at its first escape) gives way to it;
    /// `hits` stays in order, without overlaps.
    fn add_decoded(&self, decoded: &escapes::Decoded, hits: &mut Vec<detect::Hit>) {
        let mut more = Vec::new();
        scan(decoded.text.as_bytes(), &mut more);
        let mut changed = false;
        for (range, class) in more {
            if !decoded.has_escape(&range) || self.allow.allows(class, &decoded.text[range.clone()])
            {
                continue;
            }
            let span = decoded.original(&range);
            let overlaps = |r: &std::ops::Range<usize>| r.start < span.end && span.start < r.end;
            let inside = |r: &std::ops::Range<usize>| span.start <= r.start && r.end <= span.end;
            if hits.iter().all(|(r, _)| !overlaps(r) || inside(r)) {
                hits.retain(|(r, _)| !overlaps(r));
                hits.push((span, class));
                changed = true;
            }
        }
        if changed {
            hits.sort_by_key(|(r, _)| r.start);
        }
    }

    /// `text` with every finding replaced by its mask; borrowed when nothing was found.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.scrub_counted(text).0
    }

    /// Masks every finding; then scans the result again, because a mask's brackets can free
    /// a neighbour that was glued to the finding (`2001:db8::1jane@example.com`), until a scan
    /// finds nothing — so scrubbing its own output changes nothing.
    fn scrub_counted<'a>(&self, text: &'a str) -> (Cow<'a, str>, usize) {
        let mut current = Cow::Borrowed(text);
        let mut total = 0;
        for _ in 0..MAX_PASSES {
            let findings = self.find(&current);
            if findings.is_empty() {
                break;
            }
            total += findings.len();
            let mut out = String::with_capacity(current.len() + 16 * findings.len());
            let mut at = 0;
            for f in &findings {
                out.push_str(&current[at..f.range.start]);
                mask(f.class, &mut out);
                at = f.range.end;
            }
            out.push_str(&current[at..]);
            current = Cow::Owned(out);
        }
        (current, total)
    }

    /// Scrubs a stream line by line (log files): reads `input` to the end, writes the scrubbed
    /// lines to `output`, and returns how many findings were masked. Lines that are not UTF-8
    /// are scrubbed as lossy text.
    ///
    /// # Errors
    /// The reader's or writer's I/O error.
    pub fn scrub_stream(&self, mut input: impl BufRead, mut output: impl Write) -> io::Result<u64> {
        let mut line = Vec::new();
        let mut found = 0u64;
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&line);
            let (scrubbed, findings) = self.scrub_counted(&text);
            found += findings as u64;
            output.write_all(scrubbed.as_bytes())?;
        }
        output.flush()?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests;
