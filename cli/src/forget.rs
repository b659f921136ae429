//! `piiguard forget SUBJECT`: erases a data subject by crypto-shredding (their key destroyed,
//! every envelope of theirs unreadable for good), through the guard: the operator needs an admin
//! role of the policy, and the act is audited before it happens.

use crate::Usage;
use piiguard::at_rest::Forgotten;
use piiguard::{Error, Guard, Principal};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `piiguard forget`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The data subject's id, as the application's records name it.
    subject: String,
    /// Who erases (written to the audit trail).
    #[arg(long = "as", value_name = "OPERATOR")]
    operator: String,
    /// The operator's role: one of the policy's `admin_roles`.
    #[arg(long)]
    role: String,
    /// The piiguard directory (its `store.db`).
    #[arg(long, value_name = "DIR", default_value = ".piiguard")]
    dir: PathBuf,
    /// Do not ask: the subject's id is not typed again to confirm.
    #[arg(long)]
    yes: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Asks for the subject's id to be typed again (on standard input).
fn confirmed(subject: &str) -> bool {
    eprint!("erasing is permanent: type the subject's id again to confirm: ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && line.trim_end() == subject
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    let dir = &args.dir;
    crate::store::require_store(dir)?;
    if !args.yes && !confirmed(&args.subject) {
        return Err(Usage("not confirmed: nothing was erased".to_owned()));
    }
    let failed = |e: Error| Usage(format!("{}: {e}", dir.display()));
    let guard = Guard::open_local(dir).map_err(failed)?;
    let operator = Principal::new(&args.operator)
        .role(&args.role)
        .in_environment(guard.keyring().environment());
    let outcome = guard
        .forget_subject(&operator, &args.subject)
        .map_err(failed)?;
    let (done, text) = match outcome {
        Forgotten::Destroyed => (
            "destroyed",
            "key destroyed: their data is unreadable for good",
        ),
        Forgotten::NoKey => ("no_key", "had no key (never written, or already forgotten)"),
    };
    if args.json {
        let out = serde_json::json!({ "subject": args.subject, "outcome": done });
        println!("{out}");
    } else {
        println!("subject {}: {text}", args.subject);
    }
    Ok(ExitCode::SUCCESS)
}
