//! Strict HTTP/1 line endings on the listener. hyper (through `httparse`) accepts a bare LF as
//! the end of a header line, so `X-A: 1\nInjected: 1` is two headers to it, and may be one
//! to a front end before the proxy: the classic start of request smuggling. Every connection's
//! bytes pass through [`Strict`], which follows the framing of each request (its head, then a
//! `Content-Length` body or chunks and trailers) and ends the connection at the first line of a
//! head, a chunk size or a trailer that does not end in CRLF, or that holds a lone CR.
//! Body bytes are not looked at.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most bytes of one request head (and of a trailer section) the check keeps to read its
/// framing headers from; hyper's own limit is larger, so a head this long is refused here.
const MAX_HEAD: usize = 64 * 1024;

/// Where in the stream of requests the next byte is.
#[derive(Debug)]
enum State {
    /// A request's head (request line and headers), or the trailers after the last chunk.
    Lines { trailers: bool },
    /// `n` more bytes of a `Content-Length` body, or of a chunk's data.
    Body { left: u64, chunk: bool },
    /// The CRLF after a chunk's data.
    ChunkEnd,
    /// A chunk-size line.
    ChunkSize,
    /// Framing this check does not follow (a request hyper itself refuses and closes on).
    Unchecked,
}

/// The line-ending check over one connection's byte stream.
#[derive(Debug)]
pub(crate) struct Framing {
    state: State,
    /// The current section's bytes (head or chunk-size line), for its headers.
    lines: Vec<u8>,
    /// The previous byte was a CR.
    cr: bool,
}

impl Default for Framing {
    fn default() -> Self {
        Self {
            state: State::Lines { trailers: false },
            lines: Vec::new(),
            cr: false,
        }
    }
}

/// A request whose line endings are not CRLF.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotCrlf;

impl Framing {
    /// Whether part of a request head (or of a chunk-size line or trailers) has arrived and
    /// the rest has not: a connection cut now was cut in the middle of a request.
    pub(crate) fn mid_request(&self) -> bool {
        !self.lines.is_empty() || !matches!(self.state, State::Lines { trailers: false })
    }

    /// Follows `bytes`, the next bytes of the connection.
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), NotCrlf> {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Unchecked => return Ok(()),
                State::Body { left, chunk } => {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    *left -= take as u64;
                    bytes = &bytes[take..];
                    if *left == 0 {
                        self.state = if *chunk {
                            State::ChunkEnd
                        } else {
                            State::Lines { trailers: false }
                        };
                    }
                }
                State::Lines { .. } | State::ChunkEnd | State::ChunkSize => {
                    let b = bytes[0];
                    bytes = &bytes[1..];
                    self.line_byte(b)?;
                }
            }
        }
        Ok(())
    }

    /// One byte of a line-based part: CR only before LF, LF only after CR.
    fn line_byte(&mut self, b: u8) -> Result<(), NotCrlf> {
        if self.cr != (b == b'\n') {
            return Err(NotCrlf);
        }
        self.cr = b == b'\r';
        if self.lines.len() == MAX_HEAD {
            return Err(NotCrlf);
        }
        self.lines.push(b);
        if b == b'\n' {
            self.line_end();
        }
        Ok(())
    }

    /// A line (ending in CRLF) is complete in `lines`.
    fn line_end(&mut self) {
        match self.state {
            State::ChunkEnd => {
                // The CRLF after chunk data: nothing else on the line.
                self.state = if self.lines == b"\r\n" {
                    State::ChunkSize
                } else {
                    State::Unchecked
                };
                self.lines.clear();
            }
            State::ChunkSize => {
                let line = std::mem::take(&mut self.lines);
                let size = line[..line.len() - 2]
                    .split(|&b| b == b';')
                    .next()
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok());
                self.state = match size {
                    Some(0) => State::Lines { trailers: true },
                    Some(n) => State::Body {
                        left: n,
                        chunk: true,
                    },
                    None => State::Unchecked,
                };
            }
            State::Lines { trailers } => {
                // A CRLF before the request line is allowed (RFC 9112 §2.2) and skipped.
                if !trailers && self.lines == b"\r\n" {
                    self.lines.clear();
                    return;
                }
                if !self.lines.ends_with(b"\r\n\r\n") && self.lines != b"\r\n" {
                    return;
                }
                let section = std::mem::take(&mut self.lines);
                self.state = if trailers {
                    State::Lines { trailers: false }
                } else {
                    body_of(&section)
                };
            }
            State::Body { .. } | State::Unchecked => {}
        }
    }
}

/// How the body after a request head is framed.
fn body_of(head: &[u8]) -> State {
    let mut length: Option<u64> = None;
    let mut chunked = false;
    for line in head.split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = std::str::from_utf8(value).unwrap_or("").trim();
        if name.eq_ignore_ascii_case(b"transfer-encoding") {
            if !value.to_ascii_lowercase().ends_with("chunked") {
                return State::Unchecked;
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case(b"content-length") {
            match (value.parse::<u64>().ok(), length) {
                (Some(n), None) => length = Some(n),
                (Some(n), Some(m)) if n == m => {}
                _ => return State::Unchecked,
            }
        }
    }
    match (chunked, length) {
        (true, None) => State::ChunkSize,
        // Both, or neither readable: hyper refuses such a request and closes.
        (true, Some(_)) => State::Unchecked,
        (false, Some(n)) if n > 0 => State::Body {
            left: n,
            chunk: false,
        },
        (false, _) => State::Lines { trailers: false },
    }
}

/// A connection whose reads pass through a [`Framing`] check: the first line that does not end
/// in CRLF is a read error, and hyper closes the connection.
pub(crate) struct Strict<S> {
    inner: S,
    framing: Framing,
    seen: Arc<Seen>,
}

/// What the check saw of its connection, for whoever counts the refusals once hyper is done
/// with it.
#[derive(Default, Debug)]
pub(crate) struct Seen {
    /// A line did not end in CRLF.
    refused: AtomicBool,
    /// The last read left a request incomplete.
    mid_request: AtomicBool,
}

impl Seen {
    pub(crate) fn refused(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }

    pub(crate) fn mid_request(&self) -> bool {
        self.mid_request.load(Ordering::Relaxed)
    }
}

impl<S> Strict<S> {
    /// `inner`, checked; `seen` says afterwards what the check saw.
    pub(crate) fn new(inner: S, seen: Arc<Seen>) -> Self {
        Self {
            inner,
            framing: Framing::default(),
            seen,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Strict<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let new = &buf.filled()[before..];
                let fed = this.framing.feed(new);
                this.seen
                    .mid_request
                    .store(this.framing.mid_request(), Ordering::Relaxed);
                match fed {
                    Ok(()) => Poll::Ready(Ok(())),
                    Err(NotCrlf) => {
                        this.seen.refused.store(true, Ordering::Relaxed);
                        Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "a request line did not end in CRLF",
                        )))
                    }
                }
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Strict<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::{Framing, NotCrlf};

    fn check(stream: &[u8]) -> Result<(), NotCrlf> {
        // Fed whole, and byte by byte: the verdict does not depend on how reads split it.
        let whole = Framing::default().feed(stream);
        let mut split = Framing::default();
        let bytewise = stream.iter().try_for_each(|b| split.feed(&[*b]));
        assert_eq!(whole, bytewise);
        whole
    }

    #[test]
    fn crlf_requests_pass_and_a_bare_lf_or_cr_in_any_line_is_refused() {
        let get = b"GET /v1/x HTTP/1.1\r\nHost: a\r\n\r\n".as_slice();
        let post = b"POST /v1/charges HTTP/1.1\r\nContent-Length: 5\r\n\r\na\nb\rc".as_slice();
        let chunked = b"POST /v1/charges HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na\nb\r\n0\r\nX-T: 1\r\n\r\n".as_slice();
        for good in [get, post, chunked] {
            assert_eq!(check(good), Ok(()));
            // Kept alive: a second request after the first, and a CRLF between them.
            assert_eq!(check(&[good, b"\r\n", get].concat()), Ok(()));
        }
        for bad in [
            b"GET /v1/x HTTP/1.1\nHost: a\r\n\r\n".as_slice(),
            b"GET /v1/x HTTP/1.1\r\nX-A: 1\nInjected: 1\r\n\r\n",
            b"GET /v1/x HTTP/1.1\r\nX-A: 1\rInjected: 1\r\n\r\n",
            b"GET /v1/x HTTP/1.1\r\nHost: a\r\n\n",
        ] {
            assert_eq!(check(bad), Err(NotCrlf), "{}", String::from_utf8_lossy(bad));
        }
        // The body is not read as lines; the request after it is.
        assert_eq!(
            check(&[post, b"GET / HTTP/1.1\nX: 1\r\n\r\n"].concat()),
            Err(NotCrlf)
        );
        // A chunk-size line or a trailer with a bare LF.
        let bad_size = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\na\nb\r\n0\r\n\r\n";
        assert_eq!(check(bad_size), Err(NotCrlf));
        let bad_trailer =
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\nY: 2\r\n\r\n";
        assert_eq!(check(bad_trailer), Err(NotCrlf));
    }
}
