//! The policy in force and the monitors built from it, kept in step with a [`PolicyStore`]
//! that other instances change: looked at every [`REFRESH`] at most, so a newly installed
//! policy is in force on every instance within that bound.
//!
//! Each guard operation works on one snapshot ([`Current`]): its decisions, its monitor and
//! its audit events all name the same policy version.

use crate::clock::Pace;
use crate::clock::REFRESH;
use crate::error::Error;
use crate::monitor::{Counters, Monitor, Thresholds};
use crate::policy::{Policy, PolicyStore};
use std::sync::{Arc, PoisonError, RwLock};

/// The policy in force and its monitors.
pub(super) struct Current {
    pub(super) policy: Arc<Policy>,
    pub(super) monitor: Monitor,
    /// Counts principals' reads of their own data, when the policy asks (`[monitor.owner]`).
    pub(super) owner_monitor: Option<Monitor>,
    /// The store's sequence number of this policy (0: not from a store).
    seq: u64,
}

impl Current {
    pub(super) fn new(policy: Policy, counters: &Arc<dyn Counters>, seq: u64) -> Self {
        let thresholds = policy.monitor().clone();
        Self {
            owner_monitor: thresholds.owner.map(|levels| {
                Monitor::with_counters(
                    Thresholds {
                        total: levels,
                        per_class: Vec::new(),
                        hard_limit: None,
                        owner: None,
                        ..thresholds.clone()
                    },
                    Arc::clone(counters),
                )
                .for_owners()
            }),
            monitor: Monitor::with_counters(thresholds, Arc::clone(counters)),
            policy: Arc::new(policy),
            seq,
        }
    }
}

pub(super) struct Live {
    current: RwLock<Arc<Current>>,
    store: Option<Arc<dyn PolicyStore>>,
    counters: Arc<dyn Counters>,
    pace: Pace,
}

impl Live {
    /// `policy` in force; with a store, the store's policy replaces it when installed.
    pub(super) fn new(
        policy: Policy,
        store: Option<Arc<dyn PolicyStore>>,
        counters: Arc<dyn Counters>,
    ) -> Result<Self, Error> {
        let live = Self {
            current: RwLock::new(Arc::new(Current::new(policy, &counters, 0))),
            store,
            counters,
            pace: Pace::new(REFRESH),
        };
        live.look()?;
        Ok(live)
    }

    /// The policy in force, refreshed from the store when [`REFRESH`] has passed. A store that
    /// cannot be asked leaves the last policy known in force until it answers again.
    pub(super) fn get(&self) -> Arc<Current> {
        if self.store.is_some() {
            // A store that cannot be asked leaves the last policy known in force (the look is
            // tried again at the next call).
            let _ = self.pace.run(|| self.look());
        }
        self.snapshot()
    }

    fn snapshot(&self) -> Arc<Current> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Takes the store's policy if its sequence number moved.
    fn look(&self) -> Result<(), Error> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let held = self.snapshot().seq;
        if store.policy_seq()?.unwrap_or(0) == held {
            return Ok(());
        }
        if let Some((seq, text)) = store.current_policy()? {
            let policy = Policy::from_toml(&text)?;
            *self.current.write().unwrap_or_else(PoisonError::into_inner) =
                Arc::new(Current::new(policy, &self.counters, seq));
        }
        Ok(())
    }

    /// Whether `text` is the newest policy installed from `source` (always `false` without a
    /// store).
    #[cfg(all(feature = "sqlite", feature = "local-key-file"))]
    pub(super) fn is_latest_from(&self, text: &str, source: &str) -> Result<bool, Error> {
        match &self.store {
            Some(store) => Ok(store.latest_from(source)?.is_some_and(|t| t == text)),
            None => Ok(false),
        }
    }

    /// Installs `policy`, checked from `text`, as the policy in force for every instance
    /// sharing the store (a new version in the store's history even if the text is the same);
    /// returns it.
    pub(super) fn install(
        &self,
        policy: Policy,
        text: &str,
        source: &str,
    ) -> Result<Arc<Policy>, Error> {
        let Some(store) = &self.store else {
            let current = Arc::new(Current::new(policy, &self.counters, 0));
            let installed = Arc::clone(&current.policy);
            *self.current.write().unwrap_or_else(PoisonError::into_inner) = current;
            return Ok(installed);
        };
        for _ in 0..16 {
            let expected = store.policy_seq()?;
            if let Some(seq) = store.install_policy(text, source, expected)? {
                let current = Arc::new(Current::new(policy, &self.counters, seq));
                let installed = Arc::clone(&current.policy);
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = current;
                return Ok(installed);
            }
        }
        Err(Error::Policy {
            line: 0,
            message: "the policy kept changing while it was installed".to_owned(),
        })
    }
}
