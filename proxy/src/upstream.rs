//! Clients to the upstreams: HTTPS only (rustls, the system's roots or the upstream's own CA),
//! no redirects followed, no proxy from the environment, and a resolver that refuses a name
//! resolving to a loopback, private or link-local address unless the upstream allows it — so
//! a DNS name cannot be pointed at the cloud's metadata service or the proxy's own host.

use super::config::Upstream;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Which non-public addresses an upstream's name may resolve to.
#[derive(Clone, Copy)]
struct Reach {
    loopback: bool,
    private: bool,
}

struct Resolver(Reach);

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let reach = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| reachable(a.ip(), reach))
                .collect();
            if allowed.is_empty() {
                return Err(format!(
                    "{host} resolves to no public address ({} refused)",
                    found.len()
                )
                .into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Whether the proxy may connect to `ip`.
fn reachable(ip: IpAddr, reach: Reach) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if ip.is_loopback() {
        return reach.loopback;
    }
    let private = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private() || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    };
    if private {
        return reach.private;
    }
    let never = match ip {
        IpAddr::V4(v4) => {
            v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast()
        }
        IpAddr::V6(v6) => {
            (v6.segments()[0] & 0xffc0) == 0xfe80 || v6.is_unspecified() || v6.is_multicast()
        }
    };
    !never
}

/// The HTTPS client of `upstream`.
pub(crate) fn client(upstream: &Upstream, timeout: Duration) -> Result<reqwest::Client, String> {
    let reach = Reach {
        loopback: upstream.allow_loopback,
        private: upstream.allow_private,
    };
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .https_only(true)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .dns_resolver(Arc::new(Resolver(reach)));
    // An idle pooled connection keeps its last exchange in hyper's and rustls's buffers: values
    // on their way out and back. So idle connections are closed after `keep_alive_seconds`
    // (their buffers freed, and wiped by the allocator); 0 closes each after its request.
    builder = match upstream.keep_alive_seconds {
        0 => builder.pool_max_idle_per_host(0),
        seconds => builder.pool_idle_timeout(Duration::from_secs(seconds)),
    };
    if let Some(ca) = &upstream.ca {
        let pem = std::fs::read(ca).map_err(|e| format!("{}: {e}", ca.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("{}: not a PEM certificate bundle ({e})", ca.display()))?;
        if certs.is_empty() {
            return Err(format!("{}: no certificate in it", ca.display()));
        }
        builder = builder.tls_certs_only(certs);
    }
    builder
        .build()
        .map_err(|e| format!("upstream {:?}: {e}", upstream.name))
}

#[cfg(test)]
mod tests {
    use super::{Reach, reachable};

    #[test]
    fn only_public_addresses_are_reached_unless_the_upstream_allows_more() {
        let public = Reach {
            loopback: false,
            private: false,
        };
        for refused in [
            "127.0.0.1",
            "::1",
            "10.1.2.3",
            "172.16.0.9",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!reachable(refused.parse().unwrap(), public), "{refused}");
        }
        for allowed in ["192.0.2.10", "198.51.100.7", "2001:db8::1"] {
            assert!(reachable(allowed.parse().unwrap(), public), "{allowed}");
        }
        let tests = Reach {
            loopback: true,
            private: false,
        };
        assert!(reachable("127.0.0.1".parse().unwrap(), tests));
        assert!(!reachable("10.0.0.1".parse().unwrap(), tests));
        assert!(!reachable("169.254.169.254".parse().unwrap(), tests));
    }
}
