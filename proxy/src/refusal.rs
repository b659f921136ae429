//! Refusals: every way the proxy says no, as an HTTP status and a message in the caller's
//! terms — naming the route and the location, never a value — and, for a refusal not yet on
//! the record, the reason code its audit event is written with.

use super::rule::{Direction, Rule};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use piiguard::Reason;

/// A refused request, or a response that could not be made safe.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    /// The reason code of the `request_refused` event to write, when nothing wrote one yet
    /// (`None`: the library audited it already, or it is not a refusal of the caller's).
    pub(crate) audit: Option<Reason>,
    /// The event's detail, where it must say less than the message (which may name the
    /// caller's raw path).
    pub(crate) detail: Option<String>,
}

impl Refusal {
    /// A refusal that is not (or is already) on the record.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            audit: None,
            detail: None,
        }
    }

    /// Writes `detail` to the record instead of the message.
    pub(crate) fn recorded_as(mut self, detail: String) -> Self {
        self.detail = Some(detail);
        self
    }

    /// A refusal to write as a `request_refused` event with `reason` (its message is the
    /// event's detail, after the route).
    pub(crate) fn audited(status: StatusCode, reason: Reason, message: impl Into<String>) -> Self {
        Self {
            audit: Some(reason),
            ..Self::new(status, message)
        }
    }

    /// A problem in a message: the caller's request (`bad_request`), or the upstream's
    /// response, which is withheld (`response_withheld`).
    fn about(rule: &Rule, request: StatusCode, message: String) -> Self {
        let reason = match rule.on {
            Direction::Request => Reason::BadRequest,
            Direction::Response => Reason::ResponseWithheld,
        };
        Self::audited(Self::of(rule, request), reason, message)
    }

    /// The status for a problem in a message: the caller's (400-class) for a request, the
    /// upstream's (502) for a response.
    fn of(rule: &Rule, request: StatusCode) -> StatusCode {
        match rule.on {
            Direction::Request => request,
            Direction::Response => StatusCode::BAD_GATEWAY,
        }
    }

    fn side(rule: &Rule) -> &'static str {
        match rule.on {
            Direction::Request => "the request",
            Direction::Response => "the upstream's response",
        }
    }

    pub(crate) fn missing(rule: &Rule) -> Self {
        Self::about(
            rule,
            StatusCode::BAD_REQUEST,
            format!("{} has no {}", Self::side(rule), rule.locator.describe()),
        )
    }

    pub(crate) fn subject(rule: &Rule) -> Self {
        Self::about(
            rule,
            StatusCode::BAD_REQUEST,
            format!(
                "{}: the subject of {} is missing",
                Self::side(rule),
                rule.locator.describe()
            ),
        )
    }

    pub(crate) fn shape(rule: &Rule, what: &str) -> Self {
        Self::about(
            rule,
            StatusCode::BAD_REQUEST,
            format!(
                "{}: {} is {what}",
                Self::side(rule),
                rule.locator.describe()
            ),
        )
    }

    pub(crate) fn malformed(rule: &Rule, kind: &str) -> Self {
        Self::about(
            rule,
            StatusCode::BAD_REQUEST,
            format!("{}: the body is not valid {kind}", Self::side(rule)),
        )
    }

    pub(crate) fn media(rule: &Rule, media: Option<&str>) -> Self {
        Self::about(
            rule,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{}: a body of type {} cannot be read for {}",
                Self::side(rule),
                media.unwrap_or("(none)"),
                rule.locator.describe()
            ),
        )
    }

    /// A refusal of the library's, for the value at `rule`'s location. A detokenization's is
    /// on the record already (the guard audits every attempt); a tokenization's is not.
    pub(crate) fn guard(rule: &Rule, error: &piiguard::Error) -> Self {
        use piiguard::Error;
        let status = match error {
            Error::Denied { .. }
            | Error::EnvironmentMismatch { .. }
            | Error::RegionMismatch { .. } => StatusCode::FORBIDDEN,
            Error::Token { .. } | Error::InvalidValue { .. } | Error::NotEncrypted { .. } => {
                Self::of(rule, StatusCode::UNPROCESSABLE_ENTITY)
            }
            Error::Audit { .. }
            | Error::KeyStore { .. }
            | Error::Database { .. }
            | Error::Io { .. }
            | Error::Unsupported { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => Self::of(rule, StatusCode::UNPROCESSABLE_ENTITY),
        };
        let message = format!("{}: {}: {error}", Self::side(rule), rule.locator.describe());
        match rule.on {
            Direction::Request => Self::new(status, message),
            Direction::Response => Self::audited(status, Reason::ResponseWithheld, message),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message, "status": self.status.as_u16() });
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer"),
            );
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}
