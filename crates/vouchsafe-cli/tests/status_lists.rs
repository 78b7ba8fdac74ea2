//! `vouchsafe status-list`: one list as before, and `--all` for every list a brand's grants are
//! on once a restore moved it to a fresh one.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::PASS;

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");

fn run(dir: &Path, args: &[&str]) -> String {
    let o: Output = Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("VOUCHSAFE_VAULT", dir.join("vault.db"))
        .env("VOUCHSAFE_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .args(args)
        .output()
        .expect("run");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        o.status.success(),
        "{args:?}: {} {}",
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

fn claims(jws: &str) -> serde_json::Map<String, serde_json::Value> {
    vouchsafe_token::CompactJws::parse(jws.trim())
        .and_then(|c| c.claims())
        .expect("a compact JWS")
}

/// `[{uri, current, token}]` from `status-list --all`, checked against each token's `sub`.
fn all_lists(dir: &Path) -> Vec<(String, bool)> {
    let out: serde_json::Value =
        serde_json::from_str(&run(dir, &["status-list", "--brand", "acme", "--all"]))
            .expect("json");
    out.as_array()
        .expect("array")
        .iter()
        .map(|l| {
            let uri = l["uri"].as_str().expect("uri").to_string();
            assert_eq!(
                claims(l["token"].as_str().expect("token"))["sub"],
                uri.as_str()
            );
            (uri, l["current"].as_bool().expect("current"))
        })
        .collect()
}

fn issue(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&run(
        dir,
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
    ))
    .expect("json")
}

#[test]
fn every_list_of_a_brand_after_a_restore() {
    let a = tempfile::tempdir().expect("tempdir");
    let a = a.path();
    run(a, &["init", "--kdf-memory-mib", "64"]);
    run(a, &["field", "set", "email", "a@example.com"]);
    run(a, &["brand", "add", "acme", "--name", "Acme"]);
    let old = issue(a)["id"].as_str().expect("id").to_string();
    // One list: the plain output is that list's token, and `--all` lists just it.
    let single = run(a, &["status-list", "--brand", "acme"]);
    let first = claims(&single)["sub"].as_str().expect("sub").to_string();
    assert_eq!(all_lists(a), [(first.clone(), true)]);
    let backup = a.join("backup.vsb");
    run(a, &["backup", backup.to_str().unwrap()]);

    // Another machine: restore, then a first change, which moves acme to a fresh list.
    let b = tempfile::tempdir().expect("tempdir");
    let b = b.path();
    run(b, &["restore", backup.to_str().unwrap()]);
    assert_eq!(
        all_lists(b),
        [(first.clone(), true)],
        "unchanged until a change"
    );
    issue(b);
    run(b, &["grant", "revoke", &old]);
    let lists = all_lists(b);
    assert_eq!(lists.len(), 2);
    assert!(lists[0].1 && !lists[1].1);
    assert_ne!(lists[0].0, first);
    assert_eq!(lists[1].0, first, "the old grant's list, kept");
    let current = run(b, &["status-list", "--brand", "acme"]);
    assert_eq!(claims(&current)["sub"], lists[0].0.as_str());
}
