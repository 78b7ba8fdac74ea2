//! Schema 4 → 5: a frozen vault written by the last schema-4 build (tests/fixtures/vault-v4.db,
//! made by tests/fixtures/make-vault-v4.sh) opens with this build, and on its first clean unlock
//! each grant's signed token moves out of the grant's record into a `grant_tokens` row of its
//! own, MACed and in the anchor's manifest. Every grant keeps its token (still verifying under
//! its brand's key), its choices and its state; the anchor keeps its generation and the audit
//! log is untouched. A v4 vault tampered with before the upgrade is not split: its records stay
//! as they are and still read, and the problem is named as before.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use std::path::Path;

use common::tamper::assert_tampering_reported;
use common::*;
use rusqlite::Connection;
use vouchsafe::grants::{Channel, Kind};
use vouchsafe::{GrantInfo, GrantState, Lang, ProblemKind, Vault};
use vouchsafe_verify::{IssuerPolicy, StatusPolicy, VerifyOptions, verify_grant};

const REVOKED: &str = "6ab806f2-41d4-4836-ae78-66c39a56a1ea";
const SHOP: &str = "https://shop.example";

fn copy_fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    fixture_copy("vault-v4.db")
}

fn raw(p: &Path) -> Connection {
    Connection::open(p).expect("raw")
}

/// The bytes of every sealed grant record together, and how many token rows there are.
fn grant_bytes(p: &Path) -> (i64, i64) {
    let c = raw(p);
    let sealed = c
        .query_row("SELECT SUM(LENGTH(sealed)) FROM grants", [], |r| r.get(0))
        .expect("sum");
    let has_tokens: bool = c
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'grant_tokens'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    let tokens = if has_tokens {
        c.query_row("SELECT COUNT(*) FROM grant_tokens", [], |r| r.get(0))
            .expect("count")
    } else {
        0
    };
    (sealed, tokens)
}

/// The grant's token is the brand's, signed by the key the vault keeps for that brand, and is
/// this grant's: its `jti` is the grant's id.
fn assert_token_is_the_grants(v: &Vault, g: &GrantInfo) {
    let checked = verify_grant(
        &g.token,
        &VerifyOptions {
            audience: g.brand.clone(),
            issuer: IssuerPolicy::AnyConsumer,
            status: StatusPolicy::Waived,
            now: g.issued_at,
        },
    )
    .unwrap_or_else(|e| panic!("grant {} token: {e}", g.id));
    assert_eq!(checked.jti(), g.id);
    let brand = v.brands().get(&g.brand).expect("brand");
    assert_eq!(checked.jwk(), &brand.jwk);
}

#[test]
fn a_v4_vault_moves_each_token_to_a_row_of_its_own_keeping_everything() {
    let (_dir, path) = copy_fixture();
    assert_eq!(schema_version(&path), 4);
    let (before, tokens) = grant_bytes(&path);
    assert_eq!(tokens, 0);

    let v = unlock(&path, PASS).expect("unlock v4");
    assert_eq!(schema_version(&path), 5);
    assert_eq!(vouchsafe::store::SCHEMA_VERSION, 5);
    let (after, tokens) = grant_bytes(&path);
    assert_eq!(tokens, 4, "one token row per grant");
    // The token was most of each record: what the review reads per grant is now a fraction.
    assert!(after * 2 < before, "grant records {before} → {after} bytes");

    // Rows: fields, brands, grants and their token rows. The split is a format step, not a
    // change the person made: the anchor keeps the v4 generation (genesis + 4 fields + 2 brands
    // + 4 grants + 1 revocation) and the audit log gains no entry.
    assert_migrated_intact(&v, 4 + 2 + 4 + 4, 12, 12);
    assert_eq!(
        snapshot(&v),
        [
            "address.locality=서울",
            "birthdate=2001-03-04",
            "email=gildong@example.com",
            "given_name=길동"
        ]
    );

    let grants = v.grants().list(None).expect("grants");
    assert_eq!(grants.len(), 4);
    for g in &grants {
        assert_token_is_the_grants(&v, g);
        assert!(!g.summary.get(Lang::Ko).is_empty(), "{}", g.id);
    }
    let revoked: Vec<_> = grants
        .iter()
        .filter(|g| g.state == GrantState::Revoked)
        .map(|g| g.id.as_str())
        .collect();
    assert_eq!(revoked, [REVOKED]);
    // The grant with channel × kind consents keeps every one of them.
    let shop = v.grants().list(Some(SHOP)).expect("shop grants");
    let ads = shop
        .iter()
        .find(|g| g.offer.is_some())
        .expect("the grant with an offer");
    assert_eq!(ads.released, ["email", "city", "adult_kr"]);
    assert!(ads.channels.allows(&Channel::Email, Kind::Ad));
    assert!(ads.channels.allows(&Channel::Kakao, Kind::Info));
    assert!(!ads.channels.allows(&Channel::Sms, Kind::Ad));
    assert!(ads.channels.night_ads().allowed);
    // Its consent receipt is signed from the split record as before.
    let receipt = v.grants().receipt(&ads.id).expect("receipt");
    let claims = vouchsafe_token::CompactJws::parse(&receipt)
        .and_then(|c| c.claims())
        .expect("receipt claims");
    assert_eq!(claims["jti"].as_str().map(str::len), Some(36));
    assert_eq!(v.verify_records().expect("records"), 4 + 2 + 4);

    // A second unlock finds nothing left to split and writes nothing.
    drop(v);
    let v = unlock(&path, PASS).expect("reopen");
    assert_eq!(grant_bytes(&path), (after, 4));
    assert_eq!(v.generation().expect("gen"), Some(12));
}

#[test]
fn after_the_split_new_grants_and_token_rows_are_authenticated() {
    let (_dir, path) = copy_fixture();
    let mut v = unlock(&path, PASS).expect("unlock v4");
    let issued = v
        .grants_mut()
        .issue(&request("acme", "email"))
        .expect("issue after the upgrade");
    let g = v.grants().get(&issued.id).expect("get");
    assert_eq!(g.token, issued.token);
    assert_token_is_the_grants(&v, &g);
    let kept = v.grants().list(Some(SHOP)).expect("shop")[0].id.clone();
    drop(v);

    // A token row deleted behind the vault's back: named, its grant does not read, and the
    // vault refuses writes.
    raw(&path)
        .execute("DELETE FROM grant_tokens WHERE id = ?1", [&kept])
        .expect("tamper");
    let v = assert_tampering_reported(
        &path,
        "grant_tokens",
        &kept,
        &[ProblemKind::Missing],
        "a deleted token row",
    );
    let err = v.grants().get(&kept).expect_err("no token row");
    assert!(err.to_string().contains("grant_tokens"), "{err}");
}

#[test]
fn a_v4_vault_tampered_before_the_upgrade_is_not_split_and_still_named() {
    let (_dir, path) = copy_fixture();
    // Un-revoke the revoked grant behind the vault's back, in the v4 file.
    raw(&path)
        .execute(
            "UPDATE grants SET revoked_at = NULL WHERE id = ?1",
            [REVOKED],
        )
        .expect("tamper");
    let (before, _) = grant_bytes(&path);
    let v = assert_tampering_reported(
        &path,
        "grants",
        REVOKED,
        &[ProblemKind::Altered],
        "a grant un-revoked in the v4 file",
    );
    assert_eq!(schema_version(&path), 5);
    // The schema moved on; no record was re-sealed or re-stamped.
    assert_eq!(grant_bytes(&path), (before, 0));
    // The grants the tampering did not touch still read, token and all, from their records.
    let shop = v.grants().list(Some(SHOP)).expect("shop grants");
    assert_eq!(shop.len(), 2);
    for g in &shop {
        assert_token_is_the_grants(&v, g);
    }
}
