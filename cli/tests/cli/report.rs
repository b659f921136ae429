//! `piiguard audit report` on a generated trail, run as a user would: the figures in its JSON
//! match counts the test makes independently while generating the trail (several principals,
//! ten days, a scripted burst, denials, break-glass, erasures, a key rotation); a range narrows
//! them; a tampered trail is reported as broken.
//!
//! The size is 20,000 events by default; `PIIGUARD_REPORT_EVENTS` sets another (`.ci/run` runs
//! 100,000 in the debug build; the figures over a million in the docs are release runs), and the
//! test prints the report's time and peak memory.
#![cfg(feature = "store")]

use crate::common;

use common::{piiguard, text};
use piiguard::audit::{Action, Actor, AuditEvent, Object, Outcome, Text};
use piiguard::store::SqliteStore;
use piiguard::{Guard, Principal, Reason};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

const PRINCIPALS: [&str; 4] = ["svc-mailer", "agent-17", "agent-23", "analyst-4"];
const CLASSES: [&str; 3] = ["email", "phone", "passport"];
const DAYS: u64 = 10;

/// What the test counted while generating.
#[derive(Default)]
struct Expected {
    events: u64,
    accesses: u64,
    per_principal: BTreeMap<String, u64>,
    per_day: BTreeMap<(String, String), u64>,
    denials_by_reason: BTreeMap<String, u64>,
    /// (action, outcome) → events, for the acts the report counts by outcome.
    acts: BTreeMap<(String, String), u64>,
    uses: u64,
    /// `dpo-1`'s erasures (all done).
    erasures: u64,
    token_refusals: u64,
    first_access: BTreeSet<(String, String)>,
}

struct Event<'a> {
    time: String,
    principal: &'a str,
    action: Action,
    outcome: Outcome,
    reason: Reason,
    class: Option<&'static str>,
    subject: Option<String>,
    grant: Option<&'a str>,
}

impl Event<'_> {
    fn build(&self) -> AuditEvent {
        AuditEvent {
            time: Text::from(self.time.as_str()),
            action: self.action,
            outcome: self.outcome,
            reason: self.reason,
            subsystem: Text::from_static("report-test"),
            principal: Actor::of(&Principal::new(self.principal)),
            object: Object {
                record: self.class.map(|_| Text::from_static("customer")),
                field: self.class.map(Text::from_static),
                class: self.class.map(Text::from_static),
                subject: self.subject.as_deref().map(Text::from),
                ..Object::default()
            },
            purpose: Some(Text::from_static("support")),
            justification: (self.action == Action::GrantRequest)
                .then(|| Text::from_static("ticket 4711, customer asked")),
            policy_version: Text::from_static("report-1"),
            grant: self.grant.map(Text::from),
            detail: None,
        }
    }
}

impl Expected {
    fn count(&mut self, e: &Event<'_>) {
        self.events += 1;
        let accessed =
            matches!(e.action, Action::Reveal | Action::View) && e.outcome == Outcome::Allowed;
        if accessed {
            self.accesses += 1;
            *self.per_principal.entry(e.principal.into()).or_default() += 1;
            *self
                .per_day
                .entry((e.principal.into(), e.time[..10].into()))
                .or_default() += 1;
            if let Some(class) = e.class {
                self.first_access.insert((e.principal.into(), class.into()));
            }
            if e.grant.is_some() {
                self.uses += 1;
            }
        }
        if e.outcome == Outcome::Denied {
            *self
                .denials_by_reason
                .entry(e.reason.name().into())
                .or_default() += 1;
        }
        if matches!(
            e.action,
            Action::GrantRequest
                | Action::Grant
                | Action::GrantRevoke
                | Action::SubjectErasure
                | Action::KeyRotation
        ) {
            *self
                .acts
                .entry((e.action.name().into(), e.outcome.name().into()))
                .or_default() += 1;
        }
        if e.action == Action::SubjectErasure && e.principal == "dpo-1" {
            self.erasures += 1;
        }
        if e.action == Action::Detokenize && e.reason == Reason::TokenRefused {
            self.token_refusals += 1;
        }
    }

    /// What the report should say of `action`: done (allowed less failed: an administrative
    /// act is recorded before it is done and again if it fails), denied, failed.
    fn outcomes(&self, action: Action) -> serde_json::Value {
        let n = |outcome: &str| {
            self.acts
                .get(&(action.name().to_owned(), outcome.to_owned()))
                .copied()
                .unwrap_or(0)
        };
        serde_json::json!({
            "done": n("allowed") - n("failed"),
            "denied": n("denied"),
            "failed": n("failed"),
        })
    }
}

/// The time of the `i`-th of `n` events: spread over ten days, from 08:00 to 18:00 mostly.
fn time_of(i: u64, n: u64) -> String {
    let per_day = n / DAYS;
    let day = (i / per_day).min(DAYS - 1);
    let within = i % per_day;
    let second = 8 * 3600 + within * (10 * 3600) / per_day;
    format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        day + 1,
        second / 3600,
        second / 60 % 60,
        second % 60,
        i % 1_000_000
    )
}

/// Writes a trail of about `n` events to a new store in `dir`; returns what it holds.
fn generate(dir: &Path, n: u64) -> Expected {
    let guard = Guard::open_local(dir).unwrap();
    let audit = SqliteStore::open(dir.join("store.db"))
        .unwrap()
        .audit(guard.keyring())
        .unwrap();
    // The store's own first event: the starter policy put in force.
    let mut expected = Expected {
        events: audit.last_seq().unwrap(),
        ..Expected::default()
    };
    assert_eq!(expected.events, 1);
    let mut batch = Vec::with_capacity(10_000);
    let emit = |e: Event<'_>, expected: &mut Expected, batch: &mut Vec<AuditEvent>| {
        expected.count(&e);
        batch.push(e.build());
        if batch.len() == 10_000 {
            audit.record_all(batch).unwrap();
            batch.clear();
        }
    };
    for i in 0..n {
        let principal = PRINCIPALS[(i % 4) as usize];
        let class = CLASSES[(i / 7 % 3) as usize];
        let time = time_of(i, n);
        let subject = Some(format!("customer-{}", i % 997));
        let e = if i % 13 == 5 {
            Event {
                time,
                principal,
                action: Action::Reveal,
                outcome: Outcome::Denied,
                reason: Reason::RevealNotPermitted,
                class: Some(class),
                subject,
                grant: None,
            }
        } else if i % 1_000 == 999 {
            Event {
                time,
                principal: "dpo-1",
                action: Action::SubjectErasure,
                outcome: Outcome::Allowed,
                reason: Reason::AdminRole,
                class: None,
                subject,
                grant: None,
            }
        } else {
            Event {
                time,
                principal,
                action: if i % 3 == 0 {
                    Action::View
                } else {
                    Action::Reveal
                },
                outcome: Outcome::Allowed,
                reason: Reason::RoleRule,
                class: Some(class),
                subject,
                grant: None,
            }
        };
        emit(e, &mut expected, &mut batch);
    }
    // Day 5, 23:00: a break-glass episode, and a script: 200 reveals in 5 seconds.
    let night = |s: u64| format!("2026-11-05T23:{:02}:{:02}.000000Z", s / 60, s % 60);
    for (s, action, principal) in [
        (0, Action::GrantRequest, "agent-23"),
        (30, Action::Grant, "security-1"),
    ] {
        let e = Event {
            time: night(s),
            principal,
            action,
            outcome: Outcome::Allowed,
            reason: Reason::Approver,
            class: Some("passport"),
            subject: Some("customer-5".into()),
            grant: Some("g-1"),
        };
        emit(e, &mut expected, &mut batch);
    }
    // A principal id that is markup: the HTML page must show it as text.
    let e = Event {
        time: night(50),
        principal: "x<b>&\"y",
        action: Action::Reveal,
        outcome: Outcome::Allowed,
        reason: Reason::RoleRule,
        class: Some("phone"),
        subject: Some("customer-9".into()),
        grant: None,
    };
    emit(e, &mut expected, &mut batch);
    for k in 0..200 {
        let e = Event {
            time: night(60 + k / 40),
            principal: "bot-7",
            action: Action::Reveal,
            outcome: Outcome::Allowed,
            reason: Reason::RoleRule,
            class: Some("email"),
            subject: Some(format!("customer-{k}")),
            grant: None,
        };
        emit(e, &mut expected, &mut batch);
    }
    for (s, action, grant) in [
        (200, Action::Reveal, Some("g-1")),
        (201, Action::Reveal, Some("g-1")),
        (300, Action::GrantRevoke, Some("g-1")),
        (400, Action::KeyRotation, None),
    ] {
        let e = Event {
            time: night(s),
            principal: if action == Action::KeyRotation {
                "security-1"
            } else {
                "agent-23"
            },
            action,
            outcome: Outcome::Allowed,
            reason: Reason::RoleRule,
            class: (action == Action::Reveal).then_some("passport"),
            subject: Some("customer-5".into()),
            grant,
        };
        emit(e, &mut expected, &mut batch);
    }
    // Acts refused or failed, which the report must not count as done: an approval of a request
    // that does not exist, an erasure and a rotation by someone without an admin role, an
    // erasure that failed (recorded before and again after), and tokens a caller could not
    // turn back into values.
    for (s, action, outcome, reason, principal) in [
        (
            500,
            Action::Grant,
            Outcome::Denied,
            Reason::UnknownRequest,
            "security-1",
        ),
        (
            510,
            Action::SubjectErasure,
            Outcome::Denied,
            Reason::NotAdmin,
            "agent-17",
        ),
        (
            520,
            Action::SubjectErasure,
            Outcome::Allowed,
            Reason::AdminRole,
            "dpo-2",
        ),
        (
            521,
            Action::SubjectErasure,
            Outcome::Failed,
            Reason::AdminRole,
            "dpo-2",
        ),
        (
            530,
            Action::KeyRotation,
            Outcome::Denied,
            Reason::NotAdmin,
            "agent-17",
        ),
        (
            540,
            Action::Detokenize,
            Outcome::Denied,
            Reason::TokenRefused,
            "partner-api",
        ),
        (
            541,
            Action::Detokenize,
            Outcome::Denied,
            Reason::TokenRefused,
            "partner-api",
        ),
        (
            542,
            Action::Detokenize,
            Outcome::Denied,
            Reason::TokenRefused,
            "agent-23",
        ),
    ] {
        let e = Event {
            time: night(s),
            principal,
            action,
            outcome,
            reason,
            class: (action == Action::Detokenize).then_some("email"),
            subject: Some("customer-6".into()),
            grant: None,
        };
        emit(e, &mut expected, &mut batch);
    }
    if !batch.is_empty() {
        audit.record_all(&batch).unwrap();
    }
    // `dpo-1`'s erasures and `security-1`'s rotation are administrative acts, not accesses.
    expected
}

fn report(dir: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["audit", "report", "--json", "--dir", dir];
    // Over 50 reveals in 10 seconds is a burst: the script's 200 in 5 seconds, and never the
    // generated principals' even spread (under 8 in 10 seconds at a million events).
    args.extend_from_slice(&["--burst", "50", "--burst-secs", "10"]);
    args.extend_from_slice(extra);
    let out = piiguard(&args, "");
    assert!(out.status.code() != Some(2), "{}", text(&out.stderr));
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn the_report_s_figures_match_an_independent_count() {
    let n: u64 = std::env::var("PIIGUARD_REPORT_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = std::env::temp_dir().join(format!("piiguard-cli-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let generated = std::time::Instant::now();
    let expected = generate(&dir, n);
    eprintln!(
        "generated {} events in {:.1} s",
        expected.events,
        generated.elapsed().as_secs_f64()
    );
    let d = dir.to_str().unwrap();

    let started = std::time::Instant::now();
    let page = dir.join("report.html");
    let (code, out, peak_kib) = run_measured(&[
        "audit",
        "report",
        "--json",
        "--burst",
        "50",
        "--burst-secs",
        "10",
        "--html",
        page.to_str().unwrap(),
        "--dir",
        d,
    ]);
    let took = started.elapsed();
    eprintln!(
        "report over {} events: {:.1} s, peak resident memory {} MiB",
        expected.events,
        took.as_secs_f64(),
        peak_kib / 1024
    );
    assert_eq!(code, Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
    // Bounded: what it holds is per principal, day and list, not per event.
    assert!(peak_kib < 256 * 1024, "{peak_kib} KiB");
    assert_eq!(r["chain"]["intact"], true);
    assert_eq!(r["chain"]["events"], expected.events);
    assert_eq!(r["events"]["total"], expected.events);
    assert_eq!(r["accesses"]["total"], expected.accesses);
    let per_principal: BTreeMap<String, u64> = r["accesses"]["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["accesses"].as_u64().unwrap() > 0)
        .map(|p| {
            (
                p["principal"].as_str().unwrap().to_owned(),
                p["accesses"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per_principal, expected.per_principal);
    for p in r["accesses"]["principals"].as_array().unwrap() {
        let who = p["principal"].as_str().unwrap();
        for (day, count) in p["days"].as_object().unwrap() {
            assert_eq!(
                expected.per_day[&(who.to_owned(), day.clone())],
                count.as_u64().unwrap(),
                "{who} on {day}"
            );
        }
    }
    let over = |limit: u64| -> BTreeSet<(String, String)> {
        expected
            .per_day
            .iter()
            .filter(|&(_, &c)| c > limit)
            .map(|(k, _)| k.clone())
            .collect()
    };
    let listed = |key: &str| -> BTreeSet<(String, String)> {
        r["accesses"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["principal"].as_str().unwrap().to_owned(),
                    o["day"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(listed("over_elevated"), over(100));
    assert_eq!(listed("over_suspicious"), over(150));
    assert!(
        !over(150).is_empty(),
        "the generated days go over both lines"
    );
    let denials: BTreeMap<String, u64> =
        serde_json::from_value(r["denials"]["by_reason"].clone()).unwrap();
    assert_eq!(denials, expected.denials_by_reason);
    let bg = &r["break_glass"];
    assert_eq!(bg["requests"], expected.outcomes(Action::GrantRequest));
    assert_eq!(bg["grants"], expected.outcomes(Action::Grant));
    assert_eq!(
        bg["grants"]["denied"], 1,
        "the approval of an unknown request"
    );
    assert_eq!(bg["revocations"], expected.outcomes(Action::GrantRevoke));
    assert_eq!(bg["uses"], expected.uses);
    assert_eq!(bg["uses_by_grant"]["g-1"], 2);
    assert_eq!(
        bg["events"]["entries"][0]["justification"],
        "ticket 4711, customer asked"
    );
    // Erasures and rotations by outcome: the denied and the failed ones are not done.
    let erasures = expected.outcomes(Action::SubjectErasure);
    for key in ["done", "denied", "failed"] {
        assert_eq!(r["erasures"][key], erasures[key], "erasures {key}");
    }
    assert_eq!(r["erasures"]["done"], expected.erasures);
    assert_eq!(
        (
            r["erasures"]["denied"].as_u64(),
            r["erasures"]["failed"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        r["key_events"]["rotations"],
        expected.outcomes(Action::KeyRotation)
    );
    assert_eq!(r["key_events"]["rotations"]["denied"], 1);
    // Refused tokens, with their callers and fields.
    let refusals = &r["token_refusals"];
    assert_eq!(refusals["total"], expected.token_refusals);
    let by_caller: BTreeMap<(String, String), u64> = refusals["by_caller"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (
                    c["principal"].as_str().unwrap().to_owned(),
                    c["field"].as_str().unwrap().to_owned(),
                ),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_caller,
        BTreeMap::from([
            (("agent-23".to_owned(), "email".to_owned()), 1),
            (("partner-api".to_owned(), "email".to_owned()), 2),
        ])
    );
    assert_eq!(
        r["anomalies"]["first_access"]["total"],
        expected.first_access.len() as u64
    );
    let bursts = r["anomalies"]["bursts"]["entries"].as_array().unwrap();
    assert_eq!(bursts.len(), 1, "{bursts:?}");
    assert_eq!(bursts[0]["principal"], "bot-7");
    let admin: HashMap<(String, String), u64> = r["admin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                (
                    a["principal"].as_str().unwrap().to_owned(),
                    a["action"].as_str().unwrap().to_owned(),
                ),
                a["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        admin[&("dpo-1".to_owned(), "subject_erasure".to_owned())],
        expected.erasures
    );
    assert!(
        !serde_json::to_string(&r).unwrap().contains("@example.com"),
        "no values"
    );

    // The page: the same figures, three charts, nothing fetched, every trail text escaped.
    let html = std::fs::read_to_string(&page).unwrap();
    for id in ["chart-accesses", "chart-denials", "chart-break-glass"] {
        let at = html
            .find(&format!("<figure id=\"{id}\"><svg"))
            .unwrap_or_else(|| panic!("{id}"));
        let figure = &html[at..at + html[at..].find("</figure>").unwrap()];
        assert!(figure.trim_end().ends_with("</svg>"), "{id}");
        assert!(
            figure.matches("<path").count()
                + figure.matches("<polyline").count()
                + figure.matches("<rect").count()
                > 3,
            "{id} draws"
        );
    }
    let figure = |id: &str| -> u64 {
        let at = html.find(&format!("data-figure=\"{id}\">")).unwrap() + id.len() + 15;
        html[at..at + html[at..].find('<').unwrap()]
            .parse()
            .unwrap()
    };
    assert_eq!(figure("accesses-total"), expected.accesses);
    assert_eq!(figure("chain-events"), expected.events);
    assert_eq!(figure("erasures"), expected.erasures);
    assert_eq!(figure("token-refusals"), expected.token_refusals);
    assert_eq!(figure("break-glass-uses"), expected.uses);
    assert!(html.contains("x&lt;b&gt;&amp;&quot;y"));
    assert!(!html.contains("x<b>"));
    for fetched in ["<script", "<link", "<img", "@import", "url("] {
        assert!(!html.contains(fetched), "{fetched}");
    }
    assert!(
        html.contains("suspicious (150)"),
        "the threshold lines' legend"
    );
    assert!(html.contains("ticket 4711, customer asked"));
    #[cfg(feature = "chromium-tests")]
    rendered_in_chromium(&page, &expected);

    // One day: the range narrows every figure.
    let (_, day) = report(d, &["--since", "2026-11-03", "--until", "2026-11-04"]);
    let on_day: u64 = expected
        .per_day
        .iter()
        .filter(|((_, d), _)| d == "2026-11-03")
        .map(|(_, c)| c)
        .sum();
    assert_eq!(day["accesses"]["total"], on_day);
    assert_eq!(
        &day["range"]["first_event"].as_str().unwrap()[..10],
        "2026-11-03"
    );
    assert_eq!(
        day["chain"]["events"], expected.events,
        "the whole chain is verified"
    );
    let out = piiguard(&["audit", "report", "--since", "last week", "--dir", d], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--since: expected a day"));

    // The text summary.
    let out = piiguard(
        &[
            "audit",
            "report",
            "--burst",
            "50",
            "--burst-secs",
            "10",
            "--dir",
            d,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let summary = text(&out.stdout);
    assert!(summary.contains("chain: intact"), "{summary}");
    assert!(summary.contains("burst: bot-7"), "{summary}");

    // A tampered event: the report says where the chain breaks and counts only what precedes.
    let db = rusqlite::Connection::open(dir.join("store.db")).unwrap();
    db.execute(
        "UPDATE audit_events SET line = replace(line, '\"report-1\"', '\"report-2\"') \
         WHERE seq = 100",
        [],
    )
    .unwrap();
    drop(db);
    let (code, broken) = report(d, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(broken["chain"]["intact"], false);
    assert_eq!(broken["chain"]["breaks_at"], 100);
    assert_eq!(broken["events"]["total"], 99);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Runs `piiguard args…` and watches its resident-set high-water mark (`VmHWM` in
/// `/proc/PID/status`) until it exits: its exit status, its output, and the last mark read, in
/// KiB (taken every 20 ms, so it misses at most the last moments' growth).
fn run_measured(args: &[&str]) -> (Option<i32>, Vec<u8>, u64) {
    use std::io::Read as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_piiguard"))
        .args(args)
        .env_remove("PIIGUARD_KEK_PASSPHRASE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).unwrap();
        out
    });
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        if let Some(exit) = child.try_wait().unwrap() {
            return (exit.code(), reader.join().unwrap(), peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The page as headless Chromium renders it: the charts and the figures are in its DOM, and a
/// screenshot is kept under `target/` (a CI artifact).
#[cfg(feature = "chromium-tests")]
fn rendered_in_chromium(page: &Path, expected: &Expected) {
    let run = |extra: &[&str]| common::chromium(page, extra);
    let dom = String::from_utf8(run(&["--dump-dom"])).unwrap();
    assert_eq!(dom.matches("<svg").count(), 3, "three charts in the DOM");
    let figure = |id: &str| {
        let at = dom.find(&format!("data-figure=\"{id}\">")).unwrap() + id.len() + 15;
        dom[at..at + dom[at..].find('<').unwrap()]
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(figure("accesses-total"), expected.accesses);
    assert_eq!(figure("events"), expected.events);
    assert_eq!(figure("erasures"), expected.erasures);
    assert!(
        dom.contains("x&lt;b&gt;&amp;\"y"),
        "the markup id stays text"
    );
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    std::fs::create_dir_all(&target).unwrap();
    let shot = target.join("audit-report.png");
    let _ = std::fs::remove_file(&shot);
    run(&[&format!("--screenshot={}", shot.display())]);
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a screenshot of the page"
    );
    eprintln!("screenshot: {}", shot.display());
}

/// The thresholds are the policy in force's, unless given.
#[test]
fn the_thresholds_are_the_policy_s() {
    use piiguard::{Classified, Pii};
    #[derive(Classified)]
    #[pii(subject = id)]
    struct Customer {
        id: u64,
        #[pii(class = email)]
        email: Pii<String>,
    }
    let dir = std::env::temp_dir().join(format!("piiguard-cli-levels-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        r#"
version = "levels-1"

[[rule]]
roles = ["mailer"]
classes = ["email"]
treatment = "reveal"

[monitor]
elevated_after = 7
suspicious_after = 9
"#,
    )
    .unwrap();
    let guard = Guard::open_local(&dir).unwrap();
    let mailer = Principal::new("mailer-1").role("mailer");
    for id in 0..8 {
        let customer = Customer {
            id,
            email: Pii::new(format!("customer{id}@example.com")),
        };
        guard
            .reveal(&mailer, &customer, |c| &c.email, "send_receipt")
            .unwrap();
    }
    drop(guard);
    let d = dir.to_str().unwrap();
    let (_, r) = report(d, &[]);
    assert_eq!(r["thresholds"]["elevated"], 7);
    assert_eq!(r["thresholds"]["suspicious"], 9);
    assert_eq!(r["accesses"]["over_elevated"][0]["principal"], "mailer-1");
    assert_eq!(
        r["accesses"]["over_suspicious"].as_array().unwrap().len(),
        0
    );
    let (_, r) = report(d, &["--elevated", "20", "--suspicious", "30"]);
    assert_eq!(r["thresholds"]["elevated"], 20);
    assert_eq!(r["accesses"]["over_elevated"].as_array().unwrap().len(), 0);
    std::fs::remove_dir_all(dir).unwrap();
}
