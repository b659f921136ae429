//! `piiguard policy check|explain`, run as a user would: the built binary, its output and its
//! exit status; `explain` against the library's decision for every cell of the policy matrix.

use crate::common;
use piiguard::class::ClassName;
use piiguard::policy::Target;
use piiguard::{Access, Class, Policy, Principal, keys::Environment};

use common::{piiguard, text};

/// The policy matrix of the library's tests.
const MATRIX: &str = piiguard_testkit::POLICY_MATRIX_PATH;

#[test]
fn check_reports_a_valid_file_a_mistake_with_its_line_and_a_missing_file() {
    let out = piiguard(&["policy", "check", MATRIX], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with(": valid, version matrix-1\n"));

    let bad = "version = \"v\"\n\n[[rule]]\nroles = [\"support\"]\nclasses = [\"emial\"]\ntreatment = \"mask\"\n";
    let out = piiguard(&["policy", "check", "-"], bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).starts_with("-:5: unknown class `emial`"),
        "{}",
        text(&out.stdout)
    );
    let out = piiguard(&["policy", "check", "--json", "-"], bad);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["line"], 5, "the `classes` line, not the rule's header");

    let out = piiguard(&["policy", "check", "/nonexistent/policy.toml"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("piiguard: /nonexistent/policy.toml: "));
    assert!(out.stdout.is_empty());
}

#[test]
fn explain_gives_the_treatment_reason_and_rule_line() {
    let out = piiguard(
        &[
            "policy", "explain", "--policy", MATRIX, "--role", "support", "--class", "email",
            "--env", "prod",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    assert!(
        line.starts_with("mask (role_rule, the rule at line "),
        "{line}"
    );
    assert!(line.ends_with("; policy matrix-1)\n"), "{line}");

    let out = piiguard(
        &[
            "policy", "explain", "--policy", MATRIX, "--role", "visitor", "--class", "email",
            "--json",
        ],
        "",
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["treatment"], "redact");
    assert_eq!(json["reason"], "no_matching_rule");
    assert_eq!(json["rule_line"], serde_json::Value::Null);

    // Mistakes in the user's terms, exit 2.
    for (args, message) in [
        (
            &["--class", "email", "--env", "production"][..],
            "unknown environment `production`",
        ),
        (
            &["--class", "loyalty_id"][..],
            "`loyalty_id` is not a built-in class",
        ),
        (
            &["--class", "email", "--sensitivity", "secret"][..],
            "unknown sensitivity `secret`",
        ),
    ] {
        let mut all = vec!["policy", "explain", "--policy", MATRIX, "--role", "support"];
        all.extend_from_slice(args);
        let out = piiguard(&all, "");
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains(message), "{}", text(&out.stderr));
    }
}

/// One cell of the matrix: what the binary says, and what the library decides.
fn cell(role: &str, class: ClassName, env: Environment, region: Option<&str>, justified: bool) {
    let policy = Policy::from_toml(&std::fs::read_to_string(MATRIX).unwrap()).unwrap();
    let mut principal = Principal::new("p").role(role).in_environment(env);
    if let Some(r) = region {
        principal = principal.in_region(r);
    }
    let mut access = Access::new("any");
    if justified {
        access = access.justified_by("ticket 1");
    }
    let sensitivity = Class::from_name(class.name()).unwrap().sensitivity();
    let want = policy.decide(
        &principal,
        &access,
        &Target::new(class.name(), sensitivity),
        env,
    );

    let env_name = env.name();
    let mut args = vec![
        "policy",
        "explain",
        "--json",
        "--policy",
        MATRIX,
        "--role",
        role,
        "--class",
        class.name(),
        "--env",
        env_name,
        "--purpose",
        "any",
    ];
    if let Some(r) = region {
        args.extend(["--region", r]);
    }
    if justified {
        args.push("--justified");
    }
    let out = piiguard(&args, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cell = format!(
        "{role} × {} × {env_name} × {region:?} × {justified}",
        class.name()
    );
    assert_eq!(got["treatment"], want.disclosure.name(), "{cell}");
    assert_eq!(got["reason"], want.reason.name(), "{cell}");
    assert_eq!(
        got["rule_line"],
        serde_json::json!(want.rule_line),
        "{cell}"
    );
}

#[test]
fn explain_agrees_with_the_library_for_every_cell_of_the_policy_matrix() {
    const ROLES: [&str; 5] = ["support", "analyst", "doctor", "fraud", "visitor"];
    let envs = [Environment::Dev, Environment::Staging, Environment::Prod];
    let mut cells = Vec::new();
    for role in ROLES {
        for class in ClassName::ALL {
            for env in envs {
                for region in [Some("eu"), Some("us"), None] {
                    for justified in [false, true] {
                        cells.push((role, class, env, region, justified));
                    }
                }
            }
        }
    }
    // Four processes at a time.
    std::thread::scope(|scope| {
        for chunk in cells.chunks(cells.len().div_ceil(4)) {
            scope.spawn(move || {
                for &(role, class, env, region, justified) in chunk {
                    cell(role, class, env, region, justified);
                }
            });
        }
    });
    assert_eq!(cells.len(), 5 * ClassName::ALL.len() * 3 * 3 * 2);
}
