//! `Debug` of a 6-field record: piiguard's derive (values sealed in memory, masked by class)
//! against `veil`'s derive (cleartext in memory, partial redaction) and a plain `#[derive(Debug)]`,
//! in the same criterion run: a record logged again (its masks kept from the first time) and a
//! record logged for the first time.

use criterion::{Criterion, criterion_group, criterion_main};
use piiguard::{Classified, Pii};
use std::fmt::Write;
use std::hint::black_box;
use veil::Redact;

#[derive(Classified)]
struct Guarded {
    id: u64,
    #[pii(class = name)]
    name: Pii<String>,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    plan: String,
}

#[derive(Redact)]
struct Veiled {
    id: u64,
    #[redact(partial)]
    name: String,
    #[redact(partial)]
    email: String,
    #[redact(partial)]
    phone: String,
    #[redact]
    passport: String,
    plan: String,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Plain {
    id: u64,
    name: String,
    email: String,
    phone: String,
    passport: String,
    plan: String,
}

const NAME: &str = "Jane Doe";
const EMAIL: &str = "jane.doe@example.com";
const PHONE: &str = "+1-555-0100-142";
const PASSPORT: &str = "X12345678";

/// A record whose values are sealed and have not been logged yet.
fn guarded() -> Guarded {
    Guarded {
        id: 17,
        name: Pii::new(NAME.into()),
        email: Pii::new(EMAIL.into()),
        phone: Pii::new(PHONE.into()),
        passport: Pii::new(PASSPORT.into()),
        plan: "pro".into(),
    }
}

fn debug(c: &mut Criterion) {
    let logged = guarded();
    let veiled = Veiled {
        id: 17,
        name: NAME.into(),
        email: EMAIL.into(),
        phone: PHONE.into(),
        passport: PASSPORT.into(),
        plan: "pro".into(),
    };
    let plain = Plain {
        id: 17,
        name: NAME.into(),
        email: EMAIL.into(),
        phone: PHONE.into(),
        passport: PASSPORT.into(),
        plan: "pro".into(),
    };
    let mut out = String::with_capacity(512);
    let mut group = c.benchmark_group("debug_6_field_record");
    group.bench_function("plain_derive_debug", |b| {
        b.iter(|| {
            out.clear();
            write!(out, "{:?}", black_box(&plain)).unwrap();
            black_box(out.len())
        })
    });
    group.bench_function("veil_redact", |b| {
        b.iter(|| {
            out.clear();
            write!(out, "{:?}", black_box(&veiled)).unwrap();
            black_box(out.len())
        })
    });
    // A value keeps the mask its field made the first time it was logged: this row logs the
    // same record again and again, the next one a record never logged before.
    group.bench_function("piiguard_classified", |b| {
        b.iter(|| {
            out.clear();
            write!(out, "{:?}", black_box(&logged)).unwrap();
            black_box(out.len())
        })
    });
    // Each record built outside the measured time (sealing its four values), then logged once:
    // opening the seals, validating and masking are all measured.
    group.bench_function("piiguard_classified_first_debug", |b| {
        b.iter_batched(
            guarded,
            |record| {
                out.clear();
                write!(out, "{:?}", black_box(&record)).unwrap();
                black_box((out.len(), record))
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, debug);
criterion_main!(benches);
