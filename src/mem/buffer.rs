//! [`SecretBuf`]: a growable text buffer that never leaves a stale copy behind.

use std::fmt;
use zeroize::Zeroize;

/// A growable UTF-8 buffer for derived cleartext (normalized values, masks in progress).
///
/// When it must grow it moves its contents into a larger allocation and zeroizes the old one
/// itself, so `String`'s reallocation never leaves a stale copy on the heap; on drop it is
/// zeroized. It has no `Debug` output beyond its length and no `Display`.
///
/// ```
/// use piiguard::SecretBuf;
/// let mut buf = SecretBuf::with_capacity(4);
/// buf.push_str("+1555");
/// buf.push_str("0100");
/// assert_eq!(buf.as_str(), "+15550100");
/// assert_eq!(format!("{buf:?}"), "SecretBuf { len: 9, .. }");
/// ```
#[derive(Default)]
pub struct SecretBuf {
    text: String,
}

impl SecretBuf {
    /// An empty buffer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            text: String::with_capacity(capacity),
        }
    }

    /// Appends text, growing without leaving a copy behind.
    pub fn push_str(&mut self, s: &str) {
        self.reserve(s.len());
        self.text.push_str(s);
    }

    /// Appends one character.
    pub fn push(&mut self, c: char) {
        self.reserve(c.len_utf8());
        self.text.push(c);
    }

    /// Appends `s` lower-cased, when it is ASCII (no per-character case tables).
    pub(crate) fn push_ascii_lowercase(&mut self, s: &str) {
        debug_assert!(s.is_ascii());
        let start = self.text.len();
        self.push_str(s);
        self.text.as_mut_str()[start..].make_ascii_lowercase();
    }

    /// Appends `c` `count` times.
    pub fn push_repeated(&mut self, c: char, count: usize) {
        self.reserve(c.len_utf8() * count);
        for _ in 0..count {
            self.text.push(c);
        }
    }

    fn reserve(&mut self, additional: usize) {
        let needed = self.text.len() + additional;
        if needed > self.text.capacity() {
            let mut grown = String::with_capacity(needed.max(self.text.capacity() * 2));
            grown.push_str(&self.text);
            let mut old = std::mem::replace(&mut self.text, grown);
            old.zeroize();
        }
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Empties the buffer (zeroizing what it held), keeping the allocation.
    pub fn clear(&mut self) {
        self.text.zeroize();
    }
}

impl fmt::Write for SecretBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

impl fmt::Debug for SecretBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBuf")
            .field("len", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl Drop for SecretBuf {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// A growable byte buffer with the same guarantee as [`SecretBuf`]: growing moves the bytes
/// into a larger allocation and wipes the old one, and dropping wipes the buffer. It is an
/// `io::Write`, so serializers can write cleartext into it (`serde_json::to_writer`).
#[derive(Default)]
pub(crate) struct SecretBytes {
    bytes: Vec<u8>,
}

impl SecretBytes {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(capacity),
        }
    }

    pub(crate) fn extend_from_slice(&mut self, more: &[u8]) {
        let needed = self.bytes.len() + more.len();
        if needed > self.bytes.capacity() {
            let mut grown = Vec::with_capacity(needed.max(self.bytes.capacity() * 2));
            grown.extend_from_slice(&self.bytes);
            let mut old = std::mem::replace(&mut self.bytes, grown);
            old.zeroize();
        }
        self.bytes.extend_from_slice(more);
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Wipes the first `len` bytes and removes them.
    pub(crate) fn consume(&mut self, len: usize) {
        self.bytes[..len].zeroize();
        self.bytes.drain(..len);
    }

    /// The bytes as text, moved (not copied) into a buffer that wipes itself on drop.
    ///
    /// # Errors
    /// The bytes are not UTF-8 (they are wiped).
    pub(crate) fn into_text(mut self) -> Result<zeroize::Zeroizing<String>, std::str::Utf8Error> {
        let bytes = std::mem::take(&mut self.bytes);
        match String::from_utf8(bytes) {
            Ok(text) => Ok(zeroize::Zeroizing::new(text)),
            Err(e) => {
                let error = e.utf8_error();
                e.into_bytes().zeroize();
                Err(error)
            }
        }
    }
}

impl std::io::Write for SecretBytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn grows_past_its_capacity_and_keeps_content() {
        let mut buf = SecretBuf::with_capacity(1);
        for i in 0..100 {
            write!(buf, "{i},").unwrap();
        }
        assert!(buf.as_str().starts_with("0,1,2,"));
        assert!(buf.as_str().ends_with("98,99,"));
        buf.push_repeated('*', 3);
        assert!(buf.as_str().ends_with("99,***"));
        buf.clear();
        assert!(buf.is_empty());
    }

    #[test]
    fn secret_bytes_grow_consume_and_become_text() {
        let mut bytes = SecretBytes::with_capacity(2);
        std::io::Write::write_all(&mut bytes, b"line one\nline").unwrap();
        bytes.extend_from_slice(b" two");
        assert_eq!(bytes.as_slice(), b"line one\nline two");
        bytes.consume(9);
        assert_eq!(bytes.len(), 8);
        assert_eq!(bytes.into_text().unwrap().as_str(), "line two");
        let mut bad = SecretBytes::default();
        bad.extend_from_slice(b"\xff");
        assert!(bad.into_text().is_err());
        assert!(SecretBytes::default().is_empty());
    }
}
