//! Vault tokens in the storage view and the storage door: a field whose storage treatment is
//! `tokenize` is written as a token, its envelope kept in the token store; reading the record
//! back swaps the token for that envelope, which a reveal opens as any other. No cleartext is
//! made on either side.

use super::storage_keys::{StorageKeys, TokenParts, classified_field};
use crate::clock::Clock;
use crate::crypto::keyed_hash::keyed_hash_parts;
use crate::crypto::random::fill_public;
use crate::envelope::Envelope;
use crate::error::Error;
use crate::keys::{HashUse, KeyLookup, KeyRef, KeyState, Purpose};
use crate::pii::Revealed;
use crate::schema::{FieldKind, FieldSchema, PiiField, RecordSchema, SubjectId};
use crate::token::{TokenEntry, TokenInfo, VaultFormat, head, id_text, write_token};
use crate::value::PiiValue;
use crate::view::{Classified, FieldRef};
use std::fmt;

/// What the store says of a token, without opening anything: where it belongs and when it
/// expires.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenMetadata {
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
    /// Whether equal values of the field share it.
    pub convergent: bool,
}

/// A tokenized field named outside the application's types — by a proxy's route table, an
/// operator's tool: the record type's and field's stable names and the field's class. Tokens
/// are bound to these names, as envelopes are.
///
/// ```
/// use piiguard::at_rest::TokenTarget;
/// use piiguard::{Class, schema::PiiField};
/// let card = TokenTarget::named("payment", "card", PiiField::of(Class::CardNumber));
/// assert_eq!((card.record(), card.field()), ("payment", "card"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TokenTarget {
    record: &'static RecordSchema,
    field: &'static FieldSchema,
    pii: &'static PiiField,
}

impl TokenTarget {
    /// Field `field` of record type `T`.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`] if `T` has no classified field of that name.
    pub fn of<T: Classified>(field: &str) -> Result<Self, Error> {
        let (field, pii) = classified_field(T::SCHEMA, field, |_| true)?;
        Ok(Self {
            record: T::SCHEMA,
            field,
            pii,
        })
    }

    /// A field known only by its names and class. Its schema is made once and kept for the
    /// life of the process (a route table builds its targets once, at startup).
    pub fn named(record: &str, field: &str, pii: PiiField) -> Self {
        let record_name: &'static str = Box::leak(record.into());
        let field_name: &'static str = Box::leak(field.into());
        let fields: &'static [FieldSchema] = Box::leak(Box::new([FieldSchema::new(
            field_name,
            field_name,
            FieldKind::Classified(pii),
        )]));
        let schema: &'static RecordSchema = Box::leak(Box::new(RecordSchema::new(
            record_name,
            record_name,
            None,
            fields,
        )));
        let (field, pii) = schema
            .classified_fields()
            .next()
            .unwrap_or_else(|| unreachable!("the schema was made with one classified field"));
        Self {
            record: schema,
            field,
            pii,
        }
    }

    /// The record type's stable name.
    pub fn record(&self) -> &'static str {
        self.record.name()
    }

    /// The field's stable name.
    pub fn field(&self) -> &'static str {
        self.field.name()
    }

    pub(crate) fn at<'a>(&self, subject: Option<&'a SubjectId>) -> FieldRef<'a> {
        FieldRef::new(self.record, self.field, self.pii, subject)
    }

    pub(crate) fn pii(&self) -> &'static PiiField {
        self.pii
    }

    pub(crate) fn record_schema(&self) -> &'static RecordSchema {
        self.record
    }

    pub(crate) fn field_schema(&self) -> &'static FieldSchema {
        self.field
    }
}

impl StorageKeys<'_> {
    fn token_store(&self) -> Result<&TokenParts, Error> {
        self.tokens.as_ref().ok_or(Error::Unsupported {
            what: "tokenization without a token store (the guard's store keeps tokens)",
        })
    }

    /// The MAC of a token's `head` under the token key of `version`, for this field.
    fn token_mac(&self, at: &FieldRef<'_>, version: u32, head: &[u8]) -> Result<[u8; 32], Error> {
        let keys = self.keyring.read()?;
        let active = keys.active(Purpose::Token, &self.region)?;
        let root = if version == active.key.version() {
            active
        } else {
            keys.find(active.key.id(), version, Purpose::Token, &self.region)?
        };
        self.mac_under(root, at, head)
    }

    /// A new token's head, made for the active token key's version, and its MAC: one read of
    /// the key set.
    fn sign<H: AsRef<[u8]>>(
        &self,
        at: &FieldRef<'_>,
        make_head: impl FnOnce(u32) -> H,
    ) -> Result<(H, [u8; 32]), Error> {
        let keys = self.keyring.read()?;
        let active = keys.active(Purpose::Token, &self.region)?;
        let head = make_head(active.key.version());
        let mac = self.mac_under(active, at, head.as_ref())?;
        Ok((head, mac))
    }

    fn mac_under(
        &self,
        root: KeyRef<'_>,
        at: &FieldRef<'_>,
        head: &[u8],
    ) -> Result<[u8; 32], Error> {
        let key = self
            .keyring
            .hash_key(root, HashUse::TokenMac, self.field_scope(at))?;
        Ok(keyed_hash_parts(key.bytes(), &[head]))
    }

    /// A convergent token's ids: keyed lookups of the normalized value (equal values, equal
    /// ids), never a plain hash, which anyone could compute from a guess — one under each
    /// token key version still usable, the active one first, so that a value tokenized before
    /// a rotation keeps its token.
    fn convergent_ids(&self, at: &FieldRef<'_>, cleartext: &[u8]) -> Result<Vec<[u8; 16]>, Error> {
        let normalized = at.pii().class().normalize(cleartext)?;
        let keys = self.keyring.read()?;
        let active = keys.active(Purpose::Token, &self.region)?;
        let mut roots = vec![active];
        roots.extend(
            keys.iter()
                .enumerate()
                .filter(|(slot, k)| {
                    *slot != active.slot
                        && k.purpose() == Purpose::Token
                        && k.region() == &*self.region
                        && k.state() != KeyState::Destroyed
                })
                .map(|(slot, key)| KeyRef { slot, key }),
        );
        roots
            .into_iter()
            .map(|root| {
                let key =
                    self.keyring
                        .hash_key(root, HashUse::TokenLookup, self.field_scope(at))?;
                let digest = keyed_hash_parts(key.bytes(), &[normalized.as_str().as_bytes()]);
                let mut id = [0u8; 16];
                id.copy_from_slice(&digest[..16]);
                Ok(id)
            })
            .collect()
    }

    /// The stored convergent token of a value, under any usable token key version.
    fn existing_convergent(
        &self,
        at: &FieldRef<'_>,
        cleartext: &[u8],
    ) -> Result<(Vec<[u8; 16]>, Option<TokenEntry>), Error> {
        let ids = self.convergent_ids(at, cleartext)?;
        let (store, clock) = self.token_store()?;
        let now = clock.now().unix_timestamp();
        for id in &ids {
            if let Some(entry) = store.get(&self.region, &self.tenant, &id_text(id))?
                && entry.expires.is_none_or(|t| t > now)
            {
                return Ok((ids, Some(entry)));
            }
        }
        Ok((ids, None))
    }

    /// The convergent token that field `field` of record type `T` holds for `value`, if one
    /// was made: look a tokenized column up without detokenizing it (`WHERE passport = ?`).
    /// Makes no token and discloses nothing.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`] if `T` has no convergent tokenized field `field`;
    /// [`Error::InvalidValue`] if `value` is not of the field's class.
    pub fn convergent_token<T: Classified>(
        &self,
        field: &str,
        value: &str,
    ) -> Result<Option<String>, Error> {
        let schema = T::SCHEMA;
        let (field_schema, pii) = classified_field(schema, field, |p| p.tokens().convergent())?;
        let at = FieldRef::new(schema, field_schema, pii, None);
        pii.class().validate(value.as_bytes())?;
        let (_, found) = self.existing_convergent(&at, value.as_bytes())?;
        Ok(found.map(|e| e.token))
    }

    /// Writes the vault token of a field's cleartext: its envelope goes to the token store.
    pub(super) fn tokenize(
        &self,
        at: &FieldRef<'_>,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        let (store, clock) = self.token_store()?;
        let options = at.pii().tokens();
        let now = clock.now().unix_timestamp();
        let mut id = [0u8; 16];
        if options.convergent() {
            let (ids, existing) = self.existing_convergent(at, cleartext)?;
            if let Some(entry) = existing {
                return self.hand_out(at, entry, out);
            }
            id = ids[0];
        } else {
            fill_public(&mut id);
        }
        let expires = options.ttl_secs().map(|ttl| now + i64::from(ttl));
        let (head, mac) = self.sign(at, |version| {
            head(options.convergent(), version, expires, &id)
        })?;
        let format = if at.pii().class().name() == "email" {
            VaultFormat::Email
        } else {
            VaultFormat::Opaque
        };
        let sealed = self.encrypt(at, cleartext)?;
        let mut envelope = String::new();
        sealed.write_text(&mut envelope);
        let entry = TokenEntry {
            id: id_text(&id),
            region: self.region.to_string(),
            tenant: self.tenant.to_string(),
            subject: at.subject().map(|s| s.as_str().to_owned()),
            record: at.record().name().to_owned(),
            field: at.field().name().to_owned(),
            class: at.pii().class().name().to_owned(),
            created: now,
            expires,
            token: write_token(&head, &mac, format),
            envelope,
            key_id: sealed.key_id().to_owned(),
            key_version: sealed.key_version(),
        };
        let stored = store.insert_if_absent(entry)?;
        self.hand_out(at, stored, out)
    }

    /// Writes a stored token for a field — unless it is a convergent token another subject's
    /// value already holds: its envelope is bound to that subject.
    fn hand_out(
        &self,
        at: &FieldRef<'_>,
        stored: TokenEntry,
        out: &mut String,
    ) -> Result<(), Error> {
        if stored.subject.as_deref() != at.subject().map(SubjectId::as_str) {
            return Err(Error::Token {
                reason: "a convergent token of this value belongs to another subject; convergent tokens suit fields without a subject",
            });
        }
        out.push_str(&stored.token);
        Ok(())
    }

    /// The envelope a field's token stands for.
    pub(crate) fn resolve_token(&self, at: &FieldRef<'_>, text: &str) -> Result<Envelope, Error> {
        let (_, entry) = self.token_entry(at, text)?;
        let envelope = Envelope::parse_text(&entry.envelope)?;
        self.check_envelope(&envelope)?;
        Ok(envelope)
    }

    /// A field's token's entry: the token's MAC checked (this field, this tenant,
    /// untampered), its expiry, then the store, and the subject.
    fn token_entry(&self, at: &FieldRef<'_>, text: &str) -> Result<(TokenInfo, TokenEntry), Error> {
        let (info, entry) = self.checked_entry(at, text)?;
        if entry.subject.as_deref() != at.subject().map(SubjectId::as_str) {
            return Err(Error::Token {
                reason: "the token belongs to another subject",
            });
        }
        Ok((info, entry))
    }

    /// A token's store entry, once its MAC (this field, this tenant, unaltered) and its expiry
    /// are checked; the subject is the caller's to check.
    fn checked_entry(
        &self,
        at: &FieldRef<'_>,
        text: &str,
    ) -> Result<(TokenInfo, TokenEntry), Error> {
        let (store, clock) = self.token_store()?;
        let info = TokenInfo::parse(text)?;
        // A version no key has is an altered token too; a destroyed one, a shredded token.
        let mac =
            self.token_mac(at, info.key_version, &info.head())
                .map_err(|error| match error {
                    Error::UnknownKey { .. } => Error::Token {
                        reason: "the token was altered, or belongs to another field or tenant",
                    },
                    Error::KeyDestroyed { .. } => Error::Token {
                        reason: "the token's key version was destroyed",
                    },
                    other => other,
                })?;
        if !crate::crypto::ct_eq(&mac[..16], &info.mac) {
            return Err(Error::Token {
                reason: "the token was altered, or belongs to another field or tenant",
            });
        }
        if info
            .expires
            .is_some_and(|t| t <= clock.now().unix_timestamp())
        {
            return Err(Error::Token {
                reason: "the token has expired",
            });
        }
        let entry = store
            .get(&self.region, &self.tenant, &info.id_text())?
            .ok_or(Error::Token {
                reason: "the token is unknown to the store (its subject was forgotten, or it was swept)",
            })?;
        Ok((info, entry))
    }

    /// A token of `target` given alone (no record says whose it is): checked as a record's
    /// token is, its subject taken from the store, where only the guard writes. Returns the
    /// subject and the envelope.
    pub(crate) fn resolve_target(
        &self,
        target: &TokenTarget,
        token: &str,
    ) -> Result<(Option<SubjectId>, Envelope), Error> {
        let (_, entry) = self.checked_entry(&target.at(None), token)?;
        let envelope = Envelope::parse_text(&entry.envelope)?;
        self.check_envelope(&envelope)?;
        Ok((entry.subject.map(|s| SubjectId::from_display(&s)), envelope))
    }

    /// Opens a token's envelope as a text value of `target` for `subject` (after the guard
    /// allowed it).
    pub(crate) fn open_target(
        &self,
        target: &TokenTarget,
        subject: Option<&SubjectId>,
        envelope: &Envelope,
    ) -> Result<Revealed<String>, Error> {
        let cleartext = self.open_at(&target.at(subject), envelope)?;
        Ok(Revealed::new(String::decode(cleartext)?))
    }

    /// The token of `value` for `target` and `subject` (a value a proxy receives in a
    /// response, before the application sees it).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a value not of the field's class; the store's and keys'
    /// errors.
    pub fn tokenize_value(
        &self,
        target: &TokenTarget,
        subject: Option<&dyn fmt::Display>,
        value: &str,
    ) -> Result<String, Error> {
        target.pii().class().validate(value.as_bytes())?;
        let subject = subject.map(SubjectId::from_display);
        let mut out = String::new();
        self.tokenize(&target.at(subject.as_ref()), value.as_bytes(), &mut out)?;
        Ok(out)
    }

    /// What the store says of a token of field `field` of record type `T` for `subject`,
    /// without opening its value: its class, field, creation and expiry. Discloses nothing.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`]; [`Error::Token`] for a token that is altered, of another
    /// field, tenant or subject, expired, or unknown to the store.
    pub fn token_metadata<T: Classified>(
        &self,
        field: &str,
        subject: Option<&dyn fmt::Display>,
        token: &str,
    ) -> Result<TokenMetadata, Error> {
        let schema = T::SCHEMA;
        let (field_schema, pii) = classified_field(schema, field, |_| true)?;
        let subject = subject.map(SubjectId::from_display);
        let at = FieldRef::new(schema, field_schema, pii, subject.as_ref());
        let (info, entry) = self.token_entry(&at, token)?;
        Ok(TokenMetadata {
            record: entry.record,
            field: entry.field,
            class: entry.class,
            created: entry.created,
            expires: entry.expires,
            convergent: info.convergent,
        })
    }

    /// Deletes a subject's tokens (with its key, when it is forgotten).
    pub(super) fn delete_subject_tokens(&self, subject: &str) -> Result<u64, Error> {
        match &self.tokens {
            Some((store, _)) => store.delete_subject(&self.region, &self.tenant, subject),
            None => Ok(0),
        }
    }
}
