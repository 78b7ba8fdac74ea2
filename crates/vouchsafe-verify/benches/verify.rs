//! Verification throughput, all in one run so the figures compare:
//! * raw `ed25519-dalek` `verify_strict` on the very signing input of the grant;
//! * `verify_grant` on that grant (goal: within 10% of raw), with the consumer's key pinned, with
//!   the key taken from the header, and with the claims then read as a map;
//! * 1,000 grants checked against one shared, pre-verified 100,000-entry status list, against
//!   the same 1,000 grants with revocation waived (goal: per-grant cost within 10%);
//! * `verify_grants` on the 1,000 grants, Ed25519 batch verification (goal: >= 1.8x single);
//! * the grant through the `jsonwebtoken` crate, for comparison;
//! * verifying the status list token itself, and inflating its list.
//!
//! Run: `cargo bench -p vouchsafe-verify --bench verify`

use std::error::Error;
use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::sync::Arc;
use vouchsafe_verify::jws::{header_for, sign_compact};

use ed25519_dalek::Signature;
use vouchsafe_verify::{
    AUTHORIZATION_DETAILS_TYPE, CompactJws, GRANT_TYP, IssuerPolicy, PinnedConsumer, PublicJwk,
    SigningKey, StatusList, StatusListVerified, StatusOutcome, StatusPolicy, VerifyOptions,
    status_list_token, verify_grant, verify_grants,
};

const BRAND: &str = "https://brand.example";
const STATUS_URI: &str = "https://vault.example/status/brand-example";
const LIST_LEN: usize = 100_000;
const GRANT_IDX: usize = 31_337;
/// Grants in the shared-list and batch measurements.
const MANY: usize = 1_000;

struct Fixture {
    token: String,
    /// MANY grants by the same consumer, at distinct valid indices of the list.
    many: Vec<String>,
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
    let claims_at = |idx: usize, jti: &str| {
        json!({
            "iss": issuer,
            "sub": issuer,
            "aud": BRAND,
            "iat": now,
            "nbf": now,
            "exp": now + 30 * 24 * 3600,
            "jti": jti,
            "status": {"status_list": {"idx": idx, "uri": STATUS_URI}},
            "authorization_details": [{
                "type": AUTHORIZATION_DETAILS_TYPE,
                "fields": ["email", "given_name", "family_name", "postal_code"],
            }],
            "email": "ada@example.com",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "postal_code": "10115",
        })
    };
    let claims = claims_at(GRANT_IDX, "0b8f3c1e-2d4a-4f7e-9c61-5a0d7e3b2f14");
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
    let many = (0..LIST_LEN)
        .filter(|&idx| list.get(idx) == Some(0))
        .step_by(LIST_LEN / MANY / 2)
        .take(MANY)
        .map(|idx| {
            let claims = claims_at(idx, &format!("grant-{idx}"));
            sign_compact(&header_for(GRANT_TYP, &jwk), &claims, &key)
        })
        .collect::<Result<Vec<_>, _>>()?;

    Ok(Fixture {
        token,
        many,
        status_list,
        lst,
        issuer,
        x: jwk.x,
        now,
    })
}

fn options(f: &Fixture, status: StatusPolicy) -> VerifyOptions {
    VerifyOptions {
        audience: BRAND.to_owned(),
        issuer: IssuerPolicy::Pinned(f.issuer.clone()),
        status,
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

/// The raw Ed25519 inputs of the grant: key, signing input, signature.
fn raw_parts(
    f: &Fixture,
) -> Result<(ed25519_dalek::VerifyingKey, String, Signature), Box<dyn Error>> {
    let jws = CompactJws::parse(&f.token)?;
    let key = PublicJwk::from_json(jws.header().get("jwk").ok_or("no jwk")?)?.to_verifying_key()?;
    let signature: [u8; 64] = jws.signature().try_into()?;
    Ok((
        key,
        jws.signing_input().to_owned(),
        Signature::from_bytes(&signature),
    ))
}

fn die(what: &str, err: impl std::fmt::Display) -> ! {
    eprintln!("bench setup failed: {what}: {err}");
    std::process::exit(1);
}

fn bench(c: &mut Criterion) {
    let f = fixture().unwrap_or_else(|e| die("fixture", e));
    let (raw_key, raw_input, raw_sig) = raw_parts(&f).unwrap_or_else(|e| die("raw parts", e));
    let shared_list = StatusListVerified::verify(&f.status_list)
        .map(Arc::new)
        .unwrap_or_else(|e| die("status list", e));
    let waived = options(&f, StatusPolicy::Waived);
    // The brand kept the consumer's key at first contact: decoded once, not per grant.
    let pinned_key = PinnedConsumer::new(&PublicJwk::from_verifying_key(&raw_key))
        .map(Arc::new)
        .unwrap_or_else(|e| die("pinned key", e));
    let waived_pinned_key = VerifyOptions {
        issuer: IssuerPolicy::PinnedKey(pinned_key),
        ..options(&f, StatusPolicy::Waived)
    };
    let per_call_list = options(&f, StatusPolicy::List(f.status_list.clone()));
    let shared = options(&f, StatusPolicy::Verified(shared_list));
    let (jwt_key, jwt_validation) =
        jsonwebtoken_setup(&f).unwrap_or_else(|e| die("jsonwebtoken", e));
    let many: Vec<&str> = f.many.iter().map(String::as_str).collect();

    // Measure only paths that really succeed.
    let checks = [
        verify_grant(&f.token, &waived).map(|g| g.status() == StatusOutcome::NotChecked),
        verify_grant(&f.token, &waived_pinned_key).map(|g| g.status() == StatusOutcome::NotChecked),
        verify_grant(&f.token, &per_call_list).map(|g| g.status() == StatusOutcome::Valid),
        verify_grant(&f.token, &shared).map(|g| g.status() == StatusOutcome::Valid),
    ];
    if !checks.iter().all(|c| matches!(c, Ok(true))) {
        die("fixture does not verify", format!("{checks:?}"));
    }
    if many.len() != MANY
        || !verify_grants(&many, &shared).iter().all(Result::is_ok)
        || !verify_grants(&many, &waived_pinned_key)
            .iter()
            .all(Result::is_ok)
        || !many.iter().all(|t| verify_grant(t, &shared).is_ok())
    {
        die("the 1,000 grants", "do not all verify");
    }
    if let Err(err) = raw_key.verify_strict(raw_input.as_bytes(), &raw_sig) {
        die("raw verify_strict", err);
    }
    if let Err(err) = jsonwebtoken::decode::<Value>(&f.token, &jwt_key, &jwt_validation) {
        die("jsonwebtoken rejects the fixture", err);
    }
    eprintln!(
        "grant: {} bytes; status list token: {} bytes ({LIST_LEN} entries, bits=1)",
        f.token.len(),
        f.status_list.len()
    );

    let mut group = c.benchmark_group("single");
    group.throughput(Throughput::Elements(1));
    group.bench_function("raw_ed25519_verify_strict", |b| {
        b.iter(|| raw_key.verify_strict(black_box(raw_input.as_bytes()), black_box(&raw_sig)))
    });
    // What any verifier of a self-contained token must also do: decode the key from its bytes.
    let key_bytes = raw_key.to_bytes();
    group.bench_function("raw_ed25519_decode_key_and_verify_strict", |b| {
        b.iter(|| {
            ed25519_dalek::VerifyingKey::from_bytes(black_box(&key_bytes))
                .map(|key| key.verify_strict(black_box(raw_input.as_bytes()), black_box(&raw_sig)))
        })
    });
    group.bench_function("verify_grant/waived", |b| {
        b.iter(|| verify_grant(black_box(&f.token), black_box(&waived)))
    });
    group.bench_function("verify_grant/waived_pinned_key", |b| {
        b.iter(|| verify_grant(black_box(&f.token), black_box(&waived_pinned_key)))
    });
    // The same, then reading the whole claims set as a map (built on first use), which is
    // what `jsonwebtoken::decode::<Value>` below always does.
    group.bench_function("verify_grant/waived_pinned_key_then_claims", |b| {
        b.iter(|| {
            verify_grant(black_box(&f.token), black_box(&waived_pinned_key))
                .map(|grant| grant.into_claims())
        })
    });
    group.bench_function("verify_grant/shared_list_100k", |b| {
        b.iter(|| verify_grant(black_box(&f.token), black_box(&shared)))
    });
    group.bench_function("verify_grant/list_token_per_call_100k", |b| {
        b.iter(|| verify_grant(black_box(&f.token), black_box(&per_call_list)))
    });
    group.bench_function("jsonwebtoken", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<Value>(black_box(&f.token), &jwt_key, black_box(&jwt_validation))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("many_1000");
    group.throughput(Throughput::Elements(MANY as u64));
    group.sample_size(20);
    group.bench_function("verify_grant_loop/waived", |b| {
        b.iter(|| {
            many.iter()
                .filter(|t| verify_grant(black_box(t), &waived).is_ok())
                .count()
        })
    });
    group.bench_function("verify_grant_loop/shared_list_100k", |b| {
        b.iter(|| {
            many.iter()
                .filter(|t| verify_grant(black_box(t), &shared).is_ok())
                .count()
        })
    });
    // One consumer's 1,000 grants with that consumer's key pinned (a brand re-checking what it
    // holds for one account): the same work with the key decoded once.
    group.bench_function("verify_grant_loop/waived_pinned_key", |b| {
        b.iter(|| {
            many.iter()
                .filter(|t| verify_grant(black_box(t), &waived_pinned_key).is_ok())
                .count()
        })
    });
    group.bench_function("verify_grants_batch/waived_pinned_key", |b| {
        b.iter(|| verify_grants(black_box(&many), &waived_pinned_key))
    });
    group.bench_function("verify_grants_batch/waived", |b| {
        b.iter(|| verify_grants(black_box(&many), &waived))
    });
    group.bench_function("verify_grants_batch/shared_list_100k", |b| {
        b.iter(|| verify_grants(black_box(&many), &shared))
    });
    group.finish();

    // The one-off cost a shared list saves on every later grant.
    let mut group = c.benchmark_group("status_list_100k");
    group.throughput(Throughput::Elements(1));
    group.bench_function("StatusListVerified::verify", |b| {
        b.iter(|| StatusListVerified::verify(black_box(&f.status_list)))
    });
    group.bench_function("from_lst", |b| {
        b.iter(|| StatusList::from_lst(1, black_box(&f.lst)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
