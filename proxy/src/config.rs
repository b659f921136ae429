//! The proxy's configuration file (TOML): where it listens, who may call it, the upstreams it
//! may reach and the routes between them, each with its rules. Read and checked whole at
//! startup; every mistake is reported with its line, and nothing starts on a bad file.

use super::route::PathPattern;
use super::rule::Rule;
use rules::{RuleFile, rule_of};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// The largest request or response body the proxy handles by default (1 MiB).
const DEFAULT_MAX_BODY: usize = 1 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    proxy: ListenFile,
    #[serde(default, rename = "caller")]
    callers: Vec<CallerFile>,
    #[serde(default, rename = "upstream")]
    upstreams: BTreeMap<String, Spanned<UpstreamFile>>,
    #[serde(default, rename = "route")]
    routes: Vec<Spanned<RouteFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListenFile {
    listen: Spanned<String>,
    #[serde(default)]
    max_body_bytes: Option<usize>,
    #[serde(default)]
    timeout_seconds: Option<u64>,
    #[serde(default)]
    tls_cert: Option<PathBuf>,
    #[serde(default)]
    tls_key: Option<PathBuf>,
    #[serde(default)]
    client_ca: Option<PathBuf>,
    #[serde(default)]
    header_timeout_seconds: Option<u64>,
    #[serde(default)]
    body_timeout_seconds: Option<u64>,
    #[serde(default)]
    max_connections: Option<usize>,
    #[serde(default)]
    max_requests_per_caller: Option<usize>,
    #[serde(default)]
    refusal_window_seconds: Option<u64>,
    #[serde(default)]
    refusals_per_source: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallerFile {
    name: String,
    token_sha256: Spanned<String>,
    roles: Vec<String>,
    #[serde(default)]
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpstreamFile {
    host: Spanned<String>,
    #[serde(default = "https_port")]
    port: u16,
    #[serde(default)]
    ca: Option<PathBuf>,
    #[serde(default)]
    allow_loopback: bool,
    #[serde(default)]
    allow_private: bool,
    #[serde(default)]
    authorization_env: Option<String>,
    #[serde(default = "one_second")]
    keep_alive_seconds: u64,
}

fn one_second() -> u64 {
    1
}

fn https_port() -> u16 {
    443
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteFile {
    name: String,
    upstream: Spanned<String>,
    method: Spanned<String>,
    path: Spanned<String>,
    purpose: String,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    pass_through: bool,
    #[serde(default)]
    forward_headers: Vec<Spanned<String>>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RuleFile>>,
}

/// A caller: the principal a bearer token stands for.
pub(crate) struct Caller {
    pub(crate) name: String,
    pub(crate) token_sha256: [u8; 32],
    pub(crate) roles: Vec<String>,
    pub(crate) region: Option<String>,
}

/// An upstream the proxy may reach: always HTTPS, named by a DNS name.
pub(crate) struct Upstream {
    pub(crate) name: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) ca: Option<PathBuf>,
    pub(crate) allow_loopback: bool,
    pub(crate) allow_private: bool,
    /// The `Authorization` header sent to the upstream (the callers' own never is), read
    /// from this environment variable at startup.
    pub(crate) authorization_env: Option<String>,
    /// How long an idle connection is kept for reuse (its buffers hold its last exchange).
    pub(crate) keep_alive_seconds: u64,
}

/// A route: requests of `method` on `path` go to `upstream`, rewritten by `rules`.
pub(crate) struct Route {
    pub(crate) name: String,
    pub(crate) upstream: usize,
    pub(crate) method: http::Method,
    pub(crate) path: PathPattern,
    pub(crate) purpose: String,
    /// Written with each detokenization, where the policy asks for a justification.
    pub(crate) justification: Option<String>,
    /// Responses go back without the default-deny scan.
    pub(crate) pass_through: bool,
    /// Request headers forwarded besides the default ones and the rules' own.
    pub(crate) forward_headers: Vec<http::HeaderName>,
    pub(crate) rules: Vec<Rule>,
}

impl Route {
    /// `METHOD /pattern`: how audit events and the request log name the route.
    pub(crate) fn template(&self) -> String {
        format!("{} {}", self.method, self.path.template())
    }
}

/// The listener's TLS: its certificate chain and key, and the CA whose client certificates
/// it asks for (mutual TLS), if any.
pub(crate) struct ListenTls {
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
    pub(crate) client_ca: Option<PathBuf>,
}

/// The limits that bound what one caller, or anyone, can hold of the proxy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// The time to send a request's head (and finish a TLS handshake).
    pub(crate) header_timeout: Duration,
    /// The time to send a request's whole body.
    pub(crate) body_timeout: Duration,
    /// Connections open at once.
    pub(crate) max_connections: usize,
    /// Requests of one caller under way at once.
    pub(crate) max_requests_per_caller: usize,
    /// How often refusals before authentication are summarized in one event.
    pub(crate) refusal_window: Duration,
    /// Refusals before authentication one source may have in a window before `429`.
    pub(crate) refusals_per_source: u64,
}

/// The proxy's whole configuration file, checked: the listener, its limits, the callers, the
/// upstreams and the routes (`docs/PROXY.md`).
pub struct Config {
    pub(crate) listen: SocketAddr,
    pub(crate) tls: Option<ListenTls>,
    pub(crate) max_body: usize,
    pub(crate) timeout: Duration,
    pub(crate) limits: Limits,
    pub(crate) callers: Vec<Caller>,
    pub(crate) upstreams: Vec<Upstream>,
    pub(crate) routes: Vec<Route>,
}

/// Every mistake found in a configuration, each with its line.
#[derive(Debug)]
pub struct Mistakes(pub Vec<String>);

impl std::fmt::Display for Mistakes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for Mistakes {}

impl Config {
    /// Reads and checks the file at `path`; relative paths in it are relative to its folder.
    ///
    /// # Errors
    /// [`Mistakes`]: every mistake of the file, each with its line.
    pub fn load(path: &Path) -> Result<Self, Mistakes> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Mistakes(vec![format!("cannot read it: {e}")]))?;
        Self::parse(&text, path.parent().unwrap_or(Path::new(".")))
    }

    /// Parses and checks `text`; paths in it are relative to `base`.
    pub(crate) fn parse(text: &str, base: &Path) -> Result<Self, Mistakes> {
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map_or(String::new(), |s| format!("line {}: ", line(text, s.start)));
            Mistakes(vec![format!("{line}{}", e.message())])
        })?;
        let mut mistakes = Vec::new();
        let mut wrong = |span: std::ops::Range<usize>, what: String| {
            mistakes.push(format!("line {}: {what}", line(text, span.start)));
        };
        let listen = file
            .proxy
            .listen
            .get_ref()
            .parse::<SocketAddr>()
            .unwrap_or_else(|_| {
                wrong(
                    file.proxy.listen.span(),
                    "`listen` must be an address and port, such as 127.0.0.1:8080".into(),
                );
                SocketAddr::from(([127, 0, 0, 1], 0))
            });
        let limits = Limits {
            header_timeout: Duration::from_secs(file.proxy.header_timeout_seconds.unwrap_or(10)),
            body_timeout: Duration::from_secs(file.proxy.body_timeout_seconds.unwrap_or(10)),
            max_connections: file.proxy.max_connections.unwrap_or(1024),
            max_requests_per_caller: file.proxy.max_requests_per_caller.unwrap_or(64),
            refusal_window: Duration::from_secs(file.proxy.refusal_window_seconds.unwrap_or(60)),
            refusals_per_source: file.proxy.refusals_per_source.unwrap_or(100),
        };
        let tls = match (file.proxy.tls_cert, file.proxy.tls_key) {
            (Some(cert), Some(key)) => Some(ListenTls {
                cert: base.join(cert),
                key: base.join(key),
                client_ca: file.proxy.client_ca.map(|ca| base.join(ca)),
            }),
            (None, None) if file.proxy.client_ca.is_none() => None,
            _ => {
                wrong(
                    file.proxy.listen.span(),
                    "`tls_cert` and `tls_key` go together, and `client_ca` needs both".into(),
                );
                None
            }
        };
        if tls.is_none() && !listen.ip().is_loopback() {
            wrong(
                file.proxy.listen.span(),
                format!(
                    "`listen` is {listen}, off loopback: bearer tokens and values would cross the \
                     network in clear; give `tls_cert` and `tls_key`"
                ),
            );
        }
        let callers = file
            .callers
            .into_iter()
            .map(|caller| {
                let hash = hex32(caller.token_sha256.get_ref()).unwrap_or_else(|| {
                    wrong(
                        caller.token_sha256.span(),
                        format!(
                            "caller {:?}: `token_sha256` must be 64 hex digits (the SHA-256 of the bearer token)",
                            caller.name
                        ),
                    );
                    [0; 32]
                });
                Caller {
                    name: caller.name,
                    token_sha256: hash,
                    roles: caller.roles,
                    region: caller.region,
                }
            })
            .collect::<Vec<_>>();
        let names: Vec<String> = file.upstreams.keys().cloned().collect();
        let upstreams = file
            .upstreams
            .into_iter()
            .map(|(name, upstream)| {
                let upstream = upstream.into_inner();
                if let Err(why) = check_host(upstream.host.get_ref(), upstream.allow_loopback) {
                    wrong(upstream.host.span(), format!("upstream {name:?}: {why}"));
                }
                Upstream {
                    name,
                    host: upstream.host.into_inner().to_ascii_lowercase(),
                    port: upstream.port,
                    ca: upstream.ca.map(|ca| base.join(ca)),
                    allow_loopback: upstream.allow_loopback,
                    allow_private: upstream.allow_private,
                    authorization_env: upstream.authorization_env,
                    keep_alive_seconds: upstream.keep_alive_seconds,
                }
            })
            .collect();
        let routes = file
            .routes
            .into_iter()
            .map(|route| {
                let span = route.span();
                let route = route.into_inner();
                let upstream = names.iter().position(|n| n == route.upstream.get_ref());
                if upstream.is_none() {
                    wrong(
                        route.upstream.span(),
                        format!(
                            "route {:?}: no upstream named {:?} (declare it as [upstream.{}])",
                            route.name,
                            route.upstream.get_ref(),
                            route.upstream.get_ref()
                        ),
                    );
                }
                let method = http::Method::from_bytes(route.method.get_ref().as_bytes())
                    .unwrap_or_else(|_| {
                        wrong(
                            route.method.span(),
                            format!("route {:?}: not an HTTP method", route.name),
                        );
                        http::Method::GET
                    });
                let path = PathPattern::parse(route.path.get_ref()).unwrap_or_else(|why| {
                    wrong(route.path.span(), format!("route {:?}: {why}", route.name));
                    PathPattern::parse("/").unwrap_or_else(|_| unreachable!("\"/\" is a pattern"))
                });
                if route.rules.is_empty() {
                    wrong(span.clone(), format!("route {:?} has no rule", route.name));
                }
                let forward_headers = route
                    .forward_headers
                    .iter()
                    .filter_map(
                        |name| match http::HeaderName::try_from(name.get_ref().as_str()) {
                            Ok(header) if super::headers::forwardable(&header) => Some(header),
                            Ok(_) => {
                                wrong(
                                    name.span(),
                                    format!(
                                        "route {:?}: the {} header is never forwarded",
                                        route.name,
                                        name.get_ref()
                                    ),
                                );
                                None
                            }
                            Err(_) => {
                                wrong(
                                    name.span(),
                                    format!(
                                        "route {:?}: {:?} is not a header name",
                                        route.name,
                                        name.get_ref()
                                    ),
                                );
                                None
                            }
                        },
                    )
                    .collect();
                let rules = route
                    .rules
                    .into_iter()
                    .filter_map(|rule| {
                        let span = rule.span();
                        rule_of(rule.into_inner())
                            .map_err(|why| wrong(span, format!("route {:?}: {why}", route.name)))
                            .ok()
                    })
                    .collect();
                Route {
                    name: route.name,
                    upstream: upstream.unwrap_or(0),
                    method,
                    path,
                    purpose: route.purpose,
                    justification: route.justification,
                    pass_through: route.pass_through,
                    forward_headers,
                    rules,
                }
            })
            .collect::<Vec<_>>();
        if routes.is_empty() {
            mistakes.push("no [[route]]: the proxy would refuse everything".into());
        }
        if callers.is_empty() {
            mistakes.push("no [[caller]]: the proxy would refuse everyone".into());
        }
        for (zero, key) in [
            (limits.header_timeout.is_zero(), "header_timeout_seconds"),
            (limits.body_timeout.is_zero(), "body_timeout_seconds"),
            (limits.max_connections == 0, "max_connections"),
            (
                limits.max_requests_per_caller == 0,
                "max_requests_per_caller",
            ),
            (limits.refusal_window.is_zero(), "refusal_window_seconds"),
            (limits.refusals_per_source == 0, "refusals_per_source"),
        ] {
            if zero {
                mistakes.push(format!("[proxy] `{key}` must be above 0"));
            }
        }
        if !mistakes.is_empty() {
            return Err(Mistakes(mistakes));
        }
        Ok(Self {
            listen,
            tls,
            max_body: file.proxy.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY),
            timeout: Duration::from_secs(file.proxy.timeout_seconds.unwrap_or(30)),
            limits,
            callers,
            upstreams,
            routes,
        })
    }
}

/// Refuses what is not a DNS name: bare IP addresses (but loopback, when the upstream allows
/// it, for tests), and text that is not a host name at all.
fn check_host(host: &str, allow_loopback: bool) -> Result<(), String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return if allow_loopback && ip.is_loopback() {
            Ok(())
        } else {
            Err(format!(
                "{host} is an IP address: name upstreams by DNS name (only loopback, with `allow_loopback = true`, for tests)"
            ))
        };
    }
    let labels_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let numeric_tld = host
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()));
    if !labels_ok || numeric_tld {
        return Err(format!("{host:?} is not a DNS name"));
    }
    Ok(())
}

fn hex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn line(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

mod rules;
#[cfg(test)]
mod tests;
