//! The output people and scripts read, pinned byte for byte: `--help`, `field list`,
//! `grant list --json`, and the errors with their exit codes. The cases are the `*.trycmd`
//! files in `tests/cmd/`, written as terminal sessions; a change of wording, layout, JSON shape
//! or exit code fails here. After an intended change: `TRYCMD=overwrite cargo test -p
//! vouchsafe-cli --test snapshots`, then read the diff.
//!
//! The cases run against real vaults prepared here, through the binary itself, in a temporary
//! directory that becomes the working directory (so the cases name files relatively). This file
//! holds one test on purpose: the working directory is process-wide.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");

/// The cheapest key derivation the vault accepts (`KdfParams::MINIMUM`), so each case is quick.
const MIN_KDF: [&str; 6] = [
    "--kdf-memory-mib",
    "64",
    "--kdf-iterations",
    "3",
    "--kdf-lanes",
    "1",
];

/// The passphrase of `other.db`, the vault the wrong-passphrase case opens.
const OTHER_PASS: &str = "a different passphrase entirely";

fn vs(dir: &Path, vault: &str, pass: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .current_dir(dir)
        .env("VOUCHSAFE_VAULT", vault)
        .env("VOUCHSAFE_PASSPHRASE", pass)
        .env("TZ", "UTC")
        .args(args)
        .output()
        .expect("run vouchsafe");
    assert!(
        out.status.success(),
        "setup step {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `vault.db`: a profile with Korean and custom fields, two brands, one active grant and one
/// revoked; `other.db`: an empty vault under another passphrase.
fn prepare(dir: &Path) {
    let pass = common::PASS;
    let run = |args: &[&str]| vs(dir, "vault.db", pass, args);
    let mut init = vec!["init"];
    init.extend(MIN_KDF);
    run(&init);
    run(&["field", "set", "email", "Gildong@Example.com"]);
    run(&["field", "set", "given_name", "길동"]);
    run(&["field", "set", "family_name", "홍"]);
    run(&["field", "set", "phone_number", "010-1234-5678"]);
    run(&["field", "set", "birthdate", "1990-03-14"]);
    run(&["field", "set", "address.locality", "서울"]);
    run(&[
        "field",
        "set",
        "custom.blood_type",
        "A",
        "--label",
        "혈액형",
    ]);
    run(&["brand", "add", "acme-coffee", "--name", "Acme Coffee"]);
    run(&["brand", "add", "other-brand", "--name", "Other"]);
    run(&[
        "grant",
        "issue",
        "--brand",
        "acme-coffee",
        "--fields",
        "email,given_name",
        "--derive",
        "age_over:18,birthday",
        "--purpose",
        "send a birthday coupon",
        "--channels",
        "email,-sms",
        "--expires",
        "30d",
    ]);
    run(&[
        "grant",
        "issue",
        "--brand",
        "other-brand",
        "--fields",
        "address.locality",
        "--purpose",
        "local offers",
        "--expires",
        "2w",
    ]);
    run(&["grant", "revoke", "--brand", "other-brand", "--all"]);

    let mut init = vec!["init"];
    init.extend(MIN_KDF);
    vs(dir, "other.db", OTHER_PASS, &init);
}

#[test]
fn cli_output_matches_the_snapshots() {
    let dir = tempfile::tempdir().expect("tempdir");
    prepare(dir.path());
    // trycmd runs each command in the process's working directory (no `*.in/` folders here).
    std::env::set_current_dir(dir.path()).expect("cd");
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd/*.trycmd");
    trycmd::TestCases::new()
        .register_bin("vouchsafe", Path::new(BIN))
        .env("VOUCHSAFE_VAULT", "vault.db")
        .env("VOUCHSAFE_PASSPHRASE", common::PASS)
        .env("TZ", "UTC")
        .case(cases);
}
