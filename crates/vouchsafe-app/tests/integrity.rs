//! Integrity at rest, as the desktop sees it: real vault files changed behind the app's back
//! with SQL (as malware or a synced folder would, without the passphrase), rolled back to an
//! older copy, and restored from an older backup; every command runs the real core.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::{Path, PathBuf};

use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{GrantRequestDto, GrantStateDto, ProblemKindDto};
use vouchsafe_app::{AppState, ErrorKind};

mod common;

use common::{PASS, kind, s};

struct Fixture {
    dir: tempfile::TempDir,
    state: AppState,
}

impl Fixture {
    /// An unlocked vault with a profile and one brand; last-seen generations in the fixture's
    /// own directory.
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = Self::state_in(dir.path());
        c::create_vault(&state, s(PASS), s(PASS)).expect("create");
        for (name, value) in [("given_name", "민준"), ("email", "minjun@example.kr")] {
            c::set_field(&state, name, value, None).expect(name);
        }
        c::add_brand(&state, "acme", "Acme Coffee", None, None).expect("brand");
        Self { dir, state }
    }

    fn state_in(dir: &Path) -> AppState {
        AppState::new(common::config(dir))
    }

    fn vault(&self) -> PathBuf {
        self.state.vault_path().to_path_buf()
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn issue(&self) -> String {
        c::issue_grant(&self.state, &request()).expect("issue").id
    }

    /// Run `sql` on the locked vault file, as someone without the passphrase can.
    fn tamper(&self, sql: &str) {
        let conn = rusqlite::Connection::open(self.vault()).expect("open with sqlite");
        conn.execute_batch(sql).expect("tamper");
    }
}

fn request() -> GrantRequestDto {
    GrantRequestDto {
        purpose: "Order updates".into(),
        ..common::request("acme", &["email"])
    }
}

/// Issue `n` grants; returns their status indices.
fn issue_many(f: &Fixture, n: usize) -> Vec<u32> {
    let ids: Vec<String> = (0..n).map(|_| f.issue()).collect();
    let grants = c::list_grants(&f.state, None).expect("grants");
    ids.iter()
        .map(|id| {
            grants
                .iter()
                .find(|g| &g.id == id)
                .expect("listed")
                .status_idx
        })
        .collect()
}

/// No status index appears twice. With 100 grants forgotten by a restore and 100 issued after
/// it in a list of 1,024, a restore that did not carry the forgotten indices over would reuse
/// one with a probability above 99.99 %.
fn assert_distinct(idx: &[u32]) {
    let set: std::collections::BTreeSet<u32> = idx.iter().copied().collect();
    assert_eq!(set.len(), idx.len(), "a status index was handed out twice");
}

fn wal_len(vault: &Path) -> u64 {
    let mut p = vault.as_os_str().to_owned();
    p.push("-wal");
    fs::metadata(PathBuf::from(p)).map_or(0, |m| m.len())
}

fn audit_actions(st: &AppState) -> Vec<String> {
    c::audit_log(st)
        .expect("audit")
        .entries
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// Replace the vault file with `copy`, dropping its WAL companions (an older copy put back).
fn put_back(vault: &Path, copy: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut p = vault.as_os_str().to_owned();
        p.push(suffix);
        let _ = fs::remove_file(PathBuf::from(p));
    }
    fs::copy(copy, vault).expect("put the old copy back");
}

#[test]
fn an_un_revoked_grant_is_named_on_unlock_and_the_vault_stays_readable_but_not_trusted() {
    let f = Fixture::new();
    let st = &f.state;
    let id = f.issue();
    c::revoke_grant(st, &id).expect("revoke");
    let backup_before = f.path("before.vault");
    c::lock(st).expect("lock");
    f.tamper(&format!(
        "UPDATE grants SET revoked_at = NULL WHERE id = '{id}'"
    ));

    let opened = c::unlock(st, s(PASS), false, false).expect("unlock");
    assert!(
        opened.unlocked,
        "a tampered vault still opens, to be looked at"
    );
    let report = &opened.integrity;
    assert!(!report.intact);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.table == "grants" && p.id == id && p.kind == ProblemKindDto::Altered),
        "names the grant: {:?}",
        report.problems
    );
    // The window keeps the report (a reload shows the same warning) until it locks.
    let status = c::app_status(st).expect("status");
    assert_eq!(status.integrity.as_ref(), Some(report));
    let json = serde_json::to_value(&status).expect("json");
    assert_eq!(json["integrity"]["problems"][0]["kind"], "altered");

    // Readable where the rows are authentic; never a status list built from the changed row,
    // and no write that would re-anchor it.
    assert_eq!(c::list_fields(st).expect("fields").len(), 2);
    assert_eq!(kind(c::status_list(st, "acme")), ErrorKind::Integrity);
    let grants = c::list_grants(st, None);
    assert!(
        grants.is_err()
            || grants
                .as_ref()
                .is_ok_and(|g| g.iter().all(|g| g.state == GrantStateDto::Revoked)),
        "the un-revoked grant is never shown live: {grants:?}"
    );
    assert_eq!(
        kind(c::set_field(st, "nickname", "준이", None)),
        ErrorKind::Integrity
    );
    assert_eq!(kind(c::revoke_brand(st, "acme")), ErrorKind::Integrity);
    // A copy can still be taken, to keep the evidence or to look at elsewhere.
    c::backup(st, &backup_before, false).expect("backup of a tampered vault");

    c::lock(st).expect("lock");
    assert_eq!(c::app_status(st).expect("status").integrity, None);
}

#[test]
fn deleted_and_re_added_rows_are_named() {
    let f = Fixture::new();
    let st = &f.state;
    let id = f.issue();
    c::lock(st).expect("lock");
    // A deleted grant (its revocation with it, had it one): reported missing.
    f.tamper(&format!("DELETE FROM grants WHERE id = '{id}'"));
    let opened = c::unlock(st, s(PASS), false, false).expect("unlock");
    assert!(
        opened
            .integrity
            .problems
            .iter()
            .any(|p| p.table == "grants" && p.id == id && p.kind == ProblemKindDto::Missing),
        "{:?}",
        opened.integrity.problems
    );
    assert_eq!(kind(c::status_list(st, "acme")), ErrorKind::Integrity);
    c::lock(st).expect("lock");

    // A field row copied under a new id: reported as added.
    f.tamper(
        "INSERT INTO fields (id, sealed, created_at, updated_at, mac)
         SELECT 'ffffffffffffffffffffffffffffffff', sealed, created_at, updated_at, mac
         FROM fields LIMIT 1",
    );
    let opened = c::unlock(st, s(PASS), false, false).expect("unlock");
    assert!(
        opened.integrity.problems.iter().any(|p| p.table == "fields"
            && p.id == "ffffffffffffffffffffffffffffffff"
            && p.kind != ProblemKindDto::Anchor),
        "{:?}",
        opened.integrity.problems
    );
}

#[test]
fn an_intact_vault_reports_intact() {
    let f = Fixture::new();
    c::lock(&f.state).expect("lock");
    let opened = c::unlock(&f.state, s(PASS), false, false).expect("unlock");
    assert!(opened.unlocked && opened.integrity.intact);
    assert!(opened.integrity.problems.is_empty());
    assert_eq!(opened.integrity.rollback, None);
    assert!(opened.integrity.rows >= 3, "{:?}", opened.integrity);
}

#[test]
fn a_rolled_back_vault_stays_locked_until_accepted_and_the_accept_is_audited() {
    let f = Fixture::new();
    let st = &f.state;
    c::lock(st).expect("lock");
    let old = f.dir.path().join("old-copy.db");
    fs::copy(f.vault(), &old).expect("copy");
    c::unlock(st, s(PASS), false, false).expect("unlock");
    let id = f.issue();
    c::revoke_grant(st, &id).expect("revoke");
    c::lock(st).expect("lock");

    put_back(&f.vault(), &old);
    let refused = c::unlock(st, s(PASS), false, false).expect("unlock answers");
    assert!(!refused.unlocked, "not opened without the person's say-so");
    let rb = refused.integrity.rollback.expect("rollback reported");
    assert!(rb.generation < rb.seen && !rb.accepted, "{rb:?}");
    assert!(
        refused.integrity.intact,
        "an older copy is consistent in itself"
    );
    assert!(!c::app_status(st).expect("status").unlocked);
    assert_eq!(kind(c::list_fields(st)), ErrorKind::Locked);

    let accepted = c::unlock(st, s(PASS), false, true).expect("accept");
    assert!(accepted.unlocked);
    let rb = accepted.integrity.rollback.expect("still reported");
    assert!(rb.accepted);
    assert!(
        accepted.integrity.generation > Some(rb.seen),
        "moved past what was seen"
    );
    assert!(
        audit_actions(st).contains(&"vault.rollback_accepted".to_string()),
        "the accept is in the activity log"
    );
    assert!(
        c::list_grants(st, None).expect("grants").is_empty(),
        "the older copy"
    );
    c::lock(st).expect("lock");
    // Accepted once: the next unlock is an ordinary one.
    let again = c::unlock(st, s(PASS), false, false).expect("unlock");
    assert!(again.unlocked && again.integrity.rollback.is_none());
    c::lock(st).expect("lock");

    // The generation seen lives outside the vault's folder: a second app state on this
    // machine (the next launch) is warned about the same older copy.
    put_back(&f.vault(), &old);
    let next_launch = Fixture::state_in(f.dir.path());
    let refused = c::unlock(&next_launch, s(PASS), false, false).expect("unlock answers");
    assert!(!refused.unlocked && refused.integrity.rollback.is_some());
}

#[test]
fn restoring_an_older_backup_previews_what_it_would_undo_and_waits_for_confirmation() {
    let f = Fixture::new();
    let st = &f.state;
    let kept = f.issue();
    let backup = f.path("backup.vault");
    c::backup(st, &backup, false).expect("backup");
    c::revoke_grant(st, &kept).expect("revoke since the backup");
    let later = f.issue();

    let preview =
        c::restore_backup(st, &backup, s(PASS), s(PASS), true, false, false).expect("preview");
    assert!(!preview.restored && preview.safety_copy.is_none());
    let p = preview.preview.expect("a preview");
    assert!(p.replacing && p.older && p.needs_confirmation, "{p:?}");
    let rb = p.rollback.expect("older than this machine has seen, too");
    assert!(rb.generation < rb.seen && !rb.accepted);
    assert_eq!(p.unrevoked.len(), 1);
    assert_eq!(p.unrevoked[0].id, kept);
    assert_eq!(p.unrevoked[0].brand_name, "Acme Coffee");
    assert_eq!(p.unrevoked[0].released, vec!["email".to_string()]);
    assert!(p.unrevoked[0].revoked_at.is_some());
    assert_eq!(p.forgotten.len(), 1);
    assert_eq!(p.forgotten[0].id, later);
    assert_eq!(p.forgotten[0].brand_name, "Acme Coffee");
    // Nothing happened: the grant is still revoked, no copy was made.
    let now = c::list_grants(st, None).expect("grants");
    assert!(
        now.iter()
            .any(|g| g.id == kept && g.state == GrantStateDto::Revoked)
    );
    let copies = fs::read_dir(f.vault().parent().expect("dir"))
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".replaced-"))
        .count();
    assert_eq!(copies, 0);
    // The preview also proves both passphrases.
    assert_eq!(
        kind(c::restore_backup(
            st,
            &backup,
            s(PASS),
            s("not the one"),
            true,
            false,
            false
        )),
        ErrorKind::WrongPassphrase
    );

    let done =
        c::restore_backup(st, &backup, s(PASS), s(PASS), true, false, true).expect("confirmed");
    assert!(done.restored && done.safety_copy.is_some() && done.preview.is_none());
    assert!(done.integrity.expect("checked").intact);
    let grants = c::list_grants(st, None).expect("grants");
    assert!(
        grants
            .iter()
            .any(|g| g.id == kept && g.state == GrantStateDto::Active)
    );
    // (That no status index is handed out twice across this restore is the core's
    // `tests/integrity.rs`; the restore over a tampered vault below checks it for the app.)
    assert!(audit_actions(st).contains(&"vault.restored".to_string()));
    // After a restore the vault opens as current: the restore moved its generation on.
    c::lock(st).expect("lock");
    let opened = c::unlock(st, s(PASS), false, false).expect("unlock");
    assert!(opened.unlocked && opened.integrity.rollback.is_none());
}

#[test]
fn restoring_an_older_backup_where_no_vault_is_asks_too() {
    let f = Fixture::new();
    let st = &f.state;
    let backup = f.path("backup.vault");
    c::backup(st, &backup, false).expect("backup");
    f.issue();
    c::erase_vault(st, "ERASE", s(PASS)).expect("erase");

    let asked =
        c::restore_backup(st, &backup, s(PASS), s(""), false, false, false).expect("preview");
    assert!(!asked.restored);
    assert!(!f.vault().exists(), "nothing installed before the answer");
    let p = asked.preview.expect("preview");
    assert!(!p.replacing && p.needs_confirmation);
    let rb = p.rollback.expect("older than this machine saw");
    assert!(rb.generation < rb.seen);

    let done =
        c::restore_backup(st, &backup, s(PASS), s(""), false, false, true).expect("confirmed");
    assert!(done.restored);
    assert!(
        done.integrity
            .expect("checked")
            .rollback
            .expect("reported")
            .accepted
    );
    assert!(audit_actions(st).contains(&"vault.rollback_accepted".to_string()));
}

#[test]
fn deletes_and_revocations_leave_no_wal_behind() {
    let f = Fixture::new();
    let st = &f.state;
    let id = f.issue();
    // An ordinary write leaves its pages in the WAL...
    c::add_brand(st, "beans", "Beans", None, None).expect("brand");
    assert!(wal_len(&f.vault()) > 0, "the write is in the WAL");
    // ...a removal does not.
    c::remove_field(st, "given_name").expect("remove");
    assert_eq!(wal_len(&f.vault()), 0, "remove_field checkpoints");
    c::add_brand(st, "tea", "Tea", None, None).expect("brand");
    c::revoke_grant(st, &id).expect("revoke");
    assert_eq!(wal_len(&f.vault()), 0, "revoke_grant checkpoints");
    c::add_brand(st, "milk", "Milk", None, None).expect("brand");
    c::remove_brand(st, "beans", false).expect("remove brand");
    assert_eq!(wal_len(&f.vault()), 0, "remove_brand checkpoints");
    c::add_brand(st, "sugar", "Sugar", None, None).expect("brand");
    c::set_field(st, "email", "other@example.kr", None).expect("overwrite");
    assert_eq!(wal_len(&f.vault()), 0, "overwriting a value checkpoints");
}

#[test]
fn a_tampered_vault_can_be_replaced_by_a_backup_after_a_preview_that_says_so() {
    let f = Fixture::new();
    let st = &f.state;
    let id = f.issue();
    let backup = f.path("b.vault");
    c::backup(st, &backup, false).expect("backup");
    // Issued after the backup: their status indices must not be handed out again.
    let mut idx = issue_many(&f, 100);
    c::revoke_grant(st, &id).expect("revoke");
    c::lock(st).expect("lock");
    f.tamper(&format!(
        "UPDATE grants SET revoked_at = NULL WHERE id = '{id}'"
    ));
    let opened = c::unlock(st, s(PASS), false, false).expect("unlock");
    assert!(!opened.integrity.intact);

    let asked = c::restore_backup(st, &backup, s(PASS), s(PASS), true, false, false)
        .expect("preview of a restore over a tampered vault");
    let p = asked.preview.expect("preview");
    assert!(
        !asked.restored && p.replacing && p.current_untrusted && p.needs_confirmation && p.older
    );
    assert_eq!(
        kind(c::restore_backup(
            st,
            &backup,
            s(PASS),
            s("wrong one"),
            true,
            false,
            true
        )),
        ErrorKind::WrongPassphrase,
        "still only with the passphrase of the vault it replaces"
    );

    let done = c::restore_backup(st, &backup, s(PASS), s(PASS), true, false, true)
        .expect("restore over a tampered vault");
    assert!(done.restored && done.safety_copy.is_some());
    let report = done.integrity.expect("checked");
    assert!(report.intact, "{report:?}");
    assert_eq!(
        report.rollback, None,
        "the generation moved on past the replaced vault's"
    );
    assert!(
        c::app_status(st)
            .expect("status")
            .integrity
            .expect("kept")
            .intact
    );
    assert_eq!(c::list_grants(st, None).expect("grants").len(), 1);
    c::status_list(st, "acme").expect("a trusted status list again");
    assert!(audit_actions(st).contains(&"vault.restored".to_string()));
    idx.extend(issue_many(&f, 100));
    assert_distinct(&idx);
}

#[test]
fn an_older_copy_that_was_also_tampered_with_opens_read_only_and_the_warning_stays() {
    let f = Fixture::new();
    let st = &f.state;
    let id = f.issue();
    c::revoke_grant(st, &id).expect("revoke");
    let old = f.dir.path().join("old-copy.db");
    c::backup(st, &old.display().to_string(), false).expect("old copy");
    c::add_brand(st, "beans", "Beans", None, None).expect("a later write");
    c::lock(st).expect("lock");
    put_back(&f.vault(), &old);
    f.tamper(&format!(
        "UPDATE grants SET revoked_at = NULL WHERE id = '{id}'"
    ));

    let asked = c::unlock(st, s(PASS), false, false).expect("unlock answers");
    assert!(!asked.unlocked && !asked.integrity.intact);
    let opened = c::unlock(st, s(PASS), false, true).expect("accept");
    assert!(opened.unlocked, "readable, to look at and to restore over");
    let rb = opened.integrity.rollback.expect("reported");
    assert!(
        !rb.accepted,
        "a vault with problems refuses the write that would record the acceptance"
    );
    assert_eq!(kind(c::status_list(st, "acme")), ErrorKind::Integrity);
    c::lock(st).expect("lock");
    let again = c::unlock(st, s(PASS), false, false).expect("unlock answers");
    assert!(!again.unlocked, "still an older copy: asked again");
}

/// Proving a backup's passphrase and previewing its restore only ever read the backup: an
/// older file (the frozen schema-3 vault, which unlocking migrates) keeps every byte, whether
/// the passphrase was wrong, the restore was only previewed, or it went ahead.
#[test]
fn previewing_or_restoring_an_older_backup_never_writes_it() {
    let f = Fixture::new();
    let st = &f.state;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/vault-v3.db"
    );
    let backup = f.path("v3-backup.vault");
    fs::copy(fixture, &backup).expect("copy the v3 fixture");
    let original = fs::read(&backup).expect("read");
    let unchanged = |when: &str| {
        assert!(
            fs::read(&backup).expect("read") == original,
            "the backup changed: {when}"
        );
        for side in ["-wal", "-shm", ".lock"] {
            assert!(
                !Path::new(&format!("{backup}{side}")).exists(),
                "{side} beside the backup: {when}"
            );
        }
        let left: Vec<String> = fs::read_dir(f.vault().parent().expect("dir"))
            .expect("ls")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".reading-"))
            .collect();
        assert!(left.is_empty(), "temporary copies left: {left:?} ({when})");
    };

    assert_eq!(
        kind(c::restore_backup(
            st,
            &backup,
            s("not its passphrase"),
            s(PASS),
            true,
            true,
            false
        )),
        ErrorKind::WrongPassphrase
    );
    unchanged("wrong passphrase");
    let asked = c::restore_backup(st, &backup, s(PASS), s(PASS), true, true, false)
        .expect("preview over the vault");
    assert!(!asked.restored && asked.preview.is_some());
    unchanged("preview over a vault");

    // Where no vault is (the welcome screen), then confirmed over one.
    let empty = tempfile::tempdir().expect("tempdir");
    let fresh = Fixture::state_in(empty.path());
    let done = c::restore_backup(&fresh, &backup, s(PASS), s(""), false, true, true)
        .expect("restore where no vault is");
    assert!(done.restored);
    unchanged("restore where no vault is");
    let done = c::restore_backup(st, &backup, s(PASS), s(PASS), true, true, true)
        .expect("restore over a vault");
    assert!(done.restored);
    unchanged("restore over a vault");
}
