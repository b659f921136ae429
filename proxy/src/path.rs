//! Request paths, normalised once: what a route is matched on and what the upstream receives
//! are the same segments, so no encoding trick (`%2e%2e`, `.%2e`, `\`, `%2f`, a double
//! encoding) can match one route and reach another path.
//!
//! A path is split on `/` and each segment percent-decoded. A segment that decodes to `.` or
//! `..`, holds an encoded `/` or a `\` (either way), a NUL or another control character, a
//! percent sign followed by two hex digits (a double encoding), or is not UTF-8 once decoded,
//! and an empty segment, make the whole path refused (`400`). The upstream URL is then built
//! from the decoded segments by a URL type, which encodes each one again: the upstream's
//! decoding gives back exactly the segments the route matched.
//!
//! This file depends on the standard library and `url` only: the `proxy_path` fuzz target
//! compiles it as it is.

/// Why a path was refused, in the caller's terms (never the path itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathError {
    /// The path does not start with `/`.
    NotAbsolute,
    /// Two slashes in a row, or one at the end.
    EmptySegment,
    /// A `.` or `..` segment, encoded or not.
    DotSegment,
    /// `%` not followed by two hex digits.
    BadEscape,
    /// An encoded `/`, or a `\` written or encoded.
    Separator,
    /// A NUL or another control character.
    Control,
    /// A segment that is not UTF-8 once decoded.
    NotUtf8,
    /// A segment whose decoded text holds an escape again (`%252e`).
    DoubleEncoding,
    /// More segments or bytes than a route path has.
    TooLong,
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotAbsolute => "the path must start with '/'",
            Self::EmptySegment => "the path has an empty segment ('//' or a final '/')",
            Self::DotSegment => "the path has a '.' or '..' segment",
            Self::BadEscape => "the path has a '%' not followed by two hex digits",
            Self::Separator => "the path has an encoded '/' or a '\\'",
            Self::Control => "the path has a NUL or control character",
            Self::NotUtf8 => "the path is not UTF-8 once decoded",
            Self::DoubleEncoding => "the path is percent-encoded twice",
            Self::TooLong => "the path is too long",
        })
    }
}

/// The most segments and bytes of a path the proxy reads.
const MAX_SEGMENTS: usize = 64;
const MAX_BYTES: usize = 4096;

/// The decoded segments of `raw` (a request target's path, without its query).
pub(crate) fn normalize(raw: &str) -> Result<Vec<String>, PathError> {
    if raw.len() > MAX_BYTES {
        return Err(PathError::TooLong);
    }
    let body = raw.strip_prefix('/').ok_or(PathError::NotAbsolute)?;
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let mut segments = Vec::new();
    for part in body.split('/') {
        if segments.len() == MAX_SEGMENTS {
            return Err(PathError::TooLong);
        }
        segments.push(segment(part)?);
    }
    Ok(segments)
}

/// One segment, decoded and checked.
pub(crate) fn segment(part: &str) -> Result<String, PathError> {
    if part.is_empty() {
        return Err(PathError::EmptySegment);
    }
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let high = bytes.get(i + 1).and_then(|&h| hex(h));
            let low = bytes.get(i + 2).and_then(|&l| hex(l));
            let (Some(high), Some(low)) = (high, low) else {
                return Err(PathError::BadEscape);
            };
            let decoded = high << 4 | low;
            if decoded == b'/' || decoded == b'\\' {
                return Err(PathError::Separator);
            }
            out.push(decoded);
            i += 3;
        } else {
            if b == b'\\' {
                return Err(PathError::Separator);
            }
            out.push(b);
            i += 1;
        }
    }
    let text = String::from_utf8(out).map_err(|_| PathError::NotUtf8)?;
    if text.chars().any(char::is_control) {
        return Err(PathError::Control);
    }
    if text == "." || text == ".." {
        return Err(PathError::DotSegment);
    }
    let again = text.as_bytes();
    if again
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
    {
        return Err(PathError::DoubleEncoding);
    }
    Ok(text)
}

/// A hexadecimal digit's value.
fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The URL the upstream receives: `https://host:port`, then `segments`, each encoded again,
/// then the query as the caller wrote it (`url` encodes what a query may not hold).
pub(crate) fn upstream_url(
    host: &str,
    port: u16,
    segments: &[String],
    query: Option<&str>,
) -> Result<url::Url, String> {
    let mut url = url::Url::parse(&format!("https://{host}:{port}/"))
        .map_err(|e| format!("the upstream's address is not a URL: {e}"))?;
    url.path_segments_mut()
        .map_err(|()| "the upstream's address has no path".to_owned())?
        .clear()
        .extend(segments);
    url.set_query(query);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_trick_of_the_issue_is_refused() {
        for (raw, why) in [
            ("/v1/files/%2e%2e/declined", PathError::DotSegment),
            ("/v1/files/.%2e/declined", PathError::DotSegment),
            ("/v1/files/%2E/declined", PathError::DotSegment),
            ("/v1/customers/../cards", PathError::DotSegment),
            ("/v1/files/a\\..\\declined", PathError::Separator),
            ("/v1/files/a%5c..%5cdeclined", PathError::Separator),
            ("/v1/files/a%2fb", PathError::Separator),
            ("/v1/files/%252e%252e", PathError::DoubleEncoding),
            ("/v1/files/a%00b", PathError::Control),
            ("/v1/files/a%0ab", PathError::Control),
            ("/v1/files/%ff", PathError::NotUtf8),
            ("/v1/files/%zz", PathError::BadEscape),
            ("/v1/files/%2", PathError::BadEscape),
            ("/v1//files", PathError::EmptySegment),
            ("/v1/files/", PathError::EmptySegment),
            ("v1/files", PathError::NotAbsolute),
        ] {
            assert_eq!(normalize(raw), Err(why), "{raw}");
        }
    }

    #[test]
    fn unreserved_and_other_escapes_are_decoded_and_encoded_again() {
        assert_eq!(normalize("/").unwrap(), Vec::<String>::new());
        assert_eq!(
            normalize("/v1/%63ustomers/a%20b/caf%C3%A9/x.y").unwrap(),
            ["v1", "customers", "a b", "café", "x.y"]
        );
        let segments = normalize("/v1/a%20b/%3F/caf%C3%A9").unwrap();
        let url = upstream_url("localhost", 8443, &segments, Some("q=1&r=%2e")).unwrap();
        assert_eq!(
            url.as_str(),
            "https://localhost:8443/v1/a%20b/%3F/caf%C3%A9?q=1&r=%2e"
        );
        assert_eq!(normalize(url.path()).unwrap(), segments);
    }
}
