//! [`StorageKeys`]: a keyring's field keys for one tenant and region — encrypt, open, digest.

use super::digest::{Digest, write_digest};
use crate::clock::Clock;
use crate::crypto::aead::FieldCipher;
use crate::envelope::{Context, Envelope, Header};
use crate::error::Error;
use crate::keys::{FieldScope, HashUse, KeyLookup, KeyRef, Keyring, Purpose, Scope, StoreKey};
use crate::schema::{FieldSchema, PiiField, RecordSchema, SubjectId};
use crate::token::TokenStore;
use crate::view::FieldRef;
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The keyring's storage operations in one [`Scope`] (tenant and region): the storage view,
/// blind-index lookups, rewrapping and crypto-shredding. It checks no policy and writes no
/// audit record; applications use the [`Guard`](crate::Guard), which is built on it.
/// Operators' tooling gets one from [`unaudited::keys`](crate::unaudited::keys).
pub struct StorageKeys<'k> {
    pub(super) keyring: &'k Keyring,
    pub(super) tenant: Arc<str>,
    pub(super) region: Arc<str>,
    /// Where vault tokens are kept, and the clock that dates them.
    pub(super) tokens: Option<TokenParts>,
}

/// A token store and the clock that dates its tokens.
pub(super) type TokenParts = (Arc<dyn TokenStore>, Arc<dyn Clock>);

impl fmt::Debug for StorageKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageKeys")
            .field("tenant", &self.tenant)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl<'k> StorageKeys<'k> {
    /// The keys of `keyring` in `scope` (the keyring's default region when it names none).
    pub(crate) fn new(keyring: &'k Keyring, scope: &Scope) -> Self {
        let region = scope.region_id().unwrap_or(keyring.default_region());
        Self {
            keyring,
            tenant: Arc::from(scope.tenant_id()),
            region: Arc::from(region),
            tokens: None,
        }
    }

    /// The keys of `keyring` for a tenant and region already resolved (the guard keeps them,
    /// so an operation copies no names).
    pub(crate) fn shared(keyring: &'k Keyring, tenant: Arc<str>, region: Arc<str>) -> Self {
        Self {
            keyring,
            tenant,
            region,
            tokens: None,
        }
    }

    /// These keys with a token store: the storage view writes vault tokens for the fields
    /// that ask for them, and the storage door reads them back, dated by `clock`.
    pub fn with_tokens(mut self, store: Arc<dyn TokenStore>, clock: Arc<dyn Clock>) -> Self {
        self.tokens = Some((store, clock));
        self
    }

    /// The tenant.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    pub(super) fn store_key(&self, subject: &str) -> StoreKey {
        StoreKey {
            region: self.region.to_string(),
            tenant: self.tenant.to_string(),
            subject: subject.to_owned(),
        }
    }

    /// Refuses an envelope of another environment or region before any key is looked up.
    pub(super) fn check_envelope(&self, envelope: &Envelope) -> Result<(), Error> {
        let environment = self.keyring.environment();
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
            record: at.record().name(),
            field: at.field().name(),
            subject: at.subject().map(SubjectId::as_str),
            tenant: &self.tenant,
        }
    }

    pub(super) fn field_scope<'a>(&'a self, at: &FieldRef<'_>) -> FieldScope<'a> {
        FieldScope {
            tenant: &self.tenant,
            record: at.record().name(),
            field: at.field().name(),
        }
    }

    /// Encrypts a field's cleartext under the active key, bound to its context.
    pub(super) fn encrypt(&self, at: &FieldRef<'_>, cleartext: &[u8]) -> Result<Envelope, Error> {
        self.sealing(at, |header, cipher, context| {
            Envelope::seal(header, cipher, context, cleartext)
        })
    }

    /// Encrypts like [`encrypt`](Self::encrypt) and appends the envelope's text form to `out`.
    pub(super) fn encrypt_text(
        &self,
        at: &FieldRef<'_>,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        self.sealing(at, |header, cipher, context| {
            Envelope::seal_text(header, cipher, context, cleartext, out);
        })
    }

    /// Calls `seal` with the header, the cipher and the context of a new envelope of a field.
    fn sealing<R>(
        &self,
        at: &FieldRef<'_>,
        seal: impl FnOnce(&Header<'_>, &FieldCipher, &Context<'_>) -> R,
    ) -> Result<R, Error> {
        let keys = self.keyring.read()?;
        let root = keys.active(Purpose::FieldEncryption, &self.region)?;
        let subject = at
            .subject()
            .filter(|_| self.keyring.has_subject_keys())
            .map(SubjectId::as_str);
        let cipher = self
            .keyring
            .field_cipher(&keys, root, self.field_scope(at), subject, true)?;
        let header = Header {
            environment: self.keyring.environment(),
            subject_keyed: subject.is_some(),
            region: &self.region,
            key_id: root.key.id(),
            key_version: root.key.version(),
        };
        Ok(seal(&header, &cipher, &self.context_of(at)))
    }

    /// Opens an envelope of a field, with the field's context and this scope.
    pub(super) fn open_at(
        &self,
        at: &FieldRef<'_>,
        envelope: &Envelope,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.check_envelope(envelope)?;
        let keys = self
            .keyring
            .read_knowing(envelope.key_id(), envelope.key_version())?;
        let root = keys.find(
            envelope.key_id(),
            envelope.key_version(),
            Purpose::FieldEncryption,
            envelope.region(),
        )?;
        let subject = match (envelope.is_subject_keyed(), at.subject()) {
            (true, Some(s)) if self.keyring.has_subject_keys() => Some(s.as_str()),
            (true, Some(_)) => {
                return Err(Error::Keyring {
                    reason: "the envelope needs a subject key, and no key store is configured",
                });
            }
            (true, None) => return Err(Error::OpenFailed),
            (false, _) => None,
        };
        let cipher =
            self.keyring
                .field_cipher(&keys, root, self.field_scope(at), subject, false)?;
        envelope.open(&cipher, &self.context_of(at))
    }

    /// A digest of a normalized value under root key `slot` of the locked set.
    pub(super) fn write_digest_with(
        &self,
        root: KeyRef<'_>,
        digest: Digest,
        at: &FieldRef<'_>,
        normalized: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        let usage = match digest {
            Digest::BlindIndex(_) => HashUse::BlindIndex,
            Digest::Pseudonym => HashUse::Pseudonym,
        };
        let key = self.keyring.hash_key(root, usage, self.field_scope(at))?;
        write_digest(
            out,
            digest,
            root.key.id(),
            root.key.version(),
            key.bytes(),
            normalized,
        );
        Ok(())
    }

    /// A digest of a field's value under the active key for `purpose`.
    pub(super) fn digest(
        &self,
        at: &FieldRef<'_>,
        purpose: Purpose,
        digest: Digest,
        cleartext: &[u8],
        out: &mut String,
    ) -> Result<(), Error> {
        let normalized = at.pii().class().normalize(cleartext)?;
        let keys = self.keyring.read()?;
        let root = keys.active(purpose, &self.region)?;
        self.write_digest_with(root, digest, at, normalized.as_str().as_bytes(), out)
    }
}

/// The classified field of `schema` named `field` (its stable or its Rust name) that `fits`.
pub(super) fn classified_field(
    schema: &'static RecordSchema,
    field: &str,
    fits: impl Fn(&PiiField) -> bool,
) -> Result<(&'static FieldSchema, &'static PiiField), Error> {
    schema
        .classified_fields()
        .find(|(f, p)| (f.name() == field || f.rust_name() == field) && fits(p))
        .ok_or(Error::FieldNotFound)
}
