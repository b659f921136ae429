//! **Unaudited access**, for operators' tooling that must work without a policy: bulk rewraps
//! after a rotation, migrations, key maintenance scripts.
//!
//! Nothing here checks a policy or writes an audit record, and nothing here destroys anything:
//! rotating or destroying keys and erasing subjects are admin acts of the guard, always audited.
//! Applications never need this module: the [`Guard`](crate::Guard) is their one way to cleartext
//! ([`reveal`](crate::Guard::reveal), [`view`](crate::Guard::view)) and to administrative acts
//! ([`rotate_key`](crate::guard::Admin::rotate_key),
//! [`destroy_key`](crate::guard::Admin::destroy_key),
//! [`forget_subject`](crate::guard::Admin::forget_subject),
//! [`reset_monitor`](crate::guard::Admin::reset_monitor)), each allowed by the policy and audited.
//! Every use of this module is meant to stand out in a code review: `grep unaudited`.
//!
//! ```
//! use piiguard::audit::MemorySink;
//! use piiguard::keys::{Environment, Keyring, Purpose};
//! use piiguard::{Classified, Guard, Pii, Policy, Principal, unaudited};
//!
//! #[derive(Classified)]
//! #[pii(subject = id)]
//! struct Customer {
//!     id: u64,
//!     #[pii(class = email)]
//!     email: Pii<String>,
//! }
//!
//! let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
//!     .policy(Policy::starter())
//!     .audit(std::sync::Arc::new(MemorySink::new()))
//!     .build()?;
//! let admin = Principal::new("ops-1").role("admin");
//! let mut stored: Customer = guard.storage().from_json(
//!     &guard.storage().to_json(&Customer { id: 7, email: Pii::new("jane@example.com".into()) })?,
//! )?;
//! // An audited rotation; the operators' batch rewrap; then the old version is destroyed.
//! let old = guard.admin(&admin).rotate_key(Purpose::FieldEncryption)?;
//! let keys = unaudited::keys(guard.keyring());
//! assert_eq!(keys.rewrap(&mut stored)?.rewrapped, 1);
//! guard.admin(&admin).destroy_key(&old.id, old.version - 1)?;
//! let email = keys.expose_unaudited(&stored, |c| &c.email)?;
//! assert_eq!(email.expose(), "jane@example.com");
//! # Ok::<(), piiguard::Error>(())
//! ```

use crate::at_rest::StorageKeys;
use crate::keys::{Keyring, Scope};

/// The storage keys of `keyring` in its default scope (no tenant, the default region).
pub fn keys(keyring: &Keyring) -> StorageKeys<'_> {
    StorageKeys::new(keyring, &Scope::new())
}

/// The storage keys of `keyring` for one tenant and region.
pub fn scoped_keys<'k>(keyring: &'k Keyring, scope: &Scope) -> StorageKeys<'k> {
    StorageKeys::new(keyring, scope)
}
