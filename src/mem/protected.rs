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

use std::sync::atomic::{AtomicU64, Ordering};

/// Which OS protections are in effect for a region of protected memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Protections {
    /// The pages come from `memfd_secret`: not mapped in the kernel, not swappable, not dumped.
    pub secret_memory: bool,
    /// The pages are excluded from core dumps (`MADV_DONTDUMP`, or implied by secret memory).
    pub excluded_from_dumps: bool,
    /// The pages are locked in RAM (`mlock`, or implied by secret memory) and never swapped.
    pub locked: bool,
}

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
/// Used for the per-thread cipher (an expanded key schedule is key material too). Its pages get
/// the same protections as [`ProtectedWords`]; if the OS grants no mapping suitable for `T`,
/// the value lives in an ordinary `Box`.
pub(crate) struct ProtectedBox<T> {
    storage: BoxStorage<T>,
}

enum BoxStorage<T> {
    #[cfg(unix)]
    Mapped {
        /// Owns the mapping; released (unlocked, unmapped) when the box is dropped.
        #[allow(dead_code)]
        region: Region,
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
        #[cfg(unix)]
        {
            let (region, _) = Region::allocate(size_of::<T>().max(1));
            let base = region.base();
            if region.is_mapped() && base.align_offset(align_of::<T>()) == 0 {
                let ptr = base.cast::<T>();
                // SAFETY: the mapping is at least `size_of::<T>()` bytes, suitably aligned (page
                // aligned, checked above), writable, and owned by `region`; nothing else
                // points into it.
                unsafe { ptr.as_ptr().write(value) };
                return Self {
                    storage: BoxStorage::Mapped { region, ptr },
                };
            }
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
            #[cfg(unix)]
            // SAFETY: `ptr` was initialised in `new` and stays valid until `drop`.
            BoxStorage::Mapped { ptr, .. } => unsafe { ptr.as_ref() },
            BoxStorage::Heap(value) => value,
        }
    }
}

impl<T> Drop for ProtectedBox<T> {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let BoxStorage::Mapped { ptr, .. } = &self.storage {
            // SAFETY: `ptr` holds the live `T` written in `new`; it is dropped exactly once
            // here, and its bytes (still owned by `region`) are then overwritten before the
            // mapping is released by `region`'s own drop.
            unsafe {
                std::ptr::drop_in_place(ptr.as_ptr());
                zeroize::Zeroize::zeroize(std::slice::from_raw_parts_mut(
                    ptr.as_ptr().cast::<u8>(),
                    size_of::<T>(),
                ));
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

#[cfg(unix)]
use unix::Region;

#[cfg(not(unix))]
use fallback::Region;

#[cfg(unix)]
mod unix {
    use super::Protections;
    use std::ptr::{self, NonNull};
    use std::sync::atomic::AtomicU64;

    /// A page-aligned mapping owned by this process.
    pub(crate) struct Region {
        ptr: NonNull<AtomicU64>,
        len: usize,
        locked: bool,
    }

    // SAFETY: the region is plain memory holding atomics; all access goes through `&AtomicU64`.
    unsafe impl Send for Region {}
    // SAFETY: as above: shared access is only through atomics.
    unsafe impl Sync for Region {}

    fn page_size() -> usize {
        // SAFETY: `sysconf` has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size)
            .ok()
            .filter(|s| *s > 0)
            .unwrap_or(4096)
    }

    impl Region {
        pub(crate) fn allocate(bytes: usize) -> (Self, Protections) {
            let page = page_size();
            let len = bytes.div_ceil(page) * page;
            if let Some(region) = Self::secret(len) {
                let protections = Protections {
                    secret_memory: true,
                    excluded_from_dumps: true,
                    locked: true,
                };
                return (region, protections);
            }
            Self::anonymous(len)
        }

        #[cfg(any(target_os = "linux", target_os = "android"))]
        fn secret(len: usize) -> Option<Self> {
            // SAFETY: `memfd_secret(flags = 0)` takes no pointers; it returns a new fd or -1.
            let fd = unsafe { libc::syscall(libc::SYS_memfd_secret, 0) };
            let fd = libc::c_int::try_from(fd).ok().filter(|fd| *fd >= 0)?;
            let size = libc::off_t::try_from(len).ok();
            // SAFETY: `fd` is the descriptor just returned and owned here.
            let sized = size.is_some_and(|size| unsafe { libc::ftruncate(fd, size) } == 0);
            let addr = if sized {
                // SAFETY: a fresh shared mapping of `len` bytes of our own fd; no existing memory
                // is affected.
                unsafe {
                    libc::mmap(
                        ptr::null_mut(),
                        len,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_SHARED,
                        fd,
                        0,
                    )
                }
            } else {
                libc::MAP_FAILED
            };
            // SAFETY: the mapping (if any) keeps the memory alive; the fd is no longer needed.
            unsafe { libc::close(fd) };
            if addr == libc::MAP_FAILED {
                return None;
            }
            let ptr = NonNull::new(addr.cast::<AtomicU64>())?;
            Some(Self {
                ptr,
                len,
                locked: false,
            })
        }

        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        fn secret(_len: usize) -> Option<Self> {
            None
        }

        fn anonymous(len: usize) -> (Self, Protections) {
            // SAFETY: a fresh private anonymous mapping; no existing memory is affected.
            let addr = unsafe {
                libc::mmap(
                    ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANON,
                    -1,
                    0,
                )
            };
            let Some(ptr) =
                NonNull::new(addr.cast::<AtomicU64>()).filter(|_| addr != libc::MAP_FAILED)
            else {
                // The OS refused even plain pages: fall back to a leaked heap allocation so that
                // sealing still works; `Protections` says nothing is protected.
                let leaked: &'static mut [AtomicU64] =
                    Box::leak((0..len / 8).map(|_| AtomicU64::new(0)).collect());
                let ptr = NonNull::from(leaked).cast::<AtomicU64>();
                return (
                    Self {
                        ptr,
                        len: 0,
                        locked: false,
                    },
                    Protections::default(),
                );
            };
            let excluded_from_dumps = dont_dump(addr, len);
            // SAFETY: `addr..addr+len` is the mapping made above.
            let locked = unsafe { libc::mlock(addr, len) } == 0;
            (
                Self { ptr, len, locked },
                Protections {
                    secret_memory: false,
                    excluded_from_dumps,
                    locked,
                },
            )
        }

        /// The first byte of the region.
        pub(crate) fn base(&self) -> NonNull<u8> {
            self.ptr.cast()
        }

        /// Whether the region is an OS mapping (not the leaked heap fallback).
        pub(crate) fn is_mapped(&self) -> bool {
            self.len > 0
        }

        pub(crate) fn words(&self, count: usize) -> &[AtomicU64] {
            // SAFETY: the mapping is at least `count` words long, page-aligned, zero-initialised
            // by the OS (a valid `AtomicU64` bit pattern), and lives as long as `self`.
            unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), count) }
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn dont_dump(addr: *mut libc::c_void, len: usize) -> bool {
        // SAFETY: `addr..addr+len` is a mapping owned by the caller; the advice changes only
        // whether the kernel writes it into a core dump.
        unsafe { libc::madvise(addr, len, libc::MADV_DONTDUMP) == 0 }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn dont_dump(_addr: *mut libc::c_void, _len: usize) -> bool {
        false
    }

    impl Drop for Region {
        fn drop(&mut self) {
            if self.len == 0 {
                return; // the leaked heap fallback is never released
            }
            let addr = self.ptr.as_ptr().cast::<libc::c_void>();
            // SAFETY: the mapping was made by `allocate`, is `len` bytes long and is not used
            // after this point (the owner is being dropped and was wiped just before).
            unsafe {
                if self.locked {
                    libc::munlock(addr, self.len);
                }
                libc::munmap(addr, self.len);
            }
        }
    }
}

#[cfg(not(unix))]
mod fallback {
    use super::Protections;
    use std::sync::atomic::AtomicU64;

    /// Ordinary heap memory: no OS protection is available on this target.
    pub(crate) struct Region(Box<[AtomicU64]>);

    impl Region {
        pub(crate) fn allocate(bytes: usize) -> (Self, Protections) {
            let words = bytes.div_ceil(8);
            (
                Self((0..words).map(|_| AtomicU64::new(0)).collect()),
                Protections::default(),
            )
        }

        pub(crate) fn words(&self, count: usize) -> &[AtomicU64] {
            &self.0[..count]
        }
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
