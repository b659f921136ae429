//! Format-preserving (FF1) tokens through the guard: keys derived by the keyring per tenant,
//! record type and field (never the application's), made without a decision, turned back into
//! values only under the policy and audited; stable across a token key rotation; shredded with
//! the token key's first version.

use piiguard::at_rest::TokenTarget;
use piiguard::audit::{Action, MemorySink, Outcome};
use piiguard::keys::{Environment, Keyring, MemoryKeyStore, Purpose, Scope};
use piiguard::token::TokenFormat;
use piiguard::{Access, Class, Error, Guard, Policy, Principal, Reason, schema::PiiField};
use std::sync::Arc;

const POLICY: &str = r#"
version = "ff1-1"
admin_roles = ["admin"]

[[rule]]
roles = ["processor"]
classes = ["card_number", "passport"]
treatment = "detokenize"
justification = false

[[rule]]
roles = ["support"]
classes = ["card_number"]
treatment = "mask"
"#;

const CARD: &str = "4111111111111111";
const CARD_19: &str = "6011000990139424009";

fn guard_with(keyring: Keyring, audit: Arc<MemorySink>) -> Guard {
    Guard::builder(keyring)
        .policy(Policy::from_toml(POLICY).unwrap())
        .audit(audit)
        .build()
        .unwrap()
}

fn keyring() -> Keyring {
    Keyring::builder()
        .environment(Environment::Prod)
        .store(MemoryKeyStore::new())
        .build()
        .unwrap()
}

fn who(role: &str) -> Principal {
    Principal::new(&format!("{role}-1"))
        .role(role)
        .in_environment(Environment::Prod)
}

fn card() -> TokenTarget {
    TokenTarget::named("Payment", "card", PiiField::of(Class::CardNumber))
}

const LAST_FOUR: TokenFormat = TokenFormat::Card {
    keep_first_six: false,
};

#[test]
fn a_card_token_keeps_its_shape_and_only_the_policy_turns_it_back() {
    let audit = Arc::new(MemorySink::new());
    let guard = guard_with(keyring(), audit.clone());
    let token = guard
        .storage()
        .tokenize_preserving(&card(), LAST_FOUR, CARD)
        .unwrap();
    assert_eq!(token.len(), 16);
    assert!(token.ends_with("1111"));
    assert_ne!(token, CARD);
    assert!(
        Class::CardNumber.validate(token.as_bytes()).is_err(),
        "fails Luhn"
    );
    // Deterministic in one field, another token in another field or record type.
    assert_eq!(
        guard
            .storage()
            .tokenize_preserving(&card(), LAST_FOUR, CARD)
            .unwrap(),
        token
    );
    let refund = TokenTarget::named("Refund", "card", PiiField::of(Class::CardNumber));
    assert_ne!(
        guard
            .storage()
            .tokenize_preserving(&refund, LAST_FOUR, CARD)
            .unwrap(),
        token
    );
    // Keeping the first six: a 19-digit card.
    let six = TokenFormat::Card {
        keep_first_six: true,
    };
    let long = guard
        .storage()
        .tokenize_preserving(&card(), six, CARD_19)
        .unwrap();
    assert!(
        long.starts_with("601100") && long.ends_with("4009"),
        "{long}"
    );

    let value = guard
        .detokenize_preserving(&who("processor"), &card(), LAST_FOUR, &token, "payment")
        .unwrap();
    assert_eq!(value.expose(), CARD);
    let denied =
        guard.detokenize_preserving(&who("support"), &card(), LAST_FOUR, &token, "support");
    assert!(matches!(denied, Err(Error::Denied { .. })));
    // A card number given as a token passes Luhn: not one of ours, refused after the decision.
    let refused = guard.detokenize_preserving(
        &who("processor"),
        &card(),
        LAST_FOUR,
        CARD,
        Access::new("payment").via("route charge"),
    );
    assert!(
        matches!(refused, Err(Error::Token { .. })),
        "{:?}",
        refused.err()
    );

    let events: Vec<_> = audit
        .events()
        .into_iter()
        .filter(|e| e.action == Action::Detokenize)
        .collect();
    let outcomes: Vec<(Outcome, Reason)> = events.iter().map(|e| (e.outcome, e.reason)).collect();
    assert_eq!(
        outcomes,
        [
            (Outcome::Allowed, Reason::RoleRule),
            (Outcome::Denied, Reason::RevealNotPermitted),
            (Outcome::Failed, Reason::TokenRefused),
        ]
    );
    assert_eq!(events[0].detail.as_deref(), Some("ff1"));
    assert_eq!(events[2].detail.as_deref(), Some("via route charge; ff1"));
    assert_eq!(events[0].object.field.as_deref(), Some("card"));
    let trail = serde_json::to_string(&audit.events()).unwrap();
    assert!(!trail.contains(CARD) && !trail.contains(&token[..12]));
}

#[test]
fn values_outside_the_class_or_the_format_are_refused_with_a_typed_error() {
    let guard = guard_with(keyring(), Arc::new(MemorySink::new()));
    let passport = TokenTarget::named("Traveller", "passport", PiiField::of(Class::Passport));
    assert!(matches!(
        guard
            .storage()
            .tokenize_preserving(&card(), LAST_FOUR, "4111111111111112"),
        Err(Error::InvalidValue { .. })
    ));
    // Five digits: below FF1's minimum domain of a million values.
    let short = TokenTarget::named("Branch", "code", PiiField::of(Class::CardNumber));
    assert!(
        guard
            .storage()
            .tokenize_preserving(&short, TokenFormat::Digits, "12345")
            .is_err()
    );
    let token = guard
        .storage()
        .tokenize_preserving(&passport, TokenFormat::Alphanumeric, "X87651234")
        .unwrap();
    assert_eq!(token.len(), 9);
    let back = guard
        .detokenize_preserving(
            &who("processor"),
            &passport,
            TokenFormat::Alphanumeric,
            &token,
            "travel",
        )
        .unwrap();
    assert_eq!(back.expose(), "X87651234");
}

#[test]
fn tokens_survive_a_token_key_rotation_and_die_with_its_first_version() {
    let guard = guard_with(keyring(), Arc::new(MemorySink::new()));
    let token = guard
        .storage()
        .tokenize_preserving(&card(), LAST_FOUR, CARD)
        .unwrap();
    let admin = who("admin");
    let rotated = guard.admin(&admin).rotate_key(Purpose::Token).unwrap();
    assert_eq!(rotated.version, 2);
    assert_eq!(
        guard
            .storage()
            .tokenize_preserving(&card(), LAST_FOUR, CARD)
            .unwrap(),
        token
    );
    let value = guard
        .detokenize_preserving(&who("processor"), &card(), LAST_FOUR, &token, "payment")
        .unwrap();
    assert_eq!(value.expose(), CARD);
    drop(value);
    guard.admin(&admin).destroy_key(&rotated.id, 1).unwrap();
    let shredded =
        guard.detokenize_preserving(&who("processor"), &card(), LAST_FOUR, &token, "payment");
    assert!(
        matches!(&shredded, Err(Error::Token { reason }) if reason.contains("destroyed")),
        "{:?}",
        shredded.err()
    );
}

#[test]
fn another_tenants_key_makes_other_tokens() {
    let guard = guard_with(keyring(), Arc::new(MemorySink::new()));
    let acme = guard.scoped(Scope::new().tenant("acme"));
    let globex = guard.scoped(Scope::new().tenant("globex"));
    let a = acme
        .storage()
        .tokenize_preserving(&card(), LAST_FOUR, CARD)
        .unwrap();
    let g = globex
        .storage()
        .tokenize_preserving(&card(), LAST_FOUR, CARD)
        .unwrap();
    assert_ne!(a, g);
    // Globex's guard reads Acme's token as some other card: never Acme's value.
    let crossed =
        globex.detokenize_preserving(&who("processor"), &card(), LAST_FOUR, &a, "payment");
    assert!(crossed.map_or(true, |v| v.expose() != CARD));
}
