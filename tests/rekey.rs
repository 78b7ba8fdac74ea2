//! A passphrase change re-keys the vault: a new data key, every record re-sealed, every lookup
//! id and row MAC recomputed. The old passphrase, even with an old copy of the key slot, opens
//! nothing written afterwards; a backup taken before keeps its own passphrase.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use rusqlite::Connection;
use vouchsafe::audit::ChainState;
use vouchsafe::{GrantState, NewBrand, Passphrase};
use vouchsafe::{Vault, VaultError};

const NEW: &str = "a brand new passphrase";

fn raw(path: &Path) -> Connection {
    Connection::open(path).expect("raw sqlite")
}

/// Everything a person can read back: fields, brands, grants with their state, the audit log.
fn everything(v: &Vault) -> Vec<String> {
    let mut out = snapshot(v);
    for b in v.brands().list().expect("brands") {
        out.push(format!("brand {} {} {}", b.id, b.name, b.status_list_uri));
    }
    for g in v.grants().list(None).expect("grants") {
        out.push(format!(
            "grant {} {} {:?} {} {:?} {}",
            g.id, g.brand, g.state, g.expires_at, g.revoked_at, g.token
        ));
    }
    for e in v.audit().entries().expect("audit") {
        if e.event.action != "passphrase.changed" {
            out.push(format!(
                "audit {} {} {}",
                e.seq, e.event.action, e.event.subject
            ));
        }
    }
    out
}

/// (ids of every row of `table`) as stored.
fn ids(path: &Path, table: &str) -> BTreeSet<String> {
    let c = raw(path);
    let mut s = c
        .prepare(&format!("SELECT id FROM {table}"))
        .expect("prepare");
    s.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("ids")
}

/// The key slot as stored: (salt, wrapped key).
fn key_slot(path: &Path) -> (Vec<u8>, Vec<u8>) {
    raw(path)
        .query_row("SELECT kdf_salt, wrapped_key FROM vault_meta", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("slot")
}

/// A vault with fields, two brands, a live and a revoked grant.
fn populated() -> (TempVault, Vault) {
    let (tv, mut v) = temp_vault();
    for (n, val) in [
        ("email", "gildong@example.com"),
        ("given_name", "길동"),
        ("address.locality", "서울특별시"),
        ("custom.blood_type", "A"),
    ] {
        v.fields_mut().set(&name(n), val, Some("label")).expect(n);
    }
    for id in ["acme", "https://shoes.example"] {
        v.brands_mut()
            .add(&NewBrand {
                id,
                name: "A brand",
                ..NewBrand::default()
            })
            .expect("brand");
    }
    v.grants_mut()
        .issue(&request("acme", "email"))
        .expect("live");
    let gone = v
        .grants_mut()
        .issue(&request("https://shoes.example", "given_name"))
        .expect("gone");
    v.grants_mut().revoke(&gone.id).expect("revoke");
    (tv, v)
}

#[test]
fn after_rekey_every_value_reads_with_the_new_passphrase_under_new_ids() {
    let (tv, mut v) = populated();
    let before = everything(&v);
    let status_before = v.brands().status_list_token("acme").expect("status");
    let (field_ids, brand_ids, grant_ids) = (
        ids(&tv.path, "fields"),
        ids(&tv.path, "brands"),
        ids(&tv.path, "grants"),
    );
    let slot_before = key_slot(&tv.path);
    v.change_passphrase(&Passphrase::new(NEW), None)
        .expect("rekey");
    // The same handle keeps working, under the new key.
    assert_eq!(everything(&v), before);
    assert!(v.check().expect("check").is_intact());
    drop(v);

    let v = unlock(&tv.path, NEW).expect("new passphrase");
    assert_eq!(everything(&v), before);
    assert!(v.check().expect("check").is_intact());
    assert!(matches!(
        v.audit().verify().expect("chain"),
        ChainState::Intact { .. }
    ));
    assert!(v.verify_records().expect("records") > 0);
    // The brands' status lists say the same (their keys are inside the sealed records).
    let status_after = v.brands().status_list_token("acme").expect("status");
    let claims = |t: &str| {
        vouchsafe_token::CompactJws::parse(t)
            .expect("jws")
            .claims()
            .expect("claims")["status_list"]
            .clone()
    };
    assert_eq!(claims(&status_after), claims(&status_before));
    let revoked = v
        .grants()
        .list(None)
        .expect("grants")
        .iter()
        .filter(|g| g.state == GrantState::Revoked)
        .count();
    assert_eq!(revoked, 1);
    // Every lookup id changed (they are keyed by the data key); grant ids are random and stay.
    assert!(ids(&tv.path, "fields").is_disjoint(&field_ids));
    assert!(ids(&tv.path, "brands").is_disjoint(&brand_ids));
    assert_eq!(ids(&tv.path, "grants"), grant_ids);
    let slot_after = key_slot(&tv.path);
    assert_ne!(slot_after.0, slot_before.0);
    assert_ne!(slot_after.1, slot_before.1);
    drop(v);
    assert!(matches!(
        unlock(&tv.path, PASS),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn the_old_passphrase_with_an_old_key_slot_opens_nothing_written_after() {
    let (tv, mut v) = populated();
    // What an attacker kept: the old key slot (from a backup, an old copy, a -wal).
    let (old_salt, old_wrapped) = key_slot(&tv.path);
    v.change_passphrase(&Passphrase::new(NEW), None)
        .expect("rekey");
    v.fields_mut()
        .set(&name("phone_number"), "010-9999-0000", None)
        .expect("written after");
    drop(v);

    // Put the old key slot back into the current file and try the old passphrase.
    let planted = tv.dir.path().join("planted.db");
    std::fs::copy(&tv.path, &planted).expect("copy");
    raw(&planted)
        .execute(
            "UPDATE vault_meta SET kdf_salt = ?1, wrapped_key = ?2",
            rusqlite::params![old_salt, old_wrapped],
        )
        .expect("plant old slot");
    match unlock(&planted, PASS) {
        // The old data key unwraps, but opens no record: every one was re-sealed.
        Ok(v) => {
            // Under the old key the lookup ids point nowhere: no row, or one that does not open.
            for n in ["phone_number", "email"] {
                assert!(
                    !matches!(v.fields().get(&name(n)), Ok(Some(_))),
                    "{n} opened under the old key"
                );
            }
            assert!(matches!(v.fields().list(), Err(VaultError::Integrity(_))));
            assert!(v.grants().list(None).is_err());
            assert!(v.audit().entries().is_err());
        }
        // Or the unlock itself refuses (the anchor does not open under the old key).
        Err(e) => assert!(
            matches!(e, VaultError::Integrity(_) | VaultError::WrongPassphrase),
            "{e}"
        ),
    }

    // Nothing of the old key slot is left in the live files, nor the new value in plaintext.
    for (file, bytes) in raw_files(&tv.path) {
        assert!(!contains(&bytes, &old_wrapped), "old key slot in {file}");
        assert!(!contains(&bytes, &old_salt), "old salt in {file}");
        assert!(!contains(&bytes, b"010-9999-0000"), "plaintext in {file}");
    }
}

#[test]
fn a_backup_taken_before_keeps_the_passphrase_it_was_taken_under() {
    let (tv, mut v) = populated();
    let before = everything(&v);
    let backup = tv.dir.path().join("before.vsb");
    v.backup_to(&backup, false).expect("backup");
    v.change_passphrase(&Passphrase::new(NEW), None)
        .expect("rekey");
    drop(v);
    let target = tv.dir.path().join("restored.db");
    assert!(matches!(
        Vault::restore(&backup, &target, &Passphrase::new(NEW), false),
        Err(VaultError::WrongPassphrase)
    ));
    let restored =
        Vault::restore(&backup, &target, &Passphrase::new(PASS), false).expect("old passphrase");
    assert_eq!(everything(&restored), before);
}

#[test]
fn rekey_twice_and_with_new_kdf_parameters() {
    let (tv, mut v) = populated();
    let before = everything(&v);
    let stronger = vouchsafe::KdfParams { t: 4, ..TEST_KDF };
    v.change_passphrase(&Passphrase::new(NEW), Some(stronger))
        .expect("first");
    v.change_passphrase(&Passphrase::new(PASS), None)
        .expect("second");
    drop(v);
    let v = unlock(&tv.path, PASS).expect("back to the first passphrase");
    assert_eq!(v.kdf_params().expect("params"), stronger);
    assert_eq!(everything(&v), before);
    assert!(v.check().expect("check").is_intact());
    let changes = v
        .audit()
        .entries()
        .expect("audit")
        .iter()
        .filter(|e| e.event.action == "passphrase.changed")
        .count();
    assert_eq!(changes, 2);
}

#[test]
fn a_tampered_vault_is_not_rekeyed() {
    let (tv, mut v) = populated();
    drop(v);
    // Flip a byte of one field's ciphertext, keeping its MAC: re-keying must stop and change
    // nothing rather than launder the tampered row under the new key.
    let c = raw(&tv.path);
    let (id, mut sealed): (String, Vec<u8>) = c
        .query_row("SELECT id, sealed FROM fields LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    sealed[20] ^= 1;
    c.execute(
        "UPDATE fields SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![sealed, id],
    )
    .expect("tamper");
    drop(c);
    let slot = key_slot(&tv.path);
    // Unlock reports the tampering (it does not refuse), and every write is then refused.
    v = unlock(&tv.path, PASS).expect("unlock a tampered vault");
    assert!(v.change_passphrase(&Passphrase::new(NEW), None).is_err());
    drop(v);
    assert_eq!(key_slot(&tv.path), slot, "the key slot changed");
}
