//! Repeatable cost of one verification: run a path N times under callgrind and compare
//! instruction counts, which do not move with the machine's load the way wall time does.
//!
//! ```sh
//! cargo build --release -p vouchsafe-verify --example instructions
//! for path in setup raw pinned header; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/instructions $path 1000 2>&1 | grep 'refs'
//! done
//! ```
//! Per verification = (count for a path − count for `setup`) / N. Figures: docs/performance.md.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a measuring tool fails by panicking

use std::hint::black_box;
use std::sync::Arc;

use ed25519_dalek::Signature;
use serde_json::json;
use vouchsafe_verify::jws::{header_for, sign_compact};
use vouchsafe_verify::{
    AUTHORIZATION_DETAILS_TYPE, CompactJws, GRANT_TYP, IssuerPolicy, PinnedConsumer, PublicJwk,
    SigningKey, StatusPolicy, VerifyOptions, verify_grant,
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
    let claims = json!({
        "iss": issuer, "sub": issuer, "aud": "https://brand.example",
        "iat": NOW, "nbf": NOW, "exp": NOW + 30 * 24 * 3600,
        "jti": "0b8f3c1e-2d4a-4f7e-9c61-5a0d7e3b2f14",
        "status": {"status_list": {"idx": 31337, "uri": "https://consumer.example/status/1"}},
        "authorization_details": [{
            "type": AUTHORIZATION_DETAILS_TYPE,
            "fields": ["email", "given_name", "family_name", "postal_code"],
        }],
        "email": "ada@example.com", "given_name": "Ada", "family_name": "Lovelace",
        "postal_code": "10115",
    });
    let token = sign_compact(&header_for(GRANT_TYP, &jwk), &claims, &key).expect("sign");
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

    let ok = match path.as_str() {
        "setup" => 0,
        "raw" => (0..n)
            .filter(|_| {
                raw_key
                    .verify_strict(black_box(input), black_box(&signature))
                    .is_ok()
            })
            .count(),
        "pinned" => (0..n)
            .filter(|_| verify_grant(black_box(&token), black_box(&pinned)).is_ok())
            .count(),
        "header" => (0..n)
            .filter(|_| verify_grant(black_box(&token), black_box(&header)).is_ok())
            .count(),
        other => panic!("unknown path {other}: setup, raw, pinned or header"),
    };
    let expected = if path == "setup" { 0 } else { n };
    assert_eq!(ok, expected, "every verification must succeed");
    println!("{path}: {ok} verifications");
}
