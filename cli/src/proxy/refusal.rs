//! Refusals: every way the proxy says no, as an HTTP status and a message in the caller's
//! terms — naming the route and the location, never a value.

use super::rule::{Direction, Rule};
use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// A refused request, or a response that could not be made safe.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
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
        Self::new(
            Self::of(rule, StatusCode::BAD_REQUEST),
            format!("{} has no {}", Self::side(rule), rule.locator.describe()),
        )
    }

    pub(crate) fn subject(rule: &Rule) -> Self {
        Self::new(
            Self::of(rule, StatusCode::BAD_REQUEST),
            format!(
                "{}: the subject of {} is missing",
                Self::side(rule),
                rule.locator.describe()
            ),
        )
    }

    pub(crate) fn shape(rule: &Rule, what: &str) -> Self {
        Self::new(
            Self::of(rule, StatusCode::BAD_REQUEST),
            format!(
                "{}: {} is {what}",
                Self::side(rule),
                rule.locator.describe()
            ),
        )
    }

    pub(crate) fn malformed(rule: &Rule, kind: &str) -> Self {
        Self::new(
            Self::of(rule, StatusCode::BAD_REQUEST),
            format!("{}: the body is not valid {kind}", Self::side(rule)),
        )
    }

    pub(crate) fn media(rule: &Rule, media: Option<&str>) -> Self {
        Self::new(
            Self::of(rule, StatusCode::UNSUPPORTED_MEDIA_TYPE),
            format!(
                "{}: a body of type {} cannot be read for {}",
                Self::side(rule),
                media.unwrap_or("(none)"),
                rule.locator.describe()
            ),
        )
    }

    /// A refusal of the library's, for the value at `rule`'s location.
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
            | Error::Io { .. }
            | Error::Unsupported { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => Self::of(rule, StatusCode::UNPROCESSABLE_ENTITY),
        };
        Self::new(
            status,
            format!("{}: {}: {error}", Self::side(rule), rule.locator.describe()),
        )
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
        response
    }
}
