//! `piiguard audit verify` and `piiguard keys list` on a local directory, run as a user would.
#![cfg(feature = "store")]

use crate::common;
use common::Customer;

use common::{piiguard, text};
use piiguard::{Guard, Pii, Principal};
use std::path::{Path, PathBuf};

fn run(args: &[&str]) -> std::process::Output {
    piiguard(args, "")
}

const POLICY: &str = r#"
version = "cli-1"

[[rule]]
roles = ["mailer"]
classes = ["email"]
treatment = "reveal"
"#;

/// A directory with a store whose trail holds the policy's adoption and three reveals.
fn directory(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("piiguard-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    reveal_three(&Guard::open_local(&dir).unwrap());
    dir
}

/// Three reveals, each an audit event naming its customer as the subject.
fn reveal_three(guard: &Guard) {
    let mailer = Principal::new("mailer-1").role("mailer");
    for id in 1..=3 {
        let customer = Customer {
            id,
            email: Pii::new(format!("customer{id}@example.com")),
        };
        guard
            .reveal(&mailer, &customer, |c| &c.email, "send_receipt")
            .unwrap();
    }
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn audit_verify_passes_an_intact_trail_and_names_the_first_bad_event() {
    let dir = directory("verify");
    let out = run(&["audit", "verify", "--dir", arg(&dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("every chain is intact"));
    let out = run(&["audit", "verify", "--json", "--dir", arg(&dir)]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["intact"], true);
    let events = json["events"].as_u64().unwrap();
    assert!(events >= 3, "{events}");
    // Every process that wrote was a writer; each made sure of a checkpoint at its first event.
    assert!(json["writers"].as_u64().unwrap() >= 1, "{json}");
    assert!(json["checkpoint"]["seq"].as_u64().unwrap() >= 1, "{json}");
    assert!(json["unsealed"].as_u64().unwrap() < events, "{json}");

    // An edited event: the reveal of customer 2 made to look like a view.
    let db = rusqlite::Connection::open(dir.join("store.db")).unwrap();
    let edited = db
        .execute(
            "UPDATE audit_events SET line = replace(line, '\"reveal\"', '\"view\"')
             WHERE line LIKE '%\"subject\":\"2\"%'",
            [],
        )
        .unwrap();
    assert_eq!(edited, 1);
    drop(db);
    let out = run(&["audit", "verify", "--json", "--dir", arg(&dir)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["intact"], false);
    assert!(json["problem"].as_str().unwrap().contains("MAC mismatch"));
    // The same key as the report's for where the chain breaks.
    assert!(json["breaks_at"].as_u64().unwrap() >= 1, "{json}");
    let out = run(&["audit", "verify", "--dir", arg(&dir)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("the chain breaks at event"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn keys_list_shows_metadata_only() {
    let dir = directory("keys");
    let out = run(&["keys", "list", "--json", "--dir", arg(&dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let keys = common::key_list(&out.stdout);
    assert!(keys.len() >= 3, "{keys:?}");
    for key in &keys {
        let mut fields: Vec<&str> = key
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "age_days", "created", "id", "purpose", "region", "state", "version"
            ]
        );
        assert_eq!(key["state"], "active");
        assert_eq!(key["age_days"], 0);
    }
    let out = run(&["keys", "list", "--dir", arg(&dir)]);
    assert!(text(&out.stdout).starts_with("environment: dev\nid "));
    assert_eq!(text(&out.stdout).lines().count(), keys.len() + 2);
    // Nothing is older than 30 days; everything active is older than 0 days a second later.
    let out = run(&["keys", "list", "--due", "30", "--json", "--dir", arg(&dir)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(common::key_list(&out.stdout).is_empty());
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = run(&["keys", "list", "--due", "0", "--json", "--dir", arg(&dir)]);
    assert_eq!(out.status.code(), Some(1), "due versions exit 1");
    assert_eq!(common::key_list(&out.stdout).len(), keys.len());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_auditor_s_key_file_verifies_the_trail_without_the_key_set() {
    let dir = directory("auditor-key");
    let key = dir.with_extension("auditor.key");
    let _ = std::fs::remove_file(&key);
    let passphrase = [("PIIGUARD_AUDITOR_PASSPHRASE", "the auditor's, synthetic")];
    let d = arg(&dir);
    let k = key.to_str().unwrap();
    let out = common::piiguard_with(
        &["audit", "export-key", "--out", k, "--dir", d],
        "",
        &passphrase,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Never overwritten.
    let out = common::piiguard_with(
        &["audit", "export-key", "--out", k, "--dir", d],
        "",
        &passphrase,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("never overwritten"),
        "{}",
        text(&out.stderr)
    );

    // The directory's own key-encryption key is out of reach: the key file alone reads the
    // trail.
    std::fs::rename(dir.join("kek"), dir.join("kek.away")).unwrap();
    let out = common::piiguard_with(
        &["audit", "verify", "--json", "--dir", d, "--audit-key", k],
        "",
        &passphrase,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["intact"], true);
    assert!(json["events"].as_u64().unwrap() >= 3);
    let out = common::piiguard_with(
        &["audit", "tail", "--dir", d, "--audit-key", k],
        "",
        &passphrase,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).matches(" reveal ").count(),
        3,
        "{}",
        text(&out.stdout)
    );
    // Another passphrase does not open the file.
    let wrong = [("PIIGUARD_AUDITOR_PASSPHRASE", "not the auditor's")];
    let out = common::piiguard_with(
        &["audit", "verify", "--dir", d, "--audit-key", k],
        "",
        &wrong,
    );
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_file(key).unwrap();
}

#[test]
fn errors_are_json_under_json_and_a_missing_file_is_named_as_such() {
    let out = run(&["keys", "list", "--json", "--dir", "/nonexistent/piiguard"]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["status"], 2);
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("no piiguard store here"),
        "{json}"
    );
    let dir = directory("recover-missing");
    let out = run(&[
        "audit",
        "recover",
        "--jsonl",
        "/nonexistent/audit.jsonl",
        "--dir",
        arg(&dir),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent/audit.jsonl: no such file"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_wrong_kind_of_key_encryption_key_is_named_with_its_variable() {
    // A dev directory's key set is sealed under its random `kek` file: a passphrase set in the
    // environment is the wrong kind, and the message says which variable to unset.
    let dir = directory("kek-kind");
    let passphrase = [("PIIGUARD_KEK_PASSPHRASE", "a passphrase, synthetic")];
    let out = common::piiguard_with(&["keys", "list", "--dir", arg(&dir)], "", &passphrase);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unset PIIGUARD_KEK_PASSPHRASE"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_directory_without_a_store_is_an_error_and_stays_as_it_was() {
    let empty = std::env::temp_dir().join(format!("piiguard-cli-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&empty);
    std::fs::create_dir_all(&empty).unwrap();
    let missing = empty.join("missing");
    for dir in [&empty, &missing] {
        for command in [&["audit", "verify"][..], &["keys", "list"][..]] {
            let mut args = command.to_vec();
            args.extend(["--dir", arg(dir)]);
            let out = run(&args);
            assert_eq!(out.status.code(), Some(2));
            assert!(
                text(&out.stderr).contains("no piiguard store here (store.db is missing)"),
                "{}",
                text(&out.stderr)
            );
        }
    }
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "nothing was created"
    );
    std::fs::remove_dir_all(empty).unwrap();
}

/// The same on a PostgreSQL store (started by `scripts/test.sh`; fails without it).
#[cfg(feature = "postgres")]
#[test]
fn audit_verify_and_keys_list_on_postgresql() {
    use common::piiguard_with;
    const PASSPHRASE: &str = "cli test passphrase, synthetic";
    let db = format!("piiguard_cli_{}", std::process::id());
    let (url, mut admin) = common::postgres_database(&db);

    // An empty store has no key set: refused, nothing created.
    let env = [("PIIGUARD_KEK_PASSPHRASE", PASSPHRASE)];
    let out = piiguard_with(&["keys", "list", "--postgres", &url], "", &env);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no key set in this store"));

    let guard = common::postgres_guard(&url, POLICY, PASSPHRASE);
    reveal_three(&guard);
    drop(guard);

    let out = piiguard_with(&["audit", "verify", "--json", "--postgres", &url], "", &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["intact"], true);
    assert!(json["events"].as_u64().unwrap() >= 3);
    let out = piiguard_with(&["keys", "list", "--json", "--postgres", &url], "", &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let keys = common::key_list(&out.stdout);
    assert!(keys.len() >= 3);

    // No passphrase, or a wrong one: an error, exit 2.
    let out = piiguard(&["keys", "list", "--postgres", &url], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("PIIGUARD_KEK_PASSPHRASE must hold"));
    let wrong = [("PIIGUARD_KEK_PASSPHRASE", "not the passphrase")];
    let out = piiguard_with(&["keys", "list", "--postgres", &url], "", &wrong);
    assert_eq!(out.status.code(), Some(2));

    // An edited event.
    let mut db_admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let edited = db_admin
        .execute(
            "UPDATE piiguard_audit_events SET line = replace(line, '\"reveal\"', '\"view\"')
             WHERE line LIKE '%\"subject\":\"2\"%'",
            &[],
        )
        .unwrap();
    assert_eq!(edited, 1);
    let out = piiguard_with(&["audit", "verify", "--json", "--postgres", &url], "", &env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["problem"].as_str().unwrap().contains("MAC mismatch"));
    drop(db_admin);
    common::drop_database(&mut admin, &db);
}
