//! The guard end to end: reveals and views under policy, owner and support views, break-glass
//! grants (and every way to misuse one), admin actions, the access monitor — each action with
//! exactly one audit event, and no event, error or `Debug` output holding a value.

use piiguard::at_rest::Forgotten;
use piiguard::audit::{Action, AuditEvent, MemorySink, Outcome};
use piiguard::clock::ManualClock;
use piiguard::keys::{Environment, Keyring, MemoryKeyStore, Purpose};
use piiguard::monitor::{Alert, AlertKind};
use piiguard::{
    Access, Classified, Error, GrantRequest, GrantToken, Guard, Pii, Policy, Principal, Reason,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const POLICY: &str = r#"
version = "test-7"
admin_roles = ["admin"]

[owner]
treatment = "reveal"

[[rule]]
roles = ["support"]
sensitivities = ["technical", "personal"]
treatment = "mask"

[[rule]]
roles = ["support"]
sensitivities = ["sensitive", "special"]
treatment = "redact"

[[rule]]
roles = ["analyst"]
sensitivities = ["personal"]
treatment = "hash"

[[rule]]
roles = ["service"]
sensitivities = ["personal"]
treatment = "reveal"

[[rule]]
roles = ["kyc"]
classes = ["passport"]
treatment = "reveal"

[break_glass]
approvers = ["security"]
max_ttl_secs = 3600

[monitor]
window_secs = 3600
elevated_after = 3
suspicious_after = 5
hard_limit = 7
denials_alert_after = 4
"#;

const EMAIL: &str = "sentinel.q8z@example.com";
const PHONE: &str = "+1-555-0142";
const PASSPORT: &str = "Q8ZPASS42";
const DIAGNOSIS: &str = "sentinel-diagnosis-q8z";
const SENTINELS: [&str; 4] = [EMAIL, PHONE, PASSPORT, DIAGNOSIS];

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    #[pii(class = health)]
    diagnosis: Pii<String>,
    plan: String,
}

fn customer(id: u64) -> Customer {
    Customer {
        id,
        email: Pii::new(EMAIL.into()),
        phone: Pii::new(PHONE.into()),
        passport: Pii::new(PASSPORT.into()),
        diagnosis: Pii::new(DIAGNOSIS.into()),
        plan: "pro".into(),
    }
}

struct Fixture {
    guard: Guard,
    audit: Arc<MemorySink>,
    clock: Arc<ManualClock>,
    alerts: Arc<Mutex<Vec<Alert>>>,
}

fn fixture() -> Fixture {
    let audit = Arc::new(MemorySink::new());
    let clock = Arc::new(ManualClock::new(
        time::OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap(),
    ));
    let alerts = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&alerts);
    let keyring = Keyring::builder()
        .environment(Environment::Prod)
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    let guard = Guard::builder(keyring)
        .policy(Policy::from_toml(POLICY).unwrap())
        .audit(audit.clone())
        .clock(clock.clone())
        .subsystem("support-console")
        .on_alert(move |a| seen.lock().unwrap().push(a.clone()))
        .build()
        .unwrap();
    Fixture {
        guard,
        audit,
        clock,
        alerts,
    }
}

fn prod(id: &str, role: &str) -> Principal {
    Principal::new(id)
        .role(role)
        .in_environment(Environment::Prod)
}

/// The last event that is not an access alert.
fn last(audit: &MemorySink) -> AuditEvent {
    audit
        .events()
        .into_iter()
        .rev()
        .find(|e| e.action != Action::AccessAlert)
        .expect("an event")
}

fn assert_no_sentinel(text: &str) {
    for s in SENTINELS {
        assert!(!text.contains(s), "sentinel {s} leaked into: {text}");
    }
}

/// Runs `action` and checks it wrote exactly one event, of this action and outcome.
fn exactly_one<R>(
    f: &Fixture,
    action: Action,
    outcome: Outcome,
    run: impl FnOnce() -> R,
) -> (R, AuditEvent) {
    let before = f.audit.len();
    let result = run();
    assert_eq!(
        f.audit.len(),
        before + 1,
        "{action} wrote a wrong number of events"
    );
    let event = last(&f.audit);
    assert_eq!(
        (event.action, event.outcome),
        (action, outcome),
        "{event:?}"
    );
    (result, event)
}

#[test]
fn every_action_writes_exactly_one_event_with_the_elements_an_auditor_needs() {
    let f = fixture();
    let c = customer(42);
    let service = prod("mailer", "service");
    let agent = prod("agent-17", "support").in_region("eu");
    let lead = prod("lead-3", "security");
    let admin = prod("ops-1", "admin");

    let (revealed, event) = exactly_one(&f, Action::Reveal, Outcome::Allowed, || {
        f.guard
            .reveal(&service, &c, |c| &c.email, "send_receipt")
            .unwrap()
    });
    assert_eq!(revealed.expose(), EMAIL);
    assert_eq!(event.reason, Reason::RoleRule);
    assert_eq!(event.principal.id, "mailer");
    assert_eq!(event.principal.roles, ["service"]);
    assert_eq!(event.principal.environment, "prod");
    assert_eq!(event.object.record.as_deref(), Some("Customer"));
    assert_eq!(event.object.field.as_deref(), Some("email"));
    assert_eq!(event.object.class.as_deref(), Some("email"));
    assert_eq!(event.object.subject.as_deref(), Some("42"));
    assert_eq!(event.purpose.as_deref(), Some("send_receipt"));
    assert_eq!(event.policy_version, "test-7");
    assert_eq!(event.subsystem, "support-console");
    assert_eq!(event.time, "2026-11-18T11:06:40.000000Z");

    let (denied, event) = exactly_one(&f, Action::Reveal, Outcome::Denied, || {
        f.guard.reveal(&agent, &c, |c| &c.email, "customer_support")
    });
    assert!(matches!(
        denied,
        Err(Error::Denied {
            reason: Reason::RevealNotPermitted
        })
    ));
    assert_eq!(event.reason, Reason::RevealNotPermitted);
    assert_eq!(event.principal.region.as_deref(), Some("eu"));

    let (_, event) = exactly_one(&f, Action::View, Outcome::Allowed, || {
        f.guard.view(&agent, &c, "customer_support").unwrap()
    });
    assert_eq!(
        event.detail.as_deref(),
        Some(
            "email=mask(role_rule),phone=mask(role_rule),passport=redact(role_rule),\
             diagnosis=redact(role_rule)"
        )
    );

    // A view that discloses nothing is recorded as a denial (and still serializes, redacted).
    let (nothing, event) = exactly_one(&f, Action::View, Outcome::Denied, || {
        f.guard
            .view(&prod("visitor", "guest"), &c, "browsing")
            .unwrap()
            .to_json()
            .unwrap()
    });
    assert!(nothing.contains("[REDACTED:email]"));
    assert_eq!(event.reason, Reason::NoMatchingRule);

    let request = GrantRequest::new("ticket 4411: identity check", Duration::from_secs(600))
        .subject("42")
        .class("passport");
    let (id, event) = exactly_one(&f, Action::GrantRequest, Outcome::Allowed, || {
        f.guard.request_access(&agent, request).unwrap()
    });
    assert_eq!(
        event.justification.as_deref(),
        Some("ticket 4411: identity check")
    );
    assert_eq!(event.grant.as_deref(), Some(id.as_str()));

    let (token, event) = exactly_one(&f, Action::Grant, Outcome::Allowed, || {
        f.guard.admin(&lead).approve(&id).unwrap()
    });
    assert_eq!(event.grant.as_deref(), Some(token.id()));
    assert_eq!(event.reason, Reason::Approver);

    let access = Access::new("customer_support")
        .justified_by("ticket 4411")
        .with_grant(token.clone());
    let (passport, event) = exactly_one(&f, Action::Reveal, Outcome::Allowed, || {
        f.guard
            .reveal(&agent, &c, |c| &c.passport, access.clone())
            .unwrap()
    });
    assert_eq!(passport.expose(), PASSPORT);
    assert_eq!(event.reason, Reason::BreakGlass);
    assert_eq!(event.grant.as_deref(), Some(token.id()));
    drop(passport);

    exactly_one(&f, Action::GrantRevoke, Outcome::Allowed, || {
        f.guard.admin(&lead).revoke(&token).unwrap();
    });

    let (info, event) = exactly_one(&f, Action::KeyRotation, Outcome::Allowed, || {
        f.guard
            .admin(&admin)
            .rotate_key(Purpose::FieldEncryption)
            .unwrap()
    });
    assert_eq!(info.version, 2);
    // Recorded before the rotation is carried out: it names what is rotated, where.
    assert_eq!(event.detail.as_deref(), Some("field in local"));
    exactly_one(&f, Action::KeyRotation, Outcome::Denied, || {
        assert!(
            f.guard
                .admin(&agent)
                .rotate_key(Purpose::FieldEncryption)
                .is_err()
        );
    });

    let stored = f.guard.storage().to_json(&c).unwrap();
    let (forgotten, event) = exactly_one(&f, Action::SubjectErasure, Outcome::Allowed, || {
        f.guard.admin(&admin).forget_subject(&42).unwrap()
    });
    assert_eq!(forgotten, Forgotten::Destroyed);
    assert_eq!(event.object.subject.as_deref(), Some("42"));
    exactly_one(&f, Action::SubjectErasure, Outcome::Denied, || {
        assert!(f.guard.admin(&agent).forget_subject(&43).is_err());
    });

    // A reveal that is allowed but cannot open (the subject was erased) is one `failed` event.
    let back: Customer = f.guard.storage().from_json(&stored).unwrap();
    let (failed, event) = exactly_one(&f, Action::Reveal, Outcome::Failed, || {
        f.guard
            .reveal(&service, &back, |c| &c.email, "send_receipt")
    });
    assert_eq!(failed.err(), Some(Error::SubjectForgotten));
    assert_eq!(event.reason, Reason::OpenFailed);

    for event in f.audit.events() {
        assert_no_sentinel(&serde_json::to_string(&event).unwrap());
    }
}

#[test]
fn owner_and_support_views_of_the_same_record() {
    let f = fixture();
    let c = customer(42);
    let owner = Principal::new("user-42")
        .as_subject("42")
        .in_environment(Environment::Prod);
    let agent = prod("agent-17", "support");
    let stranger = Principal::new("user-43")
        .as_subject("43")
        .in_environment(Environment::Prod);

    let expected_owner = serde_json::json!({
        "id": 42, "email": EMAIL, "phone": PHONE, "passport": PASSPORT,
        "diagnosis": DIAGNOSIS, "plan": "pro"
    });
    let expected_support = serde_json::json!({
        "id": 42, "email": "s***@example.com", "phone": "***-0142",
        "passport": "[REDACTED:passport]", "diagnosis": "[REDACTED:health]", "plan": "pro"
    });
    let expected_stranger = serde_json::json!({
        "id": 42, "email": "[REDACTED:email]", "phone": "[REDACTED:phone]",
        "passport": "[REDACTED:passport]", "diagnosis": "[REDACTED:health]", "plan": "pro"
    });
    // Fresh in memory, and loaded back from storage (values still encrypted at rest).
    let stored: Customer = f
        .guard
        .storage()
        .from_json(&f.guard.storage().to_json(&c).unwrap())
        .unwrap();
    for record in [&c, &stored] {
        let json = |p: &Principal| -> serde_json::Value {
            let view = f.guard.view(p, record, "self_service").unwrap();
            serde_json::from_str(&view.to_json().unwrap()).unwrap()
        };
        assert_eq!(json(&owner), expected_owner);
        let support = json(&agent);
        assert_eq!(support["passport"], expected_support["passport"]);
        assert_eq!(support["diagnosis"], expected_support["diagnosis"]);
        assert_eq!(support["email"], expected_support["email"]);
        assert_no_sentinel(&support.to_string());
        assert_eq!(json(&stranger), expected_stranger);
    }
    // The owner's reveal is audited with the owner reason.
    let email = f
        .guard
        .reveal(&owner, &c, |c| &c.email, "self_service")
        .unwrap();
    assert_eq!(email.expose(), EMAIL);
    assert_eq!(last(&f.audit).reason, Reason::Owner);
}

#[test]
fn analysts_get_pseudonyms_and_principals_of_another_environment_get_nothing() {
    let f = fixture();
    let c = customer(42);
    let analyst = prod("an-1", "analyst");
    let view = f.guard.view(&analyst, &c, "analytics").unwrap();
    let json: serde_json::Value = serde_json::from_str(&view.to_json().unwrap()).unwrap();
    assert!(json["email"].as_str().unwrap().starts_with("ps."), "{json}");
    // Pseudonyms are stable: the same value gives the same pseudonym.
    let again: serde_json::Value = serde_json::from_str(
        &f.guard
            .view(&analyst, &customer(42), "analytics")
            .unwrap()
            .to_json()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(json["email"], again["email"]);

    let dev_service = Principal::new("mailer").role("service");
    assert!(matches!(
        f.guard
            .reveal(&dev_service, &c, |c| &c.email, "send_receipt"),
        Err(Error::Denied {
            reason: Reason::EnvironmentMismatch
        })
    ));
}

#[test]
fn justification_is_required_for_sensitive_reveals() {
    let f = fixture();
    let c = customer(42);
    let kyc = prod("kyc-1", "kyc");
    assert!(matches!(
        f.guard.reveal(&kyc, &c, |c| &c.passport, "identity_check"),
        Err(Error::Denied {
            reason: Reason::JustificationRequired
        })
    ));
    let access = Access::new("identity_check").justified_by("   ");
    assert!(f.guard.reveal(&kyc, &c, |c| &c.passport, access).is_err());
    let access = Access::new("identity_check").justified_by("case 99");
    let passport = f.guard.reveal(&kyc, &c, |c| &c.passport, access).unwrap();
    assert_eq!(passport.expose(), PASSPORT);
    assert_eq!(last(&f.audit).justification.as_deref(), Some("case 99"));
}

#[test]
fn personal_data_typed_into_purposes_and_justifications_is_scrubbed_from_the_trail() {
    let f = fixture();
    let c = customer(42);
    let kyc = prod("kyc-1", "kyc");
    let access = Access::new("identity_check for +1-555-0142")
        .justified_by("customer ada.sentinel@example.com called, card 4111 1111 1111 1111");
    f.guard.reveal(&kyc, &c, |c| &c.passport, access).unwrap();
    let event = last(&f.audit);
    assert_eq!(
        event.justification.as_deref(),
        Some("customer [REDACTED:email] called, card [REDACTED:card_number]")
    );
    assert_eq!(
        event.purpose.as_deref(),
        Some("identity_check for [REDACTED:phone]")
    );

    let request = GrantRequest::new(
        "ticket 9: ada.sentinel@example.com locked out",
        Duration::from_secs(60),
    )
    .subject("42")
    .class("passport");
    let id = f
        .guard
        .request_access(&prod("agent-17", "support"), request)
        .unwrap();
    f.guard
        .admin(&prod("lead-3", "security"))
        .approve(&id)
        .unwrap();
    for event in f.audit.events() {
        assert!(
            !serde_json::to_string(&event)
                .unwrap()
                .contains("ada.sentinel")
        );
    }
}

/// Requests, approves and returns a grant for `agent` on subject 42's passport.
fn grant(f: &Fixture, agent: &Principal, ttl: u64) -> GrantToken {
    let request = GrantRequest::new("ticket 9", Duration::from_secs(ttl))
        .subject("42")
        .class("passport");
    let id = f.guard.request_access(agent, request).unwrap();
    f.guard
        .admin(&prod("lead-3", "security"))
        .approve(&id)
        .unwrap()
}

fn refused_with(f: &Fixture, result: Result<impl Sized, Error>, reason: Reason) {
    assert!(
        matches!(result, Err(Error::Denied { reason: r }) if r == reason),
        "expected {reason}"
    );
    let event = last(&f.audit);
    assert_eq!((event.outcome, event.reason), (Outcome::Denied, reason));
}

#[test]
fn misused_grants_are_refused_and_audited() {
    let f = fixture();
    let c = customer(42);
    let agent = prod("agent-17", "support");
    let token = grant(&f, &agent, 600);
    let with = |t: &GrantToken| Access::new("customer_support").with_grant(t.clone());

    // Tampered: one character changed in the claims, and in the MAC.
    let text = token.as_str();
    let claims_at = "pgg1.".len() + 3;
    let mac_at = text.len() - 3;
    for at in [claims_at, mac_at] {
        let mut bytes = text.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(bytes).unwrap();
        if let Ok(forged) = GrantToken::parse(&forged) {
            let r = f.guard.reveal(&agent, &c, |c| &c.passport, with(&forged));
            refused_with(&f, r, Reason::GrantInvalid);
        }
    }
    assert!(GrantToken::parse("pgg1.nonsense").is_err());
    // A token signed by another keyring is invalid here.
    let other = fixture();
    let foreign = grant(&other, &agent, 600);
    let r = f.guard.reveal(&agent, &c, |c| &c.passport, with(&foreign));
    refused_with(&f, r, Reason::GrantInvalid);

    // Out of scope: another subject, another class, another principal presenting it.
    let r = f
        .guard
        .reveal(&agent, &customer(43), |c| &c.passport, with(&token));
    refused_with(&f, r, Reason::GrantOutOfScope);
    let r = f.guard.reveal(&agent, &c, |c| &c.diagnosis, with(&token));
    refused_with(&f, r, Reason::GrantOutOfScope);
    let r = f.guard.reveal(
        &prod("agent-99", "support"),
        &c,
        |c| &c.passport,
        with(&token),
    );
    refused_with(&f, r, Reason::GrantOutOfScope);

    // In scope: allowed.
    assert!(
        f.guard
            .reveal(&agent, &c, |c| &c.passport, with(&token))
            .is_ok()
    );

    // Revoked.
    f.guard.admin(&agent).revoke(&token).unwrap();
    assert_eq!(last(&f.audit).reason, Reason::Holder);
    let r = f.guard.reveal(&agent, &c, |c| &c.passport, with(&token));
    refused_with(&f, r, Reason::GrantRevoked);

    // Expired.
    let short = grant(&f, &agent, 60);
    assert!(
        f.guard
            .reveal(&agent, &c, |c| &c.passport, with(&short))
            .is_ok()
    );
    f.clock.advance(Duration::from_secs(60));
    let r = f.guard.reveal(&agent, &c, |c| &c.passport, with(&short));
    refused_with(&f, r, Reason::GrantExpired);
    assert_eq!(last(&f.audit).grant.as_deref(), Some(short.id()));

    // In a view, a grant reveals what it covers and the policy decides the rest.
    let fresh = grant(&f, &agent, 600);
    let view = f.guard.view(&agent, &c, with(&fresh)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&view.to_json().unwrap()).unwrap();
    assert_eq!(json["passport"], PASSPORT);
    assert_eq!(json["email"], "s***@example.com");
    assert_eq!(json["diagnosis"], "[REDACTED:health]");
}

#[test]
fn requests_and_approvals_are_checked() {
    let f = fixture();
    let agent = prod("agent-17", "support");
    let lead = prod("lead-3", "security");
    let ok = || {
        GrantRequest::new("ticket 9", Duration::from_secs(600))
            .subject("42")
            .class("passport")
    };
    for bad in [
        GrantRequest::new("", Duration::from_secs(600))
            .subject("42")
            .class("passport"),
        GrantRequest::new("ticket 9", Duration::from_secs(600)).class("passport"),
        GrantRequest::new("ticket 9", Duration::from_secs(600)).subject("42"),
        GrantRequest::new("ticket 9", Duration::from_secs(7200))
            .subject("42")
            .class("passport"),
    ] {
        let r = f.guard.request_access(&agent, bad);
        refused_with(&f, r, Reason::RequestInvalid);
    }
    let id = f.guard.request_access(&agent, ok()).unwrap();
    let r = f.guard.admin(&prod("agent-18", "support")).approve(&id);
    refused_with(&f, r, Reason::NotApprover);
    let self_request = f.guard.request_access(&lead, ok()).unwrap();
    let r = f.guard.admin(&lead).approve(&self_request);
    refused_with(&f, r, Reason::SelfApproval);
    assert!(f.guard.admin(&lead).approve(&id).is_ok());
    // A request is approved once.
    let r = f.guard.admin(&lead).approve(&id);
    refused_with(&f, r, Reason::UnknownRequest);
    // Only approvers and the holder revoke.
    let token = grant(&f, &agent, 600);
    let r = f.guard.admin(&prod("agent-18", "support")).revoke(&token);
    refused_with(&f, r, Reason::NotApprover);
}

#[test]
fn the_monitor_alerts_at_the_thresholds_and_the_hard_limit_denies_until_reset() {
    let f = fixture();
    let c = customer(42);
    let service = prod("batch-job", "service");
    let mut outcomes = Vec::new();
    for _ in 0..8 {
        outcomes.push(
            f.guard
                .reveal(&service, &c, |c| &c.email, "send_receipt")
                .map(|_| ()),
        );
    }
    assert!(outcomes[..7].iter().all(Result::is_ok));
    assert!(matches!(
        outcomes[7],
        Err(Error::Denied {
            reason: Reason::RateLimited
        })
    ));
    let kinds: Vec<(AlertKind, u32)> = f
        .alerts
        .lock()
        .unwrap()
        .iter()
        .map(|a| (a.kind, a.count))
        .collect();
    assert_eq!(
        kinds,
        [
            (AlertKind::Elevated, 4),
            (AlertKind::Suspicious, 6),
            (AlertKind::LimitReached, 7)
        ]
    );
    let alert_events: Vec<AuditEvent> = f
        .audit
        .events()
        .into_iter()
        .filter(|e| e.action == Action::AccessAlert)
        .collect();
    assert_eq!(alert_events.len(), 3);
    assert_eq!(
        alert_events[1].detail.as_deref(),
        Some("suspicious count=6 window_secs=3600")
    );
    // The window passing does not lift the block; a reset does.
    f.clock.advance(Duration::from_secs(7200));
    assert!(
        f.guard
            .reveal(&service, &c, |c| &c.email, "send_receipt")
            .is_err()
    );
    assert!(f.guard.storage().is_blocked("batch-job").unwrap());
    // A view denied as a whole is an error too (a service answers 429), not a page of
    // redacted fields; and it is audited as denied.
    let view = f.guard.view(&service, &c, "send_receipt");
    assert!(matches!(
        view,
        Err(Error::Denied {
            reason: Reason::RateLimited
        })
    ));
    let last = f
        .audit
        .events()
        .into_iter()
        .rev()
        .find(|e| e.action == Action::View)
        .unwrap();
    assert_eq!(
        (last.outcome, last.reason),
        (Outcome::Denied, Reason::RateLimited)
    );
    // Only an admin may lift it, and the reset is audited.
    let service_reset = f.guard.admin(&service).reset_monitor("batch-job");
    assert!(matches!(
        service_reset,
        Err(Error::Denied {
            reason: Reason::NotAdmin
        })
    ));
    f.guard
        .admin(&prod("ops-1", "admin"))
        .reset_monitor("batch-job")
        .unwrap();
    let resets: Vec<AuditEvent> = f
        .audit
        .events()
        .into_iter()
        .filter(|e| e.action == Action::MonitorReset)
        .collect();
    assert_eq!(
        resets.iter().map(|e| e.outcome).collect::<Vec<_>>(),
        [Outcome::Denied, Outcome::Allowed]
    );
    assert!(!f.guard.storage().is_blocked("batch-job").unwrap());
    assert!(
        f.guard
            .reveal(&service, &c, |c| &c.email, "send_receipt")
            .is_ok()
    );
}

#[test]
fn repeated_denials_alert() {
    let f = fixture();
    let c = customer(42);
    let prowler = prod("prowler", "support");
    for _ in 0..5 {
        let _ = f.guard.reveal(&prowler, &c, |c| &c.passport, "curiosity");
    }
    let alerts = f.alerts.lock().unwrap().clone();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].kind, alerts[0].count),
        (AlertKind::RepeatedDenials, 5)
    );
}

#[test]
fn no_error_event_or_debug_output_holds_a_value() {
    let f = fixture();
    let c = customer(42);
    let agent = prod("agent-17", "support");
    let mut shown = Vec::new();
    for role in ["support", "analyst", "service", "kyc", "nobody"] {
        let p = prod("p", role);
        for result in [
            f.guard.reveal(&p, &c, |c| &c.email, "x").map(|_| ()),
            f.guard.reveal(&p, &c, |c| &c.passport, "x").map(|_| ()),
            f.guard.reveal(&p, &c, |c| &c.diagnosis, "x").map(|_| ()),
        ] {
            if let Err(e) = result {
                shown.push(format!("{e} {e:?}"));
            }
        }
        shown.push(format!("{:?}", f.guard.view(&p, &c, "x").unwrap()));
    }
    let token = grant(&f, &agent, 600);
    shown.push(format!("{token:?} {:?} {agent:?} {c:?}", f.guard));
    shown.push(format!(
        "{:?}",
        Access::new("x").justified_by("y").with_grant(token)
    ));
    for event in f.audit.events() {
        shown.push(serde_json::to_string(&event).unwrap());
        shown.push(format!("{event:?}"));
    }
    for text in &shown {
        assert_no_sentinel(text);
    }
    assert!(shown.len() > 20);
}

/// Customers reading their own data are not staff reading other people's: with the staff
/// thresholds at 3 / 5 / 7, eight customers each reading their own record ten times raise no
/// alert and hit no limit; a policy may count owner reads apart, with their own levels.
#[test]
fn owners_reading_their_own_data_are_counted_apart() {
    let f = fixture();
    for id in 0..8u64 {
        let me = prod(&format!("user-{id}"), "customer").as_subject(&id.to_string());
        let c = customer(id);
        for _ in 0..10 {
            let email = f
                .guard
                .reveal(&me, &c, |c| &c.email, "self_service")
                .expect("an owner reads their own data");
            drop(email);
            f.guard.view(&me, &c, "self_service").unwrap();
        }
    }
    assert!(
        f.alerts.lock().unwrap().is_empty(),
        "owner reads raised staff alerts"
    );
    assert!(
        !f.audit
            .events()
            .iter()
            .any(|e| e.action == Action::AccessAlert)
    );

    // Counted apart when the policy asks.
    let policy = POLICY.replace(
        "[monitor]\n",
        "[monitor.owner]\nelevated_after = 4\nsuspicious_after = 8\n\n[monitor]\n",
    );
    let alerts = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&alerts);
    let guard = Guard::builder(
        Keyring::builder()
            .environment(Environment::Prod)
            .store(MemoryKeyStore::new())
            .build()
            .unwrap(),
    )
    .policy(Policy::from_toml(&policy).unwrap())
    .audit(Arc::new(MemorySink::new()))
    .on_alert(move |a| seen.lock().unwrap().push(a.clone()))
    .build()
    .unwrap();
    let me = prod("user-1", "customer").as_subject("1");
    let c = customer(1);
    for _ in 0..6 {
        drop(guard.reveal(&me, &c, |c| &c.email, "self_service").unwrap());
    }
    let kinds: Vec<AlertKind> = alerts.lock().unwrap().iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AlertKind::Elevated]);
    assert!(
        !guard.storage().is_blocked("user-1").unwrap(),
        "the staff hard limit is not the owners'"
    );
}

/// A request nobody approves in time expires: approving it later is a typed, audited denial.
#[test]
fn pending_requests_expire() {
    let f = fixture();
    let agent = prod("agent-3", "support");
    let lead = prod("lead-1", "security");
    let request = GrantRequest::new("ticket 9", Duration::from_secs(600))
        .subject("42")
        .class("passport");
    let id = f.guard.request_access(&agent, request).unwrap();
    f.clock.advance(Duration::from_secs(24 * 60 * 60 + 1));
    let (result, event) = exactly_one(&f, Action::Grant, Outcome::Denied, || {
        f.guard.admin(&lead).approve(&id)
    });
    assert!(matches!(
        result,
        Err(Error::Denied {
            reason: Reason::RequestExpired
        })
    ));
    assert_eq!(event.reason, Reason::RequestExpired);
    // Gone for good: a second attempt does not find it.
    assert!(matches!(
        f.guard.admin(&lead).approve(&id),
        Err(Error::Denied {
            reason: Reason::UnknownRequest
        })
    ));
}
