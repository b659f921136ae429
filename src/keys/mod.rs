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

mod derive;
pub(crate) mod integrity;
mod key_file;
mod keyring;
mod material;
mod provider;
mod scoped;
mod sqlite_store;
mod store;
mod subject;

pub use key_file::{KekSource, LocalKeyFile};
pub(crate) use key_file::{create_private_dir, make_private, write_atomic};
pub use keyring::{ENVIRONMENT_VAR, KEK_PASSPHRASE_VAR, KeyInfo, Keyring, KeyringBuilder};
pub use material::RootKey;
pub use provider::{KeyProvider, KeySet};
pub use scoped::{Forgotten, RewrapProgress, Scope, ScopedKeys};
pub use sqlite_store::SqliteKeyStore;
pub use store::{KeyStore, MemoryKeyStore, StoreKey, WrappedKey};

use std::fmt;

/// The deployment environment a keyring belongs to. Envelopes made under one environment's
/// keys are refused under another's (personal data stays out of development).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Environment {
    /// Development (the default of a fresh local keyring).
    #[default]
    Dev,
    /// Staging.
    Staging,
    /// Production.
    Prod,
}

impl Environment {
    /// The lower-case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Staging => "staging",
            Self::Prod => "prod",
        }
    }

    /// Parses `dev`, `staging` or `prod`.
    ///
    /// ```
    /// use piiguard::keys::Environment;
    /// assert_eq!(Environment::parse("prod"), Some(Environment::Prod));
    /// assert_eq!(Environment::parse("production"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "dev" => Some(Self::Dev),
            "staging" => Some(Self::Staging),
            "prod" => Some(Self::Prod),
            _ => None,
        }
    }

    pub(crate) const fn code(self) -> u8 {
        self as u8
    }

    pub(crate) const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Dev),
            1 => Some(Self::Staging),
            2 => Some(Self::Prod),
            _ => None,
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// What a root key is for. A keyring has exactly one active key per purpose and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Encrypting fields into envelopes (and wrapping subject keys).
    FieldEncryption,
    /// Blind indexes for equality lookups.
    BlindIndex,
    /// Keyed pseudonyms in exports.
    Pseudonym,
    /// Tokens (reserved for tokenization).
    Token,
    /// In-memory sealing. Reserved: `Pii<T>` seals under a random per-process key that is
    /// never stored, which needs no root key.
    Seal,
    /// Integrity: the MAC keys of the audit hash chain and of break-glass grants.
    Integrity,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 6] = [
        Self::FieldEncryption,
        Self::BlindIndex,
        Self::Pseudonym,
        Self::Token,
        Self::Seal,
        Self::Integrity,
    ];

    /// The lower-case name, also the default key id prefix and the HKDF label.
    pub const fn name(self) -> &'static str {
        match self {
            Self::FieldEncryption => "field",
            Self::BlindIndex => "index",
            Self::Pseudonym => "pseudonym",
            Self::Token => "token",
            Self::Seal => "seal",
            Self::Integrity => "integrity",
        }
    }

    pub(crate) const fn code(self) -> u8 {
        self as u8
    }

    pub(crate) const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::FieldEncryption),
            1 => Some(Self::BlindIndex),
            2 => Some(Self::Pseudonym),
            3 => Some(Self::Token),
            4 => Some(Self::Seal),
            5 => Some(Self::Integrity),
            _ => None,
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The life-cycle state of a root key version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyState {
    /// Used for new data (exactly one per purpose and region).
    Active,
    /// Still opens (and finds) data written under it, never used for new data.
    DecryptOnly,
    /// Its material is gone: data under it is unrecoverable.
    Destroyed,
}

impl KeyState {
    pub(crate) const fn code(self) -> u8 {
        self as u8
    }

    pub(crate) const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Active),
            1 => Some(Self::DecryptOnly),
            2 => Some(Self::Destroyed),
            _ => None,
        }
    }
}
