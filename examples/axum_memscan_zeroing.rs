//! `axum_memscan` in a process whose allocator zeroes every allocation it frees (1Password's
//! `zeroizing-alloc`): what is left is memory still in use, not remnants of freed buffers.
//!
//! ```sh
//! cargo run --release --example axum_memscan_zeroing
//! ```

#[path = "axum_memscan.rs"]
mod memscan_example;

#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

fn main() {
    memscan_example::main();
}
