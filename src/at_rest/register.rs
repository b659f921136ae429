//! The deletion register's subject pseudonym: a keyed hash of the subject's id for the tenant,
//! under a key derived from the first version of the region's pseudonym root key (the active
//! one once that is destroyed) — stable across rotations, so an auditor who holds an id can find its entries years later.

use super::storage_keys::StorageKeys;
use crate::crypto::keyed_hash::keyed_hash_parts;
use crate::error::Error;
use crate::keys::{FieldScope, HashUse, KeyLookup, Purpose};
use std::fmt::Write as _;

impl StorageKeys<'_> {
    /// The pseudonym of `subject` in the deletion register (32 hex digits).
    pub(crate) fn register_pseudonym(&self, subject: &str) -> Result<String, Error> {
        let keys = self.keyring.read()?;
        let active = keys.active(Purpose::Pseudonym, &self.region)?;
        // The first version, for stable pseudonyms; the active one if the first was destroyed.
        let root = keys
            .find(active.key.id(), 1, Purpose::Pseudonym, &self.region)
            .unwrap_or(active);
        let scope = FieldScope {
            tenant: &self.tenant,
            record: "piiguard.deletions",
            field: "subject",
        };
        let key = self.keyring.hash_key(root, HashUse::Pseudonym, scope)?;
        let digest = keyed_hash_parts(key.bytes(), &[subject.as_bytes()]);
        let mut out = String::with_capacity(32);
        for byte in &digest[..16] {
            let _ = write!(out, "{byte:02x}");
        }
        Ok(out)
    }
}
