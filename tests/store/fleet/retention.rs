//! Retention over years of simulated time, on each engine: records due are unreadable after
//! the sweep, records under legal hold are not, the register holds one entry per erasure, a
//! sweep that crashed between shredding and the register resumes without a second entry, and
//! an erasure request writes its entry too. On PostgreSQL as the service's role (the runtime
//! grants: the register is append-only to it).

use super::scenarios::ops;
use super::target::{POLICY, Target, kek};
use piiguard::clock::ManualClock;
use piiguard::lifecycle::{Activity, Deletion, LifecycleStore};
use piiguard::store::{PgStore, SharedStore, SqliteStore};
use piiguard::{Classified, Error, Guard, Pii, Policy, Principal};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Classified)]
#[pii(subject = id)]
pub(crate) struct Client {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = patient)]
pub(crate) struct Visit {
    patient: u64,
    #[pii(class = health)]
    diagnosis: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = id)]
pub(crate) struct Contract {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = id)]
pub(crate) struct Note {
    id: u64,
    #[pii(class = free_text)]
    text: Pii<String>,
}

const RETENTION: &str = r#"
[[retention.rule]]
records = ["Client"]
days = 365

[[retention.rule]]
classes = ["health"]
days = 3650
from = "created"

[[retention.rule]]
records = ["Contract"]
days = 730
from = "given"
"#;

/// An engine's lifecycle records whose register refuses writes while `broken` is set: a
/// sweep that stops between shredding a key and writing the register, as a crash would.
struct Flaky<S> {
    inner: S,
    broken: Arc<AtomicBool>,
}

impl<S: LifecycleStore> LifecycleStore for Flaky<S> {
    fn touch(
        &self,
        r: &str,
        t: &str,
        s: &str,
        rec: &str,
        c: &str,
        at: i64,
        g: Option<i64>,
    ) -> Result<(), Error> {
        self.inner.touch(r, t, s, rec, c, at, g)
    }
    fn activity_after(
        &self,
        r: &str,
        a: Option<(&str, &str, &str)>,
        n: usize,
    ) -> Result<Vec<Activity>, Error> {
        self.inner.activity_after(r, a, n)
    }
    fn activity_of(&self, r: &str, t: &str, s: &str) -> Result<Vec<Activity>, Error> {
        self.inner.activity_of(r, t, s)
    }
    fn forget_activity(&self, r: &str, t: &str, s: &str) -> Result<(), Error> {
        self.inner.forget_activity(r, t, s)
    }
    fn set_hold(&self, r: &str, t: &str, s: &str, why: Option<&str>, at: i64) -> Result<(), Error> {
        self.inner.set_hold(r, t, s, why, at)
    }
    fn hold(&self, r: &str, t: &str, s: &str) -> Result<Option<String>, Error> {
        self.inner.hold(r, t, s)
    }
    fn record_deletion(&self, r: &str, d: &Deletion) -> Result<bool, Error> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(Error::KeyStore {
                reason: "the test broke the register",
            });
        }
        self.inner.record_deletion(r, d)
    }
    fn deletions(&self, r: &str, s: Option<&str>, n: usize) -> Result<Vec<Deletion>, Error> {
        self.inner.deletions(r, s, n)
    }
}

fn build<S: SharedStore + LifecycleStore>(
    store: S,
    clock: Arc<ManualClock>,
    broken: Arc<AtomicBool>,
) -> Guard {
    Guard::shared(store.clone(), kek())
        .unwrap()
        .policy(Policy::from_toml(POLICY).unwrap())
        .clock(clock)
        .lifecycle(Arc::new(Flaky {
            inner: store,
            broken,
        }))
        .build()
        .unwrap()
}

fn service() -> Principal {
    Principal::new("mailer").role("service")
}

const DAY: u64 = 86_400;

pub(crate) fn retention_erases_what_is_due_keeps_what_is_held_and_registers_each_erasure_once(
    t: &Target,
) {
    let start = time::OffsetDateTime::from_unix_timestamp(1_577_836_800).unwrap(); // 2020-01-01
    let clock = Arc::new(ManualClock::new(start));
    let broken = Arc::new(AtomicBool::new(false));
    let guard = match &t.pg {
        Some(pg) => build(
            PgStore::connect(&pg.app_url, 2).unwrap(),
            clock.clone(),
            broken.clone(),
        ),
        None => build(
            SqliteStore::open(t.dir().join("store.db")).unwrap(),
            clock.clone(),
            broken.clone(),
        ),
    };
    let policy = POLICY.replace("fleet-1", "fleet-retention") + RETENTION;
    guard.admin(&ops()).install_policy(&policy).unwrap();
    let client = |id| Client {
        id,
        email: Pii::new(format!("client{id}.r7@example.com")),
    };
    let rows: Vec<String> = (1..=4)
        .map(|id| guard.storage().to_json(&client(id)).unwrap())
        .collect();
    for id in 1..=4 {
        guard.storage().track(&client(id)).unwrap();
    }
    guard
        .storage()
        .track(&Visit {
            patient: 3,
            diagnosis: Pii::new("synthetic condition".into()),
        })
        .unwrap();
    guard
        .admin(&ops())
        .hold_subject(&4u64, "litigation 2020-17")
        .unwrap();
    let contract = Contract {
        id: 5,
        email: Pii::new("contract5.r7@example.com".into()),
    };
    guard
        .storage()
        .track_from(&contract, start + time::Duration::days(100))
        .unwrap();
    guard
        .storage()
        .track(&Note {
            id: 6,
            text: Pii::new("synthetic note".into()),
        })
        .unwrap();
    assert!(
        matches!(
            guard.admin(&service()).sweep_retention(10),
            Err(Error::Denied { .. })
        ),
        "an admin act"
    );

    // Day 300: client 2 is active again. Day 400: only client 1 is due (client 4 is held).
    clock.advance(Duration::from_secs(300 * DAY));
    guard.storage().track(&client(2)).unwrap();
    clock.advance(Duration::from_secs(100 * DAY));
    let sweep = guard.admin(&ops()).sweep_retention(100).unwrap();
    assert_eq!(
        (sweep.erased, sweep.held, sweep.kept),
        (1, 1, 4),
        "{sweep:?}"
    );
    let readable = |id: u64| {
        let back: Client = guard
            .storage()
            .from_json(&rows[usize::try_from(id).unwrap() - 1])
            .unwrap();
        guard
            .reveal(&service(), &back, |c| &c.email, "mail")
            .is_ok()
    };
    assert!(!readable(1), "erased");
    assert!(readable(2) && readable(3) && readable(4));
    let entries = guard.storage().deletions_of(&1u64).unwrap();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(
        (
            entry.reason.as_str(),
            entry.records.as_str(),
            entry.actor.as_str()
        ),
        ("retention", "Client", "ops-1")
    );
    assert_eq!(entry.classes, "email,personal");
    assert_eq!(entry.policy_version, "fleet-retention");
    assert_eq!(entry.subject.len(), 32);
    assert_ne!(entry.subject, "1", "a pseudonym, not the id");

    // Day 700: client 2 is due. The first sweep stops between the shredding and the register;
    // the next one finishes it, with one entry.
    clock.advance(Duration::from_secs(300 * DAY));
    broken.store(true, Ordering::SeqCst);
    assert!(guard.admin(&ops()).sweep_retention(100).is_err());
    assert!(!readable(2), "shredded before the crash");
    broken.store(false, Ordering::SeqCst);
    let sweep = guard.admin(&ops()).sweep_retention(100).unwrap();
    assert_eq!(sweep.erased, 1);
    assert_eq!(
        guard.storage().deletions_of(&2u64).unwrap().len(),
        1,
        "no second entry"
    );

    // Day 850: the contract (given date + 730 days). Again at once: nothing more.
    clock.advance(Duration::from_secs(150 * DAY));
    assert_eq!(guard.admin(&ops()).sweep_retention(100).unwrap().erased, 1);
    assert_eq!(guard.admin(&ops()).sweep_retention(100).unwrap().erased, 0);
    assert_eq!(
        guard.storage().deletions_of(&5u64).unwrap()[0].records,
        "Contract"
    );

    // The hold lifted, client 4 goes; client 3 waits for its visit's ten years.
    guard.admin(&ops()).release_subject(&4u64).unwrap();
    let sweep = guard.admin(&ops()).sweep_retention(100).unwrap();
    assert_eq!((sweep.erased, sweep.held), (1, 0));
    assert!(!readable(4) && readable(3));
    clock.advance(Duration::from_secs(2900 * DAY));
    let sweep = guard.admin(&ops()).sweep_retention(100).unwrap();
    assert_eq!(
        (sweep.erased, sweep.kept),
        (1, 1),
        "client 3 now; the note has no rule"
    );
    assert!(!readable(3));
    assert_eq!(
        guard.storage().deletions_of(&3u64).unwrap()[0].records,
        "Client,Visit"
    );

    // An erasure request writes its entry as well.
    guard.admin(&ops()).forget_subject(&6u64).unwrap();
    let register = guard.storage().deletion_register(100).unwrap();
    let reasons: Vec<&str> = register.iter().map(|d| d.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "retention",
            "retention",
            "retention",
            "retention",
            "retention",
            "request"
        ]
    );
    assert_eq!(register[5].records, "Note");
    let text = format!("{register:?}");
    assert!(
        !text.contains("r7@example.com") && !text.contains("synthetic"),
        "no personal data"
    );

    // The trail: one erasure event per subject (and the failed attempt), the holds, the sweeps.
    let events: Vec<serde_json::Value> = t
        .rows()
        .iter()
        .map(|(_, line)| serde_json::from_str(line).unwrap())
        .collect();
    let count = |action: &str, outcome: &str| {
        events
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("subject_erasure", "failed"), 1);
    assert_eq!(
        count("subject_erasure", "allowed"),
        7,
        "five retained subjects, the retried one, the request"
    );
    assert_eq!(count("legal_hold", "allowed"), 2);
    assert_eq!(count("retention_sweep", "denied"), 1);
    assert!(
        !serde_json::to_string(&events)
            .unwrap()
            .contains("r7@example.com")
    );
}
