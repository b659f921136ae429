//! The local directory never gets keys over existing data, keeps the audit head it reported,
//! and moves a directory of the layout before the store into the store. (Several processes on
//! one directory: `tests/store/fleet/`.)

use piiguard::keys::Keyring;
use piiguard::{Classified, Error, Guard, Pii, Principal};
use std::path::{Path, PathBuf};

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
        .storage()
        .to_json(&Customer {
            id: 1,
            email: Pii::new("jane.q8z@example.com".into()),
        })
        .unwrap();
    let mailer = Principal::new("mailer").role("service");
    let back: Customer = guard.storage().from_json(&row).unwrap();
    assert!(
        guard
            .reveal(&mailer, &back, |c| &c.email, "send_receipt")
            .is_ok()
    );
    row
}

fn readable(dir: &Path, row: &str) -> bool {
    let guard = Guard::open_local(dir).unwrap();
    let back: Customer = guard.storage().from_json(row).unwrap();
    let mailer = Principal::new("mailer").role("service");
    guard
        .reveal(&mailer, &back, |c| &c.email, "send_receipt")
        .is_ok_and(|e| e.expose() == "jane.q8z@example.com")
}

#[test]
fn a_missing_store_is_refused_and_nothing_is_written() {
    let dir = TempDir::new("nostore");
    let row = in_use(&dir.0);
    let store = dir.0.join("store.db");
    let saved = std::fs::read(&store).unwrap();
    let kek = std::fs::read(dir.0.join("kek")).unwrap();
    std::fs::remove_file(&store).unwrap();

    for _ in 0..2 {
        match Guard::open_local(&dir.0) {
            Err(Error::KeysMissing { missing, found }) => {
                assert_eq!(missing, "store.db");
                assert!(found.contains("kek"), "{found}");
            }
            other => panic!("expected KeysMissing, got {:?}", other.map(|_| ())),
        }
        assert!(!store.exists(), "no store was written");
        assert_eq!(std::fs::read(dir.0.join("kek")).unwrap(), kek);
    }
    let message = Guard::open_local(&dir.0).err().unwrap().to_string();
    assert!(message.contains("restore store.db"), "{message}");

    // Restored from the backup, everything opens again.
    std::fs::write(&store, &saved).unwrap();
    assert!(readable(&dir.0, &row));
}

#[test]
fn a_store_without_its_key_set_is_refused() {
    let dir = TempDir::new("nokeyset");
    in_use(&dir.0);
    let db = rusqlite::Connection::open(dir.0.join("store.db")).unwrap();
    db.execute("DELETE FROM key_set", []).unwrap();
    drop(db);
    std::fs::remove_file(dir.0.join("kek")).unwrap();
    match Guard::open_local(&dir.0) {
        Err(Error::KeysMissing { missing, found }) => {
            assert_eq!(missing, "the key set in store.db");
            assert!(found.contains("data in store.db"), "{found}");
        }
        other => panic!("expected KeysMissing, got {:?}", other.map(|_| ())),
    }
    assert!(!dir.0.join("kek").exists(), "no key was made");
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
    assert!(!kek.exists(), "no new kek was written next to the key set");
    std::fs::write(&kek, &saved).unwrap();
    assert!(readable(&dir.0, &row));
}

#[test]
fn creating_keys_for_a_directory_with_data_is_explicit() {
    let dir = TempDir::new("create");
    let row = in_use(&dir.0);
    std::fs::remove_file(dir.0.join("store.db")).unwrap();
    assert!(matches!(
        Keyring::open_local(&dir.0),
        Err(Error::KeysMissing { .. })
    ));
    let keyring = Keyring::create_local(&dir.0).unwrap();
    assert!(dir.0.join("store.db").exists());
    drop(keyring);
    // The old data stays unreadable under the new keys; nothing pretends otherwise.
    let guard = Guard::builder(Keyring::open_local(&dir.0).unwrap())
        .audit(std::sync::Arc::new(piiguard::audit::MemorySink::new()))
        .policy(piiguard::Policy::starter())
        .build()
        .unwrap();
    let back: Customer = guard.storage().from_json(&row).unwrap();
    let mailer = Principal::new("mailer").role("service");
    assert!(
        guard
            .reveal(&mailer, &back, |c| &c.email, "send_receipt")
            .is_err()
    );
    drop(guard);
    // A key set is never replaced.
    assert!(matches!(
        Keyring::create_local(&dir.0),
        Err(Error::KeyFile { .. })
    ));
}

#[test]
fn a_known_head_detects_events_cut_off_the_end() {
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
    // A checkpoint binds the trail's heads now: keep it elsewhere.
    let head = guard.audit_head().unwrap();
    drop(guard);
    // Two events cut off the end: the checkpoint in the store catches it...
    let db = rusqlite::Connection::open(dir.0.join("store.db")).unwrap();
    db.execute_batch("CREATE TABLE saved AS SELECT * FROM audit_events")
        .unwrap();
    let cut = db
        .execute(
            "DELETE FROM audit_events WHERE seq > (SELECT MAX(seq) - 2 FROM audit_events)",
            [],
        )
        .unwrap();
    assert_eq!(cut, 2);
    assert!(matches!(
        Guard::open_local(&dir.0).unwrap().verify_audit(),
        Err(Error::AuditChain {
            problem: piiguard::audit::ChainProblem::Truncated { .. },
            ..
        })
    ));
    // ...and with that checkpoint cut too, the tables alone verify, but not against the head
    // kept elsewhere.
    db.execute(
        "DELETE FROM audit_checkpoints WHERE seq = (SELECT MAX(seq) FROM audit_checkpoints)",
        [],
    )
    .unwrap();
    drop(db);
    assert!(Guard::open_local(&dir.0).unwrap().verify_audit().is_ok());
    match Guard::local(&dir.0).expect_head(head).open() {
        Err(Error::AuditChain {
            problem: piiguard::audit::ChainProblem::Truncated { .. },
            ..
        }) => {}
        other => panic!("expected Truncated, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_directory_of_the_layout_before_the_store_moves_into_it() {
    use piiguard::keys::{KekSource, KeyStore, LocalKeyFile, MemoryKeyStore, StoreKey};
    let dir = TempDir::new("legacy");
    std::fs::create_dir_all(&dir.0).unwrap();
    // The layout of piiguard 0.1: keys.pgk, kek, subject-keys.db, revoked-grants.
    let subjects = std::sync::Arc::new(MemoryKeyStore::new());
    let keyring = Keyring::builder()
        .provider(LocalKeyFile::new(
            dir.0.join("keys.pgk"),
            KekSource::RandomFile(dir.0.join("kek")),
        ))
        .store(subjects.clone())
        .build()
        .unwrap();
    let row = piiguard::unaudited::keys(&keyring)
        .to_json(&Customer {
            id: 1,
            email: Pii::new("jane.q8z@example.com".into()),
        })
        .unwrap();
    drop(keyring);
    let key = StoreKey {
        region: "local".into(),
        tenant: String::new(),
        subject: "1".into(),
    };
    let wrapped = subjects.get(&key).unwrap().unwrap();
    let db = rusqlite::Connection::open(dir.0.join("subject-keys.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE subject_keys (region TEXT NOT NULL, tenant TEXT NOT NULL,
         subject TEXT NOT NULL, key_id TEXT NOT NULL, key_version INTEGER NOT NULL,
         wrapped BLOB NOT NULL, PRIMARY KEY (region, tenant, subject)) WITHOUT ROWID;",
    )
    .unwrap();
    db.execute(
        "INSERT INTO subject_keys VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![
            key.region,
            key.tenant,
            key.subject,
            wrapped.key_id,
            wrapped.key_version,
            wrapped.bytes
        ],
    )
    .unwrap();
    drop(db);
    std::fs::write(dir.0.join("revoked-grants"), "grant-old\n").unwrap();

    // Opened now: moved into the store, the old files kept as `*.imported`.
    assert!(readable(&dir.0, &row));
    for name in ["keys.pgk", "subject-keys.db", "revoked-grants"] {
        assert!(!dir.0.join(name).exists(), "{name}");
        assert!(dir.0.join(format!("{name}.imported")).exists(), "{name}");
    }
    assert!(readable(&dir.0, &row), "and again, from the store alone");
    let db = rusqlite::Connection::open(dir.0.join("store.db")).unwrap();
    let revoked: String = db
        .query_row("SELECT id FROM revoked_grants", [], |r| r.get(0))
        .unwrap();
    assert_eq!(revoked, "grant-old");
}

/// On a store, a reveal's counts and its event are one commit: the counts in the store match
/// the allowed reveals in the trail, the hard limit denies (audited, its alert once), and what
/// was denied was neither counted nor shown.
#[test]
fn a_reveal_is_counted_with_its_event_and_the_hard_limit_holds() {
    use piiguard::Reason;
    let dir = TempDir::new("tallied");
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::write(
        dir.0.join("policy.toml"),
        "version = \"tally-1\"
         [[rule]]
         roles = [\"service\"]
         sensitivities = [\"personal\"]
         treatment = \"reveal\"
         [monitor]
         elevated_after = 2
         suspicious_after = 3
         hard_limit = 4",
    )
    .unwrap();
    let guard = Guard::open_local(&dir.0).unwrap();
    let mailer = Principal::new("mailer").role("service");
    let c = Customer {
        id: 9,
        email: Pii::new("jane.q8z@example.com".into()),
    };
    let outcomes: Vec<_> = (0..6)
        .map(|_| {
            guard
                .reveal(&mailer, &c, |c| &c.email, "send_receipt")
                .map(|shown| shown.expose().clone())
        })
        .collect();
    assert!(
        outcomes[..4]
            .iter()
            .all(|o| o.as_deref() == Ok("jane.q8z@example.com"))
    );
    for denied in &outcomes[4..] {
        assert!(matches!(
            denied,
            Err(Error::Denied {
                reason: Reason::RateLimited
            })
        ));
    }
    let report = guard.verify_audit().unwrap();
    let db = rusqlite::Connection::open(dir.0.join("store.db")).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    let like = |pattern: &str| {
        count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE line LIKE '%{pattern}%'"
        ))
    };
    assert_eq!(like(r#""action":"reveal","outcome":"allowed""#), 4);
    assert_eq!(like(r#""action":"reveal","outcome":"denied""#), 2);
    assert_eq!(like("limit_reached"), 1, "the limit's alert, once");
    assert_eq!(like("elevated count=3"), 1);
    assert_eq!(like("suspicious count=4"), 1);
    assert_eq!(
        count("SELECT SUM(n) FROM monitor_counts WHERE principal = 'mailer' AND track = 'reveals'"),
        4,
        "every allowed reveal counted, no denied one"
    );
    assert_eq!(
        report.events as i64,
        count("SELECT COUNT(*) FROM audit_events")
    );
}
