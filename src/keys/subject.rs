//! Subject keys: one random key per tenant × subject, kept wrapped under a root key in the
//! [`KeyStore`](super::KeyStore). Destroying it is crypto-shredding.

use super::derive::{DerivedId, Label, derive};
use super::lookup::KeyLookup;
use super::material::{KeyMaterial, RootKey};
use super::purpose::Purpose;
use super::shared::Inner;
use super::subject_keys::{StoreKey, WrappedKey};
use crate::codec::put_part;
use crate::crypto::KEY_LEN;
use crate::crypto::aead::{FieldCipher, NONCE_LEN, Siv as _, TAG_LEN};
use crate::crypto::random;
use crate::error::Error;
use std::sync::Arc;
use zeroize::Zeroizing;

const AAD_LABEL: &[u8] = b"piiguard/subject-key/v1";

fn wrap_cipher(
    inner: &Inner,
    keys: &[RootKey],
    slot: usize,
    tenant: &Arc<str>,
) -> Result<Arc<FieldCipher>, Error> {
    let id = DerivedId {
        slot,
        label: Label::SubjectWrap,
        tenant,
        record: "",
        field: "",
        subject: None,
    };
    inner.cache.cipher(&id, || {
        derive(&keys[slot], inner.environment, &id, None).map(|k| FieldCipher::new(&k))
    })
}

fn aad(key: &StoreKey, key_id: &str, version: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64);
    aad.extend_from_slice(AAD_LABEL);
    for part in [
        key.region.as_bytes(),
        key.tenant.as_bytes(),
        key.subject.as_bytes(),
        key_id.as_bytes(),
    ] {
        put_part(&mut aad, part);
    }
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

fn unwrap(
    inner: &Inner,
    keys: &[RootKey],
    key: &StoreKey,
    tenant: &Arc<str>,
    wrapped: &WrappedKey,
) -> Result<KeyMaterial, Error> {
    let slot = keys
        .find(
            &wrapped.key_id,
            wrapped.key_version,
            Purpose::FieldEncryption,
            &key.region,
        )?
        .slot;
    let cipher = wrap_cipher(inner, keys, slot, tenant)?;
    let malformed = || Error::KeyStore {
        reason: "a stored subject key does not open: it was wrapped under other root key \
                 material (a key file from another backup or directory), or tampered with",
    };
    if wrapped.bytes.len() != NONCE_LEN + KEY_LEN + TAG_LEN {
        return Err(malformed());
    }
    let (nonce, rest) = wrapped.bytes.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(KEY_LEN);
    let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| malformed())?;
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| malformed())?;
    let mut material = Zeroizing::new([0u8; KEY_LEN]);
    cipher
        .open_into(
            nonce,
            &aad(key, &wrapped.key_id, wrapped.key_version),
            ciphertext,
            tag,
            material.as_mut_slice(),
        )
        .map_err(|_| malformed())?;
    Ok(KeyMaterial::new(material))
}

fn wrap(
    inner: &Inner,
    keys: &[RootKey],
    key: &StoreKey,
    tenant: &Arc<str>,
    material: &KeyMaterial,
) -> Result<WrappedKey, Error> {
    let slot = keys.active(Purpose::FieldEncryption, &key.region)?.slot;
    let root = &keys[slot];
    let cipher = wrap_cipher(inner, keys, slot, tenant)?;
    let nonce = random::nonce();
    let mut bytes = Vec::with_capacity(NONCE_LEN + KEY_LEN + TAG_LEN);
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(material.bytes());
    let tag = cipher.seal_in_place(
        &nonce,
        &aad(key, &root.id, root.version),
        &mut bytes[NONCE_LEN..],
    );
    bytes.extend_from_slice(&tag);
    Ok(WrappedKey {
        key_id: root.id.clone(),
        key_version: root.version,
        bytes,
    })
}

/// The subject's key, created (when `create`) if it has none. `Ok(None)` when the keyring has
/// no key store; [`Error::SubjectForgotten`] when it is gone and `create` is false.
pub(crate) fn subject_key(
    inner: &Inner,
    keys: &[RootKey],
    key: &StoreKey,
    tenant: &Arc<str>,
    create: bool,
) -> Result<Option<Arc<KeyMaterial>>, Error> {
    let Some(store) = &inner.store else {
        return Ok(None);
    };
    if let Some(material) = inner.cache.subject_key(key) {
        return Ok(Some(material));
    }
    let material = match store.get(key)? {
        Some(wrapped) => unwrap(inner, keys, key, tenant, &wrapped)?,
        None if create => {
            let fresh = KeyMaterial::random();
            let ours = wrap(inner, keys, key, tenant, &fresh)?;
            let stored = store.insert_if_absent(key, ours.clone())?;
            if stored == ours {
                fresh
            } else {
                // Another writer created the subject's key first: use theirs.
                unwrap(inner, keys, key, tenant, &stored)?
            }
        }
        None => return Err(Error::SubjectForgotten),
    };
    let material = Arc::new(material);
    inner.cache.remember_subject_key(key, Arc::clone(&material));
    Ok(Some(material))
}

/// Re-wraps the subject's key under the active root key if an older version wraps it, so
/// that the older version can later be destroyed without losing the subject's data.
pub(crate) fn rewrap_subject_key(
    inner: &Inner,
    keys: &[RootKey],
    key: &StoreKey,
    tenant: &Arc<str>,
) -> Result<(), Error> {
    let Some(store) = &inner.store else {
        return Ok(());
    };
    let Some(wrapped) = store.get(key)? else {
        return Ok(());
    };
    let active = keys.active(Purpose::FieldEncryption, &key.region)?.key;
    if (wrapped.key_id.as_str(), wrapped.key_version) == (active.id.as_str(), active.version) {
        return Ok(());
    }
    let material = unwrap(inner, keys, key, tenant, &wrapped)?;
    let rewrapped = wrap(inner, keys, key, tenant, &material)?;
    store.replace(key, rewrapped)?;
    Ok(())
}
