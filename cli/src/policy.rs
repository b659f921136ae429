//! `piiguard policy check|explain`: a policy file's mistakes with their lines, and what the
//! policy decides for one role, class and context, with the reason code and the deciding rule's
//! line — the decision the guard takes (`Policy::decide`), before grants and the monitor.

use crate::Usage;
use piiguard::policy::Target;
use piiguard::{Access, Class, Error, Policy, Principal, class::Sensitivity, keys::Environment};
use std::path::PathBuf;
use std::process::ExitCode;

/// The local directory's policy file, which `Guard::open_local` puts in force.
const LOCAL_POLICY: &str = ".piiguard/policy.toml";

/// Arguments of `piiguard policy`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Checks a policy file: every mistake with its line. Exit 0 when valid, 1 when not.
    Check {
        /// The policy file (`-` reads standard input).
        file: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// What the policy gives a role for a class: the treatment, the reason code and the line
    /// of the rule that decided.
    Explain(Explain),
}

#[derive(clap::Args)]
struct Explain {
    /// The policy file.
    #[arg(long, value_name = "FILE", default_value = LOCAL_POLICY)]
    policy: PathBuf,
    /// The principal's role.
    #[arg(long)]
    role: String,
    /// The data's class (`email`, `passport`, … or a class the application defines).
    #[arg(long)]
    class: String,
    /// The field's sensitivity, when it is not the class's default (required for a class that
    /// is not built in).
    #[arg(long)]
    sensitivity: Option<String>,
    /// The environment the principal and the guard are in.
    #[arg(long = "env", default_value = "dev")]
    environment: String,
    /// The region the principal works from.
    #[arg(long)]
    region: Option<String>,
    /// The purpose given.
    #[arg(long, default_value = "unspecified")]
    purpose: String,
    /// A justification is given.
    #[arg(long)]
    justified: bool,
    /// The principal is the record's subject.
    #[arg(long)]
    owner: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn read(path: &PathBuf) -> Result<String, Usage> {
    if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| Usage(format!("{}: {e}", path.display())))
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    match &args.command {
        Command::Check { file, json } => check(file, *json),
        Command::Explain(explain) => explain_one(explain),
    }
}

fn check(file: &PathBuf, json: bool) -> Result<ExitCode, Usage> {
    let text = read(file)?;
    let name = file.display().to_string();
    match Policy::from_toml(&text) {
        Ok(policy) => {
            if json {
                let out = serde_json::json!({
                    "file": name, "valid": true, "version": policy.version(),
                });
                println!("{out}");
            } else {
                println!("{name}: valid, version {}", policy.version());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Policy { line, message }) => {
            if json {
                let out = serde_json::json!({
                    "file": name, "valid": false, "line": line, "message": message,
                });
                println!("{out}");
            } else {
                println!("{name}:{line}: {message}");
            }
            Ok(ExitCode::from(1))
        }
        Err(other) => Err(Usage(format!("{name}: {other}"))),
    }
}

fn explain_one(args: &Explain) -> Result<ExitCode, Usage> {
    let policy = Policy::from_toml(&read(&args.policy)?).map_err(|e| match e {
        Error::Policy { line, message } => {
            Usage(format!("{}:{line}: {message}", args.policy.display()))
        }
        other => Usage(format!("{}: {other}", args.policy.display())),
    })?;
    let environment: Environment = args.environment.parse().map_err(|_| {
        Usage(format!(
            "unknown environment `{}` (dev, staging or prod)",
            args.environment
        ))
    })?;
    let sensitivity = match (&args.sensitivity, Class::from_name(&args.class)) {
        (Some(s), _) => s.parse::<Sensitivity>().map_err(|_| {
            Usage(format!(
                "unknown sensitivity `{s}` (technical, personal, sensitive or special)"
            ))
        })?,
        (None, Some(class)) => class.sensitivity(),
        (None, None) => {
            return Err(Usage(format!(
                "`{}` is not a built-in class: give its --sensitivity",
                args.class
            )));
        }
    };
    let mut principal = Principal::new("explain")
        .role(&args.role)
        .in_environment(environment);
    if let Some(region) = &args.region {
        principal = principal.in_region(region);
    }
    let mut access = Access::new(&args.purpose);
    if args.justified {
        access = access.justified_by("given");
    }
    let target = Target::new(&args.class, sensitivity).owned(args.owner);
    let decision = policy.decide(&principal, &access, &target, environment);
    if args.json {
        let out = serde_json::json!({
            "treatment": decision.disclosure.name(),
            "reason": decision.reason.name(),
            "rule_line": decision.rule_line,
            "policy_version": policy.version(),
        });
        println!("{out}");
    } else {
        let rule = decision.rule_line.map_or_else(
            || "no rule".to_owned(),
            |line| format!("the rule at line {line}"),
        );
        println!(
            "{} ({}, {rule}; policy {})",
            decision.disclosure.name(),
            decision.reason.name(),
            policy.version()
        );
    }
    Ok(ExitCode::SUCCESS)
}
