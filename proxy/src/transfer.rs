//! Bodies, read within the limits: the caller's request (over `max_body_bytes` is `413`, not
//! all there within `body_timeout_seconds` is `408`, unreadable is `400`) and the upstream's
//! response (too large, or failing, is `502`; too slow, `504`) — each in a buffer wiped when
//! it drops.

use super::refusal::Refusal;
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use piiguard::Reason;
use std::time::Duration;
use zeroize::Zeroizing;

/// The request body, within the limits: over `limit` is `413`, not all there within
/// `timeout` is `408`, unreadable (a malformed chunk, a cut connection) is `400`.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    mut body: axum::body::Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, Refusal> {
    use http_body_util::BodyExt as _;
    let too_large = || {
        Refusal::audited(
            StatusCode::PAYLOAD_TOO_LARGE,
            Reason::BadRequest,
            format!("the request body is over {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut out = Zeroizing::new(Vec::new());
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                return Err(Refusal::audited(
                    StatusCode::REQUEST_TIMEOUT,
                    Reason::BadRequest,
                    format!(
                        "the request body did not arrive within {} s",
                        timeout.as_secs()
                    ),
                ));
            }
            Ok(None) => break,
            Ok(Some(Err(_))) => {
                return Err(Refusal::audited(
                    StatusCode::BAD_REQUEST,
                    Reason::BadRequest,
                    "the request body could not be read (malformed chunked encoding, or the \
                     connection was cut)",
                ));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(too_large());
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from_owner(out))
}

pub(crate) fn upstream_failed(route: &str, error: &reqwest::Error) -> Refusal {
    let status = if error.is_timeout() {
        StatusCode::GATEWAY_TIMEOUT
    } else {
        StatusCode::BAD_GATEWAY
    };
    // reqwest's text names the URL (host and path), never the body.
    let mut cause = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        cause = e.to_string();
        source = e.source();
    }
    Refusal::new(
        status,
        format!("route {route}: the upstream could not be reached: {cause}"),
    )
}

pub(crate) async fn read_limited(
    mut answer: reqwest::Response,
    limit: usize,
    route: &str,
) -> Result<Bytes, Refusal> {
    let too_large = || {
        Refusal::new(
            StatusCode::BAD_GATEWAY,
            format!("route {route}: the upstream's response is over {limit} bytes"),
        )
    };
    if answer.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut out = Vec::new();
    while let Some(chunk) = answer
        .chunk()
        .await
        .map_err(|e| upstream_failed(route, &e))?
    {
        if out.len() + chunk.len() > limit {
            zeroize::Zeroize::zeroize(&mut out);
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from_owner(Zeroizing::new(out)))
}
