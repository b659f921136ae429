//! One audited path: every method of [`Guard`] and of its two other doors (`Storage`,
//! `Admin`) that can disclose a value or destroy something is listed here, and each is
//! exercised allowed, refused and failing, checking the audit events it writes. A guard method
//! added without being classified below fails `every_public_guard_method_is_classified`.

use piiguard::audit::{Action, AuditEvent, AuditSink, ChainReport, MemorySink, Outcome};
use piiguard::keys::{Environment, KeyState, Keyring, Purpose};
use piiguard::{Classified, Error, Guard, Pii, Policy, Principal, Reason};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Methods that disclose cleartext or destroy data or keys: each is tested below.
const AUDITED: &[&str] = &[
    "reveal",
    "view",
    "rotate_key",
    "destroy_key",
    "forget_subject",
    "reset_monitor",
    "request_access",
    "approve",
    "revoke",
    // Tested in tests/store/fleet/: the change is a `policy_change` event, and in force elsewhere.
    "install_policy",
    // Tested in tests/guard/tokenization.rs: allowed, denied, and refused tokens, each audited; a
    // sweep by an admin and refused to others.
    "detokenize",
    "sweep_expired_tokens",
    // Tested in tests/guard/preserving_tokens.rs: allowed, denied and refused, each audited.
    "detokenize_preserving",
    // Tested in tests/guard/anonymize.rs: allowed, denied by the policy, refused for small groups.
    "anonymize",
    // Tested in tests/store/fleet/retention.rs on both engines: admin acts, refused to others, each
    // erasure an event and a register entry.
    "hold_subject",
    "release_subject",
    "sweep_retention",
    // A front end's refusal, before any data: one denied event, or an error when the sink
    // fails (tested below; the proxy's use in cli/tests/cli/proxy/mod.rs).
    "refuse",
];

/// Methods that neither disclose nor destroy (construction, the storage door, lookups,
/// read-only state).
const HARMLESS: &[&str] = &[
    // The two other doors themselves (their acts are classified one by one here).
    "storage",
    "admin",
    "builder",
    "open_local",
    "shared",
    "scoped",
    "keyring",
    "policy",
    "is_blocked",
    "to_json",
    "to_json_in",
    "from_json",
    "blind_index_candidates",
    "token_metadata",
    "tokenize_preserving",
    // Retention bookkeeping and the register (no value, nothing destroyed).
    "track",
    "track_from",
    "deletions_of",
    "deletion_register",
    "lifecycle",
    // The anonymized export's options.
    "k",
    "refuse_small_groups",
    "on",
    "min_group",
    "convergent_token",
    "tokenize",
    "column",
    "optional_column",
    "read_column",
    "verify_audit",
    // GuardBuilder and PolicyView
    "audit",
    "clock",
    "subsystem",
    "on_alert",
    "scope",
    "grants",
    "counters",
    "policies",
    "tokens",
    "build",
    "decisions",
    "into_json",
    // The local guard's options
    "local",
    "expect_head",
    "open",
    "audit_head",
];

#[test]
fn every_public_guard_method_is_classified() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/guard");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("pub fn ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        }
    }
    assert!(found.len() > 20, "the guard's methods were not found");
    let unlisted: Vec<&String> = found
        .iter()
        .filter(|n| !AUDITED.contains(&n.as_str()) && !HARMLESS.contains(&n.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "classify these Guard methods (and test the audited ones): {unlisted:?}"
    );
}

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

const POLICY: &str = r#"
version = "audit-path-1"
admin_roles = ["admin"]

[[rule]]
roles = ["service"]
classes = ["email"]
treatment = "reveal"

[break_glass]
approvers = ["security"]
max_ttl_secs = 600

[monitor]
window_secs = 3600
elevated_after = 20
suspicious_after = 30
hard_limit = 40
"#;

/// A memory sink that can be made to fail, as a full disk would.
#[derive(Default)]
struct Sink {
    events: MemorySink,
    broken: AtomicBool,
}

impl AuditSink for Sink {
    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(Error::Audit {
                reason: "the test broke the sink",
            });
        }
        self.events.record(event)
    }

    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        Ok(None)
    }
}

struct Fixture {
    guard: Guard,
    sink: Arc<Sink>,
}

fn fixture() -> Fixture {
    let sink = Arc::new(Sink::default());
    let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
        .policy(Policy::from_toml(POLICY).unwrap())
        .audit(sink.clone())
        .build()
        .unwrap();
    Fixture { guard, sink }
}

impl Fixture {
    /// The (action, outcome) pairs written by `run`, alerts left out.
    fn events<R>(&self, run: impl FnOnce() -> R) -> (R, Vec<(Action, Outcome)>) {
        let before = self.sink.events.len();
        let result = run();
        let events = self.sink.events.events()[before..]
            .iter()
            .filter(|e| e.action != Action::AccessAlert)
            .map(|e| (e.action, e.outcome))
            .collect();
        (result, events)
    }

    fn break_sink(&self, broken: bool) {
        self.sink.broken.store(broken, Ordering::SeqCst);
    }
}

fn admin() -> Principal {
    Principal::new("ops-1").role("admin")
}

fn nobody() -> Principal {
    Principal::new("intruder").role("support")
}

fn customer(id: u64) -> Customer {
    Customer {
        id,
        email: Pii::new("jane.q8z@example.com".into()),
    }
}

#[test]
fn reveals_and_views_are_audited_allowed_denied_and_failed() {
    let f = fixture();
    let service = Principal::new("mailer").role("service");
    let c = customer(1);
    let (r, ev) = f.events(|| f.guard.reveal(&service, &c, |c| &c.email, "receipt"));
    assert!(r.is_ok());
    assert_eq!(ev, [(Action::Reveal, Outcome::Allowed)]);
    let (r, ev) = f.events(|| f.guard.reveal(&nobody(), &c, |c| &c.email, "curious"));
    assert!(r.is_err());
    assert_eq!(ev, [(Action::Reveal, Outcome::Denied)]);
    let (r, ev) = f.events(|| f.guard.view(&service, &c, "receipt").map(|v| v.to_json()));
    assert!(r.is_ok());
    assert_eq!(ev, [(Action::View, Outcome::Allowed)]);
    let (r, ev) = f.events(|| f.guard.view(&nobody(), &c, "curious").map(|_| ()));
    assert!(
        r.is_ok(),
        "a view that discloses nothing still serializes (redacted)"
    );
    assert_eq!(ev, [(Action::View, Outcome::Denied)]);

    // A stored value whose subject was erased: allowed, but it fails to open.
    let stored: Customer = f
        .guard
        .storage()
        .from_json(&f.guard.storage().to_json(&c).unwrap())
        .unwrap();
    f.guard.admin(&admin()).forget_subject(&1).unwrap();
    let (r, ev) = f.events(|| f.guard.reveal(&service, &stored, |c| &c.email, "receipt"));
    assert_eq!(r.err(), Some(Error::SubjectForgotten));
    assert_eq!(ev, [(Action::Reveal, Outcome::Failed)]);

    // A view whose value does not open (an edited envelope) is a `failed` event and an error,
    // before any of it is returned.
    let mut row: serde_json::Value =
        serde_json::from_str(&f.guard.storage().to_json(&customer(3)).unwrap()).unwrap();
    let text = row["email"].as_str().unwrap().to_owned();
    let last = text.chars().last().unwrap();
    let edited = format!(
        "{}{}",
        &text[..text.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    row["email"] = edited.into();
    let tampered: Customer = f.guard.storage().from_json(&row.to_string()).unwrap();
    let (r, ev) = f.events(|| f.guard.view(&service, &tampered, "receipt").map(|_| ()));
    assert!(r.is_err());
    assert_eq!(ev, [(Action::View, Outcome::Failed)]);
    let failed = f.sink.events.events().last().cloned().unwrap();
    assert_eq!(failed.reason, Reason::OpenFailed);

    // With the audit sink down, nothing is disclosed.
    f.break_sink(true);
    let fresh = customer(2);
    assert!(
        f.guard
            .reveal(&service, &fresh, |c| &c.email, "receipt")
            .is_err()
    );
    assert!(f.guard.view(&service, &fresh, "receipt").is_err());
}

#[test]
fn key_rotation_and_destruction_are_admin_acts_audited_before_they_happen() {
    let f = fixture();
    let (r, ev) = f.events(|| {
        f.guard
            .admin(&nobody())
            .rotate_key(Purpose::FieldEncryption)
    });
    assert!(matches!(
        r,
        Err(Error::Denied {
            reason: Reason::NotAdmin
        })
    ));
    assert_eq!(ev, [(Action::KeyRotation, Outcome::Denied)]);
    let (r, ev) = f.events(|| f.guard.admin(&admin()).rotate_key(Purpose::FieldEncryption));
    let rotated = r.unwrap();
    assert_eq!(ev, [(Action::KeyRotation, Outcome::Allowed)]);

    // Destroying the active version fails: the attempt and the failure are both recorded.
    let (r, ev) = f.events(|| {
        f.guard
            .admin(&admin())
            .destroy_key(&rotated.id, rotated.version)
    });
    assert!(matches!(r, Err(Error::Keyring { .. })));
    assert_eq!(
        ev,
        [
            (Action::KeyDestruction, Outcome::Allowed),
            (Action::KeyDestruction, Outcome::Failed)
        ]
    );
    let (r, ev) = f.events(|| f.guard.admin(&nobody()).destroy_key(&rotated.id, 1));
    assert!(r.is_err());
    assert_eq!(ev, [(Action::KeyDestruction, Outcome::Denied)]);

    // If the record cannot be written, the key is not destroyed.
    f.break_sink(true);
    assert!(matches!(
        f.guard.admin(&admin()).destroy_key(&rotated.id, 1),
        Err(Error::Audit { .. })
    ));
    let state = |version| {
        f.guard
            .keyring()
            .key_infos()
            .into_iter()
            .find(|k| k.id == rotated.id && k.version == version)
            .map(|k| k.state)
    };
    assert_eq!(state(1), Some(KeyState::DecryptOnly));
    f.break_sink(false);
    let (r, ev) = f.events(|| f.guard.admin(&admin()).destroy_key(&rotated.id, 1));
    r.unwrap();
    assert_eq!(ev, [(Action::KeyDestruction, Outcome::Allowed)]);
    assert_eq!(state(1), Some(KeyState::Destroyed));
}

#[test]
fn erasure_and_monitor_resets_are_admin_acts() {
    let f = fixture();
    let c = customer(5);
    let stored: Customer = f
        .guard
        .storage()
        .from_json(&f.guard.storage().to_json(&c).unwrap())
        .unwrap();
    let (r, ev) = f.events(|| f.guard.admin(&nobody()).forget_subject(&5));
    assert!(r.is_err());
    assert_eq!(ev, [(Action::SubjectErasure, Outcome::Denied)]);
    f.break_sink(true);
    assert!(f.guard.admin(&admin()).forget_subject(&5).is_err());
    f.break_sink(false);
    let service = Principal::new("mailer").role("service");
    assert!(
        f.guard
            .reveal(&service, &stored, |c| &c.email, "receipt")
            .is_ok(),
        "an erasure that could not be audited did not happen"
    );
    let (r, ev) = f.events(|| f.guard.admin(&admin()).forget_subject(&5));
    r.unwrap();
    assert_eq!(ev, [(Action::SubjectErasure, Outcome::Allowed)]);

    // The monitor's hard limit (40), then a reset.
    for _ in 0..41 {
        let _ = f.guard.reveal(&service, &c, |c| &c.email, "receipt");
    }
    assert!(f.guard.storage().is_blocked("mailer").unwrap());
    let (r, ev) = f.events(|| f.guard.admin(&nobody()).reset_monitor("mailer"));
    assert!(r.is_err());
    assert_eq!(ev, [(Action::MonitorReset, Outcome::Denied)]);
    f.break_sink(true);
    assert!(f.guard.admin(&admin()).reset_monitor("mailer").is_err());
    assert!(
        f.guard.storage().is_blocked("mailer").unwrap(),
        "an unaudited reset did not happen"
    );
    f.break_sink(false);
    let (r, ev) = f.events(|| f.guard.admin(&admin()).reset_monitor("mailer"));
    r.unwrap();
    assert_eq!(ev, [(Action::MonitorReset, Outcome::Allowed)]);
    assert!(!f.guard.storage().is_blocked("mailer").unwrap());
}

#[test]
fn break_glass_requests_approvals_and_revocations_are_audited() {
    let f = fixture();
    let agent = Principal::new("agent-9").role("support");
    let lead = Principal::new("lead-2").role("security");
    let request = piiguard::GrantRequest::new("ticket 7", std::time::Duration::from_secs(300))
        .subject("7")
        .class("email");
    let (id, ev) = f.events(|| f.guard.request_access(&agent, request));
    let id = id.unwrap();
    assert_eq!(ev, [(Action::GrantRequest, Outcome::Allowed)]);
    let (r, ev) = f.events(|| f.guard.admin(&agent).approve(&id));
    assert!(r.is_err(), "no self-approval");
    assert_eq!(ev, [(Action::Grant, Outcome::Denied)]);
    // The approver names the request as a service receives it in a URL.
    let named: piiguard::policy::RequestId = id.to_string().parse().unwrap();
    assert!(
        "req-not/an/id"
            .parse::<piiguard::policy::RequestId>()
            .is_err()
    );
    let (token, ev) = f.events(|| f.guard.admin(&lead).approve(&named));
    let token = token.unwrap();
    assert_eq!(ev, [(Action::Grant, Outcome::Allowed)]);
    let (r, ev) = f.events(|| f.guard.admin(&nobody()).revoke(&token));
    assert!(r.is_err(), "neither the holder nor an approver");
    assert_eq!(ev, [(Action::GrantRevoke, Outcome::Denied)]);
    let (r, ev) = f.events(|| f.guard.admin(&lead).revoke(&token));
    r.unwrap();
    assert_eq!(ev, [(Action::GrantRevoke, Outcome::Allowed)]);

    // A view presented with the revoked grant, or a forged one, is a typed denial with the
    // grant's reason, not a silently redacted view.
    let c = customer(7);
    let access = piiguard::Access::new("ticket 7").with_grant(token.clone());
    let (r, ev) = f.events(|| f.guard.view(&agent, &c, access).map(|_| ()));
    assert!(matches!(
        r,
        Err(Error::Denied {
            reason: Reason::GrantRevoked
        })
    ));
    assert_eq!(ev, [(Action::View, Outcome::Denied)]);
    let forged: piiguard::GrantToken = {
        let text = token.to_string();
        let (head, _) = text.rsplit_once('.').unwrap();
        format!("{head}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .parse()
            .unwrap()
    };
    let access = piiguard::Access::new("ticket 7").with_grant(forged);
    assert!(matches!(
        f.guard.view(&agent, &c, access).map(|_| ()),
        Err(Error::Denied {
            reason: Reason::GrantInvalid
        })
    ));
}

#[test]
fn a_front_ends_refusal_is_one_denied_event_with_its_detail_scrubbed() {
    let f = fixture();
    let (result, events) = f.events(|| {
        f.guard.refuse(
            &nobody(),
            Reason::NoRoute,
            "POST /v1/customers/jane.doe@example.com/cards",
        )
    });
    result.unwrap();
    assert_eq!(events, [(Action::RequestRefused, Outcome::Denied)]);
    let event = f.sink.events.events().pop().unwrap();
    assert_eq!(event.reason, Reason::NoRoute);
    let detail = event.detail.unwrap();
    assert!(!detail.contains("jane.doe"), "{}", &*detail);
    assert!(detail.starts_with("POST /v1/customers/"), "{}", &*detail);
    // A sink that cannot write makes the refusal an error, for the front end to answer 503.
    f.sink.broken.store(true, Ordering::SeqCst);
    assert!(matches!(
        f.guard.refuse(&nobody(), Reason::Unauthenticated, "GET /"),
        Err(Error::Audit { .. })
    ));
}

#[test]
fn the_handles_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Guard>();
    send_sync::<piiguard::view::ViewContext<'static>>();
    send_sync::<piiguard::view::Viewed<'static, Customer>>();
    send_sync::<piiguard::at_rest::StorageKeys<'static>>();
    send_sync::<Error>();
}
