//! `piiguard retention`: the policy's retention through the guard, on either store engine —
//! `sweep` erases the subjects past their period (an admin act, audited; run it daily from
//! a scheduler), `hold` and `release` put and lift legal holds, `register` lists the deletion
//! register (all of it, or one subject's entries, found by the subject's id).

use crate::Usage;
use crate::store::{At, Operator, failed, guard};
use std::process::ExitCode;

/// Arguments of `piiguard retention`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Erases every subject past its retention period (crypto-shredding), held ones kept.
    Sweep {
        /// The most subjects erased in one run (run again if it says there are more).
        #[arg(long, default_value_t = 10_000)]
        limit: usize,
        #[command(flatten)]
        operator: Operator,
        #[command(flatten)]
        at: At,
    },
    /// Puts a legal hold on a subject: retention keeps their data until it is lifted.
    Hold {
        /// The subject's id.
        subject: String,
        /// Why (a case number; no personal data).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        operator: Operator,
        #[command(flatten)]
        at: At,
    },
    /// Lifts a subject's legal hold.
    Release {
        /// The subject's id.
        subject: String,
        #[command(flatten)]
        operator: Operator,
        #[command(flatten)]
        at: At,
    },
    /// Lists the deletion register: what was erased, when, why, by whom — never the data.
    Register {
        /// Only this subject's entries (found by its pseudonym, computed from the id).
        #[arg(long)]
        subject: Option<String>,
        /// The most entries listed.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        #[command(flatten)]
        at: At,
    },
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    match &args.command {
        Command::Sweep {
            limit,
            operator,
            at,
        } => {
            let guard = guard(at)?;
            let sweep = guard
                .admin(&operator.principal(&guard))
                .sweep_retention(*limit)
                .map_err(failed(at))?;
            if at.json {
                println!(
                    "{}",
                    serde_json::json!({ "erased": sweep.erased, "held": sweep.held, "kept": sweep.kept, "more": sweep.more })
                );
            } else {
                println!(
                    "{} subjects erased, {} held, {} kept{}",
                    sweep.erased,
                    sweep.held,
                    sweep.kept,
                    if sweep.more {
                        "; more are due: run it again"
                    } else {
                        ""
                    }
                );
            }
        }
        Command::Hold {
            subject,
            reason,
            operator,
            at,
        } => {
            let guard = guard(at)?;
            guard
                .admin(&operator.principal(&guard))
                .hold_subject(subject, reason)
                .map_err(failed(at))?;
            println!("{subject}: held");
        }
        Command::Release {
            subject,
            operator,
            at,
        } => {
            let guard = guard(at)?;
            guard
                .admin(&operator.principal(&guard))
                .release_subject(subject)
                .map_err(failed(at))?;
            println!("{subject}: released");
        }
        Command::Register { subject, limit, at } => {
            let read_as_auditor = match subject {
                None => crate::store::deletion_register(at, *limit)?,
                Some(_) => None,
            };
            let mut entries = match read_as_auditor {
                Some(entries) => entries,
                None => {
                    // One subject's entries are found by its pseudonym: the key set's.
                    let guard = guard(at)?;
                    match subject {
                        Some(subject) => guard.storage().deletions_of(subject),
                        None => guard.storage().deletion_register(*limit),
                    }
                    .map_err(failed(at))?
                }
            };
            entries.truncate(*limit);
            let when = |at: i64| {
                time::OffsetDateTime::from_unix_timestamp(at)
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_else(|| at.to_string())
            };
            if !at.json && !entries.is_empty() {
                println!(
                    "{:<20}  {:<16}  {:<15} {:<24} {:<24} actor",
                    "erased", "subject", "reason", "records", "classes"
                );
            }
            for d in &entries {
                if at.json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "id": d.id, "tenant": d.tenant, "subject": d.subject, "records": d.records,
                            "classes": d.classes, "reason": d.reason, "policy_version": d.policy_version,
                            "at": when(d.at), "actor": d.actor,
                        })
                    );
                } else {
                    println!(
                        "{:<20}  {:<16}  {:<15} {:<24} {:<24} {}",
                        when(d.at),
                        d.subject,
                        d.reason,
                        d.records,
                        d.classes,
                        d.actor
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
