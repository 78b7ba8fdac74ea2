//! The `vouchsafe` binary end to end: what a person types, what they see, and exit codes.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{PASS, contains, raw_files};

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn vault(&self) -> std::path::PathBuf {
        self.dir.path().join("vault.db")
    }

    fn cmd(&self, pass: Option<&str>) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("VOUCHSAFE_VAULT", self.vault())
            .stdin(Stdio::null());
        if let Some(p) = pass {
            c.env("VOUCHSAFE_PASSPHRASE", p);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(Some(PASS)).args(args).output().expect("run")
    }

    fn init(&self) {
        let out = self.run(&["init", "--kdf-memory-mib", "64"]);
        assert_ok(&out);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

/// A failure is one line on stderr with the given exit code.
fn assert_fails(o: &Output, code: i32, message: &str) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.contains(message), "{err:?} should contain {message:?}");
}

#[test]
fn help_documents_commands_and_exit_codes() {
    let cli = Cli::new();
    let out = cli.run(&["--help"]);
    assert_ok(&out);
    let text = stdout(&out);
    for word in [
        "init",
        "field",
        "passwd",
        "export",
        "backup",
        "restore",
        "Exit codes:",
        "3  wrong passphrase",
    ] {
        assert!(text.contains(word), "--help lacks {word:?}");
    }
    let out = cli.run(&["field", "--help"]);
    for word in ["set", "get", "list", "rm"] {
        assert!(stdout(&out).contains(word));
    }
}

#[test]
fn init_then_fields_round_trip() {
    let cli = Cli::new();
    cli.init();
    assert!(cli.vault().exists());
    assert_fails(
        &cli.run(&["init"]),
        4,
        "already exists; refusing to overwrite it",
    );

    let out = cli.run(&["field", "list"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("No fields yet"));

    assert_ok(&cli.run(&[
        "field",
        "set",
        "email",
        "gildong@example.com",
        "--label",
        "개인",
    ]));
    assert_ok(&cli.run(&["field", "set", "custom.blood_type", "A"]));
    let out = cli.run(&["field", "get", "email"]);
    assert_ok(&out);
    assert_eq!(stdout(&out), "gildong@example.com\n");

    let out = cli.run(&["field", "get", "email", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["value"], "gildong@example.com");
    assert_eq!(v["label"], "개인");

    let out = cli.run(&["field", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let names: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["custom.blood_type", "email"]);

    let out = cli.run(&["field", "list"]);
    assert!(stdout(&out).contains("email") && stdout(&out).contains("(개인)"));

    assert_ok(&cli.run(&["field", "rm", "custom.blood_type"]));
    assert_fails(
        &cli.run(&["field", "rm", "custom.blood_type"]),
        7,
        "field custom.blood_type is not set",
    );
    assert_fails(
        &cli.run(&["field", "get", "given_name"]),
        7,
        "field given_name is not set",
    );
}

#[test]
fn bad_input_gets_one_line_and_its_exit_code() {
    let cli = Cli::new();
    assert_fails(&cli.run(&["field", "list"]), 4, "no vault at");
    cli.init();
    assert_fails(
        &cli.run(&["field", "set", "shoe_colour_of_the_day", "red"]),
        6,
        "shoe_colour_of_the_day",
    );
    assert_fails(&cli.run(&["field", "set", "email", "   "]), 6, "email");
    assert_fails(&cli.run(&["export"]), 2, "--plaintext FILE");
    let out = cli.run(&["field", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = cli.run(&["init", "--kdf-memory-mib", "8"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "existing vault is refused before parameters: {}",
        stderr(&out)
    );
    let fresh = Cli::new();
    assert_fails(
        &fresh.run(&["init", "--kdf-memory-mib", "8"]),
        2,
        "below the minimum",
    );
    assert!(!fresh.vault().exists());
}

#[test]
fn wrong_passphrase_exit_3_and_passphrase_sources() {
    let cli = Cli::new();
    cli.init();
    assert_ok(&cli.run(&["field", "set", "email", "a@example.com"]));
    let out = cli
        .cmd(Some("definitely wrong"))
        .args(["field", "list"])
        .output()
        .expect("run");
    assert_fails(&out, 3, "vouchsafe: wrong passphrase");

    // --passphrase-file: the first line, without its newline.
    let pf = cli.dir.path().join("pass.txt");
    std::fs::write(&pf, format!("{PASS}\nignored second line\n")).expect("write");
    let out = cli
        .cmd(None)
        .args(["field", "get", "email", "--passphrase-file"])
        .arg(&pf)
        .output()
        .expect("run");
    assert_ok(&out);
    assert_eq!(stdout(&out), "a@example.com\n");

    // The environment wins over the file.
    let out = cli
        .cmd(Some("definitely wrong"))
        .args(["field", "get", "email", "--passphrase-file"])
        .arg(&pf)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));

    let missing = cli.dir.path().join("nope.txt");
    let out = cli
        .cmd(None)
        .args(["field", "list", "--passphrase-file"])
        .arg(&missing)
        .output()
        .expect("run");
    assert_fails(&out, 1, "cannot read passphrase file");
}

#[test]
fn passwd_changes_the_passphrase_and_keeps_values() {
    let cli = Cli::new();
    cli.init();
    assert_ok(&cli.run(&["field", "set", "given_name", "길동"]));
    let out = cli
        .cmd(Some(PASS))
        .env("VOUCHSAFE_NEW_PASSPHRASE", "새 비밀번호는 길게")
        .args(["passwd"])
        .output()
        .expect("run");
    assert_ok(&out);
    assert_eq!(cli.run(&["field", "list"]).status.code(), Some(3));
    let out = cli
        .cmd(Some("새 비밀번호는 길게"))
        .args(["field", "get", "given_name"])
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "길동\n");
    let out = cli
        .cmd(Some("새 비밀번호는 길게"))
        .env("VOUCHSAFE_NEW_PASSPHRASE", "short")
        .args(["passwd"])
        .output()
        .expect("run");
    assert_fails(&out, 6, "passphrase too short");
}

#[test]
fn export_backup_restore_through_the_binary() {
    let cli = Cli::new();
    cli.init();
    assert_ok(&cli.run(&["field", "set", "address.locality", "서울특별시"]));
    let export = cli.dir.path().join("me.json");
    let out = cli.run(&["export", "--plaintext", export.to_str().expect("utf8")]);
    assert_ok(&out);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).expect("read")).expect("json");
    assert!(doc["profile"].to_string().contains("서울특별시"));
    assert_fails(
        &cli.run(&["export", "--plaintext", export.to_str().expect("utf8")]),
        4,
        "already exists",
    );

    let backup = cli.dir.path().join("me.vsb");
    assert_ok(&cli.run(&["backup", backup.to_str().expect("utf8")]));
    assert_fails(
        &cli.run(&["backup", backup.to_str().expect("utf8")]),
        4,
        "already exists",
    );
    assert_fails(
        &cli.run(&["restore", backup.to_str().expect("utf8")]),
        4,
        "already exists",
    );

    let elsewhere = cli.dir.path().join("elsewhere.db");
    let out = cli
        .cmd(Some(PASS))
        .env("VOUCHSAFE_VAULT", &elsewhere)
        .args(["restore"])
        .arg(&backup)
        .output()
        .expect("run");
    assert_ok(&out);
    let out = cli
        .cmd(Some(PASS))
        .env("VOUCHSAFE_VAULT", &elsewhere)
        .args(["field", "get", "address.locality"])
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "서울특별시\n");
    assert_ok(&cli.run(&["restore", "--force", backup.to_str().expect("utf8")]));
}

#[test]
fn tampered_and_foreign_files_get_their_own_exit_codes() {
    let cli = Cli::new();
    cli.init();
    assert_ok(&cli.run(&["field", "set", "email", "a@example.com"]));
    let c = rusqlite::Connection::open(cli.vault()).expect("raw");
    let mut sealed: Vec<u8> = c
        .query_row("SELECT sealed FROM fields", [], |r| r.get(0))
        .expect("row");
    sealed[14] ^= 1;
    c.execute("UPDATE fields SET sealed = ?1", [sealed])
        .expect("tamper");
    drop(c);
    assert_fails(
        &cli.run(&["field", "list"]),
        5,
        "failed its integrity check",
    );

    let text = cli.dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "just text, long enough to not be a database header at all",
    )
    .expect("write");
    let out = cli
        .cmd(Some(PASS))
        .args(["--vault"])
        .arg(&text)
        .args(["field", "list"])
        .output()
        .expect("run");
    assert_fails(&out, 4, "is not a Vouchsafe vault");
}

#[test]
fn two_processes_writing_at_once_keep_every_write() {
    let cli = Cli::new();
    cli.init();
    let loops: Vec<_> = (0..2)
        .map(|w| {
            let script = format!(
                "for i in 1 2 3 4 5 6 7 8; do \"$1\" field set custom.p{w}_$i v$i || exit 1; done"
            );
            let mut c = Command::new("sh");
            c.args(["-c", &script, "sh", BIN])
                .env("VOUCHSAFE_VAULT", cli.vault())
                .env("VOUCHSAFE_PASSPHRASE", PASS)
                .stdin(Stdio::null());
            c.spawn().expect("spawn")
        })
        .collect();
    for mut c in loops {
        assert!(c.wait().expect("wait").success(), "a writer failed");
    }
    let out = cli.run(&["field", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let n = v
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| {
            f["name"]
                .as_str()
                .is_some_and(|s| s.starts_with("custom.p"))
        })
        .count();
    assert_eq!(n, 16);
}

/// Kill `passwd` at many moments: afterwards exactly one of the two passphrases must work.
#[test]
fn passwd_interrupted_at_any_moment_leaves_one_passphrase_working() {
    let cli = Cli::new();
    cli.init();
    assert_ok(&cli.run(&["field", "set", "email", "a@example.com"]));
    let new = "the replacement passphrase";
    let mut current = PASS.to_string();
    for delay_ms in [0u64, 5, 20, 40, 60, 80, 100, 130, 160, 250] {
        let next = if current == PASS { new } else { PASS };
        let mut child = cli
            .cmd(Some(&current))
            .env("VOUCHSAFE_NEW_PASSPHRASE", next)
            .arg("passwd")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let old_ok = cli
            .cmd(Some(&current))
            .args(["field", "get", "email"])
            .output()
            .expect("run")
            .status
            .success();
        let new_ok = cli
            .cmd(Some(next))
            .args(["field", "get", "email"])
            .output()
            .expect("run")
            .status
            .success();
        assert!(
            old_ok ^ new_ok,
            "after a kill at {delay_ms} ms: old works {old_ok}, new works {new_ok}"
        );
        if new_ok {
            current = next.to_string();
        }
    }
}

#[test]
fn no_typed_value_reaches_the_raw_files_through_the_cli() {
    let cli = Cli::new();
    cli.init();
    assert_ok(&cli.run(&[
        "field",
        "set",
        "email",
        "cli-canary@example.com",
        "--label",
        "cli-label-canary",
    ]));
    assert_ok(&cli.run(&["field", "set", "custom.clicanaryname", "cli-custom-canary"]));
    for (file, bytes) in raw_files(Path::new(&cli.vault())) {
        for needle in [
            "cli-canary",
            "cli-label-canary",
            "clicanaryname",
            "cli-custom-canary",
            PASS,
        ] {
            assert!(!contains(&bytes, needle.as_bytes()), "{needle} in {file}");
        }
    }
}

#[test]
fn grant_commands_end_to_end_with_the_verifier() {
    let cli = Cli::new();
    cli.init();
    assert_ok(&cli.run(&["field", "set", "email", "gildong@example.com"]));
    assert_ok(&cli.run(&["field", "set", "birthdate", "1990-03-14"]));
    assert_ok(&cli.run(&["brand", "add", "acme-coffee", "--name", "Acme Coffee"]));
    assert_fails(
        &cli.run(&["brand", "add", "acme-coffee", "--name", "Again"]),
        8,
        "already exists",
    );
    assert_fails(
        &cli.run(&["brand", "add", "bad id", "--name", "X"]),
        6,
        "is not valid",
    );

    // Refusals: nothing issued, one line, exit code by class.
    let issue = |extra: &[&str]| {
        let mut args = vec![
            "grant",
            "issue",
            "--brand",
            "acme-coffee",
            "--purpose",
            "send a birthday coupon",
        ];
        args.extend_from_slice(extra);
        cli.run(&args)
    };
    assert_fails(
        &issue(&["--fields", "nickname"]),
        6,
        "field nickname is not set",
    );
    assert_fails(&issue(&[]), 6, "choose at least one field");
    assert_fails(&issue(&["--fields", "shoe_colour"]), 6, "shoe_colour");
    assert_fails(
        &issue(&["--fields", "email", "--expires", "2001-01-01"]),
        6,
        "is in the past",
    );
    assert_fails(
        &issue(&["--fields", "email", "--derive", "zodiac"]),
        6,
        "is not a derived fact",
    );
    assert_fails(
        &issue(&["--fields", "email", "--channels", "fax"]),
        6,
        "is not a contact channel",
    );
    assert_fails(
        &issue(&["--fields", "email", "--purpose-category", "Spying"]),
        6,
        "DPV purpose category",
    );
    assert_fails(
        &cli.run(&[
            "grant",
            "issue",
            "--brand",
            "acme-coffee",
            "--fields",
            "email",
        ]),
        6,
        "a purpose is required",
    );
    assert_fails(
        &cli.run(&[
            "grant",
            "issue",
            "--brand",
            "nobody",
            "--fields",
            "email",
            "--purpose",
            "x",
        ]),
        7,
        "brand nobody is not known",
    );
    let out = cli.run(&["grant", "list", "--json"]);
    assert_eq!(stdout(&out).trim(), "[]", "nothing was issued");

    // The token alone on stdout; the summary goes to stderr for people.
    let out = issue(&[
        "--fields",
        "email",
        "--derive",
        "age_over:18",
        "--channels",
        "email,-sms",
        "--expires",
        "2099-01-01",
    ]);
    assert_fails(&out, 6, "more than 10 years away");
    let out = issue(&[
        "--fields",
        "email",
        "--derive",
        "age_over:18",
        "--channels",
        "email,-sms",
        "--expires",
        "30d",
    ]);
    assert_ok(&out);
    let token = stdout(&out).trim().to_string();
    assert_eq!(
        token.split('.').count(),
        3,
        "stdout is exactly the token: {token:?}"
    );
    assert!(stderr(&out).starts_with(
        "Acme Coffee gets your email and whether you are over 18 to send a birthday coupon, until "
    ));
    // The old `email,-sms` spelling: email for notices only, nothing on SMS.
    assert!(
        stderr(&out)
            .trim_end()
            .ends_with(". Notices by email only; no ads."),
        "{}",
        stderr(&out)
    );

    // Built by `cargo test --workspace`; alone, build it: cargo build -p vouchsafe-verify-cli.
    let verifier = common::sibling_bin("vouchsafe-verify", "vouchsafe-verify-cli");
    let verify = |status: Option<&Path>| {
        let mut c = Command::new(&verifier);
        c.args([token.as_str(), "--audience", "acme-coffee"]);
        match status {
            Some(s) => c.arg("--status-list").arg(s),
            None => c.arg("--no-status-check"),
        };
        c.output().expect("verify")
    };
    let out = verify(None);
    assert_ok(&out);
    let claims: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("claims");
    assert_eq!(claims["email"], "gildong@example.com");
    assert_eq!(claims["age_over_18"], true);
    assert!(claims.get("birthdate").is_none());

    let list: serde_json::Value =
        serde_json::from_str(&stdout(&cli.run(&["grant", "list", "--json"]))).expect("json");
    let id = list[0]["id"].as_str().expect("id").to_string();
    assert_eq!(list[0]["state"], "active");
    let status = cli.dir.path().join("status.jwt");
    std::fs::write(
        &status,
        stdout(&cli.run(&["status-list", "--brand", "acme-coffee"])),
    )
    .expect("write");
    assert_ok(&verify(Some(&status)));

    assert_fails(
        &cli.run(&["brand", "rm", "acme-coffee"]),
        8,
        "holds 1 live grant(s)",
    );
    assert_ok(&cli.run(&["grant", "revoke", &id[..8]]));
    assert_fails(&cli.run(&["grant", "revoke", &id]), 8, "already revoked");
    assert_fails(
        &cli.run(&["grant", "revoke", "ffffffff"]),
        7,
        "no grant ffffffff",
    );
    std::fs::write(
        &status,
        stdout(&cli.run(&["status-list", "--brand", "acme-coffee"])),
    )
    .expect("write");
    let out = verify(Some(&status));
    assert_eq!(out.status.code(), Some(8), "revoked: {}", stderr(&out));
    assert!(stderr(&out).contains("revoked"));

    let out = cli.run(&["grant", "receipt", &id, "--json"]);
    let receipt: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("receipt");
    assert_eq!(receipt["consentReceiptID"], id.as_str());
    assert_eq!(receipt["events"][1]["event"], "withdrawn");

    let out = cli.run(&["audit"]);
    assert!(stdout(&out).contains("grant.revoked"));
    let out = cli.run(&["audit", "verify"]);
    assert_ok(&out);
    assert!(stdout(&out).starts_with("Audit log intact:"));
    let c = rusqlite::Connection::open(cli.vault()).expect("raw");
    c.execute("DELETE FROM audit WHERE seq = 2", [])
        .expect("tamper");
    drop(c);
    assert_fails(
        &cli.run(&["audit", "verify"]),
        8,
        "audit log broken at entry 2",
    );
}
