//! Re-key speed: a passphrase change moves every record to a new data key (see
//! `Vault::change_passphrase`). Measured at the minimum Argon2id cost so the figure is the
//! re-key itself; a real change adds one derivation at the vault's own cost (about a quarter
//! second at the default, see docs/performance.md). Run with `cargo bench --bench rekey`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // benchmarks fail by panicking

use criterion::{Criterion, criterion_group, criterion_main};
use vouchsafe::{
    FieldName, GrantRequest, GrantRequestParts, KdfParams, NewBrand, Passphrase, Vault,
};

const PASSES: [&str; 2] = ["correct horse battery staple", "another long passphrase"];

fn vault_with(fields: usize, grants: usize) -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let mut vault =
        Vault::create(&path, &Passphrase::new(PASSES[0]), KdfParams::MINIMUM).expect("create");
    let names: Vec<FieldName> = (0..fields)
        .map(|i| format!("custom.field_{i:05}").parse().expect("name"))
        .collect();
    let value = "a value of typical length, 서울특별시 강남구";
    vault
        .fields_mut()
        .set_many(names.iter().map(|n| (n.clone(), value, None)))
        .expect("populate");
    if grants > 0 {
        // Ten brands sharing the grants, as a consumer with a few dozen relationships might.
        for b in 0..10 {
            vault
                .brands_mut()
                .add(&NewBrand {
                    id: &format!("brand-{b}"),
                    name: "A brand",
                    ..NewBrand::default()
                })
                .expect("brand");
        }
        let now = jiff::Timestamp::now().as_second();
        for g in 0..grants {
            let req = GrantRequest::new(
                GrantRequestParts {
                    brand: format!("brand-{}", g % 10),
                    fields: vec![names[g % fields].clone()],
                    derived: vec![],
                    purpose: "order updates".into(),
                    purpose_category: None,
                    channels: Default::default(),
                    offer: None,
                    expires_at: now + 30 * 86_400,
                },
                now,
            )
            .expect("request");
            vault.grants_mut().issue(&req).expect("issue");
        }
    }
    (dir, vault)
}

fn rekey(c: &mut Criterion) {
    let mut g = c.benchmark_group("rekey");
    g.sample_size(10);
    for (label, fields, grants) in [
        ("1k_fields_1k_grants", 1_000, 1_000),
        ("10k_fields", 10_000, 0),
    ] {
        let (_dir, mut vault) = vault_with(fields, grants);
        let mut i = 0usize;
        g.bench_function(label, |b| {
            b.iter(|| {
                i += 1;
                vault
                    .change_passphrase(&Passphrase::new(PASSES[i % 2]), None)
                    .expect("rekey")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, rekey);
criterion_main!(benches);
