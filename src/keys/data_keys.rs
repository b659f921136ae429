//! The keyring's data keys for one tenant and field: the field cipher (with the subject's key
//! mixed in, for crypto-shredding), the hashing keys, and the subject keys' upkeep. The at-rest
//! layer asks for them here; it never sees the key set's internals.

use super::derive::{DerivedId, Label, derive};
use super::keyring::Keyring;
use super::lookup::KeyRef;
use super::material::{KeyMaterial, RootKey};
use super::subject::{rewrap_subject_key, subject_key};
use super::subject_keys::StoreKey;
use crate::crypto::aead::{FieldCipher, Siv as _};
use crate::error::Error;
use std::sync::Arc;

/// Which field a data key is for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldScope<'a> {
    /// The tenant (empty for none).
    pub(crate) tenant: &'a Arc<str>,
    /// The record type's stable name.
    pub(crate) record: &'static str,
    /// The field's stable name.
    pub(crate) field: &'static str,
}

/// What a hashing key makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashUse {
    /// Blind indexes.
    BlindIndex,
    /// Pseudonyms.
    Pseudonym,
    /// The MAC that makes a vault token unforgeable and binds it to its field and tenant.
    TokenMac,
    /// The keyed lookup of convergent vault tokens (equal values, equal tokens).
    TokenLookup,
    /// The FF1 key of a field's format-preserving tokens.
    Ff1,
}

impl Keyring {
    /// The length of blind indexes, in bytes.
    pub(crate) fn index_len(&self) -> usize {
        self.inner.index_len
    }

    /// Whether subject keys are kept (a key store is configured).
    pub(crate) fn has_subject_keys(&self) -> bool {
        self.inner.store.is_some()
    }

    /// The field cipher under root key `root` (of the locked set `keys`), subject-keyed when
    /// `subject` is given; the subject's key is created when `create` and it has none.
    pub(crate) fn field_cipher(
        &self,
        keys: &[RootKey],
        root: KeyRef<'_>,
        at: FieldScope<'_>,
        subject: Option<&str>,
        create: bool,
    ) -> Result<Arc<FieldCipher>, Error> {
        let inner = &self.inner;
        let id = DerivedId {
            slot: root.slot,
            label: Label::Field,
            tenant: at.tenant,
            record: at.record,
            field: at.field,
            subject,
        };
        inner.cache.cipher(&id, || {
            // Only when the cipher is not cached yet: the subject key's store key, owned.
            let subject_key = match subject {
                Some(s) => {
                    let key = StoreKey {
                        region: root.key.region.clone(),
                        tenant: at.tenant.to_string(),
                        subject: s.to_owned(),
                    };
                    subject_key(inner, keys, &key, at.tenant, create)?
                }
                None => None,
            };
            derive(root.key, inner.environment, &id, subject_key.as_deref())
                .map(|k| FieldCipher::new(&k))
        })
    }

    /// The hashing key for `usage` under root key `root`.
    pub(crate) fn hash_key(
        &self,
        root: KeyRef<'_>,
        usage: HashUse,
        at: FieldScope<'_>,
    ) -> Result<Arc<KeyMaterial>, Error> {
        let inner = &self.inner;
        let id = DerivedId {
            slot: root.slot,
            label: match usage {
                HashUse::BlindIndex => Label::Index,
                HashUse::Pseudonym => Label::Pseudonym,
                HashUse::TokenMac => Label::TokenMac,
                HashUse::TokenLookup => Label::TokenLookup,
                HashUse::Ff1 => Label::Ff1,
            },
            tenant: at.tenant,
            record: at.record,
            field: at.field,
            subject: None,
        };
        inner.cache.hash_key(&id, || {
            derive(root.key, inner.environment, &id, None).map(KeyMaterial::new)
        })
    }

    /// Re-wraps a subject's key under the active root key (before an old version is destroyed).
    pub(crate) fn rewrap_subject_key(
        &self,
        keys: &[RootKey],
        subject: &StoreKey,
        tenant: &Arc<str>,
    ) -> Result<(), Error> {
        rewrap_subject_key(&self.inner, keys, subject, tenant)
    }

    /// Destroys a subject's key (crypto-shredding); `Ok(false)` if it had none.
    pub(crate) fn destroy_subject_key(&self, subject: &StoreKey) -> Result<bool, Error> {
        let store = self.inner.store.as_ref().ok_or(Error::Keyring {
            reason: "no key store is configured, so there are no subject keys to destroy",
        })?;
        let existed = store.delete(subject)?;
        self.inner.cache.forget_subject(subject);
        Ok(existed)
    }
}
