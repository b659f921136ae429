//! A mock payment processor to try `piiguard proxy` with, on https://localhost:9443.
//!
//! ```text
//! cargo run -p piiguard-cli --example mock_processor
//! ```
//!
//! It prepares `target/proxy-demo`: a piiguard store whose policy lets the `payments` role
//! detokenize card numbers, a card token of customer 7 in it, the proxy's configuration
//! (`cli/examples/proxy.toml`) and the processor's CA; prints the commands to start the proxy
//! and send it a charge; then serves until stopped, printing what the processor receives —
//! the card number, which only the proxy could have put there.

#[path = "../tests/cli/proxy/mock.rs"]
mod mock;

use piiguard::{Classified, Guard, Pii};
use std::time::Duration;

#[derive(Classified)]
#[pii(subject = customer)]
struct Payment {
    customer: u64,
    #[pii(class = card_number, storage = tokenize)]
    card: Pii<String>,
}

const POLICY: &str = r#"
version = "proxy-demo-1"
admin_roles = ["security"]

[[rule]]
roles = ["payments"]
classes = ["card_number"]
treatment = "detokenize"
purposes = ["payment"]
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/proxy-demo");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("policy.toml"), POLICY)?;
    std::fs::write(dir.join("proxy.toml"), include_str!("proxy.toml"))?;
    let guard = Guard::open_local(&dir)?;
    let payment = Payment {
        customer: 7,
        card: Pii::new("4111111111111111".into()),
    };
    let row: serde_json::Value = serde_json::from_str(&guard.storage().to_json(&payment)?)?;
    drop(guard);
    let token = row["card"].as_str().unwrap_or_default();
    let mock = mock::start_on(9443);
    std::fs::write(dir.join("processor-ca.pem"), &mock.ca_pem)?;
    let dir = dir.canonicalize()?;
    println!("mock processor on https://localhost:{}", mock.port);
    println!("the application's row: {row}");
    println!("\nIn another terminal:");
    println!(
        "  cargo run -p piiguard-cli -- proxy --config {0}/proxy.toml --dir {0}",
        dir.display()
    );
    println!("then:");
    println!(
        "  curl -s http://127.0.0.1:8080/v1/charges -H 'authorization: Bearer demo-checkout-token' \\\n    -H 'content-type: application/json' -d '{{\"customer\":7,\"amount\":1200,\"card\":{{\"number\":\"{token}\"}}}}'"
    );
    let mut shown = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let received = mock.received();
        for request in &received[shown..] {
            println!(
                "processor received {} {}: {}",
                request.method, request.path, request.body
            );
        }
        shown = received.len();
    }
}
