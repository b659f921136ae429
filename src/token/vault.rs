//! Vault tokens: a random (or, opted in, convergent) identifier in the application's column,
//! and in the store the value's envelope — encrypted under the subject's key, bound to its
//! record type, field and subject like any envelope. Forgetting a subject destroys its key
//! and deletes its tokens in the same transaction.
//!
//! A token is text of its own, never mistaken for a value of its class:
//!
//! ```text
//! tok_<56 base64url characters>                  opaque
//! tok_<56 base64url characters>@tokens.invalid   email-shaped (RFC 2606's reserved TLD; the
//!                                               local part fits RFC 5321's 64)
//! ```
//!
//! The 42 bytes inside are: a format version (1), flags (convergent), the token key's version,
//! the expiry (Unix seconds as 32 bits, 0 for none), a 16-byte id, and a 16-byte MAC over the
//! rest under a
//! key derived for the token's tenant, record type and field. A tampered token, another
//! field's or tenant's, or an expired one is refused before the store is asked; the expiry and
//! the flags are readable by anyone ([`TokenInfo`]) but cannot be changed.

use crate::codec::push_base64url;
use crate::error::Error;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

pub use crate::envelope::TOKEN_PREFIX;
/// The domain of email-shaped tokens: `.invalid` is reserved (RFC 2606), so no mail is ever
/// delivered to a token.
pub const EMAIL_DOMAIN: &str = "tokens.invalid";

const FORMAT_VERSION: u8 = 1;
const CONVERGENT: u8 = 1;
/// Format version, flags, key version, expiry, id.
const HEAD_LEN: usize = 1 + 1 + 4 + 4 + 16;
const MAC_LEN: usize = 16;
const PAYLOAD_LEN: usize = HEAD_LEN + MAC_LEN;
const TEXT_LEN: usize = (PAYLOAD_LEN * 4).div_ceil(3);

/// The shape of a vault token's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VaultFormat {
    /// `tok_…`
    Opaque,
    /// `tok_…@tokens.invalid`: passes email validation, delivers nowhere.
    Email,
}

/// What a vault token says about itself, readable without keys or the store. Only the guard
/// (which checks the MAC) trusts it.
///
/// ```
/// use piiguard::token::TokenInfo;
/// assert!(TokenInfo::parse("tok_not-a-token").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenInfo {
    /// Whether equal values of the field get this same token.
    pub convergent: bool,
    /// When the token stops being accepted (Unix seconds).
    pub expires: Option<i64>,
    /// The version of the token key that made it.
    pub key_version: u32,
    pub(crate) id: [u8; 16],
    pub(crate) mac: [u8; MAC_LEN],
    pub(crate) format: VaultFormat,
}

impl TokenInfo {
    /// Reads a token's text: its format and the facts in it (not yet authenticated).
    ///
    /// # Errors
    /// [`Error::Token`] if the text is not a vault token.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let malformed = || Error::Token {
            reason: "the text is not a vault token",
        };
        let (body, format) = match text.strip_suffix(EMAIL_DOMAIN) {
            Some(local) => (
                local.strip_suffix('@').ok_or_else(malformed)?,
                VaultFormat::Email,
            ),
            None => (text, VaultFormat::Opaque),
        };
        let encoded = body.strip_prefix(TOKEN_PREFIX).ok_or_else(malformed)?;
        if encoded.len() != TEXT_LEN {
            return Err(malformed());
        }
        let mut payload = [0u8; PAYLOAD_LEN + 2];
        let n = URL_SAFE_NO_PAD
            .decode_slice(encoded, &mut payload)
            .map_err(|_| malformed())?;
        if n != PAYLOAD_LEN || payload[0] != FORMAT_VERSION || payload[1] & !CONVERGENT != 0 {
            return Err(malformed());
        }
        let expires = u32::from_be_bytes(payload[6..10].try_into().unwrap_or_default());
        Ok(Self {
            convergent: payload[1] & CONVERGENT != 0,
            expires: (expires != 0).then_some(i64::from(expires)),
            key_version: u32::from_be_bytes(payload[2..6].try_into().unwrap_or_default()),
            id: payload[10..26].try_into().unwrap_or_default(),
            mac: payload[26..PAYLOAD_LEN].try_into().unwrap_or_default(),
            format,
        })
    }

    /// The bytes the MAC covers.
    pub(crate) fn head(&self) -> [u8; HEAD_LEN] {
        head(self.convergent, self.key_version, self.expires, &self.id)
    }

    /// The id as stored (base64url).
    pub(crate) fn id_text(&self) -> String {
        id_text(&self.id)
    }
}

/// The bytes a token's MAC covers.
pub(crate) fn head(
    convergent: bool,
    key_version: u32,
    expires: Option<i64>,
    id: &[u8; 16],
) -> [u8; HEAD_LEN] {
    let mut out = [0u8; HEAD_LEN];
    out[0] = FORMAT_VERSION;
    out[1] = if convergent { CONVERGENT } else { 0 };
    out[2..6].copy_from_slice(&key_version.to_be_bytes());
    // Unix seconds fit 32 bits until 2106; a later expiry is clamped there.
    let expires = expires.map_or(0, |t| u32::try_from(t.max(1)).unwrap_or(u32::MAX));
    out[6..10].copy_from_slice(&expires.to_be_bytes());
    out[10..26].copy_from_slice(id);
    out
}

/// A token's id as stored.
pub(crate) fn id_text(id: &[u8; 16]) -> String {
    let mut out = String::with_capacity(22);
    push_base64url(&mut out, id);
    out
}

/// Writes a token: `head` (from [`head`]), its MAC, in `format`.
pub(crate) fn write_token(head: &[u8; HEAD_LEN], mac: &[u8], format: VaultFormat) -> String {
    let mut payload = [0u8; PAYLOAD_LEN];
    payload[..HEAD_LEN].copy_from_slice(head);
    payload[HEAD_LEN..].copy_from_slice(&mac[..MAC_LEN]);
    let mut out = String::with_capacity(TOKEN_PREFIX.len() + TEXT_LEN + 1 + EMAIL_DOMAIN.len());
    out.push_str(TOKEN_PREFIX);
    push_base64url(&mut out, &payload);
    if format == VaultFormat::Email {
        out.push('@');
        out.push_str(EMAIL_DOMAIN);
    }
    out
}

/// One token in the store: where it belongs, when it expires, and the value's envelope. The
/// store never holds the value in clear, nor anything that opens the envelope.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenEntry {
    /// The token's id (base64url of 16 bytes): unique in a region and tenant.
    pub id: String,
    /// The region whose keys encrypted the value.
    pub region: String,
    /// The tenant (empty for none).
    pub tenant: String,
    /// The subject whose key encrypted the value, if the record has one.
    pub subject: Option<String>,
    /// The record type's stable name.
    pub record: String,
    /// The field's stable name.
    pub field: String,
    /// The value's class.
    pub class: String,
    /// When the token was made (Unix seconds).
    pub created: i64,
    /// When it stops being accepted (Unix seconds).
    pub expires: Option<i64>,
    /// The token's text (a convergent token is handed out again).
    pub token: String,
    /// The value's envelope, in its text form.
    pub envelope: String,
    /// The root key the envelope was made under (its id and version), so that a key still
    /// needed by tokens is not destroyed.
    pub key_id: String,
    /// See `key_id`.
    pub key_version: u32,
}

impl fmt::Debug for TokenEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEntry")
            .field("region", &self.region)
            .field("tenant", &self.tenant)
            .field("record", &self.record)
            .field("field", &self.field)
            .field("class", &self.class)
            .field("created", &self.created)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// Where vault tokens are kept: the store engines ([`SqliteStore`](crate::store::SqliteStore),
/// [`PgStore`](crate::store::PgStore)) and [`MemoryTokenStore`].
pub trait TokenStore: Send + Sync {
    /// Stores `entry` unless a token with its id exists in its region and tenant; returns the
    /// entry stored afterwards (two writers of one convergent token agree on one).
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn insert_if_absent(&self, entry: TokenEntry) -> Result<TokenEntry, Error>;

    /// The token with this id in a region and tenant.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn get(&self, region: &str, tenant: &str, id: &str) -> Result<Option<TokenEntry>, Error>;

    /// Deletes a subject's tokens; returns how many there were.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn delete_subject(&self, region: &str, tenant: &str, subject: &str) -> Result<u64, Error>;

    /// Whether a token's envelope in `region` was made under root key `key_id` version
    /// `key_version` (destroying that version would lose the tokenized values).
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn uses_key(&self, region: &str, key_id: &str, key_version: u32) -> Result<bool, Error>;

    /// Deletes tokens expired at `now` (Unix seconds), at most `limit` of them; returns how
    /// many. Expired tokens are already refused without a lookup: this tidies the store.
    ///
    /// # Errors
    /// [`Error::KeyStore`] when the store fails.
    fn sweep_expired(&self, now: i64, limit: usize) -> Result<u64, Error>;
}

/// A [`TokenStore`] in memory (tests, ephemeral processes).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    entries: Mutex<HashMap<(String, String, String), TokenEntry>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many tokens it holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String, String), TokenEntry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TokenStore for MemoryTokenStore {
    fn insert_if_absent(&self, entry: TokenEntry) -> Result<TokenEntry, Error> {
        let key = (entry.region.clone(), entry.tenant.clone(), entry.id.clone());
        Ok(self.lock().entry(key).or_insert(entry).clone())
    }

    fn get(&self, region: &str, tenant: &str, id: &str) -> Result<Option<TokenEntry>, Error> {
        let key = (region.to_owned(), tenant.to_owned(), id.to_owned());
        Ok(self.lock().get(&key).cloned())
    }

    fn delete_subject(&self, region: &str, tenant: &str, subject: &str) -> Result<u64, Error> {
        let mut entries = self.lock();
        let before = entries.len();
        entries.retain(|(r, t, _), e| {
            !(r == region && t == tenant && e.subject.as_deref() == Some(subject))
        });
        Ok((before - entries.len()) as u64)
    }

    fn uses_key(&self, region: &str, key_id: &str, key_version: u32) -> Result<bool, Error> {
        Ok(self
            .lock()
            .values()
            .any(|e| e.region == region && e.key_id == key_id && e.key_version == key_version))
    }

    fn sweep_expired(&self, now: i64, limit: usize) -> Result<u64, Error> {
        let mut entries = self.lock();
        let due: Vec<_> = entries
            .iter()
            .filter(|(_, e)| e.expires.is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .take(limit)
            .collect();
        for key in &due {
            entries.remove(key);
        }
        Ok(due.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_their_facts_in_both_shapes() {
        let head = head(true, 3, Some(1_900_000_000), &[7; 16]);
        for format in [VaultFormat::Opaque, VaultFormat::Email] {
            let text = write_token(&head, &[9; 32], format);
            assert!(text.starts_with(TOKEN_PREFIX));
            assert_eq!(
                text.ends_with("@tokens.invalid"),
                format == VaultFormat::Email
            );
            let info = TokenInfo::parse(&text).unwrap();
            assert!(info.convergent);
            assert_eq!(info.expires, Some(1_900_000_000));
            assert_eq!(info.key_version, 3);
            assert_eq!(info.head(), head);
            assert_eq!(info.mac, [9; 16]);
            assert_eq!(info.format, format);
        }
    }

    #[test]
    fn other_text_is_not_a_token() {
        let good = write_token(
            &head(false, 1, None, &[1; 16]),
            &[2; 32],
            VaultFormat::Opaque,
        );
        for bad in [
            "",
            "tok_",
            "jane@example.com",
            &good[..good.len() - 1],
            &format!("{good}A"),
            &good.replace("tok_", "tak_"),
            &format!("{good}@example.com"),
        ] {
            assert!(TokenInfo::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_memory_store_keeps_one_entry_per_id_and_forgets_by_subject() {
        let store = MemoryTokenStore::new();
        let entry = |id: &str, subject: &str, expires: Option<i64>| TokenEntry {
            id: id.into(),
            region: "eu".into(),
            tenant: String::new(),
            subject: Some(subject.into()),
            record: "customer".into(),
            field: "email".into(),
            class: "email".into(),
            created: 1,
            expires,
            token: format!("tok_{id}"),
            envelope: "pg1.x".into(),
            key_id: "field-eu".into(),
            key_version: 1,
        };
        store.insert_if_absent(entry("a", "1", None)).unwrap();
        let kept = store.insert_if_absent(entry("a", "2", None)).unwrap();
        assert_eq!(kept.subject.as_deref(), Some("1"), "the first writer wins");
        store.insert_if_absent(entry("b", "1", Some(100))).unwrap();
        store.insert_if_absent(entry("c", "2", Some(100))).unwrap();
        assert_eq!(store.sweep_expired(99, 10).unwrap(), 0);
        assert_eq!(store.sweep_expired(100, 1).unwrap(), 1, "at most the limit");
        assert_eq!(store.sweep_expired(100, 10).unwrap(), 1);
        assert!(store.uses_key("eu", "field-eu", 1).unwrap());
        assert!(!store.uses_key("eu", "field-eu", 2).unwrap());
        assert_eq!(store.delete_subject("eu", "", "1").unwrap(), 1);
        assert!(store.is_empty());
        assert!(!store.uses_key("eu", "field-eu", 1).unwrap());
        assert!(!format!("{kept:?}").contains("pg1"), "no envelope in Debug");
    }
}
