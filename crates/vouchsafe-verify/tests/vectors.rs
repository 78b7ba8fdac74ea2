//! The committed reference tokens (`tests/vectors/` at the repository root) pass the verifier
//! with every check on: pinned issuer, audience, and the committed status list.

use std::path::PathBuf;

use serde_json::Value;
use vouchsafe_verify::{
    CompactJws, IssuerPolicy, PublicJwk, RECEIPT_TYP, StatusOutcome, StatusPolicy, VerifyError,
    VerifyOptions, verify_grant, verify_grants,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// One hour after the vectors' `iat`: inside every validity window, within the list's `ttl`.
const NOW: i64 = 1_767_225_600 + 3_000;

fn read(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    Ok(std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .trim()
        .to_owned())
}

fn key_file() -> Result<Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_str(&read("key.json")?)?)
}

fn opts(now: i64) -> Result<VerifyOptions, Box<dyn std::error::Error>> {
    let urn = key_file()?["thumbprint_urn"]
        .as_str()
        .ok_or("thumbprint_urn")?
        .to_owned();
    Ok(VerifyOptions {
        audience: "acme-coffee".to_owned(),
        issuer: IssuerPolicy::Pinned(urn),
        status: StatusPolicy::List(read("status-list.jwt")?),
        now,
    })
}

#[test]
fn every_reference_grant_verifies_with_every_check() -> TestResult {
    let opts = opts(NOW)?;
    let jwk = PublicJwk::from_json(&key_file()?["public_jwk"])?;
    for name in ["grant-fields", "grant-derived", "grant-channels"] {
        let token = read(&format!("{name}.jwt"))?;
        let grant = verify_grant(&token, &opts)?;
        assert_eq!(grant.status(), StatusOutcome::Valid, "{name}");
        assert_eq!(grant.jwk(), &jwk, "{name}");
        let expected: Value = serde_json::from_str(&read(&format!("{name}.claims.json"))?)?;
        assert_eq!(Value::Object(grant.claims().clone()), expected, "{name}");
        assert_eq!(
            serde_json::to_value(grant.typed_claims()?)?,
            expected,
            "{name}"
        );
    }
    let tokens = [read("grant-fields.jwt")?, read("grant-derived.jwt")?];
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    assert!(verify_grants(&refs, &opts).iter().all(Result::is_ok));
    Ok(())
}

#[test]
fn reference_list_goes_stale_after_its_ttl_and_expires_at_exp() -> TestResult {
    let token = read("grant-derived.jwt")?;
    assert_eq!(
        verify_grant(&token, &opts(1_767_225_600 + 3_601)?)?.status(),
        StatusOutcome::ValidStale
    );
    assert!(matches!(
        verify_grant(&token, &opts(1_767_225_600 + 86_400 + 61)?),
        Err(VerifyError::StatusListExpired { .. })
    ));
    Ok(())
}

#[test]
fn reference_receipt_is_signed_by_the_key_but_is_never_a_grant() -> TestResult {
    let token = read("consent-receipt.jwt")?;
    let jws = CompactJws::parse(&token)?;
    let jwk = PublicJwk::from_json(&key_file()?["public_jwk"])?;
    jws.verify_signature(&jwk.to_verifying_key()?)?;
    assert_eq!(jws.header()["typ"], RECEIPT_TYP);
    let claims: Value = serde_json::from_slice(jws.payload())?;
    let expected: Value = serde_json::from_str(&read("consent-receipt.claims.json")?)?;
    assert_eq!(claims, expected);
    let typed: vouchsafe_verify::token::ConsentReceiptClaims = serde_json::from_value(claims)?;
    assert_eq!(typed.version, "KI-CR-v1.1.0");
    assert!(matches!(
        verify_grant(&token, &opts(NOW)?),
        Err(VerifyError::WrongType { .. })
    ));
    Ok(())
}
