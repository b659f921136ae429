//! Helpers shared by integration tests (each test crate uses part of them).
#![allow(dead_code)]

pub(crate) mod admin;
pub(crate) mod memscan;
pub(crate) mod rng;
pub(crate) mod score;
pub(crate) mod specs;
