//! axum integration of [piiguard](https://docs.rs/piiguard): what a web service needs to keep
//! personal data protected from the request to the response.
//!
//! - [`PiiJson`]: a JSON body read into wiping memory under a size limit and deserialized
//!   through the input door (cleartext sealed at once, envelopes refused); bad input answered
//!   with a value-free `400`, `413` or `415`.
//! - [`ViewJson`]: a policy view as a response whose body is wiped when dropped.
//! - [`Caller`] and [`PrincipalSource`]: who asks and why, from the request (headers, a JWT's
//!   claims, mTLS: your implementation; [`HeaderPrincipal`] for trusted-proxy setups and demos).
//! - [`scrubbed_trace`]: a request-log layer whose URIs and headers pass the scrubber
//!   (percent-encoded and JSON-escaped values too).
//! - [`AsyncGuard`]: guard calls that wait (an audit sync, a store query) on tokio's blocking
//!   pool, so that a handler never stalls the executor.
//!
//! # Memory after a request
//!
//! [`PiiJson`] and [`ViewJson`] wipe the buffers they own. hyper's connection buffers, which
//! hold request and response bytes before and after them, are freed unwiped, and the heap keeps
//! those bytes until it reuses them. A service that handles personal data should install an
//! allocator that zeroes what it frees in its binary; the crate's tests show that no planted
//! value is then left in the process's memory once its requests are over:
//!
//! ```rust,standalone_crate
//! #[global_allocator]
//! static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
//!     zeroizing_alloc::ZeroAlloc(std::alloc::System);
//!
//! fn main() {
//!     let body = String::from("jane@example.com");
//!     drop(body); // its bytes are zeroed as they are freed
//! }
//! ```
//!
//! See "A web service's memory after its requests" in piiguard's `docs/THREAT_MODEL.md`.
//!
//! A separate crate rather than a feature of piiguard: axum's releases then move this crate
//! only, and a service without axum builds none of it.

mod async_guard;
mod caller;
mod json;
mod log;
mod view;

pub use async_guard::AsyncGuard;
pub use caller::{Caller, CallerRejection, CallerState, HeaderPrincipal, PrincipalSource};
pub use json::{DEFAULT_LIMIT, JsonRejection, PiiJson};
pub use log::{ScrubbedSpan, scrubbed_trace};
pub use view::ViewJson;
