//! A Korean address through the command line: `field set` applies the Korean rules once the
//! country is KR (one-line refusals, exit 6), stores the official forms, and `--derive city`
//! releases the 시/도 and 시/군/구. The rules themselves are tested in the core.
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
        .env("TZ", "UTC")
        .env("VOUCHSAFE_VAULT", dir.join("vault.db"))
        .env("VOUCHSAFE_PASSPHRASE", PASS)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run vouchsafe")
}

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(dir: &std::path::Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert_eq!(out.status.code(), Some(6), "{args:?} is invalid input");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    err
}

#[test]
fn field_set_follows_the_korean_rules_and_city_only_gives_sido_and_sigungu() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(
        d,
        &[
            "init",
            "--kdf-memory-mib",
            "64",
            "--kdf-iterations",
            "3",
            "--kdf-lanes",
            "1",
        ],
    );
    // Before the country is known, the general rules only.
    assert_eq!(
        ok(d, &["field", "set", "address.postal_code", "1234"]),
        "Set address.postal_code = 1234\n"
    );
    ok(d, &["field", "set", "address.country", "KR"]);
    assert_eq!(
        refused(d, &["field", "set", "address.postal_code", "1234"]),
        "vouchsafe: postal code \"1234\" has 4 digits; Korean postal codes (우편번호) have five \
         digits, e.g. 04524\n"
    );
    assert_eq!(
        refused(d, &["field", "set", "address.postal_code", "135-080"]),
        "vouchsafe: postal code \"135-080\" is a six-digit code of the kind replaced by \
         five-digit codes in 2015; Korean postal codes (우편번호) have five digits, e.g. 04524\n"
    );
    assert_eq!(
        ok(d, &["field", "set", "address.postal_code", "１３４９４"]),
        "Set address.postal_code = 13494\n"
    );
    assert_eq!(
        ok(d, &["field", "set", "address.region", "경기"]),
        "Set address.region = 경기도\n"
    );
    ok(d, &["field", "set", "address.locality", "성남시 분당구"]);
    ok(
        d,
        &["field", "set", "address.street_address", "판교역로 235"],
    );
    ok(d, &["field", "set", "address.detail", "8층"]);
    let err = refused(d, &["field", "set", "address.street_address", "판교역로"]);
    assert!(err.contains("road-name address (도로명주소)"), "{err}");
    let err = refused(d, &["field", "set", "address.jibun", "삼평동"]);
    assert!(err.contains("lot-number address (지번주소)"), "{err}");

    ok(d, &["brand", "add", "cafe", "--name", "동네 카페"]);
    let preview = ok(
        d,
        &[
            "grant",
            "issue",
            "--brand",
            "cafe",
            "--derive",
            "city",
            "--purpose",
            "local offers",
            "--preview",
            "--json",
        ],
    );
    let p: serde_json::Value = serde_json::from_str(&preview).expect("json");
    assert_eq!(
        p["claims"],
        serde_json::json!({"address": {"locality": "성남시", "region": "경기도", "country": "KR"}})
    );
    // `--fields address` releases every part that is set, the Korean members included.
    let preview = ok(
        d,
        &[
            "grant",
            "issue",
            "--brand",
            "cafe",
            "--fields",
            "address",
            "--purpose",
            "delivery",
            "--preview",
            "--json",
        ],
    );
    let p: serde_json::Value = serde_json::from_str(&preview).expect("json");
    assert_eq!(p["claims"]["address"]["detail"], "8층");
    assert_eq!(p["claims"]["address"]["postal_code"], "13494");
}
