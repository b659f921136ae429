//! A small total reader over untrusted bytes: every read is bounds-checked and fails with a
//! fixed reason instead of panicking. Shared by the envelope and key-file parsers.

/// Reads fields from the front of a byte slice.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    // Read by the key file only.
    #[cfg_attr(not(feature = "local-key-file"), allow(dead_code))]
    pub(crate) fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    // Read by the key file only.
    #[cfg_attr(not(feature = "local-key-file"), allow(dead_code))]
    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// A name of 1..=`max` bytes, each `[a-z0-9_-]`, prefixed by its length as one byte.
    pub(crate) fn name(&mut self, max: usize) -> Option<&'a str> {
        let len = usize::from(self.u8()?);
        let bytes = self.take(len)?;
        is_name(bytes, max).then(|| std::str::from_utf8(bytes).ok())?
    }

    #[cfg_attr(not(feature = "local-key-file"), allow(dead_code))]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let out = &self.bytes[self.pos..];
        self.pos = self.bytes.len();
        out
    }
}

/// Whether `bytes` is a valid key id or region name: 1..=`max` bytes of `[a-z0-9_-]`.
pub(crate) fn is_name(bytes: &[u8], max: usize) -> bool {
    (1..=max).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
}

/// Appends a length-prefixed name (the caller has checked it with [`is_name`]).
#[cfg_attr(not(feature = "local-key-file"), allow(dead_code))]
pub(crate) fn put_name(out: &mut Vec<u8>, name: &str) {
    out.push(name.len() as u8);
    out.extend_from_slice(name.as_bytes());
}

/// Appends a part of associated data or derivation info, prefixed by its 4-byte length, so
/// that part boundaries are unambiguous.
pub(crate) fn put_part(out: &mut Vec<u8>, part: &[u8]) {
    out.extend_from_slice(&(part.len() as u32).to_be_bytes());
    out.extend_from_slice(part);
}

/// Appends `bytes` in unpadded base64url, encoded straight into `out` through a stack
/// buffer (no intermediate `String`, no chunked writer).
pub(crate) fn push_base64url(out: &mut String, bytes: &[u8]) {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    // 384 input bytes are exactly 512 output characters, so only the last chunk is partial.
    const CHUNK: usize = 384;
    let mut buf = [0u8; CHUNK / 3 * 4];
    out.reserve((bytes.len() * 4).div_ceil(3));
    for chunk in bytes.chunks(CHUNK) {
        let written = URL_SAFE_NO_PAD
            .encode_slice(chunk, &mut buf)
            .unwrap_or_default();
        // The alphabet is ASCII, so this never fails.
        if let Ok(text) = std::str::from_utf8(&buf[..written]) {
            out.push_str(text);
        }
    }
}

/// Lower-case hexadecimal of 32 bytes (MACs in the audit trail).
pub(crate) fn hex32(bytes: &[u8; 32]) -> String {
    hex(bytes)
}

/// Lower-case hexadecimal of any bytes (a checkpoint's signature, a writer's id).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    out
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Bytes from exactly `N * 2` lower-case hexadecimal digits; `None` for anything else.
pub(crate) fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.as_bytes();
    if text.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *byte = hex_digit(pair[0])? << 4 | hex_digit(pair[1])?;
    }
    Some(out)
}

/// 32 bytes from exactly 64 lower-case hexadecimal digits; `None` for anything else (upper
/// case included: the writer only ever writes lower case).
pub(crate) fn unhex32(text: &str) -> Option<[u8; 32]> {
    unhex::<32>(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_never_run_past_the_end() {
        let mut r = Reader::new(&[3, b'a', b'b']);
        assert_eq!(r.name(8), None);
        let mut r = Reader::new(&[0, 0, 0]);
        assert_eq!(r.u32(), None);
        assert_eq!(r.take(usize::MAX), None);
        assert_eq!(r.u16(), Some(0));
        assert_eq!(r.remaining(), 1);
    }

    #[test]
    fn hex_round_trips_in_lower_case_only() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37));
        let text = hex32(&bytes);
        assert_eq!(&text[..6], "00254a");
        assert_eq!(unhex32(&text), Some(bytes));
        assert_eq!(unhex32(&text.to_uppercase()), None);
        assert_eq!(unhex32(&text[..62]), None);
        assert_eq!(unhex32(&format!("{}zz", &text[..62])), None);
    }

    #[test]
    fn base64url_matches_the_crate_at_every_length() {
        use base64::Engine as _;
        let bytes: Vec<u8> = (0..1200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in [0, 1, 2, 3, 383, 384, 385, 767, 768, 1200] {
            let mut out = String::from("pg1.");
            push_base64url(&mut out, &bytes[..len]);
            let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..len]);
            assert_eq!(out, format!("pg1.{expected}"), "length {len}");
        }
    }

    #[test]
    fn names_are_restricted() {
        assert!(is_name(b"eu-west_1", 32));
        assert!(!is_name(b"", 32));
        assert!(!is_name(b"EU", 32));
        assert!(!is_name(b"a.b", 32));
        assert!(!is_name(&[b'a'; 33], 32));
    }
}
