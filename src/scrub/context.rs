//! Context words: whether the text just before a candidate names what it is. Formats that are
//! ambiguous alone — nine or eleven bare digits, a seven-digit local phone number, a French
//! social security number without its spaces, a German tax id — are findings only where a word
//! such as `SSN`, `phone` or `Steuer-ID` comes shortly before them.

/// Words that say a number is a phone number: they make a digit string one where its shape
/// alone would not, and they outweigh a national identifier's shape (`Tel. 372 12 3456`).
const PHONE_WORDS: &[&[u8]] = &[
    b"phone",
    b"tel",
    b"call",
    b"mobile",
    b"mob",
    b"cell",
    b"fax",
    b"dial",
    b"sms",
    b"whatsapp",
    b"hotline",
    b"handy",
    b"telefon",
    b"t\xc3\xa9l\xc3\xa9phone",
    b"tel\xc3\xa9fono",
    b"portable",
];

/// Whether a word saying that a phone number follows (`Tel.`, `phone`, `call`…) comes within 32
/// bytes before `i` and after `floor`.
pub(crate) fn calls_phone(s: &[u8], floor: usize, i: usize) -> bool {
    names(s, floor, i, 32, PHONE_WORDS)
}

/// Whether one of `words` (lower-case ASCII first letters, compared in any letter case) starts within the `window`
/// bytes before `i` and after `floor`, at a word's start (`tel` is found in `Tel:` and
/// `telephone`, not in `hotel`). `floor` is where the previous finding ended: a word before
/// it named that finding, not this one.
pub(crate) fn names(s: &[u8], floor: usize, i: usize, window: usize, words: &[&[u8]]) -> bool {
    let mut from = i.saturating_sub(window).max(floor.min(i));
    // A mask written by an earlier pass ends the window as a finding of this pass does:
    // scrubbing twice must find nothing more than once.
    if let Some(end) = last_mask_end(s, from, i) {
        from = from.max(end);
    }
    // One pass over the window: only at a word's first letter are the words compared.
    (from..i).any(|k| {
        let first = s[k].to_ascii_lowercase();
        first.is_ascii_lowercase()
            && word_start(s, k)
            && words.iter().any(|word| {
                word[0] == first
                    && k + word.len() <= i
                    && s[k..k + word.len()].eq_ignore_ascii_case(word)
            })
    })
}

/// Where the last mask, `[REDACTED:<class tag>]`, that closes between `from` and `i` ends
/// (the mask may begin before `from`).
fn last_mask_end(s: &[u8], from: usize, i: usize) -> Option<usize> {
    const OPEN: &[u8] = b"[REDACTED:";
    let lookback = from.saturating_sub(OPEN.len() + 64);
    let area = &s[lookback..i];
    let open = area.windows(OPEN.len()).rposition(|w| w == OPEN)?;
    let close = area[open..].iter().position(|&b| b == b']')?;
    let end = lookback + open + close + 1;
    (end > from).then_some(end)
}

/// Whether a word starts at `k`: the byte before it is not an ASCII letter.
fn word_start(s: &[u8], k: usize) -> bool {
    k == 0 || !s[k - 1].is_ascii_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_at_a_word_start_in_any_case() {
        let words: &[&[u8]] = &[b"tel", b"phone"];
        let at_end = |text: &str| names(text.as_bytes(), 0, text.len(), 24, words);
        assert!(at_end("Tel: "));
        assert!(at_end("telephone "));
        assert!(at_end("(PHONE) "));
        assert!(!at_end("hotel "));
        assert!(!at_end("iphones "));
        // Only the window before the candidate is read, and not before the previous finding.
        let far = b"phone ............................ 1";
        assert!(!names(far, 0, 36, 24, words));
        let after = b"phone [REDACTED:phone] and 1";
        assert!(!names(after, 0, 27, 30, words));
        assert!(names(b"phone and 1", 0, 10, 30, words));
        assert!(!names(after, 22, 27, 30, words));
        // Nor a mask's class tag, nor a word before a mask an earlier pass wrote.
        assert!(!names(b"[REDACTED:phone] 1", 0, 17, 24, words));
        assert!(!names(b"call [REDACTED:phone] 1", 0, 22, 30, words));
        // Even when the window starts inside the mask (a fuzzer's find).
        assert!(!names(
            b"[REDACTED:phone]$0F 305593359$0059353359$0",
            0,
            41,
            32,
            words
        ));
    }
}
