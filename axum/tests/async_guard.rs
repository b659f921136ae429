//! `AsyncGuard` keeps guard calls that wait (here: an audit event synced to disk for each reveal,
//! in the embedded store) off the executor: a ticker task on the same single-threaded runtime
//! keeps ticking while they run — and, as a control, does not while the same calls are made
//! synchronously on the executor's thread.

use piiguard::{Access, Classified, Guard, Pii, Principal};
use piiguard_axum::AsyncGuard;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

const POLICY: &str = r#"
version = "async-1"
[[rule]]
roles = ["service"]
sensitivities = ["personal"]
treatment = "reveal"
"#;

const REVEALS: usize = 150;

#[test]
fn waiting_calls_run_off_the_executor() {
    let dir = std::env::temp_dir().join(format!("pg-async-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
    let guard = AsyncGuard::new(Guard::open_local(&dir).unwrap());
    let customer = Arc::new(Customer {
        id: 7,
        email: Pii::new("jane.q8z@example.com".into()),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (through_pool, on_executor) = runtime.block_on(async {
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = {
            let ticks = Arc::clone(&ticks);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;

        // Through the blocking pool.
        let before = ticks.load(Ordering::Relaxed);
        for _ in 0..REVEALS {
            let customer = Arc::clone(&customer);
            let length = guard
                .run(move |g| {
                    let mailer = Principal::new("mailer").role("service");
                    g.reveal(&mailer, &*customer, |c| &c.email, "send_receipt")
                        .map(|e| e.expose().len())
                })
                .await
                .unwrap();
            assert_eq!(length, 20);
        }
        let through_pool = ticks.load(Ordering::Relaxed) - before;

        // The control: the same calls made on the executor's only thread starve the ticker.
        let before = ticks.load(Ordering::Relaxed);
        for _ in 0..REVEALS {
            let mailer = Principal::new("mailer").role("service");
            drop(
                guard
                    .guard()
                    .reveal(&mailer, &*customer, |c| &c.email, "send_receipt")
                    .unwrap(),
            );
        }
        let on_executor = ticks.load(Ordering::Relaxed) - before;
        ticker.abort();
        (through_pool, on_executor)
    });
    eprintln!("ticks: {through_pool} through the pool, {on_executor} on the executor");
    assert!(
        through_pool >= 20,
        "the executor was stalled: {through_pool} ticks during {REVEALS} reveals"
    );
    assert!(
        on_executor <= 2,
        "the control did not stall ({on_executor} ticks): the test cannot tell"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_policy_view_is_built_and_audited_on_the_pool() {
    let audit = Arc::new(piiguard::audit::MemorySink::new());
    let guard = AsyncGuard::new(
        Guard::builder(piiguard::keys::Keyring::in_memory(
            piiguard::keys::Environment::Dev,
        ))
        .policy(piiguard::Policy::from_toml(POLICY).unwrap())
        .audit(audit.clone())
        .build()
        .unwrap(),
    );
    let customer = Arc::new(Customer {
        id: 7,
        email: Pii::new("jane.q8z@example.com".into()),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let json = runtime
        .block_on(guard.view_json(
            Principal::new("mailer").role("service"),
            Arc::clone(&customer),
            Access::new("send_receipt"),
        ))
        .unwrap();
    assert_eq!(*json, r#"{"id":7,"email":"jane.q8z@example.com"}"#);
    let stored = runtime.block_on(guard.to_json(customer)).unwrap();
    assert!(!stored.contains("jane"));
    let events = audit.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, piiguard::audit::Action::View);
}
