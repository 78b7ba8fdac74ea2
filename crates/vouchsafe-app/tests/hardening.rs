//! After `harden_process`, this process is not dumpable and may write no core file: read back
//! from the kernel (`PR_GET_DUMPABLE`) and from `/proc/self/limits`. A test binary of its own,
//! since the change lasts for the whole process.
#![cfg(target_os = "linux")]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use rustix::process::{DumpableBehavior, dumpable_behavior};

/// The soft and hard "Max core file size" from `/proc/self/limits`.
fn core_limit() -> (String, String) {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("limits");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("core line");
    let mut cols = line["Max core file size".len()..].split_whitespace();
    (
        cols.next().expect("soft").to_string(),
        cols.next().expect("hard").to_string(),
    )
}

#[test]
fn the_process_is_not_dumpable_and_writes_no_core() {
    let h = vouchsafe_app::hardening::harden_process();
    assert!(h.problems.is_empty(), "{:?}", h.problems);
    assert!(h.non_dumpable && h.no_core_dumps);
    assert_eq!(
        dumpable_behavior().expect("PR_GET_DUMPABLE"),
        DumpableBehavior::NotDumpable
    );
    assert_eq!(core_limit(), ("0".to_string(), "0".to_string()));
    // Calling it again is harmless (the shell may; a test may).
    assert!(
        vouchsafe_app::hardening::harden_process()
            .problems
            .is_empty()
    );
}
