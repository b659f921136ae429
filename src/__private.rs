//! Support for the code `#[derive(Classified)]` generates: re-exports only. Not a public API: it
//! changes with the derive, which this crate pins to its exact version (`=x.y.z`), so the two
//! always match.

pub use crate::class::{Class, Masked, Sensitivity};
pub use crate::data_map::Registered;
pub use crate::generalize::Generalize;
pub use crate::pii::PiiSlot;
pub use crate::schema::{FieldKind, FieldSchema, PiiField, RecordSchema, SubjectId};
#[cfg(feature = "testdata")]
pub use crate::testdata::{Synth, Synthetic, SyntheticPii};
pub use crate::view::context::DeContext;
pub use crate::view::de::{FieldIndex, FieldSeed, MissingField, NestedSeed};
pub use crate::view::field::{FieldAt, ProtectedField};
pub use crate::view::record::{DebugPii, NestedField, RecordAt, visit_field, visit_field_mut};
pub use crate::view::{Classified, FieldRef, Treatment, View, ViewContext};
pub use inventory;
pub use serde;

/// Passes a derived `impl Synthetic` through when piiguard has `testdata`, drops it otherwise.
#[doc(hidden)]
#[cfg(feature = "testdata")]
#[macro_export]
macro_rules! __synthetic {
    ($($item:item)*) => { $($item)* };
}

/// Passes a derived `impl Synthetic` through when piiguard has `testdata`, drops it otherwise.
#[doc(hidden)]
#[cfg(not(feature = "testdata"))]
#[macro_export]
macro_rules! __synthetic {
    ($($item:item)*) => {};
}
