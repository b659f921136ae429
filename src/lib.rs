#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets the derive's `::piiguard::…` paths resolve inside this crate's own tests.
extern crate self as piiguard;

pub mod at_rest;
pub mod audit;
pub mod class;
pub mod clock;
mod codec;
mod crypto;
pub mod data_map;
#[doc = include_str!("../docs/GUIDE.md")]
pub mod guide {}
mod envelope;
mod environment;
mod error;
#[cfg(any(feature = "sqlite", feature = "local-key-file"))]
mod fs;
mod generalize;
pub mod guard;
pub mod keys;
pub mod lifecycle;
mod mem;
pub mod monitor;
mod names;
mod pii;
pub mod policy;
mod reason;
pub mod schema;
pub mod scrub;
pub mod store;
#[cfg(feature = "testdata")]
pub mod testdata;
pub mod token;
pub mod unaudited;
pub mod value;
pub mod view;

#[doc(hidden)]
pub mod __private;

pub use class::Class;
pub use envelope::Envelope;
pub use error::Error;
pub use guard::Guard;
pub use mem::buffer::SecretBuf;
pub use pii::{Pii, Revealed};
pub use policy::{Access, GrantRequest, GrantToken, Policy, Principal, Reason};
pub use view::{Classified, View, in_view};

/// What the process's memory protection got: whether keys are kept out of core dumps and swap,
/// and how much of the locked memory they use.
pub mod memory {
    pub use crate::mem::protected::Protections;
    pub use crate::pii::seal::{MemoryReport, memory_report, process_key_protections};
}

/// Derives [`Classified`], `Debug` (log view), `Serialize` (redacted view) and `Deserialize`
/// (cleartext sealed at once, placeholders refused) for a struct with `#[pii(...)]` fields.
///
/// Container attributes: `#[pii(subject = field, name = "stable_name")]`.
/// Field attributes: `#[pii(class = email, sensitivity = sensitive, name = "stable_name",
/// log = mask, storage = encrypt, export = hash, index, masker = PATH)]` on `Pii<T>` fields
/// (or `Option`, `Vec`, `Box` of them), and `#[pii(nested)]` on nested `Classified` records.
/// See the crate documentation for the full list.
pub use piiguard_derive::Classified;
