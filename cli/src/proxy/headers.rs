//! Which of the caller's request headers reach the upstream: an allow-list. The third party
//! gets the few headers a request needs, the ones the route's rules rewrite, and the ones
//! the route declares in `forward_headers` — never the caller's credentials, cookies,
//! forwarding headers (`X-Forwarded-For`, `Forwarded`: the caller's own clients' addresses) or
//! API keys unless a route says so.

use super::config::Route;
use super::rule::{Direction, Locator};
use http::{HeaderMap, HeaderName, header};

/// Forwarded on every route.
pub(crate) static ALWAYS: [HeaderName; 5] = [
    header::ACCEPT,
    header::CONTENT_TYPE,
    header::USER_AGENT,
    HeaderName::from_static("idempotency-key"),
    HeaderName::from_static("x-request-id"),
];

/// Never forwarded, even when a route names them: they belong to one connection, or the
/// proxy sets them itself (RFC 9110 §7.6.1), or they are the caller's credentials.
pub(crate) static NEVER: [HeaderName; 12] = [
    header::CONNECTION,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::HOST,
    header::CONTENT_LENGTH,
    header::AUTHORIZATION,
    // The upstream answers uncompressed, so that the response can be read.
    header::ACCEPT_ENCODING,
    HeaderName::from_static("keep-alive"),
];

/// The headers of the caller's request that go to the upstream on `route`.
pub(crate) fn outbound(caller: &HeaderMap, route: &Route) -> HeaderMap {
    let rewritten = route.rules.iter().filter_map(|rule| match &rule.locator {
        Locator::Header(name) if rule.on == Direction::Request => Some(name),
        _ => None,
    });
    let allowed: Vec<&HeaderName> = ALWAYS
        .iter()
        .chain(&route.forward_headers)
        .chain(rewritten)
        .filter(|name| !NEVER.contains(name))
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in caller {
        if allowed.contains(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Whether a route may name `name` in `forward_headers`.
pub(crate) fn forwardable(name: &HeaderName) -> bool {
    !NEVER.contains(name)
}
