//! The data lifecycle, with no setup (everything in memory, time simulated):
//! retention rules in the policy and a sweep that erases what is due (a legal hold kept), the
//! deletion register an auditor reads, an anonymized export with k-anonymity, and the data map
//! of this binary with its record-of-processing skeleton.
//!
//! ```text
//! cargo run --example lifecycle
//! ```

use piiguard::audit::MemorySink;
use piiguard::clock::ManualClock;
use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::{Classified, Guard, Pii, Policy, Principal, guard::Anonymization};
use std::sync::Arc;
use std::time::Duration;

#[derive(Classified)]
#[pii(subject = id, stored_in = "postgres:patients")]
struct Patient {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = birth_date, quasi = age_band(10))]
    born: Pii<String>,
    #[pii(quasi = prefix(3))]
    postcode: String,
    #[pii(class = health)]
    diagnosis: Pii<String>,
}

const POLICY: &str = r#"
version = "clinic-1"
admin_roles = ["dpo"]

[[rule]]
roles = ["research"]
classes = ["birth_date"]
treatment = "hash"

[[retention.rule]]
records = ["Patient"]
days = 3650
from = "last_activity"
"#;

fn main() -> Result<(), piiguard::Error> {
    let start = time::OffsetDateTime::from_unix_timestamp(1_577_836_800)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let clock = Arc::new(ManualClock::new(start));
    let keyring = Keyring::builder()
        .environment(Environment::Prod)
        .store(MemoryKeyStore::new())
        .build()?;
    let guard = Guard::builder(keyring)
        .policy(Policy::from_toml(POLICY)?)
        .audit(Arc::new(MemorySink::new()))
        .clock(clock.clone())
        .build()?;
    let dpo = Principal::new("dpo-1")
        .role("dpo")
        .in_environment(Environment::Prod);
    let researcher = Principal::new("res-1")
        .role("research")
        .in_environment(Environment::Prod);

    let patients: Vec<Patient> = (1..=8)
        .map(|id| Patient {
            id,
            name: Pii::new(format!("Patient {id} Example")),
            born: Pii::new(format!("19{}-0{}-15", 80 + id % 3, 1 + id % 9)),
            postcode: if id <= 6 {
                "SW1A 1AA".into()
            } else {
                "EC1A 1BB".into()
            },
            diagnosis: Pii::new("synthetic condition".into()),
        })
        .collect();
    for patient in &patients {
        guard.storage().track(patient)?;
    }

    // 1. An anonymized export: ages in bands, postcodes cut, names and diagnoses omitted;
    //    the two patients alone in their group are suppressed (k = 3).
    let export = guard.anonymize(&researcher, &patients, &Anonymization::k(3), "study-42")?;
    println!(
        "anonymized export: {} rows kept, {} suppressed",
        export.rows.len(),
        export.suppressed
    );
    for row in export.rows.iter().take(3) {
        println!("  {}", serde_json::Value::Object(row.clone()));
    }

    // 2. Retention: patient 1 is under a legal hold; patient 2 came back in year five.
    guard.admin(&dpo).hold_subject(&1u64, "case 2024-17")?;
    clock.advance(Duration::from_secs(5 * 365 * 86_400));
    guard.storage().track(&patients[1])?;
    clock.advance(Duration::from_secs(6 * 365 * 86_400));
    let sweep = guard.admin(&dpo).sweep_retention(100)?;
    println!(
        "\nretention sweep after eleven years: {} erased, {} held, {} kept",
        sweep.erased, sweep.held, sweep.kept
    );

    // 3. The deletion register: what was erased, when and why, without the data.
    let register = guard.storage().deletion_register(100)?;
    println!("deletion register: {} entries", register.len());
    if let Some(entry) = register.first() {
        println!(
            "  subject {} ({}): {} [{}] by {} under policy {}",
            entry.subject,
            entry.reason,
            entry.records,
            entry.classes,
            entry.actor,
            entry.policy_version
        );
    }
    println!(
        "  patient 3 erased: {}",
        !guard.storage().deletions_of(&3u64)?.is_empty()
    );

    // 4. The data map of this binary, and the record of processing's skeleton.
    let map = piiguard::data_map::data_map().with_retention(guard.policy().retention());
    println!("\n{}", map.to_markdown());
    let ropa = map.record_of_processing();
    println!("{}", ropa.lines().take(14).collect::<Vec<_>>().join("\n"));
    Ok(())
}
