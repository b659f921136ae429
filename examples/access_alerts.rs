//! A script-like burst of reveals trips the access monitor: up to 100 reveals a day is normal,
//! above 100 elevated, above 150 suspicious, and this policy stops the principal at 200 until
//! an operator resets them. A person working normally alongside raises nothing.
//!
//! Run with `cargo run --example access_alerts`.

use piiguard::audit::{Action, MemorySink};
use piiguard::keys::{Environment, Keyring};
use piiguard::{Classified, Guard, Pii, Policy, Principal};
use std::sync::Arc;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

const POLICY: &str = r#"
version = "alerts-demo"
admin_roles = ["admin"]

[[rule]]
roles = ["service", "support"]
classes = ["email"]
treatment = "reveal"

[monitor]
window_secs = 86400
elevated_after = 100
suspicious_after = 150
hard_limit = 200
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let audit = Arc::new(MemorySink::new());
    let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
        .policy(Policy::from_toml(POLICY)?)
        .audit(audit.clone())
        .on_alert(|alert| {
            println!(
                "  ALERT {}: {} at count {} in the last {} h",
                alert.kind.name(),
                alert.principal,
                alert.count,
                alert.window.as_secs() / 3600
            );
        })
        .build()?;

    let customers: Vec<Customer> = (0..250)
        .map(|i| Customer {
            id: i,
            email: Pii::new(format!("customer{i}@example.com")),
        })
        .collect();

    println!("== A person answers 20 tickets");
    let agent = Principal::new("agent-17").role("support");
    for c in &customers[..20] {
        drop(guard.reveal(&agent, c, |c| &c.email, "customer_support")?);
    }
    println!("  no alert");

    println!("\n== A script walks the whole customer table");
    let script = Principal::new("export-job").role("service");
    let mut revealed = 0;
    let mut refused = 0;
    for c in &customers {
        match guard.reveal(&script, c, |c| &c.email, "newsletter") {
            Ok(email) => {
                revealed += 1;
                drop(email);
            }
            Err(_) => refused += 1,
        }
    }
    println!("  {revealed} revealed, {refused} refused once the hard limit was reached");
    println!(
        "  blocked until an operator resets it: {}",
        guard.storage().is_blocked("export-job").unwrap()
    );

    println!("\n== An operator looks into it and resets the principal");
    let operator = Principal::new("ops-1").role("admin");
    guard.admin(&operator).reset_monitor("export-job")?;
    let after = guard.reveal(&script, &customers[0], |c| &c.email, "newsletter");
    println!("  next reveal allowed: {}", after.is_ok());

    let alerts = audit
        .events()
        .iter()
        .filter(|e| e.action == Action::AccessAlert)
        .count();
    println!(
        "\n{} audit events, {alerts} of them access alerts",
        audit.len()
    );
    Ok(())
}
