//! Format-preserving tokens through the storage keys: FF1 (see [`FormatPreserving`]) under a
//! key derived for each tenant, record type and field from the region's `token` root key, so
//! the key never leaves the library and only the guard turns a token back into its value.
//!
//! FF1 tokens carry no key version (a card token is only digits), so a field's FF1 key is
//! derived from the **first** version of the region's token key: rotating the token key
//! changes the vault tokens made afterwards, not FF1 tokens; destroying that first version
//! makes every FF1 token of the region unreadable (shredding them all). Nor do they name a
//! subject: forgetting a subject does not shred their FF1 tokens — use vault tokens where
//! per-subject erasure matters.

use super::storage_keys::StorageKeys;
use super::vault_tokens::TokenTarget;
use crate::error::Error;
use crate::keys::{HashUse, KeyLookup, Purpose};
use crate::pii::Revealed;
use crate::token::{FormatPreserving, TokenFormat, TokenKey};

/// The token key version FF1 keys are derived from.
const FF1_KEY_VERSION: u32 = 1;

impl StorageKeys<'_> {
    /// The FF1 tokens of `format` for `target`, under the field's derived key and bound to
    /// it by the tweak (tenant, record type, field).
    fn preserving(
        &self,
        target: &TokenTarget,
        format: TokenFormat,
    ) -> Result<FormatPreserving, Error> {
        let keys = self.keyring.read()?;
        let active = keys.active(Purpose::Token, &self.region)?;
        let root = keys
            .find(
                active.key.id(),
                FF1_KEY_VERSION,
                Purpose::Token,
                &self.region,
            )
            .map_err(|error| match error {
                Error::KeyDestroyed { .. } | Error::UnknownKey { .. } => Error::Token {
                    reason: "the key of format-preserving tokens was destroyed",
                },
                other => other,
            })?;
        let at = target.at(None);
        let scope = self.field_scope(&at);
        let material = self.keyring.hash_key(root, HashUse::Ff1, scope)?;
        let key = TokenKey::from_bytes(*material.bytes());
        let mut tweak = Vec::with_capacity(64);
        for part in [
            scope.tenant.as_bytes(),
            scope.record.as_bytes(),
            scope.field.as_bytes(),
        ] {
            tweak.extend_from_slice(&u16::try_from(part.len()).unwrap_or(u16::MAX).to_be_bytes());
            tweak.extend_from_slice(part);
        }
        FormatPreserving::new(&key, format, &tweak)
    }

    /// The format-preserving token of `value` for `target` (a value of the field's class).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a value not of the field's class; [`Error::Token`] for one
    /// the format cannot carry (see [`FormatPreserving::tokenize`]); the keys' errors.
    pub fn tokenize_preserving(
        &self,
        target: &TokenTarget,
        format: TokenFormat,
        value: &str,
    ) -> Result<String, Error> {
        target.pii().class().validate(value.as_bytes())?;
        self.preserving(target, format)?.tokenize(value)
    }

    /// The value of a format-preserving token (after the guard allowed it).
    pub(crate) fn open_preserving(
        &self,
        target: &TokenTarget,
        format: TokenFormat,
        token: &str,
    ) -> Result<Revealed<String>, Error> {
        let value = self.preserving(target, format)?.expose(token)?;
        Ok(Revealed::new(String::clone(&value)))
    }
}
