//! `piiguard audit report`: what an auditor and a security team want from a trail over a time
//! range — accesses per principal per day against the policy's thresholds, denials and their
//! reasons, break-glass, erasures, key events, administrative acts, the chain's state, and
//! anomalies (a principal's first access to a class, accesses at unusual hours, bursts).
//!
//! The trail is read once, in pages, through its verification: only events whose chain holds
//! are counted, and a broken chain is reported with the event where it breaks.

mod html;
mod tally;

use crate::Usage;
use crate::store::{At, failed, name, trail};
use piiguard::Error;
use piiguard::audit::Action;
use piiguard::monitor::Thresholds;
use serde_json::{Value, json};
use std::process::ExitCode;
use tally::{Settings, Tally};

/// Arguments of `piiguard audit report`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    at: At,
    /// Events from this day or time on (`2026-11-01`, `2026-11-01T08:00:00Z`; UTC).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Events before this day or time (exclusive).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Reveals and views a day above which a principal is elevated (default: the policy in
    /// force's `elevated_after`, else 100).
    #[arg(long, value_name = "N")]
    elevated: Option<u32>,
    /// Reveals and views a day above which a principal is suspicious (default: the policy in
    /// force's `suspicious_after`, else 150).
    #[arg(long, value_name = "N")]
    suspicious: Option<u32>,
    /// Reveals and views within `--burst-secs` above which a principal bursts.
    #[arg(long, value_name = "N", default_value_t = 20)]
    burst: usize,
    /// The burst window, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    burst_secs: i64,
    /// Also write the report as one self-contained HTML page with charts.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// A day (`YYYY-MM-DD`) or an RFC 3339 time, as the trail writes times (UTC): compared as text
/// with the trail's fixed-width times.
fn bound(text: &Option<String>, flag: &str) -> Result<Option<String>, Usage> {
    let Some(text) = text else {
        return Ok(None);
    };
    use time::format_description::well_known::Rfc3339;
    let day = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(text, &day).is_ok() {
        return Ok(Some(text.clone()));
    }
    let parsed = time::OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        Usage(format!(
            "{flag}: expected a day (2026-11-01) or an RFC 3339 time"
        ))
    })?;
    let utc = parsed.to_offset(time::UtcOffset::UTC);
    Ok(Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.microsecond()
    )))
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    let at = &args.at;
    if args.burst == 0 || args.burst_secs <= 0 {
        return Err(Usage("--burst and --burst-secs must be above 0".to_owned()));
    }
    let levels = crate::store::policy_in_force(at)?.map_or_else(
        || Thresholds::default().total,
        |policy| policy.monitor().total,
    );
    let settings = Settings {
        since: bound(&args.since, "--since")?,
        until: bound(&args.until, "--until")?,
        elevated: args.elevated.unwrap_or(levels.elevated_after),
        suspicious: args.suspicious.unwrap_or(levels.suspicious_after),
        burst: args.burst,
        burst_secs: args.burst_secs,
    };
    let trail = trail(at)?;
    let total = trail.last_seq().map_err(failed(at))?;
    let progress = crate::progress::bar(total, "verifying and counting");
    let mut tally = Tally::default();
    let verified = trail.verify_each(|seq, event| {
        tally.add(&settings, seq, event);
        if seq % 4096 == 0 {
            progress.set_position(seq);
        }
    });
    progress.finish_and_clear();
    let chain = match verified {
        Ok(report) => json!({
            "intact": true, "events": report.events,
            "head": { "seq": report.head.seq, "mac": report.head.mac },
        }),
        Err(Error::AuditChain { line, problem }) => json!({
            "intact": false, "breaks_at": line, "problem": problem.to_string(),
            "note": "only the events before the break are counted",
        }),
        Err(e) => return Err(failed(at)(e)),
    };
    let intact = chain["intact"] == true;
    let report = assemble(&name(at), &settings, &tally, chain);
    if let Some(path) = &args.html {
        std::fs::write(path, html::page(&report)).map_err(|e| Usage::file(path, &e))?;
    }
    if at.json {
        println!("{report}");
    } else {
        print_text(&report);
    }
    Ok(if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn assemble(store: &str, settings: &Settings, tally: &Tally, chain: Value) -> Value {
    let principals: Vec<Value> = tally
        .principals()
        .map(|p| serde_json::to_value(p).unwrap_or(Value::Null))
        .collect();
    json!({
        "store": store,
        "range": {
            "since": settings.since, "until": settings.until,
            "first_event": tally.first_time, "last_event": tally.last_time,
        },
        "chain": chain,
        "events": {
            "total": tally.events, "by_action": tally.by_action, "by_outcome": tally.by_outcome,
        },
        "thresholds": {
            "elevated": settings.elevated, "suspicious": settings.suspicious,
            "burst": settings.burst, "burst_secs": settings.burst_secs,
        },
        "accesses": {
            "total": tally.accesses,
            "principals": principals,
            "over_elevated": tally.over(settings.elevated),
            "over_suspicious": tally.over(settings.suspicious),
        },
        "denials": {
            "total": tally.by_outcome.get("denied").copied().unwrap_or(0),
            "by_reason": tally.denials_by_reason,
        },
        "break_glass": {
            "requests": tally.outcomes(Action::GrantRequest).json(),
            "grants": tally.outcomes(Action::Grant).json(),
            "revocations": tally.outcomes(Action::GrantRevoke).json(),
            "uses": tally.grant_uses.values().sum::<u64>(), "uses_by_grant": tally.grant_uses,
            "events": tally.break_glass,
        },
        "erasures": listed_with(&tally.erasures, tally.outcomes(Action::SubjectErasure).json()),
        "key_events": listed_with(&tally.key_events, json!({
            "rotations": tally.outcomes(Action::KeyRotation).json(),
            "destructions": tally.outcomes(Action::KeyDestruction).json(),
        })),
        "token_refusals": {
            "total": tally.token_refusals.total,
            "by_caller": tally.token_refusals_by.iter().map(|((principal, field), n)| json!({
                "principal": principal, "field": field, "count": n,
            })).collect::<Vec<_>>(),
            "events": tally.token_refusals,
        },
        "alerts": tally.alerts,
        "admin": tally.admin.iter().map(|((principal, action, outcome), n)| json!({
            "principal": principal, "action": action, "outcome": outcome, "count": n,
        })).collect::<Vec<_>>(),
        "anomalies": {
            "first_access": tally.first_access,
            "bursts": tally.bursts,
        },
    })
}

/// A list's events (`total`, `entries`) with `counts` beside them.
fn listed_with<T: serde::Serialize>(list: &tally::Listed<T>, counts: Value) -> Value {
    let mut out = serde_json::to_value(list).unwrap_or(Value::Null);
    if let (Some(out), Some(counts)) = (out.as_object_mut(), counts.as_object()) {
        out.extend(counts.clone());
    }
    out
}

/// "2 done, 1 denied, 0 failed".
fn outcomes_text(v: &Value) -> String {
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    format!(
        "{} done, {} denied, {} failed",
        n("done"),
        n("denied"),
        n("failed")
    )
}

/// The terminal summary.
fn print_text(report: &Value) {
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let s = |v: &Value| v.as_str().unwrap_or("-").to_owned();
    let chain = &report["chain"];
    println!("audit report: {}", s(&report["store"]));
    println!(
        "range: {} .. {} (events {} .. {})",
        s(&report["range"]["since"]),
        s(&report["range"]["until"]),
        s(&report["range"]["first_event"]),
        s(&report["range"]["last_event"]),
    );
    if chain["intact"] == true {
        println!("chain: intact, {} events", n(&chain["events"]));
    } else {
        println!(
            "chain: BROKEN at event {}: {} (only the events before it are counted)",
            n(&chain["breaks_at"]),
            s(&chain["problem"])
        );
    }
    println!("events in range: {}", n(&report["events"]["total"]));
    let accesses = &report["accesses"];
    println!("\naccesses (reveals and views): {}", n(&accesses["total"]));
    for p in accesses["principals"].as_array().into_iter().flatten() {
        let days = p["days"].as_object().map_or(0, serde_json::Map::len);
        let busiest = p["days"]
            .as_object()
            .and_then(|d| d.values().filter_map(Value::as_u64).max())
            .unwrap_or(0);
        println!(
            "  {:<24} {:>8} over {days} days, busiest day {busiest}, denials {}, at unusual hours {}",
            s(&p["principal"]),
            n(&p["accesses"]),
            n(&p["denials"]),
            n(&p["outside_usual_hours"]),
        );
    }
    for (label, key) in [
        ("elevated", "over_elevated"),
        ("suspicious", "over_suspicious"),
    ] {
        let over = accesses[key].as_array().cloned().unwrap_or_default();
        println!(
            "  over {} a day ({label}): {}",
            n(&report["thresholds"][label]),
            over.len()
        );
        for o in over.iter().take(20) {
            println!(
                "    {} on {}: {}",
                s(&o["principal"]),
                s(&o["day"]),
                n(&o["accesses"])
            );
        }
    }
    println!("\ndenials: {}", n(&report["denials"]["total"]));
    for (reason, count) in report["denials"]["by_reason"]
        .as_object()
        .into_iter()
        .flatten()
    {
        println!("  {reason:<28} {}", n(count));
    }
    let bg = &report["break_glass"];
    println!("\nbreak-glass: {} uses", n(&bg["uses"]));
    for (label, key) in [
        ("requests", "requests"),
        ("grants", "grants"),
        ("revocations", "revocations"),
    ] {
        println!("  {label:<12} {}", outcomes_text(&bg[key]));
    }
    for e in bg["events"]["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .take(20)
    {
        println!(
            "  {} {} {} {} {}",
            s(&e["time"]),
            s(&e["principal"]),
            s(&e["action"]),
            s(&e["outcome"]),
            e["justification"].as_str().unwrap_or("")
        );
    }
    println!("\nerasures: {}", outcomes_text(&report["erasures"]));
    println!(
        "key rotations: {}; destructions: {}",
        outcomes_text(&report["key_events"]["rotations"]),
        outcomes_text(&report["key_events"]["destructions"])
    );
    println!("alerts: {}", n(&report["alerts"]["total"]));
    let refusals = &report["token_refusals"];
    println!("token refusals: {}", n(&refusals["total"]));
    for r in refusals["by_caller"]
        .as_array()
        .into_iter()
        .flatten()
        .take(20)
    {
        println!(
            "  {:<24} {:<24} {}",
            s(&r["principal"]),
            s(&r["field"]),
            n(&r["count"])
        );
    }
    println!("administrative acts:");
    for a in report["admin"].as_array().into_iter().flatten() {
        println!(
            "  {:<24} {:<18} {:<8} {}",
            s(&a["principal"]),
            s(&a["action"]),
            s(&a["outcome"]),
            n(&a["count"])
        );
    }
    let anomalies = &report["anomalies"];
    println!(
        "\nanomalies: {} first accesses to a class, {} bursts",
        n(&anomalies["first_access"]["total"]),
        n(&anomalies["bursts"]["total"])
    );
    for b in anomalies["bursts"]["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .take(20)
    {
        println!(
            "  burst: {} at {} ({} accesses in {} s)",
            s(&b["principal"]),
            s(&b["time"]),
            n(&b["accesses"]),
            n(&b["window_secs"])
        );
    }
}
