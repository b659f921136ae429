//! The scrubber: accuracy on generated corpora and the published standards.
//!
//! One test binary per area (each links the whole crate once); a module per former file.

mod scrub_accuracy;
mod scrub_standards;
