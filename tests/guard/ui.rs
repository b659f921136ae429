//! Compile-fail tests for `#[derive(Classified)]`: every mistake is a spanned error.

#[test]
fn derive_mistakes_are_spanned_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
