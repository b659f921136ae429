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

/// Headers of one connection (RFC 9110 §7.6.1), or framing the proxy sets itself: never
/// passed on, either way.
pub(crate) static HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::CONTENT_LENGTH,
    HeaderName::from_static("keep-alive"),
];

/// The caller's own request headers that never go to the upstream, even when a route names
/// them: its host, its credentials, and `Accept-Encoding` (the upstream answers uncompressed,
/// so that the response can be read).
static CALLERS_OWN: [HeaderName; 3] =
    [header::HOST, header::AUTHORIZATION, header::ACCEPT_ENCODING];

/// Whether a request header may go to the upstream at all.
pub(crate) fn forwardable(name: &HeaderName) -> bool {
    !HOP_BY_HOP.contains(name) && !CALLERS_OWN.contains(name)
}

/// Removes the headers of one connection from an upstream's response.
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

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
        .filter(|name| forwardable(name))
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in caller {
        if allowed.contains(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}
