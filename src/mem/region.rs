//! Regions of memory the operating system is asked to protect: `memfd_secret(2)` pages where
//! the kernel offers them, else anonymous pages excluded from core dumps (`MADV_DONTDUMP`) and
//! locked (`mlock`, best effort), else ordinary heap memory. [`Protections`] says which took
//! effect.
#![allow(unsafe_code)]

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

#[cfg(unix)]
pub(crate) use unix::Region;

#[cfg(not(unix))]
pub(crate) use fallback::Region;

#[cfg(unix)]
mod unix {
    use super::Protections;
    use std::ptr::{self, NonNull};
    use std::sync::atomic::AtomicU64;

    /// A page-aligned mapping owned by this process.
    pub(crate) struct Region {
        ptr: NonNull<AtomicU64>,
        /// The mapping's length; 0 when the OS refused a mapping and `heap` holds the words.
        len: usize,
        locked: bool,
        /// Ordinary memory, owned and freed with the region, when no mapping was granted.
        heap: Option<Box<[AtomicU64]>>,
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
                heap: None,
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
                // The OS refused even plain pages: ordinary heap memory, owned by the region and
                // freed with it, so that sealing still works; `Protections` says nothing is
                // protected.
                let heap: Box<[AtomicU64]> = (0..len / 8).map(|_| AtomicU64::new(0)).collect();
                let ptr = NonNull::from(&heap[..]).cast::<AtomicU64>();
                return (
                    Self {
                        ptr,
                        len: 0,
                        locked: false,
                        heap: Some(heap),
                    },
                    Protections::default(),
                );
            };
            let excluded_from_dumps = dont_dump(addr, len);
            // SAFETY: `addr..addr+len` is the mapping made above.
            let locked = unsafe { libc::mlock(addr, len) } == 0;
            (
                Self {
                    ptr,
                    len,
                    locked,
                    heap: None,
                },
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

        /// Whether the region is an OS mapping (not the heap fallback).
        pub(crate) fn is_mapped(&self) -> bool {
            self.len > 0 && self.heap.is_none()
        }

        /// The region's length in bytes (0 for the heap fallback).
        pub(crate) fn len(&self) -> usize {
            self.len
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
            if !self.is_mapped() {
                return; // the heap fallback is freed with `heap`
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

        /// Never an OS mapping on this target.
        pub(crate) fn is_mapped(&self) -> bool {
            false
        }

        pub(crate) fn base(&self) -> std::ptr::NonNull<u8> {
            std::ptr::NonNull::from(&self.0[..]).cast()
        }

        pub(crate) fn len(&self) -> usize {
            0
        }
    }
}
