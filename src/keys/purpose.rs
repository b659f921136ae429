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
        /// Vault tokens' MACs and convergent lookups.
        Token = "token",
        /// In-memory sealing. Reserved: `Pii<T>` seals under a random per-process key that is
        /// never stored, which needs no root key.
        Seal = "seal",
        /// Integrity: the MAC keys of the audit hash chain and of break-glass grants.
        Integrity = "integrity",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    /// These bytes are stored in key files and envelope headers: they never change.
    #[test]
    fn stored_bytes_are_stable() {
        assert_eq!(Purpose::ALL.map(Purpose::byte), [0, 1, 2, 3, 4, 5]);
        assert_eq!(Purpose::from_byte(1), Some(Purpose::BlindIndex));
        assert_eq!(Purpose::from_byte(6), None);
        assert_eq!(KeyState::Destroyed.byte(), 2);
        assert_eq!(KeyState::from_byte(3), None);
        assert_eq!(Environment::Prod.byte(), 2);
        assert_eq!(Environment::from_byte(0), Some(Environment::Dev));
        assert_eq!(Environment::from_byte(9), None);
    }
}
