//! One request through the proxy: authenticate the caller, normalise the path and find the
//! route, read the body within the limits, detokenize the request, send it to the upstream,
//! tokenize the response, scan what is left of it, answer — and one line of the request log.
//! Anything refused is answered with a clear status, is on the audit record, and is never
//! half-done: the upstream sees a request only once every value in it was swapped, and the
//! caller a response only once every value was.

use super::config::{Caller, Config, Route};
use super::listen::Peer;
use super::path;
use super::refusal::Refusal;
use super::rewrite::rewrite;
use super::rule::{Direction, Operation, Rule};
use super::scan;
use super::tally::{Cause, Tally};
use super::transfer::{read_body, read_limited, upstream_failed};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use piiguard::scrub::Scrubber;
use piiguard::{Access, Guard, Principal, Reason};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

/// Everything a request needs, shared by every connection.
pub(crate) struct Proxy {
    pub(crate) config: Config,
    pub(crate) guard: Guard,
    pub(crate) clients: Vec<reqwest::Client>,
    /// The `Authorization` header for each upstream, if it has one.
    pub(crate) authorizations: Vec<Option<HeaderValue>>,
    /// Refusals before authentication, summarized once per window.
    pub(crate) tally: Tally,
    /// Each caller's requests under way (`max_requests_per_caller`).
    pub(crate) in_flight: Vec<Arc<Semaphore>>,
    pub(crate) scrubber: Scrubber,
}

impl Proxy {
    pub(crate) fn new(
        config: Config,
        guard: Guard,
        clients: Vec<reqwest::Client>,
        authorizations: Vec<Option<HeaderValue>>,
    ) -> Self {
        let in_flight = config
            .callers
            .iter()
            .map(|_| Arc::new(Semaphore::new(config.limits.max_requests_per_caller)))
            .collect();
        Self {
            tally: Tally::new(config.limits.refusals_per_source),
            in_flight,
            config,
            guard,
            clients,
            authorizations,
            scrubber: Scrubber::new(),
        }
    }
}

/// What the request log says of a request.
#[derive(Default)]
struct Said {
    caller: Option<usize>,
    route: Option<usize>,
}

/// The axum handler: the request, then its line in the request log.
pub(crate) async fn handle(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let started = Instant::now();
    let mut said = Said::default();
    let response = match forward(&proxy, request, &mut said).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    };
    log(&proxy, &said, response.status(), started.elapsed());
    response
}

/// One scrubbed line per request: the caller, the route's template (never the raw path), the
/// status and the time taken.
fn log(proxy: &Proxy, said: &Said, status: StatusCode, took: Duration) {
    let caller = said
        .caller
        .map_or("-", |i| proxy.config.callers[i].name.as_str());
    let route = said
        .route
        .map_or_else(|| "-".to_owned(), |i| proxy.config.routes[i].template());
    let line = format!(
        "piiguard proxy: request caller={caller} route=\"{route}\" status={} ms={:.1}",
        status.as_u16(),
        took.as_secs_f64() * 1000.0
    );
    eprintln!("{}", proxy.scrubber.scrub(&line));
}

async fn forward(
    proxy: &Arc<Proxy>,
    request: Request,
    said: &mut Said,
) -> Result<Response, Refusal> {
    let (parts, body) = request.into_parts();
    let source = parts
        .extensions
        .get::<Peer>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |peer| peer.0);
    // Before authentication a refusal is only counted (`tally`); a source over its limit is
    // refused before its token is read.
    if proxy.tally.limited(source) {
        proxy.tally.count(source, Cause::Unauthenticated, true);
        return Err(Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many unauthenticated requests from this address: try again later",
        ));
    }
    let Some(caller) = authenticate(&proxy.config.callers, &parts.headers) else {
        proxy.tally.count(source, Cause::Unauthenticated, false);
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "a bearer token of a declared caller is required",
        ));
    };
    said.caller = Some(caller);
    let principal = principal(proxy, &proxy.config.callers[caller]);
    // From here every refusal is the caller's and goes on the record, one event each.
    match authenticated(proxy, parts, body, caller, &principal, said).await {
        Ok(response) => Ok(response),
        Err(refusal) => match refusal.audit {
            Some(reason) => {
                let route = said.route.map_or_else(
                    || "no route".to_owned(),
                    |i| {
                        let route = &proxy.config.routes[i];
                        format!("route {} ({})", route.name, route.template())
                    },
                );
                let detail = format!(
                    "{route}: {}",
                    refusal.detail.as_deref().unwrap_or(&refusal.message)
                );
                audit_refusal(proxy, principal, reason, detail).await?;
                Err(refusal)
            }
            None => Err(refusal),
        },
    }
}

async fn authenticated(
    proxy: &Arc<Proxy>,
    parts: http::request::Parts,
    body: axum::body::Body,
    caller: usize,
    principal: &Principal,
    said: &mut Said,
) -> Result<Response, Refusal> {
    let segments = path::normalize(parts.uri.path()).map_err(|why| {
        Refusal::audited(StatusCode::BAD_REQUEST, Reason::BadRequest, why.to_string())
    })?;
    let Some(route) = proxy
        .config
        .routes
        .iter()
        .position(|r| r.method == parts.method && r.path.matches(&segments))
    else {
        // The caller's answer names its own path; the record only its shape.
        return Err(Refusal::audited(
            StatusCode::NOT_FOUND,
            Reason::NoRoute,
            format!("no route declares {} {}", parts.method, parts.uri.path()),
        )
        .recorded_as(format!(
            "{} with {} path segments",
            parts.method,
            segments.len()
        )));
    };
    said.route = Some(route);
    let route_ref = &proxy.config.routes[route];
    let _in_flight = Arc::clone(&proxy.in_flight[caller])
        .try_acquire_owned()
        .map_err(|_| {
            Refusal::audited(
                StatusCode::TOO_MANY_REQUESTS,
                Reason::RateLimited,
                format!(
                    "more than {} requests of this caller under way",
                    proxy.config.limits.max_requests_per_caller
                ),
            )
        })?;
    let body = read_body(
        &parts.headers,
        body,
        proxy.config.max_body,
        proxy.config.limits.body_timeout,
    )
    .await?;
    let caller_headers = parts.headers;
    let headers = super::headers::outbound(&caller_headers, route_ref);
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
    // A token no rule read would reach the third party as it is.
    let outbound_body: &[u8] = new_body.as_deref().map_or(&body, |b| b.as_slice());
    if let Some(place) = scan::stray_token(&headers, parts.uri.query(), outbound_body) {
        return Err(Refusal::audited(
            StatusCode::BAD_REQUEST,
            Reason::BadRequest,
            format!(
                "the request holds a vault token in {place}, where no rule of the route reads one"
            ),
        ));
    }
    let upstream = &proxy.config.upstreams[route_ref.upstream];
    // The URL is built from the segments the route matched: what matched is what is sent.
    let url = path::upstream_url(&upstream.host, upstream.port, &segments, parts.uri.query())
        .map_err(|why| Refusal::new(StatusCode::BAD_GATEWAY, why))?;
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
    super::headers::strip_hop_by_hop(&mut headers);
    let body = read_limited(answer, proxy.config.max_body, &route_ref.name).await?;
    // Tokenize what came back, then scan what is left, before the caller sees it.
    let (headers, new_body) = {
        let proxy = Arc::clone(proxy);
        let principal = principal.clone();
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
            let body = new.map_or(body, Bytes::from_owner);
            let route = &proxy.config.routes[route];
            if !route.pass_through {
                let may_see = |class: &str| scan::visible(&proxy.guard, &principal, &route.purpose, class);
                if let Some(found) = scan::withheld(&proxy.scrubber, &headers, &body, &may_see) {
                    return Err(Refusal::audited(
                        StatusCode::BAD_GATEWAY,
                        Reason::ResponseWithheld,
                        format!(
                            "the upstream's response held {found}, which the caller may not see: withheld"
                        ),
                    ));
                }
            }
            Ok::<_, Refusal>((headers, body))
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
    let mut access =
        Access::new(&route.purpose).via(&format!("route {} ({})", route.name, route.template()));
    if let Some(justification) = &route.justification {
        access = access.justified_by(justification);
    }
    let guard = &proxy.guard;
    let mut swap = |rule: &Rule, value: &str, subject: Option<&str>| {
        let swapped = match (rule.operation, rule.format) {
            (Operation::Detokenize, None) => {
                // A rule that names the request's subject takes only that subject's tokens.
                let access = match subject {
                    Some(subject) => access.clone().about(&subject),
                    None => access.clone(),
                };
                guard
                    .detokenize(principal, &rule.target, value, access)
                    .map(|revealed| Zeroizing::new(revealed.expose().clone()))
            }
            (Operation::Detokenize, Some(format)) => guard
                .detokenize_preserving(principal, &rule.target, format, value, access.clone())
                .map(|revealed| Zeroizing::new(revealed.expose().clone())),
            (Operation::Tokenize, None) => guard
                .storage()
                .tokenize(
                    &rule.target,
                    subject.as_ref().map(|s| s as &dyn std::fmt::Display),
                    value,
                )
                .map(Zeroizing::new),
            (Operation::Tokenize, Some(format)) => guard
                .storage()
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
