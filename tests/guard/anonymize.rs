//! The anonymized export: each generalization operator on its class, k-anonymity over a
//! batch (small groups suppressed, or the batch refused), no direct identifier in the output,
//! the policy and the audit trail.

use piiguard::audit::{Action, MemorySink, Outcome};
use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::{
    Class, Classified, Error, Guard, Pii, Policy, Principal, Reason, guard::Anonymization,
    lifecycle::Generalize,
};
use std::sync::Arc;

fn today() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::November, 30).unwrap()
}

#[test]
fn each_operator_coarsens_its_class() {
    let g = |how: Generalize, class: Option<Class>, value: &str| how.apply(class, value, today());
    let birth = Some(Class::BirthDate);
    assert_eq!(g(Generalize::ByClass, birth, "1987-06-05").unwrap(), "1987");
    assert_eq!(g(Generalize::Year, birth, "1987-06-05").unwrap(), "1987");
    assert_eq!(
        g(Generalize::AgeBand(10), birth, "1987-06-05").unwrap(),
        "30-39"
    );
    // 40 on 1 December 2026: still 39 the day before.
    assert_eq!(
        g(Generalize::AgeBand(10), birth, "1986-12-01").unwrap(),
        "30-39"
    );
    assert_eq!(
        g(Generalize::AgeBand(10), birth, "1986-11-30").unwrap(),
        "40-49"
    );
    assert_eq!(
        g(Generalize::AgeBand(5), birth, "2020-01-01").unwrap(),
        "5-9"
    );
    let ip = Some(Class::IpAddress);
    assert_eq!(
        g(Generalize::ByClass, ip, "203.0.113.77").unwrap(),
        "203.0.113.0/24"
    );
    assert_eq!(
        g(Generalize::Network(16, 32), ip, "198.51.100.9").unwrap(),
        "198.51.0.0/16"
    );
    assert_eq!(
        g(Generalize::ByClass, ip, "2001:db8:1234:5678::1").unwrap(),
        "2001:db8:1234::/48"
    );
    let geo = Some(Class::GeoLocation);
    assert_eq!(
        g(Generalize::ByClass, geo, "52.5200,13.4050").unwrap(),
        "52.5,13.4"
    );
    assert_eq!(
        g(Generalize::Cell(0), geo, "-33.8688,151.2093").unwrap(),
        "-34,151"
    );
    assert_eq!(g(Generalize::Prefix(3), None, "SW1A 1AA").unwrap(), "SW1*");
    assert_eq!(g(Generalize::Keep, None, "pro").unwrap(), "pro");
    // What is never generalized, and what does not fit its class: typed errors.
    for (how, class, value) in [
        (Generalize::ByClass, Some(Class::Email), "jane@example.com"),
        (Generalize::Prefix(3), Some(Class::Passport), "X87651234"),
        (Generalize::ByClass, Some(Class::Health), "asthma"),
        (Generalize::Year, ip, "203.0.113.77"),
    ] {
        assert!(
            matches!(g(how, class, value), Err(Error::Unsupported { .. })),
            "{how:?} {class:?}"
        );
    }
    assert!(matches!(
        g(Generalize::Year, birth, "05/06/1987"),
        Err(Error::InvalidValue { .. })
    ));
}

#[derive(Classified)]
#[pii(subject = id)]
struct Patient {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = birth_date, quasi = age_band(10))]
    born: Pii<String>,
    #[pii(class = ip_address, quasi)]
    last_ip: Pii<String>,
    #[pii(quasi = prefix(3))]
    postcode: String,
    #[pii(class = health)]
    diagnosis: Pii<String>,
    plan: String,
}

const POLICY: &str = r#"
version = "anon-1"
[[rule]]
roles = ["analyst"]
sensitivities = ["personal", "technical"]
treatment = "hash"

[[rule]]
roles = ["intern"]
classes = ["ip_address"]
treatment = "hash"
"#;

fn guard() -> (Guard, Arc<MemorySink>) {
    let audit = Arc::new(MemorySink::new());
    let keyring = Keyring::builder()
        .environment(Environment::Prod)
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    let guard = Guard::builder(keyring)
        .policy(Policy::from_toml(POLICY).unwrap())
        .audit(audit.clone())
        .build()
        .unwrap();
    (guard, audit)
}

fn who(role: &str) -> Principal {
    Principal::new(&format!("{role}-1"))
        .role(role)
        .in_environment(Environment::Prod)
}

fn patient(id: u64, born: &str, ip: &str, postcode: &str) -> Patient {
    Patient {
        id,
        name: Pii::new(format!("Patient Number{id}")),
        email: Pii::new(format!("patient{id}@example.com")),
        born: Pii::new(born.into()),
        last_ip: Pii::new(ip.into()),
        postcode: postcode.into(),
        diagnosis: Pii::new("asthma".into()),
        plan: "basic".into(),
    }
}

/// Five patients share (30-39, 203.0.113.0/24, SW1*); two are alone in their groups.
fn batch() -> Vec<Patient> {
    let mut out: Vec<Patient> = (1..=5)
        .map(|i| {
            patient(
                i,
                &format!("19{}-0{i}-1{i}", 88 + (i % 3)),
                &format!("203.0.113.{}", 10 * i),
                "SW1A 1AA",
            )
        })
        .collect();
    out.push(patient(6, "1950-02-03", "203.0.113.99", "SW1A 2BB"));
    out.push(patient(7, "1990-04-04", "198.51.100.1", "EC1A 1BB"));
    out
}

#[test]
fn small_groups_are_suppressed_and_no_direct_identifier_leaves() {
    let (guard, audit) = guard();
    let records = batch();
    let out = guard
        .anonymize(
            &who("analyst"),
            &records,
            &Anonymization::k(3).on(today()),
            "research",
        )
        .unwrap();
    assert_eq!((out.rows.len(), out.suppressed, out.groups), (5, 2, 1));
    let row = &out.rows[0];
    let keys: Vec<&str> = row.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["born", "last_ip", "plan", "postcode"],
        "serde_json sorts keys"
    );
    assert_eq!(row["born"], "30-39");
    assert_eq!(row["last_ip"], "203.0.113.0/24");
    assert_eq!(row["postcode"], "SW1*");
    assert_eq!(row["plan"], "basic");
    let text = serde_json::to_string(&out.rows).unwrap();
    for id in 1..=records.len() {
        for leak in [
            format!("patient{id}@example.com"),
            format!("Number{id}"),
            "asthma".to_owned(),
        ] {
            assert!(!text.contains(&leak), "{leak} in {text}");
        }
    }
    assert!(!text.contains("\"id\""));
    let event = audit.events().pop().unwrap();
    assert_eq!(
        (event.action, event.outcome),
        (Action::AnonymizedExport, Outcome::Allowed)
    );
    assert_eq!(
        event.detail.as_deref(),
        Some("k=3 rows=7 kept=5 suppressed=2 groups=1")
    );
    assert_eq!(event.object.record.as_deref(), Some("Patient"));
    // Stored records (envelopes) export the same.
    let stored: Vec<Patient> = records
        .iter()
        .map(|p| {
            guard
                .storage()
                .from_json(&guard.storage().to_json(p).unwrap())
                .unwrap()
        })
        .collect();
    let again = guard
        .anonymize(
            &who("analyst"),
            &stored,
            &Anonymization::k(3).on(today()),
            "research",
        )
        .unwrap();
    assert_eq!(again.rows, out.rows);
}

#[test]
fn refusing_small_groups_and_the_policy_are_audited() {
    let (guard, audit) = guard();
    let records = batch();
    let refused = guard.anonymize(
        &who("analyst"),
        &records,
        &Anonymization::k(3).refuse_small_groups().on(today()),
        "research",
    );
    assert!(
        matches!(refused, Err(Error::TooFewRows { groups: 2, k: 3 })),
        "{refused:?}"
    );
    let event = audit.events().pop().unwrap();
    assert_eq!(
        (event.outcome, event.reason),
        (Outcome::Denied, Reason::SmallGroups)
    );
    // k = 1: every row kept.
    let all = guard
        .anonymize(
            &who("analyst"),
            &records,
            &Anonymization::k(1).on(today()),
            "research",
        )
        .unwrap();
    assert_eq!((all.rows.len(), all.suppressed, all.groups), (7, 0, 3));
    // The intern may not even have pseudonyms of birth dates: denied before anything opens.
    let denied = guard.anonymize(&who("intern"), &records, &Anonymization::k(3), "research");
    assert!(matches!(denied, Err(Error::Denied { .. })));
    let event = audit.events().pop().unwrap();
    assert_eq!(
        (event.action, event.outcome),
        (Action::AnonymizedExport, Outcome::Denied)
    );
    assert_eq!(event.object.field.as_deref(), Some("born"));
}
