//! The keyed hot paths, each next to the bare primitive in the same criterion run:
//! - field encrypt and decrypt (16, 64, 256 bytes) against a bare AWS-LC call with a prebuilt
//!   key (and with the key built per call, as piiguard does), and a bare `aes-gcm-siv` call with
//!   a prebuilt cipher. piiguard's side runs through the public storage door on a one-field
//!   record: encrypt is `to_json` (opening the in-memory seal, key lookup in the derived-key
//!   cache, random nonce, header, associated data, text form, JSON), decrypt is
//!   `expose_unaudited` of a stored record (locating the field, the same lookups, decoding);
//!   and encrypt to the binary form of a SQL column (`Column::bytes`: no base64, no JSON);
//! - a blind index (`blind_index_candidates`: normalization, digest, text form) against a bare
//!   `blake3::keyed_hash` of the same normalized value;
//! - the storage view of a 6-field record against plain `serde_json::to_string` of the same
//!   data in a plain struct.

use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::{AeadInOut, KeyInit};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use piiguard::keys::{Environment, Keyring, MemoryKeyStore};
use piiguard::{Classified, Pii};
use std::hint::black_box;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = free_text)]
    note: Pii<String>,
    #[pii(class = email, index)]
    email: Pii<String>,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    plan: String,
}

#[derive(serde::Serialize)]
struct PlainCustomer {
    id: u64,
    note: String,
    email: String,
    name: String,
    phone: String,
    plan: String,
}

/// One classified field, to measure the per-field paths through the public API.
#[derive(Classified)]
#[pii(subject = id)]
struct Note {
    id: u64,
    #[pii(class = free_text)]
    note: Pii<String>,
}

/// The same without a subject (no subject key).
#[derive(Classified)]
struct Anonymous {
    #[pii(class = free_text)]
    note: Pii<String>,
}

fn field_crypto(c: &mut Criterion) {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let subject_keyring = Keyring::builder()
        .store(MemoryKeyStore::new())
        .build()
        .unwrap();
    let subject_keys = piiguard::unaudited::keys(&subject_keyring);
    let bare = Aes256GcmSiv::new(&[7u8; 32].into());
    let nonce = aes_gcm_siv::Nonce::default();

    let mut group = c.benchmark_group("field_encrypt");
    for len in [16usize, 64, 256] {
        let value = vec![b'x'; len];
        group.bench_with_input(BenchmarkId::new("bare_aes_gcm_siv", len), &value, |b, v| {
            b.iter(|| {
                let mut buf = v.clone();
                let tag = bare
                    .encrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into())
                    .unwrap();
                black_box((buf, tag))
            })
        });
        // The same call with associated data of the size piiguard binds (~100 bytes).
        let aad = [0x5a_u8; 100];
        group.bench_with_input(
            BenchmarkId::new("bare_aes_gcm_siv_100b_aad", len),
            &value,
            |b, v| {
                b.iter(|| {
                    let mut buf = v.clone();
                    let tag = bare
                        .encrypt_inout_detached(&nonce, &aad, buf.as_mut_slice().into())
                        .unwrap();
                    black_box((buf, tag))
                })
            },
        );
        #[cfg(feature = "aws-lc")]
        aws_lc::encrypt(&mut group, len, &value, &aad);
        let anonymous = Anonymous {
            note: Pii::new("x".repeat(len)),
        };
        group.bench_with_input(
            BenchmarkId::new("piiguard_envelope", len),
            &anonymous,
            |b, r| b.iter(|| black_box(keys.to_json(black_box(r)).unwrap())),
        );
        // The binary form, for a BLOB/BYTEA column: no base64, no JSON.
        group.bench_with_input(
            BenchmarkId::new("piiguard_column_binary", len),
            &anonymous,
            |b, r| {
                b.iter(|| {
                    let column = keys.column(black_box(r), |r| &r.note).unwrap();
                    black_box(column.bytes().len())
                })
            },
        );
        let note = Note {
            id: 42,
            note: Pii::new("x".repeat(len)),
        };
        group.bench_with_input(
            BenchmarkId::new("piiguard_envelope_subject_key", len),
            &note,
            |b, r| b.iter(|| black_box(subject_keys.to_json(black_box(r)).unwrap())),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("field_decrypt");
    for len in [16usize, 64, 256] {
        let value = vec![b'x'; len];
        let mut sealed = value.clone();
        let tag = bare
            .encrypt_inout_detached(&nonce, b"", sealed.as_mut_slice().into())
            .unwrap();
        group.bench_with_input(
            BenchmarkId::new("bare_aes_gcm_siv", len),
            &sealed,
            |b, s| {
                b.iter(|| {
                    let mut buf = s.clone();
                    bare.decrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into(), &tag)
                        .unwrap();
                    black_box(buf)
                })
            },
        );
        #[cfg(feature = "aws-lc")]
        aws_lc::decrypt(&mut group, len, &value);
        let row = keys
            .to_json(&Anonymous {
                note: Pii::new("x".repeat(len)),
            })
            .unwrap();
        let stored: Anonymous = keys.from_json(&row).unwrap();
        group.bench_with_input(
            BenchmarkId::new("piiguard_envelope", len),
            &stored,
            |b, r| b.iter(|| black_box(keys.expose_unaudited(black_box(r), |r| &r.note).unwrap())),
        );
    }
    group.finish();
}

/// The bare AWS-LC calls: with a key built once (the fastest use of the primitive), and with
/// the key built for each call (what piiguard does, to keep key schedules out of core dumps).
#[cfg(feature = "aws-lc")]
mod aws_lc {
    use aws_lc_rs::aead::{AES_256_GCM_SIV, Aad, LessSafeKey, Nonce, UnboundKey};
    use criterion::measurement::WallTime;
    use criterion::{BenchmarkGroup, BenchmarkId};
    use std::hint::black_box;

    const KEY: [u8; 32] = [7; 32];

    fn key() -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM_SIV, black_box(&KEY)).unwrap())
    }

    fn nonce() -> Nonce {
        Nonce::assume_unique_for_key([0; 12])
    }

    pub(super) fn encrypt(
        group: &mut BenchmarkGroup<'_, WallTime>,
        len: usize,
        value: &[u8],
        aad: &[u8],
    ) {
        let prebuilt = key();
        group.bench_with_input(
            BenchmarkId::new("bare_aws_lc_100b_aad", len),
            value,
            |b, v| {
                b.iter(|| {
                    let mut buf = v.to_vec();
                    let tag = prebuilt
                        .seal_in_place_separate_tag(nonce(), Aad::from(aad), &mut buf)
                        .unwrap();
                    black_box((buf, tag))
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("bare_aws_lc_key_per_call_100b_aad", len),
            value,
            |b, v| {
                b.iter(|| {
                    let mut buf = v.to_vec();
                    let tag = key()
                        .seal_in_place_separate_tag(nonce(), Aad::from(aad), &mut buf)
                        .unwrap();
                    black_box((buf, tag))
                })
            },
        );
    }

    pub(super) fn decrypt(group: &mut BenchmarkGroup<'_, WallTime>, len: usize, value: &[u8]) {
        let aad = [0x5a_u8; 100];
        let prebuilt = key();
        let mut sealed = value.to_vec();
        let tag = prebuilt
            .seal_in_place_separate_tag(nonce(), Aad::from(&aad), &mut sealed)
            .unwrap();
        group.bench_with_input(
            BenchmarkId::new("bare_aws_lc_100b_aad", len),
            &sealed,
            |b, s| {
                b.iter(|| {
                    let mut out = vec![0u8; s.len()];
                    prebuilt
                        .open_separate_gather(nonce(), Aad::from(&aad), s, tag.as_ref(), &mut out)
                        .unwrap();
                    black_box(out)
                })
            },
        );
    }
}

fn blind_index(c: &mut Criterion) {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let key = [7u8; 32];
    let email = b"jane.doe@example.com";
    let mut group = c.benchmark_group("blind_index");
    group.bench_function("bare_blake3_keyed_hash", |b| {
        b.iter(|| black_box(blake3::keyed_hash(&key, black_box(email))))
    });
    group.bench_function("piiguard_blind_index", |b| {
        b.iter(|| {
            black_box(
                keys.blind_index_candidates::<Customer>("email", black_box("jane.doe@example.com"))
                    .unwrap(),
            )
        })
    });
    group.finish();
}

fn storage_view(c: &mut Criterion) {
    let keyring = Keyring::in_memory(Environment::Dev);
    let keys = piiguard::unaudited::keys(&keyring);
    let record = Customer {
        id: 4411,
        note: Pii::new("prefers morning calls".into()),
        email: Pii::new("jane.doe@example.com".into()),
        name: Pii::new("Jane Doe".into()),
        phone: Pii::new("+1-555-0100".into()),
        plan: "pro".into(),
    };
    let plain = PlainCustomer {
        id: 4411,
        note: "prefers morning calls".into(),
        email: "jane.doe@example.com".into(),
        name: "Jane Doe".into(),
        phone: "+1-555-0100".into(),
        plan: "pro".into(),
    };
    let mut group = c.benchmark_group("storage_view_6_fields");
    group.bench_function("plain_serde_json", |b| {
        b.iter(|| black_box(serde_json::to_string(black_box(&plain)).unwrap()))
    });
    group.bench_function("piiguard_storage_view", |b| {
        b.iter(|| black_box(keys.to_json(black_box(&record)).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, field_crypto, blind_index, storage_view);
criterion_main!(benches);
