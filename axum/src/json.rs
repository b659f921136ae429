//! [`PiiJson`]: a `Classified` record from a JSON body, through the input door.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use http_body_util::BodyExt as _;
use piiguard::Classified;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

/// The default largest body [`PiiJson`] reads: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// A record deserialized from a JSON request body by its derived `Deserialize` — the input door:
/// every classified string is cleartext to validate, normalize and seal at once, and an envelope
/// posted by a client is just text, never a stored value. The body is read into memory that is
/// wiped when the extractor is done with it, and refused above `LIMIT` bytes: 64 KiB
/// ([`DEFAULT_LIMIT`]) unless the type says otherwise (`PiiJson<Signup, { 1024 * 1024 }>`).
///
/// A refused body is answered with its status and a JSON `{"error": …}` that says what is wrong
/// and in which field of the record (`the body is not a valid request: a value not valid for
/// this field (`email`; data error at line 1, column 24)`), never the value sent.
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
        /// The record's field the problem is in (or the missing field), as the record's schema
        /// names it; `None` when it is not one of them (a name the client made up is never
        /// repeated).
        field: Option<&'static str>,
        /// What is wrong, in words: `a required field is missing`, `a field this resource does
        /// not have`, `a value of the wrong type`, `a value not valid for this field`, or
        /// `not JSON`.
        problem: &'static str,
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
            Self::TooLarge { limit } => format!(
                "the body is larger than the limit of {limit} bytes (the default is {DEFAULT_LIMIT}: \
                 the service takes a larger one with PiiJson<T, N>)"
            ),
            Self::Unreadable => "the body could not be read".to_owned(),
            Self::Invalid {
                kind,
                line,
                column,
                field,
                problem,
            } => match field {
                Some(field) => format!(
                    "the body is not a valid request: {problem} (`{field}`; {kind} error at line \
                     {line}, column {column})"
                ),
                None => format!(
                    "the body is not a valid request: {problem} ({kind} error at line {line}, \
                     column {column})"
                ),
            },
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
    T: DeserializeOwned + Classified,
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
        let mut de = serde_json::Deserializer::from_slice(&buffer);
        serde_path_to_error::deserialize(&mut de)
            .map_err(|e| invalid::<T>(Some(e.path()), e.inner()))
            .and_then(|record| {
                de.end().map_err(|e| invalid::<T>(None, &e))?;
                Ok(PiiJson(record))
            })
    }
}

/// The rejection of a body that is not this resource: where, and what kind of problem, in the
/// schema's words only (serde's own message can quote the input, so it is never used).
fn invalid<T: Classified>(
    path: Option<&serde_path_to_error::Path>,
    error: &serde_json::Error,
) -> JsonRejection {
    use serde_json::error::Category;
    let schema_field = |name: &str| T::SCHEMA.fields().iter().find(|f| f.name() == name);
    // serde's message may quote the input: read for its kind only, and wiped.
    let text = Zeroizing::new(error.to_string());
    let (kind, problem) = match error.classify() {
        Category::Syntax => ("syntax", "not JSON"),
        Category::Eof => ("eof", "the body is cut short"),
        Category::Io => ("data", "the body could not be read"),
        Category::Data if text.starts_with("missing field") => {
            ("data", "a required field is missing")
        }
        Category::Data if text.starts_with("unknown field") => {
            ("data", "a field this resource does not have")
        }
        Category::Data if text.starts_with("invalid type") => ("data", "a value of the wrong type"),
        Category::Data => ("data", "a value not valid for this field"),
    };
    // The field: the first step of the path if the schema has it; for a missing field, the
    // one serde names between backticks if the schema has it.
    let from_path = path.and_then(|path| match path.iter().next() {
        Some(serde_path_to_error::Segment::Map { key }) => schema_field(key),
        _ => None,
    });
    let missing = text
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .and_then(schema_field);
    JsonRejection::Invalid {
        kind,
        line: error.line(),
        column: error.column(),
        field: missing.or(from_path).map(|f| f.name()),
        problem,
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

#[cfg(test)]
mod tests {
    use super::*;
    use piiguard::Pii;
    use std::collections::BTreeMap;

    #[derive(piiguard::Classified)]
    struct Signup {
        #[pii(class = email)]
        email: Pii<String>,
        tags: BTreeMap<String, u32>,
    }

    fn refusal(body: &str) -> JsonRejection {
        let mut de = serde_json::Deserializer::from_slice(body.as_bytes());
        match serde_path_to_error::deserialize::<_, Signup>(&mut de) {
            Ok(_) => panic!("{body} was accepted"),
            Err(e) => invalid::<Signup>(Some(e.path()), e.inner()),
        }
    }

    #[test]
    fn a_refusal_names_the_schemas_field_never_a_key_or_value_the_client_sent() {
        // A bad value under a key the client made up (it could be a value): the field is the
        // schema's `tags`, and neither the key nor the value is repeated.
        let made_up =
            refusal(r#"{"email":"a@example.com","tags":{"jane.q8z7@example.com":"x7q9"}}"#);
        let JsonRejection::Invalid { field, problem, .. } = &made_up else {
            panic!("{made_up:?}");
        };
        assert_eq!(*field, Some("tags"));
        assert_eq!(*problem, "a value of the wrong type");
        let text = made_up.message();
        assert!(!text.contains("q8z7") && !text.contains("x7q9"), "{text}");
        // An invalid email: its field, never the value.
        let bad = refusal(r#"{"email":"not-an-email-q8z7","tags":{}}"#);
        assert!(bad.message().contains("(`email`;"), "{}", bad.message());
        assert!(!bad.message().contains("q8z7"), "{}", bad.message());
        // A missing field, named from the schema.
        let missing = refusal(r#"{"tags":{}}"#);
        assert!(
            missing
                .message()
                .contains("a required field is missing (`email`;"),
            "{}",
            missing.message()
        );
    }
}
