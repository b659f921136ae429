//! One request through the proxy: authenticate the caller, find the route, detokenize the
//! request, send it to the upstream, tokenize the response, answer. Anything refused is
//! answered with a clear status and never half-done: the upstream sees a request only once
//! every value in it was swapped, and the caller a response only once every value was.

use super::config::{Caller, Config, Route};
use super::refusal::Refusal;
use super::rewrite::rewrite;
use super::rule::{Direction, Operation, Rule};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use piiguard::{Access, Guard, Principal, Reason};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use zeroize::Zeroizing;

/// Everything a request needs, shared by every connection.
pub(crate) struct Proxy {
    pub(crate) config: Config,
    pub(crate) guard: Guard,
    pub(crate) clients: Vec<reqwest::Client>,
    /// The `Authorization` header for each upstream, if it has one.
    pub(crate) authorizations: Vec<Option<HeaderValue>>,
}

/// Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1), and the ones the
/// proxy sets itself.
const HOP_BY_HOP: [header::HeaderName; 9] = [
    header::CONNECTION,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::HOST,
    header::CONTENT_LENGTH,
];

/// The axum handler.
pub(crate) async fn handle(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    match forward(&proxy, request).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn forward(proxy: &Arc<Proxy>, request: Request) -> Result<Response, Refusal> {
    let (parts, body) = request.into_parts();
    let what = format!("{} {}", parts.method, parts.uri.path());
    let Some(caller) = authenticate(&proxy.config.callers, &parts.headers) else {
        let anonymous =
            Principal::new("anonymous").in_environment(proxy.guard.keyring().environment());
        audit_refusal(proxy, anonymous, Reason::Unauthenticated, what).await?;
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "a bearer token of a declared caller is required",
        ));
    };
    let principal = principal(proxy, &proxy.config.callers[caller]);
    let Some(route) = proxy
        .config
        .routes
        .iter()
        .position(|r| r.method == parts.method && r.path.matches(parts.uri.path()))
    else {
        audit_refusal(proxy, principal, Reason::NoRoute, what.clone()).await?;
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            format!("no route declares {what}"),
        ));
    };
    let body = axum::body::to_bytes(body, proxy.config.max_body)
        .await
        .map_err(|_| {
            Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is over {} bytes", proxy.config.max_body),
            )
        })?;
    let caller_headers = parts.headers.clone();
    let mut headers = parts.headers;
    // The caller's credentials stay here; and the upstream answers uncompressed, so that the
    // response rules can read it.
    for name in HOP_BY_HOP
        .iter()
        .chain([&header::AUTHORIZATION, &header::ACCEPT_ENCODING])
    {
        headers.remove(name);
    }
    // Detokenize: blocking work (the store, the audit trail), off the async threads.
    let (headers, new_body) = {
        let proxy = Arc::clone(proxy);
        let caller_headers = caller_headers.clone();
        let principal = principal.clone();
        let body = body.clone();
        tokio::task::spawn_blocking(move || {
            swap_all(
                &proxy,
                route,
                Direction::Request,
                &principal,
                headers,
                &body,
                &caller_headers,
            )
        })
        .await
        .map_err(|_| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the request could not be rewritten",
            )
        })??
    };
    let route_ref = &proxy.config.routes[route];
    let upstream = &proxy.config.upstreams[route_ref.upstream];
    let url = format!(
        "https://{}:{}{}",
        upstream.host,
        upstream.port,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut outbound = proxy.clients[route_ref.upstream]
        .request(parts.method.clone(), url)
        .headers(headers);
    if let Some(authorization) = &proxy.authorizations[route_ref.upstream] {
        outbound = outbound.header(header::AUTHORIZATION, authorization.clone());
    }
    let outbound = match new_body {
        Some(zeroizing) => outbound.body(Bytes::from_owner(zeroizing)),
        None => outbound.body(body),
    };
    let answer = outbound
        .send()
        .await
        .map_err(|e| upstream_failed(&route_ref.name, &e))?;
    let status = answer.status();
    let mut headers = answer.headers().clone();
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
    let body = read_limited(answer, proxy.config.max_body, &route_ref.name).await?;
    // Tokenize what came back, before the caller sees it.
    let (headers, new_body) = {
        let proxy = Arc::clone(proxy);
        tokio::task::spawn_blocking(move || {
            let (headers, new) = swap_all(
                &proxy,
                route,
                Direction::Response,
                &principal,
                headers,
                &body,
                &caller_headers,
            )?;
            Ok::<_, Refusal>((headers, new.map_or(body, Bytes::from_owner)))
        })
        .await
        .map_err(|_| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the response could not be rewritten",
            )
        })??
    };
    let mut response = Response::new(axum::body::Body::from(new_body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// A rewritten body, in a buffer wiped when it drops.
type Body = Zeroizing<Vec<u8>>;

/// Rewrites one message by the route's rules of `direction`.
fn swap_all(
    proxy: &Proxy,
    route: usize,
    direction: Direction,
    principal: &Principal,
    mut headers: HeaderMap,
    body: &[u8],
    caller: &HeaderMap,
) -> Result<(HeaderMap, Option<Body>), Refusal> {
    let route: &Route = &proxy.config.routes[route];
    let rules: Vec<&Rule> = route.rules.iter().filter(|r| r.on == direction).collect();
    if rules.is_empty() {
        return Ok((headers, None));
    }
    let mut access = Access::new(&route.purpose).via(&format!("route {}", route.name));
    if let Some(justification) = &route.justification {
        access = access.justified_by(justification);
    }
    let guard = &proxy.guard;
    let mut swap = |rule: &Rule, value: &str, subject: Option<&str>| {
        let swapped = match (rule.operation, rule.format) {
            (Operation::Detokenize, None) => guard
                .detokenize(principal, &rule.target, value, access.clone())
                .map(|revealed| Zeroizing::new(revealed.expose().clone())),
            (Operation::Detokenize, Some(format)) => guard
                .detokenize_preserving(principal, &rule.target, format, value, access.clone())
                .map(|revealed| Zeroizing::new(revealed.expose().clone())),
            (Operation::Tokenize, None) => guard
                .tokenize(
                    &rule.target,
                    subject.as_ref().map(|s| s as &dyn std::fmt::Display),
                    value,
                )
                .map(Zeroizing::new),
            (Operation::Tokenize, Some(format)) => guard
                .tokenize_preserving(&rule.target, format, value)
                .map(Zeroizing::new),
        };
        swapped.map_err(|e| Refusal::guard(rule, &e))
    };
    let body = rewrite(&rules, &mut headers, body, caller, &mut swap)?;
    if body.is_some() {
        headers.remove(header::CONTENT_LENGTH);
    }
    Ok((headers, body))
}

/// The index of the caller whose token the request bears.
fn authenticate(callers: &[Caller], headers: &HeaderMap) -> Option<usize> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return None;
    }
    let digest: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
    // Every caller is compared, in time independent of where the match is.
    let mut found = None;
    for (i, caller) in callers.iter().enumerate() {
        let same = caller
            .token_sha256
            .iter()
            .zip(&digest)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        if same && found.is_none() {
            found = Some(i);
        }
    }
    found
}

fn principal(proxy: &Proxy, caller: &Caller) -> Principal {
    let mut principal =
        Principal::new(&caller.name).in_environment(proxy.guard.keyring().environment());
    for role in &caller.roles {
        principal = principal.role(role);
    }
    if let Some(region) = &caller.region {
        principal = principal.in_region(region);
    }
    principal
}

async fn audit_refusal(
    proxy: &Arc<Proxy>,
    principal: Principal,
    reason: Reason,
    what: String,
) -> Result<(), Refusal> {
    let proxy = Arc::clone(proxy);
    tokio::task::spawn_blocking(move || proxy.guard.refuse(&principal, reason, &what))
        .await
        .map_err(|_| {
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the refusal could not be audited",
            )
        })?
        .map_err(|e| {
            Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the refusal could not be audited: {e}"),
            )
        })
}

fn upstream_failed(route: &str, error: &reqwest::Error) -> Refusal {
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

async fn read_limited(
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
