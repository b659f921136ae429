//! Finding records by value: the blind indexes an equality lookup must match.

use super::digest::Digest;
use super::storage_keys::{StorageKeys, classified_field};
use crate::error::Error;
use crate::keys::{KeyRef, KeyState, Purpose};
use crate::view::{Classified, FieldRef};

impl StorageKeys<'_> {
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
        let (field_schema, pii) = classified_field(schema, field, |p| p.blind_index().is_some())?;
        let at = FieldRef::new(schema, field_schema, pii, None);
        let normalized = pii.class().normalize(value.as_bytes())?;
        let keys = self.keyring.read()?;
        let mut roots: Vec<KeyRef<'_>> = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                k.purpose() == Purpose::BlindIndex
                    && k.region() == &*self.region
                    && k.state() != KeyState::Destroyed
            })
            .map(|(slot, key)| KeyRef { slot, key })
            .collect();
        if roots.is_empty() {
            return Err(Error::RegionUnavailable {
                region: self.region.to_string(),
            });
        }
        roots.sort_by_key(|r| {
            (
                r.key.state() != KeyState::Active,
                u32::MAX - r.key.version(),
            )
        });
        roots
            .into_iter()
            .map(|root| {
                let mut out = String::new();
                self.write_digest_with(
                    root,
                    Digest::BlindIndex(self.keyring.index_len()),
                    &at,
                    normalized.as_str().as_bytes(),
                    &mut out,
                )?;
                Ok(out)
            })
            .collect()
    }
}
