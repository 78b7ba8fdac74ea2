//! `vouchsafe grant narrow` end to end: the narrowed token verifies with the verifier binary
//! and carries the derived fact, not the raw value; the old grant fails against the new status
//! list; the summary follows the locale; each refusal is one line with its exit code and
//! changes nothing.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{INIT_MIN_KDF, vouchsafe};

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn fails(o: &Output, code: i32, message: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.contains(message), "{err:?} should contain {message:?}");
}

fn verify(token: &str, status: &Path) -> Output {
    // Built by `cargo test --workspace`; alone: cargo build -p vouchsafe-verify-cli.
    let verifier = common::sibling_bin("vouchsafe-verify", "vouchsafe-verify-cli");
    Command::new(verifier)
        .args([token, "--audience", "acme-coffee", "--status-list"])
        .arg(status)
        .output()
        .expect("verify")
}

#[test]
fn narrow_replaces_a_raw_value_and_drops_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let vs = |args: &[&str]| vouchsafe(d, &[], args);
    ok(&vs(&INIT_MIN_KDF));
    ok(&vs(&["field", "set", "email", "gildong@example.com"]));
    ok(&vs(&["field", "set", "given_name", "길동"]));
    ok(&vs(&["field", "set", "birthdate", "1990-03-14"]));
    ok(&vs(&[
        "brand",
        "add",
        "acme-coffee",
        "--name",
        "Acme Coffee",
    ]));
    let old = ok(&vs(&[
        "grant",
        "issue",
        "--brand",
        "acme-coffee",
        "--fields",
        "email,given_name,birthdate",
        "--purpose",
        "check you are an adult",
        "--channels",
        "email:info,email:ad",
        "--json",
    ]));
    let old: serde_json::Value = serde_json::from_str(&old).expect("json");
    let old_id = old["id"].as_str().expect("id").to_string();
    let old_token = old["token"].as_str().expect("token").to_string();

    // The review points at the command that settles a raw birth date.
    let review = ok(&vs(&["review"]));
    let want = format!(
        "vouchsafe grant narrow {} --replace birthdate=adult_kr",
        &old_id[..8]
    );
    assert!(review.contains(&want), "{review}");

    // Refusals: one line, exit 6 (7 for an unknown grant), nothing changes.
    let narrow = |extra: &[&str]| {
        let mut args = vec!["grant", "narrow", &old_id[..8]];
        args.extend_from_slice(extra);
        vs(&args)
    };
    fails(&narrow(&[]), 6, "say what to narrow");
    fails(
        &narrow(&["--replace", "birthdate"]),
        6,
        "\"birthdate\" is not a replacement; use FIELD=FACT",
    );
    fails(
        &narrow(&["--replace", "email=adult_kr"]),
        6,
        "adult_kr is not derived from email",
    );
    fails(
        &narrow(&["--replace", "address=city"]),
        6,
        "the grant does not release address",
    );
    fails(
        &narrow(&["--drop", "email,given_name,birthdate"]),
        6,
        "revoke it instead",
    );
    fails(
        &vs(&["grant", "narrow", "ffffffff", "--drop", "email"]),
        7,
        "no grant ffffffff",
    );
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&vs(&["grant", "list", "--json"]))).expect("json");
    assert_eq!(listed.as_array().expect("array").len(), 1, "nothing issued");

    // Korean locale: the summary is in Korean, the token alone on stdout.
    let out = vouchsafe(
        d,
        &[("LANG", "ko_KR.UTF-8")],
        &[
            "grant",
            "narrow",
            &old_id[..8],
            "--replace",
            "birthdate=adult_kr",
            "--drop",
            "given_name",
        ],
    );
    let token = ok(&out);
    assert_eq!(
        token.split('.').count(),
        3,
        "stdout is the token: {token:?}"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("Acme Coffee에"), "{said}");
    assert!(said.contains("now revoked"), "{said}");

    let status = d.join("status.jwt");
    std::fs::write(&status, ok(&vs(&["status-list", "--brand", "acme-coffee"]))).expect("write");
    let claims: serde_json::Value =
        serde_json::from_str(&ok(&verify(&token, &status))).expect("claims");
    assert_eq!(claims["adult_kr"], true);
    assert_eq!(claims["email"], "gildong@example.com");
    assert!(claims.get("birthdate").is_none(), "{claims}");
    assert!(claims.get("given_name").is_none(), "{claims}");
    // Same purpose and channel consent.
    let detail = &claims["authorization_details"][0];
    assert_eq!(detail["purpose"], "check you are an adult");
    assert_eq!(
        detail["datatypes"],
        serde_json::json!(["email", "adult_kr"])
    );
    let old_out = verify(&old_token, &status);
    assert_eq!(old_out.status.code(), Some(8), "the old grant is revoked");

    // The old one is not active any more; the new one drops a fact with --json.
    fails(&narrow(&["--drop", "email"]), 8, "is not active");
    let list: serde_json::Value =
        serde_json::from_str(&ok(&vs(&["grant", "list", "--json"]))).expect("json");
    let new_id = list
        .as_array()
        .expect("array")
        .iter()
        .find(|g| g["state"] == "active")
        .and_then(|g| g["id"].as_str())
        .expect("active")
        .to_string();
    let out = ok(&vs(&[
        "grant", "narrow", &new_id, "--drop", "adult_kr", "--json",
    ]));
    let issued: serde_json::Value = serde_json::from_str(&out).expect("json");
    let shown: serde_json::Value = serde_json::from_str(&ok(&vs(&[
        "grant",
        "show",
        issued["id"].as_str().expect("id"),
        "--json",
    ])))
    .expect("json");
    assert_eq!(shown["released"], serde_json::json!(["email"]));
    assert!(ok(&vs(&["audit"])).contains("grant.narrowed"));
}
