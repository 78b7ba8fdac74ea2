//! The allocator of the Rust side of the desktop app: mimalloc instead of glibc's malloc.
//!
//! Tauri runs each command on a thread of its async runtime, and glibc gives every such thread
//! an arena of its own that keeps what the thread freed. On a vault of 10,000 fields and 10,000
//! grants the app process held ~50 MiB more after visiting every screen than with a single
//! arena (`MALLOC_ARENA_MAX=1`): memory nothing used any more. mimalloc gives emptied pages
//! back to the system shortly after (its `purge_delay`), whichever thread freed them. Measured
//! with `scripts/measure-desktop.sh` (docs/desktop-performance.md): the app process's PSS after
//! every screen fell from ~142 to ~89 MiB; on the unlock screen it rose by ~18 MiB (mimalloc's
//! own per-thread pages), the price of the larger cut. GTK and WebKit in this process keep
//! using glibc's malloc; only Rust's allocations move.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
