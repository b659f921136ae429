//! What `audit report` counts, event by event, in memory bounded by what it reports (principals,
//! days, reasons, roles × classes), never by the trail's length: lists of individual events
//! keep at most [`LISTED`] entries and count the rest.

use piiguard::audit::{Action, AuditEvent, Outcome};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet, VecDeque};

/// The most entries any list of events keeps.
pub(crate) const LISTED: usize = 1000;

/// The report's settings.
pub(crate) struct Settings {
    /// Events from this time on (an RFC 3339 prefix, inclusive).
    pub(crate) since: Option<String>,
    /// Events before this time (exclusive).
    pub(crate) until: Option<String>,
    /// Accesses a day above which a principal is elevated.
    pub(crate) elevated: u32,
    /// Accesses a day above which a principal is suspicious.
    pub(crate) suspicious: u32,
    /// Accesses within [`burst_secs`](Self::burst_secs) above which a principal bursts.
    pub(crate) burst: usize,
    /// The burst window, in seconds.
    pub(crate) burst_secs: i64,
}

/// A list that keeps its first [`LISTED`] entries and counts the rest.
#[derive(Serialize)]
pub(crate) struct Listed<T> {
    pub(crate) total: u64,
    pub(crate) entries: Vec<T>,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Self {
            total: 0,
            entries: Vec::new(),
        }
    }
}

impl<T> Listed<T> {
    fn push(&mut self, entry: T) {
        self.total += 1;
        if self.entries.len() < LISTED {
            self.entries.push(entry);
        }
    }
}

/// One event, as a list shows it: ids and names only, never a value.
#[derive(Serialize, Clone)]
pub(crate) struct Entry {
    pub(crate) seq: u64,
    pub(crate) time: String,
    pub(crate) principal: String,
    pub(crate) action: &'static str,
    pub(crate) outcome: &'static str,
    pub(crate) reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) grant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) detail: Option<String>,
}

impl Entry {
    fn of(seq: u64, event: &AuditEvent) -> Self {
        let text = |t: &Option<piiguard::audit::Text>| t.as_deref().map(str::to_owned);
        Self {
            seq,
            time: event.time.to_string(),
            principal: event.principal.id.to_string(),
            action: event.action.name(),
            outcome: event.outcome.name(),
            reason: event.reason.name(),
            subject: text(&event.object.subject),
            class: text(&event.object.class),
            field: text(&event.object.field),
            grant: text(&event.grant),
            justification: text(&event.justification),
            detail: text(&event.detail),
        }
    }
}

/// A principal's reveals and views in one window of `burst_secs`, more than `burst` of them.
#[derive(Serialize, Clone)]
pub(crate) struct Burst {
    pub(crate) principal: String,
    /// The time of the access that went over the limit.
    pub(crate) time: String,
    pub(crate) accesses: usize,
    pub(crate) window_secs: i64,
}

/// One principal's state.
#[derive(Default)]
struct PrincipalState {
    /// Accesses per day (`YYYY-MM-DD`).
    days: BTreeMap<String, u32>,
    /// Accesses per hour of the day (UTC).
    hours: [u64; 24],
    /// The times (seconds) of the latest accesses, at most `burst + 1`.
    recent: VecDeque<i64>,
    /// Whether the latest access was part of a burst already reported.
    bursting: bool,
    denials: u64,
}

/// An act's events by outcome. An administrative act is recorded before it is carried out and
/// again if it fails, so what was done is the allowed ones less the failed ones.
#[derive(Default, Clone, Copy)]
pub(crate) struct Outcomes {
    pub(crate) allowed: u64,
    pub(crate) denied: u64,
    pub(crate) failed: u64,
}

impl Outcomes {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Allowed => self.allowed += 1,
            Outcome::Denied => self.denied += 1,
            Outcome::Failed => self.failed += 1,
        }
    }

    /// `{"done", "denied", "failed"}`.
    pub(crate) fn json(self) -> serde_json::Value {
        serde_json::json!({
            "done": self.allowed.saturating_sub(self.failed),
            "denied": self.denied,
            "failed": self.failed,
        })
    }
}

/// Everything counted so far.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) events: u64,
    pub(crate) first_time: Option<String>,
    pub(crate) last_time: Option<String>,
    pub(crate) by_action: BTreeMap<&'static str, u64>,
    pub(crate) by_outcome: BTreeMap<&'static str, u64>,
    pub(crate) accesses: u64,
    principals: BTreeMap<String, PrincipalState>,
    pub(crate) denials_by_reason: BTreeMap<&'static str, u64>,
    pub(crate) break_glass: Listed<Entry>,
    pub(crate) grant_uses: BTreeMap<String, u64>,
    pub(crate) erasures: Listed<Entry>,
    pub(crate) key_events: Listed<Entry>,
    /// The acts counted by outcome (break-glass, erasures, key and administrative acts), by
    /// action name.
    pub(crate) acts: BTreeMap<&'static str, Outcomes>,
    /// Detokenizations refused (`token_refused`): the callers and fields, and the events.
    pub(crate) token_refusals: Listed<Entry>,
    pub(crate) token_refusals_by: BTreeMap<(String, String), u64>,
    /// (principal, action, outcome) → count, for the administrative acts.
    pub(crate) admin: BTreeMap<(String, &'static str, &'static str), u64>,
    pub(crate) alerts: Listed<Entry>,
    /// Every (principal, class) seen accessed, from the trail's start.
    seen_classes: HashSet<(String, String)>,
    pub(crate) first_access: Listed<Entry>,
    pub(crate) bursts: Listed<Burst>,
}

/// A reveal or view that disclosed something.
fn is_access(event: &AuditEvent) -> bool {
    matches!(
        event.action,
        Action::Reveal | Action::Detokenize | Action::View
    ) && event.outcome == Outcome::Allowed
}

fn is_admin(action: Action) -> bool {
    matches!(
        action,
        Action::KeyRotation
            | Action::KeyDestruction
            | Action::SubjectErasure
            | Action::PolicyChange
            | Action::MonitorReset
            | Action::TokenSweep
    )
}

/// Seconds since the epoch of an event's time (`2026-11-30T10:15:00.123456Z`); `None` if it is
/// not RFC 3339.
fn seconds(time: &str) -> Option<i64> {
    let parsed =
        time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).ok()?;
    Some(parsed.unix_timestamp())
}

impl Tally {
    /// An action's events by outcome.
    pub(crate) fn outcomes(&self, action: Action) -> Outcomes {
        self.acts.get(action.name()).copied().unwrap_or_default()
    }

    /// Counts one verified event.
    pub(crate) fn add(&mut self, settings: &Settings, seq: u64, event: &AuditEvent) {
        let time = event.time.as_str();
        let principal = event.principal.id.as_str();
        let accessed = is_access(event);
        // First accesses are judged against the whole trail, so what happened before the
        // range is the baseline.
        let first = accessed
            && event.object.class.as_deref().is_some_and(|class| {
                self.seen_classes
                    .insert((principal.to_owned(), class.to_owned()))
            });
        let in_range = settings.since.as_deref().is_none_or(|s| time >= s)
            && settings.until.as_deref().is_none_or(|u| time < u);
        if !in_range {
            return;
        }
        self.events += 1;
        if self.first_time.is_none() {
            self.first_time = Some(time.to_owned());
        }
        self.last_time = Some(time.to_owned());
        *self.by_action.entry(event.action.name()).or_default() += 1;
        *self.by_outcome.entry(event.outcome.name()).or_default() += 1;
        if first {
            self.first_access.push(Entry::of(seq, event));
        }
        if event.outcome == Outcome::Denied {
            *self
                .denials_by_reason
                .entry(event.reason.name())
                .or_default() += 1;
            self.principal(principal).denials += 1;
        }
        if let Some(grant) = event.grant.as_deref()
            && accessed
        {
            *self.grant_uses.entry(grant.to_owned()).or_default() += 1;
        }
        if matches!(
            event.action,
            Action::GrantRequest | Action::Grant | Action::GrantRevoke
        ) || is_admin(event.action)
        {
            self.acts
                .entry(event.action.name())
                .or_default()
                .add(event.outcome);
        }
        if event.action == Action::Detokenize
            && event.outcome == Outcome::Denied
            && event.reason.name() == "token_refused"
        {
            self.token_refusals.push(Entry::of(seq, event));
            let field = event
                .object
                .field
                .as_deref()
                .or(event.object.class.as_deref())
                .unwrap_or("-");
            *self
                .token_refusals_by
                .entry((principal.to_owned(), field.to_owned()))
                .or_default() += 1;
        }
        match event.action {
            Action::GrantRequest | Action::Grant | Action::GrantRevoke => {
                self.break_glass.push(Entry::of(seq, event));
            }
            Action::SubjectErasure => self.erasures.push(Entry::of(seq, event)),
            Action::KeyRotation | Action::KeyDestruction => {
                self.key_events.push(Entry::of(seq, event));
            }
            Action::AccessAlert => self.alerts.push(Entry::of(seq, event)),
            _ => {}
        }
        if is_admin(event.action) {
            *self
                .admin
                .entry((
                    principal.to_owned(),
                    event.action.name(),
                    event.outcome.name(),
                ))
                .or_default() += 1;
        }
        if accessed {
            self.access(settings, principal, time);
        }
    }

    fn principal(&mut self, principal: &str) -> &mut PrincipalState {
        if !self.principals.contains_key(principal) {
            self.principals
                .insert(principal.to_owned(), PrincipalState::default());
        }
        self.principals
            .get_mut(principal)
            .unwrap_or_else(|| unreachable!("inserted just above"))
    }

    fn access(&mut self, settings: &Settings, principal: &str, time: &str) {
        self.accesses += 1;
        let state = self.principal(principal);
        if let Some(day) = time.get(..10) {
            *state.days.entry(day.to_owned()).or_default() += 1;
        }
        if let Some(hour) = time.get(11..13).and_then(|h| h.parse::<usize>().ok())
            && hour < 24
        {
            state.hours[hour] += 1;
        }
        let Some(now) = seconds(time) else {
            return;
        };
        state.recent.push_back(now);
        while state
            .recent
            .front()
            .is_some_and(|&t| now - t >= settings.burst_secs)
        {
            state.recent.pop_front();
        }
        while state.recent.len() > settings.burst + 1 {
            state.recent.pop_front();
        }
        let over = state.recent.len() > settings.burst;
        let burst = (over && !state.bursting).then(|| Burst {
            principal: principal.to_owned(),
            time: time.to_owned(),
            accesses: state.recent.len(),
            window_secs: settings.burst_secs,
        });
        state.bursting = over;
        if let Some(burst) = burst {
            self.bursts.push(burst);
        }
    }

    /// Each principal: accesses per day, denials, and the accesses at hours when they seldom
    /// access (an hour holding under 2 % of a principal's accesses, for principals with at
    /// least 50).
    pub(crate) fn principals(&self) -> impl Iterator<Item = PrincipalSummary<'_>> {
        self.principals.iter().map(|(id, state)| {
            let total: u64 = state.hours.iter().sum();
            let unusual: Vec<usize> = if total >= 50 {
                (0..24)
                    .filter(|&h| state.hours[h] > 0 && state.hours[h] * 50 < total)
                    .collect()
            } else {
                Vec::new()
            };
            PrincipalSummary {
                principal: id,
                accesses: total,
                days: &state.days,
                denials: state.denials,
                outside_usual_hours: unusual.iter().map(|&h| state.hours[h]).sum(),
                unusual_hours: unusual,
            }
        })
    }
}

/// One principal in the report.
#[derive(Serialize)]
pub(crate) struct PrincipalSummary<'a> {
    pub(crate) principal: &'a str,
    pub(crate) accesses: u64,
    pub(crate) days: &'a BTreeMap<String, u32>,
    pub(crate) denials: u64,
    /// Accesses at hours (UTC) that hold under 2 % of the principal's accesses.
    pub(crate) outside_usual_hours: u64,
    pub(crate) unusual_hours: Vec<usize>,
}

/// The days a principal went over a threshold.
#[derive(Serialize)]
pub(crate) struct Over<'a> {
    pub(crate) principal: &'a str,
    pub(crate) day: &'a str,
    pub(crate) accesses: u32,
}

impl Tally {
    /// The (principal, day) pairs over `limit` accesses.
    pub(crate) fn over(&self, limit: u32) -> Vec<Over<'_>> {
        let mut out = Vec::new();
        for (principal, state) in &self.principals {
            for (day, &accesses) in &state.days {
                if accesses > limit {
                    out.push(Over {
                        principal,
                        day,
                        accesses,
                    });
                }
            }
        }
        out
    }
}
