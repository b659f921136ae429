//! The proxy's edges, attacked as a hostile caller would, with the proxy as a real process in
//! front of the mock processor over TLS: one test per defect an operator found — encoded paths
//! that reached another upstream path, slow clients that held connections open, a flood of
//! unauthenticated requests that grew the store, another customer's token accepted, and the
//! small ones (every body error a 413, a `Location` with a card number passed back, the
//! caller's cookies and forwarding headers sent on, a bare LF folding a header in, no request
//! log).

use super::mock::{self, Mock};
use super::{
    CARD, CHECKOUT_TOKEN, Payment, Running, charge_body, config_with, events, guard_at, now, post,
    start_proxy, stored_token, with_a_card_token,
};
use piiguard::Pii;
use piiguard::clock::ManualClock;
use std::io::{ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A charge of customer 7's through the proxy with `token`, as the checkout service.
fn charge(proxy: &Running, token: &str) -> super::Reply {
    post(
        &format!("{}/v1/charges", proxy.url),
        Some(CHECKOUT_TOKEN),
        "application/json",
        &charge_body(token),
        &[],
    )
}

/// The proxy's `host:port`.
fn address(proxy: &Running) -> String {
    proxy.url.trim_start_matches("http://").to_owned()
}

/// Sends `request` as written (bytes the HTTP clients would not send) and reads the answer
/// until the proxy closes the connection; `""` when it closed without answering.
fn raw(proxy: &Running, request: &[u8]) -> String {
    let mut tcp = TcpStream::connect(address(proxy)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    tcp.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = tcp.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The status of a raw answer (0 when there was none).
fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn get(path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {CHECKOUT_TOKEN}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// A store with a card token of customer 7, the mock, and the proxy with `limits`.
fn running(name: &str, limits: &str) -> (PathBuf, String, Mock, Running) {
    let (dir, token) = with_a_card_token(name);
    let mock = mock::start();
    let proxy = start_proxy(&config_with(&dir, &mock, limits), &dir);
    (dir, token, mock, proxy)
}

/// How many refusals the window summaries of `reason` whose detail says `what` counted.
fn summarized(dir: &Path, reason: &str, what: &str) -> u64 {
    refusals(dir, reason)
        .iter()
        .filter_map(|e| {
            let detail = e["detail"].as_str().unwrap();
            detail
                .contains(what)
                .then(|| detail.split(' ').next().unwrap().parse::<u64>().unwrap())
        })
        .sum()
}

fn refusals(dir: &Path, reason: &str) -> Vec<serde_json::Value> {
    events(dir)
        .into_iter()
        .filter(|e| e["action"] == "request_refused" && e["reason"] == reason)
        .collect()
}

/// Defect 1: `%2e%2e`, `.%2e`, `\`, `%2f` and double encodings under `GET /v1/files/*` reached
/// `/v1/declined`, whose body holds a card number. Now each is a 400 that reaches nothing, the
/// upstream receives exactly the segments that matched, and a response no rule covers is
/// scanned: a card number in it, or in a redirect's `Location`, withholds it (502).
#[test]
fn encoded_paths_never_reach_another_upstream_path_and_uncovered_responses_are_scanned() {
    let (dir, _token, mock, proxy) = running("edges-paths", "");
    for path in [
        "/v1/files/%2e%2e/declined",
        "/v1/files/.%2e/declined",
        "/v1/files/%2E%2E/%2e%2e/v1/declined",
        "/v1/files/a\\..\\declined",
        "/v1/files/a%5c..%5cdeclined",
        "/v1/files/..%2fdeclined",
        "/v1/files/%252e%252e/declined",
        "/v1/files/a%00b",
        "/v1/files/%ff",
        "/v1/files//declined",
    ] {
        let answer = raw(&proxy, &get(path));
        assert_eq!(status(&answer), 400, "{path}: {answer}");
        assert!(!answer.contains(CARD), "{path}: {answer}");
    }
    assert!(
        mock.received().is_empty(),
        "no encoded path reached the processor: {:?}",
        mock.received()
    );
    // What matched is what is sent: decoded and encoded again, never resolved.
    let answer = raw(&proxy, &get("/v1/files/receipt-%31/caf%C3%A9%20x"));
    assert_eq!(status(&answer), 200, "{answer}");
    assert_eq!(
        mock.received().pop().unwrap().path,
        "/v1/files/receipt-1/caf%C3%A9%20x"
    );
    // The route has no response rule: the card number in the body, and in a redirect's
    // Location, are withheld — the caller may detokenize card numbers, never see them.
    for (path, place) in [
        ("/v1/files/declined", "the body"),
        ("/v1/files/moved", "header location"),
    ] {
        let answer = raw(&proxy, &get(path));
        assert_eq!(status(&answer), 502, "{path}: {answer}");
        assert!(
            answer.contains(place) && answer.contains("card_number"),
            "{answer}"
        );
        assert!(!answer.contains(CARD), "{answer}");
    }
    let withheld = refusals(&dir, "response_withheld");
    assert_eq!(withheld.len(), 2, "{withheld:?}");
    assert!(
        withheld[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("route files (GET /v1/files/*): the upstream's response held a value of class card_number in the body")
    );
    let malformed = refusals(&dir, "bad_request");
    assert_eq!(malformed.len(), 10, "one event per refused path");
    assert!(
        malformed
            .iter()
            .all(|e| !e["detail"].as_str().unwrap().contains("declined")),
        "the record names the path's fault, never the path"
    );
}

/// Defect 2: 200 connections sending their headers at a byte a second and 50 sending their
/// bodies so were all still open after 30 s. Now the head must arrive within
/// `header_timeout_seconds` and the body within `body_timeout_seconds` (2 s each here), and the
/// proxy serves other callers meanwhile.
#[test]
fn slow_clients_are_cut_off_and_the_proxy_keeps_serving() {
    let (dir, token, _mock, proxy) = running(
        "edges-slow",
        "header_timeout_seconds = 2\nbody_timeout_seconds = 2",
    );
    let head =
        b"POST /v1/charges HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\n\r\n";
    let body_head = format!(
        "POST /v1/charges HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {CHECKOUT_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    );
    /// A slow client: its socket, what it dribbles, how far it got, whether the proxy closed
    /// the connection, and what the proxy answered.
    struct Slow {
        tcp: TcpStream,
        bytes: Vec<u8>,
        sent: usize,
        closed: bool,
        answer: Vec<u8>,
    }
    impl Slow {
        /// Reads what the proxy sent, noting a closed connection.
        fn look(&mut self) {
            let mut buf = [0u8; 512];
            match self.tcp.read(&mut buf) {
                Ok(0) => self.closed = true,
                Ok(n) => self.answer.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => self.closed = true,
            }
        }
    }
    let mut slow: Vec<Slow> = Vec::new();
    // 200 slow heads, 50 slow bodies, and 10 connections that stay idle after a request.
    for n in 0..260 {
        let tcp = TcpStream::connect(address(&proxy)).unwrap();
        let (bytes, sent) = if n < 200 {
            (head.to_vec(), 0)
        } else if n < 250 {
            let mut tcp = &tcp;
            tcp.write_all(body_head.as_bytes()).unwrap();
            (vec![b' '; 1000], 0)
        } else {
            let mut tcp = &tcp;
            tcp.write_all(b"GET /v1/files/x HTTP/1.1\r\nHost: proxy\r\n\r\n")
                .unwrap();
            (Vec::new(), 0)
        };
        tcp.set_nonblocking(true).unwrap();
        slow.push(Slow {
            tcp,
            bytes,
            sent,
            closed: false,
            answer: Vec::new(),
        });
    }
    let started = Instant::now();
    let mut served = None;
    while started.elapsed() < Duration::from_secs(5) {
        for s in slow.iter_mut().filter(|s| !s.closed) {
            s.look();
            if !s.closed && s.sent < s.bytes.len() {
                match s.tcp.write(&s.bytes[s.sent..=s.sent]) {
                    Ok(n) => s.sent += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => s.closed = true,
                }
            }
        }
        if served.is_none() {
            // A charge, in the middle of it all.
            let reply = charge(&proxy, &token);
            served = Some(reply.status);
        }
        std::thread::sleep(Duration::from_millis(1000));
    }
    // A last look at what the proxy did.
    std::thread::sleep(Duration::from_millis(200));
    slow.iter_mut().filter(|s| !s.closed).for_each(Slow::look);
    let open_heads = slow[..200].iter().filter(|s| !s.closed).count();
    let open_bodies = slow[200..250].iter().filter(|s| !s.closed).count();
    let open_idle = slow[250..].iter().filter(|s| !s.closed).count();
    let answered_idle = slow[250..]
        .iter()
        .filter(|s| s.answer.starts_with(b"HTTP/1.1 401"))
        .count();
    let timed_out = slow[200..250]
        .iter()
        .filter(|s| s.answer.starts_with(b"HTTP/1.1 408"))
        .count();
    println!(
        "slow clients: 200 sending their head and 50 their body at 1 byte/s, 10 idle after a request; after {:.1} s {open_heads} heads, {open_bodies} bodies and {open_idle} idle connections still open, {timed_out} bodies answered 408; a charge meanwhile: {served:?}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(answered_idle, 10, "the idle ones were answered first");
    assert_eq!(
        open_idle, 0,
        "an idle connection is closed as a slow head is"
    );
    // The slow heads are on the record as summaries (the window is a second); the idle
    // connections, closed between requests, are not refusals; the slow bodies are one event
    // each (their callers had authenticated).
    std::thread::sleep(Duration::from_millis(2500));
    let cut = summarized(
        &dir,
        "bad_request",
        "connections cut before their request's head arrived",
    );
    assert_eq!(cut, 200, "every slow head counted once");
    let slow_bodies = refusals(&dir, "bad_request")
        .iter()
        .filter(|e| {
            e["detail"]
                .as_str()
                .unwrap()
                .contains("did not arrive within 2 s")
        })
        .count();
    assert_eq!(slow_bodies, 50);
    assert_eq!(open_heads, 0, "every slow head was cut off");
    assert_eq!(open_bodies, 0, "every slow body was cut off");
    assert_eq!(timed_out, 50, "each slow body was told why");
    assert_eq!(served, Some(200), "other callers were served meanwhile");
}

/// The size of the store's files.
fn store_bytes(dir: &Path) -> u64 {
    ["store.db", "store.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

/// Defect 3: unauthenticated requests at ~11,500/s each wrote a durable event (+58 MB in 10
/// s). Now they are counted per source and summarized once a window, and a source over its
/// limit is answered 429: the store's growth is a few events, whatever the rate.
#[test]
fn a_flood_of_unauthenticated_requests_leaves_the_store_bounded() {
    let (dir, token, _mock, proxy) = running("edges-flood", "refusals_per_source = 100");
    std::thread::sleep(Duration::from_millis(1500));
    let before_bytes = store_bytes(&dir);
    let before_events = events(&dir).len();
    let flood = Duration::from_secs(3);
    let started = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let url = format!("{}/v1/charges", proxy.url);
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let (mut unauthorized, mut limited) = (0u64, 0u64);
                while started.elapsed() < flood {
                    let status = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .send("{}")
                        .unwrap()
                        .status()
                        .as_u16();
                    match status {
                        401 => unauthorized += 1,
                        429 => limited += 1,
                        other => panic!("status {other}"),
                    }
                }
                (unauthorized, limited)
            })
        })
        .collect();
    let (mut unauthorized, mut limited) = (0u64, 0u64);
    for thread in threads {
        let (u, l) = thread.join().unwrap();
        unauthorized += u;
        limited += l;
    }
    let sent = unauthorized + limited;
    // The last window's summary, then the figures.
    std::thread::sleep(Duration::from_millis(2500));
    let trail = events(&dir);
    let summaries: Vec<&serde_json::Value> = trail[before_events..]
        .iter()
        .filter(|e| e["reason"] == "unauthenticated")
        .collect();
    let counted: u64 = summaries
        .iter()
        .map(|e| {
            let detail = e["detail"].as_str().unwrap();
            detail.split(' ').next().unwrap().parse::<u64>().unwrap()
        })
        .sum();
    let grown = store_bytes(&dir).saturating_sub(before_bytes);
    println!(
        "refusal flood: {sent} unauthenticated requests in {:.1} s ({:.0}/s; {unauthorized} answered 401, {limited} 429): {} summary events, the store grew by {grown} bytes",
        flood.as_secs_f64(),
        sent as f64 / flood.as_secs_f64(),
        summaries.len(),
    );
    assert!(sent > 500, "a flood: {sent}");
    assert_eq!(counted, sent, "every refusal is counted in a summary");
    assert!(
        summaries.len() <= 6,
        "one summary per one-second window: {}",
        summaries.len()
    );
    assert_eq!(
        trail.len() - before_events,
        summaries.len(),
        "nothing else was written"
    );
    assert!(
        grown < 256 * 1024,
        "the store grew by {grown} bytes for {sent} refusals"
    );
    assert!(
        limited > 0 && unauthorized <= 100 * 6,
        "the per-source limit"
    );
    assert!(
        summaries
            .iter()
            .all(|e| !e["detail"].as_str().unwrap().contains("127.0.0.1")),
        "sources are counted, never written"
    );
    // Once the window is over, the address is served again.
    let reply = charge(&proxy, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Defect 4: customer 8's card token in a charge for customer 7 was detokenized, and the
/// processor got customer 8's card labelled as customer 7's. Now the rule names where the
/// request names its subject, and a token of another subject is 422, on the record.
#[test]
fn another_subjects_token_is_refused() {
    let (dir, token, mock, proxy) = running("edges-subject", "");
    let app = guard_at(&dir, Arc::new(ManualClock::new(now())));
    let eights = stored_token(
        &app,
        &Payment {
            customer: 8,
            card: Pii::new("5555555555554444".into()),
        },
        "card",
    );
    let reply = charge(&proxy, &eights);
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("subject"), "{}", reply.body);
    assert!(mock.received().is_empty(), "the processor got nothing");
    let detokenized: Vec<serde_json::Value> = events(&dir)
        .into_iter()
        .filter(|e| e["action"] == "detokenize")
        .collect();
    assert_eq!(detokenized.len(), 1);
    assert_eq!(
        (&detokenized[0]["outcome"], &detokenized[0]["reason"]),
        (&"failed".into(), &"token_refused".into())
    );
    // Customer 7's own token still goes through.
    let reply = charge(&proxy, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Defect 5: a bad chunk was a 413; the caller's cookies, forwarding headers and API key went
/// to the third party; a bare LF folded a header in; there was no request log, and the record
/// named raw paths.
#[test]
fn bodies_headers_line_endings_and_the_request_log() {
    let (dir, token, mock, proxy) = running("edges-small", "");
    let charge = charge_body(&token);
    // An invalid chunk size: 400, not 413.
    let chunked = format!(
        "POST /v1/charges HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {CHECKOUT_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{charge}\r\n0\r\n\r\n"
    );
    let answer = raw(&proxy, chunked.as_bytes());
    assert_eq!(status(&answer), 400, "{answer}");
    assert!(answer.contains("could not be read"), "{answer}");
    // A header folded in with a bare LF: the connection is ended, nothing is forwarded.
    let folded = format!(
        "POST /v1/charges HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {CHECKOUT_TOKEN}\r\nX-Note: 1\nInjected: 1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{charge}",
        charge.len()
    );
    let answer = raw(&proxy, folded.as_bytes());
    assert!(
        !(200..300).contains(&status(&answer)),
        "a bare LF is refused: {answer}"
    );
    assert!(mock.received().is_empty(), "{:?}", mock.received());
    // Not HTTP at all: hyper answers 400 itself.
    let answer = raw(&proxy, b"NOT HTTP AT ALL\r\n\r\n");
    assert!(answer.is_empty() || status(&answer) == 400, "{answer}");
    // Both cut connections are on the record, counted in the window's summary.
    std::thread::sleep(Duration::from_millis(2500));
    let cut = summarized(
        &dir,
        "bad_request",
        "connections cut on a malformed request",
    );
    assert_eq!(cut, 2, "the cut connections are on the record");
    // The caller's cookies, forwarding headers and API key stay here; what a request needs
    // goes on.
    let reply = post(
        &format!("{}/v1/charges", proxy.url),
        Some(CHECKOUT_TOKEN),
        "application/json",
        &charge,
        &[
            ("cookie", "session=abc"),
            ("x-forwarded-for", "198.51.100.23"),
            ("forwarded", "for=198.51.100.23"),
            ("x-api-key", "caller-secret"),
            ("idempotency-key", "order-4411"),
        ],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let sent = mock.received().pop().unwrap();
    let names: Vec<&str> = sent.headers.iter().map(|(k, _)| k.as_str()).collect();
    for stripped in [
        "cookie",
        "x-forwarded-for",
        "forwarded",
        "x-api-key",
        "authorization",
    ] {
        assert!(!names.contains(&stripped), "{stripped}: {names:?}");
    }
    assert!(names.contains(&"idempotency-key"), "{names:?}");
    // A token in a field no rule reads would reach the third party as it is: refused.
    let stray = serde_json::json!({
        "customer": 7, "amount": 1200, "card": { "number": token }, "note": token,
    })
    .to_string();
    let before = mock.received().len();
    let reply = post(
        &format!("{}/v1/charges", proxy.url),
        Some(CHECKOUT_TOKEN),
        "application/json",
        &stray,
        &[],
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply.body.contains("vault token in the body"),
        "{}",
        reply.body
    );
    assert_eq!(
        mock.received().len(),
        before,
        "nothing reached the processor"
    );
    // A card number in a path: the log and the record name the route's template.
    let answer = raw(&proxy, &get(&format!("/v1/files/{CARD}")));
    assert_eq!(status(&answer), 200, "{answer}");
    // The request's log line is written once its response is sent: wait for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !proxy
        .stderr
        .lock()
        .unwrap()
        .contains("route=\"GET /v1/files/*\"")
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let log = proxy.stderr.lock().unwrap().clone();
    assert!(
        log.contains("request caller=checkout-service route=\"POST /v1/charges\" status=200"),
        "{log}"
    );
    assert!(
        log.contains("route=\"GET /v1/files/*\" status=200"),
        "{log}"
    );
    assert!(!log.contains(CARD), "{log}");
    let trail = serde_json::to_string(&events(&dir)).unwrap();
    assert!(!trail.contains(CARD), "{trail}");
}

/// One caller cannot take every worker: past `max_requests_per_caller` requests under way, the
/// next is 429 at once (audited `rate_limited`), and once they end the caller is served again.
#[test]
fn one_caller_has_at_most_its_share_of_requests_under_way() {
    let (dir, token, _mock, proxy) = running(
        "edges-share",
        "max_requests_per_caller = 2\nbody_timeout_seconds = 4",
    );
    let head = format!(
        "POST /v1/charges HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {CHECKOUT_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );
    // Two requests whose bodies never come hold the caller's two places.
    let held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut tcp = TcpStream::connect(address(&proxy)).unwrap();
            tcp.write_all(head.as_bytes()).unwrap();
            tcp
        })
        .collect();
    // Once the proxy has read their heads (on a loaded machine that takes a moment), the
    // caller's next request is refused at once.
    let started = Instant::now();
    let reply = loop {
        std::thread::sleep(Duration::from_millis(100));
        let reply = charge(&proxy, &token);
        if reply.status != 200 || started.elapsed() > Duration::from_secs(3) {
            break reply;
        }
    };
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert!(
        reply.body.contains("more than 2 requests"),
        "{}",
        reply.body
    );
    // The held ones time out (408); then the caller is served.
    std::thread::sleep(Duration::from_millis(4500));
    drop(held);
    let reply = charge(&proxy, &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let limited = refusals(&dir, "rate_limited");
    assert_eq!(limited.len(), 1, "{limited:?}");
    assert_eq!(limited[0]["principal"]["id"], "checkout-service");
}

/// `max_connections` bounds the connections open at once: with two held by clients that send
/// nothing, a third waits in the kernel's backlog until the header timeout frees a slot.
#[test]
fn connections_past_the_limit_wait_for_a_free_slot() {
    let (_dir, token, _mock, proxy) = running(
        "edges-connections",
        "max_connections = 2\nheader_timeout_seconds = 2",
    );
    let held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(address(&proxy)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let reply = charge(&proxy, &token);
    let waited = started.elapsed();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        waited >= Duration::from_millis(1500),
        "served only once a slot was free: {waited:?}"
    );
    drop(held);
}

/// Stopping the proxy (SIGTERM) writes the refusals counted in the window so far before it
/// exits: nothing counted is lost to an orderly stop.
#[test]
fn a_stopped_proxy_writes_its_last_window_first() {
    let (dir, _token) = with_a_card_token("edges-stop");
    let mock = mock::start();
    let path = config_with(&dir, &mock, "");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("refusal_window_seconds = 1", "refusal_window_seconds = 600"),
    )
    .unwrap();
    let mut proxy = start_proxy(&path, &dir);
    for _ in 0..3 {
        let answer = raw(
            &proxy,
            b"GET /v1/files/x HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(status(&answer), 401, "{answer}");
    }
    assert_eq!(
        summarized(&dir, "unauthenticated", "requests refused"),
        0,
        "a long window"
    );
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &proxy.child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(proxy.child.wait().unwrap().success(), "an orderly stop");
    assert_eq!(summarized(&dir, "unauthenticated", "requests refused"), 3);
}
