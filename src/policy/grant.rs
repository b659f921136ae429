//! Break-glass access: a request (scope, justification, time limit), an approval by someone
//! else with an approver role, and the grant itself — a MAC-protected, expiring token the
//! requester presents with their accesses.
//!
//! Token format: `pgg1.` + base64url(claims as JSON) + `.` + base64url(keyed BLAKE3 MAC over
//! everything before the second dot), the MAC key derived from the keyring's integrity key.

use crate::error::Error;
use crate::keys::Keyring;
use crate::keys::integrity::MacUse;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

use super::Reason;

const PREFIX: &str = "pgg1.";

/// What a principal asks elevated access to: one or more subjects, classes and/or fields, a
/// justification and a time limit.
///
/// ```
/// use piiguard::GrantRequest;
/// use std::time::Duration;
///
/// let request = GrantRequest::new("ticket 4411: customer asks to verify identity", Duration::from_secs(900))
///     .subject("42")
///     .class("passport");
/// assert_eq!(request.subjects(), ["42"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    justification: String,
    ttl: Duration,
    subjects: Vec<String>,
    classes: Vec<String>,
    fields: Vec<String>,
}

impl GrantRequest {
    /// A request with its justification and how long the grant should last.
    pub fn new(justification: &str, ttl: Duration) -> Self {
        Self {
            justification: justification.trim().to_owned(),
            ttl,
            subjects: Vec::new(),
            classes: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// Adds a data subject the grant covers (at least one is required).
    pub fn subject(mut self, subject_id: &str) -> Self {
        self.subjects.push(subject_id.to_owned());
        self
    }

    /// Adds a class the grant covers (`passport`).
    pub fn class(mut self, class: &str) -> Self {
        self.classes.push(class.to_owned());
        self
    }

    /// Adds a field the grant covers, by stable name (`passport`) or `record.field`.
    pub fn field(mut self, field: &str) -> Self {
        self.fields.push(field.to_owned());
        self
    }

    /// The subjects.
    pub fn subjects(&self) -> &[String] {
        &self.subjects
    }

    /// The classes.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The fields.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The justification.
    pub fn justification(&self) -> &str {
        &self.justification
    }

    /// The requested time limit.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The scope as text for the audit trail: `subjects=42 classes=passport fields=`.
    pub(crate) fn scope_text(&self) -> String {
        format!(
            "subjects={} classes={} fields={}",
            self.subjects.join(","),
            self.classes.join(","),
            self.fields.join(",")
        )
    }

    /// The request as stored text (a store keeps pending requests for every instance).
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn to_stored(&self) -> String {
        serde_json::json!({
            "justification": self.justification,
            "ttl_secs": self.ttl.as_secs(),
            "subjects": self.subjects,
            "classes": self.classes,
            "fields": self.fields,
        })
        .to_string()
    }

    /// A request read back from [`to_stored`](Self::to_stored) text.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn from_stored(text: &str) -> Option<Self> {
        #[derive(Deserialize)]
        struct Stored {
            justification: String,
            ttl_secs: u64,
            subjects: Vec<String>,
            classes: Vec<String>,
            fields: Vec<String>,
        }
        let stored: Stored = serde_json::from_str(text).ok()?;
        Some(Self {
            justification: stored.justification,
            ttl: Duration::from_secs(stored.ttl_secs),
            subjects: stored.subjects,
            classes: stored.classes,
            fields: stored.fields,
        })
    }

    pub(crate) fn is_valid(&self, max_ttl: Duration) -> bool {
        !self.justification.is_empty()
            && !self.subjects.is_empty()
            && (!self.classes.is_empty() || !self.fields.is_empty())
            && !self.ttl.is_zero()
            && self.ttl <= max_ttl
    }
}

/// The id of a pending break-glass request, handed to an approver.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(pub(crate) String);

impl RequestId {
    /// The id as text (`req-…`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for RequestId {
    type Err = Error;

    /// Reads a request id from its text form (`req-` and 16 base64url characters), as a
    /// service receives it in a URL.
    ///
    /// ```
    /// use piiguard::policy::RequestId;
    /// assert!("req-AAAAAAAAAAAAAAAA".parse::<RequestId>().is_ok());
    /// assert!("req-../../etc".parse::<RequestId>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Self, Error> {
        let id = text.strip_prefix("req-").ok_or(Error::RequestIdMalformed)?;
        let well_formed = id.len() == 16
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(Error::RequestIdMalformed)
        }
    }
}

/// What a grant says. Signed; never trusted before the MAC is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Claims {
    pub(crate) id: String,
    pub(crate) principal: String,
    pub(crate) approver: String,
    pub(crate) subjects: Vec<String>,
    pub(crate) classes: Vec<String>,
    pub(crate) fields: Vec<String>,
    /// Unix seconds.
    pub(crate) issued: i64,
    /// Unix seconds.
    pub(crate) expires: i64,
    pub(crate) key: String,
}

impl Claims {
    /// Whether the grant covers this principal, subject and field.
    pub(crate) fn covers(
        &self,
        principal: &str,
        subject: Option<&str>,
        record: &str,
        field: &str,
        class: &str,
    ) -> bool {
        let field_named = self.fields.iter().any(|f| {
            f == field
                || f.split_once('.')
                    .is_some_and(|(r, f)| r == record && f == field)
        });
        self.principal == principal
            && subject.is_some_and(|s| self.subjects.iter().any(|x| x == s))
            && (field_named || self.classes.iter().any(|c| c == class))
    }
}

/// A break-glass grant as presented: the token text. Pass it on with
/// [`Access::with_grant`](super::Access::with_grant). `Debug` shows only its id and expiry.
#[derive(Clone, PartialEq, Eq)]
pub struct GrantToken {
    text: String,
    id: String,
    expires: i64,
}

impl GrantToken {
    /// Reads a token (its form only: the guard checks the MAC, expiry, revocation and scope).
    ///
    /// # Errors
    /// [`Error::GrantMalformed`] if the text is not a `pgg1.` token.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let claims = decode_claims(text).ok_or(Error::GrantMalformed)?;
        Ok(Self {
            text: text.to_owned(),
            id: claims.id,
            expires: claims.expires,
        })
    }

    /// The token text, to hand to the requester.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The grant's id (in every audit event about it).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the grant expires (Unix seconds).
    pub fn expires_at(&self) -> i64 {
        self.expires
    }
}

impl fmt::Display for GrantToken {
    /// The token text (it is a bearer credential: show it only to its holder).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for GrantToken {
    type Err = Error;

    /// The same as [`GrantToken::parse`].
    fn from_str(text: &str) -> Result<Self, Error> {
        Self::parse(text)
    }
}

impl fmt::Debug for GrantToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrantToken")
            .field("id", &self.id)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

fn decode_claims(text: &str) -> Option<Claims> {
    let rest = text.strip_prefix(PREFIX)?;
    let (payload, mac) = rest.split_once('.')?;
    if payload.len() > 8192 || B64.decode(mac).ok()?.len() != 32 {
        return None;
    }
    serde_json::from_slice(&B64.decode(payload).ok()?).ok()
}

/// Signs `claims` into a token.
pub(crate) fn issue(keyring: &Keyring, mut claims: Claims) -> Result<GrantToken, Error> {
    let key = keyring.mac_key(MacUse::Grant)?;
    key.key_ref().clone_into(&mut claims.key);
    let json = serde_json::to_vec(&claims).map_err(|e| crate::error::json_error(&e))?;
    let mut text = format!("{PREFIX}{}", B64.encode(json));
    let mac = key.mac(&[text.as_bytes()]);
    text.push('.');
    text.push_str(&B64.encode(mac));
    GrantToken::parse(&text)
}

/// Checks a token's MAC and expiry; the claims if both hold.
pub(crate) fn verify(keyring: &Keyring, token: &GrantToken, now: i64) -> Result<Claims, Reason> {
    let text = token.as_str();
    let (signed, mac) = text.rsplit_once('.').ok_or(Reason::GrantInvalid)?;
    let claims = decode_claims(text).ok_or(Reason::GrantInvalid)?;
    let tag = B64.decode(mac).map_err(|_| Reason::GrantInvalid)?;
    let key = keyring
        .mac_key_for(&claims.key, MacUse::Grant)
        .map_err(|_| Reason::GrantInvalid)?;
    if !key.verify(&[signed.as_bytes()], &tag) {
        return Err(Reason::GrantInvalid);
    }
    if now >= claims.expires {
        return Err(Reason::GrantExpired);
    }
    Ok(claims)
}

/// A fresh grant id.
pub(crate) fn new_grant_id() -> String {
    random_id("grant")
}

/// `<prefix>-` and 96 random bits in base64url.
pub(crate) fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    crate::crypto::random::fill_public(&mut bytes);
    format!("{prefix}-{}", B64.encode(bytes))
}
