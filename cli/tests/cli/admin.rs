//! `piiguard keys init|rotate|destroy` and `piiguard audit tail`, run as a user would, on a
//! local directory: admin acts refused without an admin role, confirmed, audited; a trail
//! printed and followed while another process writes to it.
#![cfg(feature = "store")]

use crate::common;
use common::Customer;

use common::{piiguard, text};
use piiguard::{Guard, Pii, Principal};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const POLICY: &str = r#"
version = "cli-admin-1"
admin_roles = ["security"]

[[rule]]
roles = ["mailer"]
classes = ["email"]
treatment = "reveal"
"#;

fn fresh(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("piiguard-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn keys(dir: &str) -> Vec<serde_json::Value> {
    let out = piiguard(&["keys", "list", "--json", "--dir", dir], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    common::key_list(&out.stdout)
}

fn state(keys: &[serde_json::Value], id: &str, version: u64) -> String {
    keys.iter()
        .find(|k| k["id"] == id && k["version"] == version)
        .map(|k| k["state"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The audit trail's events as JSON, through `audit tail --json`.
fn events(dir: &str) -> Vec<serde_json::Value> {
    let out = piiguard(&["audit", "tail", "-n", "1000", "--json", "--dir", dir], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A JSON-lines trail of `n` reveals at `file`, chained under `keyring`'s integrity key.
fn write_jsonl(file: &std::path::Path, keyring: &piiguard::keys::Keyring, n: u32) {
    use piiguard::audit::{Action, Actor, AuditEvent, AuditSink as _, JsonlSink, Object, Outcome};
    let sink = JsonlSink::open(file, keyring).unwrap();
    for k in 0..n {
        sink.record(&AuditEvent {
            time: "2026-11-30T10:00:00.000000Z".into(),
            action: Action::Reveal,
            outcome: Outcome::Allowed,
            reason: piiguard::Reason::RoleRule,
            subsystem: "test".into(),
            principal: Actor::of(&Principal::new("mailer-1")),
            object: Object {
                subject: Some(k.to_string().into()),
                ..Object::default()
            },
            purpose: None,
            justification: None,
            policy_version: "1".into(),
            grant: None,
            detail: None,
        })
        .unwrap();
    }
}

/// The key and erasure acts of a trail, in order: (action, outcome).
fn admin_acts(trail: &[serde_json::Value]) -> Vec<(String, String)> {
    trail
        .iter()
        .filter(|e| {
            ["key_rotation", "key_destruction", "subject_erasure"]
                .contains(&e["action"].as_str().unwrap())
        })
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn keys_init_rotate_and_destroy_are_admin_acts_on_a_new_store() {
    let dir = fresh("admin-keys");
    let d = dir.to_str().unwrap();

    // A new store: made once, then refused.
    let out = piiguard(&["keys", "init", "--json", "--dir", d], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let made = common::key_list(&out.stdout);
    assert!(made.len() >= 3 && made.iter().all(|k| k["state"] == "active"));
    assert!(dir.join("store.db").is_file());
    let out = piiguard(&["keys", "init", "--dir", d], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("already has a key set"));
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    let field = made.iter().find(|k| k["purpose"] == "field").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A record written under version 1, to read after the rotation.
    let row = Guard::open_local(&dir)
        .unwrap()
        .storage()
        .to_json(&Customer {
            id: 7,
            email: Pii::new("jane@example.com".into()),
        })
        .unwrap();

    // Not an admin: refused (exit 2, a value-free error), and audited.
    let rotate = |role: &str| {
        piiguard(
            &[
                "keys", "rotate", "field", "--as", "op-1", "--role", role, "--json", "--dir", d,
            ],
            "",
        )
    };
    let out = rotate("mailer");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("denied"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("jane"));
    assert_eq!(state(&keys(d), &field, 2), "");
    let out = piiguard(
        &[
            "keys", "rotate", "spice", "--as", "op-1", "--role", "security", "--dir", d,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`spice` is not a key purpose"));

    // An admin rotates: version 2 active, version 1 decrypt-only, the old row still opens.
    let out = rotate("security");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rotated = common::key_list(&out.stdout);
    assert_eq!(rotated[0]["version"], 2);
    let listed = keys(d);
    assert_eq!(state(&listed, &field, 2), "active");
    assert_eq!(state(&listed, &field, 1), "decrypt_only");
    let mailer = Principal::new("mailer-1").role("mailer");
    let reveal = || {
        let guard = Guard::open_local(&dir).unwrap();
        let stored: Customer = guard.storage().from_json(&row)?;
        guard
            .reveal(&mailer, &stored, |c| &c.email, "send_receipt")
            .map(|r| r.expose().clone())
    };
    assert_eq!(reveal().unwrap(), "jane@example.com");

    // Destroying: the active version is refused; a decrypt-only one needs the id typed again.
    let destroy = |version: &str, confirm: &str, yes: bool| {
        let mut args = vec![
            "keys", "destroy", &field, version, "--as", "op-1", "--role", "security", "--dir", d,
        ];
        if yes {
            args.push("--yes");
        }
        piiguard(&args, confirm)
    };
    let out = destroy("2", "", true);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("active key cannot be destroyed"));
    let out = destroy("1", "another-key\n", false);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not confirmed: nothing was destroyed"));
    assert_eq!(state(&keys(d), &field, 1), "decrypt_only");
    let out = destroy("1", &format!("{field}\n"), false);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("version 1: destroyed"));
    assert_eq!(state(&keys(d), &field, 1), "destroyed");
    assert!(reveal().is_err(), "data under a destroyed key stays closed");

    // Each act is in the trail: the refused one as denied, the failed one as allowed (recorded
    // before the act) and then failed.
    let trail = events(d);
    assert_eq!(
        admin_acts(&trail),
        [
            ("key_rotation", "denied"),
            ("key_rotation", "allowed"),
            ("key_destruction", "allowed"),
            ("key_destruction", "failed"),
            ("key_destruction", "allowed"),
        ]
        .map(|(a, o)| (a.to_owned(), o.to_owned()))
    );
    let out = piiguard(&["audit", "verify", "--dir", d], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn audit_tail_prints_the_last_events_and_follows_new_ones() {
    let dir = fresh("admin-tail");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    let d = dir.to_str().unwrap();
    let mailer = Principal::new("mailer-1").role("mailer");
    let reveal = |ids: std::ops::RangeInclusive<u64>| {
        let guard = Guard::open_local(&dir).unwrap();
        for id in ids {
            let customer = Customer {
                id,
                email: Pii::new(format!("customer{id}@example.com")),
            };
            guard
                .reveal(&mailer, &customer, |c| &c.email, "send_receipt")
                .unwrap();
        }
    };
    reveal(1..=5);

    // The last two, as text and as the stored lines.
    let out = piiguard(&["audit", "tail", "-n", "2", "--dir", d], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<&str> = text(&out.stdout).lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("mailer-1 reveal allowed") && lines[0].contains("subject=\"4\""));
    assert!(lines[1].contains("Customer.email subject=\"5\" purpose=\"send_receipt\""));
    assert!(!text(&out.stdout).contains("@example.com"), "no values");
    let all = events(d);
    let last = all.last().unwrap()["seq"].as_u64().unwrap();
    assert_eq!(all.len() as u64, last, "every event, in order");

    // Following: what another process writes shows up.
    let mut child = Command::new(env!("CARGO_BIN_EXE_piiguard"))
        .args([
            "audit",
            "tail",
            "-n",
            "0",
            "-f",
            "--interval",
            "50",
            "--json",
        ])
        .args(["--dir", d])
        .env_remove("PIIGUARD_KEK_PASSPHRASE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, received) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    reveal(6..=8);
    let mut followed = Vec::new();
    while followed.len() < 3 {
        let line = received
            .recv_timeout(Duration::from_secs(20))
            .expect("tail -f printed the new events");
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        followed.push(event["object"]["subject"].as_str().unwrap().to_owned());
    }
    // An event that becomes visible after one with a higher number (writers on PostgreSQL
    // commit concurrently) is printed too, once.
    let db = rusqlite::Connection::open(dir.join("store.db")).unwrap();
    let max: i64 = db
        .query_row("SELECT MAX(seq) FROM audit_events", [], |r| r.get(0))
        .unwrap();
    let copy = |seq: i64, wseq: i64, subject: &str| {
        db.execute(
            "INSERT INTO audit_events (seq, writer, wseq, line)
             SELECT ?1, 'w-late', ?2, replace(line, '\"subject\":\"8\"', ?3)
             FROM audit_events WHERE seq = ?4",
            rusqlite::params![seq, wseq, format!("\"subject\":\"{subject}\""), max],
        )
        .unwrap();
    };
    copy(max + 3, 1, "later");
    copy(max + 1, 2, "late");
    for _ in 0..2 {
        let line = received
            .recv_timeout(Duration::from_secs(20))
            .expect("tail -f printed the late event");
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        followed.push(event["object"]["subject"].as_str().unwrap().to_owned());
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(received.try_recv().is_err(), "nothing printed twice");
    child.kill().unwrap();
    child.wait().unwrap();
    followed[3..].sort();
    assert_eq!(followed, ["6", "7", "8", "late", "later"]);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The same acts on a PostgreSQL store (started by `scripts/test.sh`; fails without it).
#[cfg(feature = "postgres")]
#[test]
fn keys_forget_and_tail_on_postgresql() {
    use common::piiguard_with;
    const PASSPHRASE: &str = "cli admin passphrase, synthetic";
    let db = format!("piiguard_cli_admin_{}", std::process::id());
    let (url, mut admin) = common::postgres_database(&db);
    let env = [("PIIGUARD_KEK_PASSPHRASE", PASSPHRASE)];
    let run = |args: &[&str], stdin: &str| {
        let mut all = args.to_vec();
        all.extend(["--postgres", &url]);
        piiguard_with(&all, stdin, &env)
    };

    // A key set made once.
    // The environment is sealed into the key set: on PostgreSQL it is asked for.
    let out = run(&["keys", "init", "--json"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--env dev, staging or prod"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["keys", "init", "--json", "--env", "dev"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let made = common::key_list(&out.stdout);
    assert!(made.len() >= 3);
    let out = run(&["keys", "init", "--env", "dev"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("already has a key set"));

    let guard = common::postgres_guard(&url, POLICY, PASSPHRASE);
    let mailer = Principal::new("mailer-1").role("mailer");
    let rows: Vec<String> = (1..=2)
        .map(|id| {
            let customer = Customer {
                id,
                email: Pii::new(format!("customer{id}@example.com")),
            };
            guard
                .reveal(&mailer, &customer, |c| &c.email, "send_receipt")
                .unwrap();
            guard.storage().to_json(&customer).unwrap()
        })
        .collect();

    // Rotation and erasure through the CLI, by an admin.
    let out = run(
        &[
            "keys", "rotate", "index", "--as", "op-1", "--role", "security", "--json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rotated = common::key_list(&out.stdout);
    assert_eq!(rotated[0]["version"], 2);
    let out = run(
        &[
            "forget", "2", "--as", "op-1", "--role", "security", "--yes", "--json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"destroyed\""));
    std::thread::sleep(Duration::from_millis(600)); // another instance's erasure, seen
    let open = |row: &str| {
        let stored: Customer = guard.storage().from_json(row)?;
        guard
            .reveal(&mailer, &stored, |c| &c.email, "send_receipt")
            .map(|r| r.expose().clone())
    };
    assert_eq!(open(&rows[0]).unwrap(), "customer1@example.com");
    assert!(open(&rows[1]).is_err(), "subject 2 is forgotten");
    let out = run(
        &[
            "forget", "1", "--as", "mailer-1", "--role", "mailer", "--yes",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "not an admin");

    // The rotated index key's old version, destroyed.
    let index = rotated[0]["id"].as_str().unwrap().to_owned();
    let out = run(
        &[
            "keys", "destroy", &index, "1", "--as", "op-1", "--role", "security", "--yes",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["keys", "list", "--json"], "");
    let listed = common::key_list(&out.stdout);
    assert!(
        listed
            .iter()
            .any(|k| k["id"] == index.as_str() && k["version"] == 1 && k["state"] == "destroyed")
    );

    // The report over the same trail.
    let out = run(&["audit", "report", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["chain"]["intact"], true);
    // Two reveals before the erasure, one after (subject 2's failed: the key is gone).
    assert_eq!(report["accesses"]["total"], 3);
    assert_eq!(report["events"]["by_outcome"]["failed"], 1);
    // Erasures listed are the attempts, each with its outcome: one done, one denied.
    assert_eq!(report["erasures"]["total"], 2);
    assert_eq!(report["erasures"]["entries"][1]["outcome"], "denied");
    assert_eq!(report["key_events"]["total"], 2);
    assert_eq!(report["denials"]["by_reason"]["not_admin"], 1);

    // The trail, through tail: the acts as the CLI made them.
    let out = run(&["audit", "tail", "-n", "100", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let trail: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        admin_acts(&trail),
        [
            ("key_rotation", "allowed"),
            ("subject_erasure", "allowed"),
            ("subject_erasure", "denied"),
            ("key_destruction", "allowed"),
        ]
        .map(|(a, o)| (a.to_owned(), o.to_owned()))
    );
    let out = run(&["audit", "tail", "-n", "2"], "");
    assert_eq!(text(&out.stdout).lines().count(), 2);
    assert!(text(&out.stdout).contains("subject_erasure denied (not_admin)"));
    // A JSON-lines trail chained with the store's keys, torn and recovered.
    let file = std::env::temp_dir().join(format!(
        "piiguard-cli-pg-trail-{}.jsonl",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&file);
    write_jsonl(&file, guard.keyring(), 2);
    let mut torn = std::fs::read_to_string(&file).unwrap();
    torn.push_str("{\"seq\":3,");
    std::fs::write(&file, torn).unwrap();
    let out = run(&["audit", "recover", "--jsonl", file.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("the damaged last line was cut"));
    std::fs::remove_file(&file).unwrap();
    drop(guard);
    common::drop_database(&mut admin, &db);
}

#[test]
fn audit_recover_cuts_a_torn_last_line_and_refuses_other_damage() {
    let dir = fresh("admin-recover");
    let d = dir.to_str().unwrap();
    let guard = Guard::open_local(&dir).unwrap();
    let file = dir.join("trail.jsonl");
    let f = file.to_str().unwrap();
    write_jsonl(&file, guard.keyring(), 3);
    drop(guard);
    let recover = || piiguard(&["audit", "recover", "--jsonl", f, "--dir", d], "");
    let out = recover();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("nothing to repair; 3 events"));

    // A crash in the middle of the fourth append.
    let mut torn = std::fs::read_to_string(&file).unwrap();
    torn.push_str("{\"seq\":4,\"time\":\"2026-11-");
    std::fs::write(&file, &torn).unwrap();
    let out = recover();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("the damaged last line was cut"));
    let lines = std::fs::read_to_string(&file).unwrap();
    assert!(lines.lines().last().unwrap().contains("audit_recovered"));
    assert!(text(&recover().stdout).contains("nothing to repair; 4 events"));

    // Damage before the last line is not a crash's: refused, the file left as it is.
    let edited = lines.replacen("\"mailer-1\"", "\"someone\"", 1);
    std::fs::write(&file, &edited).unwrap();
    let out = recover();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("damaged at event 1"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn tokens_sweep_deletes_expired_tokens_as_an_admin_act() {
    use piiguard::store::SqliteStore;
    use piiguard::token::{TokenEntry, TokenStore};
    let dir = fresh("tokens-sweep");
    let d = dir.to_str().unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    drop(Guard::open_local(&dir).unwrap());
    // Two entries in the store's token table, one expired long ago.
    let store = SqliteStore::open(dir.join("store.db")).unwrap();
    for (id, expires) in [("expired", Some(1)), ("current", None)] {
        store
            .insert_if_absent(TokenEntry {
                id: id.into(),
                region: "local".into(),
                tenant: String::new(),
                subject: Some("7".into()),
                record: "Customer".into(),
                field: "email".into(),
                class: "email".into(),
                created: 0,
                expires,
                token: format!("tok_{id}"),
                envelope: "pg1.placeholder".into(),
                key_id: "field-local".into(),
                key_version: 1,
            })
            .unwrap();
    }
    let sweep = |role: &str| {
        piiguard(
            &[
                "tokens", "sweep", "--as", "op-1", "--role", role, "--json", "--dir", d,
            ],
            "",
        )
    };
    let out = sweep("mailer");
    assert_eq!(out.status.code(), Some(2), "not an admin");
    let out = sweep("security");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), r#"{"deleted":1}"#);
    assert!(store.get("local", "", "expired").unwrap().is_none());
    assert!(store.get("local", "", "current").unwrap().is_some());
    let sweeps: Vec<String> = events(d)
        .iter()
        .filter(|e| e["action"] == "token_sweep")
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sweeps, ["denied", "allowed"]);
    // Its detail gives the time as RFC 3339, not Unix seconds.
    let detail = events(d)
        .iter()
        .rev()
        .find(|e| e["action"] == "token_sweep")
        .map(|e| e["detail"].as_str().unwrap().to_owned())
        .unwrap();
    assert!(
        detail.starts_with("expired before 20")
            && detail.contains('T')
            && detail.contains(", at most "),
        "{detail}"
    );
}

#[test]
fn retention_sweeps_holds_and_lists_the_register() {
    let dir = fresh("retention");
    let d = dir.to_str().unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let policy = format!(
        "{POLICY}\n[[retention.rule]]\nrecords = [\"Customer\"]\ndays = 30\nfrom = \"given\"\n"
    );
    std::fs::write(dir.join("policy.toml"), policy).unwrap();
    let guard = Guard::open_local(&dir).unwrap();
    let long_ago = time::OffsetDateTime::now_utc() - time::Duration::days(400);
    for id in [7, 8, 9] {
        let customer = Customer {
            id,
            email: Pii::new(format!("retained{id}@example.com")),
        };
        guard.storage().track_from(&customer, long_ago).unwrap();
    }
    drop(guard);
    let run = |args: &[&str]| {
        let mut all = vec!["retention"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--dir", d]);
        piiguard(&all, "")
    };
    let out = run(&[
        "hold", "8", "--reason", "case 17", "--as", "dpo-1", "--role", "security",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["sweep", "--as", "dpo-1", "--role", "mailer", "--json"]);
    assert_eq!(out.status.code(), Some(2), "not an admin");
    let out = run(&[
        "sweep", "--limit", "1", "--as", "dpo-1", "--role", "security", "--json",
    ]);
    assert_eq!(
        text(&out.stdout).trim(),
        r#"{"erased":1,"held":1,"kept":0,"more":true}"#,
        "{}",
        text(&out.stderr)
    );
    let out = run(&["sweep", "--as", "dpo-1", "--role", "security"]);
    assert_eq!(
        text(&out.stdout).trim(),
        "1 subjects erased, 1 held, 0 kept"
    );
    let out = run(&["register", "--json"]);
    let entries: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2);
    assert!(
        entries
            .iter()
            .all(|e| e["reason"] == "retention" && e["actor"] == "dpo-1")
    );
    let out = run(&["register", "--subject", "8"]);
    assert_eq!(text(&out.stdout), "", "held: not erased");
    let out = run(&["release", "8", "--as", "dpo-1", "--role", "security"]);
    assert_eq!(out.status.code(), Some(0));
    run(&["sweep", "--as", "dpo-1", "--role", "security"]);
    let out = run(&["register", "--subject", "8", "--json"]);
    assert_eq!(text(&out.stdout).lines().count(), 1);
    let all = text(&run(&["register"]).stdout).to_owned();
    assert!(
        !all.contains("retained") && !all.contains("example.com"),
        "{all}"
    );
    // A header, then one line per entry with its time as RFC 3339.
    let mut lines = all.lines();
    assert!(lines.next().unwrap().starts_with("erased "), "{all}");
    assert!(
        lines.all(|l| l.starts_with("20") && l.as_bytes()[10] == b'T'),
        "{all}"
    );
}

#[test]
fn policy_install_on_a_local_directory_is_an_admin_act_and_rewrites_policy_toml() {
    let dir = fresh("admin-policy");
    let d = dir.to_str().unwrap();
    let out = piiguard(&["keys", "init", "--dir", d], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    let next = dir.with_extension("next.toml");
    std::fs::write(&next, POLICY.replace("cli-admin-1", "cli-admin-2")).unwrap();
    let n = next.to_str().unwrap();
    // Not an admin role of the policy in force: refused, and the file is left as it was.
    let out = piiguard(
        &[
            "policy", "install", n, "--as", "op-1", "--role", "mailer", "--dir", d,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not_admin"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(dir.join("policy.toml"))
            .unwrap()
            .contains("cli-admin-1")
    );
    let out = piiguard(
        &[
            "policy", "install", n, "--as", "op-1", "--role", "security", "--dir", d,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("policy version cli-admin-2 in force\n"),
        "{}",
        text(&out.stdout)
    );
    // The directory's file says what is in force, so the next process keeps it.
    assert!(
        std::fs::read_to_string(dir.join("policy.toml"))
            .unwrap()
            .contains("cli-admin-2")
    );
    let outcomes: Vec<String> = events(d)
        .iter()
        .filter(|e| e["action"] == "policy_change" && e["principal"]["id"] == "op-1")
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(outcomes, ["denied", "allowed"]);
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_file(next).unwrap();
}
