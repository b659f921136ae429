//! Keys: root keys with ids, versions and states; data keys derived from them; subject keys for
//! crypto-shredding; and where root keys live ([`KeyProvider`]) and subject keys are kept
//! ([`KeyStore`]).
//!
//! ```text
//! root key (id, version, purpose, region, state)          held by a KeyProvider
//!   └─ HKDF-SHA256(info = purpose | environment | region | tenant | record | field)
//!        ├─ field-encryption data key  (AES-256-GCM-SIV)   ← salt = subject key, if any
//!        ├─ blind-index key            (keyed BLAKE3)
//!        └─ pseudonym key              (keyed BLAKE3)
//! subject key (random, per tenant × subject)               kept wrapped in a KeyStore
//! ```

#[cfg(feature = "local-key-file")]
mod auditor_keys;
#[cfg(feature = "aws-kms")]
mod aws_kms;
mod data_keys;
mod derive;
pub(crate) mod integrity;
#[cfg(feature = "local-key-file")]
mod key_file;
mod keyring;
mod lookup;
mod material;
#[cfg(feature = "pkcs11")]
mod pkcs11;
mod provider;
mod purpose;
mod scope;
#[cfg(feature = "local-key-file")]
mod sealed;
mod shared;
#[cfg(feature = "local-key-file")]
mod stored_key_set;
mod subject;
mod subject_keys;
mod sync;
#[cfg(feature = "vault")]
mod vault_transit;

#[cfg(feature = "aws-kms")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws-kms")))]
pub use aws_kms::AwsKmsKek;
pub(crate) use data_keys::{FieldScope, HashUse};
#[cfg(feature = "local-key-file")]
#[cfg_attr(docsrs, doc(cfg(feature = "local-key-file")))]
pub use key_file::LocalKeyFile;
pub use keyring::{KeyInfo, Keyring, KeyringBuilder};
pub(crate) use lookup::{KeyLookup, KeyRef};
pub use material::RootKey;
#[cfg(feature = "pkcs11")]
#[cfg_attr(docsrs, doc(cfg(feature = "pkcs11")))]
pub use pkcs11::Pkcs11Kek;
pub use provider::{KeyProvider, KeySet, KeySetStore};
pub use purpose::{KeyState, Purpose};
pub use scope::Scope;
#[cfg(feature = "local-key-file")]
#[cfg_attr(docsrs, doc(cfg(feature = "local-key-file")))]
pub use sealed::{ENVIRONMENT_VAR, KEK_PASSPHRASE_VAR};
#[cfg(feature = "local-key-file")]
#[cfg_attr(docsrs, doc(cfg(feature = "local-key-file")))]
pub use sealed::{KekSource, KeyWrap};
#[cfg(feature = "local-key-file")]
#[cfg_attr(docsrs, doc(cfg(feature = "local-key-file")))]
pub use stored_key_set::StoredKeySet;
pub use subject_keys::{KeyStore, MemoryKeyStore, StoreKey, WrappedKey};
#[cfg(feature = "vault")]
#[cfg_attr(docsrs, doc(cfg(feature = "vault")))]
pub use vault_transit::VaultTransitKek;

pub use crate::environment::Environment;
