//! Wall-time ratios that survive a loaded machine: the paths of `benches/verify.rs` timed in
//! short chunks, taken in turn, many rounds, so that every path sees the same load; the figure
//! per path is the median (and the minimum) over rounds. Criterion times one path after the
//! other, so a change of load between them moves the ratio; here it cannot.
//!
//! ```sh
//! cargo run --release -p vouchsafe-verify --example interleaved [ROUNDS]
//! ```
//! Figures: docs/performance.md.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a measuring tool fails by panicking

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::Signature;
use serde_json::{Value, json};
use vouchsafe_verify::jws::{header_for, sign_compact};
use vouchsafe_verify::{
    AUTHORIZATION_DETAILS_TYPE, CompactJws, GRANT_TYP, IssuerPolicy, PinnedConsumer, PublicJwk,
    SigningKey, StatusPolicy, VerifyOptions, verify_grant, verify_grants,
};

const BRAND: &str = "https://brand.example";
const MANY: usize = 1_000;
/// Verifications per chunk of a single path.
const CHUNK: u32 = 40;

/// Runs `f` `reps` times and returns the time per run.
fn chunk(reps: u32, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    for _ in 0..reps {
        assert!(black_box(f()), "every run must succeed");
    }
    start.elapsed() / reps
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(100, |s| s.parse().expect("ROUNDS"));

    // The fixture of benches/verify.rs: a typical grant, and MANY grants of the same consumer.
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs(),
    )
    .expect("time");
    let key = SigningKey::from_bytes(&[0x5a; 32]);
    let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
    let issuer = jwk.thumbprint_urn();
    let claims_at = |idx: usize, jti: &str| {
        json!({
            "iss": issuer, "sub": issuer, "aud": BRAND,
            "iat": now, "nbf": now, "exp": now + 30 * 24 * 3600,
            "jti": jti,
            "status": {"status_list": {"idx": idx, "uri": "https://vault.example/status/1"}},
            "authorization_details": [{
                "type": AUTHORIZATION_DETAILS_TYPE,
                "fields": ["email", "given_name", "family_name", "postal_code"],
            }],
            "email": "ada@example.com", "given_name": "Ada", "family_name": "Lovelace",
            "postal_code": "10115",
        })
    };
    let sign = |idx: usize, jti: &str| {
        sign_compact(&header_for(GRANT_TYP, &jwk), &claims_at(idx, jti), &key).expect("sign")
    };
    let token = sign(31_337, "0b8f3c1e-2d4a-4f7e-9c61-5a0d7e3b2f14");
    let many: Vec<String> = (0..MANY).map(|i| sign(i, &format!("grant-{i}"))).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();

    let jws = CompactJws::parse(&token).expect("parse");
    let raw_key = jwk.to_verifying_key().expect("key");
    let key_bytes = raw_key.to_bytes();
    let signature = Signature::from_bytes(&jws.signature().try_into().expect("64 bytes"));
    let input = jws.signing_input().as_bytes();
    let options = |issuer| VerifyOptions {
        audience: BRAND.into(),
        issuer,
        status: StatusPolicy::Waived,
        now,
    };
    let pinned = options(IssuerPolicy::PinnedKey(Arc::new(
        PinnedConsumer::new(&jwk).expect("pin"),
    )));
    let header = options(IssuerPolicy::Pinned(issuer.clone()));
    let jwt_key = jsonwebtoken::DecodingKey::from_ed_components(&jwk.x).expect("jwt key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&[BRAND]);
    validation.set_issuer(&[&issuer]);
    validation.set_required_spec_claims(&["exp", "aud", "iss"]);
    validation.leeway = 60;
    validation.validate_nbf = true;

    type Path<'p> = (&'static str, Box<dyn FnMut() -> bool + 'p>);
    let mut singles: Vec<Path<'_>> = vec![
        (
            "raw verify_strict",
            Box::new(|| {
                raw_key
                    .verify_strict(black_box(input), black_box(&signature))
                    .is_ok()
            }),
        ),
        (
            "raw, decoding the key",
            Box::new(|| {
                ed25519_dalek::VerifyingKey::from_bytes(black_box(&key_bytes)).is_ok_and(|k| {
                    k.verify_strict(black_box(input), black_box(&signature))
                        .is_ok()
                })
            }),
        ),
        (
            "verify_grant, key pinned",
            Box::new(|| verify_grant(black_box(&token), &pinned).is_ok()),
        ),
        (
            "verify_grant, key pinned, then claims()",
            Box::new(|| {
                verify_grant(black_box(&token), &pinned)
                    .is_ok_and(|grant| !black_box(grant.into_claims()).is_empty())
            }),
        ),
        (
            "verify_grant, key from header",
            Box::new(|| verify_grant(black_box(&token), &header).is_ok()),
        ),
        (
            "jsonwebtoken",
            Box::new(|| {
                jsonwebtoken::decode::<Value>(black_box(&token), &jwt_key, &validation).is_ok()
            }),
        ),
    ];
    let mut many_paths: Vec<Path<'_>> = vec![
        (
            "1,000 loop, key pinned",
            Box::new(|| {
                many.iter()
                    .all(|t| verify_grant(black_box(t), &pinned).is_ok())
            }),
        ),
        (
            "1,000 batch, key pinned",
            Box::new(|| {
                verify_grants(black_box(&many), &pinned)
                    .iter()
                    .all(Result::is_ok)
            }),
        ),
        (
            "1,000 loop, key from header",
            Box::new(|| {
                many.iter()
                    .all(|t| verify_grant(black_box(t), &header).is_ok())
            }),
        ),
        (
            "1,000 batch, key from header",
            Box::new(|| {
                verify_grants(black_box(&many), &header)
                    .iter()
                    .all(Result::is_ok)
            }),
        ),
    ];

    let mut single_times = vec![Vec::new(); singles.len()];
    for _ in 0..rounds {
        for (times, (_, f)) in single_times.iter_mut().zip(&mut singles) {
            times.push(chunk(CHUNK, f));
        }
    }
    let mut many_times = vec![Vec::new(); many_paths.len()];
    for _ in 0..rounds.div_ceil(8) {
        for (times, (_, f)) in many_times.iter_mut().zip(&mut many_paths) {
            times.push(chunk(1, f));
        }
    }

    let raw = median(&mut single_times[0].clone());
    println!(
        "{rounds} rounds of {CHUNK} per single path; median (minimum), ratio of medians to raw"
    );
    for ((name, _), times) in singles.iter().zip(&mut single_times) {
        let min = times.iter().min().copied().unwrap_or_default();
        let med = median(times);
        println!(
            "{name:42} {:>9.1?} ({:>9.1?})  {:+.1} %",
            med,
            min,
            (med.as_secs_f64() / raw.as_secs_f64() - 1.0) * 100.0
        );
    }
    let meds: Vec<Duration> = many_times.iter_mut().map(|t| median(t)).collect();
    for ((name, _), (times, med)) in many_paths.iter().zip(many_times.iter().zip(&meds)) {
        let min = times.iter().min().copied().unwrap_or_default();
        println!("{name:42} {med:>9.1?} ({min:>9.1?})");
    }
    println!(
        "batch speed-up: key pinned {:.2}x, key from header {:.2}x (ratio of medians)",
        meds[0].as_secs_f64() / meds[1].as_secs_f64(),
        meds[2].as_secs_f64() / meds[3].as_secs_f64()
    );
}
