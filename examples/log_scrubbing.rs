//! An application that logs through `tracing` (and through the `log` crate, bridged), with the
//! scrubbing writer in front of its fmt subscriber:
//!
//! - classified records and fields are masked by their own `Debug`/`Display`, with `?` or `%`;
//! - raw strings that carry personal data — a request body, an error from a library — are
//!   scrubbed by the writer before they reach the terminal;
//! - the guard's audit events go to the same log through the `tracing` audit sink.
//!
//! Run with `cargo run --example log_scrubbing --features tracing`.

use piiguard::audit::TracingSink;
use piiguard::keys::{Environment, Keyring};
use piiguard::scrub::Scrubbed;
use piiguard::{Class, Classified, Guard, Pii, Policy, Principal};

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = card_number)]
    card: Pii<String>,
    plan: String,
}

const POLICY: &str = r#"
version = "log-demo"

[[rule]]
roles = ["support"]
classes = ["email"]
treatment = "reveal"
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `log` records reach the subscriber through tracing-log's bridge.
    tracing_log::LogTracer::init()?;
    let subscriber = tracing_subscriber::fmt()
        .with_writer(Scrubbed::new(std::io::stdout))
        .with_ansi(false)
        .without_time()
        .finish();
    tracing::subscriber::set_global_default(subscriber)?;

    let customer = Customer {
        id: 4411,
        email: Pii::classified(String::from("ada.lovelace@example.com"), Class::Email)?,
        phone: Pii::classified(String::from("+1-555-0142"), Class::Phone)?,
        card: Pii::classified(String::from("4111 1111 1111 1111"), Class::CardNumber)?,
        plan: String::from("pro"),
    };
    println!("== Classified values: masked by the record itself");
    tracing::info!(customer = ?customer, "signup");
    tracing::info!(%customer.email, %customer.phone, "contact details updated");

    println!("\n== Raw strings: scrubbed by the writer");
    let body = r#"{"email":"grace.hopper@example.com","card":"5500 0000 0000 0004"}"#;
    tracing::warn!("request body rejected: {}", body);
    let upstream = "401 from billing: Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    tracing::error!(error = %upstream, "billing call failed");
    log::info!("legacy module: callback to +44 20 7946 0018 from 198.51.100.23");

    println!("\n== Audit events through the same log");
    let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
        .policy(Policy::from_toml(POLICY)?)
        .audit(std::sync::Arc::new(TracingSink))
        .build()?;
    let agent = Principal::new("agent-17").role("support");
    let email = guard.reveal(&agent, &customer, |c| &c.email, "ticket 4411")?;
    let domain = email.expose().rsplit('@').next().map(str::len);
    tracing::info!(domain_len = ?domain, "revealed for the ticket; the value is not logged");
    Ok(())
}
