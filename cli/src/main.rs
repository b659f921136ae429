//! `piiguard`: the command-line tool.
//!
//! ```text
//! piiguard scrub [FILE]...            scrub files (or stdin) to stdout
//! piiguard scrub -o clean.log app.log  … to a file
//! piiguard scrub --in-place *.log      rewrite each file with its scrubbed text
//! piiguard scrub --check app.log       list findings (file:line:column class), exit 1 if any
//! ```
#![forbid(unsafe_code)]

mod scrub;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Field-level protection of personal data: command-line tools.
#[derive(Parser)]
#[command(name = "piiguard", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Masks personal data (emails, phones, cards, IBANs, IPs, SSNs, JWTs, bearer tokens) in
    /// free text, line by line.
    Scrub(scrub::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Scrub(args) => scrub::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("piiguard: {e}");
            ExitCode::from(2)
        }
    }
}
