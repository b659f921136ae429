//! The public surface a newcomer meets first, listed: `Guard`'s own methods (the policy's door,
//! construction and the two other doors), and the crate root's public names. Adding to either
//! is a decision: this test fails until the list here is changed with it.

use std::collections::BTreeSet;
use std::path::Path;

/// Every `.rs` file under `src/`: its path below `src/` and its text.
fn rust_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (mut files, mut stack) = (Vec::new(), vec![root.clone()]);
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files
}

/// The name of the function a line `pub fn name…` declares.
fn fn_name(rest: &str) -> String {
    rest.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The `pub fn` names of every `impl Guard` block in `src/`.
fn guard_methods() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (_, text) in rust_files() {
        let mut in_guard = false;
        for line in text.lines() {
            if line.starts_with("impl Guard {") {
                in_guard = true;
            } else if line == "}" {
                in_guard = false;
            } else if in_guard && let Some(rest) = line.strip_prefix("    pub fn ") {
                names.insert(fn_name(rest));
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

/// The crate root's public names: what `pub use` brings (last path segments) and `pub mod`
/// declares, in `src/lib.rs`.
fn root_names() -> (BTreeSet<String>, BTreeSet<String>) {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let (mut uses, mut modules) = (BTreeSet::new(), BTreeSet::new());
    let mut statement = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("pub mod ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            modules.insert(name);
        } else if line.starts_with("pub use ") || !statement.is_empty() {
            statement.push_str(line);
            if line.ends_with(';') {
                let path = statement
                    .trim_start_matches("pub use ")
                    .trim_end_matches(';');
                let items = match path.split_once('{') {
                    Some((_, list)) => list.trim_end_matches('}').to_owned(),
                    None => path.to_owned(),
                };
                for item in items.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                    uses.insert(item.rsplit("::").next().unwrap().to_owned());
                }
                statement.clear();
            }
        }
    }
    (uses, modules)
}

#[test]
fn the_crate_root_holds_what_a_newcomer_needs_first_and_modules_for_the_rest() {
    let (uses, modules) = root_names();
    let expected_uses: BTreeSet<String> = [
        "Classified", // the derive and its trait
        "Pii",
        "Revealed",
        "SecretBuf",
        "Guard",
        "Policy",
        "Principal",
        "Access",
        "Reason",
        "GrantRequest",
        "GrantToken",
        "Error",
        "View",
        "in_view",
        "Envelope",
        "Class",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(uses, expected_uses);
    let expected_modules: BTreeSet<String> = [
        "at_rest",
        "audit",
        "class",
        "clock",
        "data_map",
        "guard",
        "guide",
        "keys",
        "lifecycle",
        "memory",
        "monitor",
        "policy",
        "schema",
        "scrub",
        "store",
        "testdata",
        "token",
        "unaudited",
        "value",
        "view",
        "__private",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(modules, expected_modules);
}

/// The public functions of `src/` whose names speak of disclosure, with their files.
fn disclosing_functions() -> BTreeSet<(String, String)> {
    const WORDS: [&str; 6] = [
        "reveal",
        "detokeniz",
        "expose",
        "decrypt",
        "cleartext",
        "plaintext",
    ];
    let mut found = BTreeSet::new();
    for (file, text) in rust_files() {
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("pub fn ") else {
                continue;
            };
            let name = fn_name(rest);
            if WORDS.iter().any(|w| name.contains(w)) && name != "reveals_in_window" {
                found.insert((file.clone(), name));
            }
        }
    }
    found
}

/// One naming rule for every cleartext door (`docs/THREAT_MODEL.md`, "Cleartext doors"): the
/// guard's four verbs through the policy, `expose…` without it, and FF1's own `decrypt`.
#[test]
fn every_cleartext_door_follows_the_naming_rule_and_is_listed() {
    let expected: BTreeSet<(String, String)> = [
        ("guard/access.rs", "reveal"),
        ("guard/access.rs", "detokenize"),
        ("guard/preserving.rs", "detokenize_preserving"),
        ("pii/mod.rs", "expose"),
        ("pii/revealed.rs", "expose"),
        ("at_rest/decrypt.rs", "expose_unaudited"),
        ("token/format.rs", "expose"),
        ("keys/material.rs", "expose_material"),
        ("crypto/ff1.rs", "decrypt"),
    ]
    .into_iter()
    .map(|(f, n)| (f.to_owned(), n.to_owned()))
    .collect();
    assert_eq!(disclosing_functions(), expected);
    let threat_model =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/THREAT_MODEL.md"))
            .unwrap();
    for (_, name) in &expected {
        assert!(
            threat_model.contains(&format!("::{name}`")),
            "docs/THREAT_MODEL.md lists `{name}`"
        );
    }
}
