//! Helpers shared by piiguard's integration tests (`tests/` and `cli/tests/`): one crate
//! instead of files included by `#[path]`. Not published.

/// The policy matrix of the policy tests (`tests/guard/policy.rs`), also run through
/// `piiguard policy explain` by the CLI's tests.
pub const POLICY_MATRIX: &str = include_str!("../data/policy_matrix.toml");

/// The path of [`POLICY_MATRIX`]'s file.
pub const POLICY_MATRIX_PATH: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/policy_matrix.toml");

pub mod admin;
pub mod memscan;
pub mod rng;
pub mod score;
pub mod specs;

/// The name `cargo test --exact` knows a test by, for a test function `test` in the module
/// whose `module_path!()` is `module_path` (the test binary's own name dropped): what a test
/// that runs a helper test in a child process passes to it.
///
/// ```
/// assert_eq!(piiguard_testkit::test_name("store::fleet", "fleet_helper"), "fleet::fleet_helper");
/// assert_eq!(piiguard_testkit::test_name("scale", "helper"), "helper");
/// ```
pub fn test_name(module_path: &str, test: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{test}"),
        None => test.to_owned(),
    }
}
