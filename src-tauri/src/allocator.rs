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

/// Keep memory in 4 KiB pages: no transparent huge pages for this process and the WebKit
/// processes it starts (the setting is inherited).
///
/// mimalloc asks the kernel for transparent huge pages on its arenas (`madvise`), and a huge
/// page is 2 MiB resident as soon as one byte of it is touched; a desktop app that allocates
/// little gains nothing from them and pays in memory. Measured on the 10,000-grant vault
/// (docs/desktop-performance.md): the app process's PSS on the unlock screen fell by ~14 MiB
/// and after every screen by ~20 MiB. A failure (an old kernel) changes nothing else, so it is
/// not reported.
pub fn keep_pages_small() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// Give memory mimalloc no longer uses back to the system at once, not a second later.
///
/// mimalloc purges an emptied page only after `purge_delay` (1 s in mimalloc 3), and only when
/// the thread that freed it allocates or frees again; a command thread that goes idle after a
/// screen has loaded keeps its freed pages resident until the next command lands on it. With
/// no delay, the app process's PSS after every screen fell by another ~9 MiB on the
/// 10,000-grant vault. The cost is an `madvise` per emptied page, small beside a command's
/// database and crypto work.
#[allow(unsafe_code)]
pub fn purge_promptly() {
    // SAFETY: `mi_option_set` stores one integer in mimalloc's option table and has no other
    // precondition; mimalloc reads `purge_delay` afresh each time it schedules a purge.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

/// `mi_option_purge_delay` of mimalloc.h, which `libmimalloc-sys` does not name (its list skips
/// from 14 to 16). The test below checks that it is the option whose default is mimalloc 3's
/// 1,000 ms, so a renumbering in a new mimalloc fails the build's tests, not the app.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)]
    fn purge_delay_is_the_option_we_mean() {
        // SAFETY: reading an option has no precondition.
        let default = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(default, 1000, "mimalloc 3's purge_delay default");
        purge_promptly();
        // SAFETY: as above.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 0);
    }
}
