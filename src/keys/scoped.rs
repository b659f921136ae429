//! [`ScopedKeys`]: the keyring's operations for one tenant and region — the storage and export
//! views, reveals, blind-index lookups, rewrapping and crypto-shredding.

use super::Purpose;
use super::derive::{DerivedId, Label, derive};
use super::keyring::{Keyring, active_slot, find_slot};
use super::material::{KeyMaterial, RootKey};
use super::store::StoreKey;
use super::subject::{rewrap_subject_key, subject_key};
use crate::crypto::aead::FieldCipher;
use crate::envelope::{Context, Envelope, Header};
use crate::error::{Error, json_error, remember, take_remembered};
use crate::index::{Digest, write_digest};
use crate::pii::{Internal, Pii, Revealed};
use crate::schema::{Classified, SubjectId};
use crate::value::PiiValue;
use crate::view::{FieldRef, Protector, Treatment, View, ViewContext, in_context};
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

/// A tenant and a region: whose keys an operation uses.
///
/// ```
/// use piiguard::keys::Scope;
/// let scope = Scope::new().tenant("acme").region("eu");
/// assert_eq!(scope.tenant_id(), "acme");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    tenant: String,
    region: Option<String>,
}

impl Scope {
    /// No tenant, the keyring's default region.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tenant (customer) whose data this is: envelopes of one tenant never open for another.
    pub fn tenant(mut self, tenant: &str) -> Self {
        tenant.clone_into(&mut self.tenant);
        self
    }

    /// The region the data belongs to: it is encrypted under that region's keys.
    pub fn region(mut self, region: &str) -> Self {
        self.region = Some(region.to_owned());
        self
    }

    /// The tenant id (empty for none).
    pub fn tenant_id(&self) -> &str {
        &self.tenant
    }

    /// The region, if one was chosen (else the keyring's default applies).
    pub fn region_id(&self) -> Option<&str> {
        self.region.as_deref()
    }
}

/// What `forget_subject` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgotten {
    /// The subject's key existed and was destroyed.
    Destroyed,
    /// The subject had no key (never had one, or was already forgotten): nothing to do.
    NoKey,
}

/// Counts of a rewrap, reported after every record of a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RewrapProgress {
    /// Records seen.
    pub records: usize,
    /// Envelopes moved to the active key.
    pub rewrapped: usize,
    /// Envelopes already under the active key.
    pub current: usize,
    /// Records that could not be rewrapped (left unchanged).
    pub failed: usize,
}

/// The keyring's operations in one [`Scope`]. Implements [`Protector`], so it can be attached
/// to any [`ViewContext`].
pub struct ScopedKeys<'k> {
    keyring: &'k Keyring,
    tenant: Arc<str>,
    region: Arc<str>,
}

impl fmt::Debug for ScopedKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedKeys")
            .field("tenant", &self.tenant)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl<'k> ScopedKeys<'k> {
    pub(crate) fn new(keyring: &'k Keyring, scope: &Scope) -> Self {
        let region = scope.region_id().unwrap_or(keyring.default_region());
        Self {
            keyring,
            tenant: Arc::from(scope.tenant.as_str()),
            region: Arc::from(region),
        }
    }

    /// The tenant.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// A view context carrying these keys.
    pub fn context(&self, view: View) -> ViewContext<'_> {
        ViewContext::new(view).with_protector(self)
    }

    /// The storage view as JSON: envelopes, plus blind indexes where fields ask for them.
    ///
    /// # Errors
    /// The typed error of whatever failed (a missing region, a forgotten subject…).
    pub fn to_json<T: Classified + ?Sized>(&self, record: &T) -> Result<String, Error> {
        self.to_json_in(record, View::Storage)
    }

    /// Any view as JSON, with these keys attached.
    ///
    /// # Errors
    /// The typed error of whatever failed.
    pub fn to_json_in<T: Classified + ?Sized>(
        &self,
        record: &T,
        view: View,
    ) -> Result<String, Error> {
        take_remembered();
        serde_json::to_string(&in_context(record, self.context(view)))
            .map_err(|e| take_remembered().unwrap_or_else(|| json_error(&e)))
    }

    /// Reads a record written by the storage view. Classified values stay encrypted (as
    /// envelopes) until revealed; a field the schema encrypts must hold an envelope of this
    /// keyring's environment and of this scope's region.
    ///
    /// # Errors
    /// [`Error::Json`], [`Error::Envelope`], [`Error::NotEncrypted`],
    /// [`Error::EnvironmentMismatch`], [`Error::RegionMismatch`].
    pub fn from_json<T: Classified + serde::de::DeserializeOwned>(
        &self,
        json: &str,
    ) -> Result<T, Error> {
        take_remembered();
        let record: T = serde_json::from_str(json)
            .map_err(|e| take_remembered().unwrap_or_else(|| json_error(&e)))?;
        let mut problem = None;
        record.visit_pii(&mut |at, slot| {
            if problem.is_some() {
                return;
            }
            problem = match slot.envelope() {
                Some(envelope) => self.check_envelope(envelope).err(),
                None if at.pii.storage == Treatment::Encrypt => Some(Error::NotEncrypted {
                    field: at.field.name,
                }),
                None => None,
            };
        });
        problem.map_or(Ok(record), Err)
    }

    /// Reveals one classified field of `record`: `field` picks it (`|c| &c.email`).
    ///
    /// A value loaded from storage is decrypted here, with the record's context (type, field,
    /// subject) and this scope's tenant and region; the cleartext is wiped when the returned
    /// guard drops. This checks no policy and writes no audit record: the guard's `reveal` is
    /// built on it.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`] if `field` does not return one of the record's classified
    /// values; [`Error::OpenFailed`], [`Error::SubjectForgotten`] and the other key errors.
    pub fn reveal<'r, T: Classified + ?Sized, V: PiiValue + 'r>(
        &self,
        record: &'r T,
        field: impl FnOnce(&'r T) -> &'r Pii<V>,
    ) -> Result<Revealed<V>, Error> {
        let pii = field(record);
        let target = std::ptr::from_ref(pii).cast::<()>();
        let mut opened = None;
        record.visit_pii(&mut |at, slot| {
            if opened.is_none() && std::ptr::from_ref(slot).cast::<()>() == target {
                opened = Some(match pii.envelope() {
                    Some(envelope) => self.open_at(at, envelope),
                    // Not stored yet: opened from the process seal, without a second copy.
                    None => pii.cleartext_bytes(),
                });
            }
        });
        let bytes = opened.ok_or(Error::FieldNotFound)??;
        V::decode(bytes).map(Revealed::new)
    }

    /// The blind indexes a lookup of `value` in field `field` (its stable or Rust name) of
    /// record type `T` must match: one per still-valid index key version, the active one first.
    /// Use them as `WHERE email_bidx IN (…)`, so search keeps working during a rotation.
    ///
    /// # Errors
    /// [`Error::FieldNotFound`] if the field has no blind index; [`Error::InvalidValue`] if
    /// the value is not valid for the field's class.
    pub fn blind_index_candidates<T: Classified + ?Sized>(
        &self,
        field: &str,
        value: &str,
    ) -> Result<Vec<String>, Error> {
        let schema = T::SCHEMA;
        let (field_schema, pii) = schema
            .classified_fields()
            .find(|(f, p)| (f.name == field || f.rust_name == field) && p.blind_index.is_some())
            .ok_or(Error::FieldNotFound)?;
        let at = FieldRef {
            record: schema,
            field: field_schema,
            pii,
            subject: None,
        };
        let normalized = pii.class.normalize(value.as_bytes())?;
        let keys = self.keyring.read();
        let mut slots: Vec<usize> = (0..keys.len())
            .filter(|&i| {
                let k = &keys[i];
                k.purpose == Purpose::BlindIndex
                    && *k.region == *self.region
                    && k.material.is_some()
            })
            .collect();
        if slots.is_empty() {
            return Err(Error::RegionUnavailable {
                region: self.region.to_string(),
            });
        }
        slots.sort_by_key(|&i| {
            (
                keys[i].state != super::KeyState::Active,
                u32::MAX - keys[i].version,
            )
        });
        slots
            .into_iter()
            .map(|slot| {
                let mut out = String::new();
                self.write_digest_at(
                    &keys,
                    slot,
                    Digest::BlindIndex(self.keyring.inner.index_len),
                    &at,
                    normalized.as_str().as_bytes(),
                    &mut out,
                )?;
                Ok(out)
            })
            .collect()
    }

    /// Moves every envelope of `record` that is not under the active key to it, keeping its
    /// context; the cleartext never leaves the library. Sealed (not yet stored) values are
    /// left alone. The record's subject keys are re-wrapped under the active key too, so the
    /// old version can be destroyed afterwards. Serialize the record in the storage view to
    /// persist it.
    ///
    /// # Errors
    /// The first envelope that fails to open; the record is then left unchanged.
    pub fn rewrap<T: Classified + ?Sized>(&self, record: &mut T) -> Result<RewrapProgress, Error> {
        // First open and re-seal everything, then swap: a failure leaves the record as it was.
        let mut planned = Vec::new();
        let mut progress = RewrapProgress {
            records: 1,
            ..RewrapProgress::default()
        };
        let mut failure = None;
        let mut subjects: Vec<String> = Vec::new();
        let active = {
            let keys = self.keyring.read();
            let slot = active_slot(&keys, Purpose::FieldEncryption, &self.region)?;
            (keys[slot].id.clone(), keys[slot].version)
        };
        record.visit_pii(&mut |at, slot| {
            let Some(envelope) = slot.envelope() else {
                return;
            };
            if failure.is_some() {
                return;
            }
            if let Some(subject) = at.subject.filter(|_| envelope.is_subject_keyed())
                && !subjects.iter().any(|s| s == subject.as_str())
            {
                subjects.push(subject.as_str().to_owned());
            }
            if (envelope.key_id(), envelope.key_version()) == (active.0.as_str(), active.1) {
                progress.current += 1;
                return;
            }
            match self
                .open_at(at, envelope)
                .and_then(|bytes| self.encrypt(at, &bytes))
            {
                Ok(new) => planned.push(new),
                Err(e) => failure = Some(e),
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        {
            let keys = self.keyring.read();
            for subject in &subjects {
                rewrap_subject_key(
                    &self.keyring.inner,
                    &keys,
                    &self.store_key(subject),
                    &self.tenant,
                )?;
            }
        }
        progress.rewrapped = planned.len();
        let mut next = planned.into_iter();
        record.visit_pii_mut(&mut |_, slot| {
            let stale = slot
                .envelope()
                .is_some_and(|e| (e.key_id(), e.key_version()) != (active.0.as_str(), active.1));
            if stale && let Some(envelope) = next.next() {
                slot.replace_envelope(Internal::new(), envelope);
            }
        });
        Ok(progress)
    }

    /// Rewraps a stream of records, calling `progress` after each one. A record that fails
    /// (a forgotten subject, a tampered envelope) is counted and left unchanged.
    pub fn rewrap_all<'r, T: Classified + 'r>(
        &self,
        records: impl IntoIterator<Item = &'r mut T>,
        mut progress: impl FnMut(&RewrapProgress),
    ) -> RewrapProgress {
        let mut total = RewrapProgress::default();
        for record in records {
            total.records += 1;
            match self.rewrap(record) {
                Ok(one) => {
                    total.rewrapped += one.rewrapped;
                    total.current += one.current;
                }
                Err(_) => total.failed += 1,
            }
            progress(&total);
        }
        total
    }

    /// Crypto-shredding: destroys the subject's own key in this scope (tenant and region), so
    /// that every envelope of that subject becomes permanently unreadable. Idempotent.
    ///
    /// # Errors
    /// [`Error::Keyring`] if the keyring has no key store (no subject keys); store errors.
    pub fn forget_subject(&self, subject: &impl fmt::Display) -> Result<Forgotten, Error> {
        let store = self.keyring.inner.store.as_ref().ok_or(Error::Keyring {
            reason: "no key store is configured, so there are no subject keys to destroy",
        })?;
        let key = self.store_key(SubjectId::from_display(subject).as_str());
        let existed = store.delete(&key)?;
        self.keyring.inner.cache.forget_subject(&key);
        Ok(if existed {
            Forgotten::Destroyed
        } else {
            Forgotten::NoKey
        })
    }

    fn store_key(&self, subject: &str) -> StoreKey {
        StoreKey {
            region: self.region.to_string(),
            tenant: self.tenant.to_string(),
            subject: subject.to_owned(),
        }
    }

    fn check_envelope(&self, envelope: &Envelope) -> Result<(), Error> {
        let environment = self.keyring.inner.environment;
        if envelope.environment() != environment {
            return Err(Error::EnvironmentMismatch {
                envelope: envelope.environment(),
                keyring: environment,
            });
        }
        if envelope.region() != &*self.region {
            return Err(Error::RegionMismatch {
                envelope: envelope.region().to_owned(),
                requested: self.region.to_string(),
            });
        }
        Ok(())
    }

    fn context_of<'a>(&'a self, at: &'a FieldRef<'_>) -> Context<'a> {
        Context {
            record: at.record.name,
            field: at.field.name,
            subject: at.subject.map(SubjectId::as_str),
            tenant: &self.tenant,
        }
    }

    /// The field cipher for a root key slot, subject-keyed when `subject` is given.
    fn field_cipher(
        &self,
        keys: &[RootKey],
        slot: usize,
        at: &FieldRef<'_>,
        subject: Option<&str>,
        create_subject_key: bool,
    ) -> Result<Arc<FieldCipher>, Error> {
        let inner = &self.keyring.inner;
        let id = DerivedId {
            slot,
            label: Label::Field,
            tenant: &self.tenant,
            record: at.record.name,
            field: at.field.name,
            subject,
        };
        inner.cache.cipher(&id, || {
            let subject_key = match subject {
                Some(s) => subject_key(
                    inner,
                    keys,
                    &self.store_key(s),
                    &self.tenant,
                    create_subject_key,
                )?,
                None => None,
            };
            derive(&keys[slot], inner.environment, &id, subject_key.as_deref())
                .map(|k| FieldCipher::new(&k))
        })
    }

    /// Encrypts a field's cleartext under the active key, bound to its context.
    fn encrypt(&self, at: &FieldRef<'_>, cleartext: &[u8]) -> Result<Envelope, Error> {
        let inner = &self.keyring.inner;
        let keys = self.keyring.read();
        let slot = active_slot(&keys, Purpose::FieldEncryption, &self.region)?;
        let subject = at
            .subject
            .filter(|_| inner.store.is_some())
            .map(SubjectId::as_str);
        let cipher = self.field_cipher(&keys, slot, at, subject, true)?;
        let root = &keys[slot];
        let header = Header {
            environment: inner.environment,
            subject_keyed: subject.is_some(),
            region: &self.region,
            key_id: &root.id,
            key_version: root.version,
        };
        Ok(Envelope::seal(
            &header,
            &cipher,
            &self.context_of(at),
            cleartext,
        ))
    }

    /// Opens an envelope of a field, with the field's context and this scope.
    fn open_at(&self, at: &FieldRef<'_>, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.check_envelope(envelope)?;
        let keys = self.keyring.read();
        let slot = find_slot(
            &keys,
            envelope.key_id(),
            envelope.key_version(),
            Purpose::FieldEncryption,
            envelope.region(),
        )?;
        let subject = match (envelope.is_subject_keyed(), at.subject) {
            (true, Some(s)) if self.keyring.inner.store.is_some() => Some(s.as_str()),
            (true, Some(_)) => {
                return Err(Error::Keyring {
                    reason: "the envelope needs a subject key, and no key store is configured",
                });
            }
            (true, None) => return Err(Error::OpenFailed),
            (false, _) => None,
        };
        let cipher = self.field_cipher(&keys, slot, at, subject, false)?;
        envelope.open(&cipher, &self.context_of(at))
    }

    fn hash_key(
        &self,
        keys: &[RootKey],
        slot: usize,
        label: Label,
        at: &FieldRef<'_>,
    ) -> Result<Arc<KeyMaterial>, Error> {
        let inner = &self.keyring.inner;
        let id = DerivedId {
            slot,
            label,
            tenant: &self.tenant,
            record: at.record.name,
            field: at.field.name,
            subject: None,
        };
        inner.cache.hash_key(&id, || {
            derive(&keys[slot], inner.environment, &id, None).map(KeyMaterial::new)
        })
    }

    fn write_digest_at(
        &self,
        keys: &[RootKey],
        slot: usize,
        digest: Digest,
        at: &FieldRef<'_>,
        normalized: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        let label = match digest {
            Digest::BlindIndex(_) => Label::Index,
            Digest::Pseudonym => Label::Pseudonym,
        };
        let key = self.hash_key(keys, slot, label, at)?;
        let root = &keys[slot];
        write_digest(out, digest, &root.id, root.version, key.bytes(), normalized);
        Ok(())
    }

    /// A digest of a field's value under the active key for `purpose`.
    fn digest(
        &self,
        at: &FieldRef<'_>,
        purpose: Purpose,
        digest: Digest,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        let normalized = at.pii.class.normalize(cleartext)?;
        let keys = self.keyring.read();
        let slot = active_slot(&keys, purpose, &self.region)?;
        self.write_digest_at(&keys, slot, digest, at, normalized.as_str().as_bytes(), out)
    }
}

impl Protector for ScopedKeys<'_> {
    fn protect(
        &self,
        field: &FieldRef<'_>,
        treatment: Treatment,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        let done = match treatment {
            Treatment::Encrypt => self.encrypt(field, cleartext).map(|e| e.write_text(out)),
            Treatment::Hash => {
                self.digest(field, Purpose::Pseudonym, Digest::Pseudonym, cleartext, out)
            }
            Treatment::Tokenize => Err(Error::Unsupported {
                what: "tokenization",
            }),
            _ => Err(Error::Unsupported {
                what: "a treatment that needs no keys",
            }),
        };
        remember_err(done)
    }

    fn blind_index(
        &self,
        field: &FieldRef<'_>,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        let digest = Digest::BlindIndex(self.keyring.inner.index_len);
        remember_err(self.digest(field, Purpose::BlindIndex, digest, cleartext, out))
    }

    fn open(&self, field: &FieldRef<'_>, envelope: &Envelope) -> Result<Zeroizing<Vec<u8>>, Error> {
        remember_err(self.open_at(field, envelope))
    }
}

/// Keeps a typed copy of an error that is about to pass through serde as text.
fn remember_err<T>(result: Result<T, Error>) -> Result<T, Error> {
    if let Err(e) = &result {
        remember(e);
    }
    result
}
