//! `vouchsafe check`, the rollback warning and the restore warning, end to end.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::process::{Command, Output, Stdio};

use common::PASS;

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("VOUCHSAFE_VAULT", dir.join("vault.db"))
        .env("VOUCHSAFE_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .args(args)
        .output()
        .expect("run")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{} {}",
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

#[test]
fn check_names_a_tampered_grant_and_exits_8() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(&run(d, &["init", "--kdf-memory-mib", "64"]));
    ok(&run(d, &["field", "set", "email", "a@example.com"]));
    ok(&run(d, &["brand", "add", "acme", "--name", "Acme"]));
    let id = ok(&run(
        d,
        &[
            "grant",
            "issue",
            "--brand",
            "acme",
            "--fields",
            "email",
            "--purpose",
            "updates",
            "--json",
        ],
    ));
    let id: serde_json::Value = serde_json::from_str(&id).expect("json");
    let id = id["id"].as_str().expect("id").to_string();
    ok(&run(d, &["grant", "revoke", &id]));
    assert!(ok(&run(d, &["check"])).starts_with("Vault intact:"));

    let c = rusqlite::Connection::open(d.join("vault.db")).expect("raw");
    c.execute("UPDATE grants SET revoked_at = NULL", [])
        .expect("un-revoke");
    drop(c);
    let out = run(d, &["check"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("grants/{id}")),
        "{}",
        text(&out.stdout)
    );
    // The status list of the tampered vault is not produced.
    let out = run(d, &["status-list", "--brand", "acme"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&id));
}

#[test]
fn an_older_copy_of_the_vault_is_refused_without_yes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(&run(d, &["init", "--kdf-memory-mib", "64"]));
    ok(&run(d, &["field", "set", "email", "a@example.com"]));
    std::fs::copy(d.join("vault.db"), d.join("old.db")).expect("copy");
    ok(&run(d, &["field", "set", "email", "b@example.com"]));
    std::fs::copy(d.join("old.db"), d.join("vault.db")).expect("roll back");
    let out = run(d, &["field", "get", "email"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("rolled back"),
        "{}",
        text(&out.stderr)
    );
    let out = run(d, &["check"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(text(&out.stdout).contains("rolled back"));
    assert_eq!(
        ok(&run(d, &["--yes", "field", "get", "email"])).trim(),
        "a@example.com"
    );
    // Accepted once: recorded, no more warnings.
    assert_eq!(
        ok(&run(d, &["field", "get", "email"])).trim(),
        "a@example.com"
    );
}

#[test]
fn restoring_an_older_backup_lists_what_it_would_unrevoke() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(&run(d, &["init", "--kdf-memory-mib", "64"]));
    ok(&run(d, &["field", "set", "email", "a@example.com"]));
    ok(&run(d, &["brand", "add", "acme", "--name", "Acme"]));
    let id = ok(&run(
        d,
        &[
            "grant",
            "issue",
            "--brand",
            "acme",
            "--fields",
            "email",
            "--purpose",
            "updates",
            "--json",
        ],
    ));
    let id: serde_json::Value = serde_json::from_str(&id).expect("json");
    let id = id["id"].as_str().expect("id").to_string();
    let backup = d.join("backup.db");
    ok(&run(d, &["backup", backup.to_str().unwrap()]));
    ok(&run(d, &["grant", "revoke", &id]));
    let out = run(d, &["restore", backup.to_str().unwrap(), "--force"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&id[..8]),
        "{}",
        text(&out.stderr)
    );
    ok(&run(
        d,
        &["restore", backup.to_str().unwrap(), "--force", "--yes"],
    ));
    assert!(ok(&run(d, &["check"])).starts_with("Vault intact:"));
}
