//! Memory that the operating system is asked to keep out of core dumps and swap.
//!
//! This is the one module of piiguard that contains `unsafe` code: every block asks the OS for
//! something (`memfd_secret`, `mmap`, `madvise`, `mlock`, `atexit`) or hands the memory it got
//! back to safe code. Everything else in the crate is `unsafe`-free.
//!
//! A [`ProtectedWords`] is a small array of `AtomicU64` words placed in pages that are, in order
//! of preference:
//! 1. `memfd_secret(2)` memory (Linux ≥ 5.14 with secretmem enabled): removed from the kernel's
//!    direct map, never swapped, never in a core dump;
//! 2. otherwise an anonymous private mapping with `MADV_DONTDUMP` (Linux) and `mlock` (best
//!    effort: refused when `RLIMIT_MEMLOCK` is exhausted);
//! 3. otherwise (non-Unix targets) an ordinary heap allocation.
//!
//! Which of these took effect is reported by [`Protections`], so that an application can refuse
//! to start without them. The words are atomics so that [`zeroize_at_exit`] can wipe them while
//! other threads might still read them, without a data race.
#![allow(unsafe_code)]

use super::arena;
pub use super::region::Protections;
use super::region::Region;
use std::sync::atomic::{AtomicU64, Ordering};

/// A fixed number of 64-bit words in protected memory; wiped and released on drop.
pub(crate) struct ProtectedWords {
    region: Region,
    words: usize,
    protections: Protections,
}

impl ProtectedWords {
    /// Allocates `words` zeroed words in the best protected memory the OS grants.
    pub(crate) fn new(words: usize) -> Self {
        let bytes = words.max(1) * size_of::<AtomicU64>();
        let (region, protections) = Region::allocate(bytes);
        Self {
            region,
            words,
            protections,
        }
    }

    /// The words; they start zeroed.
    pub(crate) fn words(&self) -> &[AtomicU64] {
        self.region.words(self.words)
    }

    /// Which protections the OS granted.
    pub(crate) fn protections(&self) -> Protections {
        self.protections
    }

    /// Overwrites every word with zero.
    pub(crate) fn wipe(&self) {
        for word in self.words() {
            word.store(0, Ordering::SeqCst);
        }
    }
}

impl Drop for ProtectedWords {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// One value of type `T` placed in protected memory; dropped in place, then wiped, on drop.
///
/// Used for key material and expanded cipher key schedules. The value lives in a slot of the
/// process's protected [`arena`](super::arena) (a few large mappings shared by every key), or
/// in an ordinary `Box` if it is too large for a slot or the OS grants no mapping.
pub(crate) struct ProtectedBox<T> {
    storage: BoxStorage<T>,
}

enum BoxStorage<T> {
    Arena {
        slot: Option<arena::Slot>,
        ptr: std::ptr::NonNull<T>,
    },
    Heap(Box<T>),
}

// SAFETY: a `ProtectedBox<T>` owns its `T` exactly like a `Box<T>` does.
unsafe impl<T: Send> Send for ProtectedBox<T> {}
// SAFETY: shared access hands out only `&T`, exactly like a `Box<T>`.
unsafe impl<T: Sync> Sync for ProtectedBox<T> {}

impl<T> ProtectedBox<T> {
    /// Moves `value` into protected memory.
    pub(crate) fn new(value: T) -> Self {
        if let Some(slot) = arena::alloc(size_of::<T>().max(1), align_of::<T>()) {
            let ptr = slot.ptr.cast::<T>();
            // SAFETY: the slot is at least `size_of::<T>()` bytes, aligned to `align_of::<T>()`
            // (slots are sized and placed in powers of two at least that large), writable, and
            // owned by this box alone.
            unsafe { ptr.as_ptr().write(value) };
            return Self {
                storage: BoxStorage::Arena {
                    slot: Some(slot),
                    ptr,
                },
            };
        }
        Self {
            storage: BoxStorage::Heap(Box::new(value)),
        }
    }
}

impl<T> std::ops::Deref for ProtectedBox<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.storage {
            // SAFETY: `ptr` was initialised in `new` and stays valid until `drop`.
            BoxStorage::Arena { ptr, .. } => unsafe { ptr.as_ref() },
            BoxStorage::Heap(value) => value,
        }
    }
}

impl<T> Drop for ProtectedBox<T> {
    fn drop(&mut self) {
        if let BoxStorage::Arena { slot, ptr } = &mut self.storage {
            // SAFETY: `ptr` holds the live `T` written in `new`; it is dropped exactly once
            // here, before its slot is wiped and returned to the arena.
            unsafe { std::ptr::drop_in_place(ptr.as_ptr()) };
            if let Some(slot) = slot.take() {
                arena::free(slot);
            }
        }
    }
}

/// How much stack [`wipe_stack`] overwrites: more than the cipher calls below it use. A debug
/// build keeps every temporary on the stack in large frames; the dump test found the last
/// revealed value's final block 4–8 KiB down, and nothing with 8 KiB wiped.
pub(crate) const STACK_WIPE_BYTES: usize = if cfg!(debug_assertions) { 8192 } else { 2048 };

/// Overwrites the stack just below the caller's frame with zeros.
///
/// A cipher that has just returned leaves copies of the cleartext blocks it worked on in its
/// dead frames (spilled registers, partial-block temporaries); the next deep call would
/// overwrite them, or might not. The callers that put cleartext through a cipher call this
/// before returning, so those copies end with the operation.
#[inline(never)]
pub(crate) fn wipe_stack() {
    let area = [0u8; STACK_WIPE_BYTES];
    // The optimizer must assume `area` is read, so it cannot skip writing the zeros.
    std::hint::black_box(&area);
}

/// Registers `wipe` to run when the process exits normally (`exit`, return from `main`).
///
/// Statics are never dropped, so the process sealing key asks for this explicitly. Returns
/// whether the registration succeeded.
pub(crate) fn zeroize_at_exit(wipe: extern "C" fn()) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: `atexit` only stores the function pointer; `wipe` is a plain `extern "C" fn`
        // that neither unwinds (it only performs atomic stores) nor takes arguments.
        unsafe { libc::atexit(wipe) == 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = wipe;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_start_zeroed_and_wipe_clears_them() {
        let region = ProtectedWords::new(4);
        assert!(region.words().iter().all(|w| w.load(Ordering::SeqCst) == 0));
        for (i, w) in region.words().iter().enumerate() {
            w.store(0xA5A5_0000 + i as u64, Ordering::SeqCst);
        }
        assert_eq!(region.words()[3].load(Ordering::SeqCst), 0xA5A5_0003);
        region.wipe();
        assert!(region.words().iter().all(|w| w.load(Ordering::SeqCst) == 0));
    }

    #[test]
    fn a_protected_box_holds_and_drops_its_value() {
        let flag = std::sync::Arc::new(());
        let boxed = ProtectedBox::new((7u64, std::sync::Arc::clone(&flag)));
        assert_eq!(boxed.0, 7);
        assert_eq!(std::sync::Arc::strong_count(&flag), 2);
        drop(boxed);
        assert_eq!(
            std::sync::Arc::strong_count(&flag),
            1,
            "the value was dropped in place"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_excludes_protected_pages_from_core_dumps() {
        let region = ProtectedWords::new(4);
        assert!(
            region.protections().excluded_from_dumps,
            "either memfd_secret or MADV_DONTDUMP must be granted on Linux: {:?}",
            region.protections()
        );
    }
}
