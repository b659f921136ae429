//! The public surface a newcomer meets first, listed: `Guard`'s own methods (the policy's door,
//! construction and the two other doors), and the crate root's public names. Adding to either
//! is a decision: this test fails until the list here is changed with it.

use std::collections::BTreeSet;
use std::path::Path;

/// The `pub fn` names of every `impl Guard` block in `src/`.
fn guard_methods() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut in_guard = false;
            for line in text.lines() {
                if line.starts_with("impl Guard {") {
                    in_guard = true;
                } else if line == "}" {
                    in_guard = false;
                } else if in_guard && let Some(rest) = line.strip_prefix("    pub fn ") {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn the_guard_has_the_policy_door_construction_and_two_other_doors_and_nothing_else() {
    let expected: BTreeSet<String> = [
        // construction
        "builder",
        "open_local",
        "local",
        "shared",
        "scoped",
        // the policy's door: what discloses, decided and audited
        "reveal",
        "view",
        "detokenize",
        "detokenize_preserving",
        "anonymize",
        "refuse",
        "request_access",
        // the other doors
        "storage",
        "admin",
        // what it is, and its trail
        "keyring",
        "policy",
        "verify_audit",
        "audit_head",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(guard_methods(), expected);
}
