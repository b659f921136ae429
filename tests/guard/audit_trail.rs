//! The audit trail's hash chain: every kind of tampering with the JSON-lines file is detected,
//! a torn last line is reported (and recovered from explicitly), concurrent appends lose and
//! duplicate nothing, and the SQLite sink keeps the same chain.

use piiguard::audit::{Action, AuditSink, ChainProblem, Durability, JsonlSink, verify_jsonl};
use piiguard::keys::{Environment, Keyring};
use piiguard::{Classified, Error, Guard, Pii, Policy, Principal};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Classified)]
#[pii(subject = id)]
struct Contact {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

const SENTINEL: &str = "sentinel-audit-k2v@example.com";

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("pg-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn guard(keyring: &Keyring, sink: Arc<dyn AuditSink>) -> Guard {
    Guard::builder(keyring.clone())
        .policy(Policy::starter())
        .audit(sink)
        .build()
        .unwrap()
}

/// Writes `n` reveal events (alternately allowed and denied) through a guard.
fn write_events(keyring: &Keyring, sink: Arc<dyn AuditSink>, n: usize) {
    let guard = guard(keyring, sink);
    let contact = Contact {
        id: 7,
        email: Pii::new(SENTINEL.into()),
    };
    let service = Principal::new("mailer").role("service");
    let agent = Principal::new("agent").role("support");
    for i in 0..n {
        let who = if i % 2 == 0 { &service } else { &agent };
        let _ = guard.reveal(who, &contact, |c| &c.email, "test");
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

fn problem(result: Result<impl std::fmt::Debug, Error>) -> (u64, ChainProblem) {
    match result {
        Err(Error::AuditChain { line, problem }) => (line, problem),
        other => panic!("expected a chain failure, got {other:?}"),
    }
}

#[test]
fn every_kind_of_tampering_is_detected() {
    let dir = TempDir::new("tamper");
    let path = dir.join("audit.jsonl");
    let keyring = Keyring::in_memory(Environment::Dev);
    let sink = Arc::new(JsonlSink::open(&path, &keyring).unwrap());
    write_events(&keyring, sink.clone(), 6);
    let head = sink.head();
    assert_eq!(head.seq, 6);
    assert_eq!(sink.verify().unwrap().unwrap().events, 6);
    let original = lines(&path);
    assert!(!std::fs::read_to_string(&path).unwrap().contains(SENTINEL));
    let verify = || verify_jsonl(&path, &keyring, Some(&head));

    // Edit a field (an auditor's nightmare: denied → allowed).
    let mut edited = original.clone();
    edited[3] = edited[3].replace("\"denied\"", "\"allowed\"");
    assert_ne!(edited[3], original[3]);
    write_lines(&path, &edited);
    assert_eq!(problem(verify()), (4, ChainProblem::BadMac));

    // Delete a line.
    let mut deleted = original.clone();
    deleted.remove(2);
    write_lines(&path, &deleted);
    assert_eq!(
        problem(verify()),
        (
            3,
            ChainProblem::Gap {
                expected: 3,
                found: 4
            }
        )
    );

    // Insert a line: a forged one, and a replayed copy of a real one.
    let mut forged = original.clone();
    forged.insert(2, original[2].replace("mailer", "nobody"));
    write_lines(&path, &forged);
    assert_eq!(problem(verify()), (3, ChainProblem::BadMac));
    let mut replayed = original.clone();
    replayed.insert(3, original[1].clone());
    write_lines(&path, &replayed);
    assert_eq!(
        problem(verify()),
        (
            4,
            ChainProblem::OutOfOrder {
                expected: 4,
                found: 2
            }
        )
    );

    // Reorder two lines.
    let mut reordered = original.clone();
    reordered.swap(1, 2);
    write_lines(&path, &reordered);
    assert_eq!(
        problem(verify()),
        (
            2,
            ChainProblem::Gap {
                expected: 2,
                found: 3
            }
        )
    );

    // Truncate in the middle of a line, and at a line boundary.
    let full = std::fs::read(&path).unwrap();
    write_lines(&path, &original);
    let full_len = std::fs::read(&path).unwrap().len();
    drop(full);
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(full_len as u64 - 20).unwrap();
    assert_eq!(problem(verify()), (6, ChainProblem::Torn));
    write_lines(&path, &original[..4]);
    assert_eq!(
        problem(verify()),
        (
            5,
            ChainProblem::Truncated {
                expected: 6,
                found: 4
            }
        )
    );
    // Without the head, a clean cut at a line boundary is invisible: the head must be kept.
    assert_eq!(verify_jsonl(&path, &keyring, None).unwrap().events, 4);

    // A trail verifies only under its own keys.
    write_lines(&path, &original);
    assert!(verify().is_ok());
    let other = Keyring::in_memory(Environment::Dev);
    assert_eq!(
        problem(verify_jsonl(&path, &other, None)),
        (1, ChainProblem::BadMac)
    );
}

#[test]
fn a_torn_last_line_is_reported_then_recovered_explicitly() {
    let dir = TempDir::new("torn");
    let path = dir.join("audit.jsonl");
    let keyring = Keyring::in_memory(Environment::Dev);
    write_events(
        &keyring,
        Arc::new(JsonlSink::open(&path, &keyring).unwrap()),
        3,
    );
    // A crash in the middle of the fourth append.
    let mut text = std::fs::read_to_string(&path).unwrap();
    let torn = "{\"seq\":4,\"time\":\"2026-11-";
    text.push_str(torn);
    std::fs::write(&path, &text).unwrap();

    assert_eq!(
        problem(JsonlSink::open(&path, &keyring)),
        (4, ChainProblem::Torn)
    );
    let sink = JsonlSink::recover(&path, &keyring).unwrap();
    let report = sink.verify().unwrap().unwrap();
    assert_eq!(report.events, 4);
    let last = lines(&path).pop().unwrap();
    assert!(last.contains("\"action\":\"audit_recovered\""), "{last}");
    assert!(
        last.contains(&format!("cut {} bytes", torn.len())),
        "{last}"
    );
    // The chain continues after the recovery.
    write_events(&keyring, Arc::new(sink), 2);
    assert_eq!(verify_jsonl(&path, &keyring, None).unwrap().events, 6);
    // Reopening a clean file continues its chain too.
    let reopened = JsonlSink::open(&path, &keyring).unwrap();
    assert_eq!(reopened.head().seq, 6);
}

#[test]
fn eight_threads_of_reveals_lose_and_duplicate_no_event() {
    const THREADS: usize = 8;
    const EACH: usize = 10_000;
    let dir = TempDir::new("threads");
    let path = dir.join("audit.jsonl");
    let keyring = Keyring::in_memory(Environment::Dev);
    let sink = Arc::new(JsonlSink::open_with(&path, &keyring, Durability::Sync).unwrap());
    let guard = guard(&keyring, sink.clone());
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let guard = &guard;
            scope.spawn(move || {
                let contact = Contact {
                    id: t as u64,
                    email: Pii::new(SENTINEL.into()),
                };
                // A role-less principal: every reveal is a denial (the monitor has no hard
                // limit on denials), so each call writes exactly one reveal event.
                let who = Principal::new(&format!("worker-{t}"));
                for _ in 0..EACH {
                    assert!(guard.reveal(&who, &contact, |c| &c.email, "load").is_err());
                }
            });
        }
    });
    let text = std::fs::read_to_string(&path).unwrap();
    let mut seqs = Vec::new();
    let mut per_worker = [0usize; THREADS];
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        seqs.push(v["seq"].as_u64().unwrap());
        if v["action"] == Action::Reveal.name() {
            let id = v["principal"]["id"].as_str().unwrap();
            per_worker[id["worker-".len()..].parse::<usize>().unwrap()] += 1;
        }
    }
    assert_eq!(per_worker, [EACH; THREADS]);
    let alerts = seqs.len() - THREADS * EACH;
    assert_eq!(alerts, THREADS, "one repeated-denials alert per worker");
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    assert_eq!(sink.verify().unwrap().unwrap().events, seqs.len() as u64);
    assert!(!text.contains(SENTINEL));
}

/// A store's trail: one chain per writer (each opened trail a writer of its own), signed
/// checkpoints binding their heads. Every kind of tampering is refused, and the one window a
/// checkpoint does not cover yet is reported as such.
#[test]
#[cfg(feature = "sqlite")]
fn a_store_trail_of_several_writers_refuses_every_tampering() {
    let dir = TempDir::new("sqlite");
    let path = dir.join("store.db");
    let open = |keyring: &Keyring| {
        piiguard::store::SqliteStore::open(&path)
            .unwrap()
            .audit(keyring)
            .unwrap()
    };
    let keyring = Keyring::in_memory(Environment::Dev);
    let a = Arc::new(open(&keyring));
    let b = Arc::new(open(&keyring));
    write_events(&keyring, a.clone(), 3);
    write_events(&keyring, b.clone(), 3);
    // (A writer also makes one on its own at its first event: this one binds both.)
    let head = a.checkpoint().unwrap();
    write_events(&keyring, a.clone(), 2);
    let report = a.verify_reaching(Some(&head)).unwrap();
    assert_eq!(
        (report.events, report.writers, report.unsealed, report.head),
        (8, 2, 2, head.clone())
    );
    assert!(a.lines().unwrap().iter().all(|l| !l.contains(SENTINEL)));

    let conn = rusqlite::Connection::open(&path).unwrap();
    let sql = |statement: &str| conn.execute_batch(statement).unwrap();
    sql("CREATE TABLE saved AS SELECT * FROM audit_events;
         CREATE TABLE saved_checkpoints AS SELECT * FROM audit_checkpoints;");
    let restore = "DELETE FROM audit_events; INSERT INTO audit_events SELECT * FROM saved;
                   DELETE FROM audit_checkpoints;
                   INSERT INTO audit_checkpoints SELECT * FROM saved_checkpoints;";
    let verify = || a.verify_reaching(Some(&head));
    let writer_a: String = conn
        .query_row("SELECT writer FROM audit_events WHERE seq = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let writer_b: String = conn
        .query_row("SELECT writer FROM audit_events WHERE seq = 4", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_ne!(writer_a, writer_b);

    // Edited.
    sql("UPDATE audit_events SET line = replace(line, '\"denied\"', '\"allowed\"') WHERE seq = 2");
    assert_eq!(problem(verify()), (2, ChainProblem::BadMac));
    sql(restore);
    // Deleted (in the middle of a writer's chain).
    sql("DELETE FROM audit_events WHERE seq = 2");
    assert_eq!(
        problem(verify()),
        (
            3,
            ChainProblem::Gap {
                expected: 2,
                found: 3
            }
        )
    );
    sql(restore);
    // Inserted: a copy of a real line, at the end of its own writer or under another.
    sql("INSERT INTO audit_events (writer, wseq, line)
         SELECT writer, 99, line FROM saved WHERE seq = 1;");
    assert!(matches!(
        problem(verify()).1,
        ChainProblem::OutOfOrder {
            expected: 6,
            found: 1
        }
    ));
    sql(restore);
    sql(&format!(
        "INSERT INTO audit_events (writer, wseq, line)
         SELECT '{writer_b}', 99, line FROM saved WHERE seq = 1;"
    ));
    assert_eq!(problem(verify()).1, ChainProblem::WrongWriter);
    sql(restore);
    // Reordered (two events of one writer swap places).
    sql("UPDATE audit_events SET seq = -seq WHERE seq IN (1, 2);
         UPDATE audit_events SET seq = 3 + seq WHERE seq IN (-1, -2);");
    assert!(matches!(
        problem(verify()).1,
        ChainProblem::OutOfOrder { .. } | ChainProblem::Gap { .. }
    ));
    sql(restore);
    // One writer's tail cut below the checkpoint: refused. After it (the unsealed window):
    // every remaining event verifies, and the report says how many are unsealed.
    sql(&format!(
        "DELETE FROM audit_events WHERE writer = '{writer_a}' AND wseq >= 3"
    ));
    assert_eq!(
        problem(verify()).1,
        ChainProblem::Truncated {
            expected: 3,
            found: 2
        }
    );
    sql(restore);
    sql(&format!(
        "DELETE FROM audit_events WHERE writer = '{writer_a}' AND wseq = 5"
    ));
    assert_eq!(verify().unwrap().unsealed, 1);
    sql(restore);
    // A whole writer dropped (its registration too).
    sql(&format!(
        "DELETE FROM audit_events WHERE writer = '{writer_b}';
         DELETE FROM audit_writers WHERE writer = '{writer_b}';"
    ));
    assert_eq!(
        problem(verify()).1,
        ChainProblem::Truncated {
            expected: 3,
            found: 0
        }
    );
    sql(restore);
    // A forged checkpoint (edited to bind less), and the checkpoints removed.
    sql("UPDATE audit_checkpoints SET line = replace(line, '\"seq\":3', '\"seq\":2')");
    assert_eq!(problem(verify()).1, ChainProblem::BadCheckpoint);
    sql(restore);
    sql("DELETE FROM audit_checkpoints");
    assert_eq!(
        problem(verify()).1,
        ChainProblem::Truncated {
            expected: head.seq,
            found: 0
        }
    );
    sql(restore);
    assert_eq!(verify().unwrap().events, 8);

    // A writer that dies mid-way leaves a chain that verifies; a new one writes on.
    drop(b);
    let c = Arc::new(open(&keyring));
    write_events(&keyring, c.clone(), 1);
    let next = c.checkpoint().unwrap();
    assert!(next.seq > head.seq);
    let report = c.verify_reaching(Some(&next)).unwrap();
    assert_eq!((report.events, report.writers, report.unsealed), (9, 3, 0));
}

/// A trail written before writers existed (one chain, lines without a writer) is moved over as
/// the writer `legacy` by the store's migration, and verifies with the new writers' events.
#[test]
#[cfg(feature = "sqlite")]
fn a_single_chain_trail_moves_over_as_the_legacy_writer() {
    let dir = TempDir::new("legacy");
    let keyring = Keyring::in_memory(Environment::Dev);
    // The old lines: a single chain, as the file sink still writes them.
    let jsonl = dir.join("old.jsonl");
    write_events(
        &keyring,
        Arc::new(JsonlSink::open(&jsonl, &keyring).unwrap()),
        4,
    );
    let old = lines(&jsonl);
    // A store at schema 4, holding them.
    let path = dir.join("store.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE audit_events (seq INTEGER PRIMARY KEY, line TEXT NOT NULL);
         CREATE TABLE monitor_events (principal TEXT NOT NULL, track TEXT NOT NULL,
             at_ms INTEGER NOT NULL);
         INSERT INTO monitor_events VALUES ('mailer', 'reveals', 864000 * 5 + 1),
             ('mailer', 'reveals', 864000 * 5 + 2), ('mailer', 'reveals', 864000 * 7);
         PRAGMA user_version = 4;",
    )
    .unwrap();
    for (seq, line) in old.iter().enumerate() {
        conn.execute(
            "INSERT INTO audit_events (seq, line) VALUES (?1, ?2)",
            rusqlite::params![seq as i64 + 1, line],
        )
        .unwrap();
    }
    drop(conn);
    let audit = Arc::new(
        piiguard::store::SqliteStore::open(&path)
            .unwrap()
            .audit(&keyring)
            .unwrap(),
    );
    assert_eq!(audit.verify().unwrap().unwrap().events, 4);
    // The monitor's counts moved over too, in steps of a day's window.
    let steps: Vec<(i64, i64)> = rusqlite::Connection::open(&path)
        .unwrap()
        .prepare("SELECT bucket, n FROM monitor_counts WHERE principal = 'mailer' ORDER BY bucket")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(steps, vec![(5, 2), (7, 1)]);
    write_events(&keyring, audit.clone(), 1);
    let head = audit.checkpoint().unwrap();
    let report = audit.verify_reaching(Some(&head)).unwrap();
    assert_eq!((report.events, report.writers, report.unsealed), (5, 2, 0));
    // The legacy chain is bound like any writer's: cutting its end is refused.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "DELETE FROM audit_events WHERE writer = 'legacy' AND wseq = 4",
            [],
        )
        .unwrap();
    assert_eq!(
        problem(audit.verify_reaching(Some(&head))).1,
        ChainProblem::Truncated {
            expected: 4,
            found: 3
        }
    );
}

/// A trail longer than a page (1,000 lines), written one by one and in bulk, is verified in
/// pages: every event seen once, in
/// order, and a break past the first page is found at its number, with the events before it
/// seen and none after.
#[test]
#[cfg(feature = "sqlite")]
fn a_long_store_trail_is_verified_and_read_in_pages() {
    use piiguard::audit::{Actor, AuditEvent, Object, Outcome};
    let dir = TempDir::new("paged");
    let keyring = Keyring::in_memory(Environment::Dev);
    let audit = piiguard::store::SqliteStore::open(dir.join("store.db"))
        .unwrap()
        .audit(&keyring)
        .unwrap();
    let event = |n: u32| AuditEvent {
        time: "2026-11-30T10:00:00.000000Z".into(),
        action: Action::Reveal,
        outcome: Outcome::Allowed,
        reason: piiguard::Reason::RoleRule,
        subsystem: "test".into(),
        principal: Actor::of(&Principal::new("mailer")),
        object: Object {
            subject: Some(n.to_string().into()),
            ..Object::default()
        },
        purpose: None,
        justification: None,
        policy_version: "1".into(),
        grant: None,
        detail: None,
    };
    // One by one, then in bulk (one transaction), then one by one again: one chain.
    audit.record(&event(0)).unwrap();
    let bulk: Vec<AuditEvent> = (1..2_344).map(event).collect();
    audit.record_all(&bulk).unwrap();
    audit.record(&event(2_344)).unwrap();
    assert_eq!(audit.last_seq().unwrap(), 2_345);
    let page = audit.lines_after(999, 3).unwrap();
    assert_eq!(
        page.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [1_000, 1_001, 1_002]
    );
    let mut seen = Vec::new();
    let report = audit
        .verify_each(None, |seq, event| {
            assert_eq!(
                event.object.subject.as_deref(),
                Some(&*(seq - 1).to_string())
            );
            seen.push(seq);
        })
        .unwrap();
    assert_eq!(report.events, 2_345);
    assert_eq!(seen, (1..=2_345).collect::<Vec<u64>>());

    let conn = rusqlite::Connection::open(dir.join("store.db")).unwrap();
    conn.execute(
        "UPDATE audit_events SET line = replace(line, '\"mailer\"', '\"someone\"') WHERE seq = 1700",
        [],
    )
    .unwrap();
    let mut seen = 0;
    let broken = audit.verify_each(None, |_, _| seen += 1);
    assert_eq!(problem(broken), (1_700, ChainProblem::BadMac));
    assert_eq!(seen, 1_699);
}

#[test]
fn a_failing_sink_means_no_reveal() {
    struct Broken;
    impl AuditSink for Broken {
        fn record(&self, _: &piiguard::audit::AuditEvent) -> Result<(), Error> {
            Err(Error::Audit {
                reason: "disk full",
            })
        }
    }
    let keyring = Keyring::in_memory(Environment::Dev);
    let guard = guard(&keyring, Arc::new(Broken));
    let contact = Contact {
        id: 1,
        email: Pii::new(SENTINEL.into()),
    };
    let service = Principal::new("mailer").role("service");
    assert_eq!(
        guard.reveal(&service, &contact, |c| &c.email, "send").err(),
        Some(Error::Audit {
            reason: "disk full"
        })
    );
    assert!(guard.view(&service, &contact, "send").is_err());
}

#[cfg(feature = "tracing")]
mod tracing_sink {
    use super::*;
    use piiguard::audit::TracingSink;
    use std::fmt::Write as _;
    use std::sync::Mutex;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Collects every event as `target field=value …` lines.
    #[derive(Default)]
    struct Collect(Mutex<Vec<String>>);

    struct Line(String);

    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    impl Subscriber for &'static Collect {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut line = Line(event.metadata().target().to_owned());
            event.record(&mut line);
            self.0.lock().unwrap().push(line.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn audit_events_go_to_tracing_without_values() {
        let collect: &'static Collect = Box::leak(Box::default());
        let keyring = Keyring::in_memory(Environment::Dev);
        tracing::subscriber::with_default(collect, || {
            write_events(&keyring, Arc::new(TracingSink), 2);
        });
        let lines = collect.0.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("piiguard::audit"));
        assert!(lines[0].contains("action=\"reveal\""), "{}", lines[0]);
        assert!(lines[0].contains("outcome=Allowed"), "{}", lines[0]);
        assert!(
            lines[1].contains("reason=\"reveal_not_permitted\""),
            "{}",
            lines[1]
        );
        assert!(lines.iter().all(|l| !l.contains(SENTINEL)));
    }
}

/// A vault token's row stored through a store's trail (a guard on that store does, so that a
/// proxy's new tokens share the trail's commits): the row as stored, the first one kept when
/// its id is taken, readable from the store's tokens.
#[test]
#[cfg(feature = "sqlite")]
fn a_token_row_goes_in_the_trails_commit_and_keeps_the_first_of_an_id() {
    use piiguard::token::{TokenEntry, TokenStore};
    let dir = TempDir::new("token-row");
    let keyring = Keyring::in_memory(Environment::Dev);
    let store = piiguard::store::SqliteStore::open(dir.join("store.db")).unwrap();
    let audit = Arc::new(store.audit(&keyring).unwrap());
    let entry = TokenEntry {
        id: "tok-1".into(),
        region: "eu".into(),
        tenant: String::new(),
        subject: Some("7".into()),
        record: "Customer".into(),
        field: "card".into(),
        class: "card_number".into(),
        created: 1_796_000_000,
        expires: None,
        token: "tok_AAAA".into(),
        envelope: "pg1.sealed".into(),
        key_id: "data-eu".into(),
        key_version: 1,
    };
    assert_eq!(audit.store_token(&entry).unwrap(), Some(entry.clone()));
    let mut again = entry.clone();
    again.token = "tok_BBBB".into();
    assert_eq!(audit.store_token(&again).unwrap(), Some(entry.clone()));
    assert_eq!(store.get("eu", "", "tok-1").unwrap(), Some(entry));
    // With an event recorded too, the trail holds the event alone, and verifies.
    write_events(&keyring, audit.clone(), 1);
    assert_eq!(audit.verify().unwrap().unwrap().events, 1);
}
