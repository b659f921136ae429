//! [`MemoryLifecycleStore`]: the lifecycle's records in memory (tests, single processes
//! without a store).

use super::{Activity, Deletion, LifecycleStore};
use crate::error::Error;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

type Key = (String, String, String, String);

#[derive(Default)]
struct State {
    activity: BTreeMap<Key, Activity>,
    holds: BTreeMap<(String, String, String), String>,
    deletions: Vec<(String, Deletion)>,
}

/// The lifecycle's records in memory.
#[derive(Default)]
pub struct MemoryLifecycleStore(Mutex<State>);

impl MemoryLifecycleStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn key(region: &str, tenant: &str, subject: &str, record: &str) -> Key {
    (
        region.to_owned(),
        tenant.to_owned(),
        subject.to_owned(),
        record.to_owned(),
    )
}

impl LifecycleStore for MemoryLifecycleStore {
    fn touch(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
        record: &str,
        classes: &str,
        at: i64,
        given: Option<i64>,
    ) -> Result<(), Error> {
        let mut state = self.state();
        let row = state
            .activity
            .entry(key(region, tenant, subject, record))
            .or_insert_with(|| Activity {
                tenant: tenant.to_owned(),
                subject: subject.to_owned(),
                record: record.to_owned(),
                classes: classes.to_owned(),
                created: at,
                last: at,
                given: None,
            });
        row.created = row.created.min(at);
        row.last = row.last.max(at);
        classes.clone_into(&mut row.classes);
        if given.is_some() {
            row.given = given;
        }
        Ok(())
    }

    fn activity_after(
        &self,
        region: &str,
        after: Option<(&str, &str, &str)>,
        limit: usize,
    ) -> Result<Vec<Activity>, Error> {
        let state = self.state();
        Ok(state
            .activity
            .iter()
            .filter(|((r, t, s, rec), _)| {
                r == region
                    && after.is_none_or(|(at, asub, arec)| {
                        (t.as_str(), s.as_str(), rec.as_str()) > (at, asub, arec)
                    })
            })
            .take(limit)
            .map(|(_, row)| row.clone())
            .collect())
    }

    fn activity_of(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
    ) -> Result<Vec<Activity>, Error> {
        let state = self.state();
        Ok(state
            .activity
            .iter()
            .filter(|((r, t, s, _), _)| r == region && t == tenant && s == subject)
            .map(|(_, row)| row.clone())
            .collect())
    }

    fn forget_activity(&self, region: &str, tenant: &str, subject: &str) -> Result<(), Error> {
        self.state()
            .activity
            .retain(|(r, t, s, _), _| !(r == region && t == tenant && s == subject));
        Ok(())
    }

    fn set_hold(
        &self,
        region: &str,
        tenant: &str,
        subject: &str,
        reason: Option<&str>,
        _at: i64,
    ) -> Result<(), Error> {
        let key = (region.to_owned(), tenant.to_owned(), subject.to_owned());
        let mut state = self.state();
        match reason {
            Some(reason) => {
                state.holds.insert(key, reason.to_owned());
            }
            None => {
                state.holds.remove(&key);
            }
        }
        Ok(())
    }

    fn hold(&self, region: &str, tenant: &str, subject: &str) -> Result<Option<String>, Error> {
        Ok(self
            .state()
            .holds
            .get(&(region.to_owned(), tenant.to_owned(), subject.to_owned()))
            .cloned())
    }

    fn record_deletion(&self, region: &str, deletion: &Deletion) -> Result<bool, Error> {
        let mut state = self.state();
        if state
            .deletions
            .iter()
            .any(|(r, d)| r == region && d.id == deletion.id)
        {
            return Ok(false);
        }
        state.deletions.push((region.to_owned(), deletion.clone()));
        Ok(true)
    }

    fn deletions(
        &self,
        region: &str,
        subject: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Deletion>, Error> {
        Ok(self
            .state()
            .deletions
            .iter()
            .filter(|(r, d)| r == region && subject.is_none_or(|s| d.subject == s))
            .take(limit)
            .map(|(_, d)| d.clone())
            .collect())
    }
}
