//! [`PiiJson`]: a `Classified` record from a JSON body, through the input door.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use http_body_util::BodyExt as _;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

/// The default largest body [`PiiJson`] reads: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// A record deserialized from a JSON request body by its derived `Deserialize` — the input door:
/// every classified string is cleartext to validate, normalize and seal at once, and an envelope
/// posted by a client is just text, never a stored value. The body is read into memory that is
/// wiped when the extractor is done with it, and refused above `LIMIT` bytes.
///
/// ```
/// use piiguard::{Classified, Pii};
/// use piiguard_axum::PiiJson;
///
/// #[derive(Classified)]
/// struct Signup {
///     #[pii(class = email)]
///     email: Pii<String>,
/// }
///
/// async fn signup(PiiJson(body): PiiJson<Signup>) -> String {
///     format!("{:?}", body.email) // masked
/// }
/// let _app: axum::Router = axum::Router::new().route("/signup", axum::routing::post(signup));
/// ```
#[derive(Debug)]
pub struct PiiJson<T, const LIMIT: usize = DEFAULT_LIMIT>(pub T);

/// Why a body was refused. Its response names the problem, never the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonRejection {
    /// `415`: the body is not declared `application/json`.
    NotJson,
    /// `413`: the body is larger than the limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// `400`: the body could not be read.
    Unreadable,
    /// `400`: the body is not JSON, or not this resource (a missing field, a value that is not
    /// valid for its class, a placeholder): where, and what kind of problem, never the value.
    Invalid {
        /// `syntax` (not JSON), `data` (not this resource) or `eof` (cut short).
        kind: &'static str,
        /// The line of the problem (1-based).
        line: usize,
        /// The column of the problem (1-based).
        column: usize,
    },
}

impl JsonRejection {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unreadable | Self::Invalid { .. } => StatusCode::BAD_REQUEST,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::NotJson => "the body must be application/json".to_owned(),
            Self::TooLarge { limit } => format!("the body is larger than {limit} bytes"),
            Self::Unreadable => "the body could not be read".to_owned(),
            Self::Invalid { kind, line, column } => format!(
                "the body is not a valid request ({kind} error at line {line}, column {column})"
            ),
        }
    }
}

impl IntoResponse for JsonRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message() }).to_string();
        (
            self.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

impl<T, S, const LIMIT: usize> FromRequest<S> for PiiJson<T, LIMIT>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = JsonRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&request) {
            return Err(JsonRejection::NotJson);
        }
        let too_large = JsonRejection::TooLarge { limit: LIMIT };
        if request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
            .is_some_and(|n| n > LIMIT)
        {
            return Err(too_large);
        }
        // Read frame by frame into one wiping buffer: no copy of the body outlives this call.
        let mut body = request.into_body();
        let mut buffer = Zeroizing::new(Vec::new());
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| JsonRejection::Unreadable)?;
            if let Ok(mut data) = frame.into_data() {
                if buffer.len() + data.len() > LIMIT {
                    wipe(&mut data);
                    return Err(too_large);
                }
                buffer.extend_from_slice(&data);
                wipe(&mut data);
            }
        }
        serde_json::from_slice(&buffer)
            .map(PiiJson)
            .map_err(|e| JsonRejection::Invalid {
                kind: match e.classify() {
                    serde_json::error::Category::Syntax => "syntax",
                    serde_json::error::Category::Eof => "eof",
                    _ => "data",
                },
                line: e.line(),
                column: e.column(),
            })
    }
}

/// Wipes a frame's bytes when this is the only handle on them (hyper's read buffers usually
/// are shared, and then only our copy can be wiped).
fn wipe(data: &mut bytes::Bytes) {
    let taken = std::mem::take(data);
    if let Ok(mut owned) = taken.try_into_mut() {
        zeroize::Zeroize::zeroize(owned.as_mut());
    }
}
