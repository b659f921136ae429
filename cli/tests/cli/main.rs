//! The command-line tool as a real process: every subcommand, the operators' report and data
//! map pages, and the detokenizing proxy between a client and a mock payment processor.
//!
//! One test binary (it links the crate once); a module per area.

mod common;

#[cfg(feature = "store")]
mod admin;
#[cfg(feature = "postgres")]
mod bootstrap;
mod commands;
#[cfg(feature = "chromium-tests")]
mod data_map_page;
#[cfg(feature = "store")]
mod forget;
mod policy;
#[cfg(feature = "proxy")]
mod proxy;
#[cfg(feature = "store")]
mod report;
#[cfg(feature = "store")]
mod store;
