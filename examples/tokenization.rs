//! Tokenization: a card and a passport kept as tokens at rest, a lookup by convergent token,
//! a detokenization under policy (audited as `detokenize`), and shredding.
//!
//! ```text
//! cargo run --example tokenization
//! ```
//!
//! All in memory here; `Guard::open_local` or `Guard::shared` keep the tokens in the store.

use piiguard::audit::{Action, MemorySink};
use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::token::{FormatPreserving, MemoryTokenStore, TokenFormat, TokenKey};
use piiguard::{Access, Classified, Error, Guard, Pii, Policy, Principal};
use std::sync::Arc;

const POLICY: &str = r#"
version = "tokens-example-1"
admin_roles = ["admin"]

[[rule]]
roles = ["payments"]
classes = ["card_number"]
treatment = "reveal"

[[rule]]
roles = ["support"]
sensitivities = ["personal", "sensitive"]
treatment = "mask"
"#;

/// The application's table: the card is a token (expiring in a year), never the number.
#[derive(Classified)]
#[pii(subject = id)]
struct Payment {
    id: u64,
    #[pii(class = card_number, storage = tokenize, token_ttl_days = 365)]
    card: Pii<String>,
}

/// Passports seen at check-in, looked up by convergent token: equal passports, equal tokens.
#[derive(Classified)]
struct CheckIn {
    #[pii(class = passport, storage = tokenize, convergent)]
    passport: Pii<String>,
    gate: String,
}

fn main() -> Result<(), Error> {
    let audit = Arc::new(MemorySink::new());
    let tokens = Arc::new(MemoryTokenStore::new());
    let keyring = Keyring::builder()
        .environment(Environment::Prod)
        .store(MemoryKeyStore::new())
        .build()?;
    let guard = Guard::builder(keyring)
        .policy(Policy::from_toml(POLICY)?)
        .audit(audit.clone())
        .tokens(tokens.clone())
        .build()?;

    // 1. The card at rest: a token in the row, its envelope in the token store.
    let row = guard.storage().to_json(&Payment {
        id: 42,
        card: Pii::new("4111 1111 1111 1111".into()),
    })?;
    println!("stored row:      {row}");
    assert!(!row.contains("4111"));

    // 2. Passports by convergent token: the lookup needs no detokenization.
    let seen = guard.storage().to_json(&CheckIn {
        passport: Pii::new("X1234567L".into()),
        gate: "B12".into(),
    })?;
    let token = guard
        .storage()
        .convergent_token::<CheckIn>("passport", "X1234567L")?;
    println!("check-in row:    {seen}");
    println!(
        "lookup by token: found = {}",
        token.is_some_and(|t| seen.contains(&t))
    );

    // 3. Detokenize under policy: payments may, support may not; both audited.
    let back: Payment = guard.storage().from_json(&row)?;
    let payments = Principal::new("charge-service")
        .role("payments")
        .in_environment(Environment::Prod);
    let card = guard.reveal(
        &payments,
        &back,
        |p| &p.card,
        Access::new("charge").justified_by("order 4411"),
    )?;
    println!(
        "payments sees:   a card ending in {}",
        &card.expose()[card.expose().len() - 4..]
    );
    let support = Principal::new("agent-7")
        .role("support")
        .in_environment(Environment::Prod);
    let denied = guard.reveal(&support, &back, |p| &p.card, "ticket 99");
    match denied {
        Ok(_) => println!("support gets:    the card (wrong)"),
        Err(e) => println!("support gets:    {e}"),
    }
    let detokenized = audit
        .events()
        .iter()
        .filter(|e| e.action == Action::Detokenize)
        .count();
    println!("audit:           {detokenized} detokenize events (one allowed, one denied)");

    // 4. Format-preserving tokens, without a vault: FF1 keeps the last four and the format,
    //    and the token fails Luhn so it is never taken for a card.
    let display = FormatPreserving::new(
        &TokenKey::from_bytes([7; 32]),
        TokenFormat::Card {
            keep_first_six: false,
        },
        b"receipts.card",
    )?;
    println!(
        "FF1 card token:  {}",
        display.tokenize("4111 1111 1111 1111")?
    );

    // 5. Shredding: forgetting the customer deletes its tokens; the row no longer resolves.
    let admin = Principal::new("ops-1")
        .role("admin")
        .in_environment(Environment::Prod);
    guard.admin(&admin).forget_subject(&42u64)?;
    println!(
        "after forgetting: {}",
        match guard.storage().from_json::<Payment>(&row) {
            Err(e) => e.to_string(),
            Ok(_) => "still readable (wrong)".into(),
        }
    );
    Ok(())
}
