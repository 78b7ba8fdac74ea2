//! What each desktop screen asks the core for when it opens, on a large vault (issue 11: each
//! screen's first content within 300 ms on 10,000 fields and 10,000 grants over 100 brands).
//!
//! By default the bench builds a smaller vault of the same shape (1,000 grants over 10 brands,
//! 2,000 fields: building 10,000 grants takes minutes, each issue re-seals the anchor). To
//! measure the goal's vault, point `VOUCHSAFE_BENCH_VAULT` at a vault `big_vault --large` made
//! and set `VOUCHSAFE_PASSPHRASE` to its passphrase; the bench works on a copy.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // benches fail by panicking

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use vouchsafe::grants::request::{Channel, ChannelChoices, Choice, Derived, Kind};
use vouchsafe::{
    FieldName, GrantRequest, GrantRequestParts, KdfParams, NewBrand, Passphrase, Vault,
};

fn built(dir: &std::path::Path) -> Vault {
    let mut v = Vault::create(
        &dir.join("v.db"),
        &Passphrase::new("correct horse battery"),
        KdfParams::MINIMUM,
    )
    .expect("create");
    let brands = 10;
    for b in 0..brands {
        v.brands_mut()
            .add(&NewBrand {
                id: &format!("brand-{b:02}"),
                name: &format!("Brand {b}"),
                ..NewBrand::default()
            })
            .expect("brand");
    }
    v.fields_mut()
        .set_many(
            [("email", "minjun@example.kr"), ("birthdate", "1990-05-17")]
                .into_iter()
                .map(|(n, val)| (n.parse().expect("name"), val, None)),
        )
        .expect("fields");
    let now = jiff::Timestamp::now().as_second();
    for g in 0..1_000 {
        let parts = GrantRequestParts {
            brand: format!("brand-{:02}", g % brands),
            fields: vec!["email".parse().expect("n")],
            derived: vec![Derived::AgeOver(18)],
            purpose: format!("Grant number {g}"),
            purpose_category: None,
            channels: ChannelChoices::new(
                vec![Choice::new(Channel::Email, Kind::Info, true)],
                false,
                now,
            )
            .expect("channels"),
            offer: None,
            expires_at: now + 365 * 86_400,
        };
        v.grants_mut()
            .issue(&GrantRequest::new(parts, now).expect("request"))
            .expect("issue");
    }
    let custom: Vec<(FieldName, String)> = (0..2_000)
        .map(|i| {
            (
                FieldName::custom(&format!("item_{i:04}")).expect("name"),
                format!("value number {i}"),
            )
        })
        .collect();
    v.fields_mut()
        .set_many(
            custom
                .iter()
                .map(|(n, val)| (n.clone(), val.as_str(), None)),
        )
        .expect("custom fields");
    v
}

fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = match (
        std::env::var("VOUCHSAFE_BENCH_VAULT"),
        std::env::var("VOUCHSAFE_PASSPHRASE"),
    ) {
        (Ok(src), Ok(pass)) => {
            let path = dir.path().join("v.db");
            std::fs::copy(src, &path).expect("copy the vault");
            Vault::open(&path)
                .expect("open")
                .unlock(&Passphrase::new(pass))
                .expect("unlock")
        }
        _ => built(dir.path()),
    };
    (dir, v)
}

fn screens(c: &mut Criterion) {
    let (_dir, v) = vault();
    let mut g = c.benchmark_group("screens");
    g.sample_size(10);
    g.bench_function("brands/brand_holdings", |b| {
        b.iter(|| black_box(v.grants().brand_holdings().expect("holdings")))
    });
    g.bench_function("brands/list", |b| {
        b.iter(|| black_box(v.brands().list().expect("brands")))
    });
    // What `brand_page` reads for the brands screen's first page (25 brands).
    g.bench_function("brands/first_page_counted", |b| {
        b.iter(|| {
            let (page, _) = v.brands().search("", 0, 25).expect("search");
            for brand in &page {
                black_box(v.grants().brand_counts(&brand.id).expect("counts"));
            }
        })
    });
    g.bench_function("review/items", |b| {
        b.iter(|| black_box(v.review().items().expect("review")))
    });
    g.bench_function("profile/fields", |b| {
        b.iter(|| black_box(v.fields().list().expect("fields")))
    });
    // The activity screen's chain check (`audit_chain`), which opens every entry; it runs after
    // the first page is shown, under the session lock, so the next screen can wait behind it.
    g.bench_function("activity/chain", |b| {
        b.iter(|| black_box(v.audit().verify().expect("chain")))
    });
    // Unlock → the first screen starts here: Argon2id, then `check_state` (every row's MAC,
    // the rows against the anchor, the audit chain). Only with a vault given (a copy of it is
    // opened each time; the built one is in memory only).
    if let (Ok(src), Ok(pass)) = (
        std::env::var("VOUCHSAFE_BENCH_VAULT"),
        std::env::var("VOUCHSAFE_PASSPHRASE"),
    ) {
        let pass = Passphrase::new(pass);
        g.bench_function("unlock/open_and_check", |b| {
            b.iter(|| {
                black_box(
                    Vault::open(std::path::Path::new(&src))
                        .expect("open")
                        .unlock(&pass)
                        .expect("unlock"),
                )
            })
        });
    }
    g.bench_function("grants/first_page", |b| {
        b.iter(|| black_box(v.grants().page(None, None, 0, 50).expect("page")))
    });
    g.finish();
}

criterion_group!(benches, screens);
criterion_main!(benches);
