//! The outbox and the brands' receipts (schema 4) are authenticated like every other row: each
//! covered column flipped, a row deleted, re-added or put back to an older version of itself is
//! named by `check`, and the vault then refuses to write. Also: events are queued in the same
//! transaction as the change they report, signed with the brand relationship's key, only for
//! connected brands, and their delivery state follows the back-off rules. No network here:
//! delivery is driven through the repository as `vouchsafe::connect::outbox` drives it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use std::path::Path;
use std::sync::Arc;

use common::tamper::{assert_tampering_reported as assert_reported, copy_of, flipped};
use common::*;
use rusqlite::Connection;
use rusqlite::types::Value;
use vouchsafe::repo::outbox::{GIVE_UP_AFTER_SECS, Outcome, RECEIPT_DEADLINE_SECS, retry_delay};
use vouchsafe::{
    Clock, FixedClock, GrantError, NewBrand, OutboxState, ProblemKind, Vault, VaultError,
};
use vouchsafe_token::protocol::{ERASURE_REQUESTED, Event, GRANT_REVOKED, TOKEN_CLAIMS_CHANGE};
use vouchsafe_verify::IssuerPolicy;
use vouchsafe_verify::event::{SetOptions, verify_set};

const SHOP: &str = "https://shop.example";
const EVENTS: &str = "https://shop.example/vouchsafe/events";

/// A vault with a connected brand (two grants, one revoked: one outbox item) and a stored
/// brand receipt for the live grant. Returns (vault dir, live grant id, revoked grant id).
fn connected() -> (TempVault, Vault, String, String) {
    let (tv, mut v) = temp_vault();
    v.fields_mut()
        .set(&name("email"), "gildong@example.com", None)
        .expect("set");
    v.fields_mut()
        .set(&name("given_name"), "길동", None)
        .expect("set");
    v.brands_mut()
        .connect(SHOP, "동네 카페", EVENTS)
        .expect("connect");
    let live = v.grants_mut().issue(&request(SHOP, "email")).expect("g1");
    let gone = v
        .grants_mut()
        .issue(&request(SHOP, "given_name"))
        .expect("g2");
    v.grants_mut()
        .store_brand_receipt(&live.id, "receipt.jwt.of-the-brand")
        .expect("receipt");
    v.grants_mut().revoke(&gone.id).expect("revoke");
    assert!(v.check().expect("check").is_intact());
    (tv, v, live.id, gone.id)
}

const STATE: &[(&str, &[&str])] = &[
    (
        "outbox",
        &[
            "grant_id",
            "sealed",
            "state",
            "attempts",
            "created_at",
            "next_at",
            "updated_at",
            "mac",
        ],
    ),
    ("grant_receipts", &["sealed", "received_at", "mac"]),
];

fn only_id(path: &Path, table: &str) -> String {
    Connection::open(path)
        .expect("raw")
        .query_row(&format!("SELECT id FROM {table}"), [], |r| r.get(0))
        .expect("one row")
}

#[test]
fn every_covered_column_of_the_new_tables_is_authenticated() {
    let (tv, v, _, _) = connected();
    drop(v);
    for (table, cols) in STATE {
        let id = only_id(&tv.path, table);
        for col in *cols {
            let (_d, path) = copy_of(&tv.path);
            let c = Connection::open(&path).expect("raw");
            let old: Value = c
                .query_row(
                    &format!("SELECT {col} FROM {table} WHERE id = ?1"),
                    [&id],
                    |r| r.get(0),
                )
                .expect("read");
            c.execute(
                &format!("UPDATE {table} SET {col} = ?1 WHERE id = ?2"),
                rusqlite::params![flipped(&old), id],
            )
            .expect("flip");
            drop(c);
            assert_reported(
                &path,
                table,
                &id,
                &[ProblemKind::Altered],
                &format!("{table}.{col} flipped"),
            );
            if *col != "sealed" && *col != "mac" && *col != "grant_id" {
                let (_d2, path2) = copy_of(&tv.path);
                let c = Connection::open(&path2).expect("raw");
                // NOT NULL columns cannot be nulled; the nullable one is.
                if c.execute(
                    &format!("UPDATE {table} SET {col} = NULL WHERE id = ?1"),
                    [&id],
                )
                .is_ok()
                {
                    drop(c);
                    assert_reported(
                        &path2,
                        table,
                        &id,
                        &[ProblemKind::Altered],
                        &format!("{table}.{col} nulled"),
                    );
                }
            }
        }
    }
}

#[test]
fn a_deleted_outbox_item_or_receipt_is_named() {
    let (tv, v, _, _) = connected();
    drop(v);
    for table in ["outbox", "grant_receipts"] {
        let id = only_id(&tv.path, table);
        let (_d, path) = copy_of(&tv.path);
        Connection::open(&path)
            .expect("raw")
            .execute(&format!("DELETE FROM {table}"), [])
            .expect("delete");
        assert_reported(&path, table, &id, &[ProblemKind::Missing], "deleted");
    }
}

#[test]
fn a_re_added_or_older_outbox_item_is_named() {
    let (tv, mut v, _, _) = connected();
    let id = only_id(&tv.path, "outbox");
    let row = |path: &Path| -> Vec<Value> {
        let c = Connection::open(path).expect("raw");
        c.query_row(
            "SELECT id, grant_id, sealed, state, attempts, created_at, next_at, updated_at, mac FROM outbox",
            [],
            |r| (0..9).map(|i| r.get::<_, Value>(i)).collect(),
        )
        .expect("row")
    };
    let queued = row(&tv.path);
    // The brand acknowledged it: the row moves on.
    assert_eq!(
        v.outbox_mut()
            .record(&id, Outcome::Accepted)
            .expect("record"),
        OutboxState::Sent
    );
    assert_eq!(
        v.outbox_mut()
            .record(&id, Outcome::Receipt("erasure.receipt.jwt".into()))
            .expect("record"),
        OutboxState::Acknowledged
    );
    drop(v);
    // Put the queued version back: authentic, but not the one the anchor holds.
    let (_d, path) = copy_of(&tv.path);
    let c = Connection::open(&path).expect("raw");
    c.execute("DELETE FROM outbox", []).expect("delete");
    c.execute(
        "INSERT INTO outbox (id, grant_id, sealed, state, attempts, created_at, next_at, updated_at, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params_from_iter(queued.iter()),
    )
    .expect("re-add");
    drop(c);
    assert_reported(
        &path,
        "outbox",
        &id,
        &[ProblemKind::Replaced],
        "older version",
    );

    // Re-added after the brand answered and the item was removed from the anchor: a vault
    // where it never existed (a fresh connected vault) does not list it.
    let (tv2, v2, _, _) = connected();
    drop(v2);
    let c = Connection::open(&tv2.path).expect("raw");
    c.execute(
        "INSERT INTO outbox (id, grant_id, sealed, state, attempts, created_at, next_at, updated_at, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params_from_iter(queued.iter()),
    )
    .expect("add a foreign row");
    drop(c);
    assert_reported(
        &tv2.path,
        "outbox",
        &id,
        &[ProblemKind::Added, ProblemKind::Altered],
        "added",
    );
}

#[test]
fn revocation_and_its_event_land_in_one_transaction_signed_by_the_relationship_key() {
    let (_tv, v, live, gone) = connected();
    let items = v.outbox().list().expect("list");
    assert_eq!(items.len(), 1, "one event for the one revocation");
    let item = &items[0];
    assert_eq!(
        (item.grant_id.as_str(), item.event.as_str(), item.state),
        (gone.as_str(), GRANT_REVOKED, OutboxState::Queued)
    );
    assert_eq!(item.events_uri, EVENTS);
    let brand = v.brands().get(SHOP).expect("brand");
    let set = verify_set(
        &item.set,
        &SetOptions {
            audience: SHOP.into(),
            issuer: IssuerPolicy::Pinned(brand.issuer.clone()),
        },
    )
    .expect("the SET verifies under the brand relationship's key");
    assert_eq!(set.jti(), item.id);
    assert_eq!(set.grant_jti(), gone);
    match set.event().expect("event") {
        Event::GrantRevoked(e) => {
            let list = vouchsafe_token::CompactJws::parse(&e.status_list)
                .expect("list")
                .claims()
                .expect("claims");
            // Valid past the outbox's 30 days of retries, so a late delivery is still accepted.
            let exp = list["exp"].as_i64().expect("exp");
            let iat = list["iat"].as_i64().expect("iat");
            assert!(exp - iat > GIVE_UP_AFTER_SECS, "{exp} - {iat}");
        }
        other => panic!("{other:?}"),
    }
    // The brand receipt is kept beside the live grant, and only there.
    assert_eq!(
        v.grants()
            .brand_receipt(&live)
            .expect("receipt")
            .map(|r| r.0),
        Some("receipt.jwt.of-the-brand".to_string())
    );
    assert_eq!(v.grants().brand_receipt(&gone).expect("none"), None);
}

#[test]
fn erase_reissue_and_revoke_all_queue_their_events() {
    let (_tv, mut v, live, gone) = connected();
    v.fields_mut()
        .set(&name("email"), "new@example.com", None)
        .expect("move house");
    let new = v.grants_mut().reissue(&live).expect("reissue");
    let tcc: Vec<_> = v
        .outbox()
        .for_grant(&live)
        .expect("items")
        .into_iter()
        .filter(|i| i.event == TOKEN_CLAIMS_CHANGE)
        .collect();
    assert_eq!(tcc.len(), 1);
    assert_eq!(tcc[0].new_grant.as_deref(), Some(new.id.as_str()));
    let brand = v.brands().get(SHOP).expect("brand");
    let set = verify_set(
        &tcc[0].set,
        &SetOptions {
            audience: SHOP.into(),
            issuer: IssuerPolicy::Pinned(brand.issuer.clone()),
        },
    )
    .expect("verifies");
    match set.event().expect("event") {
        Event::TokenClaimsChange(e) => {
            assert_eq!(e.grant, new.token);
            assert_eq!(e.claims, ["email"]);
        }
        other => panic!("{other:?}"),
    }
    // Erasure of an already revoked grant: one more event, no second revocation.
    v.grants_mut().erase(&gone).expect("erase");
    let erasures: Vec<_> = v
        .outbox()
        .for_grant(&gone)
        .expect("items")
        .into_iter()
        .filter(|i| i.event == ERASURE_REQUESTED)
        .collect();
    assert_eq!(erasures.len(), 1);
    // Revoke everything of the brand: one event per live grant (only the reissued one is left).
    assert_eq!(v.brands_mut().revoke_grants(SHOP).expect("all"), 1);
    assert_eq!(
        v.outbox()
            .for_grant(&new.id)
            .expect("items")
            .iter()
            .filter(|i| i.event == GRANT_REVOKED)
            .count(),
        1
    );
    assert!(v.check().expect("check").is_intact());
    // A passphrase change re-seals the outbox and receipts; they still open.
    v.change_passphrase(&vouchsafe::Passphrase::new("another good passphrase"), None)
        .expect("rekey");
    assert_eq!(v.outbox().list().expect("list").len(), 4);
    assert!(v.grants().brand_receipt(&live).expect("receipt").is_some());
    assert!(v.check().expect("check").is_intact());
}

#[test]
fn brands_without_an_inbox_get_no_events_and_cannot_be_asked_to_erase() {
    let (_tv, mut v) = temp_vault();
    v.fields_mut()
        .set(&name("email"), "gildong@example.com", None)
        .expect("set");
    v.brands_mut()
        .add(&NewBrand {
            id: "acme",
            name: "Acme",
            ..NewBrand::default()
        })
        .expect("brand");
    let g = v.grants_mut().issue(&request("acme", "email")).expect("g");
    assert!(matches!(
        v.grants_mut().erase(&g.id),
        Err(VaultError::Grant(GrantError::NotConnected(_)))
    ));
    v.grants_mut().revoke(&g.id).expect("revoke");
    assert!(v.outbox().list().expect("list").is_empty());
}

#[test]
fn delivery_state_backs_off_gives_up_after_30_days_and_flags_overdue_receipts() {
    let (_tv, mut v, _, gone) = connected();
    let clock = FixedClock::at(jiff::Timestamp::now().as_second() + 1);
    v.set_clock(Arc::new(clock.clone()));
    let id = v.outbox().list().expect("list")[0].id.clone();
    assert_eq!(v.outbox().due(10).expect("due").len(), 1);
    // Down: queued, retried later, ever later.
    let mut waits = Vec::new();
    for _ in 0..3 {
        let st = v
            .outbox_mut()
            .record(&id, Outcome::Failed("connection refused".into()))
            .expect("record");
        assert_eq!(st, OutboxState::Queued);
        let item = v.outbox().get(&id).expect("get").expect("item");
        waits.push(item.next_at.expect("next") - clock.now());
        assert!(v.outbox().due(10).expect("due").is_empty());
        clock.advance(*waits.last().expect("wait"));
        assert_eq!(v.outbox().due(10).expect("due").len(), 1);
    }
    assert_eq!(waits, [retry_delay(0), retry_delay(1), retry_delay(2)]);
    // `outbox retry` makes it due at once.
    v.outbox_mut()
        .record(&id, Outcome::Failed("503".into()))
        .expect("record");
    assert!(v.outbox().due(10).expect("due").is_empty());
    assert_eq!(v.outbox_mut().retry_now().expect("retry"), 1);
    assert_eq!(v.outbox().due(10).expect("due").len(), 1);
    // Accepted, but no receipt for 10 days: overdue, with the date it was sent.
    assert_eq!(
        v.outbox_mut()
            .record(&id, Outcome::Accepted)
            .expect("record"),
        OutboxState::Sent
    );
    let item = v.outbox().get(&id).expect("get").expect("item");
    assert!(!item.is_overdue(clock.now()));
    assert!(item.is_overdue(item.requested_at + RECEIPT_DEADLINE_SECS));
    assert_eq!(
        v.outbox_mut()
            .record(&id, Outcome::ReceiptLater("pending".into()))
            .expect("record"),
        OutboxState::Sent
    );
    let item = v.outbox().get(&id).expect("get").expect("item");
    assert_eq!(item.grant_id, gone);
    assert!(item.sent_at.is_some());

    // Another event that never gets through is given up after 30 days, and audited.
    v.grants_mut().erase(&gone).expect("erase");
    let other = v
        .outbox()
        .list()
        .expect("list")
        .into_iter()
        .find(|i| i.event == ERASURE_REQUESTED)
        .expect("erasure");
    clock.advance(GIVE_UP_AFTER_SECS);
    assert_eq!(
        v.outbox_mut()
            .record(&other.id, Outcome::Failed("timeout".into()))
            .expect("record"),
        OutboxState::GivenUp
    );
    // A final state stays final.
    assert_eq!(
        v.outbox_mut()
            .record(&other.id, Outcome::Accepted)
            .expect("record"),
        OutboxState::GivenUp
    );
    let last = v.audit().entries().expect("audit").pop().expect("entry");
    assert_eq!(last.event.action, "outbox.failed");
    assert!(v.check().expect("check").is_intact());
}
