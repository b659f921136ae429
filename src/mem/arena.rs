//! One protected arena for the many small secrets of a process (derived keys, expanded cipher
//! key schedules, unwrapped subject keys): a few large mappings cut into fixed-size slots,
//! never one mapping per key.
//!
//! Linux allows a process 65,530 mappings by default (`vm.max_map_count`); a mapping per key
//! exhausted that at about 32,000 subjects, and the process aborted. Here a chunk of
//! [`CHUNK_BYTES`] is one mapping holding 4,096 slots of 64 bytes down to 64 slots of 4 KiB, and
//! freed slots are wiped and reused, so the number of mappings follows the number of keys alive
//! at once (which the keyring's cache bounds), not the number ever made.
//!
//! Each chunk gets the best protection the OS grants at the time (secret memory, else excluded
//! from dumps and locked): when `RLIMIT_MEMLOCK` runs out, later chunks are still excluded from
//! dumps but not locked, and [`protections`] reports the weakest chunk. If the OS refuses a
//! mapping altogether, [`alloc`] answers `None` and the caller keeps the value on the heap.
#![allow(unsafe_code)]

use super::region::{Protections, Region};
use std::ptr::NonNull;
use std::sync::{Mutex, PoisonError};

/// The size of one chunk (one OS mapping).
pub(crate) const CHUNK_BYTES: usize = 256 * 1024;
/// Slot sizes, smallest first; a value larger than the last gets its own region.
const SLOTS: [usize; 7] = [64, 128, 256, 512, 1024, 2048, 4096];

/// The slots of one size.
struct SizeClass {
    free: Vec<NonNull<u8>>,
    chunks: Vec<Region>,
}

// SAFETY: the pointers in `free` point into `chunks`, which this class owns; they are handed
// out under the mutex to one owner at a time.
unsafe impl Send for SizeClass {}

struct Arena {
    classes: [Mutex<SizeClass>; SLOTS.len()],
    protections: Mutex<Option<Protections>>,
}

static ARENA: Arena = Arena {
    classes: [const {
        Mutex::new(SizeClass {
            free: Vec::new(),
            chunks: Vec::new(),
        })
    }; SLOTS.len()],
    protections: Mutex::new(None),
};

/// A slot handed out by [`alloc`]; give it back with [`free`].
pub(crate) struct Slot {
    pub(crate) ptr: NonNull<u8>,
    class: usize,
}

// SAFETY: a slot is exclusively owned memory, like a `Box`'s allocation.
unsafe impl Send for Slot {}
// SAFETY: as above.
unsafe impl Sync for Slot {}

/// A slot of at least `size` bytes aligned to `align`, in protected memory; `None` if the
/// value is too large for a slot or the OS grants no mapping.
pub(crate) fn alloc(size: usize, align: usize) -> Option<Slot> {
    let class = SLOTS.iter().position(|&s| s >= size.max(align))?;
    let slot_size = SLOTS[class];
    let mut sizes = ARENA.classes[class]
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if sizes.free.is_empty() {
        let (region, granted) = Region::allocate(CHUNK_BYTES);
        if !region.is_mapped() {
            return None;
        }
        let base = region.base();
        for i in (0..region.len() / slot_size).rev() {
            // SAFETY: `i * slot_size` is inside the mapping, which is `region.len()` bytes.
            sizes
                .free
                .push(unsafe { NonNull::new_unchecked(base.as_ptr().add(i * slot_size)) });
        }
        sizes.chunks.push(region);
        let mut seen = ARENA
            .protections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *seen = Some(match *seen {
            None => granted,
            Some(p) => Protections {
                secret_memory: p.secret_memory && granted.secret_memory,
                excluded_from_dumps: p.excluded_from_dumps && granted.excluded_from_dumps,
                locked: p.locked && granted.locked,
            },
        });
    }
    let ptr = sizes.free.pop()?;
    Some(Slot { ptr, class })
}

/// Wipes a slot and returns it to the arena.
pub(crate) fn free(slot: Slot) {
    let size = SLOTS[slot.class];
    // SAFETY: the slot is `size` bytes of the arena's memory, owned by the caller until now;
    // whatever lived there was dropped before.
    unsafe { zeroize::Zeroize::zeroize(std::slice::from_raw_parts_mut(slot.ptr.as_ptr(), size)) };
    ARENA.classes[slot.class]
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .free
        .push(slot.ptr);
}

/// The weakest protections among the arena's chunks (`None` before the first key is made).
pub(crate) fn protections() -> Option<Protections> {
    *ARENA
        .protections
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// How many OS mappings the arena holds.
pub(crate) fn mappings() -> usize {
    ARENA
        .classes
        .iter()
        .map(|c| {
            c.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .chunks
                .len()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_wiped_and_share_mappings() {
        let before = mappings();
        let slots: Vec<Slot> = (0..1000).map(|_| alloc(32, 8).unwrap()).collect();
        // 1,000 small slots fit in one or two chunks (other tests may share the arena).
        assert!(mappings() <= before + 2);
        for slot in &slots {
            // SAFETY: each slot is 64 writable bytes owned by this test.
            unsafe { slot.ptr.as_ptr().write_bytes(0xA5, 64) };
        }
        let freed: Vec<NonNull<u8>> = slots.iter().map(|s| s.ptr).collect();
        for slot in slots {
            free(slot);
        }
        let again = alloc(32, 8).unwrap();
        assert!(freed.contains(&again.ptr), "a freed slot is reused");
        // SAFETY: 64 bytes of the slot just handed out.
        let bytes = unsafe { std::slice::from_raw_parts(again.ptr.as_ptr(), 64) };
        assert!(bytes.iter().all(|&b| b == 0), "a freed slot is wiped");
        free(again);
        assert!(alloc(8192, 8).is_none(), "too large for a slot");
    }
}
