//! Tokens, each next to its bare primitive in the same criterion run:
//! - format-preserving: the bare FF1 call of the `fpe` crate on the numerals of a card under a
//!   prebuilt FF1; piiguard's `Ff1::encrypt` adds the domain check and wiping;
//!   `FormatPreserving` adds reading the text, the tweak with the kept digits, the Luhn digit
//!   and writing the token;
//! - vault tokens: a bare AES-256-GCM-SIV encryption of 16 bytes with a prebuilt cipher; the
//!   storage view of a one-field record encrypted (an envelope) and tokenized (the envelope,
//!   the MAC, the token and the in-memory store's insert); reading it back (the MAC, the
//!   store's lookup, the envelope's parse), against reading an envelope;
//! - through the guard, as the proxy calls it: an FF1 card token made with the keyring's
//!   derived key (`tokenize_preserving`) and turned back under the policy
//!   (`detokenize_preserving`: decision, count, audit event, FF1), and a vault token
//!   detokenized (`detokenize`: MAC, store lookup, decision, count, audit event, AEAD open).
//!   The audit sink discards, so the figure is the library's, not a disk's.

use aes::Aes256;
use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::{AeadInOut, KeyInit};
use criterion::{Criterion, criterion_group, criterion_main};
use fpe::ff1::{FF1, FlexibleNumeralString};
use piiguard::at_rest::TokenTarget;
use piiguard::audit::{AuditEvent, AuditSink, ChainReport, MemorySink};
use piiguard::keys::{Keyring, MemoryKeyStore};
use piiguard::token::MemoryTokenStore;
use piiguard::token::{Ff1, FormatPreserving, TokenFormat, TokenKey};
use piiguard::{Class, Classified, Error, Guard, Pii, Policy, Principal, schema::PiiField};
use std::hint::black_box;
use std::sync::Arc;

/// An audit sink that keeps nothing (a benchmark's millions of events would fill memory).
struct Discard;

impl AuditSink for Discard {
    fn record(&self, _: &AuditEvent) -> Result<(), Error> {
        Ok(())
    }

    fn verify(&self) -> Result<Option<ChainReport>, Error> {
        Ok(None)
    }
}

const POLICY: &str = r#"
version = "bench-1"
[[rule]]
roles = ["proxy"]
classes = ["card_number", "email"]
treatment = "detokenize"
justification = false
"#;

fn proxy_guard() -> Guard {
    let keyring = Keyring::builder()
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    Guard::builder(keyring)
        .policy(Policy::from_toml(POLICY).unwrap())
        .audit(Arc::new(Discard))
        .tokens(Arc::new(MemoryTokenStore::new()))
        .build()
        .unwrap()
}

fn tokens(c: &mut Criterion) {
    let key = [7u8; 32];
    let numerals: Vec<u16> = "411111111111"
        .bytes()
        .map(|b| u16::from(b - b'0'))
        .collect();
    let mut group = c.benchmark_group("tokenize_card");
    let bare = FF1::<Aes256>::new(&key, 10).unwrap();
    group.bench_function("bare_fpe_ff1_encrypt_12_digits", |b| {
        b.iter(|| {
            let x = FlexibleNumeralString::from(black_box(numerals.clone()));
            black_box(bare.encrypt(b"customer.card", &x).unwrap())
        })
    });
    let ff1 = Ff1::new(&TokenKey::from_bytes(key), 10).unwrap();
    group.bench_function("piiguard_ff1_encrypt_12_digits", |b| {
        b.iter(|| black_box(ff1.encrypt(b"customer.card", black_box(&numerals)).unwrap()))
    });
    let cards = FormatPreserving::new(
        &TokenKey::from_bytes(key),
        TokenFormat::Card {
            keep_first_six: false,
        },
        b"customer.card",
    )
    .unwrap();
    group.bench_function("piiguard_tokenize_card", |b| {
        b.iter(|| black_box(cards.tokenize(black_box("4111 1111 1111 1111")).unwrap()))
    });
    let token = cards.tokenize("4111 1111 1111 1111").unwrap();
    group.bench_function("piiguard_detokenize_card", |b| {
        b.iter(|| black_box(cards.expose(black_box(&token)).unwrap()))
    });
    let guard = proxy_guard();
    let target = TokenTarget::named("Payment", "card", PiiField::of(Class::CardNumber));
    let last_four = TokenFormat::Card {
        keep_first_six: false,
    };
    group.bench_function("guard_tokenize_preserving_card", |b| {
        b.iter(|| {
            black_box(
                guard
                    .storage()
                    .tokenize_preserving(&target, last_four, black_box("4111111111111111"))
                    .unwrap(),
            )
        })
    });
    let token = guard
        .storage()
        .tokenize_preserving(&target, last_four, "4111111111111111")
        .unwrap();
    let proxy = Principal::new("proxy-1").role("proxy");
    group.bench_function("guard_detokenize_preserving_card", |b| {
        b.iter(|| {
            black_box(
                guard
                    .detokenize_preserving(&proxy, &target, last_four, black_box(&token), "payment")
                    .unwrap(),
            )
        })
    });
    group.finish();
}

#[derive(Classified)]
#[pii(subject = id)]
struct Encrypted {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

#[derive(Classified)]
#[pii(subject = id)]
struct Tokenized {
    id: u64,
    #[pii(class = email, storage = tokenize)]
    email: Pii<String>,
}

fn vault(c: &mut Criterion) {
    let keyring = Keyring::builder()
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    let guard = Guard::builder(keyring)
        .audit(Arc::new(MemorySink::new()))
        .tokens(Arc::new(MemoryTokenStore::new()))
        .build()
        .unwrap();
    let bare = Aes256GcmSiv::new(&[7u8; 32].into());
    let nonce = aes_gcm_siv::Nonce::default();
    let mut group = c.benchmark_group("vault_token");
    group.bench_function("bare_aes_gcm_siv_16_bytes", |b| {
        b.iter(|| {
            let mut buf = *b"jane@example.com";
            black_box(
                bare.encrypt_inout_detached(&nonce, b"", (&mut buf[..]).into())
                    .unwrap(),
            )
        })
    });
    let encrypted = Encrypted {
        id: 7,
        email: Pii::new("jane@example.com".into()),
    };
    let tokenized = Tokenized {
        id: 7,
        email: Pii::new("jane@example.com".into()),
    };
    group.bench_function("piiguard_encrypt_field", |b| {
        b.iter(|| black_box(guard.storage().to_json(black_box(&encrypted)).unwrap()))
    });
    group.bench_function("piiguard_tokenize_field", |b| {
        b.iter(|| black_box(guard.storage().to_json(black_box(&tokenized)).unwrap()))
    });
    let envelope_row = guard.storage().to_json(&encrypted).unwrap();
    let token_row = guard.storage().to_json(&tokenized).unwrap();
    group.bench_function("piiguard_read_envelope_row", |b| {
        b.iter(|| {
            black_box(
                guard
                    .storage()
                    .from_json::<Encrypted>(black_box(&envelope_row))
                    .unwrap(),
            )
        })
    });
    group.bench_function("piiguard_read_token_row", |b| {
        b.iter(|| {
            black_box(
                guard
                    .storage()
                    .from_json::<Tokenized>(black_box(&token_row))
                    .unwrap(),
            )
        })
    });
    let proxied = proxy_guard();
    let target = TokenTarget::of::<Tokenized>("email").unwrap();
    let token = proxied
        .storage()
        .tokenize(&target, Some(&7), "jane@example.com")
        .unwrap();
    let proxy = Principal::new("proxy-1").role("proxy");
    group.bench_function("guard_detokenize_vault", |b| {
        b.iter(|| {
            black_box(
                proxied
                    .detokenize(&proxy, &target, black_box(&token), "payment")
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, tokens, vault);
criterion_main!(benches);
