//! Grant verifications per second: without a status list, with a 100,000-entry status list
//! (decompressed on every verification, as a brand without caching would), and the same grant
//! through the `jsonwebtoken` crate for comparison.
//!
//! Run: `cargo bench -p vouchsafe-verify -- --measurement-time 3`

use std::error::Error;
use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use vouchsafe_verify::jws::{header_for, sign_compact};
use vouchsafe_verify::{
    AUTHORIZATION_DETAILS_TYPE, GRANT_TYP, PublicJwk, SigningKey, StatusList, StatusOutcome,
    VerifyOptions, status_list_token, verify_grant,
};

const BRAND: &str = "https://brand.example";
const STATUS_URI: &str = "https://vault.example/status/brand-example";
const LIST_LEN: usize = 100_000;
const GRANT_IDX: usize = 31_337;

struct Fixture {
    token: String,
    status_list: String,
    lst: String,
    issuer: String,
    x: String,
    now: i64,
}

/// Deterministic xorshift64* so every run revokes the same indices.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        usize::try_from(x % u64::try_from(n).unwrap_or(u64::MAX)).unwrap_or(0)
    }
}

fn fixture() -> Result<Fixture, Box<dyn Error>> {
    // jsonwebtoken always checks `exp` against the real clock, so the fixture uses it too.
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    let key = SigningKey::from_bytes(&[0x5a; 32]);
    let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
    let issuer = jwk.thumbprint_urn();

    // A typical grant: the registered claims, a status reference, and released fields.
    let claims = json!({
        "iss": issuer,
        "sub": issuer,
        "aud": BRAND,
        "iat": now,
        "nbf": now,
        "exp": now + 30 * 24 * 3600,
        "jti": "0b8f3c1e-2d4a-4f7e-9c61-5a0d7e3b2f14",
        "status": {"status_list": {"idx": GRANT_IDX, "uri": STATUS_URI}},
        "authorization_details": [{
            "type": AUTHORIZATION_DETAILS_TYPE,
            "fields": ["email", "given_name", "family_name", "postal_code"],
        }],
        "email": "ada@example.com",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "postal_code": "10115",
    });
    let token = sign_compact(&header_for(GRANT_TYP, &jwk), &claims, &key)?;

    let mut list = StatusList::new(LIST_LEN, 1)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..LIST_LEN / 100 {
        let idx = rng.below(LIST_LEN);
        if idx != GRANT_IDX {
            list.set(idx, 1)?;
        }
    }
    let status_list = status_list_token(&list, STATUS_URI, now, now + 86_400, 3600, &key)?;
    let lst = list.to_lst()?;

    Ok(Fixture {
        token,
        status_list,
        lst,
        issuer,
        x: jwk.x,
        now,
    })
}

fn options(f: &Fixture, with_status: bool) -> VerifyOptions {
    VerifyOptions {
        audience: Some(BRAND.to_owned()),
        issuer: Some(f.issuer.clone()),
        status_list_token: with_status.then(|| f.status_list.clone()),
        now: f.now,
    }
}

fn jsonwebtoken_setup(
    f: &Fixture,
) -> Result<(jsonwebtoken::DecodingKey, jsonwebtoken::Validation), Box<dyn Error>> {
    let key = jsonwebtoken::DecodingKey::from_ed_components(&f.x)?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&[BRAND]);
    validation.set_issuer(&[&f.issuer]);
    validation.set_required_spec_claims(&["exp", "aud", "iss"]);
    validation.leeway = 60;
    validation.validate_nbf = true;
    Ok((key, validation))
}

fn bench(c: &mut Criterion) {
    let f = match fixture() {
        Ok(f) => f,
        Err(err) => {
            eprintln!("bench setup failed: {err}");
            std::process::exit(1);
        }
    };
    let plain = options(&f, false);
    let with_list = options(&f, true);
    let (jwt_key, jwt_validation) = match jsonwebtoken_setup(&f) {
        Ok(setup) => setup,
        Err(err) => {
            eprintln!("jsonwebtoken setup failed: {err}");
            std::process::exit(1);
        }
    };

    // Measure only paths that really succeed.
    let checks = [
        verify_grant(&f.token, &plain).map(|g| g.status() == StatusOutcome::NotChecked),
        verify_grant(&f.token, &with_list).map(|g| g.status() == StatusOutcome::Valid),
    ];
    if !checks.iter().all(|c| matches!(c, Ok(true))) {
        eprintln!("fixture does not verify: {checks:?}");
        std::process::exit(1);
    }
    if let Err(err) = jsonwebtoken::decode::<Value>(&f.token, &jwt_key, &jwt_validation) {
        eprintln!("jsonwebtoken rejects the fixture: {err}");
        std::process::exit(1);
    }
    eprintln!(
        "grant: {} bytes; status list token: {} bytes ({LIST_LEN} entries, bits=1)",
        f.token.len(),
        f.status_list.len()
    );

    let mut group = c.benchmark_group("verify_grant");
    group.throughput(Throughput::Elements(1));
    group.bench_function("vouchsafe/no_status_list", |b| {
        b.iter(|| verify_grant(black_box(&f.token), black_box(&plain)))
    });
    group.bench_function("vouchsafe/status_list_100k", |b| {
        b.iter(|| verify_grant(black_box(&f.token), black_box(&with_list)))
    });
    group.bench_function("jsonwebtoken/no_status_list", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<Value>(black_box(&f.token), &jwt_key, black_box(&jwt_validation))
        })
    });
    group.finish();

    // The share of the status-list path spent on decoding the list alone (base64url + inflate).
    let mut group = c.benchmark_group("status_list");
    group.throughput(Throughput::Elements(1));
    group.bench_function("from_lst_100k", |b| {
        b.iter(|| StatusList::from_lst(1, black_box(&f.lst)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
