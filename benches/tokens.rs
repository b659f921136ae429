//! Format-preserving tokens, each next to the bare FF1 call of the `fpe` crate in the same
//! criterion run: the bare call encrypts the numerals of a 16-digit card under a prebuilt
//! FF1; piiguard's `Ff1::encrypt` adds the domain check and wiping; `FormatPreserving` adds
//! reading the text, the tweak with the kept digits, the Luhn digit and writing the token.

use aes::Aes256;
use criterion::{Criterion, criterion_group, criterion_main};
use fpe::ff1::{FF1, FlexibleNumeralString};
use piiguard::token::{Ff1, FormatPreserving, TokenFormat, TokenKey};
use std::hint::black_box;

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
        b.iter(|| black_box(cards.detokenize(black_box(&token)).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);
