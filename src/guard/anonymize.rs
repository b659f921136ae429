//! The anonymized export: a batch of records with quasi-identifiers coarsened
//! ([`Generalize`](crate::lifecycle::Generalize)), direct identifiers, the subject's id, nested records and
//! special-category data omitted, and the rows whose quasi-identifiers too few others share
//! (fewer than k) suppressed or the batch refused. One audit event per batch.

use super::policy_view::{FieldDecision, PolicyView};
use super::{Guard, Pinned};
use crate::audit::{Action, Outcome, Text};
use crate::error::Error;
use crate::policy::{Access, Decision, Disclosure, Principal, Reason};
use crate::schema::FieldKind;
use crate::view::{Classified, OwnedFieldRef};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What an anonymized export asks for: k, and what becomes of smaller groups.
///
/// ```
/// use piiguard::guard::Anonymization;
/// let options = Anonymization::k(5).refuse_small_groups();
/// assert_eq!(options.min_group(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct Anonymization {
    k: usize,
    refuse: bool,
    today: Option<time::Date>,
}

impl Anonymization {
    /// Every row shares its quasi-identifiers with at least `k - 1` others (`k` of 0 counts as 1).
    pub fn k(k: usize) -> Self {
        Self {
            k: k.max(1),
            refuse: false,
            today: None,
        }
    }

    /// Refuses the batch ([`Error::TooFewRows`]) instead of suppressing the small groups' rows.
    pub fn refuse_small_groups(mut self) -> Self {
        self.refuse = true;
        self
    }

    /// Age bands counted at `date` (default: the guard's clock's today).
    pub fn on(mut self, date: time::Date) -> Self {
        self.today = Some(date);
        self
    }

    /// The k.
    pub fn min_group(&self) -> usize {
        self.k
    }
}

/// An anonymized batch.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Anonymized {
    /// The rows kept, each a JSON object of the exported fields by stable name.
    pub rows: Vec<Map<String, Value>>,
    /// How many rows were suppressed (in groups under k).
    pub suppressed: usize,
    /// How many groups of equal quasi-identifiers the kept rows form.
    pub groups: usize,
}

impl Guard {
    /// Exports `records` anonymized for `principal`: each quasi-identifier (`#[pii(quasi)]`)
    /// coarsened as its field says; plain fields kept; every other classified field, the
    /// subject's id and nested records omitted; then rows in groups under `options`' k
    /// suppressed (or the batch refused). The policy must give the principal at least `hash`
    /// for every classified quasi-identifier (the access of a pseudonymized export); one
    /// audit event, `anonymized_export`, records the outcome with the counts.
    ///
    /// # Errors
    /// [`Error::Denied`]; [`Error::TooFewRows`] when refusing small groups;
    /// [`Error::Unsupported`] for a field whose coarsening does not fit its class (special
    /// data and direct identifiers are never exported); the keys' and audit sink's errors.
    pub fn anonymize<T: Classified>(
        &self,
        principal: &Principal,
        records: &[T],
        options: &Anonymization,
        access: impl Into<Access>,
    ) -> Result<Anonymized, Error> {
        self.pin().anonymize(principal, records, options, access)
    }

    fn anonymized_row<T: Classified>(
        &self,
        record: &T,
        decisions: &[FieldDecision],
        today: time::Date,
    ) -> Result<Map<String, Value>, Error> {
        let schema = T::SCHEMA;
        let json = PolicyView::build(self, record, decisions.to_vec())?.into_json();
        let mut opened: Map<String, Value> =
            serde_json::from_str(&json).map_err(|_| Error::Json {
                category: "data",
                line: 0,
                column: 0,
            })?;
        let mut row = Map::new();
        for field in schema.fields() {
            if schema.subject() == Some(field.rust_name()) {
                continue;
            }
            let Some(value) = opened.remove(field.name()) else {
                continue;
            };
            let class = match field.kind() {
                FieldKind::Nested(_) => continue,
                FieldKind::Classified(pii) if field.quasi().is_some() => Some(pii.class()),
                FieldKind::Classified(_) => continue,
                FieldKind::Plain => None,
            };
            let kept = match (field.quasi(), value) {
                (None, value) => value,
                (Some(_), Value::Null) => Value::Null,
                (Some(how), Value::String(mut text)) => {
                    let coarse = how.apply(class, &text, today);
                    zeroize::Zeroize::zeroize(&mut text);
                    Value::String(coarse?)
                }
                (Some(how), other) => Value::String(how.apply(class, &other.to_string(), today)?),
            };
            row.insert(field.name().to_owned(), kept);
        }
        Ok(row)
    }
}

/// Keeps the rows whose quasi-identifiers at least `k - 1` others share: the rows kept, how
/// many groups were under k, how many groups the kept rows form.
fn k_anonymous(
    rows: Vec<Map<String, Value>>,
    schema: &crate::schema::RecordSchema,
    k: usize,
) -> (Vec<Map<String, Value>>, usize, usize) {
    let quasi: Vec<&str> = schema
        .fields()
        .iter()
        .filter(|f| f.quasi().is_some())
        .map(|f| f.name())
        .collect();
    let key = |row: &Map<String, Value>| -> String {
        let values: Vec<&Value> = quasi
            .iter()
            .map(|q| row.get(*q).unwrap_or(&Value::Null))
            .collect();
        serde_json::to_string(&values).unwrap_or_default()
    };
    let mut sizes: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        *sizes.entry(key(row)).or_default() += 1;
    }
    let small = sizes.values().filter(|n| **n < k).count();
    let groups = sizes.len() - small;
    let kept = rows
        .into_iter()
        .filter(|row| sizes[&key(row)] >= k)
        .collect();
    (kept, small, groups)
}

impl Pinned {
    /// The operation itself, under the policy pinned for it.
    pub(crate) fn anonymize<T: Classified>(
        &self,
        principal: &Principal,
        records: &[T],
        options: &Anonymization,
        access: impl Into<Access>,
    ) -> Result<Anonymized, Error> {
        let access = access.into();
        let now = self.now();
        let schema = T::SCHEMA;
        let mut event = self.event_at(
            now,
            Action::AnonymizedExport,
            Outcome::Allowed,
            Reason::RoleRule,
            principal,
            Some(&access),
        );
        event.object.record = Some(Text::from_static(schema.name()));
        let mut decisions = Vec::new();
        for (field, pii) in schema
            .classified_fields()
            .filter(|(f, _)| f.quasi().is_some())
        {
            let at = OwnedFieldRef {
                record: schema,
                field,
                pii,
                subject: None,
            };
            let decision = self.decide_at(principal, &access, &at, now.unix_timestamp());
            if decision.disclosure < Disclosure::Hash {
                event.outcome = Outcome::Denied;
                event.reason = decision.reason;
                event.object.field = Some(Text::from_static(field.name()));
                event.object.class = Some(Text::from_static(pii.class().name()));
                return Err(self.deny(&event, principal)?);
            }
            let reveal = Decision {
                disclosure: Disclosure::Reveal,
                ..decision
            };
            decisions.push(FieldDecision {
                record: schema,
                field,
                decision: reveal,
            });
        }
        let today = options.today.unwrap_or_else(|| now.date());
        let rows = records
            .iter()
            .map(|record| self.anonymized_row(record, &decisions, today))
            .collect::<Result<Vec<_>, Error>>();
        let rows = match rows {
            Ok(rows) => rows,
            Err(error) => {
                event.outcome = Outcome::Failed;
                event.reason = Reason::OpenFailed;
                self.record(&event)?;
                return Err(error);
            }
        };
        let total = rows.len();
        let (rows, small, groups) = k_anonymous(rows, schema, options.k);
        event.detail = Some(Text::from(format!(
            "k={} rows={total} kept={} suppressed={} groups={groups}",
            options.k,
            rows.len(),
            total - rows.len()
        )));
        if options.refuse && small > 0 {
            event.outcome = Outcome::Denied;
            event.reason = Reason::SmallGroups;
            self.record(&event)?;
            return Err(Error::TooFewRows {
                groups: small,
                k: options.k,
            });
        }
        self.record(&event)?;
        Ok(Anonymized {
            suppressed: total - rows.len(),
            rows,
            groups,
        })
    }
}
