//! Views: where a serialization goes, and so how each classified field is treated.
//!
//! | view | default treatment | needs keys |
//! |---|---|---|
//! | [`View::Redacted`] (plain `Serialize`) | redact every classified field | no |
//! | [`View::Log`] (and `Debug`) | mask technical and personal data, redact sensitive and special | no |
//! | [`View::Storage`] | encrypt | yes |
//! | [`View::Export`] | keyed pseudonym (hash); omit special data | yes |
//! | [`View::Policy`] | as the principal's policy decides, per field; redact without a guard | yes |
//!
//! A field may override its treatment per view with `#[pii(log = …, storage = …, export = …)]`.
//! Treatments that need keys (encrypt, hash) are carried out by the keys piiguard attaches to
//! the [`ViewContext`] (the guard's and the storage door's); without one they fail with
//! [`Error::KeysRequired`](crate::Error::KeysRequired) rather than fall back to cleartext.

//!
//! The module's files, one concept each: `context.rs` (the context and where a field sits),
//! `classified.rs` (the trait the derive implements), `field.rs` (one classified field in every
//! view: the security rules), `containers.rs` (`Option`, `Vec`, `Box`), `record.rs` (a record
//! field by field, nested records) and `de.rs` (the deserialization seeds and doors).

mod classified;
mod containers;
pub(crate) mod context;
pub(crate) mod de;
pub(crate) mod field;
mod owned_field_ref;
pub(crate) mod record;

pub use crate::names::{Treatment, View};
pub use classified::{Classified, Viewed, in_context, in_view};
pub(crate) use context::{FieldDecisions, Protector};
pub use context::{FieldRef, ViewContext};
pub(crate) use owned_field_ref::OwnedFieldRef;
