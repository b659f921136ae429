//! `piiguard policy check|explain|install`: a policy file's mistakes with their lines; what the
//! policy decides for one role, class and context, with the reason code and the deciding rule's
//! line — the decision the guard takes (`Policy::decide`), before grants and the monitor; and
//! putting a policy in force in a store (an admin act, audited).

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
    /// Puts a policy file in force in a store, for every instance within a second: an admin
    /// act under the policy in force, audited as `policy_change`. A store with no policy yet (a
    /// new PostgreSQL store) takes its first one from whoever holds the key-encryption key,
    /// acting with one of the new policy's `admin_roles`.
    #[cfg(feature = "store")]
    Install(Install),
}

#[cfg(feature = "store")]
#[derive(clap::Args)]
struct Install {
    /// The policy file (`-` reads standard input).
    file: PathBuf,
    #[command(flatten)]
    operator: crate::store::Operator,
    #[command(flatten)]
    at: crate::store::At,
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
        #[cfg(feature = "store")]
        Command::Install(install) => install_one(install),
    }
}

/// A policy file's text and policy, or its first mistake with the line.
fn parse(path: &PathBuf) -> Result<(String, Policy), Usage> {
    let text = read(path)?;
    let policy = Policy::from_toml(&text).map_err(|e| match e {
        Error::Policy { line, message } => Usage(format!("{}:{line}: {message}", path.display())),
        other => Usage(format!("{}: {other}", path.display())),
    })?;
    Ok((text, policy))
}

#[cfg(feature = "store")]
fn install_one(args: &Install) -> Result<ExitCode, Usage> {
    use crate::store::{failed, guard_under, policy_in_force};
    let at = &args.at;
    let (text, policy) = parse(&args.file)?;
    let first = policy_in_force(at)?.is_none();
    // The first policy is in force while it is installed: the operator's role must be one of
    // its admin roles, and holding the key-encryption key is what lets them open the store.
    let guard = guard_under(at, first.then(|| policy.clone()))?;
    let operator = args.operator.principal(&guard);
    let installed = guard
        .admin(&operator)
        .install_policy(&text)
        .map_err(failed(at))?;
    #[cfg(feature = "postgres")]
    let local = at.postgres.is_none();
    #[cfg(not(feature = "postgres"))]
    let local = true;
    if local {
        // A local directory puts its `policy.toml` in force when a process opens it: the file
        // must say what is now in force, or the next open would put the old one back.
        let path = at.dir.join("policy.toml");
        let partial = at.dir.join("policy.toml.new");
        std::fs::write(&partial, &text)
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| Usage(format!("{}: {e}", path.display())))?;
    }
    if at.json {
        let out = serde_json::json!({
            "store": crate::store::name(at), "version": installed.version(), "first": first,
        });
        println!("{out}");
    } else {
        let how = if first {
            " (the store's first policy)"
        } else {
            ""
        };
        println!(
            "{}: policy version {} in force{how}",
            crate::store::name(at),
            installed.version()
        );
    }
    Ok(ExitCode::SUCCESS)
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
    let (_, policy) = parse(&args.policy)?;
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
