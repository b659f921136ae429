//! `piiguard forget SUBJECT`: erases a data subject by crypto-shredding (their key destroyed,
//! every envelope of theirs unreadable for good), through the guard: the operator needs an admin
//! role of the policy, and the act is audited before it happens. On either store engine.

use crate::Usage;
use crate::store::{At, Operator, confirmed, failed, guard};
use piiguard::at_rest::Forgotten;
use std::process::ExitCode;

/// Arguments of `piiguard forget`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The data subject's id, as the application's records name it.
    subject: String,
    #[command(flatten)]
    operator: Operator,
    /// Do not ask: the subject's id is not typed again to confirm.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    at: At,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    let at = &args.at;
    let guard = guard(at)?;
    let prompt = "erasing is permanent: type the subject's id again to confirm";
    if !args.yes && !confirmed(prompt, &args.subject) {
        return Err(Usage("not confirmed: nothing was erased".to_owned()));
    }
    let operator = args.operator.principal(&guard);
    let outcome = guard
        .admin(&operator)
        .forget_subject(&args.subject)
        .map_err(failed(at))?;
    let (done, text) = match outcome {
        Forgotten::Destroyed => (
            "destroyed",
            "key destroyed: their data is unreadable for good",
        ),
        Forgotten::NoKey => ("no_key", "had no key (never written, or already forgotten)"),
    };
    if at.json {
        let out = serde_json::json!({ "subject": args.subject, "outcome": done });
        println!("{out}");
    } else {
        println!("subject {}: {text}", args.subject);
    }
    Ok(ExitCode::SUCCESS)
}
