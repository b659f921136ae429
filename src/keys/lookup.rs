//! Finding root keys in a key set: the active key for a purpose and region, or the key an
//! envelope or wrapped key names.

use super::material::RootKey;
use super::purpose::{KeyState, Purpose};
use crate::error::Error;

/// A root key found in a key set, with its position (which stands for its id and version in
/// the derived-key cache while the set is locked).
#[derive(Clone, Copy)]
pub(crate) struct KeyRef<'a> {
    pub(crate) slot: usize,
    pub(crate) key: &'a RootKey,
}

/// Lookups over a key set.
pub(crate) trait KeyLookup {
    /// The active key for `purpose` in `region`.
    fn active(&self, purpose: Purpose, region: &str) -> Result<KeyRef<'_>, Error>;

    /// The key named by an envelope or wrapped key, checked against the purpose and region.
    fn find(
        &self,
        id: &str,
        version: u32,
        purpose: Purpose,
        region: &str,
    ) -> Result<KeyRef<'_>, Error>;
}

impl KeyLookup for [RootKey] {
    fn active(&self, purpose: Purpose, region: &str) -> Result<KeyRef<'_>, Error> {
        self.iter()
            .position(|k| k.purpose == purpose && k.region == region && k.state == KeyState::Active)
            .map(|slot| KeyRef {
                slot,
                key: &self[slot],
            })
            .ok_or_else(|| Error::RegionUnavailable {
                region: region.to_owned(),
            })
    }

    fn find(
        &self,
        id: &str,
        version: u32,
        purpose: Purpose,
        region: &str,
    ) -> Result<KeyRef<'_>, Error> {
        let slot = self
            .iter()
            .position(|k| k.id == id && k.version == version && k.purpose == purpose)
            .filter(|&slot| self[slot].region == region);
        match slot {
            Some(slot) if self[slot].state == KeyState::Destroyed => Err(Error::KeyDestroyed {
                id: id.to_owned(),
                version,
            }),
            Some(slot) => Ok(KeyRef {
                slot,
                key: &self[slot],
            }),
            None if !self.iter().any(|k| k.region == region) => Err(Error::RegionUnavailable {
                region: region.to_owned(),
            }),
            None => Err(Error::UnknownKey {
                id: id.to_owned(),
                version,
            }),
        }
    }
}
