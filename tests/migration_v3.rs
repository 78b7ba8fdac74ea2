//! Schema 3 → 4 (and on to 5): a frozen vault written by the last schema-3 build
//! (tests/fixtures/vault-v3.db, made by tests/fixtures/make-vault-v3.sh) opens with this build,
//! gains the empty `grant_receipts` and `outbox` tables, keeps every record, its anchor's
//! generation and its audit log (5 moves each grant's token into `grant_tokens`:
//! tests/migration_v4.rs), and is then authenticated like any new vault. A tampered v3 vault is
//! not laundered by the upgrade: the problem is still named afterwards.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use std::path::Path;

use common::*;
use rusqlite::Connection;
use vouchsafe::{GrantState, ProblemKind, VaultError};

const REVOKED: &str = "ce7422c7-d65d-4a0a-a17f-bfa0b134ea14";

fn copy_fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    fixture_copy("vault-v3.db")
}

fn tables(p: &Path) -> Vec<String> {
    let c = Connection::open(p).expect("raw");
    let mut stmt = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn a_v3_vault_migrates_to_the_current_schema_keeping_everything() {
    let (_dir, path) = copy_fixture();
    assert_eq!(schema_version(&path), 3);
    assert!(!tables(&path).contains(&"outbox".to_string()));
    let v = unlock(&path, PASS).expect("unlock v3");
    assert_eq!(schema_version(&path), vouchsafe::store::SCHEMA_VERSION);
    assert_eq!(vouchsafe::store::SCHEMA_VERSION, 5);
    let t = tables(&path);
    assert!(t.contains(&"outbox".to_string()) && t.contains(&"grant_receipts".to_string()));
    assert_eq!(
        snapshot(&v),
        [
            "address.locality=서울",
            "email=gildong@example.com",
            "given_name=길동"
        ]
    );
    // Rows: fields, brands, grants and their token rows (4 → 5 split every clean grant).
    // 3 → 4 adds tables only and 4 → 5 keeps the generation: it is the v3 anchor's
    // (genesis + 3 fields + 2 brands + 4 grants + 1 revocation), as many as audit entries.
    assert_migrated_intact(&v, 3 + 2 + 4 + 4, 11, 11);
    let grants = v.grants().list(None).expect("grants");
    assert_eq!(grants.len(), 4);
    let revoked: Vec<_> = grants
        .iter()
        .filter(|g| g.state == GrantState::Revoked)
        .map(|g| g.id.as_str())
        .collect();
    assert_eq!(revoked, [REVOKED]);
    // A v3 brand has no events_uri: nothing is queued for it.
    assert_eq!(
        v.brands()
            .get("https://shop.example")
            .expect("brand")
            .events_uri,
        None
    );
    assert!(v.outbox().list().expect("outbox").is_empty());
    assert_eq!(v.verify_records().expect("records"), 3 + 2 + 4);
}

#[test]
fn after_the_migration_writes_and_the_new_tables_are_authenticated() {
    let (_dir, path) = copy_fixture();
    let mut v = unlock(&path, PASS).expect("unlock v3");
    let shop = "https://shop.example";
    // The v3 brand becomes a connected one: its revocations are queued from now on.
    let b = v
        .brands_mut()
        .connect(
            shop,
            "ignored: the consumer's name stays",
            "https://shop.example/vouchsafe/events",
        )
        .expect("connect");
    assert_eq!(b.name, "동네 카페");
    let live = v.grants().list(Some(shop)).expect("grants");
    assert_eq!(live.len(), 2);
    v.grants_mut().revoke(&live[0].id).expect("revoke");
    drop(v);
    let v = unlock(&path, PASS).expect("reopen");
    let report = v.check().expect("check");
    assert!(report.is_intact(), "{:?}", report.problems);
    // connect (1) and revoke (1) after the v3 anchor's 11.
    assert_eq!(report.generation, Some(13));
    let items = v.outbox().list().expect("outbox");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].grant_id, live[0].id);
    assert_eq!(items[0].brand, shop);
}

#[test]
fn a_v3_vault_tampered_before_the_upgrade_is_still_reported_after_it() {
    let (_dir, path) = copy_fixture();
    // Un-revoke the revoked grant behind the vault's back, in the v3 file.
    Connection::open(&path)
        .expect("raw")
        .execute(
            "UPDATE grants SET revoked_at = NULL WHERE id = ?1",
            [REVOKED],
        )
        .expect("tamper");
    let mut v = unlock(&path, PASS).expect("unlock");
    assert_eq!(schema_version(&path), vouchsafe::store::SCHEMA_VERSION);
    let report = v.check().expect("check");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.table == "grants" && p.id == REVOKED && p.kind == ProblemKind::Altered),
        "{:?}",
        report.problems
    );
    assert!(matches!(
        v.fields_mut().set(&name("nickname"), "gil", None),
        Err(VaultError::Integrity(_))
    ));
}
