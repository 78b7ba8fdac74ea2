//! `vouchsafe review`, pinned byte for byte: its `--help`, its JSON (an interface: docs/review.md)
//! and its sentences in English and Korean. The cases are the `*.trycmd` files in
//! `tests/review-cmd/`; after an intended change: `TRYCMD=overwrite cargo test -p vouchsafe-cli
//! --test review`, then read the diff.
//!
//! The vault is prepared here through the binary itself: one brand with a grant that expires in
//! three days (an `expiring` item) and one that hands over the raw birth date for a birthday
//! coupon (a `raw_value` item). This file holds one test: the working directory is process-wide.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");

fn vs(dir: &Path, vault: &str, args: &[&str]) {
    let out = Command::new(BIN)
        .current_dir(dir)
        .env("VOUCHSAFE_VAULT", vault)
        .env("VOUCHSAFE_PASSPHRASE", common::PASS)
        .env("TZ", "UTC")
        .args(args)
        .output()
        .expect("run vouchsafe");
    assert!(
        out.status.success(),
        "setup step {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn prepare(dir: &Path) {
    let kdf = [
        "--kdf-memory-mib",
        "64",
        "--kdf-iterations",
        "3",
        "--kdf-lanes",
        "1",
    ];
    for vault in ["vault.db", "tidy.db"] {
        let mut init = vec!["init"];
        init.extend(kdf);
        vs(dir, vault, &init);
    }
    let run = |args: &[&str]| vs(dir, "vault.db", args);
    run(&["field", "set", "email", "gildong@example.com"]);
    run(&["field", "set", "birthdate", "1990-03-14"]);
    run(&["brand", "add", "acme-coffee", "--name", "Acme Coffee"]);
    run(&[
        "grant",
        "issue",
        "--brand",
        "acme-coffee",
        "--fields",
        "email",
        "--purpose",
        "order updates",
        "--expires",
        "3d",
    ]);
    run(&[
        "grant",
        "issue",
        "--brand",
        "acme-coffee",
        "--fields",
        "birthdate",
        "--purpose",
        "birthday coupon",
        "--expires",
        "90d",
    ]);
}

#[test]
fn review_output_matches_the_snapshots() {
    let dir = tempfile::tempdir().expect("tempdir");
    prepare(dir.path());
    std::env::set_current_dir(dir.path()).expect("cd");
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/review-cmd/*.trycmd");
    trycmd::TestCases::new()
        .register_bin("vouchsafe", Path::new(BIN))
        .env("VOUCHSAFE_VAULT", "vault.db")
        .env("VOUCHSAFE_PASSPHRASE", common::PASS)
        .env("TZ", "UTC")
        .case(cases);
}
