//! Keep the unlocked vault's memory out of core dumps and away from same-user debuggers.
//!
//! While unlocked, the process holds the data key and decrypted values. A crash with core dumps
//! on would write them to disk (or hand them to a crash reporter); a same-user process could
//! read them through `ptrace` or `/proc/<pid>/mem`. Marking the process non-dumpable
//! (`PR_SET_DUMPABLE` 0) closes both on Linux, and a zero `RLIMIT_CORE` stops core files even
//! where a dump would otherwise still be taken. The shell calls [`harden_process`] first thing.

/// What [`harden_process`] managed; each step is attempted even if another fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hardening {
    /// `PR_SET_DUMPABLE` 0 took effect.
    pub non_dumpable: bool,
    /// `RLIMIT_CORE` is 0 (soft and hard).
    pub no_core_dumps: bool,
    /// Why a step failed, for one log line.
    pub problems: Vec<String>,
}

/// Mark this process non-dumpable and set its core-file limit to zero.
#[cfg(target_os = "linux")]
pub fn harden_process() -> Hardening {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    let mut problems = Vec::new();
    let non_dumpable = match set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        Ok(()) => true,
        Err(e) => {
            problems.push(format!("prctl(PR_SET_DUMPABLE, 0): {e}"));
            false
        }
    };
    let zero = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    let no_core_dumps = match setrlimit(Resource::Core, zero) {
        Ok(()) => true,
        Err(e) => {
            problems.push(format!("setrlimit(RLIMIT_CORE, 0): {e}"));
            false
        }
    };
    Hardening {
        non_dumpable,
        no_core_dumps,
        problems,
    }
}

/// Elsewhere there is nothing equivalent to set from here; say so.
#[cfg(not(target_os = "linux"))]
pub fn harden_process() -> Hardening {
    Hardening {
        non_dumpable: false,
        no_core_dumps: false,
        problems: vec!["process hardening is implemented for Linux only".into()],
    }
}
