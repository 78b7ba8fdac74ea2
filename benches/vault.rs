//! Vault speed: unlock at the default Argon2id cost, and set/get/list on a 10,000-field profile.
//! Run with `cargo bench --bench vault`; figures are recorded in docs/performance.md.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

use criterion::{Criterion, criterion_group, criterion_main};
use vouchsafe::{FieldName, KdfParams, Passphrase, Vault};

const PASS: &str = "correct horse battery staple";
const FIELDS: usize = 10_000;

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    drop(Vault::create(&path, &Passphrase::new(PASS), KdfParams::DEFAULT).expect("create"));
    let mut g = c.benchmark_group("unlock");
    g.sample_size(10);
    g.bench_function("argon2id_256MiB_t3_p2", |b| {
        b.iter(|| {
            Vault::open(&path)
                .expect("open")
                .unlock(&Passphrase::new(PASS))
                .expect("unlock")
        })
    });
    g.finish();
}

fn profile_of_10k(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let mut vault =
        Vault::create(&path, &Passphrase::new(PASS), KdfParams::MINIMUM).expect("create");
    let names: Vec<FieldName> = (0..FIELDS)
        .map(|i| format!("custom.field_{i:05}").parse().expect("name"))
        .collect();
    let value = "a value of typical length, 서울특별시 강남구";
    vault
        .fields_mut()
        .set_many(names.iter().map(|n| (n.clone(), value, None)))
        .expect("populate");

    let mut g = c.benchmark_group("profile_10k");
    let mut i = 0usize;
    g.bench_function("set_one", |b| {
        b.iter(|| {
            i = (i + 7919) % FIELDS;
            vault
                .fields_mut()
                .set(&names[i], "updated value", None)
                .expect("set")
        })
    });
    g.bench_function("get_one", |b| {
        b.iter(|| {
            i = (i + 7919) % FIELDS;
            vault
                .fields()
                .get(&names[i])
                .expect("get")
                .expect("present")
        })
    });
    g.sample_size(10);
    g.bench_function("list_all", |b| {
        b.iter(|| assert_eq!(vault.fields().list().expect("list").len(), FIELDS))
    });
    g.finish();
}

criterion_group!(benches, unlock, profile_of_10k);
criterion_main!(benches);
