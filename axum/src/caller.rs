//! [`Caller`]: who asks and why, from the request — through a [`PrincipalSource`] the
//! application implements (headers set by a trusted proxy, a JWT's claims, an mTLS identity).

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{StatusCode, header};
use piiguard::{Access, Principal, keys::Environment};
use std::sync::Arc;

/// Turns a request into the [`Principal`] asking and the [`Access`] (purpose, justification,
/// grant) they ask with. Implement it for your authentication (or use [`HeaderPrincipal`]);
/// let your state give it through [`CallerState`], and take a [`Caller`] in each handler.
pub trait PrincipalSource: Send + Sync + 'static {
    /// The caller of a request.
    ///
    /// # Errors
    /// A [`CallerRejection`] when the request names no one, or no purpose.
    fn caller(&self, parts: &Parts) -> Result<Caller, CallerRejection>;
}

/// Who asks, and why: taken by handlers, so that every call to the guard names both.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who asks.
    pub principal: Principal,
    /// Why.
    pub access: Access,
}

/// Why a request has no caller. Its response names the problem, never a header's value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallerRejection {
    /// `401`: the request names no principal.
    Unauthenticated,
    /// `400`: the request names no purpose.
    NoPurpose,
    /// `400`: a header is malformed (not text, an unknown name).
    Malformed {
        /// The header's name.
        header: &'static str,
    },
}

impl IntoResponse for CallerRejection {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "no principal: the request does not say who is calling".to_owned(),
            ),
            Self::NoPurpose => (
                StatusCode::BAD_REQUEST,
                "no purpose: the request does not say why it asks (every access names a purpose)"
                    .to_owned(),
            ),
            Self::Malformed { header } => (
                StatusCode::BAD_REQUEST,
                format!("header {header} is malformed"),
            ),
        };
        let body = serde_json::json!({ "error": message }).to_string();
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

/// An application's state that says how to find a request's [`Caller`]: implement it for your
/// state type, and [`Caller`] is an extractor of every handler on that state — held as it is,
/// or in an `Arc` (`Router::with_state(Arc::new(state))`). An `Arc<dyn PrincipalSource>` is
/// such a state itself.
///
/// ```
/// use piiguard_axum::{Caller, CallerState, HeaderPrincipal, PrincipalSource};
/// use std::sync::Arc;
///
/// struct AppState {
///     callers: HeaderPrincipal,
///     // the guard, the database…
/// }
///
/// impl CallerState for AppState {
///     fn principal_source(&self) -> &dyn PrincipalSource {
///         &self.callers
///     }
/// }
///
/// async fn show(caller: Caller) -> String {
///     caller.principal.id().to_owned()
/// }
/// let state = Arc::new(AppState {
///     callers: HeaderPrincipal::new(piiguard::keys::Environment::Dev),
/// });
/// let _app: axum::Router = axum::Router::new()
///     .route("/customers/{id}", axum::routing::get(show))
///     .with_state(state);
/// ```
pub trait CallerState {
    /// The source of the callers of this state's requests.
    fn principal_source(&self) -> &dyn PrincipalSource;
}

impl CallerState for dyn PrincipalSource {
    fn principal_source(&self) -> &dyn PrincipalSource {
        self
    }
}

impl<T: CallerState + ?Sized> CallerState for Arc<T> {
    fn principal_source(&self) -> &dyn PrincipalSource {
        (**self).principal_source()
    }
}

impl<S> FromRequestParts<S> for Caller
where
    S: CallerState + Send + Sync,
{
    type Rejection = CallerRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        state.principal_source().caller(parts)
    }
}

/// A [`PrincipalSource`] reading headers that **a trusted proxy in front of the service** sets
/// after authenticating the client (never trust them from a client):
///
/// | header | required | meaning | without it |
/// |---|---|---|---|
/// | `x-principal` | yes | the caller's id | `401` ([`CallerRejection::Unauthenticated`]) |
/// | `x-purpose` | yes | why it asks: a purpose the policy's rules name (`customer_support`, …) | `400` ([`CallerRejection::NoPurpose`]) |
/// | `x-roles` | no | roles, comma-separated (`support,billing`) | no role: the policy allows nothing |
/// | `x-justification` | no | a justification (a ticket), which sensitive data needs by default | none |
/// | `x-subject` | no | the caller is this data subject (owner access to their own records) | not an owner |
/// | `x-grant` | no | a break-glass grant token | no grant |
///
/// A header that is not text (or an `x-grant` that is no grant token) is `400`
/// ([`CallerRejection::Malformed`], naming the header, never its value).
///
/// ```
/// use piiguard_axum::{HeaderPrincipal, PrincipalSource};
///
/// let source = HeaderPrincipal::new(piiguard::keys::Environment::Dev);
/// let request = http::Request::builder()
///     .header("x-principal", "agent-17")
///     .header("x-roles", "support")
///     .header("x-purpose", "customer_support")
///     .body(())
///     .unwrap();
/// let caller = source.caller(&request.into_parts().0)?;
/// assert_eq!(caller.principal.id(), "agent-17");
/// assert_eq!(caller.access.purpose(), "customer_support");
/// # Ok::<(), piiguard_axum::CallerRejection>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HeaderPrincipal {
    environment: Environment,
}

impl HeaderPrincipal {
    /// Principals of `environment` (the service's).
    pub fn new(environment: Environment) -> Self {
        Self { environment }
    }
}

fn header<'a>(parts: &'a Parts, name: &'static str) -> Result<Option<&'a str>, CallerRejection> {
    parts
        .headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map(str::trim)
                .map_err(|_| CallerRejection::Malformed { header: name })
        })
        .transpose()
}

impl PrincipalSource for HeaderPrincipal {
    fn caller(&self, parts: &Parts) -> Result<Caller, CallerRejection> {
        let id = header(parts, "x-principal")?
            .filter(|id| !id.is_empty())
            .ok_or(CallerRejection::Unauthenticated)?;
        let mut principal = Principal::new(id).in_environment(self.environment);
        for role in header(parts, "x-roles")?.unwrap_or("").split(',') {
            if !role.trim().is_empty() {
                principal = principal.role(role.trim());
            }
        }
        if let Some(subject) = header(parts, "x-subject")? {
            principal = principal.as_subject(subject);
        }
        let purpose = header(parts, "x-purpose")?
            .filter(|p| !p.is_empty())
            .ok_or(CallerRejection::NoPurpose)?;
        let mut access = Access::new(purpose);
        if let Some(justification) = header(parts, "x-justification")? {
            access = access.justified_by(justification);
        }
        if let Some(grant) = header(parts, "x-grant")? {
            let token = grant
                .parse()
                .map_err(|_| CallerRejection::Malformed { header: "x-grant" })?;
            access = access.with_grant(token);
        }
        Ok(Caller { principal, access })
    }
}
