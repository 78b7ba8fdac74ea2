//! The environment the WebKit processes start with: how they paint, how their malloc keeps
//! memory, and how far JavaScriptCore optimises.
//!
//! WebKitGTK's web and network processes inherit the app's environment, and read these
//! variables when they start. So they are set here, first thing in `main`, while the process
//! has one thread; a variable the person set themselves is left as it is, so each setting can
//! be turned back from the shell. Each was measured on the 10,000-field, 10,000-grant vault with
//! `scripts/measure-desktop.sh` (docs/desktop-performance.md: "Memory, session 6" and
//! "Session 7"); the figures are the PSS of the app and all its WebKit processes after every
//! screen, under Xvfb on two cores.

/// A variable and the value the app starts WebKit with.
pub struct Setting {
    pub name: &'static str,
    pub value: &'static str,
}

/// What the app sets, and why.
pub const SETTINGS: &[Setting] = &[
    // Skia paints the page's tiles on the CPU rather than through OpenGL. Where there is no GPU
    // (a VM, a remote session, Xvfb) Mesa's software driver held Skia's GPU caches in ordinary
    // memory: ~90 MiB of the web process (473–484 → 384–397 MiB in all). Compositing stays on
    // OpenGL, so input keeps its speed. `=0` gives GPU painting back.
    Setting {
        name: "WEBKIT_SKIA_ENABLE_CPU_RENDERING",
        value: "1",
    },
    // Two threads paint those tiles. WebKit's default is half the cores: one on a two-core
    // machine, which then painted each new screen's window alone while the web process's main
    // thread waited for the frame. With two, the frame after a screen's content arrived came
    // 50–70 ms sooner instead of 80–110 ms (settings, grants, brands, share), at the same PSS
    // (337.9, 339.8 MiB). A fixed two rather than "at least two": more than two buys this UI
    // nothing on a bigger machine.
    Setting {
        name: "WEBKIT_SKIA_CPU_PAINTING_THREADS",
        value: "2",
    },
    // glibc's malloc in the WebKit processes (WebKit's own objects have their own allocator;
    // Skia's buffers, Mesa's textures and GLib use glibc's): at most two arenas instead of one
    // per painting and compositing thread, each keeping what its thread freed; blocks of
    // 128 KiB or more mapped on their own and unmapped when freed (a fixed threshold also
    // stops glibc raising it); free memory above 128 KiB at a heap's top returned. 351–365 →
    // 345–349 MiB over three interleaved pairs of walks. The app's own malloc read the
    // environment before `main` and is unchanged (its Rust side uses mimalloc anyway).
    Setting {
        name: "GLIBC_TUNABLES",
        value: "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072",
    },
    // JavaScriptCore without its DFG tier (the interpreter and the baseline JIT remain). The
    // UI's scripts are short bursts of rendering, not long hot loops, and the DFG's compiled
    // code and compiler memory cost ~10 MiB in the web process (345–364 → 338–339 MiB). The
    // one screen whose scripts ran hot, the profile with 10,000 fields, groups them in one pass
    // now (ui/src/lib/fields.ts).
    Setting {
        name: "JSC_useDFGJIT",
        value: "0",
    },
];

/// Set every [`SETTINGS`] variable the environment does not have yet.
///
/// Call it first in `main`, while the process has one thread: it changes the environment.
#[allow(unsafe_code)]
pub fn prepare() {
    if !cfg!(target_os = "linux") {
        return;
    }
    for s in SETTINGS {
        if std::env::var_os(s.name).is_none() {
            // SAFETY: `set_var` is unsound only while another thread reads or writes the
            // environment. This runs at the top of `main`, before the app (GTK, WebKit,
            // Tauri's runtime) starts any thread, and nothing in the process has started one
            // before `main`.
            unsafe { std::env::set_var(s.name, s.value) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// glibc ignores a tunable it does not know, without a word: a misspelt name would silently
    /// leave WebKit's malloc as it was.
    #[test]
    fn the_malloc_tunables_are_real_names_with_numbers() {
        let tunables = SETTINGS
            .iter()
            .find(|s| s.name == "GLIBC_TUNABLES")
            .expect("set");
        let set: Vec<(&str, u64)> = tunables
            .value
            .split(':')
            .map(|t| {
                let (name, value) = t.split_once('=').expect("NAME=VALUE");
                (name, value.parse().expect("a number"))
            })
            .collect();
        let names: Vec<&str> = set.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "glibc.malloc.arena_max",
                "glibc.malloc.mmap_threshold",
                "glibc.malloc.trim_threshold"
            ]
        );
        assert!(set.iter().all(|(_, v)| *v > 0));
    }

    #[test]
    fn each_variable_is_set_once() {
        let mut names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SETTINGS.len());
    }
}
