//! [`ViewJson`]: a policy view's JSON as a response whose body is wiped when dropped.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header;
use zeroize::Zeroizing;

/// A response holding JSON that may carry revealed values (a policy view's
/// [`into_json`](piiguard::guard::PolicyView::into_json)): the body is the same wiping buffer, handed
/// to the server without a copy, and wiped when the server drops it.
///
/// ```
/// use piiguard_axum::ViewJson;
/// use zeroize::Zeroizing;
///
/// let response = axum::response::IntoResponse::into_response(ViewJson(Zeroizing::new(
///     r#"{"email":"j***@example.com"}"#.to_owned(),
/// )));
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[derive(Debug)]
pub struct ViewJson(pub Zeroizing<String>);

/// The owner of a response body: the wiping string, as bytes.
struct Wiping(Zeroizing<String>);

impl AsRef<[u8]> for Wiping {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl IntoResponse for ViewJson {
    fn into_response(self) -> Response {
        let body = Body::from(Bytes::from_owner(Wiping(self.0)));
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}
