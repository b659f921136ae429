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
  subject_json = "/customer"
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
    assert!(
        config.routes[0]
            .path
            .matches(&crate::path::normalize("/v1/customers/c_1/charges").unwrap())
    );
    assert_eq!(config.callers[0].token_sha256[0], 0x9f);
    let limits = config.limits;
    assert_eq!(
        (
            limits.header_timeout.as_secs(),
            limits.body_timeout.as_secs(),
            limits.max_connections,
            limits.max_requests_per_caller,
            limits.refusal_window.as_secs(),
            limits.refusals_per_source
        ),
        (10, 10, 1024, 64, 60, 100)
    );
    assert!(!config.routes[0].pass_through);
}

#[test]
fn a_detokenize_rule_says_whose_tokens_it_takes() {
    let mistake = |text: &str| {
        Config::parse(text, Path::new("."))
            .err()
            .map(|m| m.0.join("\n"))
            .unwrap_or_default()
    };
    let none = GOOD.replace("  subject_json = \"/customer\"\n", "");
    assert!(
        mistake(&none).contains("names whose token it takes"),
        "{}",
        mistake(&none)
    );
    let any = GOOD.replace("subject_json = \"/customer\"", "any_subject = true");
    assert_eq!(mistake(&any), "");
    let both = GOOD.replace(
        "subject_json = \"/customer\"",
        "subject_json = \"/customer\"\n  any_subject = true",
    );
    assert!(mistake(&both).contains("not both"), "{}", mistake(&both));
    let header = GOOD.replace(
        "subject_json = \"/customer\"",
        "subject_header = \"x-customer\"",
    );
    assert_eq!(mistake(&header), "");
    let ff1 = GOOD.replace(
        "subject_json = \"/customer\"",
        "subject_json = \"/customer\"\n  format = \"card\"",
    );
    assert!(
        mistake(&ff1).contains("subject of an FF1 token cannot be checked"),
        "{}",
        mistake(&ff1)
    );
    let zero = GOOD.replace(
        "listen = \"127.0.0.1:8443\"",
        "listen = \"127.0.0.1:8443\"\nmax_connections = 0",
    );
    assert!(
        mistake(&zero).contains("`max_connections` must be above 0"),
        "{}",
        mistake(&zero)
    );
    let cookies = GOOD.replace(
        "purpose = \"payment\"",
        "purpose = \"payment\"\nforward_headers = [\"x-api-version\", \"authorization\"]",
    );
    assert!(
        mistake(&cookies).contains("the authorization header is never forwarded"),
        "{}",
        mistake(&cookies)
    );
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
