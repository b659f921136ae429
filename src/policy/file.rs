//! The TOML policy file: parsed with serde into a typed model, then checked rule by rule, and
//! every mistake reported with its line. Nothing is guessed: an unknown key, class or
//! treatment is an error, never a silently permissive policy.

use super::lines::Lines;
use super::retention::{self, RetentionSpec};
use super::{BreakGlass, Disclosure, Policy, Rule, Selector};
use crate::class::{Class, Sensitivity};
use crate::error::Error;
use crate::keys::Environment;
use crate::monitor::{Levels, Thresholds};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: Spanned<String>,
    #[serde(default)]
    custom_classes: Vec<String>,
    #[serde(default)]
    admin_roles: Vec<String>,
    defaults: Option<DefaultsSpec>,
    owner: Option<Spanned<OwnerSpec>>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RuleSpec>>,
    break_glass: Option<Spanned<BreakGlassSpec>>,
    monitor: Option<Spanned<MonitorSpec>>,
    retention: Option<RetentionSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsSpec {
    justification_required: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnerSpec {
    treatment: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    roles: Vec<String>,
    classes: Option<Vec<String>>,
    sensitivities: Option<Vec<String>>,
    treatment: String,
    environments: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    purposes: Option<Vec<String>>,
    justification: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakGlassSpec {
    approvers: Vec<String>,
    max_ttl_secs: u64,
    request_ttl_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitorSpec {
    window_secs: Option<u64>,
    elevated_after: Option<u32>,
    suspicious_after: Option<u32>,
    hard_limit: Option<u32>,
    denials_alert_after: Option<u32>,
    #[serde(default)]
    classes: BTreeMap<String, LevelsSpec>,
    owner: Option<LevelsSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelsSpec {
    elevated_after: u32,
    suspicious_after: u32,
}

pub(super) fn parse(text: &str) -> Result<Policy, Error> {
    let lines = Lines(text);
    let file: PolicyFile = toml::from_str(text).map_err(|e| Error::Policy {
        line: e.span().map_or(0, |s| lines.line(s.start)),
        message: e.message().trim_end().to_owned(),
    })?;
    let version = file.version.get_ref().trim();
    if version.is_empty() || version.len() > 64 {
        return Err(lines.error(file.version.span(), "version must be 1 to 64 characters"));
    }
    let known = |class: &str| {
        Class::from_name(class).is_some() || file.custom_classes.iter().any(|c| c == class)
    };
    let mut rules = Vec::with_capacity(file.rules.len());
    for spec in &file.rules {
        rules.push(rule(&lines, spec, &known)?);
    }
    super::contradictions::check(&rules)?;
    let justification_required = match &file.defaults {
        Some(d) => d
            .justification_required
            .get_ref()
            .iter()
            .map(|s| {
                sensitivity(s).ok_or_else(|| {
                    lines.error(d.justification_required.span(), unknown("sensitivity", s))
                })
            })
            .collect::<Result<_, _>>()?,
        None => vec![Sensitivity::Sensitive, Sensitivity::Special],
    };
    let owner =
        match &file.owner {
            Some(o) => Some(Disclosure::parse(&o.get_ref().treatment).ok_or_else(|| {
                lines.error(o.span(), unknown("treatment", &o.get_ref().treatment))
            })?),
            None => None,
        };
    let break_glass = match &file.break_glass {
        Some(b) => {
            let spec = b.get_ref();
            if spec.max_ttl_secs == 0
                || spec.request_ttl_secs == Some(0)
                || spec.approvers.iter().any(|r| !valid_name(r))
            {
                return Err(lines.error(
                    b.span(),
                    "break_glass needs valid approver roles, and max_ttl_secs and \
                     request_ttl_secs above 0",
                ));
            }
            BreakGlass {
                approvers: spec.approvers.clone(),
                max_ttl: Duration::from_secs(spec.max_ttl_secs),
                request_ttl: spec
                    .request_ttl_secs
                    .map_or(BreakGlass::default().request_ttl, Duration::from_secs),
            }
        }
        None => BreakGlass::default(),
    };
    let monitor = match &file.monitor {
        Some(m) => thresholds(&lines, m, &known)?,
        None => Thresholds::default(),
    };
    if let Some(bad) = file.admin_roles.iter().find(|r| !valid_name(r)) {
        return Err(Error::Policy {
            line: 0,
            message: format!("admin role `{bad}` is not a valid name"),
        });
    }
    let retention = retention::parse(&lines, file.retention.as_ref(), &known)?;
    Ok(Policy {
        retention,
        version: version.to_owned(),
        rules,
        owner,
        justification_required,
        admin_roles: file.admin_roles.clone(),
        break_glass,
        monitor,
    })
}

fn unknown(what: &str, name: &str) -> String {
    format!("unknown {what} `{name}`")
}

/// Role, region and purpose names: 1 to 64 characters of letters, digits, `-`, `_`, `.`, `:`.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn sensitivity(name: &str) -> Option<Sensitivity> {
    [
        Sensitivity::Technical,
        Sensitivity::Personal,
        Sensitivity::Sensitive,
        Sensitivity::Special,
    ]
    .into_iter()
    .find(|s| s.name() == name)
}

fn names(
    lines: &Lines<'_>,
    span: &Range<usize>,
    what: &str,
    list: Option<&Vec<String>>,
) -> Result<Option<Vec<String>>, Error> {
    match list {
        None => Ok(None),
        Some(list) if list.is_empty() => Err(lines.error(
            span.clone(),
            format!("`{what}` is empty: leave it out to mean every {what}"),
        )),
        Some(list) => match list.iter().find(|n| !valid_name(n)) {
            Some(bad) => Err(lines.error(
                span.clone(),
                format!("`{bad}` is not a valid name in {what}"),
            )),
            None => Ok(Some(list.clone())),
        },
    }
}

fn rule(
    lines: &Lines<'_>,
    spec: &Spanned<RuleSpec>,
    known: &dyn Fn(&str) -> bool,
) -> Result<Rule, Error> {
    let span = spec.span();
    let s = spec.get_ref();
    let err = |message: String| lines.error(span.clone(), message);
    // A mistake in one key is reported at that key's line.
    let at = |key: &str, message: String| lines.error(lines.key(&span, key), message);
    let roles =
        names(lines, &lines.key(&span, "roles"), "roles", Some(&s.roles))?.unwrap_or_default();
    let selector = match (&s.classes, &s.sensitivities) {
        (Some(classes), None) if !classes.is_empty() => {
            if let Some(bad) = classes.iter().find(|c| !known(c)) {
                return Err(at(
                    "classes",
                    format!(
                        "{} (declare custom classes in `custom_classes`)",
                        unknown("class", bad)
                    ),
                ));
            }
            Selector::Classes(classes.clone())
        }
        (None, Some(list)) if !list.is_empty() => Selector::Sensitivities(
            list.iter()
                .map(|n| {
                    sensitivity(n).ok_or_else(|| at("sensitivities", unknown("sensitivity", n)))
                })
                .collect::<Result<_, _>>()?,
        ),
        _ => {
            return Err(err(
                "a rule needs exactly one non-empty `classes` or `sensitivities` list".into(),
            ));
        }
    };
    let disclosure = Disclosure::parse(&s.treatment).ok_or_else(|| {
        at(
            "treatment",
            format!(
                "{} (reveal, mask, hash, redact or deny)",
                unknown("treatment", &s.treatment)
            ),
        )
    })?;
    let environments = match &s.environments {
        None => None,
        Some(list) if list.is_empty() => {
            return Err(at("environments", "`environments` is empty".into()));
        }
        Some(list) => Some(
            list.iter()
                .map(|n| {
                    Environment::parse(n)
                        .ok_or_else(|| at("environments", unknown("environment", n)))
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(Rule {
        line: lines.line(span.start),
        roles,
        selector,
        disclosure,
        environments,
        regions: names(
            lines,
            &lines.key(&span, "regions"),
            "regions",
            s.regions.as_ref(),
        )?,
        purposes: names(
            lines,
            &lines.key(&span, "purposes"),
            "purposes",
            s.purposes.as_ref(),
        )?,
        justification: s.justification,
    })
}

fn thresholds(
    lines: &Lines<'_>,
    spec: &Spanned<MonitorSpec>,
    known: &dyn Fn(&str) -> bool,
) -> Result<Thresholds, Error> {
    let span = spec.span();
    let m = spec.get_ref();
    let defaults = Thresholds::default();
    let err = |message: &str| lines.error(span.clone(), message.to_owned());
    let total = Levels {
        elevated_after: m.elevated_after.unwrap_or(defaults.total.elevated_after),
        suspicious_after: m
            .suspicious_after
            .unwrap_or(defaults.total.suspicious_after),
    };
    let check = |levels: Levels| {
        if levels.elevated_after < levels.suspicious_after {
            Ok(levels)
        } else {
            Err(err("elevated_after must be below suspicious_after"))
        }
    };
    let total = check(total)?;
    let window = m.window_secs.unwrap_or(defaults.window.as_secs());
    if window == 0 {
        return Err(err("window_secs must be above 0"));
    }
    if let Some(hard) = m.hard_limit.filter(|h| *h <= total.elevated_after) {
        let default = m.elevated_after.map_or(", its default", |_| "");
        return Err(err(&format!(
            "hard_limit ({hard}) must be above elevated_after ({}{default}): the alert comes \
             before the limit",
            total.elevated_after
        )));
    }
    let mut per_class = Vec::with_capacity(m.classes.len());
    for (class, levels) in &m.classes {
        if !known(class) {
            return Err(err(&unknown("class", class)));
        }
        per_class.push((
            class.clone(),
            check(Levels {
                elevated_after: levels.elevated_after,
                suspicious_after: levels.suspicious_after,
            })?,
        ));
    }
    let owner = m
        .owner
        .as_ref()
        .map(|levels| {
            check(Levels {
                elevated_after: levels.elevated_after,
                suspicious_after: levels.suspicious_after,
            })
        })
        .transpose()?;
    Ok(Thresholds {
        window: Duration::from_secs(window),
        total,
        per_class,
        hard_limit: m.hard_limit,
        denials_after: m.denials_alert_after.unwrap_or(defaults.denials_after),
        owner,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_line(text: &str) -> (usize, String) {
        match parse(text) {
            Err(Error::Policy { line, message }) => (line, message),
            other => panic!("expected a policy error, got {other:?}"),
        }
    }

    const HEAD: &str = "version = \"t\"\n";

    #[test]
    fn mistakes_name_their_line() {
        let cases = [
            (
                "[[rule]]\nroles = [\"a\"]\nclasses = [\"emial\"]\ntreatment = \"mask\"\n",
                "unknown class `emial`",
            ),
            (
                "[[rule]]\nroles = [\"a\"]\nclasses = [\"email\"]\ntreatment = \"clear\"\n",
                "unknown treatment `clear`",
            ),
            (
                "[[rule]]\nroles = [\"a\"]\ntreatment = \"mask\"\n",
                "exactly one",
            ),
            (
                "[[rule]]\nroles = [\"a\"]\nclasses = [\"email\"]\nsensitivities = [\"personal\"]\ntreatment = \"mask\"\n",
                "exactly one",
            ),
            (
                "[[rule]]\nroles = []\nclasses = [\"email\"]\ntreatment = \"mask\"\n",
                "`roles` is empty",
            ),
            (
                "[[rule]]\nroles = [\"a\"]\nclasses = [\"email\"]\ntreatment = \"mask\"\nenvironments = [\"production\"]\n",
                "unknown environment",
            ),
            (
                "[[rule]]\nroles = [\"a\"]\nclasses = [\"email\"]\ntreatment = \"mask\"\nreveal = true\n",
                "unknown field `reveal`",
            ),
        ];
        for (body, expected) in cases {
            let text = format!("{HEAD}\n{body}");
            let (line, message) = error_line(&text);
            // A mistake in one key points at that key's line; one of the rule as a whole (no
            // or two data lists) at the rule; serde's unknown-field error at the key itself.
            let key = [
                "classes = [\"emial",
                "treatment = \"clear",
                "roles = []",
                "environments",
                "reveal = true",
            ]
            .into_iter()
            .find(|k| body.contains(k));
            let want = key.map_or(3, |k| {
                text.lines().position(|l| l.starts_with(k)).unwrap() + 1
            });
            assert_eq!(line, want, "{body}: {message}");
            assert!(message.contains(expected), "{body}: {message}");
        }
    }

    #[test]
    fn syntax_errors_and_bad_thresholds_name_their_line() {
        assert_eq!(error_line("version = \"t\"\nowner = [\n").0, 2);
        let (line, message) = error_line(&format!("{HEAD}[monitor]\nelevated_after = 200\n"));
        assert_eq!(line, 2);
        assert!(message.contains("below suspicious_after"));
        assert!(error_line("").1.contains("version"));
        // A hard limit at or below the alert: the values, and the default named as such.
        let (_, message) = error_line(&format!("{HEAD}[monitor]\nhard_limit = 50\n"));
        assert!(
            message.contains("hard_limit (50) must be above elevated_after (100, its default)"),
            "{message}"
        );
    }

    #[test]
    fn contradictory_rules_are_refused_naming_both_lines() {
        let text = format!(
            "{HEAD}[[rule]]\nroles = [\"support\", \"x\"]\nsensitivities = [\"personal\"]\ntreatment = \"mask\"\n\
             [[rule]]\nroles = [\"support\"]\nsensitivities = [\"personal\", \"sensitive\"]\ntreatment = \"reveal\"\n"
        );
        let (line, message) = error_line(&text);
        assert_eq!(line, 6);
        assert!(message.contains("line 2"), "{message}");
    }

    #[test]
    fn rules_that_cannot_meet_do_not_contradict() {
        let disjoint = [
            "environments = [\"dev\"]\n",
            "regions = [\"us\"]\n",
            "purposes = [\"fraud\"]\n",
        ];
        for extra in disjoint {
            let text = format!(
                "{HEAD}[[rule]]\nroles = [\"a\"]\nclasses = [\"email\"]\ntreatment = \"mask\"\n\
                 environments = [\"prod\"]\nregions = [\"eu\"]\npurposes = [\"support\"]\n\
                 [[rule]]\nroles = [\"a\"]\nclasses = [\"email\"]\ntreatment = \"reveal\"\n{extra}"
            );
            assert!(parse(&text).is_ok(), "{extra}");
        }
        // A class rule and a sensitivity rule are different specificities: no contradiction.
        let layered = format!(
            "{HEAD}[[rule]]\nroles = [\"a\"]\nsensitivities = [\"personal\"]\ntreatment = \"mask\"\n\
             [[rule]]\nroles = [\"a\"]\nclasses = [\"email\"]\ntreatment = \"reveal\"\n"
        );
        assert!(parse(&layered).is_ok());
    }

    #[test]
    fn custom_classes_must_be_declared() {
        let rule =
            "[[rule]]\nroles = [\"a\"]\nclasses = [\"loyalty_number\"]\ntreatment = \"mask\"\n";
        assert!(parse(&format!("{HEAD}{rule}")).is_err());
        let declared = format!("{HEAD}custom_classes = [\"loyalty_number\"]\n{rule}");
        assert!(parse(&declared).is_ok());
    }
}
