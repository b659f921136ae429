//! [`Guard`]: the one object applications hold. It ties together the keyring, the policy, the
//! audit sink and the access monitor, and every reveal goes through it.

mod access;
mod admin;
mod anonymize;
mod batched_tokens;
mod break_glass;
mod disclose;
mod doors;
mod live;
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
mod local;
mod policy_view;
mod preserving;
mod retention;
#[cfg(all(
    any(feature = "sqlite", feature = "postgres"),
    feature = "local-key-file"
))]
mod shared;
mod storage;

pub use anonymize::{Anonymization, Anonymized};
pub use doors::{Admin, Storage};
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
pub use local::LocalGuard;
pub use policy_view::PolicyView;
pub use retention::RetentionSweep;

use crate::at_rest::StorageKeys;
use crate::audit::{
    Action, Actor, AuditEvent, AuditSink, ChainReport, Object, Outcome, Text, timestamp,
};
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::keys::{Keyring, Scope};
use crate::monitor::{Alert, Counters, MemoryCounters};
use crate::policy::grant_store::Grants;
use crate::policy::{Access, Policy, PolicyStore, Principal, Reason};
use crate::policy::{GrantStore, MemoryGrantStore};
use crate::token::TokenStore;
use live::{Current, Live};
use std::fmt;
use std::sync::Arc;

/// A callback for access-rate alerts.
pub type AlertHandler = Arc<dyn Fn(&Alert) + Send + Sync>;

struct Inner {
    keyring: Keyring,
    live: Live,
    audit: Arc<dyn AuditSink>,
    grants: Grants,
    clock: Arc<dyn Clock>,
    tokens: Option<Arc<dyn TokenStore>>,
    lifecycle: Arc<dyn crate::lifecycle::LifecycleStore>,
    subsystem: Text,
    on_alert: Option<AlertHandler>,
    /// The audit sink keeps the monitor's counts too (a store's, with that store's counters):
    /// a disclosure's counts and event go in one commit.
    tallied: bool,
}

/// Keys, policy, audit and monitoring in one handle: `Send + Sync`, and cheap to clone (the
/// clones share everything).
///
/// ```
/// use piiguard::keys::{Environment, Keyring};
/// use piiguard::{Classified, Guard, Pii, Principal, Error, Reason};
///
/// #[derive(Classified)]
/// #[pii(subject = id)]
/// struct Customer {
///     id: u64,
///     #[pii(class = email)]
///     email: Pii<String>,
/// }
///
/// // The embedded default is `Guard::open_local(".piiguard")?`; here all in memory.
/// let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
///     .policy(piiguard::Policy::starter())
///     .audit(std::sync::Arc::new(piiguard::audit::MemorySink::new()))
///     .build()?;
/// let customer = Customer { id: 42, email: Pii::new("jane@example.com".into()) };
///
/// // The starter policy lets a service reveal everyday personal data…
/// let mailer = Principal::new("mailer").role("service");
/// let email = guard.reveal(&mailer, &customer, |c| &c.email, "send_receipt")?;
/// assert_eq!(email.expose(), "jane@example.com");
/// drop(email);
/// // …and gives support agents only the mask.
/// let agent = Principal::new("agent-17").role("support");
/// let denied = guard.reveal(&agent, &customer, |c| &c.email, "customer_support");
/// assert!(matches!(denied, Err(Error::Denied { reason: Reason::RevealNotPermitted })));
/// let shown = guard.view(&agent, &customer, "customer_support")?.to_json()?;
/// assert_eq!(*shown, r#"{"id":42,"email":"j***@example.com"}"#);
/// // Every one of those was audited.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Guard {
    inner: Arc<Inner>,
    /// Shared with the guard's clones and pins: an operation copies no names.
    scope: Arc<ScopeKeys>,
    /// The policy an operation in progress works under (see [`pin`](Self::pin)).
    pinned: Option<Arc<Current>>,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("keyring", &self.inner.keyring)
            .field("policy_version", &self.current().policy.version())
            .field("scope", &self.scope.scope)
            .field("subsystem", &self.inner.subsystem)
            .finish_non_exhaustive()
    }
}

/// A guard with one policy version pinned for one operation (made by `Guard::pin`): the
/// operations that decide, count and audit are implemented on it, so an operation never
/// re-enters through the unpinned guard. It reads as the guard it wraps.
pub(crate) struct Pinned(Guard);

impl std::ops::Deref for Pinned {
    type Target = Guard;

    fn deref(&self) -> &Guard {
        &self.0
    }
}

/// Builds a [`Guard`] from custom parts.
///
/// ```
/// use piiguard::{Guard, Policy};
/// use piiguard::audit::MemorySink;
/// use piiguard::keys::{Environment, Keyring};
/// use std::sync::Arc;
///
/// let audit = Arc::new(MemorySink::new());
/// let guard = Guard::builder(Keyring::in_memory(Environment::Dev))
///     .policy(Policy::starter())
///     .audit(audit.clone())
///     .subsystem("billing-api")
///     .build()?;
/// assert_eq!(guard.policy().version(), "starter-1");
/// # Ok::<(), piiguard::Error>(())
/// ```
pub struct GuardBuilder {
    keyring: Keyring,
    policy: Option<Policy>,
    audit: Option<Arc<dyn AuditSink>>,
    clock: Arc<dyn Clock>,
    subsystem: String,
    on_alert: Option<AlertHandler>,
    scope: Scope,
    grants: Option<Arc<dyn GrantStore>>,
    counters: Option<Arc<dyn Counters>>,
    policies: Option<Arc<dyn PolicyStore>>,
    tokens: Option<Arc<dyn TokenStore>>,
    lifecycle: Option<Arc<dyn crate::lifecycle::LifecycleStore>>,
    tallied: bool,
    tokens_with_audit: bool,
}

impl GuardBuilder {
    /// The policy in force (default: deny everything).
    ///
    /// With a policy store ([`Guard::shared`], [`Guard::open_local`]) this is the **fallback**:
    /// the policy installed in the store — by an admin ([`Admin::install_policy`]) or, on a
    /// local directory, from its `policy.toml` — is in force whenever there is one, on every
    /// instance, and this one only until then. A fresh store holds none: without a fallback,
    /// every guard on it denies everything, admin acts included, until a program that built
    /// its guard with one installs a policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Where audit events go (required).
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self.tallied = false;
        self.tokens_with_audit = false;
        self
    }

    /// The audit sink, the counters and the token store are one store's: a disclosure's
    /// counts and event go in one commit ([`AuditSink::record_tallied`]), and a new token's row
    /// in the trail's next commit ([`AuditSink::store_token`]). A later `audit` undoes both, a
    /// later `counters` the first, a later `tokens` the second.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(super) fn tallied(mut self) -> Self {
        self.tallied = true;
        self.tokens_with_audit = true;
        self
    }

    /// The clock (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The subsystem name written to every audit event (default `piiguard`).
    pub fn subsystem(mut self, name: &str) -> Self {
        name.clone_into(&mut self.subsystem);
        self
    }

    /// Called with every access-rate alert (they are audited as well).
    pub fn on_alert(mut self, handler: impl Fn(&Alert) + Send + Sync + 'static) -> Self {
        self.on_alert = Some(Arc::new(handler));
        self
    }

    /// The tenant and region the guard works in (default: none, the keyring's region).
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Where break-glass requests and revocations are kept (default: in memory). With a store
    /// every instance shares, a request made on one instance can be approved on another, and
    /// a revocation holds everywhere.
    pub fn grants(mut self, store: Arc<dyn GrantStore>) -> Self {
        self.grants = Some(store);
        self
    }

    /// Where the access monitor counts (default: in memory). With a store every instance
    /// shares, the policy's thresholds and hard limit hold on the fleet-wide count.
    pub fn counters(mut self, counters: Arc<dyn Counters>) -> Self {
        self.counters = Some(counters);
        self.tallied = false;
        self
    }

    /// Where the policy in force is kept for every instance sharing it (default: none, the
    /// policy given here stays in force). With a store, the store's policy is in force once
    /// one was installed ([`Admin::install_policy`]), and a newly installed one takes effect on
    /// every instance within [`REFRESH`](crate::clock::REFRESH).
    pub fn policies(mut self, store: Arc<dyn PolicyStore>) -> Self {
        self.policies = Some(store);
        self
    }

    /// Where vault tokens are kept (default: none; fields stored as `tokenize` are then
    /// refused). A guard on a shared store keeps them in that store.
    pub fn tokens(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.tokens = Some(store);
        self.tokens_with_audit = false;
        self
    }

    /// Where retention activity, legal holds and the deletion register are kept (default: in
    /// memory). A guard on a shared store keeps them in that store.
    pub fn lifecycle(mut self, store: Arc<dyn crate::lifecycle::LifecycleStore>) -> Self {
        self.lifecycle = Some(store);
        self
    }

    /// Builds the guard.
    ///
    /// # Errors
    /// [`Error::Audit`] without an audit sink; I/O errors reading the revocations file.
    pub fn build(self) -> Result<Guard, Error> {
        let audit = self.audit.ok_or(Error::Audit {
            reason: "no audit sink configured",
        })?;
        let policy = self.policy.unwrap_or_else(|| Policy::deny_all("deny-all"));
        let counters = self
            .counters
            .unwrap_or_else(|| Arc::new(MemoryCounters::new()));
        let grants = Grants(
            self.grants
                .unwrap_or_else(|| Arc::new(MemoryGrantStore::new())),
        );
        let scope = ScopeKeys::new(&self.keyring, self.scope);
        let tokens = match self.tokens {
            Some(store) if self.tokens_with_audit => Some(Arc::new(batched_tokens::BatchedTokens {
                audit: Arc::clone(&audit),
                store,
            }) as Arc<dyn TokenStore>),
            tokens => tokens,
        };
        Ok(Guard {
            inner: Arc::new(Inner {
                keyring: self.keyring,
                live: Live::new(policy, self.policies, counters)?,
                audit,
                grants,
                clock: self.clock,
                tokens,
                lifecycle: self
                    .lifecycle
                    .unwrap_or_else(|| Arc::new(crate::lifecycle::MemoryLifecycleStore::new())),
                subsystem: Text::from(self.subsystem),
                on_alert: self.on_alert,
                tallied: self.tallied,
            }),
            scope,
            pinned: None,
        })
    }
}

impl Guard {
    /// Starts building a guard around `keyring`.
    pub fn builder(keyring: Keyring) -> GuardBuilder {
        GuardBuilder {
            keyring,
            policy: None,
            audit: None,
            clock: Arc::new(SystemClock),
            subsystem: "piiguard".to_owned(),
            on_alert: None,
            tallied: false,
            tokens_with_audit: false,
            scope: Scope::new(),
            grants: None,
            counters: None,
            policies: None,
            tokens: None,
            lifecycle: None,
        }
    }

    /// The same guard working in another tenant and region (shares everything else).
    pub fn scoped(&self, scope: Scope) -> Self {
        Self {
            scope: ScopeKeys::new(&self.inner.keyring, scope),
            inner: Arc::clone(&self.inner),
            pinned: None,
        }
    }

    /// The policy in force for an operation: the pinned one during an operation, else the
    /// newest known.
    fn current(&self) -> Arc<Current> {
        match &self.pinned {
            Some(current) => Arc::clone(current),
            None => self.inner.live.get(),
        }
    }

    /// This guard with the policy in force now pinned, so that one operation's decisions,
    /// monitor and audit events all follow one policy version: the operations are implemented
    /// on [`Pinned`], and each public door pins once and calls its pinned form.
    fn pin(&self) -> Pinned {
        Pinned(Self {
            inner: Arc::clone(&self.inner),
            scope: Arc::clone(&self.scope),
            pinned: Some(self.current()),
        })
    }

    /// The keyring (its public methods only describe it: environment, region, key metadata).
    pub fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    /// The keys of the guard's scope, for the storage door and for reveals the guard allowed.
    pub(crate) fn storage_keys(&self) -> StorageKeys<'_> {
        let keys = StorageKeys::shared(
            &self.inner.keyring,
            Arc::clone(&self.scope.tenant),
            Arc::clone(&self.scope.region),
        );
        match &self.inner.tokens {
            Some(store) => keys.with_tokens(Arc::clone(store), Arc::clone(&self.inner.clock)),
            None => keys,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> Arc<Policy> {
        Arc::clone(&self.current().policy)
    }

    /// Verifies the audit trail (for sinks with a hash chain).
    ///
    /// # Errors
    /// [`Error::AuditChain`] at the first bad line; [`Error::Audit`] if the sink keeps no
    /// chain.
    pub fn verify_audit(&self) -> Result<ChainReport, Error> {
        self.inner.audit.verify()?.ok_or(Error::Audit {
            reason: "this audit sink keeps no hash chain",
        })
    }

    /// The region of the guard's data: the scope's, else the keyring's default.
    fn region(&self) -> &str {
        &self.scope.region
    }

    fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// A new event with the common elements filled in; the caller's free text (purpose,
    /// justification) is scrubbed, since people type customers' details into it.
    fn event(
        &self,
        action: Action,
        outcome: Outcome,
        reason: Reason,
        principal: &Principal,
        access: Option<&Access>,
    ) -> AuditEvent {
        self.event_at(self.now(), action, outcome, reason, principal, access)
    }

    /// [`event`](Self::event) at a time the operation already read from the clock.
    fn event_at(
        &self,
        now: time::OffsetDateTime,
        action: Action,
        outcome: Outcome,
        reason: Reason,
        principal: &Principal,
        access: Option<&Access>,
    ) -> AuditEvent {
        AuditEvent {
            time: timestamp(now),
            action,
            outcome,
            reason,
            subsystem: self.inner.subsystem.clone(),
            principal: Actor::of(principal),
            object: Object {
                tenant: (!self.scope.tenant.is_empty())
                    .then(|| Text::from(Arc::clone(&self.scope.tenant))),
                region: Some(Text::from(Arc::clone(&self.scope.region))),
                ..Object::default()
            },
            purpose: access.map(|a| free_text(a.purpose())),
            justification: access.and_then(|a| a.justification().map(free_text)),
            policy_version: self.current().policy.version().into(),
            grant: access.and_then(|a| a.grant().map(|g| g.id().into())),
            detail: access.and_then(|a| a.channel().map(|c| free_text(&format!("via {c}")))),
        }
    }

    fn record(&self, event: &AuditEvent) -> Result<(), Error> {
        self.inner.audit.record(event)
    }
}

/// A guard's scope, and the tenant and region names its storage keys share.
struct ScopeKeys {
    scope: Scope,
    tenant: Arc<str>,
    region: Arc<str>,
}

impl ScopeKeys {
    fn new(keyring: &Keyring, scope: Scope) -> Arc<Self> {
        let region = scope.region_id().unwrap_or(keyring.default_region());
        Arc::new(Self {
            tenant: Arc::from(scope.tenant_id()),
            region: Arc::from(region),
            scope,
        })
    }
}

/// Free text typed by a person, as the audit trail keeps it: with any personal data the
/// scrubber finds masked ("called back jane@example.com" → "called back [REDACTED:email]").
pub(crate) fn free_text(text: &str) -> Text {
    static SCRUBBER: std::sync::LazyLock<crate::scrub::Scrubber> =
        std::sync::LazyLock::new(crate::scrub::Scrubber::new);
    Text::from(&*SCRUBBER.scrub(text))
}
