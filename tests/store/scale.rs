//! Scale is not a failure mode: more subjects than a mapping per key ever allowed (the process
//! used to abort at about 32,000), with the number of memory mappings bounded; and a process
//! whose locked memory runs out keeps working, unlocked, and says so. The million-subject run is
//! `examples/scale.rs`, run by CI in release.
#![cfg(target_os = "linux")]

use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::{Classified, Pii, unaudited};
use std::process::Command;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .count()
}

/// Writes `subjects` records and checks a sample reads back; returns the most mappings seen.
fn write_and_check(subjects: u64) -> usize {
    let keyring = Keyring::builder()
        .environment(Environment::Dev)
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    let keys = unaudited::keys(&keyring);
    let mut most = mappings();
    let mut sample = Vec::new();
    for id in 0..subjects {
        let row = keys
            .to_json(&Customer {
                id,
                email: Pii::new(format!("user{id}@example.com")),
            })
            .unwrap();
        if id % 997 == 0 {
            sample.push((id, row));
        }
        if id % 5_000 == 0 {
            most = most.max(mappings());
        }
    }
    for (id, row) in sample {
        let back: Customer = keys.from_json(&row).unwrap();
        let email = keys.expose_unaudited(&back, |c| &c.email).unwrap();
        assert_eq!(*email.expose(), format!("user{id}@example.com"));
    }
    most.max(mappings())
}

#[test]
fn more_subjects_than_a_mapping_per_key_allowed() {
    let most = write_and_check(40_000);
    assert!(most < 1_000, "{most} mappings");
    // The key arena stops growing once the key cache is full (16,384 subjects).
    let arena = piiguard::memory::memory_report().key_mappings;
    assert!(arena <= 80, "{arena} arena mappings");
}

const LOW_MEMLOCK: &str = "PIIGUARD_TEST_LOW_MEMLOCK";

/// Run by `out_of_locked_memory_degrades_and_reports`, in a process with 256 KiB of lockable
/// memory and no `CAP_IPC_LOCK`.
#[test]
#[ignore = "a helper process of out_of_locked_memory_degrades_and_reports"]
fn low_memlock_helper() {
    if std::env::var(LOW_MEMLOCK).is_err() {
        return;
    }
    let most = write_and_check(5_000);
    assert!(most < 1_000);
    let report = piiguard::memory::memory_report();
    let keys = report.keys.expect("keys were made");
    assert!(!keys.locked, "the arena says it could not lock everything");
    assert!(keys.excluded_from_dumps, "still kept out of core dumps");
    println!("degraded as expected: {report:?}");
}

#[test]
fn out_of_locked_memory_degrades_and_reports() {
    let exe = std::env::current_exe().unwrap();
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    // As root, `setpriv` (util-linux) drops CAP_IPC_LOCK, which would lock past the limit.
    let mut command = if root {
        let mut c = Command::new("setpriv");
        c.args(["--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock", "sh"]);
        c
    } else {
        Command::new("sh")
    };
    let out = command
        .arg("-c")
        .arg(format!(
            "ulimit -l 256 && exec \"$0\" --exact {} --ignored --nocapture",
            piiguard_testkit::test_name(module_path!(), "low_memlock_helper")
        ))
        .arg(&exe)
        .env(LOW_MEMLOCK, "1")
        .output()
        .expect("setpriv (util-linux) runs the helper");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("degraded as expected"), "{stdout}");
}
