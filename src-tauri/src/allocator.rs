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

/// The variable glibc's malloc reads its settings from when a process starts.
pub const GLIBC_TUNABLES: &str = "GLIBC_TUNABLES";

/// What the WebKit processes get: at most two malloc arenas, and blocks of 128 KiB or more
/// mapped on their own and unmapped when freed (a fixed threshold also stops glibc raising it
/// as large blocks come and go), with free memory above 128 KiB at the top of a heap returned.
pub const WEBKIT_MALLOC: &str = "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072";

/// Tune glibc's malloc in the WebKit processes this app starts (they inherit the environment).
///
/// WebKit's own objects live in its own allocator, but Skia's painting buffers, Mesa's textures
/// and GLib's allocations use glibc's malloc, and each of the web process's painting and
/// compositing threads gets an arena of its own (up to eight per core) that keeps what it
/// freed. Measured on the 10,000-grant vault (docs/desktop-performance.md, "Memory, session 7").
/// This process's own malloc read the environment before `main`, so it is unchanged; a person
/// who sets `GLIBC_TUNABLES` themselves wins. Call it first in `main`, while the process has
/// one thread: it changes the environment.
#[allow(unsafe_code)]
pub fn tune_webkit_malloc() {
    if cfg!(target_os = "linux") && std::env::var_os(GLIBC_TUNABLES).is_none() {
        // SAFETY: as in `rendering::prefer_cpu_painting`: `main` has not started a thread yet.
        unsafe { std::env::set_var(GLIBC_TUNABLES, WEBKIT_MALLOC) };
    }
}

/// `mi_option_purge_delay` of mimalloc.h, which `libmimalloc-sys` does not name (its list skips
/// from 14 to 16). The test below checks that it is the option whose default is mimalloc 3's
/// 1,000 ms, so a renumbering in a new mimalloc fails the build's tests, not the app.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[cfg(test)]
mod tests {
    use super::*;

    /// glibc ignores a tunable it does not know, without a word: a misspelt name would silently
    /// leave WebKit's malloc as it was.
    #[test]
    fn webkit_malloc_names_real_tunables_with_numbers() {
        let known = [
            "glibc.malloc.arena_max",
            "glibc.malloc.mmap_threshold",
            "glibc.malloc.trim_threshold",
        ];
        let set: Vec<(&str, u64)> = WEBKIT_MALLOC
            .split(':')
            .map(|t| {
                let (name, value) = t.split_once('=').expect("NAME=VALUE");
                (name, value.parse().expect("a number"))
            })
            .collect();
        assert_eq!(set.iter().map(|(n, _)| *n).collect::<Vec<_>>(), known);
        assert!(set.iter().all(|(_, v)| *v > 0));
    }

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
