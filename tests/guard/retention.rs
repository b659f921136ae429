//! Retention rules in the policy file (checked at load, with lines), and retention on a guard
//! without a store (the lifecycle records in memory). The engines' behaviour over years of
//! simulated time is `tests/store/fleet/retention.rs`.

use piiguard::at_rest::Forgotten;
use piiguard::audit::MemorySink;
use piiguard::clock::ManualClock;
use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::{Classified, Error, Guard, Pii, Policy, Principal};
use std::sync::Arc;
use std::time::Duration;

const HEAD: &str = "version = \"r-1\"\nadmin_roles = [\"dpo\"]\n";

#[test]
fn bad_retention_rules_are_refused_with_their_line() {
    for (rule, says) in [
        (
            "[[retention.rule]]\ndays = 30\n",
            "exactly one non-empty list",
        ),
        (
            "[[retention.rule]]\nrecords = [\"A\"]\nclasses = [\"email\"]\ndays = 30\n",
            "exactly one",
        ),
        (
            "[[retention.rule]]\nclasses = [\"shoe_size\"]\ndays = 30\n",
            "unknown class `shoe_size`",
        ),
        (
            "[[retention.rule]]\nsensitivities = [\"secret\"]\ndays = 30\n",
            "unknown sensitivity `secret`",
        ),
        (
            "[[retention.rule]]\nrecords = [\"A\"]\ndays = 0\n",
            "at least one day",
        ),
        (
            "[[retention.rule]]\nrecords = [\"A\"]\ndays = 30\nfrom = \"birth\"\n",
            "unknown retention clock `birth`",
        ),
        (
            "[[retention.rule]]\nrecords = [\"A\"]\ndayz = 30\n",
            "unknown field `dayz`",
        ),
    ] {
        match Policy::from_toml(&format!("{HEAD}{rule}")) {
            Err(Error::Policy { line, message }) => {
                // The rule's line; serde's own errors name the key's.
                let expected = if says.starts_with("unknown field") {
                    5
                } else {
                    3
                };
                assert_eq!(line, expected, "{rule}: {message}");
                assert!(message.contains(says), "{rule}: {message}");
            }
            other => panic!("{rule}: {:?}", other.map(|_| ())),
        }
    }
    let good = Policy::from_toml(&format!(
        "{HEAD}[[retention.rule]]\nsensitivities = [\"special\"]\ndays = 90\nfrom = \"created\"\n"
    ))
    .unwrap();
    assert!(good.retention().is_configured());
    assert!(!Policy::from_toml(HEAD).unwrap().retention().is_configured());
}

#[derive(Classified)]
#[pii(subject = id)]
struct Lead {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

#[test]
fn a_guard_without_a_store_sweeps_from_memory() {
    let clock = Arc::new(ManualClock::new(
        time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
    ));
    let keyring = Keyring::builder()
        .environment(Environment::Prod)
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    let policy = format!(
        "{HEAD}[[rule]]\nroles = [\"sales\"]\nclasses = [\"email\"]\ntreatment = \"reveal\"\n[[retention.rule]]\nrecords = [\"Lead\"]\ndays = 30\n"
    );
    let guard = Guard::builder(keyring)
        .policy(Policy::from_toml(&policy).unwrap())
        .audit(Arc::new(MemorySink::new()))
        .clock(clock.clone())
        .build()
        .unwrap();
    let dpo = Principal::new("dpo-1")
        .role("dpo")
        .in_environment(Environment::Prod);
    let sales = Principal::new("sales-1")
        .role("sales")
        .in_environment(Environment::Prod);
    let leads: Vec<Lead> = (1..=3)
        .map(|id| Lead {
            id,
            email: Pii::new(format!("lead{id}@example.com")),
        })
        .collect();
    let rows: Vec<String> = leads
        .iter()
        .map(|l| guard.storage().to_json(l).unwrap())
        .collect();
    for lead in &leads {
        guard.storage().track(lead).unwrap();
    }
    clock.advance(Duration::from_secs(20 * 86_400));
    guard.storage().track(&leads[2]).unwrap();
    clock.advance(Duration::from_secs(11 * 86_400));
    let sweep = guard.admin(&dpo).sweep_retention(1).unwrap();
    assert_eq!((sweep.erased, sweep.more), (1, true), "the limit stops it");
    let sweep = guard.admin(&dpo).sweep_retention(10).unwrap();
    assert_eq!((sweep.erased, sweep.kept, sweep.more), (1, 1, false));
    let opens = |i: usize| {
        let back: Lead = guard.storage().from_json(&rows[i]).unwrap();
        guard.reveal(&sales, &back, |l| &l.email, "call").is_ok()
    };
    assert!(!opens(0) && !opens(1) && opens(2));
    assert_eq!(guard.storage().deletion_register(10).unwrap().len(), 2);
    assert!(guard.storage().deletions_of(&3u64).unwrap().is_empty());
    // Forgetting a swept subject again erases nothing, and registers nothing; the first
    // request to forget a live one does, once.
    assert_eq!(
        guard.admin(&dpo).forget_subject(&1u64).unwrap(),
        Forgotten::NoKey
    );
    assert_eq!(guard.storage().deletion_register(10).unwrap().len(), 2);
    assert_eq!(
        guard.admin(&dpo).forget_subject(&3u64).unwrap(),
        Forgotten::Destroyed
    );
    assert_eq!(
        guard.admin(&dpo).forget_subject(&3u64).unwrap(),
        Forgotten::NoKey
    );
    assert_eq!(guard.storage().deletions_of(&3u64).unwrap().len(), 1);
    assert_eq!(guard.storage().deletion_register(10).unwrap().len(), 3);
}
