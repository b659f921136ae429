//! Envelope format v1: an encrypted field at rest, bound to its context.
//!
//! The byte layout is specified in `docs/ENVELOPE.md`; in short:
//!
//! ```text
//! "PG" | version=1 | flags | environment | region (len, bytes) | key id (len, bytes)
//!      | key version (u32 BE) | nonce (12) | ciphertext | tag (16)
//! ```
//!
//! The text form, for JSON and text columns, is `pg1.` followed by the bytes in unpadded
//! base64url. The associated data of the AES-256-GCM-SIV encryption covers the whole header
//! (format version, flags, environment, region, key id and version) and the context: record
//! type, field, subject id and tenant. Parsing is total: any input gives an [`Envelope`] or an
//! [`Error::Envelope`], never a panic.

use crate::codec::{Reader, is_name, push_base64url};
use crate::crypto::aead::{FieldCipher, NONCE_LEN, Siv as _, TAG_LEN};
use crate::crypto::random;
use crate::error::Error;
use crate::keys::Environment;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;
use zeroize::Zeroizing;

/// The prefix of the text form. Classified input values beginning with it are read as
/// envelopes, never as cleartext.
pub const TEXT_PREFIX: &str = "pg1.";
/// The prefix of a vault token (`piiguard::token`), the other thing the storage view writes
/// for a classified value: the storage door reads it as a token, never as cleartext.
pub const TOKEN_PREFIX: &str = "tok_";
const MAGIC: [u8; 2] = *b"PG";
const FORMAT_VERSION: u8 = 1;
const FLAG_SUBJECT_KEY: u8 = 0b0000_0001;
/// The longest region name.
pub(crate) const MAX_REGION_LEN: usize = 32;
/// The longest key id.
pub(crate) const MAX_KEY_ID_LEN: usize = 64;
const AAD_LABEL: &[u8] = b"piiguard/envelope/v1";

/// An encrypted field: header, nonce, ciphertext and tag.
///
/// ```
/// use piiguard::{Envelope, Error};
///
/// assert!(matches!(Envelope::parse_text("pg1.AAAA"), Err(Error::Envelope { .. })));
/// assert!(matches!(Envelope::parse_text("jane@example.com"), Err(Error::Envelope { .. })));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    bytes: Box<[u8]>,
    header_len: usize,
    environment: Environment,
    subject_keyed: bool,
    region: (usize, usize),
    key_id: (usize, usize),
    key_version: u32,
}

/// The header fields of a new envelope.
pub(crate) struct Header<'a> {
    pub(crate) environment: Environment,
    pub(crate) subject_keyed: bool,
    pub(crate) region: &'a str,
    pub(crate) key_id: &'a str,
    pub(crate) key_version: u32,
}

/// What an envelope is bound to besides its header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) record: &'a str,
    pub(crate) field: &'a str,
    pub(crate) subject: Option<&'a str>,
    pub(crate) tenant: &'a str,
}

impl Header<'_> {
    /// Writes the header into `out`, exactly [`len`](Self::len) bytes.
    fn write(&self, out: &mut [u8]) {
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(&MAGIC);
        let flags = if self.subject_keyed {
            FLAG_SUBJECT_KEY
        } else {
            0
        };
        put(&[FORMAT_VERSION, flags, self.environment.byte()]);
        for name in [self.region, self.key_id] {
            // Checked by `is_name` when the key was made: at most 64 bytes.
            put(&[name.len() as u8]);
            put(name.as_bytes());
        }
        put(&self.key_version.to_be_bytes());
    }

    fn len(&self) -> usize {
        5 + 1 + self.region.len() + 1 + self.key_id.len() + 4
    }

    /// Where the region and key id sit in the header: `(start, len)` each.
    fn name_spans(&self) -> ((usize, usize), (usize, usize)) {
        let key_id_start = self.len() - 4 - self.key_id.len();
        let region_start = key_id_start - 1 - self.region.len();
        (
            (region_start, self.region.len()),
            (key_id_start, self.key_id.len()),
        )
    }
}

/// The envelopes whose binary form is at most this long are sealed on the stack when written
/// straight to text.
const STACK_ENVELOPE: usize = 512;

/// The associated data: a label, the header, then the context, each part length-prefixed.
/// Built on the stack when it fits (it nearly always does), so sealing allocates only the
/// envelope itself.
fn with_associated_data<R>(header: &[u8], context: &Context<'_>, f: impl FnOnce(&[u8]) -> R) -> R {
    let subject = context.subject.unwrap_or("");
    let parts: [&[u8]; 5] = [
        header,
        context.record.as_bytes(),
        context.field.as_bytes(),
        subject.as_bytes(),
        context.tenant.as_bytes(),
    ];
    let len = AAD_LABEL.len() + 1 + parts.iter().map(|p| 4 + p.len()).sum::<usize>();
    let mut stack = [0u8; 256];
    let mut heap = Vec::new();
    let buf: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        buf[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(AAD_LABEL);
    for (i, part) in parts.iter().enumerate() {
        if i == 3 {
            put(&[u8::from(context.subject.is_some())]);
        }
        put(&(part.len() as u32).to_be_bytes());
        put(part);
    }
    f(buf)
}

/// The length of the binary form of an envelope holding `cleartext_len` bytes.
fn sealed_len(header: &Header<'_>, cleartext_len: usize) -> usize {
    header.len() + NONCE_LEN + cleartext_len + TAG_LEN
}

/// Writes header, nonce, ciphertext and tag into `bytes`, exactly
/// [`sealed_len`] long. The cleartext is encrypted in place, where it was copied.
fn seal_into(
    header: &Header<'_>,
    cipher: &FieldCipher,
    context: &Context<'_>,
    cleartext: &[u8],
    bytes: &mut [u8],
) {
    let header_len = header.len();
    let (head, rest) = bytes.split_at_mut(header_len);
    header.write(head);
    let (nonce, rest) = rest.split_at_mut(NONCE_LEN);
    let (body, tag) = rest.split_at_mut(cleartext.len());
    let fresh = random::nonce();
    nonce.copy_from_slice(&fresh);
    body.copy_from_slice(cleartext);
    let sealed = with_associated_data(head, context, |aad| cipher.seal_in_place(&fresh, aad, body));
    crate::mem::protected::wipe_stack();
    tag.copy_from_slice(&sealed);
}

impl Envelope {
    /// Encrypts `cleartext` under `cipher`, bound to `header` and `context`.
    ///
    /// The cleartext is copied into an exactly sized buffer and encrypted in place, so no
    /// cleartext copy is left behind by a reallocation.
    pub(crate) fn seal(
        header: &Header<'_>,
        cipher: &FieldCipher,
        context: &Context<'_>,
        cleartext: &[u8],
    ) -> Self {
        let mut bytes = vec![0u8; sealed_len(header, cleartext.len())];
        seal_into(header, cipher, context, cleartext, &mut bytes);
        let (region, key_id) = header.name_spans();
        Self {
            bytes: bytes.into_boxed_slice(),
            header_len: header.len(),
            environment: header.environment,
            subject_keyed: header.subject_keyed,
            region,
            key_id,
            key_version: header.key_version,
        }
    }

    /// Encrypts like [`seal`](Self::seal) and appends the text form to `out`, without building
    /// an `Envelope`: a field's envelope is sealed on the stack when it fits (nearly always).
    pub(crate) fn seal_text(
        header: &Header<'_>,
        cipher: &FieldCipher,
        context: &Context<'_>,
        cleartext: &[u8],
        out: &mut String,
    ) {
        let len = sealed_len(header, cleartext.len());
        let mut stack = [0u8; STACK_ENVELOPE];
        let mut heap = Vec::new();
        let bytes: &mut [u8] = if len <= STACK_ENVELOPE {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap
        };
        seal_into(header, cipher, context, cleartext, bytes);
        out.reserve(TEXT_PREFIX.len() + (len * 4).div_ceil(3));
        out.push_str(TEXT_PREFIX);
        push_base64url(out, bytes);
    }

    /// Decrypts into an exactly sized zeroizing buffer.
    pub(crate) fn open(
        &self,
        cipher: &FieldCipher,
        context: &Context<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let nonce: &[u8; NONCE_LEN] = self.bytes[self.header_len..self.header_len + NONCE_LEN]
            .try_into()
            .map_err(|_| Error::OpenFailed)?;
        let body = &self.bytes[self.header_len + NONCE_LEN..];
        let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
        let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| Error::OpenFailed)?;
        let mut out = Zeroizing::new(vec![0u8; ciphertext.len()]);
        let opened = with_associated_data(&self.bytes[..self.header_len], context, |aad| {
            cipher.open_into(nonce, aad, ciphertext, tag, &mut out)
        })
        .map_err(|_| Error::OpenFailed);
        crate::mem::protected::wipe_stack();
        opened?;
        Ok(out)
    }

    /// Parses the binary form.
    ///
    /// # Errors
    /// [`Error::Envelope`] naming what is wrong; never a panic, whatever the input.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let bad = |reason| Error::Envelope { reason };
        let mut r = Reader::new(bytes);
        if r.array::<2>() != Some(MAGIC) {
            return Err(bad("not a piiguard envelope"));
        }
        match r.u8() {
            Some(FORMAT_VERSION) => {}
            Some(_) => return Err(bad("unsupported format version")),
            None => return Err(bad("truncated header")),
        }
        let flags = r.u8().ok_or(bad("truncated header"))?;
        if flags & !FLAG_SUBJECT_KEY != 0 {
            return Err(bad("unknown flags"));
        }
        let environment = r
            .u8()
            .ok_or(bad("truncated header"))
            .and_then(|c| Environment::from_byte(c).ok_or(bad("unknown environment")))?;
        let region_start = r.position() + 1;
        let region = r.name(MAX_REGION_LEN).ok_or(bad("bad region"))?;
        let key_id_start = r.position() + 1;
        let key_id = r.name(MAX_KEY_ID_LEN).ok_or(bad("bad key id"))?;
        let key_version = r.u32().ok_or(bad("truncated header"))?;
        if key_version == 0 {
            return Err(bad("key version 0"));
        }
        let header_len = r.position();
        if r.remaining() < NONCE_LEN + TAG_LEN {
            return Err(bad("truncated ciphertext"));
        }
        Ok(Self {
            bytes: bytes.into(),
            header_len,
            environment,
            subject_keyed: flags & FLAG_SUBJECT_KEY != 0,
            region: (region_start, region.len()),
            key_id: (key_id_start, key_id.len()),
            key_version,
        })
    }

    /// Parses the text form, `pg1.` followed by unpadded base64url.
    ///
    /// # Errors
    /// [`Error::Envelope`]; never a panic, whatever the input.
    pub fn parse_text(text: &str) -> Result<Self, Error> {
        let body = text.strip_prefix(TEXT_PREFIX).ok_or(Error::Envelope {
            reason: "missing pg1. prefix",
        })?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| Error::Envelope {
            reason: "invalid base64url",
        })?;
        Self::parse_bytes(&bytes)
    }

    /// The binary form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The text form.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(TEXT_PREFIX.len() + self.bytes.len().div_ceil(3) * 4);
        self.write_text(&mut out);
        out
    }

    /// Appends the text form to `out`.
    pub fn write_text(&self, out: &mut String) {
        out.reserve(TEXT_PREFIX.len() + (self.bytes.len() * 4).div_ceil(3));
        out.push_str(TEXT_PREFIX);
        push_base64url(out, &self.bytes);
    }

    /// The environment whose keys made it.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The region whose keys made it.
    pub fn region(&self) -> &str {
        self.name_at(self.region)
    }

    /// The root key's id.
    pub fn key_id(&self) -> &str {
        self.name_at(self.key_id)
    }

    /// The root key's version.
    pub fn key_version(&self) -> u32 {
        self.key_version
    }

    /// Whether the data key also depends on the subject's own key (crypto-shredding).
    pub fn is_subject_keyed(&self) -> bool {
        self.subject_keyed
    }

    fn name_at(&self, (start, len): (usize, usize)) -> &str {
        // Checked to be `[a-z0-9_-]` when built or parsed.
        std::str::from_utf8(&self.bytes[start..start + len]).unwrap_or("")
    }
}

/// Whether a header field name is acceptable (used when keys are created).
pub(crate) fn valid_region(region: &str) -> bool {
    is_name(region.as_bytes(), MAX_REGION_LEN)
}

/// Whether a key id is acceptable.
pub(crate) fn valid_key_id(id: &str) -> bool {
    is_name(id.as_bytes(), MAX_KEY_ID_LEN)
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("environment", &self.environment)
            .field("region", &self.region())
            .field("key_id", &self.key_id())
            .field("key_version", &self.key_version)
            .field("subject_keyed", &self.subject_keyed)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header<'static> {
        Header {
            environment: Environment::Dev,
            subject_keyed: true,
            region: "eu",
            key_id: "field",
            key_version: 3,
        }
    }

    const CONTEXT: Context<'static> = Context {
        record: "customer",
        field: "email",
        subject: Some("42"),
        tenant: "acme",
    };

    #[test]
    fn seal_parse_open_round_trip() {
        let cipher = FieldCipher::new(&[7; 32]);
        let env = Envelope::seal(&header(), &cipher, &CONTEXT, b"jane@example.com");
        let text = env.to_text();
        assert!(text.starts_with("pg1."));
        let back = Envelope::parse_text(&text).unwrap();
        assert_eq!(back, env);
        assert_eq!(
            (back.region(), back.key_id(), back.key_version()),
            ("eu", "field", 3)
        );
        assert!(back.is_subject_keyed());
        assert_eq!(
            back.open(&cipher, &CONTEXT).unwrap().as_slice(),
            b"jane@example.com"
        );
        let binary = Envelope::parse_bytes(env.as_bytes()).unwrap();
        assert_eq!(binary, env);
    }

    #[test]
    fn every_truncation_is_a_typed_error() {
        let cipher = FieldCipher::new(&[7; 32]);
        let env = Envelope::seal(&header(), &cipher, &CONTEXT, b"x");
        for len in 0..env.as_bytes().len() {
            let cut = &env.as_bytes()[..len];
            match Envelope::parse_bytes(cut) {
                Err(Error::Envelope { .. }) => {}
                // Cutting only the tail of the ciphertext still parses; it cannot open.
                Ok(e) => assert_eq!(e.open(&cipher, &CONTEXT), Err(Error::OpenFailed)),
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    }
}
