//! [`Purpose`] and [`KeyState`]: what a root key is for, and where it is in its life.

crate::names::name_enum! {
    /// What a root key is for. A keyring has exactly one active key per purpose and region.
    ///
    /// ```
    /// use piiguard::keys::Purpose;
    /// assert_eq!("index".parse::<Purpose>(), Ok(Purpose::BlindIndex));
    /// ```
    pub enum Purpose: "key purpose" {
        /// Encrypting fields into envelopes (and wrapping subject keys).
        FieldEncryption = "field",
        /// Blind indexes for equality lookups.
        BlindIndex = "index",
        /// Keyed pseudonyms in exports.
        Pseudonym = "pseudonym",
        /// Tokens (reserved for tokenization).
        Token = "token",
        /// In-memory sealing. Reserved: `Pii<T>` seals under a random per-process key that is
        /// never stored, which needs no root key.
        Seal = "seal",
        /// Integrity: the MAC keys of the audit hash chain and of break-glass grants.
        Integrity = "integrity",
    }
}

impl Purpose {
    /// The byte stored in key files.
    #[cfg(feature = "local-key-file")]
    pub(crate) const fn code(self) -> u8 {
        self as u8
    }

    /// The purpose stored as `code`.
    #[cfg(feature = "local-key-file")]
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

crate::names::name_enum! {
    /// The life-cycle state of a root key version.
    ///
    /// ```
    /// use piiguard::keys::KeyState;
    /// assert_eq!(KeyState::DecryptOnly.to_string(), "decrypt_only");
    /// ```
    pub enum KeyState: "key state" {
        /// Used for new data (exactly one per purpose and region).
        Active = "active",
        /// Still opens (and finds) data written under it, never used for new data.
        DecryptOnly = "decrypt_only",
        /// Its material is gone: data under it is unrecoverable.
        Destroyed = "destroyed",
    }
}

impl KeyState {
    /// The byte stored in key files.
    #[cfg(feature = "local-key-file")]
    pub(crate) const fn code(self) -> u8 {
        self as u8
    }

    /// The state stored as `code`.
    #[cfg(feature = "local-key-file")]
    pub(crate) const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Active),
            1 => Some(Self::DecryptOnly),
            2 => Some(Self::Destroyed),
            _ => None,
        }
    }
}
