//! Scrubber throughput on a realistic mixed log corpus (about 1% of lines carry personal data;
//! the rest are full of near-misses: timestamps, UUIDs, order numbers, versions, prices),
//! against a `regex::RegexSet` of naive patterns over the same text, in one criterion run.
//! The RegexSet only says *which* patterns match a line (all of them, so it reads every line to
//! the end); the scrubber also validates, locates and masks.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use piiguard::scrub::Scrubber;
use regex::RegexSet;
use std::hint::black_box;

fn corpus() -> String {
    let mut out = String::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for n in 0..40_000u64 {
        let r = next();
        let line = match r % 6 {
            0 => format!(
                "2026-11-23T10:{:02}:{:02}.{:03}Z INFO http request method=GET path=/api/v2/orders/ORD-2026{:04} status=200 took={}ms",
                n % 60,
                (n / 60) % 60,
                r % 1000,
                r % 10000,
                r % 900
            ),
            1 => format!(
                "2026-11-23T10:{:02}:{:02}.{:03}Z DEBUG cache hit key=session:{:x}-{:x} ttl=3600 version=2.14.{}",
                n % 60,
                (n / 60) % 60,
                r % 1000,
                r,
                r >> 7,
                r % 30
            ),
            2 => format!(
                "2026-11-23T10:{:02}:{:02}.{:03}Z INFO payment settled amount=${}.{:02} currency=EUR merchant=shop-{} batch={}",
                n % 60,
                (n / 60) % 60,
                r % 1000,
                r % 5000,
                r % 100,
                r % 77,
                r % 100_000
            ),
            3 => format!(
                "2026-11-23T10:{:02}:{:02}.{:03}Z WARN retrying upstream=inventory attempt={} trace_id={:016x}{:016x}",
                n % 60,
                (n / 60) % 60,
                r % 1000,
                r % 5,
                r,
                r.rotate_left(17)
            ),
            4 => format!(
                "2026-11-23T10:{:02}:{:02}.{:03}Z INFO job finished name=nightly-export rows={} duration=12.{}s Shipped To Warehouse",
                n % 60,
                (n / 60) % 60,
                r % 1000,
                r % 1_000_000,
                r % 10
            ),
            _ => format!(
                "2026-11-23T10:{:02}:{:02}.{:03}Z INFO user action=login result=ok tenant=acme region=eu build=1.{}.{}",
                n % 60,
                (n / 60) % 60,
                r % 1000,
                r % 9,
                r % 50
            ),
        };
        out.push_str(&line);
        if n % 100 == 7 {
            out.push_str(match (n / 100) % 5 {
                0 => " email=jane.doe@example.com",
                1 => " card=4111 1111 1111 1111",
                2 => " phone=+1-555-0142",
                3 => " client_ip=192.0.2.55",
                _ => " ssn=123-45-6789",
            });
        }
        out.push('\n');
    }
    out
}

fn throughput(c: &mut Criterion) {
    let text = corpus();
    let scrubber = Scrubber::new();
    let naive = RegexSet::new([
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
        r"\+?\d[\d -]{7,14}\d",
        r"\b(?:\d[ -]?){13,19}\b",
        r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b",
        r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b",
        r"\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}\b",
        r"\b\d{3}-\d{2}-\d{4}\b",
        r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
        r"(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}",
    ])
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut group = c.benchmark_group("scrub_log_corpus");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    // Accuracy, printed once: lines the naive set flags against lines with planted data.
    let flagged = lines.iter().filter(|l| naive.is_match(l)).count();
    let found = lines
        .iter()
        .filter(|l| !scrubber.find(l).is_empty())
        .count();
    println!(
        "lines: {}, with personal data: {}, flagged by the naive RegexSet: {flagged}, by the scrubber: {found}",
        lines.len(),
        lines.len().div_ceil(100)
    );
    group.bench_function("naive_regexset_matches_per_line", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|l| naive.matches(l).iter().count())
                .sum::<usize>()
        });
    });
    group.bench_function("piiguard_scrub_per_line", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|l| black_box(scrubber.scrub(l)).len())
                .sum::<usize>()
        });
    });
    group.finish();
}

/// One log event through a fmt subscriber into `io::sink`, bare and through the scrubbing
/// writer (feature `tracing`): what the writer adds to each line an application logs.
#[cfg(feature = "tracing")]
fn fmt_event(c: &mut Criterion) {
    use piiguard::scrub::Scrubbed;
    fn event(order: u64) {
        tracing::info!(
            order,
            status = "shipped",
            "order {order} left warehouse 7 at 14:02"
        );
    }
    let mut group = c.benchmark_group("fmt_subscriber_event");
    let bare = tracing_subscriber::fmt()
        .with_writer(std::io::sink)
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(bare, || {
        group.bench_function("fmt_to_sink", |b| b.iter(|| event(black_box(4411))));
    });
    let scrubbed = tracing_subscriber::fmt()
        .with_writer(Scrubbed::new(std::io::sink))
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(scrubbed, || {
        group.bench_function("fmt_scrubbed_to_sink", |b| {
            b.iter(|| event(black_box(4411)))
        });
    });
    group.finish();
}

#[cfg(not(feature = "tracing"))]
fn fmt_event(_: &mut Criterion) {}

criterion_group!(benches, throughput, fmt_event);
criterion_main!(benches);
