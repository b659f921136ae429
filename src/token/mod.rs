//! Tokens: values that stand in for personal data where the data itself must not go — a
//! database column, a log, a third party — and that only the guard turns back into the data.
//!
//! This release has the format-preserving tokens made without a vault: [`FormatPreserving`]
//! runs FF1 ([`Ff1`], NIST SP 800-38G, AES-256, through the `fpe` crate) over a value's own
//! characters, so a card token is still sixteen digits with the same last four, and a
//! document number's token is still nine characters of its alphabet. They are deterministic
//! (equal values in one field give equal tokens, so a column of them can be joined on) and
//! need no storage. Values whose domain is below FF1's minimum of a million are refused.
//!
//! ```
//! use piiguard::token::{FormatPreserving, TokenFormat, TokenKey};
//!
//! let ids = FormatPreserving::new(&TokenKey::from_bytes([7; 32]), TokenFormat::Digits, b"hr.ssn")?;
//! let token = ids.tokenize("123-45-6789")?;
//! assert_eq!(token.len(), 11);
//! assert_eq!(*ids.expose(&token)?, "123-45-6789");
//! # Ok::<(), piiguard::Error>(())
//! ```

mod format;
mod vault;

pub use crate::crypto::ff1::{Ff1, MIN_DOMAIN, TokenKey};
pub use format::{FormatPreserving, TokenFormat};
pub use vault::{
    EMAIL_DOMAIN, MemoryTokenStore, TOKEN_PREFIX, TokenEntry, TokenInfo, TokenStore, VaultFormat,
};
pub(crate) use vault::{head, id_text, write_token};
