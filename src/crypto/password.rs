//! Argon2id (RFC 9106): stretching a passphrase into a key-encryption key.

use super::KEY_LEN;
use zeroize::Zeroizing;

/// The default memory cost in KiB (19 456, OWASP's recommendation).
pub(crate) const DEFAULT_M_COST: u32 = argon2::Params::DEFAULT_M_COST;
/// The default number of iterations (2).
pub(crate) const DEFAULT_T_COST: u32 = argon2::Params::DEFAULT_T_COST;

/// The costs are out of Argon2's range, or hashing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadParams;

/// Argon2id (version 0x13, one lane) of `passphrase` with `salt`, giving a 256-bit key.
pub(crate) fn argon2id(
    passphrase: &[u8],
    salt: &[u8],
    m_cost: u32,
    t_cost: u32,
) -> Result<Zeroizing<[u8; KEY_LEN]>, BadParams> {
    let params = argon2::Params::new(m_cost, t_cost, 1, Some(KEY_LEN)).map_err(|_| BadParams)?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase, salt, &mut *key)
        .map_err(|_| BadParams)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference implementation's test vector (phc-winner-argon2 `src/test.c`: Argon2id,
    /// version 0x13, m = 2^16 KiB, t = 2, p = 1, "password", "somesalt"), through this wrapper.
    #[test]
    fn reference_vector() {
        let key = argon2id(b"password", b"somesalt", 1 << 16, 2).unwrap();
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"
        );
    }

    #[test]
    fn deterministic_salted_and_cost_dependent() {
        let a = argon2id(b"password", b"somesalt-16bytes", 64, 1).unwrap();
        assert_eq!(
            *a,
            *argon2id(b"password", b"somesalt-16bytes", 64, 1).unwrap()
        );
        assert_ne!(
            *a,
            *argon2id(b"password", b"othersalt-16byte", 64, 1).unwrap()
        );
        assert_ne!(
            *a,
            *argon2id(b"password", b"somesalt-16bytes", 64, 2).unwrap()
        );
        assert_eq!(argon2id(b"p", b"short", 64, 1), Err(BadParams));
    }
}
