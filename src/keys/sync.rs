//! Keeping an instance's keys in step with the store that other instances change: the key set
//! is reloaded when its stored version moves, and cached subject keys are dropped when another
//! instance destroys one — looked at every [`REFRESH`](crate::clock::REFRESH) at most, so a rotation, a key
//! destruction or a forgotten subject takes effect everywhere within that bound (plus one
//! operation's time).

use super::keyring::{Keyring, check};
use super::material::RootKey;
use super::subject_keys::KeyStore as _;
use crate::error::Error;
use std::sync::atomic::Ordering;
use std::sync::{PoisonError, RwLockReadGuard};

impl Keyring {
    /// The key set, refreshed from the store first when [`REFRESH`](crate::clock::REFRESH) has passed.
    pub(crate) fn read(&self) -> Result<RwLockReadGuard<'_, Vec<RootKey>>, Error> {
        self.refresh_if_due()?;
        Ok(self.read_now())
    }

    /// The key set as this instance holds it.
    pub(crate) fn read_now(&self) -> RwLockReadGuard<'_, Vec<RootKey>> {
        self.inner
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The key set, reloaded first if it lacks key `id` version `version` (named by an
    /// envelope, index or MAC another instance wrote under a newer key).
    pub(crate) fn read_knowing(
        &self,
        id: &str,
        version: u32,
    ) -> Result<RwLockReadGuard<'_, Vec<RootKey>>, Error> {
        let keys = self.read()?;
        if self.inner.provider.is_none() || keys.iter().any(|k| k.id == id && k.version == version)
        {
            return Ok(keys);
        }
        drop(keys);
        self.reload_locked(&mut self.write())?;
        Ok(self.read_now())
    }

    /// Looks at the store if the refresh interval has passed since the last look (one thread looks; the
    /// others go on with what they hold).
    pub(crate) fn refresh_if_due(&self) -> Result<(), Error> {
        if self.inner.provider.is_none() && self.inner.store.is_none() {
            return Ok(());
        }
        self.inner.fresh.pace.run(|| self.look())
    }

    fn look(&self) -> Result<(), Error> {
        let inner = &self.inner;
        if let Some(store) = &inner.store {
            let erasures = store.erasures()?;
            if inner.fresh.erasures.swap(erasures, Ordering::AcqRel) != erasures {
                inner.cache.forget_subjects();
            }
        }
        if let Some(provider) = &inner.provider
            && provider.version()? != inner.fresh.version()
        {
            self.reload_locked(&mut self.write())?;
        }
        Ok(())
    }

    /// Replaces `keys` (write-locked) with the stored set if its version moved. The stored
    /// set must hold every key this instance holds, with the same material (a destroyed one
    /// stays destroyed): an older backup put in place would lose keys, and is refused.
    pub(super) fn reload_locked(&self, keys: &mut Vec<RootKey>) -> Result<(), Error> {
        let inner = &self.inner;
        let Some(provider) = &inner.provider else {
            return Ok(());
        };
        let Some((version, set)) = provider.load()? else {
            return Err(Error::Keyring {
                reason: "the stored key set is gone: restore it from the backup",
            });
        };
        if Some(version) == inner.fresh.version() {
            return Ok(());
        }
        if set.environment != inner.environment {
            return Err(Error::Keyring {
                reason: "the stored keys belong to another environment",
            });
        }
        check(&set.keys)?;
        for held in keys.iter() {
            let Some(stored) = set
                .keys
                .iter()
                .find(|k| k.id == held.id && k.version == held.version)
            else {
                return Err(Error::Keyring {
                    reason: "the stored key set lacks keys this instance holds (an older \
                             backup put in place?): refused",
                });
            };
            let same = match (&held.material, &stored.material) {
                (Some(a), Some(b)) => crate::crypto::ct_eq(a.bytes(), b.bytes()),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => true,
            };
            if !same {
                return Err(Error::Keyring {
                    reason: "the stored key set changed a key's material or brought a destroyed \
                             key back: refused",
                });
            }
        }
        *keys = set.keys;
        inner.fresh.set_version(version);
        inner.cache.clear();
        Ok(())
    }
}
