//! Memory that holds secrets: protected pages for keys (locked, excluded from core dumps, wiped),
//! and buffers that wipe what they held.

pub(crate) mod arena;
pub(crate) mod buffer;
pub(crate) mod protected;
mod region;
