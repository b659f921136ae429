//! The guard: policy, reveals, views, tokens, the audit trail, governance, the derive, values and texts.
//!
//! One test binary per area (each links the whole crate once); a module per former file.

mod anonymize;
mod audit_trail;
mod data_map;
mod derive;
mod doors;
mod error_texts;
mod front_door;
mod governance;
mod guard_audit;
mod layering;
mod leak;
mod policy;
mod preserving_tokens;
mod retention;
mod strict_input;
#[cfg(feature = "testdata")]
mod testdata;
mod tokenization;
mod tokens;
mod validation;
mod values;
