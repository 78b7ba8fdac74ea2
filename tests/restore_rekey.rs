//! Status lists across a restore: a vault restored from a backup (onto an empty place, knowing
//! nothing of what the vault it came from did after the backup) moves every brand to a fresh
//! status list before its first change, so no (list, index) pair it hands out can be one the
//! original handed out meanwhile; grants already issued stay on their list, which the restored
//! vault keeps building, signing and sending. Real vaults, real files.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use rusqlite::Connection;
use vouchsafe::{GrantState, NewBrand, Passphrase, ProblemKind, Vault};
use vouchsafe_verify::{
    IssuerPolicy, StatusOutcome, StatusPolicy, VerifyError, VerifyOptions, verify_grant,
};

/// A brand whose list the consumer publishes at an address of their choosing.
const CAFE_LIST: &str = "https://cafe.example/vouchsafe/status";

fn claims(jws: &str) -> serde_json::Map<String, serde_json::Value> {
    vouchsafe_token::CompactJws::parse(jws)
        .and_then(|c| c.claims())
        .expect("a compact JWS")
}

/// The `status.status_list` a grant token points at: (uri, idx).
fn status_ref(token: &str) -> (String, u64) {
    let c = claims(token);
    let r = &c["status"]["status_list"];
    (
        r["uri"].as_str().expect("uri").to_string(),
        r["idx"].as_u64().expect("idx"),
    )
}

fn verify(token: &str, list: &str) -> Result<StatusOutcome, VerifyError> {
    verify_grant(
        token,
        &VerifyOptions {
            audience: "acme".into(),
            issuer: IssuerPolicy::AnyConsumer,
            status: StatusPolicy::List(list.to_string()),
            now: jiff::Timestamp::now().as_second(),
        },
    )
    .map(|g| g.status())
}

/// Issue `n` grants to `brand`; returns (id, token).
fn issue(v: &mut Vault, brand: &str, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|_| {
            let g = v
                .grants_mut()
                .issue(&request(brand, "email"))
                .expect("issue");
            (g.id, g.token)
        })
        .collect()
}

fn actions(v: &Vault) -> Vec<String> {
    v.audit()
        .entries()
        .expect("audit")
        .into_iter()
        .map(|e| e.event.action)
        .collect()
}

/// Vault A with a profile and two brands (one on a `urn:uuid:` list, one on a list URL the
/// consumer chose), each with a grant issued before the backup. Returns (A, backup path, the
/// pre-backup grants (id, token) of acme and cafe).
fn backed_up() -> (
    TempVault,
    Vault,
    std::path::PathBuf,
    (String, String),
    (String, String),
) {
    let (tv, mut a) = temp_vault();
    a.fields_mut()
        .set(&name("email"), "minjun@example.kr", None)
        .expect("set");
    a.brands_mut()
        .add(&NewBrand {
            id: "acme",
            name: "Acme",
            ..NewBrand::default()
        })
        .expect("acme");
    a.brands_mut()
        .add(&NewBrand {
            id: "cafe",
            name: "Cafe",
            status_url: Some(CAFE_LIST),
            ..NewBrand::default()
        })
        .expect("cafe");
    let acme = issue(&mut a, "acme", 1).remove(0);
    let cafe = issue(&mut a, "cafe", 1).remove(0);
    let backup = tv.dir.path().join("backup.vsb");
    a.backup_to(&backup, false).expect("backup");
    (tv, a, backup, acme, cafe)
}

#[test]
fn a_blind_restore_never_hands_out_a_status_bit_the_original_handed_out_after_the_backup() {
    let (tv, mut a, backup, old_acme, old_cafe) = backed_up();
    let old_acme_list = status_ref(&old_acme.1).0;
    assert!(old_acme_list.starts_with("urn:uuid:"));
    assert_eq!(status_ref(&old_cafe.1).0, CAFE_LIST);

    // A goes on after the backup: 60 more grants on acme's list, 5 on cafe's.
    let mut after_backup: BTreeSet<(String, u64)> = issue(&mut a, "acme", 60)
        .iter()
        .chain(issue(&mut a, "cafe", 5).iter())
        .map(|(_, t)| status_ref(t))
        .collect();
    assert_eq!(after_backup.len(), 65);
    drop(a);

    // A new machine: nothing but the backup.
    let other = tempfile::tempdir().expect("tempdir");
    let target = other.path().join("data").join("vault.db");
    let b = Vault::restore(&backup, &target, &Passphrase::new(PASS), false).expect("restore");
    assert!(b.check().expect("check").is_intact());
    // Until it changes, the restored vault reads exactly as the backup.
    assert_eq!(
        b.brands().get("acme").expect("acme").status_list_uri,
        old_acme_list
    );
    assert!(
        !actions(&b).contains(&"brand.status_list_renewed".to_string()),
        "nothing written by the restore itself"
    );
    // Closing and opening again keeps the mark: the renewal waits for the first change.
    drop(b);
    let mut b = unlock(&target, PASS).expect("reopen");

    let new_acme = issue(&mut b, "acme", 60);
    let new_cafe = issue(&mut b, "cafe", 5);
    let renewed: Vec<String> = b
        .audit()
        .entries()
        .expect("audit")
        .into_iter()
        .filter(|e| e.event.action == "brand.status_list_renewed")
        .map(|e| e.event.subject)
        .collect();
    assert_eq!(renewed, ["acme", "cafe"], "one renewal per brand, audited");
    let acme_list = b.brands().get("acme").expect("acme").status_list_uri;
    let cafe_list = b.brands().get("cafe").expect("cafe").status_list_uri;
    assert!(acme_list.starts_with("urn:uuid:") && acme_list != old_acme_list);
    assert!(
        cafe_list.starts_with(&format!("{CAFE_LIST}?list=")),
        "the consumer's address with a list parameter: {cafe_list}"
    );
    for (id, token) in new_acme.iter().chain(new_cafe.iter()) {
        let r = status_ref(token);
        assert!(r.0 == acme_list || r.0 == cafe_list, "{r:?}");
        assert!(
            after_backup.insert(r.clone()),
            "grant {id} shares its status bit {r:?} with a grant the original issued"
        );
        // The vault reports the list the token names.
        let info = b.grants().get(id).expect("info");
        assert_eq!((info.status_list_uri, info.status_idx as u64), r);
    }
    // Also the index alone is unique across the brand's lists this vault knows.
    let idx: BTreeSet<u64> = new_acme
        .iter()
        .map(|(_, t)| status_ref(t).1)
        .chain([status_ref(&old_acme.1).1])
        .collect();
    assert_eq!(idx.len(), 61);
    assert!(b.check().expect("check").is_intact());
    drop(tv);
}

#[test]
fn revoking_a_grant_from_before_the_restore_sets_its_bit_in_the_list_it_is_on() {
    let (_tv, a, backup, old_acme, _) = backed_up();
    drop(a);
    let other = tempfile::tempdir().expect("tempdir");
    let target = other.path().join("vault.db");
    let mut b = Vault::restore(&backup, &target, &Passphrase::new(PASS), false).expect("restore");
    let old_list = status_ref(&old_acme.1).0;
    let new = issue(&mut b, "acme", 1).remove(0);
    b.grants_mut()
        .revoke(&old_acme.0)
        .expect("revoke the old grant");

    let lists = b.brands().status_list_tokens("acme").expect("lists");
    assert_eq!(lists.len(), 2, "the current list, then the retired one");
    let (current_uri, current) = &lists[0];
    let (retired_uri, retired) = &lists[1];
    assert_eq!(retired_uri, &old_list);
    assert_eq!(current_uri, &status_ref(&new.1).0);
    assert_eq!(claims(retired)["sub"], old_list.as_str());
    assert_eq!(claims(current)["sub"], current_uri.as_str());
    // The single-list call is the current list.
    let only = b.brands().status_list_token("acme").expect("current");
    assert_eq!(claims(&only)["sub"], current_uri.as_str());

    // Checked with the real verifier: the old grant is revoked on its own list, and the new
    // list says nothing about it; the new grant is valid on the new list.
    assert!(matches!(
        verify(&old_acme.1, retired),
        Err(VerifyError::Revoked { .. })
    ));
    assert!(matches!(
        verify(&old_acme.1, current),
        Err(VerifyError::StatusListUriMismatch { .. })
    ));
    assert_eq!(
        verify(&new.1, current).expect("valid"),
        StatusOutcome::Valid
    );
    let info = b.grants().get(&old_acme.0).expect("old");
    assert_eq!(info.state, GrantState::Revoked);
    assert_eq!(info.status_list_uri, old_list);
    // Its consent receipt names the list it is on.
    let receipt =
        serde_json::Value::Object(claims(&b.grants().receipt(&old_acme.0).expect("receipt")))
            .to_string();
    assert!(receipt.contains(&old_list) && !receipt.contains(current_uri.as_str()));

    // Revoking everything the brand holds sets the new grant's bit in the new list.
    b.brands_mut().revoke_grants("acme").expect("revoke all");
    let current = b.brands().status_list_token("acme").expect("current");
    assert!(matches!(
        verify(&new.1, &current),
        Err(VerifyError::Revoked { .. })
    ));
}

#[test]
fn an_event_about_an_old_grant_carries_the_old_list() {
    let (tv, mut a) = temp_vault();
    a.fields_mut()
        .set(&name("email"), "minjun@example.kr", None)
        .expect("set");
    a.brands_mut()
        .connect(
            "https://shop.example",
            "Shop",
            "https://shop.example/events",
        )
        .expect("connect");
    let old = issue(&mut a, "https://shop.example", 1).remove(0);
    let backup = tv.dir.path().join("b.vsb");
    a.backup_to(&backup, false).expect("backup");
    drop(a);
    let other = tempfile::tempdir().expect("tempdir");
    let target = other.path().join("vault.db");
    let mut b = Vault::restore(&backup, &target, &Passphrase::new(PASS), false).expect("restore");
    let new = issue(&mut b, "https://shop.example", 1).remove(0);
    b.brands_mut()
        .revoke_grants("https://shop.example")
        .expect("revoke all");
    let sent_list = |grant: &str| -> String {
        let item = b
            .outbox()
            .list()
            .expect("outbox")
            .into_iter()
            .find(|i| i.grant_id == grant && i.event.contains("revoked"))
            .expect("a revocation event");
        let set = claims(&item.set);
        let event = set["events"]
            .as_object()
            .and_then(|m| m.values().next())
            .expect("one event");
        let list = event["status_list"].as_str().expect("a status list");
        claims(list)["sub"].as_str().expect("sub").to_string()
    };
    assert_eq!(sent_list(&old.0), status_ref(&old.1).0);
    assert_eq!(sent_list(&new.0), status_ref(&new.1).0);
    assert_ne!(status_ref(&old.1).0, status_ref(&new.1).0);
}

#[test]
fn a_restore_over_a_vault_moves_to_fresh_lists_too() {
    let (tv, mut a, backup, _, _) = backed_up();
    let later: BTreeSet<(String, u64)> = issue(&mut a, "acme", 30)
        .iter()
        .map(|(_, t)| status_ref(t))
        .collect();
    let restored = a
        .restore_over(&backup, &Passphrase::new(PASS))
        .expect("restore over");
    let mut v = restored.vault;
    // Renewed in the restore's own write, beside `vault.restored`.
    let acts = actions(&v);
    let at = |what: &str| acts.iter().position(|a| a == what).expect(what);
    assert!(at("brand.status_list_renewed") < at("vault.restored"));
    for (_, t) in issue(&mut v, "acme", 30) {
        assert!(!later.contains(&status_ref(&t)));
        // And the index alone is not one the replaced vault handed out either.
        assert!(!later.iter().any(|(_, i)| *i == status_ref(&t).1));
    }
    assert!(v.check().expect("check").is_intact());
    drop(tv);
}

#[test]
fn a_deleted_or_re_added_grant_on_a_retired_list_is_still_reported() {
    let (_tv, a, backup, old_acme, _) = backed_up();
    drop(a);
    let other = tempfile::tempdir().expect("tempdir");
    let target = other.path().join("vault.db");
    let mut b = Vault::restore(&backup, &target, &Passphrase::new(PASS), false).expect("restore");
    issue(&mut b, "acme", 1);
    b.grants_mut().revoke(&old_acme.0).expect("revoke");
    drop(b);
    let sql = |p: &Path, q: &str| {
        Connection::open(p)
            .expect("raw")
            .execute_batch(q)
            .expect("tamper")
    };
    let copy = other.path().join("deleted.db");
    std::fs::copy(&target, &copy).expect("copy");
    sql(
        &copy,
        &format!("DELETE FROM grants WHERE id = '{}'", old_acme.0),
    );
    let v = unlock(&copy, PASS).expect("opens to report");
    let report = v.check().expect("check");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.id == old_acme.0 && p.kind == ProblemKind::Missing),
        "{report:?}"
    );
    // Its list is never produced as if valid.
    assert!(v.brands().status_list_tokens("acme").is_err());
    assert!(v.brands().status_list_token("acme").is_err());

    // Put back the backup's own row of that grant (authentic, same key, not yet revoked).
    let copy = other.path().join("re-added.db");
    std::fs::copy(&target, &copy).expect("copy");
    sql(
        &copy,
        &format!(
            "ATTACH '{}' AS b; DELETE FROM grants WHERE id = '{id}';
             INSERT INTO grants SELECT * FROM b.grants WHERE id = '{id}'; DETACH b;",
            backup.display(),
            id = old_acme.0
        ),
    );
    let v = unlock(&copy, PASS).expect("opens to report");
    let report = v.check().expect("check");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.id == old_acme.0 && p.kind == ProblemKind::Replaced),
        "{report:?}"
    );
    assert!(v.brands().status_list_tokens("acme").is_err());
}

/// The frozen v3 vault holds brand records written before renewed lists existed: they read,
/// sign one list, and a restore of that file renews them like any other.
#[test]
fn brand_records_from_before_renewal_read_and_renew() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vault-v3.db");
    let path = dir.path().join("v3.db");
    std::fs::copy(fixture, &path).expect("copy fixture");
    // The fixture's passphrase is the tests' usual one (`tests/migration_v3.rs`).
    let pass = PASS;
    let v = unlock(&path, pass).expect("unlock the v3 vault");
    let brands = v.brands().list().expect("brands");
    assert!(!brands.is_empty(), "the fixture has brands");
    for b in &brands {
        let lists = v.brands().status_list_tokens(&b.id).expect("lists");
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].0, b.status_list_uri);
    }
    drop(v);
    let target = dir.path().join("restored.db");
    let mut r = Vault::restore(Path::new(fixture), &target, &Passphrase::new(pass), false)
        .expect("restore the v3 file");
    let before = brands[0].status_list_uri.clone();
    r.fields_mut()
        .set(&name("email"), "new@example.kr", None)
        .expect("a first change");
    let after = r
        .brands()
        .get(&brands[0].id)
        .expect("brand")
        .status_list_uri;
    assert_ne!(before, after);
    assert!(r.check().expect("check").is_intact());
}

/// Two handles on one restored vault (the desktop and a CLI command): whichever changes it
/// first renews the lists, the other sees the mark gone and does not renew them again.
#[test]
fn two_processes_on_a_restored_vault_renew_once() {
    let (_tv, a, backup, _, _) = backed_up();
    drop(a);
    let other = tempfile::tempdir().expect("tempdir");
    let target = other.path().join("vault.db");
    let mut first =
        Vault::restore(&backup, &target, &Passphrase::new(PASS), false).expect("restore");
    let mut second = unlock(&target, PASS).expect("a second handle");
    issue(&mut first, "acme", 1);
    let fresh = first.brands().get("acme").expect("acme").status_list_uri;
    issue(&mut second, "acme", 1);
    assert_eq!(
        second.brands().get("acme").expect("acme").status_list_uri,
        fresh
    );
    let renewals = actions(&second)
        .iter()
        .filter(|a| *a == "brand.status_list_renewed")
        .count();
    assert_eq!(renewals, 2, "acme and cafe, once each");
}
