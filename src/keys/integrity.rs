//! MAC keys for the audit hash chain and break-glass grants, and the signing key of the audit
//! trail's checkpoints, derived from the keyring's integrity root key (default region).
//!
//! A MAC names the root key version it was made under (`integrity-local.1`), so a chain or a
//! grant made before a rotation still verifies after it, as long as that version is not
//! destroyed.

use super::Purpose;
use super::keyring::Keyring;
use super::lookup::KeyLookup;
use super::material::KeyMaterial;
use crate::crypto::kdf::hkdf_sha256;
use crate::crypto::keyed_hash::keyed_hash_parts;
use crate::error::Error;
use std::fmt;
use zeroize::Zeroizing;

/// What a MAC key is for (its HKDF label): one key never serves two uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MacUse {
    /// The keyed BLAKE3 hash chain of audit events.
    AuditChain,
    /// Break-glass grant tokens.
    Grant,
}

impl MacUse {
    const fn label(self) -> &'static [u8] {
        match self {
            Self::AuditChain => b"audit-chain",
            Self::Grant => b"break-glass-grant",
        }
    }
}

/// A derived MAC key (keyed BLAKE3), with the root key it came from.
pub(crate) struct MacKey {
    key_ref: String,
    material: KeyMaterial,
}

impl MacKey {
    /// `<root key id>.<version>`: written next to every MAC made with this key.
    pub(crate) fn key_ref(&self) -> &str {
        &self.key_ref
    }

    /// Keyed BLAKE3 over the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        keyed_hash_parts(self.material.bytes(), parts)
    }

    /// Whether `tag` is the MAC of `parts`, compared in constant time.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        tag.len() == 32 && crate::crypto::ct_eq(&self.mac(parts), tag)
    }
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MacKey")
            .field("key", &self.key_ref)
            .finish_non_exhaustive()
    }
}

const SALT: &[u8] = b"piiguard/v1/mac-key";
#[cfg(any(feature = "sqlite", feature = "postgres"))]
const SIGN_SALT: &[u8] = b"piiguard/v1/checkpoint-signing-key";

/// The Ed25519 key that signs the audit trail's checkpoints, named as a MAC key is
/// (`integrity-local.1`). Its public half checks checkpoints without the root key.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) struct CheckpointKey {
    key_ref: String,
    key: crate::crypto::signature::SignKey,
}

#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
impl CheckpointKey {
    pub(crate) fn key_ref(&self) -> &str {
        &self.key_ref
    }

    pub(crate) fn public(&self) -> [u8; 32] {
        self.key.public()
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message)
    }
}

impl fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckpointKey")
            .field("key", &self.key_ref)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// The MAC key for `usage` under the active integrity key of the default region.
    pub(crate) fn mac_key(&self, usage: MacUse) -> Result<MacKey, Error> {
        self.with_active_integrity(|root| self.derive_mac_key(root, usage))
    }

    /// The MAC key for `usage` under the integrity key a MAC names (`id.version`).
    pub(crate) fn mac_key_for(&self, key_ref: &str, usage: MacUse) -> Result<MacKey, Error> {
        self.with_named_integrity(key_ref, "a MAC names a malformed key", |root| {
            self.derive_mac_key(root, usage)
        })
    }

    /// The checkpoint signing key under the active integrity root key.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn checkpoint_key(&self) -> Result<CheckpointKey, Error> {
        self.with_active_integrity(|root| self.derive_checkpoint_key(root))
    }

    /// The checkpoint signing key a checkpoint names (`integrity-local.1`).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn checkpoint_key_for(&self, key_ref: &str) -> Result<CheckpointKey, Error> {
        self.with_named_integrity(key_ref, "a checkpoint names a malformed key", |root| {
            self.derive_checkpoint_key(root)
        })
    }

    /// `derive` under the active integrity root key of the default region.
    fn with_active_integrity<T>(
        &self,
        derive: impl FnOnce(&super::material::RootKey) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let keys = self.read()?;
        derive(keys.active(Purpose::Integrity, self.default_region())?.key)
    }

    /// `derive` under the integrity root key `key_ref` names (`id.version`); `malformed` when
    /// it names none.
    fn with_named_integrity<T>(
        &self,
        key_ref: &str,
        malformed: &'static str,
        derive: impl FnOnce(&super::material::RootKey) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (id, version) = key_ref
            .rsplit_once('.')
            .and_then(|(id, v)| Some((id, v.parse::<u32>().ok()?)))
            .ok_or(Error::Keyring { reason: malformed })?;
        let keys = self.read_knowing(id, version)?;
        derive(
            keys.find(id, version, Purpose::Integrity, self.default_region())?
                .key,
        )
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    fn derive_checkpoint_key(
        &self,
        root: &super::material::RootKey,
    ) -> Result<CheckpointKey, Error> {
        let seed = self.derive_from(root, SIGN_SALT, b"audit-checkpoint")?;
        Ok(CheckpointKey {
            key_ref: format!("{}.{}", root.id, root.version),
            key: crate::crypto::signature::SignKey::from_seed(&seed),
        })
    }

    fn derive_mac_key(
        &self,
        root: &super::material::RootKey,
        usage: MacUse,
    ) -> Result<MacKey, Error> {
        Ok(MacKey {
            key_ref: format!("{}.{}", root.id, root.version),
            material: KeyMaterial::new(self.derive_from(root, SALT, usage.label())?),
        })
    }

    /// 32 bytes from `root` for `label` in this keyring's environment (HKDF-SHA256 under
    /// `salt`); a destroyed root key derives nothing.
    fn derive_from(
        &self,
        root: &super::material::RootKey,
        salt: &[u8],
        label: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, Error> {
        let material = root.material.as_ref().ok_or_else(|| Error::KeyDestroyed {
            id: root.id.clone(),
            version: root.version,
        })?;
        let mut okm = Zeroizing::new([0u8; 32]);
        let environment = self.environment().name().as_bytes();
        hkdf_sha256(
            salt,
            material.bytes(),
            &[label, b"|", environment],
            &mut *okm,
        )
        .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 output length"));
        Ok(okm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Environment;

    #[test]
    fn mac_keys_are_separate_per_use_and_found_again_by_reference() {
        let keyring = Keyring::in_memory(Environment::Dev);
        let chain = keyring.mac_key(MacUse::AuditChain).unwrap();
        let grant = keyring.mac_key(MacUse::Grant).unwrap();
        assert_ne!(chain.mac(&[b"x"]), grant.mac(&[b"x"]));
        let again = keyring
            .mac_key_for(chain.key_ref(), MacUse::AuditChain)
            .unwrap();
        assert!(again.verify(&[b"x"], &chain.mac(&[b"x"])));
        assert!(!again.verify(&[b"y"], &chain.mac(&[b"x"])));
        assert!(keyring.mac_key_for("nope", MacUse::Grant).is_err());
        assert!(!format!("{chain:?}").contains('['));
    }
}
