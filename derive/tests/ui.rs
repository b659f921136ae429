//! Compile-fail tests for `#[derive(Classified)]`: every mistake is a spanned error.
//!
//! Here, beside the macro, rather than in piiguard's suite: trybuild checks each case in a crate
//! of its own, whose dependencies are the crate under test's dev-dependencies. piiguard without
//! default features (no AWS-LC, no SQLite to compile) and none of its suite's dev-dependencies
//! keep that second build small.

#[test]
fn derive_mistakes_are_spanned_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
