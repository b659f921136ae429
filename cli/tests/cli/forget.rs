//! `piiguard forget SUBJECT`, run as a user would: an admin act, confirmed, audited, reported.
#![cfg(feature = "store")]

use crate::common;
use common::Customer;

use common::{piiguard, text};
use piiguard::{Error, Guard, Pii, Principal};

const POLICY: &str = r#"
version = "cli-forget-1"
admin_roles = ["dpo"]

[[rule]]
roles = ["mailer"]
classes = ["email"]
treatment = "reveal"
"#;

fn customer(id: u64) -> Customer {
    Customer {
        id,
        email: Pii::new(format!("customer{id}@example.com")),
    }
}

#[test]
fn forget_erases_one_subject_only_for_an_admin_who_confirms() {
    let dir = std::env::temp_dir().join(format!("piiguard-cli-forget-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    let mailer = Principal::new("mailer-1").role("mailer");
    // Records of subjects 1 and 2, as the application stores them.
    let rows: Vec<String> = {
        let guard = Guard::open_local(&dir).unwrap();
        [1, 2]
            .into_iter()
            .map(|id| guard.storage().to_json(&customer(id)).unwrap())
            .collect()
    };
    let d = dir.to_str().unwrap();
    let reveal = |row: &str| -> Result<(), Error> {
        let guard = Guard::open_local(&dir).unwrap();
        let stored: Customer = guard.storage().from_json(row)?;
        guard.reveal(&mailer, &stored, |c| &c.email, "send_receipt")?;
        Ok(())
    };

    // Not confirmed, or not an admin: nothing happens.
    let out = piiguard(
        &["forget", "2", "--as", "op-1", "--role", "dpo", "--dir", d],
        "3\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not confirmed: nothing was erased"));
    let out = piiguard(
        &[
            "forget", "2", "--as", "op-1", "--role", "mailer", "--yes", "--dir", d,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not_admin"),
        "{}",
        text(&out.stderr)
    );
    reveal(&rows[1]).unwrap();

    // Confirmed by typing the id again, by an admin.
    let out = piiguard(
        &["forget", "2", "--as", "op-1", "--role", "dpo", "--dir", d],
        "2\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "subject 2: key destroyed: their data is unreadable for good\n"
    );
    assert!(matches!(reveal(&rows[1]), Err(Error::SubjectForgotten)));
    reveal(&rows[0]).unwrap();
    // Idempotent, and said so.
    let out = piiguard(
        &[
            "forget", "2", "--as", "op-1", "--role", "dpo", "--yes", "--json", "--dir", d,
        ],
        "",
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["outcome"], "no_key");

    // Audited: who erased which subject, and the refused attempt; the trail verifies.
    let guard = Guard::open_local(&dir).unwrap();
    guard.verify_audit().unwrap();
    let db = rusqlite::Connection::open(dir.join("store.db")).unwrap();
    let erasures: Vec<serde_json::Value> = db
        .prepare("SELECT line FROM audit_events ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|l| serde_json::from_str::<serde_json::Value>(&l.unwrap()).unwrap())
        .filter(|e| e["action"] == "subject_erasure")
        .collect();
    let outcomes: Vec<(&str, &str)> = erasures
        .iter()
        .map(|e| {
            (
                e["principal"]["id"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("op-1", "denied"), ("op-1", "allowed"), ("op-1", "allowed")]
    );
    assert!(erasures.iter().all(|e| e["object"]["subject"] == "2"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn forget_refuses_a_directory_without_a_store() {
    let dir = std::env::temp_dir().join(format!("piiguard-cli-forget-none-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = piiguard(
        &[
            "forget",
            "2",
            "--as",
            "op-1",
            "--role",
            "dpo",
            "--yes",
            "--dir",
            dir.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("store.db is missing"));
    assert!(!dir.exists(), "nothing was created");
}
