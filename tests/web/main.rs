//! Web services: the axum example service, `tracing` output, memory dumps of a running service.
//!
//! One test binary per area (each links the whole crate once); a module per former file.

#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
mod axum_service;
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
mod memory_dump;
mod tracing_output;
