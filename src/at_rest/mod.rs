//! At rest: the storage door. [`StorageKeys`] encrypts fields into envelopes, opens them,
//! writes blind indexes and pseudonyms, reads and writes records as JSON in the storage view,
//! finds records by blind index, rewraps envelopes after a rotation and destroys subject keys.
//!
//! Applications reach all of this through the [`Guard`](crate::Guard): its `to_json`,
//! `from_json` and `blind_index_candidates` are the storage door, its `reveal` and `view` the
//! only way to cleartext. Operators' tooling that must run without a policy (bulk rewraps,
//! migrations) gets a `StorageKeys` from [`piiguard::unaudited`](crate::unaudited).
//!
//! Files: `storage_keys.rs` (the scoped handle: encrypt, open, digest), `protector.rs` (the keys a
//! view context carries), `json.rs` (the storage view as JSON), `lookup.rs` (blind-index lookups),
//! `rewrap.rs`, `erase.rs` (crypto-shredding), `vault_tokens.rs` (vault tokens), `preserving.rs`
//! (FF1 tokens under derived keys), `decrypt.rs` and `digest.rs` (the digest format).

mod column;
mod decrypt;
mod digest;
mod erase;
mod json;
mod lookup;
mod preserving;
mod protector;
mod register;
mod rewrap;
#[cfg(any(feature = "rusqlite", feature = "postgres", feature = "sqlx"))]
mod sql;
mod storage_keys;
mod vault_tokens;

pub use crate::envelope::TEXT_PREFIX;
pub use column::Column;
pub use erase::Forgotten;
pub use rewrap::RewrapProgress;
pub use storage_keys::StorageKeys;
pub use vault_tokens::{TokenMetadata, TokenTarget};
