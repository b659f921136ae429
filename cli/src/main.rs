//! `piiguard`: the command-line tool.
//!
//! ```text
//! piiguard scrub [FILE]...            scrub files (or stdin) to stdout
//! piiguard scrub -o clean.log app.log  … to a file
//! piiguard scrub --in-place *.log      rewrite each file with its scrubbed text
//! piiguard scrub --check app.log       list findings (file:line:column class), exit 1 if any
//! piiguard scrub --allow email=support@example.com --allow-network 10.0.0.0/8 app.log
//! piiguard policy check policy.toml    every mistake with its line, exit 1 if any
//! piiguard policy explain --role support --class email [--env prod --region eu
//!          --purpose billing --justified --owner --policy FILE --json]
//! piiguard audit verify [--dir .piiguard] [--json]   the whole trail, exit 1 at a bad event
//! piiguard audit tail [-n 10] [--follow]              the last events, then new ones as written
//! piiguard audit report [--since DAY --until DAY] [--html FILE]   per principal, denials, anomalies
//! piiguard audit recover --jsonl FILE                a JSON-lines trail's torn last line cut
//! piiguard keys list [--dir .piiguard] [--json]      ids, versions, purposes, regions, states
//! piiguard keys init [--dir DIR]                     a new store's key set
//! piiguard keys rotate PURPOSE --as OPERATOR --role ROLE [--region R]
//! piiguard keys destroy ID VERSION --as OPERATOR --role ROLE [--yes]
//! piiguard forget SUBJECT --as OPERATOR --role ROLE [--dir .piiguard] [--yes] [--json]
//! piiguard tokens sweep --as OPERATOR --role ROLE     expired vault tokens deleted
//! piiguard retention sweep --as OPERATOR --role ROLE  subjects past their period erased
//! piiguard retention hold|release SUBJECT [--reason R] --as OPERATOR --role ROLE
//! piiguard retention register [--subject ID]          the deletion register
//! piiguard proxy --config proxy.toml [--check]        the detokenizing proxy (docs/PROXY.md)
//! ```
//!
//! Every subcommand that opens a store takes `--dir DIR` (default `.piiguard`) or, built with
//! the `postgres` feature, `--postgres URL` (the key set's passphrase in
//! `PIIGUARD_KEK_PASSPHRASE`).
//!
//! Built with `--no-default-features`, the binary scrubs and checks policies only, and links
//! neither SQLite nor Argon2.
//!
//! Exit status: 0 done, 1 findings (personal data found, a policy's mistakes), 2 errors.
#![forbid(unsafe_code)]

/// Freed memory is wiped: the proxy's detokenized bodies pass through buffers of hyper's and
/// rustls's that the proxy does not own.
#[cfg(feature = "proxy")]
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

#[cfg(feature = "store")]
mod audit;
#[cfg(feature = "store")]
mod forget;
#[cfg(feature = "store")]
mod keys;
mod policy;
#[cfg(feature = "store")]
mod progress;
#[cfg(feature = "proxy")]
mod proxy;
#[cfg(feature = "store")]
mod report;
#[cfg(feature = "store")]
mod retention;
#[cfg(feature = "postgres")]
mod schema;
mod scrub;
#[cfg(feature = "store")]
mod store;
#[cfg(feature = "store")]
mod tokens;

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
    /// Masks personal data (emails, phones, cards, IBANs, IPs, national identifiers, MAC
    /// addresses, JWTs, bearer tokens) in free text, line by line.
    Scrub(scrub::Args),
    /// Checks a policy file, or explains what it decides for a role and a class.
    Policy(policy::Args),
    /// Verifies a store's audit trail, or prints its last events (and follows it).
    #[cfg(feature = "store")]
    Audit(audit::Args),
    /// Lists, creates, rotates or destroys a store's root keys (never showing material).
    #[cfg(feature = "store")]
    Keys(keys::Args),
    /// Erases a data subject (crypto-shredding): an admin act, audited.
    #[cfg(feature = "store")]
    Forget(forget::Args),
    /// Tidies a store's vault tokens: `sweep` deletes expired ones (an admin act, audited).
    #[cfg(feature = "store")]
    Tokens(tokens::Args),
    /// Retention: sweeps subjects past their period, legal holds, the deletion register.
    #[cfg(feature = "store")]
    Retention(retention::Args),
    /// A PostgreSQL store's tables (`migrate`) and the grants of its roles (`grants`).
    #[cfg(feature = "postgres")]
    Store(schema::Args),
    /// The detokenizing proxy: tokens out to third parties become values, values coming back
    /// become tokens, under the policy, audited.
    #[cfg(feature = "proxy")]
    Proxy(proxy::Args),
}

/// A problem in the user's terms, with exit status 2 (the CLI's "error").
pub(crate) struct Usage(pub(crate) String);

impl Usage {
    /// A file that could not be read or written, in the user's terms.
    pub(crate) fn file(path: &std::path::Path, e: &std::io::Error) -> Self {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            kind => kind.to_string(),
        };
        Self(format!("{}: {what}", path.display()))
    }
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Scrub(args) => scrub::run(&args).map_err(|e| e.to_string()),
        Command::Policy(args) => policy::run(&args).map_err(|e| e.to_string()),
        #[cfg(feature = "store")]
        Command::Audit(args) => audit::run(&args).map_err(|e| e.to_string()),
        #[cfg(feature = "store")]
        Command::Keys(args) => keys::run(&args).map_err(|e| e.to_string()),
        #[cfg(feature = "store")]
        Command::Forget(args) => forget::run(&args).map_err(|e| e.to_string()),
        #[cfg(feature = "store")]
        Command::Tokens(args) => tokens::run(&args).map_err(|e| e.to_string()),
        #[cfg(feature = "store")]
        Command::Retention(args) => retention::run(&args).map_err(|e| e.to_string()),
        #[cfg(feature = "postgres")]
        Command::Store(args) => schema::run(&args).map_err(|e| e.to_string()),
        #[cfg(feature = "proxy")]
        Command::Proxy(args) => proxy::run(&args).map_err(|e| e.to_string()),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            // Under --json the error is JSON on standard output too, where the caller reads.
            if std::env::args_os().any(|arg| arg == "--json") {
                println!("{}", serde_json::json!({ "error": e, "status": 2 }));
            }
            eprintln!("piiguard: {e}");
            ExitCode::from(2)
        }
    }
}
