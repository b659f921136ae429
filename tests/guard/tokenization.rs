//! Vault tokens through the guard: fields stored as `tokenize` are tokens in the storage view
//! (their envelopes in the token store), read back without cleartext, revealed only under
//! policy and audited as `detokenize`; a tampered token, another field's, another subject's,
//! an expired or a forgotten one is refused with a typed error; convergent tokens repeat,
//! random ones do not; forgetting a subject removes its tokens; a token posted as client
//! input is never resolved, and one tenant's token is refused in another. On the embedded
//! SQLite store as well as in memory.

use piiguard::audit::{Action, MemorySink, Outcome};
use piiguard::clock::ManualClock;
use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::token::MemoryTokenStore;
use piiguard::{Access, Classified, Error, Guard, Pii, Policy, Principal};
use std::sync::Arc;
use std::time::Duration;

const POLICY: &str = r#"
version = "tokens-1"
admin_roles = ["admin"]

[[rule]]
roles = ["payments"]
classes = ["card_number", "email"]
treatment = "reveal"

[[rule]]
roles = ["support"]
sensitivities = ["personal", "sensitive"]
treatment = "mask"

[[rule]]
roles = ["proxy"]
classes = ["card_number"]
treatment = "detokenize"
"#;

const EMAIL: &str = "token.sentinel@example.com";
const CARD: &str = "4111111111111111";

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email, storage = tokenize)]
    email: Pii<String>,
    #[pii(class = card_number, storage = tokenize, token_ttl_days = 30)]
    card: Pii<String>,
    #[pii(class = name)]
    name: Pii<String>,
}

/// Convergent tokens suit fields without a subject: a lookup table of known addresses.
#[derive(Classified)]
struct Known {
    #[pii(class = email, storage = tokenize, convergent)]
    email: Pii<String>,
}

fn customer(id: u64) -> Customer {
    Customer {
        id,
        email: Pii::new(EMAIL.into()),
        card: Pii::new(CARD.into()),
        name: Pii::new("Jane Doe".into()),
    }
}

struct Fixture {
    guard: Guard,
    audit: Arc<MemorySink>,
    clock: Arc<ManualClock>,
    tokens: Arc<MemoryTokenStore>,
}

fn fixture() -> Fixture {
    let audit = Arc::new(MemorySink::new());
    let clock = Arc::new(ManualClock::new(
        time::OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap(),
    ));
    let tokens = Arc::new(MemoryTokenStore::new());
    let keyring = Keyring::builder()
        .environment(Environment::Prod)
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    let guard = Guard::builder(keyring)
        .policy(Policy::from_toml(POLICY).unwrap())
        .audit(audit.clone())
        .clock(clock.clone())
        .tokens(tokens.clone())
        .build()
        .unwrap();
    Fixture {
        guard,
        audit,
        clock,
        tokens,
    }
}

fn prod(id: &str, role: &str) -> Principal {
    Principal::new(id)
        .role(role)
        .in_environment(Environment::Prod)
}

fn field(json: &str, name: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value[name].as_str().unwrap().to_owned()
}

fn with_field(json: &str, name: &str, text: &str) -> String {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    value[name] = serde_json::Value::String(text.to_owned());
    value.to_string()
}

/// The card of `back`, revealed to the payments service.
fn payments_reveal(f: &Fixture, back: &Customer) -> Result<String, Error> {
    f.guard
        .reveal(
            &prod("pay-1", "payments"),
            back,
            |c| &c.card,
            Access::new("payment").justified_by("order 4411"),
        )
        .map(|card| card.expose().clone())
}

#[test]
fn the_storage_view_holds_tokens_and_the_store_holds_no_cleartext() {
    let f = fixture();
    let json = f.guard.storage().to_json(&customer(7)).unwrap();
    assert!(!json.contains(EMAIL) && !json.contains(CARD), "{json}");
    let email = field(&json, "email");
    assert!(
        email.starts_with("tok_") && email.ends_with("@tokens.invalid"),
        "{email}"
    );
    let card = field(&json, "card");
    assert!(card.starts_with("tok_") && !card.contains('@'));
    assert!(
        field(&json, "name").starts_with("pg1."),
        "other fields stay envelopes"
    );
    assert_eq!(f.tokens.len(), 2);
    // An email-shaped token is still an email: it passes the class's own validation.
    assert!(piiguard::Class::Email.validate(email.as_bytes()).is_ok());
    // What the store says of a token, without detokenizing it.
    let meta = f
        .guard
        .storage()
        .token_metadata::<Customer>("card", Some(&7), &card)
        .unwrap();
    assert_eq!(
        (meta.class.as_str(), meta.field.as_str()),
        ("card_number", "card")
    );
    assert_eq!(meta.expires, Some(1_795_000_000 + 30 * 86_400));
    assert!(!meta.convergent);
}

#[test]
fn a_token_is_read_back_without_cleartext_and_revealed_under_policy_as_detokenize() {
    let f = fixture();
    let json = f.guard.storage().to_json(&customer(7)).unwrap();
    let back: Customer = f.guard.storage().from_json(&json).unwrap();
    assert!(
        back.email.envelope().is_some(),
        "swapped for its envelope, still encrypted"
    );
    assert_eq!(payments_reveal(&f, &back).unwrap(), CARD);
    let support = prod("agent-1", "support");
    assert!(matches!(
        f.guard.reveal(&support, &back, |c| &c.card, "ticket 1"),
        Err(Error::Denied { .. })
    ));
    let events = f.audit.events();
    let tokenized: Vec<_> = events
        .iter()
        .filter(|e| e.action == Action::Detokenize)
        .collect();
    assert_eq!(tokenized.len(), 2, "one event per attempt");
    assert_eq!(tokenized[0].outcome, Outcome::Allowed);
    assert_eq!(tokenized[1].outcome, Outcome::Denied);
    assert!(
        tokenized
            .iter()
            .all(|e| e.object.field.as_deref() == Some("card"))
    );
    let trail = serde_json::to_string(&events).unwrap();
    assert!(!trail.contains(CARD) && !trail.contains(&field(&json, "card")));
    // Saving what was read keeps the field a token.
    let again = f.guard.storage().to_json(&back).unwrap();
    assert!(field(&again, "card").starts_with("tok_"));
}

#[test]
fn altered_foreign_expired_and_forgotten_tokens_are_refused() {
    let f = fixture();
    let json = f.guard.storage().to_json(&customer(7)).unwrap();
    let card = field(&json, "card");
    let token_error = |json: &str| match f.guard.storage().from_json::<Customer>(json) {
        Err(Error::Token { reason }) => reason,
        other => panic!("expected a token error, got {:?}", other.map(|_| ())),
    };
    // One character changed.
    let mut altered = card.clone().into_bytes();
    let at = altered.len() - 3;
    altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    assert!(token_error(&with_field(&json, "card", &altered)).contains("altered"));
    // Every single character changed, the key version's among them, is refused as altered or
    // as no token at all (never as a key error that would say more than the token does).
    for at in 4..card.len() {
        let mut altered = card.clone().into_bytes();
        altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        let reason = token_error(&with_field(&json, "card", &altered));
        assert!(
            reason.contains("altered") || reason.contains("not a vault token"),
            "character {at}: {reason}"
        );
    }
    // The card's token in the email field: bound to its field.
    let email_as_card = with_field(&json, "email", &card);
    assert!(token_error(&email_as_card).contains("another field"));
    // Another customer's record holding customer 7's token.
    let other = with_field(
        &f.guard.storage().to_json(&customer(8)).unwrap(),
        "card",
        &card,
    );
    assert!(token_error(&other).contains("another subject"));
    // Not a token at all where a token must be.
    assert!(matches!(
        f.guard
            .storage()
            .from_json::<Customer>(&with_field(&json, "card", CARD)),
        Err(Error::NotEncrypted { field: "card" })
    ));
    // Thirty-one days later the card token has expired; the email token has no expiry.
    f.clock.advance(Duration::from_secs(31 * 86_400));
    assert!(token_error(&json).contains("expired"));
    // The sweep tidies both customers' expired card tokens: an admin act, audited.
    let admin = prod("ops-1", "admin");
    assert!(matches!(
        f.guard
            .admin(&prod("agent-1", "support"))
            .sweep_expired_tokens(100),
        Err(Error::Denied { .. })
    ));
    assert_eq!(f.guard.admin(&admin).sweep_expired_tokens(1).unwrap(), 1);
    assert_eq!(f.guard.admin(&admin).sweep_expired_tokens(100).unwrap(), 1);
    assert_eq!(
        f.tokens.len(),
        2,
        "the email tokens, which have no expiry, are kept"
    );
    let sweeps = f
        .audit
        .events()
        .into_iter()
        .filter(|e| e.action == Action::TokenSweep)
        .map(|e| e.outcome)
        .collect::<Vec<_>>();
    assert_eq!(
        sweeps,
        [Outcome::Denied, Outcome::Allowed, Outcome::Allowed]
    );
    f.clock.advance(Duration::from_secs(0));
    // Forgetting the subject removes its tokens: the email token is now unknown.
    let fresh = f.guard.storage().to_json(&customer(9)).unwrap();
    f.guard.admin(&admin).forget_subject(&9).unwrap();
    assert!(token_error(&fresh).contains("unknown"));
    // No error says anything of the value or the token.
    let error = f.guard.storage().from_json::<Customer>(&fresh).unwrap_err();
    assert!(!format!("{error:?}{error}").contains("tok_"));
}

#[test]
fn convergent_tokens_repeat_and_random_ones_do_not() {
    let f = fixture();
    let a = f
        .guard
        .storage()
        .to_json(&Known {
            email: Pii::new(EMAIL.into()),
        })
        .unwrap();
    let b = f
        .guard
        .storage()
        .to_json(&Known {
            email: Pii::new(EMAIL.to_uppercase()),
        })
        .unwrap();
    assert_eq!(
        field(&a, "email"),
        field(&b, "email"),
        "normalized, then looked up"
    );
    let c = f
        .guard
        .storage()
        .to_json(&Known {
            email: Pii::new("other@example.com".into()),
        })
        .unwrap();
    assert_ne!(field(&a, "email"), field(&c, "email"));
    // A lookup finds the token without making one.
    assert_eq!(
        f.guard
            .storage()
            .convergent_token::<Known>("email", EMAIL)
            .unwrap(),
        Some(field(&a, "email"))
    );
    assert_eq!(
        f.guard
            .storage()
            .convergent_token::<Known>("email", "nobody@example.com")
            .unwrap(),
        None
    );
    assert!(matches!(
        f.guard
            .storage()
            .convergent_token::<Customer>("email", EMAIL),
        Err(Error::FieldNotFound)
    ));
    let one = f.guard.storage().to_json(&customer(7)).unwrap();
    let two = f.guard.storage().to_json(&customer(7)).unwrap();
    assert_ne!(field(&one, "email"), field(&two, "email"));
    let meta = f
        .guard
        .storage()
        .token_metadata::<Known>("email", None, &field(&a, "email"))
        .unwrap();
    assert!(meta.convergent);
    // After a rotation of the token key, a value tokenized before keeps its token.
    let admin = prod("ops-1", "admin");
    f.guard
        .admin(&admin)
        .rotate_key(piiguard::keys::Purpose::Token)
        .unwrap();
    let after = f
        .guard
        .storage()
        .to_json(&Known {
            email: Pii::new(EMAIL.into()),
        })
        .unwrap();
    assert_eq!(field(&after, "email"), field(&a, "email"));
    assert_eq!(
        f.guard
            .storage()
            .convergent_token::<Known>("email", EMAIL)
            .unwrap(),
        Some(field(&a, "email"))
    );
}

#[test]
fn a_key_version_tokens_need_is_not_destroyed() {
    let f = fixture();
    let json = f.guard.storage().to_json(&customer(7)).unwrap();
    let admin = prod("ops-1", "admin");
    let rotated = f
        .guard
        .admin(&admin)
        .rotate_key(piiguard::keys::Purpose::FieldEncryption)
        .unwrap();
    assert!(matches!(
        f.guard
            .admin(&admin)
            .destroy_key(&rotated.id, rotated.version - 1),
        Err(Error::Keyring { .. })
    ));
    // The tokens still resolve, and their values open.
    let back: Customer = f.guard.storage().from_json(&json).unwrap();
    assert_eq!(payments_reveal(&f, &back).unwrap(), CARD);
    // Rotating the token key: tokens made under the old version still verify.
    f.guard
        .admin(&admin)
        .rotate_key(piiguard::keys::Purpose::Token)
        .unwrap();
    assert!(f.guard.storage().from_json::<Customer>(&json).is_ok());
    let fresh = f.guard.storage().to_json(&customer(7)).unwrap();
    assert!(f.guard.storage().from_json::<Customer>(&fresh).is_ok());
}

#[test]
fn a_token_given_alone_is_detokenized_under_policy_and_every_attempt_is_audited() {
    use piiguard::at_rest::TokenTarget;
    use piiguard::{Class, Reason, schema::PiiField};
    let f = fixture();
    let json = f.guard.storage().to_json(&customer(7)).unwrap();
    let card = field(&json, "card");
    // Named as a proxy's route would name it, or from the application's type.
    let named = TokenTarget::named("Customer", "card", PiiField::of(Class::CardNumber));
    let typed = TokenTarget::of::<Customer>("card").unwrap();
    let access = || Access::new("payment").justified_by("order 4411");
    for target in [&named, &typed] {
        let value = f
            .guard
            .detokenize(&prod("pay-1", "payments"), target, &card, access())
            .unwrap();
        assert_eq!(value.expose(), CARD);
    }
    assert!(matches!(
        f.guard
            .detokenize(&prod("agent-1", "support"), &named, &card, access()),
        Err(Error::Denied { .. })
    ));
    // A proxy's role may detokenize a token given alone, and never reveal a record's field.
    let proxy = prod("egress-1", "proxy");
    let value = f.guard.detokenize(&proxy, &named, &card, access()).unwrap();
    assert_eq!(value.expose(), CARD);
    let back: Customer = f.guard.storage().from_json(&json).unwrap();
    assert!(matches!(
        f.guard.reveal(&proxy, &back, |c| &c.card, access()),
        Err(Error::Denied { .. })
    ));
    // The card's token presented as the email field's: refused before any lookup.
    let email = TokenTarget::named("Customer", "email", PiiField::of(Class::Email));
    assert!(matches!(
        f.guard
            .detokenize(&prod("pay-1", "payments"), &email, &card, access()),
        Err(Error::Token { .. })
    ));
    let events: Vec<_> = f
        .audit
        .events()
        .into_iter()
        .filter(|e| e.action == Action::Detokenize)
        .collect();
    let outcomes: Vec<_> = events.iter().map(|e| (e.outcome, e.reason)).collect();
    assert_eq!(outcomes.len(), 6);
    assert_eq!(outcomes[2].0, Outcome::Denied);
    assert_eq!(outcomes[3].0, Outcome::Allowed, "the proxy detokenizes");
    assert_eq!(
        outcomes[4].0,
        Outcome::Denied,
        "the proxy's reveal of a record"
    );
    assert_eq!(outcomes[5], (Outcome::Failed, Reason::TokenRefused));
    assert_eq!(events[0].object.subject.as_deref(), Some("7"));
    // A value a third party sent back, tokenized for customer 7, reads in customer 7's row.
    let fresh = f
        .guard
        .storage()
        .tokenize(&typed, Some(&7), "5555555555554444")
        .unwrap();
    let row = with_field(&json, "card", &fresh);
    let back: Customer = f.guard.storage().from_json(&row).unwrap();
    assert_eq!(payments_reveal(&f, &back).unwrap(), "5555555555554444");
    assert!(matches!(
        f.guard
            .storage()
            .tokenize(&typed, Some(&7), "5555555555554445"),
        Err(Error::InvalidValue { .. })
    ));
}

/// An access about one subject refuses another subject's token (a proxy's charge for
/// customer 7 carrying customer 8's card token), and says so in the trail.
#[test]
fn a_token_of_another_subject_than_the_access_is_about_is_refused() {
    use piiguard::Reason;
    use piiguard::at_rest::TokenTarget;
    let f = fixture();
    let seven = field(&f.guard.storage().to_json(&customer(7)).unwrap(), "card");
    let eight = field(&f.guard.storage().to_json(&customer(8)).unwrap(), "card");
    let target = TokenTarget::of::<Customer>("card").unwrap();
    let payments = prod("pay-1", "payments");
    let about = |id: u64| Access::new("payment").justified_by("order 4411").about(&id);
    assert_eq!(
        f.guard
            .detokenize(&payments, &target, &seven, about(7))
            .unwrap()
            .expose(),
        CARD
    );
    let refused = f.guard.detokenize(&payments, &target, &eight, about(7));
    assert!(
        matches!(refused, Err(Error::Token { reason }) if reason.contains("subject")),
        "{:?}",
        refused.err()
    );
    let last = f.audit.events().pop().unwrap();
    assert_eq!(
        (last.action, last.outcome, last.reason),
        (Action::Detokenize, Outcome::Failed, Reason::TokenRefused)
    );
}

#[test]
fn a_token_posted_as_input_is_never_resolved_to_another_records_value() {
    let f = fixture();
    let victim = f.guard.storage().to_json(&customer(7)).unwrap();
    let token = field(&victim, "email");
    // Client input (the derived Deserialize): a token is text like any other. An email-shaped
    // token passes email validation, so it is kept as this customer's own (odd) address; it
    // is never looked up, and revealing it gives the token text, not customer 7's address.
    let posted = format!(r#"{{"id":9,"email":"{token}","card":"{CARD}","name":"Eve"}}"#);
    let eve: Customer = serde_json::from_str(&posted).unwrap();
    assert!(
        eve.email.envelope().is_none(),
        "sealed cleartext, not resolved"
    );
    let stored = f.guard.storage().to_json(&eve).unwrap();
    let back: Customer = f.guard.storage().from_json(&stored).unwrap();
    let shown = f
        .guard
        .reveal(
            &prod("pay-1", "payments"),
            &back,
            |c| &c.email,
            Access::new("payment").justified_by("order 9"),
        )
        .unwrap();
    assert_eq!(shown.expose(), &token);
    assert_ne!(shown.expose(), EMAIL);
    // An opaque token where a card number is expected is refused as input.
    let card_token = field(&victim, "card");
    let posted =
        format!(r#"{{"id":9,"email":"e@example.com","card":"{card_token}","name":"Eve"}}"#);
    assert!(serde_json::from_str::<Customer>(&posted).is_err());
}

#[test]
fn a_tenants_token_is_refused_in_another_tenant() {
    use piiguard::keys::Scope;
    let f = fixture();
    let acme = f.guard.scoped(Scope::new().tenant("acme"));
    let globex = f.guard.scoped(Scope::new().tenant("globex"));
    let row = acme.storage().to_json(&customer(7)).unwrap();
    assert!(acme.storage().from_json::<Customer>(&row).is_ok());
    assert!(matches!(
        globex.storage().from_json::<Customer>(&row),
        Err(Error::Token { reason }) if reason.contains("tenant")
    ));
}

#[test]
fn without_a_token_store_a_tokenized_field_is_refused() {
    let keyring = Keyring::in_memory(Environment::Dev);
    let guard = Guard::builder(keyring)
        .audit(Arc::new(MemorySink::new()))
        .build()
        .unwrap();
    assert!(matches!(
        guard.storage().to_json(&customer(1)),
        Err(Error::Unsupported { .. })
    ));
}

#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
#[test]
fn on_the_embedded_store_tokens_survive_a_restart_and_go_with_the_subject() {
    let dir = std::env::temp_dir().join(format!("piiguard-tokens-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let json = {
        let guard = Guard::open_local(&dir).unwrap();
        guard.storage().to_json(&customer(7)).unwrap()
    };
    let guard = Guard::open_local(&dir).unwrap();
    let back: Customer = guard.storage().from_json(&json).unwrap();
    assert!(back.card.envelope().is_some());
    let admin = Principal::new("ops-1")
        .role("admin")
        .in_environment(guard.keyring().environment());
    guard.admin(&admin).forget_subject(&7).unwrap();
    assert!(matches!(
        guard.storage().from_json::<Customer>(&json),
        Err(Error::Token { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
