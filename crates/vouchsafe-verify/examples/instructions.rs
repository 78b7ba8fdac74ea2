//! Repeatable cost of one verification: run a path N times under callgrind and compare
//! instruction counts, which do not move with the machine's load the way wall time does.
//!
//! ```sh
//! cargo build --release -p vouchsafe-verify --example instructions
//! for path in setup raw raw_decode pinned pinned_claims header \
//!     setup_many loop batch loop_header batch_header \
//!     setup_distinct loop_distinct batch_distinct; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/instructions $path 200 2>&1 | grep 'refs'
//! done
//! ```
//! Per verification = (count for a path − count for its setup) / N, where the setup of the
//! `loop*` and `batch*` paths (N grants, signed first) is `setup_many` or `setup_distinct`, and
//! that of every other path is `setup`. Paths:
//! * `raw`: `verify_strict` with the key already decoded; `raw_decode`: decoding the key from
//!   its 32 bytes first, as any verifier of a self-contained token must;
//! * `pinned`: `verify_grant` with `IssuerPolicy::PinnedKey`; `pinned_claims`: the same, then
//!   reading the claims set as a map (built on first use);
//! * `header`: `verify_grant` with the key taken from the header (`IssuerPolicy::Pinned`);
//! * `loop` / `batch`: N distinct grants of one pinned consumer, through `verify_grant` one by
//!   one / through `verify_grants` at once (Ed25519 batch verification); `loop_header` /
//!   `batch_header`: the same with each grant's key taken from its header (a batch checks the
//!   one header they share once);
//! * `loop_distinct` / `batch_distinct`: N grants of N different consumers (setup:
//!   `setup_distinct`), so that every header is checked and every key decoded.
//!
//! Figures: docs/performance.md.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a measuring tool fails by panicking

use std::hint::black_box;
use std::sync::Arc;

use ed25519_dalek::Signature;
use serde_json::json;
use vouchsafe_verify::jws::{header_for, sign_compact};
use vouchsafe_verify::{
    AUTHORIZATION_DETAILS_TYPE, CompactJws, GRANT_TYP, IssuerPolicy, PinnedConsumer, PublicJwk,
    SigningKey, StatusPolicy, VerifyOptions, verify_grant, verify_grants,
};

const NOW: i64 = 1_795_492_600;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "setup".into());
    let n: usize = args.next().map_or(1000, |s| s.parse().expect("N"));

    // The same typical grant as benches/verify.rs.
    let key = SigningKey::from_bytes(&[0x5a; 32]);
    let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
    let issuer = jwk.thumbprint_urn();
    let claims_at = |idx: usize, jti: &str| {
        json!({
            "iss": issuer, "sub": issuer, "aud": "https://brand.example",
            "iat": NOW, "nbf": NOW, "exp": NOW + 30 * 24 * 3600,
            "jti": jti,
            "status": {"status_list": {"idx": idx, "uri": "https://consumer.example/status/1"}},
            "authorization_details": [{
                "type": AUTHORIZATION_DETAILS_TYPE,
                "fields": ["email", "given_name", "family_name", "postal_code"],
            }],
            "email": "ada@example.com", "given_name": "Ada", "family_name": "Lovelace",
            "postal_code": "10115",
        })
    };
    let claims = claims_at(31337, "0b8f3c1e-2d4a-4f7e-9c61-5a0d7e3b2f14");
    let token = sign_compact(&header_for(GRANT_TYP, &jwk), &claims, &key).expect("sign");
    // Distinct grants (their own index, id and signature), for the many-grant paths only.
    let many: Vec<String> = if matches!(
        path.as_str(),
        "setup_many" | "loop" | "batch" | "loop_header" | "batch_header"
    ) {
        (0..n)
            .map(|i| {
                let claims = claims_at(i, &format!("grant-{i}"));
                sign_compact(&header_for(GRANT_TYP, &jwk), &claims, &key).expect("sign")
            })
            .collect()
    } else {
        Vec::new()
    };
    // Distinct grants of distinct consumers, for the `*_distinct` paths only.
    let distinct: Vec<String> = if path.ends_with("_distinct") {
        (0..n)
            .map(|i| {
                let mut seed = [0x11; 32];
                seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
                let key = SigningKey::from_bytes(&seed);
                let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
                let issuer = jwk.thumbprint_urn();
                let mut claims = claims_at(i, &format!("grant-{i}"));
                claims["iss"] = issuer.clone().into();
                claims["sub"] = issuer.into();
                sign_compact(&header_for(GRANT_TYP, &jwk), &claims, &key).expect("sign")
            })
            .collect()
    } else {
        Vec::new()
    };
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let distinct: Vec<&str> = distinct.iter().map(String::as_str).collect();
    let jws = CompactJws::parse(&token).expect("parse");
    let raw_key = jwk.to_verifying_key().expect("key");
    let signature = Signature::from_bytes(&jws.signature().try_into().expect("64 bytes"));
    let input = jws.signing_input().as_bytes();
    let options = |issuer| VerifyOptions {
        audience: "https://brand.example".into(),
        issuer,
        status: StatusPolicy::Waived,
        now: NOW,
    };
    let pinned = options(IssuerPolicy::PinnedKey(Arc::new(
        PinnedConsumer::new(&jwk).expect("pin"),
    )));
    let header = options(IssuerPolicy::Pinned(issuer.clone()));
    let any = options(IssuerPolicy::AnyConsumer);

    let key_bytes = raw_key.to_bytes();
    let ok = match path.as_str() {
        "setup" | "setup_many" => 0,
        "raw" => (0..n)
            .filter(|_| {
                raw_key
                    .verify_strict(black_box(input), black_box(&signature))
                    .is_ok()
            })
            .count(),
        "raw_decode" => (0..n)
            .filter(|_| {
                ed25519_dalek::VerifyingKey::from_bytes(black_box(&key_bytes)).is_ok_and(|key| {
                    key.verify_strict(black_box(input), black_box(&signature))
                        .is_ok()
                })
            })
            .count(),
        "pinned" => (0..n)
            .filter(|_| verify_grant(black_box(&token), black_box(&pinned)).is_ok())
            .count(),
        "pinned_claims" => (0..n)
            .filter(|_| {
                verify_grant(black_box(&token), black_box(&pinned))
                    .is_ok_and(|grant| black_box(grant.claims()).len() == 13)
            })
            .count(),
        "loop" => many
            .iter()
            .filter(|token| verify_grant(black_box(token), black_box(&pinned)).is_ok())
            .count(),
        "batch" => verify_grants(black_box(&many), black_box(&pinned))
            .iter()
            .filter(|result| result.is_ok())
            .count(),
        "loop_header" => many
            .iter()
            .filter(|token| verify_grant(black_box(token), black_box(&header)).is_ok())
            .count(),
        "batch_header" => verify_grants(black_box(&many), black_box(&header))
            .iter()
            .filter(|result| result.is_ok())
            .count(),
        "setup_distinct" => 0,
        "loop_distinct" => distinct
            .iter()
            .filter(|token| verify_grant(black_box(token), black_box(&any)).is_ok())
            .count(),
        "batch_distinct" => verify_grants(black_box(&distinct), black_box(&any))
            .iter()
            .filter(|result| result.is_ok())
            .count(),
        "header" => (0..n)
            .filter(|_| verify_grant(black_box(&token), black_box(&header)).is_ok())
            .count(),
        other => panic!(
            "unknown path {other}: setup, raw, raw_decode, pinned, pinned_claims, header, \
             setup_many, loop, batch, loop_header, batch_header, setup_distinct, \
             loop_distinct or batch_distinct"
        ),
    };
    let expected = if path.starts_with("setup") { 0 } else { n };
    assert_eq!(ok, expected, "every verification must succeed");
    println!("{path}: {ok} verifications");
}
