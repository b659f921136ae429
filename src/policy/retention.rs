//! The policy's `[retention]` section: how long each record type, class or sensitivity is kept
//! after it was created, last used, or the date the application gave.
//!
//! ```toml
//! [[retention.rule]]
//! records = ["Order"]            # or classes = ["ip_address"], or sensitivities = ["special"]
//! days = 2555
//! from = "given"                 # created | last_activity (default) | given
//! ```
//!
//! Erasure shreds a subject's key, which holds all of that subject's data: a subject is due
//! when every record type stored for it is past its period. A record type's period is the
//! longest of the rules matching its name, its classes or its sensitivities — nothing is
//! erased before every rule that covers it allows — and a record type no rule covers is never
//! due (its retention is not configured).

use super::lines::Lines;
use crate::class::Sensitivity;
use crate::error::Error;
use crate::lifecycle::Activity;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RetentionSpec {
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RuleSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    records: Option<Vec<String>>,
    classes: Option<Vec<String>>,
    sensitivities: Option<Vec<String>>,
    days: u32,
    from: Option<String>,
}

/// Which time a retention period runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetentionClock {
    /// When the subject's data of the record type was first stored.
    Created,
    /// When it was last stored (`guard.track`).
    LastActivity,
    /// The date the application gave (`guard.track_from`); the last activity where none was.
    Given,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Covers {
    Records(Vec<String>),
    Names(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    covers: Covers,
    days: u32,
    from: RetentionClock,
}

/// The retention rules of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retention {
    rules: Vec<Rule>,
}

impl Retention {
    /// Whether the policy has retention rules.
    pub fn is_configured(&self) -> bool {
        !self.rules.is_empty()
    }

    /// The rules covering a record type named `record` that holds `held` (class and
    /// sensitivity names).
    fn covering<'a>(&'a self, record: &'a str, held: &'a [&str]) -> impl Iterator<Item = &'a Rule> {
        self.rules.iter().filter(move |rule| match &rule.covers {
            Covers::Records(records) => records.iter().any(|r| r == record),
            Covers::Names(names) => names.iter().any(|n| held.contains(&n.as_str())),
        })
    }

    /// The period of a record type named `record` holding `held` (class and sensitivity
    /// names): the longest of the rules covering it, in days, with its clock; `None` if no
    /// rule covers it.
    pub fn period_of(&self, record: &str, held: &[&str]) -> Option<(u32, RetentionClock)> {
        self.covering(record, held)
            .map(|rule| (rule.days, rule.from))
            .max_by_key(|(days, _)| *days)
    }

    /// When a subject's data of one record type is due for erasure (Unix seconds), or `None`
    /// if no rule covers it.
    pub fn due_at(&self, row: &Activity) -> Option<i64> {
        let held: Vec<&str> = row.classes.split(',').collect();
        self.covering(&row.record, &held)
            .map(|rule| {
                let from = match rule.from {
                    RetentionClock::Created => row.created,
                    RetentionClock::LastActivity => row.last,
                    RetentionClock::Given => row.given.unwrap_or(row.last),
                };
                from.saturating_add(i64::from(rule.days) * 86_400)
            })
            .max()
    }
}

pub(super) fn parse(
    lines: &Lines<'_>,
    spec: Option<&RetentionSpec>,
    known_class: &dyn Fn(&str) -> bool,
) -> Result<Retention, Error> {
    let Some(spec) = spec else {
        return Ok(Retention::default());
    };
    let mut rules = Vec::with_capacity(spec.rules.len());
    for rule in &spec.rules {
        let span = rule.span();
        let r = rule.get_ref();
        let covers = match (&r.records, &r.classes, &r.sensitivities) {
            (Some(records), None, None) if !records.is_empty() => Covers::Records(records.clone()),
            (None, Some(classes), None) if !classes.is_empty() => {
                if let Some(bad) = classes.iter().find(|c| !known_class(c)) {
                    return Err(lines.error(span, format!("unknown class `{bad}`")));
                }
                Covers::Names(classes.clone())
            }
            (None, None, Some(names)) if !names.is_empty() => {
                if let Some(bad) = names.iter().find(|n| {
                    ![
                        Sensitivity::Technical,
                        Sensitivity::Personal,
                        Sensitivity::Sensitive,
                        Sensitivity::Special,
                    ]
                    .iter()
                    .any(|s| s.name() == n.as_str())
                }) {
                    return Err(lines.error(span, format!("unknown sensitivity `{bad}`")));
                }
                Covers::Names(names.clone())
            }
            _ => {
                return Err(lines.error(
                    span,
                    "a retention rule names exactly one non-empty list: records, classes or sensitivities",
                ));
            }
        };
        if r.days == 0 {
            return Err(lines.error(span, "a retention period is at least one day"));
        }
        let from = match r.from.as_deref() {
            None | Some("last_activity") => RetentionClock::LastActivity,
            Some("created") => RetentionClock::Created,
            Some("given") => RetentionClock::Given,
            Some(other) => {
                return Err(lines.error(
                    span,
                    format!("unknown retention clock `{other}` (created, last_activity or given)"),
                ));
            }
        };
        rules.push(Rule {
            covers,
            days: r.days,
            from,
        });
    }
    Ok(Retention { rules })
}
