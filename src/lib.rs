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
mod guard;
pub mod keys;
pub mod lifecycle;
mod mem;
pub mod monitor;
mod names;
mod pii;
pub mod policy;
mod reason;
mod schema;
pub mod scrub;
pub mod store;
#[cfg(feature = "testdata")]
pub mod testdata;
pub mod token;
pub mod unaudited;
mod value;
pub mod view;

#[doc(hidden)]
pub mod __private;

pub use class::{Class, Masked, Sensitivity};
pub use data_map::{DataMap, data_map};
pub use envelope::{Envelope, TEXT_PREFIX};
pub use environment::Environment;
pub use error::{ChainProblem, Error, Invalid};
pub use generalize::Generalize;
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "sqlite", feature = "local-key-file"))))]
pub use guard::LocalGuard;
pub use guard::{
    Admin, AlertHandler, Anonymization, Anonymized, Guard, GuardBuilder, PolicyView,
    RetentionSweep, Storage,
};
pub use mem::buffer::SecretBuf;
pub use mem::protected::Protections;
pub use names::UnknownName;
pub use pii::seal::{MemoryReport, memory_report, process_key_protections};
pub use pii::{Pii, PiiSlot, Revealed};
pub use policy::{
    Access, Decision, Disclosure, GrantRequest, GrantToken, Policy, Principal, Reason, RequestId,
};
pub use schema::{FieldKind, FieldSchema, PiiField, RecordSchema, SubjectId, TokenOptions};
pub use value::{PiiValue, ValueShape};
pub use view::{Classified, Treatment, View, ViewContext, in_context, in_view};

/// Derives [`Classified`], `Debug` (log view), `Serialize` (redacted view) and `Deserialize`
/// (cleartext sealed at once, placeholders refused) for a struct with `#[pii(...)]` fields.
///
/// Container attributes: `#[pii(subject = field, name = "stable_name")]`.
/// Field attributes: `#[pii(class = email, sensitivity = sensitive, name = "stable_name",
/// log = mask, storage = encrypt, export = hash, index, masker = PATH)]` on `Pii<T>` fields
/// (or `Option`, `Vec`, `Box` of them), and `#[pii(nested)]` on nested `Classified` records.
/// See the crate documentation for the full list.
pub use piiguard_derive::Classified;
