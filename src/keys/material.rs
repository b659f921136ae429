//! Root keys and the protected memory their material lives in.

use super::{KeyState, Purpose};
use crate::crypto::KEY_LEN;
use crate::mem::protected::ProtectedBox;
use std::fmt;
use zeroize::Zeroizing;

/// 256 bits of key material in protected memory (excluded from core dumps, locked where the
/// OS allows), wiped when dropped.
pub(crate) struct KeyMaterial(ProtectedBox<Zeroizing<[u8; KEY_LEN]>>);

impl KeyMaterial {
    pub(crate) fn new(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self(ProtectedBox::new(bytes))
    }

    pub(crate) fn random() -> Self {
        Self::new(crate::crypto::random::key())
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

/// One version of a root key: id, version, purpose, region, state and (unless destroyed) its
/// material. `Debug` never shows the material.
///
/// ```
/// use piiguard::keys::{KeyState, Purpose, RootKey};
///
/// let key = RootKey::generate("field-eu", 1, Purpose::FieldEncryption, "eu");
/// assert_eq!(key.state(), KeyState::Active);
/// assert!(!format!("{key:?}").contains("material: ["));
/// ```
pub struct RootKey {
    pub(crate) id: String,
    pub(crate) version: u32,
    pub(crate) purpose: Purpose,
    pub(crate) region: String,
    pub(crate) state: KeyState,
    pub(crate) material: Option<KeyMaterial>,
    /// When the version was made (Unix seconds); `None` for versions sealed before piiguard
    /// kept it.
    pub(crate) created: Option<u64>,
}

impl RootKey {
    /// A new active key with fresh random material.
    pub fn generate(id: &str, version: u32, purpose: Purpose, region: &str) -> Self {
        Self {
            id: id.to_owned(),
            version,
            purpose,
            region: region.to_owned(),
            state: KeyState::Active,
            material: Some(KeyMaterial::random()),
            created: u64::try_from(crate::clock::now_unix_ms() / 1000).ok(),
        }
    }

    /// A key whose material comes from elsewhere (a KMS, an HSM export, a key file). The
    /// material is moved into protected memory; `None` describes a destroyed version.
    pub fn from_parts(
        id: &str,
        version: u32,
        purpose: Purpose,
        region: &str,
        state: KeyState,
        material: Option<Zeroizing<[u8; KEY_LEN]>>,
    ) -> Self {
        let material = match state {
            KeyState::Destroyed => None,
            _ => material.map(KeyMaterial::new),
        };
        Self {
            id: id.to_owned(),
            version,
            purpose,
            region: region.to_owned(),
            state,
            material,
            created: None,
        }
    }

    /// The same key, made at `created` (Unix seconds), as a stored key set records it.
    #[must_use]
    pub fn made_at(mut self, created: u64) -> Self {
        self.created = Some(created);
        self
    }

    /// When this version was made (Unix seconds): `None` for a version sealed before piiguard
    /// recorded it, or one built with [`from_parts`](Self::from_parts) alone.
    pub fn created(&self) -> Option<u64> {
        self.created
    }

    /// The key id (shared by all versions of one key).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The purpose.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The region whose data it protects.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The state.
    pub fn state(&self) -> KeyState {
        self.state
    }

    /// The raw key material, for a [`KeyProvider`](super::KeyProvider) that persists keys.
    /// Greppable on purpose: nothing else should ever call it.
    pub fn expose_material(&self) -> Option<&[u8; KEY_LEN]> {
        self.material.as_ref().map(KeyMaterial::bytes)
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootKey")
            .field("id", &self.id)
            .field("version", &self.version)
            .field("purpose", &self.purpose)
            .field("region", &self.region)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
