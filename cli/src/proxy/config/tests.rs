//! The configuration file: a good one is read whole, and hosts are judged as the issue asks.

use super::{Config, check_host};
use std::path::Path;

const GOOD: &str = r#"
[proxy]
listen = "127.0.0.1:8443"

[[caller]]
name = "checkout"
token_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
roles = ["payments"]

[upstream.processor]
host = "api.processor.example.com"

[[route]]
name = "charge"
upstream = "processor"
method = "POST"
path = "/v1/customers/{id}/charges"
purpose = "payment"

  [[route.rule]]
  on = "request"
  operation = "detokenize"
  json = "/card/number"
  record = "Payment"
  field = "card"
  class = "card_number"
"#;

#[test]
fn a_good_file_is_read_with_its_defaults() {
    let config =
        Config::parse(GOOD, Path::new("/etc/piiguard")).unwrap_or_else(|m| panic!("{:?}", m.0));
    assert_eq!(config.listen.port(), 8443);
    assert_eq!(config.max_body, 1 << 20);
    assert_eq!(config.timeout.as_secs(), 30);
    assert_eq!(config.upstreams[0].port, 443);
    assert!(!config.upstreams[0].allow_loopback);
    assert!(config.routes[0].path.matches("/v1/customers/c_1/charges"));
    assert_eq!(config.callers[0].token_sha256[0], 0x9f);
}

#[test]
fn unknown_keys_and_empty_tables_are_mistakes() {
    let typo = GOOD.replace(
        "purpose = \"payment\"",
        "purpose = \"payment\"\npurpse = \"x\"",
    );
    let mistakes = Config::parse(&typo, Path::new(".")).err().unwrap().0;
    assert!(
        mistakes[0].contains("unknown field `purpse`"),
        "{mistakes:?}"
    );
    let mistakes = Config::parse("[proxy]\nlisten = \"127.0.0.1:1\"\n", Path::new("."))
        .err()
        .unwrap()
        .0;
    assert_eq!(mistakes.len(), 2, "{mistakes:?}");
}

#[test]
fn upstreams_are_dns_names_and_bare_ips_only_loopback_when_allowed() {
    assert!(check_host("api.processor.example.com", false).is_ok());
    assert!(
        check_host("localhost", false).is_ok(),
        "a name: the resolver judges where it leads"
    );
    for refused in ["203.0.113.7", "[2001:db8::1]", "127.0.0.1"] {
        assert!(
            check_host(refused, false)
                .unwrap_err()
                .contains("IP address"),
            "{refused}"
        );
    }
    assert!(check_host("127.0.0.1", true).is_ok());
    assert!(check_host("[::1]", true).is_ok());
    assert!(check_host("10.0.0.1", true).is_err(), "only loopback");
    for refused in [
        "",
        "under_score.example.com",
        "-lead.example.com",
        "a..b",
        "1.2.3.4.5",
    ] {
        assert!(check_host(refused, false).is_err(), "{refused:?}");
    }
}

#[test]
fn a_listener_off_loopback_needs_tls() {
    let open = GOOD.replace("127.0.0.1:8443", "0.0.0.0:8443");
    let mistakes = Config::parse(&open, Path::new(".")).err().unwrap().0;
    assert!(
        mistakes[0].starts_with("line 3: ") && mistakes[0].contains("off loopback"),
        "{mistakes:?}"
    );
    let with_tls = open.replace(
        "listen = \"0.0.0.0:8443\"",
        "listen = \"0.0.0.0:8443\"\ntls_cert = \"a.pem\"\ntls_key = \"a-key.pem\"",
    );
    assert!(Config::parse(&with_tls, Path::new(".")).is_ok());
}
