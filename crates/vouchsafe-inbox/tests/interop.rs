//! Brands in other languages, written from docs/protocol.md alone: a Python brand (PyJWT)
//! makes a request, receives a grant and countersigns it; an npm `jose` script checks an event.
//! The Vouchsafe side here is the consumer (vouchsafe-token), as in the other tests.
//!
//! Needs `python3` with PyJWT and cryptography (Debian: python3-jwt) and `node` with `npm ci`
//! run in tests/interop. Without them each test says so and passes, unless
//! `VOUCHSAFE_INBOX_REQUIRE_INTEROP=1` (CI) makes a missing tool a failure.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use serde_json::{Value, json};
use vouchsafe_inbox::events::GRANT_REVOKED;
use vouchsafe_inbox::util::{self, sha256_b64};
use vouchsafe_token::jwk::PublicJwk;
use vouchsafe_token::jws::CompactJws;

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// The python interpreter that has PyJWT, or `None` (then the test is skipped, or fails in CI).
fn python() -> Res<Option<String>> {
    for candidate in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(candidate)
            .args(["-c", "import jwt, cryptography"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Ok(Some(candidate.to_owned()));
        }
    }
    missing("python3 with PyJWT and cryptography")
}

fn node() -> Res<Option<String>> {
    let ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok && interop_dir().join("node_modules/jose").is_dir() {
        return Ok(Some("node".to_owned()));
    }
    missing("node with `npm ci` run in crates/vouchsafe-inbox/tests/interop")
}

fn missing<T>(what: &str) -> Res<Option<T>> {
    if std::env::var("VOUCHSAFE_INBOX_REQUIRE_INTEROP").is_ok_and(|v| v == "1") {
        return Err(format!("{what} is required (VOUCHSAFE_INBOX_REQUIRE_INTEROP=1)").into());
    }
    eprintln!("SKIPPED: {what} not available");
    Ok(None)
}

fn run_json(program: &str, args: &[&str]) -> Res<(bool, Value)> {
    let out = Command::new(program)
        .args(args)
        .current_dir(interop_dir())
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {stderr}"))?;
    Ok((out.status.success(), value))
}

/// Verifies a token with a JWK Set by `kid`, as a vault does.
fn verify_with_jwks(token: &str, jwks: &Value, typ: &str) -> Res<serde_json::Map<String, Value>> {
    let jws = CompactJws::parse(token)?;
    assert_eq!(jws.header().get("typ"), Some(&json!(typ)));
    let kid = jws
        .header()
        .get("kid")
        .and_then(Value::as_str)
        .ok_or("kid")?;
    let key = jwks["keys"]
        .as_array()
        .ok_or("keys")?
        .iter()
        .find(|k| k["kid"] == kid)
        .ok_or("kid not in JWKS")?;
    let jwk = PublicJwk::from_json(key)?;
    assert_eq!(jwk.thumbprint(), kid, "kid is the RFC 7638 thumbprint");
    jws.verify_signature(&jwk.to_verifying_key()?)?;
    Ok(jws.claims()?)
}

#[test]
fn a_python_brand_requests_receives_and_countersigns() -> TestResult {
    let Some(python) = python()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let state = dir.path().join("brand.json");
    let state = state.to_str().ok_or("path")?;
    let origin = "https://brand.example";
    let brand = interop_dir().join("brand.py");
    let brand = brand.to_str().ok_or("path")?;

    let (ok, made) = run_json(&python, &[brand, "request", state, origin])?;
    assert!(ok, "{made}");
    // The vault's checks of a request (docs/protocol.md §2).
    let request = verify_with_jwks(
        made["request"].as_str().ok_or("request")?,
        &made["jwks"],
        "oauth-authz-req+jwt",
    )?;
    assert_eq!(
        (request["iss"].clone(), request["client_id"].clone()),
        (json!(origin), json!(origin))
    );
    assert!(request["exp"].as_i64() <= request["iat"].as_i64().map(|i| i + 600));
    assert_eq!(request["response_mode"], "direct_post");
    let nonce = request["nonce"].as_str().ok_or("nonce")?;

    let consumer = Consumer::new()?;
    let released = json!({"email": "gildong@example.com", "given_name": "길동", "address": {"locality": "서울"}});
    let (grant, jti) = consumer.grant(origin, Some(nonce), released, 2)?;
    let (ok, answer) = run_json(&python, &[brand, "receive", state, &grant])?;
    assert!(ok, "{answer}");
    let receipt = verify_with_jwks(
        answer["receipt"].as_str().ok_or("receipt")?,
        &made["jwks"],
        "vnd.vouchsafe.brand-receipt+jwt",
    )?;
    assert_eq!(
        receipt["grant"],
        json!({"jti": jti, "sha256": sha256_b64(&grant)})
    );
    assert_eq!(receipt["aud"], consumer.iss());
    assert_eq!(
        receipt["received"],
        json!(["address.locality", "email", "given_name"])
    );

    // And it refuses what docs/protocol.md says to refuse.
    for (grant, reason) in [
        (
            consumer.grant(origin, Some("other"), profile(), 2)?.0,
            "unknown nonce",
        ),
        (
            consumer
                .grant("https://else.example", Some(nonce), profile(), 2)?
                .0,
            "grant refused",
        ),
        (
            consumer
                .grant(origin, Some(nonce), json!({"email": "a@b.example"}), 2)?
                .0,
            "required claim",
        ),
        (
            consumer
                .grant(
                    origin,
                    Some(nonce),
                    json!({"email": "a", "given_name": "b", "phone_number": "1"}),
                    2,
                )?
                .0,
            "not asked",
        ),
        (tamper_signature(&grant)?, "grant refused"),
    ] {
        let (ok, answer) = run_json(&python, &[brand, "receive", state, &grant])?;
        assert!(!ok, "accepted: {answer}");
        assert!(
            answer["error_description"]
                .as_str()
                .is_some_and(|d| d.contains(reason)),
            "{answer} lacks {reason}"
        );
    }
    Ok(())
}

#[test]
fn npm_jose_verifies_an_event() -> TestResult {
    let Some(node) = node()? else {
        return Ok(());
    };
    let origin = "https://brand.example";
    let consumer = Consumer::new()?;
    let (grant, jti) = consumer.grant(origin, Some("n"), profile(), 4)?;
    let (set, set_jti) = consumer.set(
        origin,
        &jti,
        GRANT_REVOKED,
        json!({"revoked_at": util::now(), "status_list": consumer.status_list(&[4])?}),
    )?;
    let (ok, answer) = run_json(&node, &["verify_event.mjs", &grant, &set, origin])?;
    assert!(ok, "{answer}");
    assert_eq!(
        answer,
        json!({"ok": true, "event": GRANT_REVOKED, "jti": set_jti})
    );

    let stranger = Consumer::new()?;
    let (foreign, _) = stranger.set(origin, &jti, GRANT_REVOKED, json!({"revoked_at": 1}))?;
    let (ok, answer) = run_json(&node, &["verify_event.mjs", &grant, &foreign, origin])?;
    assert!(!ok);
    assert_eq!(answer["err"], "invalid_key", "{answer}");
    let (elsewhere, _) = consumer.set(
        "https://else.example",
        &jti,
        GRANT_REVOKED,
        json!({"revoked_at": 1}),
    )?;
    let (ok, answer) = run_json(&node, &["verify_event.mjs", &grant, &elsewhere, origin])?;
    assert!(!ok);
    assert_eq!(answer["err"], "invalid_audience", "{answer}");
    Ok(())
}
