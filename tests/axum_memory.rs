//! After a web service's requests are over, its memory holds no personal data it handled, only
//! freed memory does — shown with an allocator that zeroes what is freed (1Password's
//! `zeroizing-alloc`, in this test binary and so in the service it starts): every planted
//! classified value is gone from the memory a core dump would hold, while a plain marker the
//! service still holds in live memory (its records' `plan`) is found each time, the positive
//! control. Run on the service of `examples/axum_memscan.rs`, with `piiguard-axum` and with
//! plain axum. (Without such an allocator, `cargo run --example axum_memscan` shows the freed
//! remnants: request and response bytes in hyper's buffers, which no library above it can
//! wipe; see `docs/THREAT_MODEL.md`.)

#[allow(dead_code)]
#[path = "../examples/axum_memscan.rs"]
mod memscan_example;

#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

/// The service, when this binary is started again as one.
#[test]
#[ignore = "the service process of the memory test"]
fn memscan_service() {
    if let Ok(mode) = std::env::var("MEMSCAN_SERVE") {
        memscan_example::serve(&mode);
    }
}

#[test]
fn no_classified_value_outlives_its_requests_in_live_memory() {
    for mode in ["piiguard", "plain"] {
        let (labels, _) = memscan_example::measure(mode);
        let count = |l: &str| labels.get(l).copied().unwrap_or(0);
        assert!(
            count("control (plan)") >= memscan_example::CUSTOMERS * 5,
            "{mode}: the positive control (each record's plan, 5 fragments) must be found: {}",
            count("control (plan)")
        );
        for label in ["name", "email", "passport"] {
            assert_eq!(count(label), 0, "{mode}: {label} fragments in live memory");
        }
    }
}
