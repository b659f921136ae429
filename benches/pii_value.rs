//! `Pii::new` + `expose` round trip, against a plain `String` clone and against
//! `secrecy::SecretString` (construct + `expose_secret`), in the same criterion run.
//!
//! Also the mask of one email, against formatting the same mask with `format!` from cleartext.

use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::{AeadInOut, KeyInit};
use criterion::{Criterion, criterion_group, criterion_main};
use piiguard::{Class, Pii};
use secrecy::{ExposeSecret, SecretString};
use std::hint::black_box;

const EMAIL: &str = "jane.doe@example.com";

fn round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("new_and_expose");
    group.bench_function("plain_string_clone", |b| {
        b.iter(|| {
            let s = String::from(black_box(EMAIL));
            black_box(s.len())
        })
    });
    group.bench_function("secrecy_secret_string", |b| {
        b.iter(|| {
            let s = SecretString::from(String::from(black_box(EMAIL)));
            black_box(s.expose_secret().len())
        })
    });
    let cipher = Aes256GcmSiv::new(&[7u8; 32].into());
    group.bench_function("bare_aes_gcm_siv_seal_open", |b| {
        let nonce = aes_gcm_siv::Nonce::default();
        b.iter(|| {
            let mut buf = String::from(black_box(EMAIL)).into_bytes();
            let tag = cipher
                .encrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into())
                .unwrap();
            cipher
                .decrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into(), &tag)
                .unwrap();
            black_box(buf.len())
        })
    });
    let gcm = aes_gcm::Aes256Gcm::new(&[7u8; 32].into());
    group.bench_function("bare_aes_256_gcm_seal_open", |b| {
        let nonce = aes_gcm::aead::Nonce::<aes_gcm::Aes256Gcm>::default();
        b.iter(|| {
            let mut buf = String::from(black_box(EMAIL)).into_bytes();
            let tag = gcm
                .encrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into())
                .unwrap();
            gcm.decrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into(), &tag)
                .unwrap();
            black_box(buf.len())
        })
    });
    group.bench_function("piiguard_pii", |b| {
        b.iter(|| {
            let p = Pii::new(String::from(black_box(EMAIL)));
            black_box(p.expose(String::len).unwrap_or(0))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("mask_email");
    group.bench_function("format_from_cleartext", |b| {
        b.iter(|| {
            let (local, domain) = black_box(EMAIL).split_once('@').unwrap();
            black_box(format!("{}***@{domain}", &local[..1]))
        })
    });
    group.bench_function("class_mask_of_cleartext", |b| {
        b.iter(|| black_box(Class::Email.mask(black_box(EMAIL).as_bytes())))
    });
    let sealed = Pii::classified(String::from(EMAIL), Class::Email).unwrap();
    group.bench_function("pii_mask_sealed", |b| b.iter(|| black_box(sealed.mask())));
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
