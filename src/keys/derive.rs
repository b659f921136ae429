//! Data-key derivation (HKDF-SHA256 with domain separation) and the cache that keeps HKDF off
//! the hot path.

use super::Environment;
use super::material::{KeyMaterial, RootKey};
use super::subject_keys::StoreKey;
use crate::codec::put_part;
use crate::crypto::KEY_LEN;
use crate::crypto::aead::FieldCipher;
use crate::crypto::kdf::hkdf_sha256;
use crate::error::Error;
use hashbrown::{Equivalent, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, PoisonError, RwLock};
use zeroize::Zeroizing;

/// What a derived key is for (the first part of the HKDF info).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Label {
    Field,
    SubjectWrap,
    Index,
    Pseudonym,
    TokenMac,
    TokenLookup,
    Ff1,
}

impl Label {
    const fn name(self) -> &'static [u8] {
        match self {
            Self::Field => b"field-encryption",
            Self::SubjectWrap => b"subject-key-wrap",
            Self::Index => b"blind-index",
            Self::Pseudonym => b"pseudonym",
            Self::TokenMac => b"token-mac",
            Self::TokenLookup => b"token-lookup",
            Self::Ff1 => b"ff1-key",
        }
    }
}

/// Everything a derived key depends on, borrowed (a cache lookup allocates nothing). The root
/// key's slot stands for its id and version.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DerivedId<'a> {
    pub(crate) slot: usize,
    pub(crate) label: Label,
    pub(crate) tenant: &'a str,
    pub(crate) record: &'static str,
    pub(crate) field: &'static str,
    pub(crate) subject: Option<&'a str>,
}

/// The owned form of a [`DerivedId`], kept as a cache key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnedId {
    slot: usize,
    label: Label,
    tenant: Box<str>,
    record: &'static str,
    field: &'static str,
    subject: Option<Box<str>>,
}

impl DerivedId<'_> {
    fn to_owned_id(self) -> OwnedId {
        OwnedId {
            slot: self.slot,
            label: self.label,
            tenant: self.tenant.into(),
            record: self.record,
            field: self.field,
            subject: self.subject.map(Box::from),
        }
    }
}

fn hash_id<H: Hasher>(
    state: &mut H,
    (slot, label, tenant, record, field, subject): (usize, Label, &str, &str, &str, Option<&str>),
) {
    slot.hash(state);
    label.hash(state);
    tenant.hash(state);
    record.hash(state);
    field.hash(state);
    subject.hash(state);
}

impl Hash for OwnedId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let subject = self.subject.as_deref();
        hash_id(
            state,
            (
                self.slot,
                self.label,
                &self.tenant,
                self.record,
                self.field,
                subject,
            ),
        );
    }
}

impl Hash for DerivedId<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let t = (
            self.slot,
            self.label,
            self.tenant,
            self.record,
            self.field,
            self.subject,
        );
        hash_id(state, t);
    }
}

/// String equality with a pointer fast path: schema names are `'static` and usually the very
/// same string.
fn same_str(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

impl Equivalent<OwnedId> for DerivedId<'_> {
    fn equivalent(&self, key: &OwnedId) -> bool {
        self.slot == key.slot
            && self.label == key.label
            && same_str(self.record, key.record)
            && same_str(self.field, key.field)
            && self.tenant == &*key.tenant
            && self.subject == key.subject.as_deref()
    }
}

/// The salt when no subject key takes part.
const SALT: &[u8] = b"piiguard/v1/data-key";

/// HKDF-SHA256 of a root key. The info is the label, environment, region, tenant, record and
/// field, each length-prefixed; a subject key, when there is one, is the salt.
pub(crate) fn derive(
    root: &RootKey,
    environment: Environment,
    id: &DerivedId<'_>,
    subject_key: Option<&KeyMaterial>,
) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
    let material = root.material.as_ref().ok_or_else(|| Error::KeyDestroyed {
        id: root.id.clone(),
        version: root.version,
    })?;
    let mut info = Vec::with_capacity(96);
    info.extend_from_slice(b"piiguard/v1");
    for part in [
        id.label.name(),
        environment.name().as_bytes(),
        root.region.as_bytes(),
        id.tenant.as_bytes(),
        id.record.as_bytes(),
        id.field.as_bytes(),
    ] {
        put_part(&mut info, part);
    }
    let salt = subject_key.map_or(SALT, |k| k.bytes().as_slice());
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    hkdf_sha256(salt, material.bytes(), &[&info], out.as_mut_slice()).map_err(|_| {
        Error::Keyring {
            reason: "key derivation failed",
        }
    })?;
    Ok(out)
}

/// Subject-dependent entries are dropped all at once beyond this many, bounding memory (and
/// re-derived on the next use). Each cached subject costs one cipher (with `aws-lc`, the key's
/// 32 bytes in a 32-byte slot of the protected arena; on RustCrypto, an expanded key schedule
/// of 960 bytes in a 1 KiB slot) and its subject key (a 64-byte slot), plus about 150 bytes of
/// map entry: about 4.5 MiB for a full cache with `aws-lc` (1.5 MiB in the arena), about 20 MiB
/// on RustCrypto (17 MiB in the arena).
pub(crate) const MAX_SUBJECT_ENTRIES: usize = 16_384;

/// Derived ciphers, hashing keys and unwrapped subject keys, each built once.
#[derive(Default)]
pub(crate) struct Cache {
    ciphers: RwLock<HashMap<OwnedId, Arc<FieldCipher>>>,
    hash_keys: RwLock<HashMap<OwnedId, Arc<KeyMaterial>>>,
    subjects: RwLock<std::collections::HashMap<StoreKey, Arc<KeyMaterial>>>,
}

fn get_or_build<V>(
    map: &RwLock<HashMap<OwnedId, Arc<V>>>,
    key: &DerivedId<'_>,
    build: impl FnOnce() -> Result<V, Error>,
) -> Result<Arc<V>, Error> {
    if let Some(v) = map.read().unwrap_or_else(PoisonError::into_inner).get(key) {
        return Ok(Arc::clone(v));
    }
    let value = Arc::new(build()?);
    let mut map = map.write().unwrap_or_else(PoisonError::into_inner);
    if key.subject.is_some() && map.len() >= MAX_SUBJECT_ENTRIES {
        map.retain(|id, _| id.subject.is_none());
    }
    Ok(Arc::clone(map.entry(key.to_owned_id()).or_insert(value)))
}

impl Cache {
    pub(crate) fn cipher(
        &self,
        id: &DerivedId<'_>,
        build: impl FnOnce() -> Result<FieldCipher, Error>,
    ) -> Result<Arc<FieldCipher>, Error> {
        get_or_build(&self.ciphers, id, build)
    }

    pub(crate) fn hash_key(
        &self,
        id: &DerivedId<'_>,
        build: impl FnOnce() -> Result<KeyMaterial, Error>,
    ) -> Result<Arc<KeyMaterial>, Error> {
        get_or_build(&self.hash_keys, id, build)
    }

    pub(crate) fn subject_key(&self, key: &StoreKey) -> Option<Arc<KeyMaterial>> {
        self.subjects
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    pub(crate) fn remember_subject_key(&self, key: &StoreKey, material: Arc<KeyMaterial>) {
        let mut map = self
            .subjects
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_SUBJECT_ENTRIES {
            map.clear();
        }
        map.insert(key.clone(), material);
    }

    /// Drops everything that depends on one subject's key (crypto-shredding).
    pub(crate) fn forget_subject(&self, key: &StoreKey) {
        self.subjects
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        self.ciphers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|id, _| {
                id.subject.as_deref() != Some(key.subject.as_str()) || *id.tenant != *key.tenant
            });
    }

    /// Drops everything that depends on any subject's key (another instance destroyed one).
    pub(crate) fn forget_subjects(&self) {
        self.subjects
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.ciphers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|id, _| id.subject.is_none());
    }

    /// Drops everything (a root key was destroyed).
    pub(crate) fn clear(&self) {
        self.ciphers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.hash_keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.subjects
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::aead::Siv as _;

    fn id<'a>(tenant: &'a str, subject: Option<&'a str>) -> DerivedId<'a> {
        DerivedId {
            slot: 0,
            label: Label::Field,
            tenant,
            record: "customer",
            field: "email",
            subject,
        }
    }

    #[test]
    fn a_derived_key_is_built_once_and_forgotten_with_its_subject() {
        let cache = Cache::default();
        let mut builds = 0;
        for _ in 0..3 {
            cache
                .cipher(&id("acme", None), || {
                    builds += 1;
                    Ok(FieldCipher::new(&[1; 32]))
                })
                .unwrap();
        }
        assert_eq!(builds, 1, "HKDF ran again on a cached key");
        let owned_tenant = String::from("acme");
        cache
            .cipher(&id(&owned_tenant, Some("42")), || {
                builds += 1;
                Ok(FieldCipher::new(&[2; 32]))
            })
            .unwrap();
        assert_eq!(builds, 2);
        cache.forget_subject(&StoreKey {
            region: "local".into(),
            tenant: "acme".into(),
            subject: "42".into(),
        });
        cache
            .cipher(&id("acme", Some("42")), || {
                builds += 1;
                Ok(FieldCipher::new(&[2; 32]))
            })
            .unwrap();
        cache
            .cipher(&id("acme", None), || {
                builds += 1;
                Ok(FieldCipher::new(&[1; 32]))
            })
            .unwrap();
        assert_eq!(builds, 3, "only the subject's entry is dropped");
    }

    #[test]
    fn keyrings_are_shareable_between_threads() {
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<super::super::Keyring>();
    }
}
