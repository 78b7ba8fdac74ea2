//! The vault talks to nobody unless the consumer connects, revokes, updates or retries.
//!
//! Every command of an offline relationship (a brand added by hand, with a web address but no
//! inbox) runs under `strace`, which records every `socket` and `connect` system call of the
//! process and its children; any IPv4 or IPv6 socket fails the test, naming the command. This
//! counts real system calls of the real binary, so it also catches a name lookup, a telemetry
//! ping or a library opening a socket on its own — which a network namespace would only turn
//! into a silent error.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::PASS;

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");

/// Runs `vouchsafe ARGS` under strace and returns its stdout; panics if it fails or if it opened
/// any internet socket.
fn run_traced(dir: &Path, args: &[&str]) -> String {
    let trace = dir.join("strace.log");
    let out = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=execve,socket,connect,sendto,sendmsg", "-o"])
        .arg(&trace)
        .arg(BIN)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("VOUCHSAFE_VAULT", dir.join("vault.db"))
        .env("VOUCHSAFE_PASSPHRASE", PASS)
        .env("VOUCHSAFE_NEW_PASSPHRASE", "another long passphrase 두 번째")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run strace ({e}); install it: apt-get install strace (scripts/setup.sh --test does)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "vouchsafe {}: {stdout} {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(&trace).expect("strace log");
    let inet: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("AF_INET") || l.contains("AF_INET6"))
        .collect();
    assert!(
        inet.is_empty(),
        "vouchsafe {} opened a network socket:\n{}",
        args.join(" "),
        inet.join("\n")
    );
    // The trace did record the process (its `execve`): otherwise strace traced nothing and the
    // absence of sockets would prove nothing.
    assert!(
        log.lines()
            .any(|l| l.contains("execve(") && l.contains(BIN)),
        "strace recorded no execve of {BIN} for vouchsafe {}:\n{log}",
        args.join(" ")
    );
    stdout
}

#[test]
fn offline_commands_open_no_network_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let backup = d.join("backup.vsb");
    let export = d.join("export.json");
    let (backup, export) = (backup.to_str().unwrap(), export.to_str().unwrap());

    run_traced(d, &["init", "--kdf-memory-mib", "64"]);
    run_traced(d, &["field", "set", "email", "min@example.com"]);
    run_traced(d, &["field", "set", "phone_number", "010-1234-5678"]);
    run_traced(d, &["field", "set", "birthdate", "1990-05-17"]);
    run_traced(d, &["field", "get", "email"]);
    run_traced(d, &["field", "list"]);
    // A brand with a web address: the vault still must not contact it by itself.
    run_traced(
        d,
        &[
            "brand",
            "add",
            "https://cafe.example",
            "--name",
            "동네 카페",
            "--url",
            "https://cafe.example",
            "--status-url",
            "https://cafe.example/status/1",
        ],
    );
    run_traced(d, &["brand", "list", "--json"]);
    let issued = run_traced(
        d,
        &[
            "grant",
            "issue",
            "--brand",
            "https://cafe.example",
            "--fields",
            "email",
            "--derive",
            "age_over_19",
            "--purpose",
            "생일 쿠폰",
            "--json",
        ],
    );
    let id = serde_json::from_str::<serde_json::Value>(&issued).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    run_traced(d, &["grant", "list", "--json"]);
    run_traced(d, &["grant", "show", &id]);
    run_traced(d, &["grant", "receipt", &id]);
    // Reissuing revokes the old grant; the new one is then revoked by hand.
    let reissued = run_traced(d, &["grant", "reissue", &id, "--json"]);
    let new_id = serde_json::from_str::<serde_json::Value>(&reissued).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_ne!(new_id, id);
    run_traced(d, &["grant", "revoke", &new_id]);
    run_traced(d, &["status-list", "--brand", "https://cafe.example"]);
    run_traced(d, &["audit", "verify"]);
    run_traced(d, &["check"]);
    run_traced(d, &["backup", backup]);
    run_traced(d, &["export", "--plaintext", export]);
    run_traced(d, &["brand", "rm", "https://cafe.example", "--revoke"]);
    run_traced(d, &["field", "rm", "phone_number"]);
    run_traced(d, &["passwd"]);
}
