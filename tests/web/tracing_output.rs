//! Sentinel tests for the logging path: classified values and records logged through `tracing`
//! with the standard fmt subscriber — every formatter (full, compact, pretty, JSON), with and
//! without ANSI colours, `?` and `%` sigils, message arguments, span fields — never show a
//! sentinel; and raw strings logged through the scrubbing writer (from `tracing` or from the
//! `log` crate through `tracing-log`) come out scrubbed.
#![cfg(feature = "tracing")]

use piiguard::scrub::Scrubbed;
use piiguard::{Class, Classified, Pii};
use std::io::Write;
use std::sync::{Arc, Mutex, Once};
use tracing_subscriber::fmt::MakeWriter;

#[derive(Classified)]
#[pii(subject = id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = phone)]
    phone: Pii<String>,
    #[pii(class = passport)]
    passport: Pii<String>,
    #[pii(class = card_number)]
    card: Option<Pii<String>>,
    plan: String,
}

/// (value, the part no mask may show): masks keep a domain or the last digits by design.
const SENTINELS: &[(&str, &str)] = &[
    ("xyloquent.marbury@example.com", "xyloquent.marbury"),
    ("+1-555-0142-889", "+1-555-0142"),
    ("QZ8K41XW7", "QZ8K41XW7"),
    ("4012 8888 8888 1881", "4012 8888 8888"),
];

fn customer() -> Customer {
    let sealed = |i: usize, class| Pii::classified(SENTINELS[i].0.to_owned(), class).unwrap();
    Customer {
        id: 7,
        email: sealed(0, Class::Email),
        phone: sealed(1, Class::Phone),
        passport: sealed(2, Class::Passport),
        card: Some(sealed(3, Class::CardNumber)),
        plan: "pro".into(),
    }
}

/// Every 6-byte window of each secret part (bytes, so ANSI codes or JSON escapes between two
/// characters would not hide a run that is still there).
fn assert_no_sentinel(output: &str) {
    for (_, secret) in SENTINELS {
        for window in secret.as_bytes().windows(6) {
            let fragment = std::str::from_utf8(window).unwrap();
            assert!(
                !output.contains(fragment),
                "fragment {fragment:?} of a sentinel in the log output:\n{output}"
            );
        }
    }
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

#[derive(Clone, Copy, Debug)]
enum Format {
    Full,
    Compact,
    Pretty,
    Json,
}

const FORMATS: [Format; 4] = [Format::Full, Format::Compact, Format::Pretty, Format::Json];

/// Runs `f` under a fmt subscriber of the given format writing to `writer`.
fn with_format<W>(format: Format, ansi: bool, writer: W, f: impl FnOnce())
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(ansi)
        .with_max_level(tracing::Level::TRACE);
    match format {
        Format::Full => tracing::subscriber::with_default(builder.finish(), f),
        Format::Compact => tracing::subscriber::with_default(builder.compact().finish(), f),
        Format::Pretty => tracing::subscriber::with_default(builder.pretty().finish(), f),
        Format::Json => tracing::subscriber::with_default(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(true)
                .finish(),
            f,
        ),
    }
}

/// Logs the customer and its fields every way the `tracing` macros allow.
fn log_classified(c: &Customer) {
    let span = tracing::info_span!("checkout", customer = ?c, email = %c.email);
    let _entered = span.enter();
    tracing::info!(email = ?c.email, phone = %c.phone, "signup");
    tracing::warn!(customer = %c, "display sigil on a record");
    tracing::error!(customer = ?c, "debug sigil on a record");
    tracing::debug!(
        "message args: {c} / {c:?} / {c:#?} / {} / {:?}",
        c.email,
        c.passport
    );
    tracing::trace!(card = ?c.card, passport = %c.passport, plan = %c.plan);
    tracing::info!(masked = %c.email.mask(), "the class mask, spelled out");
}

#[test]
fn classified_values_never_show_through_any_formatter() {
    let c = customer();
    for format in FORMATS {
        for ansi in [false, true] {
            let capture = Capture::default();
            with_format(format, ansi, capture.clone(), || log_classified(&c));
            let out = capture.text();
            assert!(out.contains("signup"), "{format:?}: nothing was logged");
            assert!(out.contains("[REDACTED:passport]"), "{format:?}:\n{out}");
            assert!(
                out.contains("@example.com"),
                "{format:?}: no email mask:\n{out}"
            );
            assert_no_sentinel(&out);
        }
    }
}

#[test]
fn record_display_is_its_log_view() {
    let c = customer();
    assert_eq!(c.to_string(), format!("{c:?}"));
    assert_eq!(c.email.to_string(), "[REDACTED:email]");
    assert_no_sentinel(&format!("{c} {c:#} {:#}", c.phone));
}

/// Raw strings — what a careless `info!("body: {}", body)` writes.
fn log_raw() {
    let body = format!(
        r#"{{"email":"{}","phone":"{}","card":"{}"}}"#,
        SENTINELS[0].0, SENTINELS[1].0, SENTINELS[3].0
    );
    tracing::info!("request body: {}", body);
    tracing::warn!(body = %body, "as a field");
    tracing::error!(contact = ?SENTINELS[0].0, "debug-quoted");
    log::warn!("from the log crate: {} {}", SENTINELS[0].0, SENTINELS[3].0);
}

fn bridge_log() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        tracing_log::LogTracer::init().unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

#[test]
fn the_scrubbing_writer_masks_raw_strings_from_tracing_and_log() {
    bridge_log();
    for format in FORMATS {
        for ansi in [false, true] {
            let capture = Capture::default();
            with_format(format, ansi, Scrubbed::new(capture.clone()), log_raw);
            let out = capture.text();
            assert!(out.contains("from the log crate"), "{format:?}:\n{out}");
            assert!(out.contains("[REDACTED:email]"), "{format:?}:\n{out}");
            assert!(out.contains("[REDACTED:card_number]"), "{format:?}:\n{out}");
            assert_no_sentinel(&out);
        }
    }
}

#[test]
fn without_the_scrubbing_writer_raw_strings_do_leak() {
    // The control: the same logging without the writer shows the sentinels, so the test above
    // can see a leak.
    bridge_log();
    let capture = Capture::default();
    with_format(Format::Full, false, capture.clone(), log_raw);
    let out = capture.text();
    assert!(out.contains(SENTINELS[0].0));
    assert!(out.contains(SENTINELS[3].0));
}
