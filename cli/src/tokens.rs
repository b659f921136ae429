//! `piiguard tokens sweep`: deletes vault tokens that have expired from a store (they are
//! refused already; this tidies the store), through the guard: an admin act, audited. On
//! either store engine.

use crate::Usage;
use crate::store::{At, Operator, failed, guard};
use std::process::ExitCode;

/// Arguments of `piiguard tokens`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Deletes expired vault tokens (an admin act, audited).
    Sweep(Sweep),
}

#[derive(clap::Args)]
struct Sweep {
    /// The most tokens deleted in one run.
    #[arg(long, default_value_t = 100_000)]
    limit: usize,
    #[command(flatten)]
    operator: Operator,
    #[command(flatten)]
    at: At,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    match &args.command {
        Command::Sweep(sweep) => {
            let at = &sweep.at;
            let guard = guard(at)?;
            let operator = sweep.operator.principal(&guard);
            let deleted = guard
                .admin(&operator)
                .sweep_expired_tokens(sweep.limit)
                .map_err(failed(at))?;
            if at.json {
                println!("{}", serde_json::json!({ "deleted": deleted }));
            } else {
                println!("{deleted} expired tokens deleted");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
