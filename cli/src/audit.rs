//! `piiguard audit verify|tail|report|recover|export-key` on either store engine: the trail read
//! with the key set, or with an auditor's key file (the integrity keys alone).

use crate::Usage;
use crate::store::{At, Trail, failed, name, trail};
use piiguard::Error;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `piiguard audit`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Verifies the whole audit trail: the signed checkpoints, then every writer's hash chain.
    /// Exit 0 when it verifies, 1 at the first bad event (its number and what is wrong). Events
    /// after the last checkpoint are verified in their chains and counted as not sealed yet.
    Verify(At),
    /// Prints the last events of the trail, one per line; with `--follow`, goes on printing
    /// new events as they are written, until interrupted.
    Tail(TailArgs),
    /// Analyses the trail over a time range: accesses per principal per day against the
    /// thresholds, denials, break-glass, erasures, key and administrative acts, anomalies.
    /// Counts only events whose chain verifies; exit 1 when the chain breaks.
    Report(crate::report::Args),
    /// Repairs a JSON-lines trail after a crash: a torn or garbled last line is cut off, an
    /// `audit_recovered` event records what was cut, and the rest is verified. Damage anywhere
    /// else is refused (exit 1). A store's own trail needs no recovery: its events are rows
    /// written in transactions, so a crash leaves no half-written one.
    Recover(RecoverArgs),
    /// Writes an auditor's key file: the integrity keys alone (they chain the trail and sign
    /// its checkpoints; none opens data), sealed under the passphrase in
    /// PIIGUARD_AUDITOR_PASSPHRASE. The auditor then reads the trail with `--audit-key FILE`,
    /// without the key set's KEK. Run by whoever holds the KEK; again after rotating the
    /// integrity key.
    ExportKey(ExportKeyArgs),
}

/// Arguments of `piiguard audit export-key`.
#[derive(clap::Args)]
struct ExportKeyArgs {
    /// The auditor's key file to write (never overwritten).
    #[arg(long, value_name = "FILE")]
    out: std::path::PathBuf,
    #[command(flatten)]
    at: At,
}

/// Arguments of `piiguard audit recover`.
#[derive(clap::Args)]
struct RecoverArgs {
    /// The JSON-lines trail (written by `JsonlSink`, chained with the store's integrity key).
    #[arg(long, value_name = "FILE")]
    jsonl: std::path::PathBuf,
    /// The store whose keys chained it.
    #[command(flatten)]
    at: At,
}

/// Arguments of `piiguard audit tail`.
#[derive(clap::Args)]
struct TailArgs {
    #[command(flatten)]
    at: At,
    /// How many of the last events to print first.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10)]
    lines: u64,
    /// Keep printing events as they are written (`tail -f`).
    #[arg(short, long)]
    follow: bool,
    /// How often `--follow` looks for new events, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    interval: u64,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    match &args.command {
        Command::Verify(at) => verify(at),
        Command::Tail(tail) => follow(tail),
        Command::Report(report) => crate::report::run(report),
        Command::Recover(recover) => repair(recover),
        Command::ExportKey(export) => export_key(export),
    }
}

fn export_key(args: &ExportKeyArgs) -> Result<ExitCode, Usage> {
    let keyring = crate::store::keyring(&args.at)?;
    let file = crate::store::auditor_key_file(&args.out)?;
    let shown = args.out.display();
    let count = keyring
        .export_integrity_keys(&file)
        .map_err(|e| Usage(format!("{shown}: {e}")))?;
    if args.at.json {
        println!(
            "{}",
            serde_json::json!({ "file": shown.to_string(), "keys": count })
        );
    } else {
        println!(
            "{shown}: {count} integrity key version(s), nothing that opens data; give it to the \
             auditor with its passphrase, and export again after rotating the integrity key"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(at: &At) -> Result<ExitCode, Usage> {
    let shown = name(at);
    let trail = trail(at)?;
    let progress = crate::progress::bar(trail.last_seq().map_err(failed(at))?, "verifying");
    let verified = trail.verify_each(|seq, _| {
        if seq % 4096 == 0 {
            progress.set_position(seq);
        }
    });
    progress.finish_and_clear();
    match verified {
        Ok(report) => {
            if at.json {
                let out = serde_json::json!({
                    "store": shown, "intact": true, "events": report.events,
                    "writers": report.writers, "unsealed": report.unsealed,
                    "checkpoint": { "seq": report.head.seq, "hash": report.head.mac },
                });
                println!("{out}");
            } else {
                println!(
                    "{shown}: {} events from {} writers, every chain is intact; checkpoint {} \
                     ({}); {} events after it, not sealed yet",
                    report.events,
                    report.writers,
                    report.head.seq,
                    report.head.mac,
                    report.unsealed
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::AuditChain { line, problem }) => {
            if at.json {
                let out = serde_json::json!({
                    "store": shown, "intact": false, "breaks_at": line,
                    "problem": problem.to_string(),
                });
                println!("{out}");
            } else {
                println!("{shown}: the chain breaks at event {line}: {problem}");
            }
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(Usage(format!("{shown}: {e}"))),
    }
}

fn repair(args: &RecoverArgs) -> Result<ExitCode, Usage> {
    use piiguard::audit::{AuditSink as _, JsonlSink};
    let at = &args.at;
    let keyring = crate::store::keyring(at)?;
    let file = args.jsonl.display().to_string();
    let before = std::fs::metadata(&args.jsonl)
        .map_err(|e| Usage::file(&args.jsonl, &e))?
        .len();
    let verified = JsonlSink::recover(&args.jsonl, &keyring).and_then(|sink| sink.verify());
    let report = match verified {
        Ok(Some(report)) => report,
        Ok(None) => return Err(Usage(format!("{file}: not a chained trail"))),
        Err(Error::AuditChain { line, problem }) => {
            println!("{file}: damaged at event {line} ({problem}), not only at its end: refused");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(Usage(format!("{file}: {e}"))),
    };
    let after = std::fs::metadata(&args.jsonl).map_or(before, |m| m.len());
    let repaired = report.head.seq > 0 && after != before;
    if at.json {
        let out = serde_json::json!({
            "file": file, "repaired": repaired, "events": report.events,
            "head": { "seq": report.head.seq, "mac": report.head.mac },
        });
        println!("{out}");
    } else if repaired {
        println!(
            "{file}: the damaged last line was cut and the recovery recorded; {} events, the \
             chain is intact",
            report.events
        );
    } else {
        println!(
            "{file}: nothing to repair; {} events, the chain is intact",
            report.events
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Events read from the store at a time.
const PAGE: usize = 1000;

/// How far back `--follow` looks for events that became visible after later ones: on
/// PostgreSQL, writers commit concurrently, so an event can commit after one with a higher
/// storage number.
const LOOK_BACK: u64 = 1000;

fn follow(args: &TailArgs) -> Result<ExitCode, Usage> {
    let at = &args.at;
    let trail = trail(at)?;
    let last = trail.last_seq().map_err(failed(at))?;
    let floor = last.saturating_sub(args.lines);
    let mut seen = Seen {
        floor,
        after: floor,
        printed: std::collections::BTreeSet::new(),
    };
    loop {
        let printed = print_after(&trail, at, &mut seen)?;
        if !args.follow {
            return Ok(ExitCode::SUCCESS);
        }
        if printed == 0 {
            std::thread::sleep(Duration::from_millis(args.interval.max(10)));
        }
    }
}

/// Where `tail` is: nothing at or below `floor` is printed; `after` is the highest storage
/// number printed, and `printed` those printed within the look-back below it.
struct Seen {
    floor: u64,
    after: u64,
    printed: std::collections::BTreeSet<u64>,
}

/// Prints every event after `seen.after`, and those within the look-back below it not printed
/// yet (moving it on); returns how many.
fn print_after(trail: &Trail, at: &At, seen: &mut Seen) -> Result<usize, Usage> {
    let mut printed = 0;
    let mut out = std::io::stdout().lock();
    let mut from = seen.after.saturating_sub(LOOK_BACK).max(seen.floor);
    loop {
        let page = trail.lines_after(from, PAGE).map_err(failed(at))?;
        for (seq, line) in &page {
            from = *seq;
            if !seen.printed.insert(*seq) {
                continue;
            }
            let text = if at.json { line.clone() } else { summary(line) };
            // A closed pipe (`| head`) ends the command quietly.
            if writeln!(out, "{text}").is_err() {
                std::process::exit(0);
            }
            seen.after = seen.after.max(*seq);
            printed += 1;
        }
        if page.len() < PAGE {
            let _ = out.flush();
            seen.printed = seen
                .printed
                .split_off(&seen.after.saturating_sub(LOOK_BACK));
            return Ok(printed);
        }
    }
}

/// One event on one line: number, time, who, what, the outcome and its reason, and what it
/// touched. Events never hold values, only names and ids.
fn summary(line: &str) -> String {
    let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
        return "(an event that is not JSON: run `piiguard audit verify`)".to_owned();
    };
    let text = |value: &serde_json::Value| value.as_str().unwrap_or("-").to_owned();
    let object = &event["object"];
    let mut out = format!(
        "{:>6} {} {} {} {} ({})",
        event["seq"].as_u64().unwrap_or(0),
        text(&event["time"]),
        text(&event["principal"]["id"]),
        text(&event["action"]),
        text(&event["outcome"]),
        text(&event["reason"]),
    );
    if let Some(record) = object["record"].as_str() {
        out.push(' ');
        out.push_str(record);
        if let Some(field) = object["field"].as_str() {
            out.push('.');
            out.push_str(field);
        }
    }
    for (label, value) in [
        ("subject", &object["subject"]),
        ("purpose", &event["purpose"]),
        ("detail", &event["detail"]),
    ] {
        if let Some(value) = value.as_str() {
            out.push_str(&format!(" {label}={value:?}"));
        }
    }
    out
}
