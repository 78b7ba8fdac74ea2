//! Tokens issued by the `vouchsafe` CLI, verified by the libraries brands really use:
//! PyJWT (with `cryptography`) and the npm `jose` package, each pinned to the per-brand key.
//!
//! The README's test command installs both (`scripts/setup-interop.sh`). Run alone, without
//! them, these tests say why they skip; with `VOUCHSAFE_INTEROP=1` a missing library fails.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// The tool, or `None` (with the reason printed) when it is not installed and not required.
fn tool(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "{what} is not installed at {}; run scripts/setup-interop.sh",
        path.display()
    );
    assert!(std::env::var_os("VOUCHSAFE_INTEROP").is_none(), "{msg}");
    eprintln!("skipped: {msg}");
    None
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?})\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Issue real grants through the CLI and write the cases file both scripts read.
fn cases(dir: &Path) -> PathBuf {
    let vs = |args: &[&str]| -> String {
        let out = run(Command::new(BIN)
            .args(args)
            .env("VOUCHSAFE_VAULT", dir.join("vault.db"))
            .env("VOUCHSAFE_PASSPHRASE", common::PASS));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    vs(&["init", "--kdf-memory-mib", "64"]);
    vs(&["field", "set", "email", "gildong@example.com"]);
    vs(&["field", "set", "given_name", "길동"]);
    vs(&["field", "set", "birthdate", "1990-03-14"]);
    vs(&["brand", "add", "acme-coffee", "--name", "Acme Coffee"]);
    vs(&["brand", "add", "other-brand", "--name", "Other"]);
    let grant: Value = serde_json::from_str(&vs(&[
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
        "--json",
    ]))
    .expect("grant json");
    let other = vs(&[
        "grant",
        "issue",
        "--brand",
        "other-brand",
        "--fields",
        "email",
        "--purpose",
        "news",
    ]);
    let brand: Value =
        serde_json::from_str(&vs(&["brand", "show", "acme-coffee", "--json"])).expect("brand json");
    let file = dir.join("cases.json");
    let doc = json!({
        "jwk": brand["brand"]["jwk"],
        "audience": "acme-coffee",
        "issuer": brand["brand"]["issuer"],
        "good": grant["token"],
        "other_key": other,
    });
    std::fs::write(&file, doc.to_string()).expect("write cases");
    file
}

fn check(out: &Output, expected_rejections: &[&str]) {
    let v: Value = serde_json::from_slice(&out.stdout).expect("script output is JSON");
    let claims = &v["accepted"];
    assert_eq!(claims["email"], "gildong@example.com");
    assert_eq!(claims["given_name"], "길동");
    assert_eq!(claims["age_over_18"], true);
    assert_eq!(claims["birthdate"], "0000-03-14");
    assert_eq!(claims["aud"], "acme-coffee");
    // `email,-sms` as channel consent version 2 (docs/grant-token.md), each entry dated.
    let channels = &claims["authorization_details"][0]["channels"];
    let decided: Vec<(&str, &str, bool)> = channels
        .as_array()
        .expect("version 2 is an array")
        .iter()
        .map(|c| {
            assert!(c["given_at"].as_i64().is_some(), "{c}");
            (
                c["channel"].as_str().unwrap_or(""),
                c["kind"].as_str().unwrap_or(""),
                c["allowed"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    assert_eq!(
        decided,
        [
            ("email", "info", true),
            ("sms", "info", false),
            ("sms", "ad", false)
        ]
    );
    assert_eq!(
        claims["authorization_details"][0]["night_ads"]["allowed"],
        false
    );
    let rejected = v["rejected"].as_object().expect("rejected");
    for case in expected_rejections {
        assert!(rejected.contains_key(*case), "{case} not rejected: {v}");
    }
}

const REJECTIONS: &[&str] = &[
    "tampered_payload",
    "alg_none",
    "alg_hs256",
    "wrong_typ",
    "wrong_audience",
    "wrong_issuer",
    "expired",
    "other_brand_key",
];

#[test]
fn pyjwt_accepts_good_tokens_and_refuses_tampered_ones() {
    let Some(python) = tool(
        interop_dir().join(".venv/bin/python"),
        "PyJWT (Python venv)",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = cases(dir.path());
    let out = run(Command::new(python)
        .arg(interop_dir().join("verify_pyjwt.py"))
        .arg(&cases));
    check(&out, REJECTIONS);
}

#[test]
fn jose_accepts_good_tokens_and_refuses_tampered_ones() {
    let Some(_) = tool(
        interop_dir().join("node_modules/jose/package.json"),
        "npm jose",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = cases(dir.path());
    let out = run(Command::new("node")
        .arg(interop_dir().join("verify_jose.mjs"))
        .arg(&cases));
    let mut expected = REJECTIONS.to_vec();
    expected.push("not_yet_valid");
    check(&out, &expected);
}
