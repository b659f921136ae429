//! `piiguard store migrate|grants`: a PostgreSQL store's tables made or brought up to date by a
//! role that may create them (the DBA's), and the grants of the service's and the auditor's roles
//! printed from the library's own lists (`PgStore::grants`), so the docs and a DBA's script
//! cannot drift from what the code needs.

use crate::Usage;
use crate::store::redact_password;
use piiguard::store::{DbRole, PgStore};
use std::process::ExitCode;

/// Arguments of `piiguard store`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Makes the piiguard tables in a PostgreSQL database, or brings them up to date: run it
    /// with a role that may create tables (the DBA's, not the service's). Prints the schema
    /// versions before and after; several hosts migrating at once wait for each other.
    Migrate {
        /// The database (`postgres://dba@host/db`).
        #[arg(long, value_name = "URL")]
        postgres: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Prints the SQL grants a database role needs, from piiguard's own lists: `service` (the
    /// application's role: no DDL, nothing on the audit events) or `auditor` (reading only).
    Grants {
        /// Whose grants.
        #[arg(long, value_enum)]
        role: Role,
        /// The database role to grant them to (default `piiguard_app` for the service,
        /// `piiguard_auditor` for the auditor).
        #[arg(long, value_name = "NAME")]
        to: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Role {
    Service,
    Auditor,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    match &args.command {
        Command::Migrate { postgres, json } => {
            let shown = redact_password(postgres);
            let migrated =
                PgStore::migrate(postgres).map_err(|e| Usage(format!("{shown}: {e}")))?;
            if *json {
                let out = serde_json::json!({
                    "store": shown, "before": migrated.before, "after": migrated.after,
                });
                println!("{out}");
            } else if migrated.before == migrated.after {
                println!(
                    "{shown}: the piiguard schema is at version {}: nothing to do",
                    migrated.after
                );
            } else {
                let made = if migrated.before == 0 {
                    "made the piiguard tables".to_owned()
                } else {
                    format!(
                        "brought the piiguard schema from version {}",
                        migrated.before
                    )
                };
                println!(
                    "{shown}: {made} to version {} ({} migration{} applied)",
                    migrated.after,
                    migrated.after - migrated.before,
                    if migrated.after - migrated.before == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Grants { role, to } => {
            let (role, default) = match role {
                Role::Service => (DbRole::Service, "piiguard_app"),
                Role::Auditor => (DbRole::Auditor, "piiguard_auditor"),
            };
            print!(
                "{}",
                PgStore::grants(role, to.as_deref().unwrap_or(default))
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
