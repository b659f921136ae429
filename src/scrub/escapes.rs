//! Personal data written encoded: percent-encoded bytes in URLs and query strings
//! (`?phone=%2B1%20555%200100`) and JSON's `\u00XX` escapes. The text is decoded (ASCII only:
//! an escape of anything else is left as it is), the detectors run on the decoded text, and
//! each finding is mapped back to the encoded bytes it came from, so the mask replaces the
//! encoded value and the encoding around it stays (`?phone=[REDACTED:phone]&lang=en`).

use std::ops::Range;

/// A decoded text and, for each of its bytes, the range of the original bytes it came from.
pub(crate) struct Decoded {
    pub(crate) text: String,
    from: Vec<Range<usize>>,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The ASCII byte an escape at `i` stands for, and the escape's length.
fn escape_at(s: &[u8], i: usize) -> Option<(u8, usize)> {
    match s[i] {
        b'%' => {
            let value = hex(*s.get(i + 1)?)? << 4 | hex(*s.get(i + 2)?)?;
            value.is_ascii().then_some((value, 3))
        }
        b'\\' if s.get(i + 1..i + 4) == Some(b"u00") => {
            let value = hex(*s.get(i + 4)?)? << 4 | hex(*s.get(i + 5)?)?;
            value.is_ascii().then_some((value, 6))
        }
        _ => None,
    }
}

/// Whether an escape of an ASCII byte starts at `i` (the scanner asks at every `%` and `\`).
pub(crate) fn is_escape(s: &[u8], i: usize) -> bool {
    escape_at(s, i).is_some()
}

/// The decoded text, or `None` when `text` holds no escape.
pub(crate) fn decode(text: &str) -> Option<Decoded> {
    let s = text.as_bytes();
    let first = (0..s.len()).find(|&i| escape_at(s, i).is_some())?;
    let mut out = Vec::with_capacity(s.len());
    let mut from = Vec::with_capacity(s.len());
    for (k, &b) in s[..first].iter().enumerate() {
        out.push(b);
        from.push(k..k + 1);
    }
    let mut i = first;
    while i < s.len() {
        if let Some((value, len)) = escape_at(s, i) {
            out.push(value);
            from.push(i..i + len);
            i += len;
        } else {
            out.push(s[i]);
            from.push(i..i + 1);
            i += 1;
        }
    }
    // Only ASCII escapes were replaced by ASCII bytes: the text is still UTF-8.
    let text = String::from_utf8(out).ok()?;
    Some(Decoded { text, from })
}

impl Decoded {
    /// The original bytes a range of the decoded text came from.
    pub(crate) fn original(&self, range: &Range<usize>) -> Range<usize> {
        self.from[range.start].start..self.from[range.end - 1].end
    }

    /// Whether a range of the decoded text holds a decoded escape (else the plain scan saw
    /// it as it is).
    pub(crate) fn has_escape(&self, range: &Range<usize>) -> bool {
        self.from[range.clone()].iter().any(|r| r.len() > 1)
    }
}

#[cfg(test)]
mod tests {
    use crate::scrub::Scrubber;

    #[test]
    fn encoded_values_are_masked_in_place() {
        let scrubber = Scrubber::new();
        for (text, want) in [
            (
                "GET /call?phone=%2B1%20555%20010%200199&lang=en",
                "GET /call?phone=[REDACTED:phone]&lang=en",
            ),
            (
                "GET /pay?iban=DE89%203704%200044%200532%200130%2000 HTTP/1.1",
                "GET /pay?iban=[REDACTED:iban] HTTP/1.1",
            ),
            (
                r#"{"card":"4111\u00201111\u00201111\u00201111"}"#,
                r#"{"card":"[REDACTED:card_number]"}"#,
            ),
            (
                "GET /c?email=jane%40example.com&ip=198.51.100.7",
                "GET /c?email=[REDACTED:email]&ip=[REDACTED:ip_address]",
            ),
            (
                "GET /c?ssn=123%2D45%2D6789",
                "GET /c?ssn=[REDACTED:national_id]",
            ),
        ] {
            assert_eq!(scrubber.scrub(text), want, "{text}");
            assert_eq!(scrubber.scrub(want), want, "idempotent");
        }
    }

    #[test]
    fn escapes_of_other_things_are_left_alone() {
        let scrubber = Scrubber::new();
        for text in [
            "GET /search?q=caf%C3%A9&page=%32",
            "progress 100% done, 50%-ish",
            r#"{"path":"C:\\Users\\x","emoji":"\ud83d\ude00"}"#,
            "GET /a?v=1%202%203",
        ] {
            assert_eq!(scrubber.scrub(text), text, "{text}");
        }
    }
}
