//! `piiguard proxy`: runs the detokenizing proxy (the `piiguard-proxy` crate) on the store the
//! command opens. `docs/PROXY.md` has the configuration file's reference.
//!
//! ```text
//! piiguard proxy --config proxy.toml [--dir .piiguard | --postgres URL]
//! piiguard proxy --config proxy.toml --check      the file's mistakes, with their lines
//! ```

use crate::Usage;
use crate::store::{At, guard};
use piiguard_proxy::{Config, Server};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `piiguard proxy`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The proxy's configuration file (TOML): listener, callers, upstreams, routes.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Check the configuration file and exit (1 if it has mistakes).
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    at: At,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    let config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(mistakes) => {
            for mistake in &mistakes.0 {
                eprintln!("{}: {mistake}", args.config.display());
            }
            return Ok(ExitCode::from(1));
        }
    };
    let server = Server::new(config).map_err(|e| Usage(e.to_string()))?;
    if args.check {
        println!("{}: {}", args.config.display(), server.describe());
        return Ok(ExitCode::SUCCESS);
    }
    server
        .run(guard(&args.at)?)
        .map_err(|e| Usage(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}
