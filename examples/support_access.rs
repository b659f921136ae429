//! A support agent and a customer's passport: masked data by default, a denied reveal, a
//! break-glass request with a justification, an approval, a reveal under the grant, the grant
//! expiring — and the audit trail of all of it, printed and verified.
//!
//! Run with `cargo run --example support_access` (works in a temporary directory).

use piiguard::{Access, Classified, GrantRequest, Guard, Pii, Principal};
use std::time::Duration;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    plan: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("piiguard-support-{}", std::process::id()));
    let guard = Guard::open_local(&dir)?;

    // The customer record as the application stores and loads it: encrypted at rest.
    let signup = Customer {
        id: 4411,
        name: Pii::new("Jane Doe".into()),
        email: Pii::new("jane.doe@example.com".into()),
        passport: Pii::new("X12345678".into()),
        plan: "pro".into(),
    };
    let customer: Customer = guard
        .storage()
        .from_json(&guard.storage().to_json(&signup)?)?;

    let agent = Principal::new("agent-17").role("support");
    let lead = Principal::new("lead-3").role("security");

    println!("== 1. The agent opens the customer's page: masked data only");
    let page = guard.view(&agent, &customer, "customer_support")?;
    println!("{}", *page.to_json()?);

    println!("\n== 2. The agent tries to see the passport");
    match guard.reveal(&agent, &customer, |c| &c.passport, "customer_support") {
        Ok(_) => println!("unexpected: revealed without a grant"),
        Err(e) => println!("refused: {e}"),
    }

    println!("\n== 3. The agent asks for break-glass access, with a justification");
    let request = GrantRequest::new(
        "ticket 4411: customer asks to verify the passport on file",
        Duration::from_secs(2),
    )
    .subject("4411")
    .class("passport");
    let request_id = guard.request_access(&agent, request)?;
    println!("request {request_id} is waiting for an approver");

    println!("\n== 4. The security lead approves it (nobody approves their own request)");
    match guard.admin(&agent).approve(&request_id) {
        Ok(_) => println!("unexpected: self-approval"),
        Err(e) => println!("the agent approving it: {e}"),
    }
    let grant = guard.admin(&lead).approve(&request_id)?;
    println!("granted: {grant:?}");

    println!("\n== 5. The agent reveals the passport under the grant");
    let access = Access::new("customer_support")
        .justified_by("ticket 4411")
        .with_grant(grant.clone());
    let passport = guard.reveal(&agent, &customer, |c| &c.passport, access.clone())?;
    println!(
        "passport on file: {} (wiped when dropped)",
        passport.expose()
    );
    drop(passport);
    match guard.reveal(&agent, &customer, |c| &c.email, access.clone()) {
        Ok(_) => println!("unexpected: the grant covered the email too"),
        Err(e) => println!("the same grant for the email: {e}"),
    }

    println!("\n== 6. Two seconds later the grant has expired");
    std::thread::sleep(Duration::from_millis(2100));
    match guard.reveal(&agent, &customer, |c| &c.passport, access) {
        Ok(_) => println!("unexpected: an expired grant still works"),
        Err(e) => println!("refused: {e}"),
    }

    // The trail lives in the store; exported as JSON lines (the same chained lines).
    let export = dir.join("audit-export.jsonl");
    piiguard::store::SqliteStore::open(dir.join("store.db"))?
        .audit(guard.keyring())?
        .export_jsonl(&export)?;
    println!("\n== 7. The audit trail (exported to {})", export.display());
    let log = std::fs::read_to_string(&export)?;
    for line in log.lines() {
        let event: serde_json::Value = serde_json::from_str(line)?;
        let text = |key: &str| event[key].as_str().unwrap_or("").to_owned();
        println!(
            "#{:<2} {:<13} {:<7} {:<20} {:<9} {:<9} {:<13} {}",
            event["seq"],
            text("action"),
            text("outcome"),
            text("reason"),
            event["principal"]["id"].as_str().unwrap_or(""),
            event["object"]["field"].as_str().unwrap_or("-"),
            text("purpose"),
            text("justification"),
        );
    }
    let report = guard.verify_audit()?;
    println!(
        "verified: {} events, chain head {}…",
        report.events,
        &report.head.mac[..16]
    );

    drop(guard);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
