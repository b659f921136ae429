//! Retention through the guard: tracking when each subject's data was stored, legal holds, the
//! retention sweep, and the deletion register every erasure writes to.

use super::{Guard, Pinned};
use crate::audit::{Action, Outcome, Text};
use crate::error::Error;
use crate::keys::Scope;
use crate::lifecycle::{Activity, Deletion};
use crate::policy::{Principal, Reason};
use crate::schema::SubjectId;
use crate::view::Classified;
use std::fmt;
use std::fmt::Write as _;

/// Activity rows read per page by a sweep: its memory is bounded by this, not by the store.
const PAGE: usize = 500;

/// What a retention sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetentionSweep {
    /// Subjects erased (their keys destroyed, their tokens deleted, an entry in the register).
    pub erased: u64,
    /// Subjects due but under a legal hold, kept.
    pub held: u64,
    /// Subjects not due yet, or with data no retention rule covers.
    pub kept: u64,
    /// The sweep stopped at its limit: run it again.
    pub more: bool,
}

impl Guard {
    /// Records `record`'s activity for retention, from `given` (a Unix time) or now: what
    /// [`Storage::track`](super::Storage::track) and
    /// [`Storage::track_from`](super::Storage::track_from) do.
    pub(super) fn track_at<T: Classified>(
        &self,
        record: &T,
        given: Option<i64>,
    ) -> Result<(), Error> {
        let Some(subject) = record.subject_id() else {
            return Ok(());
        };
        let classes = T::SCHEMA.held_names();
        self.inner.lifecycle.touch(
            self.region(),
            &self.scope.tenant,
            subject.as_str(),
            T::SCHEMA.name(),
            &classes.join(","),
            self.now().unix_timestamp(),
            given,
        )
    }

    fn sweep_one(
        &self,
        principal: &Principal,
        policy: &crate::policy::Policy,
        rows: &[Activity],
        now: i64,
        limit: usize,
        report: &mut RetentionSweep,
    ) -> Result<(), Error> {
        let due = rows
            .iter()
            .map(|row| policy.retention().due_at(row))
            .collect::<Option<Vec<i64>>>()
            .and_then(|each| each.into_iter().max())
            .is_some_and(|at| at <= now);
        if !due {
            report.kept += 1;
            return Ok(());
        }
        let (tenant, subject) = (rows[0].tenant.as_str(), rows[0].subject.as_str());
        if self
            .inner
            .lifecycle
            .hold(self.region(), tenant, subject)?
            .is_some()
        {
            report.held += 1;
            return Ok(());
        }
        if report.erased as usize >= limit {
            report.more = true;
            return Ok(());
        }
        let scoped = if *self.scope.tenant == *tenant {
            self.clone()
        } else {
            self.scoped(Scope::new().tenant(tenant).region(self.region()))
        };
        let mut event = scoped.event(
            Action::SubjectErasure,
            Outcome::Allowed,
            Reason::Retention,
            principal,
            None,
        );
        event.object.subject = Some(subject.into());
        event.detail = Some(Text::from(format!(
            "retention: {}",
            rows.iter()
                .map(|r| r.record.as_str())
                .collect::<Vec<_>>()
                .join(",")
        )));
        scoped.administer(event, || {
            scoped.storage_keys().destroy_subject_key(&subject)?;
            scoped.register(Some(subject), "retention", rows, principal.id())
        })?;
        report.erased += 1;
        Ok(())
    }

    /// Writes the register's entry for an erasure of `subject` (`None`: a key destruction,
    /// `records` naming it) and forgets the subject's activity. The entry's id is the same
    /// for the same erasure, so it is written once however often this runs.
    pub(super) fn register(
        &self,
        subject: Option<&str>,
        reason: &str,
        rows: &[Activity],
        actor: &str,
    ) -> Result<(), Error> {
        let keys = self.storage_keys();
        let pseudonym = subject
            .map(|s| keys.register_pseudonym(s))
            .transpose()?
            .unwrap_or_default();
        let mut records: Vec<&str> = rows.iter().map(|r| r.record.as_str()).collect();
        records.dedup();
        let mut classes: Vec<&str> = rows
            .iter()
            .flat_map(|r| r.classes.split(','))
            .filter(|c| !c.is_empty())
            .collect();
        classes.sort_unstable();
        classes.dedup();
        let since = rows.iter().map(|r| r.created).min().unwrap_or(0);
        let basis = format!(
            "{}|{}|{pseudonym}|{reason}|{since}|{}",
            self.region(),
            self.scope.tenant,
            records.join(",")
        );
        let mut id = String::with_capacity(32);
        for byte in &crate::crypto::keyed_hash::digest(basis.as_bytes())[..16] {
            let _ = write!(id, "{byte:02x}");
        }
        let deletion = Deletion {
            id,
            tenant: self.scope.tenant.to_string(),
            subject: pseudonym,
            records: records.join(","),
            classes: classes.join(","),
            reason: reason.to_owned(),
            policy_version: self.policy().version().to_owned(),
            at: self.now().unix_timestamp(),
            actor: actor.to_owned(),
        };
        self.inner
            .lifecycle
            .record_deletion(self.region(), &deletion)?;
        if let Some(subject) = subject {
            self.inner
                .lifecycle
                .forget_activity(self.region(), &self.scope.tenant, subject)?;
        }
        Ok(())
    }

    /// The activity rows of `subject` in the guard's tenant (for an erasure's register entry).
    pub(super) fn activity_of(&self, subject: &str) -> Result<Vec<Activity>, Error> {
        self.inner
            .lifecycle
            .activity_of(self.region(), &self.scope.tenant, subject)
    }

    /// What [`Storage::deletions_of`](super::Storage::deletions_of) does (the public door is there).
    pub(crate) fn deletions_of(&self, subject: &impl fmt::Display) -> Result<Vec<Deletion>, Error> {
        let pseudonym = self
            .storage_keys()
            .register_pseudonym(SubjectId::from_display(subject).as_str())?;
        self.inner
            .lifecycle
            .deletions(self.region(), Some(&pseudonym), 10_000)
    }

    /// What [`Storage::deletion_register`](super::Storage::deletion_register) does (the public door is there).
    pub(crate) fn deletion_register(&self, limit: usize) -> Result<Vec<Deletion>, Error> {
        self.inner.lifecycle.deletions(self.region(), None, limit)
    }
}

impl Pinned {
    /// The operation itself, under the policy pinned for it.
    pub(crate) fn set_hold(
        &self,
        principal: &Principal,
        subject: &str,
        reason: Option<&str>,
    ) -> Result<(), Error> {
        let event = self.admin_event(Action::LegalHold, principal, |e| {
            e.object.subject = Some(subject.into());
            e.detail = Some(match reason {
                Some(reason) => super::free_text(&format!("hold: {reason}")),
                None => Text::from_static("released"),
            });
        })?;
        let now = self.now().unix_timestamp();
        self.administer(event, || {
            self.inner
                .lifecycle
                .set_hold(self.region(), &self.scope.tenant, subject, reason, now)
        })
    }

    /// The operation itself, under the policy pinned for it.
    pub(crate) fn sweep_retention(
        &self,
        principal: &Principal,
        limit: usize,
    ) -> Result<RetentionSweep, Error> {
        let policy = self.policy();
        let event = self.admin_event(Action::RetentionSweep, principal, |e| {
            e.detail = Some(Text::from(format!(
                "at most {limit}, policy {}",
                policy.version()
            )));
        })?;
        self.administer(event, || {
            let now = self.now().unix_timestamp();
            let mut report = RetentionSweep::default();
            let mut after: Option<(String, String, String)> = None;
            let mut subject: Vec<Activity> = Vec::new();
            loop {
                let page = self.inner.lifecycle.activity_after(
                    self.region(),
                    after
                        .as_ref()
                        .map(|(t, s, r)| (t.as_str(), s.as_str(), r.as_str())),
                    PAGE,
                )?;
                let Some(last) = page.last() else { break };
                after = Some((
                    last.tenant.clone(),
                    last.subject.clone(),
                    last.record.clone(),
                ));
                for row in page {
                    let same = subject
                        .first()
                        .is_some_and(|s| s.tenant == row.tenant && s.subject == row.subject);
                    if !same && !subject.is_empty() {
                        self.sweep_one(
                            principal,
                            &policy,
                            &std::mem::take(&mut subject),
                            now,
                            limit,
                            &mut report,
                        )?;
                    }
                    subject.push(row);
                }
            }
            if !subject.is_empty() {
                self.sweep_one(principal, &policy, &subject, now, limit, &mut report)?;
            }
            Ok(report)
        })
    }
}
