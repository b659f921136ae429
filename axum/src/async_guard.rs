//! [`AsyncGuard`]: the guard for async code. Every guard call that may wait —
//! an audit event committed with a sync, a store query, a subject key created on first use —
//! runs on tokio's blocking pool, so the executor's threads never wait on a disk or a
//! database. Pure work (masking a value, parsing a stored record) needs no such care.

use piiguard::{Access, Classified, Error, Guard, Principal};
use std::sync::Arc;
use zeroize::Zeroizing;

/// A [`Guard`] whose calls run on tokio's blocking pool (`spawn_blocking`): awaiting one never
/// stalls the executor. Cheap to clone; [`guard`](Self::guard) gives the synchronous guard for
/// what does not wait. (It needs nothing of axum: any tokio application can use it.)
///
/// The work is handed over with what it needs, owned (`Arc` a record to share it), since it
/// runs on another thread; cleartext comes back only inside the closure's result, e.g. a
/// [`Revealed`](piiguard::Revealed) or the wiping JSON of a policy view.
///
/// ```
/// use piiguard::keys::{Environment, Keyring};
/// use piiguard::{Classified, Guard, Pii, Policy, Principal};
/// use piiguard_axum::AsyncGuard;
/// use std::sync::Arc;
///
/// #[derive(Classified)]
/// #[pii(subject = id)]
/// struct Customer {
///     id: u64,
///     #[pii(class = email)]
///     email: Pii<String>,
/// }
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # runtime.block_on(async {
/// let guard = AsyncGuard::new(
///     Guard::builder(Keyring::in_memory(Environment::Dev))
///         .policy(Policy::starter())
///         .audit(Arc::new(piiguard::audit::MemorySink::new()))
///         .build()?,
/// );
/// let customer = Arc::new(Customer { id: 7, email: Pii::new("jane@example.com".into()) });
/// let mailer = Principal::new("mailer").role("service");
/// let length = guard
///     .run(move |g| g.reveal(&mailer, &*customer, |c| &c.email, "send_receipt").map(|e| e.expose().len()))
///     .await?;
/// assert_eq!(length, 16);
/// # Ok::<(), piiguard::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct AsyncGuard {
    guard: Guard,
}

impl AsyncGuard {
    /// Wraps `guard`.
    pub fn new(guard: Guard) -> Self {
        Self { guard }
    }

    /// The synchronous guard, for what does not wait (`from_json`, masks, lookups of
    /// metadata).
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// Runs `work` with the guard on tokio's blocking pool and returns its result: any guard
    /// call, or several in a row.
    ///
    /// # Errors
    /// `work`'s own error; [`Error::Audit`] if the blocking task could not run to its end (the
    /// runtime is shutting down, or `work` panicked).
    pub async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce(&Guard) -> Result<R, Error> + Send + 'static,
    ) -> Result<R, Error> {
        let guard = self.guard.clone();
        tokio::task::spawn_blocking(move || work(&guard))
            .await
            .map_err(|_| Error::Audit {
                reason: "the blocking task did not run to its end",
            })?
    }

    /// The JSON of `principal`'s policy view of `record` ([`Guard::view`]), built and audited on
    /// the blocking pool, in a buffer wiped when dropped.
    ///
    /// # Errors
    /// As [`Guard::view`].
    pub async fn view_json<T: Classified + Send + Sync + 'static>(
        &self,
        principal: Principal,
        record: Arc<T>,
        access: Access,
    ) -> Result<Zeroizing<String>, Error> {
        self.run(move |g| Ok(g.view(&principal, &*record, access)?.into_json()))
            .await
    }

    /// The record as stored ([`Storage::to_json`](piiguard::guard::Storage::to_json)): may create the subject's key in the store.
    ///
    /// # Errors
    /// As [`Storage::to_json`](piiguard::guard::Storage::to_json).
    pub async fn to_json<T: Classified + Send + Sync + 'static>(
        &self,
        record: Arc<T>,
    ) -> Result<String, Error> {
        self.run(move |g| g.storage().to_json(&*record)).await
    }
}
