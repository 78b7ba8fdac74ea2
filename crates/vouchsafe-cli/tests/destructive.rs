//! Destructive commands ask first: restoring over a vault needs that vault's passphrase as well
//! as the backup's, keeps the replaced vault as a dated private copy and says where; and none of
//! restore or passwd pulls the vault out from under another process that has it open.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::PASS;

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");
const BACKUP_PASS: &str = "the backup's own passphrase";

fn cmd(dir: &Path, pass: &str) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("VOUCHSAFE_VAULT", dir.join("vault.db"))
        .env("VOUCHSAFE_PASSPHRASE", pass)
        .stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("run")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn restore_over_a_vault_needs_its_passphrase_and_keeps_a_safety_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A backup under one passphrase ...
    ok(&run(cmd(d, BACKUP_PASS).args([
        "init",
        "--kdf-memory-mib",
        "64",
    ])));
    ok(&run(cmd(d, BACKUP_PASS).args([
        "field",
        "set",
        "email",
        "old@example.com",
    ])));
    let backup = d.join("b.vsb");
    ok(&run(cmd(d, BACKUP_PASS).arg("backup").arg(&backup)));
    std::fs::remove_file(d.join("vault.db")).expect("rm");
    // ... restored over a vault with another.
    ok(&run(cmd(d, PASS).args(["init", "--kdf-memory-mib", "64"])));
    ok(&run(cmd(d, PASS).args([
        "field",
        "set",
        "email",
        "current@example.com",
    ])));

    // The backup's passphrase alone does not replace the vault.
    let o = run(cmd(d, BACKUP_PASS)
        .args(["restore", "--force"])
        .arg(&backup));
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(cmd(d, PASS).args(["field", "get", "email"]));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "current@example.com\n");

    // The vault's passphrase plus the backup's does, and says where the old vault went.
    let err = ok(&run(cmd(d, PASS)
        .env("VOUCHSAFE_BACKUP_PASSPHRASE", BACKUP_PASS)
        .args(["restore", "--force", "--yes"])
        .arg(&backup)));
    let kept = err
        .lines()
        .find_map(|l| l.strip_prefix("The vault it replaced is kept at "))
        .and_then(|l| l.split(" (").next())
        .unwrap_or_else(|| panic!("no safety copy line in {err:?}"));
    let kept = Path::new(kept);
    assert!(kept.starts_with(d), "{}", kept.display());
    let mode = std::fs::metadata(kept).expect("kept").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let o = run(cmd(d, BACKUP_PASS).args(["field", "get", "email"]));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "old@example.com\n");
    // The safety copy is the replaced vault, under its own passphrase.
    let o = run(cmd(d, PASS)
        .env("VOUCHSAFE_VAULT", kept)
        .args(["field", "get", "email"]));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "current@example.com\n");
}

#[test]
fn passwd_and_restore_are_refused_while_another_process_has_the_vault_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(&run(cmd(d, PASS).args(["init", "--kdf-memory-mib", "64"])));
    let backup = d.join("b.vsb");
    ok(&run(cmd(d, PASS).arg("backup").arg(&backup)));
    // This test process holds the vault open, as the desktop app would.
    let held = vouchsafe::Vault::open(&d.join("vault.db")).expect("open");
    for args in [vec!["passwd"], vec!["restore", "--force", "--yes"]] {
        let mut c = cmd(d, PASS);
        c.env("VOUCHSAFE_NEW_PASSPHRASE", "another long passphrase")
            .args(&args);
        if args[0] == "restore" {
            c.arg(&backup);
        }
        let o = run(&mut c);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("is open in another process"), "{err}");
    }
    drop(held);
    let mut c = cmd(d, PASS);
    c.env("VOUCHSAFE_NEW_PASSPHRASE", "another long passphrase")
        .arg("passwd");
    ok(&run(&mut c));
}
