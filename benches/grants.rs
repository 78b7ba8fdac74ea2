//! Grant issuance speed (sign + seal + store + audit, one transaction each) and status list
//! generation for a brand with many grants. Verification is benchmarked in
//! crates/vouchsafe-verify/benches/verify.rs. Figures: docs/performance.md.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // benches fail by panicking

use criterion::{Criterion, criterion_group, criterion_main};
use vouchsafe::grants::request::{Channel, ChannelChoices, Choice, Derived, Kind};
use vouchsafe::{GrantRequest, GrantRequestParts, KdfParams, NewBrand, Passphrase, Vault};

fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut v = Vault::create(
        &dir.path().join("v.db"),
        &Passphrase::new("correct horse battery"),
        KdfParams::MINIMUM,
    )
    .expect("create");
    v.fields_mut()
        .set_many(
            [
                ("email", "gildong@example.com"),
                ("given_name", "길동"),
                ("birthdate", "1990-03-14"),
                ("address.locality", "서울특별시"),
            ]
            .into_iter()
            .map(|(n, val)| (n.parse().expect("name"), val, None)),
        )
        .expect("profile");
    v.brands_mut()
        .add(&NewBrand {
            id: "acme-coffee",
            name: "Acme Coffee",
            ..Default::default()
        })
        .expect("brand");
    (dir, v)
}

fn request() -> GrantRequest {
    let now = jiff::Timestamp::now().as_second();
    let parts = GrantRequestParts {
        brand: "acme-coffee".into(),
        fields: vec![
            "email".parse().expect("n"),
            "given_name".parse().expect("n"),
        ],
        derived: vec![Derived::AgeOver(18), Derived::City],
        purpose: "send a birthday coupon".into(),
        purpose_category: None,
        channels: ChannelChoices::new(
            vec![Choice::new(Channel::Email, Kind::Info, true)],
            false,
            now,
        )
        .expect("channels"),
        offer: Some("free americano".into()),
        expires_at: now + 30 * 86_400,
    };
    GrantRequest::new(parts, now).expect("valid request")
}

fn issuance(c: &mut Criterion) {
    let (_dir, mut v) = vault();
    let req = request();
    let mut g = c.benchmark_group("grants");
    g.bench_function("issue", |b| {
        b.iter(|| v.grants_mut().issue(&req).expect("issue"))
    });
    g.bench_function("preview", |b| {
        b.iter(|| v.grants().preview(&req).expect("preview"))
    });
    g.finish();
}

fn status_list(c: &mut Criterion) {
    let (_dir, mut v) = vault();
    let req = request();
    for i in 0..1_000 {
        let g = v.grants_mut().issue(&req).expect("issue");
        if i % 10 == 0 {
            v.grants_mut().revoke(&g.id).expect("revoke");
        }
    }
    let mut g = c.benchmark_group("grants");
    g.sample_size(20);
    g.bench_function("status_list_1000_grants", |b| {
        b.iter(|| v.brands().status_list_token("acme-coffee").expect("list"))
    });
    g.finish();
}

criterion_group!(benches, issuance, status_list);
criterion_main!(benches);
