//! [`ScrubbingWriter`]: an `io::Write` that scrubs each line before passing it on, and
//! [`Scrubbed`] (feature `tracing`): the same for every writer a `tracing-subscriber` fmt layer
//! makes.

use super::Scrubber;
use crate::mem::buffer::SecretBytes;
use std::borrow::Cow;
use std::io::{self, Write};
use zeroize::Zeroize;

/// Scrubs what is written to it, line by line, before writing it to `inner`.
///
/// Text is held back until its line ends (or until [`flush`](Write::flush) or drop), so that a
/// value split across two `write` calls is still seen whole. The held-back bytes are zeroized
/// once written, and the buffer never leaves a stale copy behind when it grows.
///
/// ```
/// use piiguard::scrub::{Scrubber, ScrubbingWriter};
/// use std::io::Write;
///
/// let scrubber = Scrubber::new();
/// let mut out = Vec::new();
/// {
///     let mut w = ScrubbingWriter::new(&mut out, &scrubber);
///     write!(w, "reset link sent to jane")?;
///     writeln!(w, ".doe@example.com")?;
/// }
/// assert_eq!(String::from_utf8(out).unwrap(), "reset link sent to [REDACTED:email]\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ScrubbingWriter<'s, W: Write> {
    inner: W,
    scrubber: &'s Scrubber,
    pending: SecretBytes,
}

impl<'s, W: Write> ScrubbingWriter<'s, W> {
    /// Wraps `inner`.
    pub fn new(inner: W, scrubber: &'s Scrubber) -> Self {
        Self {
            inner,
            scrubber,
            pending: SecretBytes::default(),
        }
    }

    /// Scrubs and writes the first `len` pending bytes, then wipes them.
    fn emit(&mut self, len: usize) -> io::Result<()> {
        let result = write_scrubbed(
            &mut self.inner,
            self.scrubber,
            &self.pending.as_slice()[..len],
        );
        self.pending.consume(len);
        result
    }
}

/// Scrubs `bytes` (lossily when they are not UTF-8) and writes the result.
fn write_scrubbed(out: &mut impl Write, scrubber: &Scrubber, bytes: &[u8]) -> io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(bytes);
    let scrubbed = scrubber.scrub(&text);
    let result = out.write_all(scrubbed.as_bytes());
    if let Cow::Owned(mut s) = scrubbed {
        s.zeroize();
    }
    if let Cow::Owned(mut s) = text {
        s.zeroize();
    }
    result
}

impl<W: Write> Write for ScrubbingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The usual case, a whole event in one write: its complete lines go out without a copy.
        if self.pending.is_empty() {
            let lines = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            write_scrubbed(&mut self.inner, self.scrubber, &buf[..lines])?;
            self.pending.extend_from_slice(&buf[lines..]);
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        if let Some(last_newline) = self.pending.as_slice().iter().rposition(|&b| b == b'\n') {
            self.emit(last_newline + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.emit(self.pending.len())?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for ScrubbingWriter<'_, W> {
    fn drop(&mut self) {
        // An error here has nowhere to go, as with `BufWriter`; the bytes are wiped either way.
        let _ = self.flush();
    }
}

impl<W: Write> std::fmt::Debug for ScrubbingWriter<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScrubbingWriter")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

/// A `tracing-subscriber` [`MakeWriter`](tracing_subscriber::fmt::MakeWriter) that scrubs
/// everything the fmt layer writes — message and fields, in every format (full, compact,
/// pretty, JSON) — so that a stray `info!("body: {}", body)` cannot leak. Records logged
/// through the `log` crate reach it too, through `tracing-log`'s bridge.
///
/// ```
/// use piiguard::scrub::Scrubbed;
///
/// let subscriber = tracing_subscriber::fmt()
///     .with_writer(Scrubbed::new(std::io::stdout))
///     .finish();
/// tracing::subscriber::with_default(subscriber, || {
///     let body = r#"{"email":"jane.doe@example.com"}"#;
///     tracing::info!("request body: {}", body); // request body: {"email":"[REDACTED:email]"}
/// });
/// ```
#[cfg(feature = "tracing")]
#[derive(Debug)]
pub struct Scrubbed<M> {
    inner: M,
    scrubber: Scrubber,
}

#[cfg(feature = "tracing")]
impl<M> Scrubbed<M> {
    /// Scrubs with every built-in detector what `inner`'s writers receive.
    pub fn new(inner: M) -> Self {
        Self::with_scrubber(inner, Scrubber::new())
    }

    /// Scrubs with `scrubber` (for instance one with custom detectors).
    pub fn with_scrubber(inner: M, scrubber: Scrubber) -> Self {
        Self { inner, scrubber }
    }
}

#[cfg(feature = "tracing")]
impl<'a, M: tracing_subscriber::fmt::MakeWriter<'a>> tracing_subscriber::fmt::MakeWriter<'a>
    for Scrubbed<M>
{
    type Writer = ScrubbingWriter<'a, M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubbingWriter::new(self.inner.make_writer(), &self.scrubber)
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        ScrubbingWriter::new(self.inner.make_writer_for(meta), &self.scrubber)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_split_across_writes_is_seen_whole() {
        let scrubber = Scrubber::new();
        let mut out = Vec::new();
        {
            let mut w = ScrubbingWriter::new(&mut out, &scrubber);
            for piece in ["card 4111 11", "11 1111 1111 ok\nip 192.0.", "2.7"] {
                w.write_all(piece.as_bytes()).unwrap();
            }
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "card [REDACTED:card_number] ok\nip [REDACTED:ip_address]"
        );
    }

    #[test]
    fn complete_lines_go_out_at_once_and_the_rest_on_flush() {
        let scrubber = Scrubber::new();
        let mut out = Vec::new();
        let mut w = ScrubbingWriter::new(&mut out, &scrubber);
        w.write_all(b"one\ntwo").unwrap();
        assert_eq!(w.pending.as_slice(), b"two");
        w.flush().unwrap();
        assert!(w.pending.is_empty());
        drop(w);
        assert_eq!(out, b"one\ntwo");
    }

    #[test]
    fn invalid_utf8_is_scrubbed_lossily() {
        let scrubber = Scrubber::new();
        let mut out = Vec::new();
        ScrubbingWriter::new(&mut out, &scrubber)
            .write_all(b"\xff jane@example.com\n")
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{fffd} [REDACTED:email]\n"
        );
    }
}
