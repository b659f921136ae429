//! The local directory never gets keys over existing data, and one process at a time serves it
//! (checked with real processes).

use piiguard::keys::Keyring;
use piiguard::{Classified, Error, Guard, Pii, Principal};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("pg-local-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A directory in use: a key set, one stored record, an audit trail.
fn in_use(dir: &Path) -> String {
    let guard = Guard::open_local(dir).unwrap();
    let row = guard
        .to_json(&Customer {
            id: 1,
            email: Pii::new("jane.q8z@example.com".into()),
        })
        .unwrap();
    let mailer = Principal::new("mailer").role("service");
    let back: Customer = guard.from_json(&row).unwrap();
    assert!(
        guard
            .reveal(&mailer, &back, |c| &c.email, "send_receipt")
            .is_ok()
    );
    row
}

fn readable(dir: &Path, row: &str) -> bool {
    let guard = Guard::open_local(dir).unwrap();
    let back: Customer = guard.from_json(row).unwrap();
    let mailer = Principal::new("mailer").role("service");
    guard
        .reveal(&mailer, &back, |c| &c.email, "send_receipt")
        .is_ok_and(|e| e.expose() == "jane.q8z@example.com")
}

#[test]
fn a_missing_key_file_is_refused_and_nothing_is_written() {
    let dir = TempDir::new("nokeys");
    let row = in_use(&dir.0);
    let keys = dir.0.join("keys.pgk");
    let saved = std::fs::read(&keys).unwrap();
    let kek = std::fs::read(dir.0.join("kek")).unwrap();
    std::fs::remove_file(&keys).unwrap();

    for _ in 0..2 {
        match Guard::open_local(&dir.0) {
            Err(Error::KeysMissing { missing, found }) => {
                assert_eq!(missing, "keys.pgk");
                for f in ["kek", "subject-keys.db", "audit.jsonl"] {
                    assert!(found.contains(f), "{found}");
                }
            }
            other => panic!("expected KeysMissing, got {:?}", other.map(|_| ())),
        }
        assert!(!keys.exists(), "no key file was written");
        assert_eq!(std::fs::read(dir.0.join("kek")).unwrap(), kek);
    }
    let message = Guard::open_local(&dir.0).err().unwrap().to_string();
    assert!(message.contains("restore keys.pgk"), "{message}");

    // Restored from the backup, everything opens again.
    std::fs::write(&keys, &saved).unwrap();
    assert!(readable(&dir.0, &row));
}

#[test]
fn a_missing_kek_is_refused_and_never_regenerated() {
    let dir = TempDir::new("nokek");
    let row = in_use(&dir.0);
    let kek = dir.0.join("kek");
    let saved = std::fs::read(&kek).unwrap();
    std::fs::remove_file(&kek).unwrap();
    match Guard::open_local(&dir.0) {
        Err(Error::KeyFile { reason }) => assert!(reason.contains("kek"), "{reason}"),
        other => panic!("expected a key file error, got {:?}", other.map(|_| ())),
    }
    assert!(!kek.exists(), "no new kek was written next to the key file");
    std::fs::write(&kek, &saved).unwrap();
    assert!(readable(&dir.0, &row));
}

#[test]
fn creating_keys_for_a_directory_with_data_is_explicit() {
    let dir = TempDir::new("create");
    let row = in_use(&dir.0);
    std::fs::remove_file(dir.0.join("keys.pgk")).unwrap();
    assert!(matches!(
        Keyring::open_local(&dir.0),
        Err(Error::KeysMissing { .. })
    ));
    let keyring = Keyring::create_local(&dir.0).unwrap();
    assert!(dir.0.join("keys.pgk").exists());
    drop(keyring);
    // The old data stays unreadable under the new keys; nothing pretends otherwise.
    let guard = Guard::builder(Keyring::open_local(&dir.0).unwrap())
        .audit(std::sync::Arc::new(piiguard::audit::MemorySink::new()))
        .policy(piiguard::Policy::starter())
        .build()
        .unwrap();
    let back: Customer = guard.from_json(&row).unwrap();
    let mailer = Principal::new("mailer").role("service");
    assert!(
        guard
            .reveal(&mailer, &back, |c| &c.email, "send_receipt")
            .is_err()
    );
    drop(guard);
    // A key file is never replaced.
    assert!(matches!(
        Keyring::create_local(&dir.0),
        Err(Error::KeyFile { .. })
    ));
}

const HOLDER_DIR: &str = "PIIGUARD_TEST_HOLDER_DIR";

/// Run by `a_second_process_is_refused`, in its own process: holds the directory until told to
/// let go.
#[test]
#[ignore = "a helper process of a_second_process_is_refused"]
fn lock_holder() {
    let Ok(dir) = std::env::var(HOLDER_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let guard = Guard::open_local(&dir).unwrap();
    std::fs::write(dir.join("holder-ready"), b"").unwrap();
    let start = Instant::now();
    while !dir.join("holder-release").exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(guard);
}

fn spawn_holder(dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lock_holder", "--ignored", "--nocapture"])
        .env(HOLDER_DIR, dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_second_process_is_refused() {
    let dir = TempDir::new("lock");
    in_use(&dir.0);
    let mut holder = spawn_holder(&dir.0);
    let start = Instant::now();
    while !dir.0.join("holder-ready").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the holder never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    match Guard::open_local(&dir.0) {
        Err(Error::Locked { lock }) => assert_eq!(lock, ".lock"),
        other => panic!("expected Locked, got {:?}", other.map(|_| ())),
    }
    assert!(matches!(
        Keyring::create_local(&dir.0),
        Err(Error::Locked { .. })
    ));
    std::fs::write(dir.0.join("holder-release"), b"").unwrap();
    assert!(holder.wait().unwrap().success());
    // Once it has let go, the directory opens.
    assert!(Guard::open_local(&dir.0).is_ok());
}

fn trail(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("audit.jsonl")).unwrap()
}

fn last_event_detail(dir: &Path) -> String {
    let text = trail(dir);
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["action"], "audit_recovered");
    last["detail"].as_str().unwrap().to_owned()
}

#[test]
fn a_torn_last_line_is_reported_and_recovered_through_the_guard() {
    let dir = TempDir::new("torn");
    in_use(&dir.0);
    let path = dir.0.join("audit.jsonl");
    let mut text = trail(&dir.0);
    text.push_str(r#"{"seq":9,"time":"2026-"#);
    std::fs::write(&path, &text).unwrap();
    match Guard::open_local(&dir.0) {
        Err(e @ Error::AuditTail { .. }) => {
            assert!(e.to_string().contains("recover_tail"), "{e}");
        }
        other => panic!("expected AuditTail, got {:?}", other.map(|_| ())),
    }
    let guard = Guard::local(&dir.0).recover_tail().open().unwrap();
    assert!(guard.verify_audit().is_ok());
    drop(guard);
    assert!(last_event_detail(&dir.0).contains("torn"));
}

#[test]
fn a_garbled_last_line_is_recovered_damage_elsewhere_is_not() {
    let dir = TempDir::new("garbled");
    let row = in_use(&dir.0);
    assert!(readable(&dir.0, &row) && readable(&dir.0, &row));
    let path = dir.0.join("audit.jsonl");
    let original = trail(&dir.0);
    let flip = |line: &str| {
        let at = line.rfind("\"mac\":\"").unwrap() + 7;
        let c = if &line[at..=at] == "0" { "1" } else { "0" };
        format!("{}{c}{}", &line[..at], &line[at + 1..])
    };
    let lines: Vec<&str> = original.lines().collect();
    assert!(lines.len() >= 2);

    // Damage in the first line and the last: recovery refuses.
    let mut both: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    both[0] = flip(lines[0]);
    let n = both.len();
    both[n - 1] = flip(lines[n - 1]);
    std::fs::write(&path, both.join("\n") + "\n").unwrap();
    assert!(matches!(
        Guard::local(&dir.0).recover_tail().open(),
        Err(Error::AuditChain { line: 1, .. })
    ));

    // Only the last line garbled: reported, then cut and recorded.
    let mut last: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    last[n - 1] = flip(lines[n - 1]);
    std::fs::write(&path, last.join("\n") + "\n").unwrap();
    assert!(matches!(
        Guard::open_local(&dir.0),
        Err(Error::AuditTail { .. })
    ));
    let guard = Guard::local(&dir.0).recover_tail().open().unwrap();
    assert!(guard.verify_audit().is_ok());
    drop(guard);
    assert!(last_event_detail(&dir.0).contains("garbled"));
}

#[test]
fn a_known_head_detects_lines_cut_off_the_end() {
    let dir = TempDir::new("head");
    in_use(&dir.0);
    let guard = Guard::open_local(&dir.0).unwrap();
    let mailer = Principal::new("mailer").role("service");
    let c = Customer {
        id: 2,
        email: Pii::new("john.q8z@example.com".into()),
    };
    for _ in 0..3 {
        drop(
            guard
                .reveal(&mailer, &c, |c| &c.email, "send_receipt")
                .unwrap(),
        );
    }
    let head = guard.audit_head().unwrap();
    drop(guard);
    // Two lines cut off at a line boundary: the file alone still verifies...
    let text = trail(&dir.0);
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines[..lines.len() - 2].join("\n") + "\n";
    std::fs::write(dir.0.join("audit.jsonl"), cut).unwrap();
    assert!(Guard::open_local(&dir.0).is_ok());
    // ...but not against the head kept elsewhere.
    match Guard::local(&dir.0).expect_head(head).open() {
        Err(Error::AuditChain {
            problem: piiguard::ChainProblem::Truncated { .. },
            ..
        }) => {}
        other => panic!("expected Truncated, got {:?}", other.map(|_| ())),
    }
}
