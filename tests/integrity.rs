//! Authenticated state, the integrity anchor and honest restores, against real vault files
//! edited with SQL the way an attacker with write access to the file (but no passphrase) would.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::tamper::{assert_tampering_reported, copy_of, flipped};
use common::*;
use rusqlite::Connection;
use rusqlite::types::Value;
use vouchsafe::NewBrand;
use vouchsafe::audit::ChainState;
use vouchsafe::{
    AnchorStore, FileAnchorStore, Freshness, GrantState, Passphrase, ProblemKind, VaultError,
};

/// A vault with two fields, one brand, one live and one revoked grant. Returns the grant ids
/// (live, revoked).
fn populated() -> (TempVault, String, String) {
    let (tv, mut v) = temp_vault();
    v.fields_mut()
        .set(&name("email"), "gildong@example.com", None)
        .expect("set");
    v.fields_mut()
        .set(&name("given_name"), "길동", None)
        .expect("set");
    v.brands_mut()
        .add(&NewBrand {
            id: "acme",
            name: "Acme",
            ..NewBrand::default()
        })
        .expect("brand");
    let live = v.grants_mut().issue(&request("acme", "email")).expect("g1");
    let gone = v
        .grants_mut()
        .issue(&request("acme", "given_name"))
        .expect("g2");
    v.grants_mut().revoke(&gone.id).expect("revoke");
    assert!(v.check().expect("check").is_intact());
    let again = unlock(&tv.path, PASS).expect("unlock again");
    assert_eq!(again.unlock_check(), &again.check().expect("check"));
    assert!(again.unlock_check().is_intact() && again.unlock_check().rows > 0);
    drop(again);
    (tv, live.id, gone.id)
}

/// [`assert_tampering_reported`], and no status list is produced from the tampered vault.
fn assert_reported(path: &Path, table: &str, id: &str, kinds: &[ProblemKind], what: &str) {
    let v = assert_tampering_reported(path, table, id, kinds, what);
    assert!(
        matches!(
            v.brands().status_list_token("acme"),
            Err(VaultError::Integrity(_) | VaultError::Brand(_))
        ),
        "{what}: a status list was produced from a tampered vault"
    );
}

const STATE: &[(&str, &[&str])] = &[
    ("fields", &["sealed", "created_at", "updated_at", "mac"]),
    ("brands", &["sealed", "created_at", "updated_at", "mac"]),
    (
        "grants",
        &[
            "brand_id",
            "sealed",
            "status_idx",
            "issued_at",
            "expires_at",
            "revoked_at",
            "mac",
        ],
    ),
];

fn ids(path: &Path, table: &str) -> Vec<String> {
    let c = Connection::open(path).expect("raw");
    let mut stmt = c
        .prepare(&format!("SELECT id FROM {table} ORDER BY id"))
        .expect("ids");
    stmt.query_map([], |r| r.get(0))
        .expect("ids")
        .collect::<Result<_, _>>()
        .expect("ids")
}

#[test]
fn every_state_column_flipped_or_nulled_is_reported_naming_the_row() {
    let (tv, _, revoked) = populated();
    let mut cases = 0;
    for (table, cols) in STATE {
        for id in ids(&tv.path, table) {
            for col in *cols {
                for null in [false, true] {
                    let (_d, p) = copy_of(&tv.path);
                    let c = Connection::open(&p).expect("raw");
                    let old: Value = c
                        .query_row(
                            &format!("SELECT {col} FROM {table} WHERE id = ?1"),
                            [&id],
                            |r| r.get(0),
                        )
                        .expect("read");
                    let new = if null { Value::Null } else { flipped(&old) };
                    if new == old {
                        continue;
                    }
                    let res = c.execute(
                        &format!("UPDATE {table} SET {col} = ?1 WHERE id = ?2"),
                        rusqlite::params![new, id],
                    );
                    drop(c);
                    if res.is_err() {
                        // NOT NULL or a foreign key refused the edit itself: nothing to detect.
                        continue;
                    }
                    let what = format!(
                        "{table}.{col} {} on {id}",
                        if null { "nulled" } else { "flipped" }
                    );
                    assert_reported(&p, table, &id, &[ProblemKind::Altered], &what);
                    cases += 1;
                }
            }
        }
    }
    assert!(cases >= 30, "only {cases} cases ran");
    // The attack of the issue: un-revoking by clearing the column.
    let (_d, p) = copy_of(&tv.path);
    Connection::open(&p)
        .expect("raw")
        .execute(
            "UPDATE grants SET revoked_at = NULL WHERE id = ?1",
            [&revoked],
        )
        .expect("un-revoke");
    let v = unlock(&p, PASS).expect("unlock");
    assert!(matches!(
        v.grants().get(&revoked),
        Err(VaultError::Integrity(_))
    ));
}

#[test]
fn deleted_rows_are_reported_naming_the_row() {
    let (tv, _, _) = populated();
    for (table, _) in STATE {
        for id in ids(&tv.path, table) {
            if *table == "brands" {
                continue; // deleting the brand cascades to its grants: covered below
            }
            let (_d, p) = copy_of(&tv.path);
            Connection::open(&p)
                .expect("raw")
                .execute(&format!("DELETE FROM {table} WHERE id = ?1"), [&id])
                .expect("delete");
            assert_reported(
                &p,
                table,
                &id,
                &[ProblemKind::Missing],
                &format!("{table}/{id} deleted"),
            );
        }
    }
    let (_d, p) = copy_of(&tv.path);
    let brand = ids(&p, "brands").pop().expect("brand");
    let c = Connection::open(&p).expect("raw");
    c.execute_batch("PRAGMA foreign_keys = ON").expect("fk");
    c.execute("DELETE FROM brands WHERE id = ?1", [&brand])
        .expect("delete");
    drop(c);
    assert_reported(
        &p,
        "brands",
        &brand,
        &[ProblemKind::Missing],
        "brand deleted",
    );
}

#[test]
fn rows_put_back_from_an_older_copy_or_re_added_are_reported() {
    let (tv, mut v) = temp_vault();
    v.fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    v.fields_mut()
        .set(&name("nickname"), "gil", None)
        .expect("set");
    v.brands_mut()
        .add(&NewBrand {
            id: "acme",
            name: "Acme",
            ..NewBrand::default()
        })
        .expect("brand");
    let g = v
        .grants_mut()
        .issue(&request("acme", "email"))
        .expect("grant");
    // Closing checkpoints the WAL, so the copy holds this state.
    drop(v);
    let (_old_dir, old) = copy_of(&tv.path);
    let mut v = unlock(&tv.path, PASS).expect("unlock");
    // Later: the grant is revoked, a field changed, another removed.
    v.grants_mut().revoke(&g.id).expect("revoke");
    v.fields_mut()
        .set(&name("email"), "b@example.com", None)
        .expect("set");
    v.fields_mut().remove(&name("nickname")).expect("rm");
    drop(v);
    let copy_rows = |table: &str, id: &str, to: &Path| {
        let c = Connection::open(to).expect("raw");
        c.execute("ATTACH DATABASE ?1 AS old", [old.to_str().unwrap()])
            .expect("attach");
        c.execute(&format!("DELETE FROM main.{table} WHERE id = ?1"), [id])
            .expect("delete");
        c.execute(
            &format!("INSERT INTO main.{table} SELECT * FROM old.{table} WHERE id = ?1"),
            [id],
        )
        .expect("re-insert");
    };
    // The un-revoke attack with a valid MAC: the older row of the grant, put back.
    let (_d, p) = copy_of(&tv.path);
    copy_rows("grants", &g.id, &p);
    assert_reported(
        &p,
        "grants",
        &g.id,
        &[ProblemKind::Replaced],
        "older grant row",
    );
    let v = unlock(&p, PASS).expect("unlock");
    assert!(v.brands().status_list_token("acme").is_err());
    drop(v);
    // An older value of a field.
    let email = ids(&old, "fields");
    let (_d, p) = copy_of(&tv.path);
    let now_ids = ids(&p, "fields");
    let changed = email
        .iter()
        .find(|i| now_ids.contains(i))
        .expect("email row")
        .clone();
    copy_rows("fields", &changed, &p);
    assert_reported(
        &p,
        "fields",
        &changed,
        &[ProblemKind::Replaced],
        "older field row",
    );
    // A removed field re-added from the older copy.
    let removed = email
        .iter()
        .find(|i| !now_ids.contains(i))
        .expect("removed row")
        .clone();
    let (_d, p) = copy_of(&tv.path);
    copy_rows("fields", &removed, &p);
    assert_reported(
        &p,
        "fields",
        &removed,
        &[ProblemKind::Added],
        "re-added field row",
    );
}

#[test]
fn the_audit_log_emptied_or_rolled_back_with_its_prefix_is_reported() {
    let (tv, _, _) = populated();
    // Emptied.
    let (_d, p) = copy_of(&tv.path);
    Connection::open(&p)
        .expect("raw")
        .execute("DELETE FROM audit", [])
        .expect("empty");
    let v = unlock(&p, PASS).expect("unlock");
    assert!(matches!(
        v.audit().verify().expect("verify"),
        ChainState::Broken { .. }
    ));
    assert!(
        v.check()
            .expect("check")
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::AuditLog)
    );
    drop(v);
    // Emptied, and the anchor (the head) removed too.
    let (_d, p) = copy_of(&tv.path);
    Connection::open(&p)
        .expect("raw")
        .execute_batch("DELETE FROM audit; UPDATE vault_meta SET anchor = NULL;")
        .expect("empty");
    let v = unlock(&p, PASS).expect("unlock");
    assert!(matches!(
        v.audit().verify().expect("verify"),
        ChainState::Broken { .. }
    ));
    assert!(
        v.check()
            .expect("check")
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::Anchor)
    );
    drop(v);
    // Rolled back: an older prefix of the log with the older anchor that matched it.
    let (_old_dir, old) = copy_of(&tv.path);
    let mut v = unlock(&tv.path, PASS).expect("unlock");
    v.fields_mut()
        .set(&name("nickname"), "gil", None)
        .expect("more");
    let g = v.grants().list(None).expect("list")[0].id.clone();
    if v.grants().get(&g).expect("g").state == GrantState::Active {
        v.grants_mut().revoke(&g).expect("revoke");
    }
    drop(v);
    let (_d, p) = copy_of(&tv.path);
    let c = Connection::open(&p).expect("raw");
    c.execute("ATTACH DATABASE ?1 AS old", [old.to_str().unwrap()])
        .expect("attach");
    c.execute_batch(
        "DELETE FROM main.audit; INSERT INTO main.audit SELECT * FROM old.audit;
         UPDATE main.vault_meta SET anchor = (SELECT anchor FROM old.vault_meta);",
    )
    .expect("roll back");
    drop(c);
    let v = unlock(&p, PASS).expect("unlock");
    let report = v.check().expect("check");
    assert!(!report.is_intact(), "rolled-back log reported intact");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.table == "fields" && p.kind == ProblemKind::Added),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_whole_file_replaced_by_an_older_copy_is_reported_as_rolled_back() {
    let (tv, mut v) = temp_vault();
    let anchors = tempfile::tempdir().expect("anchors");
    let store = FileAnchorStore::new(anchors.path());
    assert!(matches!(
        v.freshness(&store).expect("fresh"),
        Freshness::FirstSeen { generation: 1 }
    ));
    v.track_generations(Box::new(store.clone())).expect("track");
    v.fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    drop(v);
    let (_old_dir, old) = copy_of(&tv.path);
    let mut v = unlock(&tv.path, PASS).expect("unlock");
    v.track_generations(Box::new(store.clone())).expect("track");
    v.fields_mut()
        .set(&name("email"), "b@example.com", None)
        .expect("set");
    let id = v.vault_id().expect("id");
    let generation = v.generation().expect("gen").expect("anchor");
    assert_eq!(generation, 3, "genesis, then two writes");
    assert_eq!(
        store.last_seen(&id).expect("seen"),
        Some(3),
        "every write is recorded"
    );
    drop(v);
    std::fs::copy(&old, &tv.path).expect("replace the file");
    let v = unlock(&tv.path, PASS).expect("unlock");
    assert!(
        v.check().expect("check").is_intact(),
        "an older copy is self-consistent"
    );
    assert_eq!(
        v.freshness(&store).expect("fresh"),
        Freshness::RolledBack {
            generation: 2,
            seen: 3
        }
    );
}

#[test]
fn restore_lists_what_it_would_unrevoke_and_never_reuses_a_status_index() {
    let (tv, mut v) = temp_vault();
    v.fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    v.brands_mut()
        .add(&NewBrand {
            id: "acme",
            name: "Acme",
            ..NewBrand::default()
        })
        .expect("brand");
    let early = v
        .grants_mut()
        .issue(&request("acme", "email"))
        .expect("early");
    let backup = tv.dir.path().join("backup.db");
    v.backup_to(&backup, false).expect("backup");
    v.grants_mut().revoke(&early.id).expect("revoke");
    let mut later = Vec::new();
    for _ in 0..12 {
        later.push(
            v.grants_mut()
                .issue(&request("acme", "email"))
                .expect("later")
                .id,
        );
    }
    let preview = v
        .restore_preview(&backup, &Passphrase::new(PASS))
        .expect("preview");
    assert_eq!(
        preview
            .unrevoked
            .iter()
            .map(|g| g.id.clone())
            .collect::<Vec<_>>(),
        vec![early.id.clone()]
    );
    assert_eq!(preview.forgotten.len(), later.len());
    assert!(preview.needs_confirmation());
    assert!(preview.backup_generation < preview.current_generation);
    // Every grant either vault ever had, with its index.
    let mut idx: Vec<(String, usize)> = v
        .grants()
        .list(None)
        .expect("list")
        .into_iter()
        .map(|g| (g.id, g.status_idx))
        .collect();
    let before = v.generation().expect("gen").expect("anchor");
    let restored = v
        .restore_over(&backup, &Passphrase::new(PASS))
        .expect("restore");
    let mut v = restored.vault;
    assert!(
        v.generation().expect("gen").expect("anchor") > before,
        "generation keeps growing"
    );
    assert!(v.check().expect("check").is_intact());
    for _ in 0..40 {
        let g = v
            .grants_mut()
            .issue(&request("acme", "email"))
            .expect("after");
        let info = v.grants().get(&g.id).expect("info");
        idx.push((info.id, info.status_idx));
    }
    let distinct: BTreeSet<usize> = idx.iter().map(|(_, i)| *i).collect();
    assert_eq!(
        distinct.len(),
        idx.len(),
        "a status index was handed out twice: {idx:?}"
    );
}

#[test]
fn the_frozen_v2_vault_migrates_with_its_state_authenticated() {
    let (_dir, path) = fixture_copy("vault-v2.db");
    assert_eq!(schema_version(&path), 2);
    let v = unlock(&path, PASS).expect("unlock v2");
    assert_eq!(schema_version(&path), vouchsafe::store::SCHEMA_VERSION);
    assert_eq!(
        snapshot(&v),
        ["email=gildong@example.com", "given_name=길동"]
    );
    // Fields, the brand, the grants and (schema 5) each grant's token row; the upgrade from
    // schema 2 seals the first anchor.
    assert_migrated_intact(&v, 2 + 1 + 3 + 3, 1, 7);
    let grants = v.grants().list(None).expect("grants");
    assert_eq!(grants.len(), 3);
    let revoked: Vec<_> = grants
        .iter()
        .filter(|g| g.state == GrantState::Revoked)
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].id, "8f6ed631-777f-4827-a3ad-30d149c359bd");
    v.brands()
        .status_list_token("acme")
        .expect("status list after migration");
    drop(v);
    // After the migration the v2 state is authenticated like any other.
    Connection::open(&path)
        .expect("raw")
        .execute("UPDATE grants SET revoked_at = NULL", [])
        .expect("un-revoke");
    assert_reported(
        &path,
        "grants",
        "8f6ed631-777f-4827-a3ad-30d149c359bd",
        &[ProblemKind::Altered],
        "un-revoked after migration",
    );
}

#[test]
fn the_v1_fixture_migrates_to_an_anchored_vault() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vault-v1.db"),
        &path,
    )
    .expect("copy fixture");
    let mut v = unlock(&path, PASS).expect("unlock v1");
    assert!(v.check().expect("check").is_intact());
    v.fields_mut()
        .set(&name("nickname"), "gil", None)
        .expect("write after migration");
    drop(v);
    let v = unlock(&path, PASS).expect("reopen");
    let report = v.check().expect("check");
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.generation, Some(2));
}

#[test]
fn a_new_vault_starts_its_log_with_a_genesis_entry() {
    let (_tv, v) = temp_vault();
    let entries = v.audit().entries().expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].event.action, "vault.created");
    assert_eq!(entries[0].event.subject, v.vault_id().expect("id"));
    assert_eq!(v.generation().expect("gen"), Some(1));
}

/// Among hundreds of rows, a read stops at the first forged row in the order the vault reads
/// them and names it, and the unlock's check names every forged row.
#[test]
fn a_forged_row_among_hundreds_is_named() {
    let (tv, mut v) = temp_vault();
    v.fields_mut()
        .set_many((0..300).map(|i| (name(&format!("custom.item_{i:03}")), "a value", None)))
        .expect("set 300 fields");
    assert_eq!(v.fields().list().expect("list").len(), 300);
    drop(v);

    let (_dir, copy) = copy_of(&tv.path);
    let c = Connection::open(&copy).expect("raw");
    let in_order: Vec<String> = c
        .prepare("SELECT id FROM fields") // the order the vault reads them in
        .expect("ids")
        .query_map([], |r| r.get(0))
        .expect("ids")
        .collect::<Result<_, _>>()
        .expect("ids");
    let (first, later) = (&in_order[150], &in_order[280]);
    for id in [later, first] {
        c.execute(
            "UPDATE fields SET mac = zeroblob(length(mac)) WHERE id = ?1",
            [id],
        )
        .expect("forge");
    }
    drop(c);

    let v = unlock(&copy, PASS).expect("unlock");
    let err = v.fields().list().expect_err("a forged row stops the read");
    assert!(matches!(err, VaultError::Integrity(_)), "{err}");
    assert!(
        err.to_string().contains(first.as_str()),
        "names the first forged row {first}: {err}"
    );
    let report = v.unlock_check();
    for id in [first, later] {
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.table == "fields" && &p.id == id && p.kind == ProblemKind::Altered),
            "{id} not in {:?}",
            report.problems
        );
    }
}
