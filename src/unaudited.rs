//! **Unaudited access**, for operators' tooling that must work without a policy: bulk rewraps
//! after a rotation, migrations, key maintenance scripts.
//!
//! Nothing here checks a policy or writes an audit record. Applications never need it: the
//! [`Guard`](crate::Guard) is their one way to cleartext ([`reveal`](crate::Guard::reveal),
//! [`view`](crate::Guard::view)) and to destructive acts
//! ([`rotate_key`](crate::Guard::rotate_key), [`destroy_key`](crate::Guard::destroy_key),
//! [`forget_subject`](crate::Guard::forget_subject),
//! [`reset_monitor`](crate::Guard::reset_monitor)), each allowed by the policy and audited.
//! Every use of this module is meant to stand out in a code review: `grep unaudited`.
//!
//! ```
//! use piiguard::keys::{Environment, Keyring, Purpose};
//! use piiguard::{Classified, Pii, unaudited};
//!
//! #[derive(Classified)]
//! #[pii(subject = id)]
//! struct Customer {
//!     id: u64,
//!     #[pii(class = email)]
//!     email: Pii<String>,
//! }
//!
//! let keyring = Keyring::in_memory(Environment::Dev);
//! let keys = unaudited::keys(&keyring);
//! let row = keys.to_json(&Customer { id: 7, email: Pii::new("jane@example.com".into()) })?;
//! let mut stored: Customer = keys.from_json(&row)?;
//! // A rotation, then a rewrap, so the old key version can be destroyed.
//! let old = keyring.key_infos().into_iter().find(|k| k.purpose == Purpose::FieldEncryption).unwrap();
//! unaudited::rotate(&keyring, Purpose::FieldEncryption, "local")?;
//! assert_eq!(keys.rewrap(&mut stored)?.rewrapped, 1);
//! unaudited::destroy_key(&keyring, &old.id, old.version)?;
//! let email = keys.decrypt_unaudited(&stored, |c| &c.email)?;
//! assert_eq!(email.expose(), "jane@example.com");
//! # Ok::<(), piiguard::Error>(())
//! ```

use crate::at_rest::StorageKeys;
use crate::error::Error;
use crate::keys::{KeyInfo, Keyring, Purpose, Scope};

/// The storage keys of `keyring` in its default scope (no tenant, the default region).
pub fn keys(keyring: &Keyring) -> StorageKeys<'_> {
    StorageKeys::new(keyring, &Scope::new())
}

/// The storage keys of `keyring` for one tenant and region.
pub fn scoped_keys<'k>(keyring: &'k Keyring, scope: &Scope) -> StorageKeys<'k> {
    StorageKeys::new(keyring, scope)
}

/// Rotates the root key for `purpose` in `region` without an audit record: a new version
/// becomes active, the previous one decrypt-only (so existing data stays readable). Saved
/// through the provider before it takes effect.
///
/// # Errors
/// [`Error::RegionUnavailable`] if the region has no key for the purpose; the provider's error
/// (nothing changes then).
pub fn rotate(keyring: &Keyring, purpose: Purpose, region: &str) -> Result<KeyInfo, Error> {
    keyring.rotate(purpose, region)
}

/// Destroys a decrypt-only root key version without an audit record: everything still under it
/// becomes unreadable. Rewrap first ([`StorageKeys::rewrap`]).
///
/// # Errors
/// [`Error::Keyring`] for the active version; [`Error::UnknownKey`]; the provider's error.
pub fn destroy_key(keyring: &Keyring, id: &str, version: u32) -> Result<(), Error> {
    keyring.destroy_key(id, version)
}
