//! The [`Keyring`]: root keys by purpose, region and version; rotation; the derived-key cache.

use super::derive::Cache;
use super::lookup::KeyLookup;
use super::material::RootKey;
use super::provider::{KeyProvider, KeySet};
use super::purpose::{KeyState, Purpose};
use super::shared::{Freshness, Inner};
use super::subject_keys::{KeyStore, MemoryKeyStore};
use crate::envelope::{valid_key_id, valid_region};
use crate::environment::Environment;
use crate::error::Error;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockWriteGuard};

/// The purposes a new keyring creates a key for in each region.
/// A key set made before tokens existed gets its token key the next time it is opened.
const CREATED: [Purpose; 5] = [
    Purpose::FieldEncryption,
    Purpose::BlindIndex,
    Purpose::Pseudonym,
    Purpose::Integrity,
    Purpose::Token,
];

/// Root keys, derived keys and subject keys: what the storage and export views need.
///
/// Cheap to clone (shared), `Send + Sync`. Applications hand it to a [`Guard`](crate::Guard),
/// which is the one way to its data; its destructive operations (rotation, destruction) are
/// the guard's audited admin actions, or, for operators' tooling, the functions of
/// [`piiguard::unaudited`](crate::unaudited).
///
/// ```
/// use piiguard::keys::{Environment, Keyring};
/// use piiguard::{Classified, Pii};
///
/// #[derive(Classified)]
/// #[pii(subject = id)]
/// struct Customer {
///     id: u64,
///     #[pii(class = email, index)]
///     email: Pii<String>,
/// }
///
/// let keyring = Keyring::in_memory(Environment::Dev);
/// assert_eq!(keyring.key_infos().len(), 5);
/// let guard = piiguard::Guard::builder(keyring)
///     .audit(std::sync::Arc::new(piiguard::audit::MemorySink::new()))
///     .build()?;
/// let c = Customer { id: 7, email: Pii::new("jane@example.com".into()) };
/// let row = guard.storage().to_json(&c)?;
/// assert!(!row.contains("jane"));
/// let back: Customer = guard.storage().from_json(&row)?;
/// assert!(back.email.envelope().is_some());
/// # Ok::<(), piiguard::Error>(())
/// ```
#[derive(Clone)]
pub struct Keyring {
    pub(super) inner: Arc<Inner>,
}

/// Metadata of one root key version (never its material).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Key id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Purpose.
    pub purpose: Purpose,
    /// Region.
    pub region: String,
    /// State.
    pub state: KeyState,
    /// When the version was made (Unix seconds); `None` for a version sealed before piiguard
    /// recorded it.
    pub created: Option<u64>,
}

impl KeyInfo {
    fn of(key: &RootKey) -> Self {
        Self {
            id: key.id.clone(),
            version: key.version,
            purpose: key.purpose,
            region: key.region.clone(),
            state: key.state,
            created: key.created,
        }
    }
}

/// Builds a [`Keyring`].
#[must_use]
pub struct KeyringBuilder {
    environment: Option<Environment>,
    regions: Vec<String>,
    provider: Option<Box<dyn KeyProvider>>,
    store: Option<Arc<dyn KeyStore>>,
    index_len: usize,
    refresh: std::time::Duration,
}

impl Default for KeyringBuilder {
    fn default() -> Self {
        Self {
            environment: None,
            regions: Vec::new(),
            provider: None,
            store: None,
            index_len: 16,
            refresh: crate::clock::REFRESH,
        }
    }
}

impl KeyringBuilder {
    /// The environment (default: the stored key set's, or `dev` for a new one). Opening a
    /// stored key set of another environment is an error.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// A region whose keys this keyring holds (created if missing). The first one is the
    /// keyring's default region (a guard's, unless its scope names another); with none, the
    /// region is `local`.
    pub fn region(mut self, region: &str) -> Self {
        self.regions.push(region.to_owned());
        self
    }

    /// Where root keys are loaded from and saved to (default: memory only).
    pub fn provider(mut self, provider: impl KeyProvider + 'static) -> Self {
        self.provider = Some(Box::new(provider));
        self
    }

    /// Where subject keys are kept. With a store, every record that names a subject is
    /// encrypted under a key of that subject too, which `forget_subject` can destroy.
    pub fn store(mut self, store: impl KeyStore + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// The length of blind indexes in bytes, 4 to 32 (default 16). See `docs/ENVELOPE.md` for
    /// the trade-off between collisions and what an index reveals.
    pub fn blind_index_len(mut self, bytes: usize) -> Self {
        self.index_len = bytes;
        self
    }

    /// How often this instance asks the store whether other instances changed the keys
    /// (rotated, destroyed a key or a subject's key): the bound on how long it may go on with
    /// what it holds. Default [`REFRESH`](crate::clock::REFRESH), 250 ms.
    pub fn refresh_every(mut self, every: std::time::Duration) -> Self {
        self.refresh = every;
        self
    }

    /// Loads the key set (creating keys for missing regions) and builds the keyring.
    ///
    /// # Errors
    /// [`Error::Keyring`] for an inconsistent key set or configuration, an environment
    /// mismatch, or the provider's error (a corrupted key file is never overwritten).
    pub fn build(self) -> Result<Keyring, Error> {
        if !(4..=32).contains(&self.index_len) {
            return Err(Error::Keyring {
                reason: "blind index length must be 4 to 32 bytes",
            });
        }
        if self.regions.iter().any(|r| !valid_region(r)) {
            return Err(Error::Keyring {
                reason: "region names are 1 to 32 characters of a-z, 0-9, - and _",
            });
        }
        let (version, set, region) =
            load_or_create(self.provider.as_deref(), self.environment, &self.regions)?;
        Ok(Keyring {
            inner: Arc::new(Inner {
                environment: set.environment,
                default_region: region,
                keys: RwLock::new(set.keys),
                fresh: Freshness::new(version, self.store.as_deref(), self.refresh)?,
                provider: self.provider,
                store: self.store,
                cache: Cache::default(),
                index_len: self.index_len,
            }),
        })
    }
}

/// How many times a change is tried again when other instances keep changing the key set.
const ATTEMPTS: usize = 16;

/// Loads the stored key set, adding keys for missing regions, or creates one; saved by
/// compare-and-swap, so instances starting together on an empty store agree on one set.
/// Returns the stored version, the set and the default region.
fn load_or_create(
    provider: Option<&dyn KeyProvider>,
    environment: Option<Environment>,
    wanted: &[String],
) -> Result<(u64, KeySet, String), Error> {
    for _ in 0..ATTEMPTS {
        let loaded = match provider {
            Some(p) => p.load()?,
            None => None,
        };
        let expected = loaded.as_ref().map(|(v, _)| *v);
        let mut set = loaded.map_or_else(
            || KeySet {
                environment: environment.unwrap_or_default(),
                keys: Vec::new(),
            },
            |(_, set)| set,
        );
        if environment.is_some_and(|e| e != set.environment) {
            return Err(Error::Keyring {
                reason: "the stored keys belong to another environment",
            });
        }
        check(&set.keys)?;
        let mut regions = wanted.to_vec();
        if regions.is_empty() {
            regions.push(
                set.keys
                    .first()
                    .map_or_else(|| "local".to_owned(), |k| k.region.clone()),
            );
        }
        let mut added = false;
        for region in &regions {
            for purpose in CREATED {
                if !set
                    .keys
                    .iter()
                    .any(|k| k.region == *region && k.purpose == purpose)
                {
                    let id = format!("{}-{region}", purpose.name());
                    set.keys.push(RootKey::generate(&id, 1, purpose, region));
                    added = true;
                }
            }
        }
        let region = regions.swap_remove(0);
        let Some(p) = provider.filter(|_| added || expected.is_none()) else {
            return Ok((expected.unwrap_or(0), set, region));
        };
        if let Some(version) = p.save(&set, expected)? {
            return Ok((version, set, region));
        }
        // Another instance stored a key set meanwhile: load theirs and look again.
    }
    Err(Error::Keyring {
        reason: "the stored key set kept changing while this instance started",
    })
}

/// Ids and regions well-formed, no duplicate version, at most one active key per purpose and
/// region, one purpose and region per id.
pub(super) fn check(keys: &[RootKey]) -> Result<(), Error> {
    let bad = |reason| Err(Error::Keyring { reason });
    let mut versions = HashSet::new();
    let mut active = HashSet::new();
    for key in keys {
        if !valid_key_id(&key.id) || !valid_region(&key.region) || key.version == 0 {
            return bad("a stored key has a malformed id, region or version");
        }
        if !versions.insert((&key.id, key.version)) {
            return bad("two stored keys share an id and version");
        }
        if key.state == KeyState::Active && !active.insert((key.purpose, &key.region)) {
            return bad("two active keys for one purpose and region");
        }
        if keys
            .iter()
            .any(|o| o.id == key.id && (o.purpose != key.purpose || o.region != key.region))
        {
            return bad("one key id is used for two purposes or regions");
        }
    }
    Ok(())
}

impl Keyring {
    /// Starts building a keyring.
    pub fn builder() -> KeyringBuilder {
        KeyringBuilder::default()
    }

    /// A keyring whose root and subject keys live in memory only (tests, examples).
    pub fn in_memory(environment: Environment) -> Self {
        Self::builder()
            .environment(environment)
            .store(MemoryKeyStore::new())
            .build()
            .unwrap_or_else(|_| unreachable!("an in-memory keyring has no failing parts"))
    }

    /// The environment.
    pub fn environment(&self) -> Environment {
        self.inner.environment
    }

    /// The default region: where a guard without a region in its scope works.
    pub fn default_region(&self) -> &str {
        &self.inner.default_region
    }

    /// Every root key version (metadata only), as this instance last loaded them.
    pub fn key_infos(&self) -> Vec<KeyInfo> {
        // A failed refresh leaves the last known set, which is what this describes.
        let _ = self.refresh_if_due();
        self.read_now().iter().map(KeyInfo::of).collect()
    }

    pub(super) fn write(&self) -> RwLockWriteGuard<'_, Vec<RootKey>> {
        self.inner
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a new version of the active key for `purpose` in `region` and makes it active; the
    /// previous version becomes decrypt-only, so everything written under it stays readable
    /// (and findable, for blind indexes). Saved through the provider before it takes effect.
    ///
    /// # Errors
    /// [`Error::RegionUnavailable`] if the region has no key for the purpose; the provider's
    /// error (nothing changes then).
    pub(crate) fn rotate(&self, purpose: Purpose, region: &str) -> Result<KeyInfo, Error> {
        let mut keys = self.write();
        for _ in 0..ATTEMPTS {
            self.reload_locked(&mut keys)?;
            let active = keys.active(purpose, region)?.slot;
            let id = keys[active].id.clone();
            let version = keys
                .iter()
                .filter(|k| k.id == id)
                .map(|k| k.version)
                .max()
                .unwrap_or(0)
                + 1;
            keys[active].state = KeyState::DecryptOnly;
            keys.push(RootKey::generate(&id, version, purpose, region));
            match self.save(&mut keys) {
                Ok(true) => return Ok(KeyInfo::of(&keys[keys.len() - 1])),
                saved => {
                    keys.pop();
                    keys[active].state = KeyState::Active;
                    saved?;
                }
            }
        }
        Err(changing())
    }

    /// Destroys a decrypt-only key version: its material is erased and everything still under
    /// it becomes unreadable. Rewrap first: the storage keys' `rewrap` also re-wraps the subject
    /// keys of the records it visits; a subject key still wrapped under the destroyed version
    /// is lost with it.
    ///
    /// # Errors
    /// [`Error::Keyring`] for the active version; [`Error::UnknownKey`]; the provider's error.
    pub(crate) fn destroy_key(&self, id: &str, version: u32) -> Result<(), Error> {
        let mut keys = self.write();
        for _ in 0..ATTEMPTS {
            self.reload_locked(&mut keys)?;
            let slot = keys
                .iter()
                .position(|k| k.id == id && k.version == version)
                .ok_or_else(|| Error::UnknownKey {
                    id: id.to_owned(),
                    version,
                })?;
            match keys[slot].state {
                KeyState::Active => {
                    return Err(Error::Keyring {
                        reason: "the active key cannot be destroyed; rotate first",
                    });
                }
                KeyState::Destroyed => return Ok(()),
                KeyState::DecryptOnly => {}
            }
            let material = keys[slot].material.take();
            keys[slot].state = KeyState::Destroyed;
            match self.save(&mut keys) {
                Ok(true) => {
                    drop(material);
                    self.inner.cache.clear();
                    return Ok(());
                }
                saved => {
                    keys[slot].material = material;
                    keys[slot].state = KeyState::DecryptOnly;
                    saved?;
                }
            }
        }
        Err(changing())
    }

    /// Saves through the provider by compare-and-swap on the version this instance holds,
    /// lending it the keys (moved out and back, never copied): `Ok(false)` when another
    /// instance changed the set first.
    fn save(&self, keys: &mut Vec<RootKey>) -> Result<bool, Error> {
        let Some(provider) = &self.inner.provider else {
            return Ok(true);
        };
        let set = KeySet {
            environment: self.inner.environment,
            keys: std::mem::take(keys),
        };
        let saved = provider.save(&set, self.inner.fresh.version());
        *keys = set.keys;
        match saved? {
            Some(version) => {
                self.inner.fresh.set_version(version);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

fn changing() -> Error {
    Error::Keyring {
        reason: "the stored key set kept changing: other instances are changing it too",
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("environment", &self.inner.environment)
            .field("default_region", &self.inner.default_region)
            .field("keys", &self.read_now().len())
            .field("subject_keys", &self.inner.store.is_some())
            .finish_non_exhaustive()
    }
}
