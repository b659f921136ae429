//! [`scrubbed_trace`]: a request-log layer (tower-http's `TraceLayer`) whose span records the
//! method, the URI and the user agent after the scrubber has masked the personal data in them —
//! `GET /customers/by-email?email=jane%40example.com` is logged as
//! `GET /customers/by-email?email=[REDACTED:email]`.

use http::Request;
use piiguard::scrub::Scrubber;
use std::sync::Arc;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, TraceLayer};
use tracing::Span;

/// The span of one request, with its URI and user agent scrubbed.
#[derive(Debug, Clone, Default)]
pub struct ScrubbedSpan {
    scrubber: Arc<Scrubber>,
}

impl ScrubbedSpan {
    /// Spans scrubbed by `scrubber` (with your own detectors added).
    pub fn with_scrubber(scrubber: Scrubber) -> Self {
        Self {
            scrubber: Arc::new(scrubber),
        }
    }
}

impl<B> MakeSpan<B> for ScrubbedSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let uri = request.uri().to_string();
        let agent = request
            .headers()
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "request",
            method = %request.method(),
            uri = %self.scrubber.scrub(&uri),
            user_agent = %self.scrubber.scrub(agent),
        )
    }
}

/// tower-http's `TraceLayer` with [`ScrubbedSpan`]: its request and response events (at the
/// levels tower-http uses) carry only scrubbed text. Add it with `Router::layer`.
///
/// ```
/// let _app: axum::Router = axum::Router::new().layer(piiguard_axum::scrubbed_trace());
/// ```
pub fn scrubbed_trace() -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, ScrubbedSpan> {
    TraceLayer::new_for_http().make_span_with(ScrubbedSpan::default())
}
