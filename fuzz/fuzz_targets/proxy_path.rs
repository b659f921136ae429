//! Any request path through the proxy's normaliser and route matcher (their source files,
//! compiled here as they are): no panic; a path that normalises holds no segment that walks
//! (`.`, `..`), no separator (`/`, `\`) and no control character; the upstream URL built from
//! its segments normalises back to exactly them, so every route pattern that matched the
//! request matches what the upstream receives.
#![no_main]

#[allow(dead_code, unreachable_pub)]
#[path = "../../proxy/src/path.rs"]
mod path;
#[allow(dead_code, unreachable_pub)]
#[path = "../../proxy/src/route.rs"]
mod route;

use libfuzzer_sys::fuzz_target;

const PATTERNS: [&str; 5] = [
    "/v1/files/*",
    "/v1/{id}",
    "/v1/files/{id}/declined",
    "/{a}/{b}/*",
    "/v1/declined",
];

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(segments) = path::normalize(raw) else {
        return;
    };
    for segment in &segments {
        assert!(!segment.is_empty() && segment != "." && segment != "..");
        assert!(!segment.contains(['/', '\\']) && !segment.chars().any(char::is_control));
    }
    let url = path::upstream_url("localhost", 443, &segments, None).unwrap();
    let received = path::normalize(url.path()).unwrap();
    assert_eq!(received, segments, "{raw:?} -> {url}");
    for pattern in PATTERNS {
        let pattern = route::PathPattern::parse(pattern).unwrap();
        assert_eq!(pattern.matches(&segments), pattern.matches(&received));
    }
});
