//! Hostile files: a vault or backup written by someone who has the file but not the passphrase.
//! Each is refused on open, and by restore before anything at the target is touched.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;

use common::*;
use rusqlite::Connection;
use vouchsafe::crypto::kdf::KdfError;
use vouchsafe::store::StoreError;
use vouchsafe::{ErrorClass, Passphrase, Vault, VaultError};

/// A plain SQLite connection, as an attacker with write access would use.
fn raw(path: &Path) -> Connection {
    Connection::open(path).expect("raw sqlite")
}

/// A vault with one field, closed, plus an encrypted backup of it beside it.
fn vault_and_backup() -> (TempVault, std::path::PathBuf) {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    let backup = tv.dir.path().join("backup.vsb");
    vault.backup_to(&backup, false).expect("backup");
    drop(vault);
    (tv, backup)
}

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
fn a_file_asking_for_4_gib_and_64_passes_is_refused_on_open_without_deriving() {
    let (tv, vault) = temp_vault();
    drop(vault);
    raw(&tv.path)
        .execute("UPDATE vault_meta SET kdf_m_kib = 4194304, kdf_t = 64", [])
        .expect("edit");
    let before = peak_rss_kib();
    // Refused by `open`, which never derives: the face never reaches `unlock`.
    let err = Vault::open(&tv.path).expect_err("hostile parameters");
    assert!(
        matches!(err, VaultError::Kdf(KdfError::TooCostly(p)) if p.m_kib == 4194304 && p.t == 64),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::VaultDamaged);
    assert!(err.to_string().contains("exceed the maximum"), "{err}");
    // No 4 GiB (not even 1 GiB) was ever touched; other tests in this binary derive at 64 MiB.
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(grown < 1024 * 1024, "peak memory grew by {grown} KiB");

    // Just above the ceiling in one dimension each is refused too; the ceiling itself is not.
    for (m, t) in [(2 * 1024 * 1024 + 1, 3), (64 * 1024, 11)] {
        raw(&tv.path)
            .execute("UPDATE vault_meta SET kdf_m_kib = ?1, kdf_t = ?2", [m, t])
            .expect("edit");
        assert!(matches!(
            Vault::open(&tv.path),
            Err(VaultError::Kdf(KdfError::TooCostly(_)))
        ));
    }
}

#[test]
fn a_salt_outside_the_bounds_is_refused_on_open() {
    let (tv, vault) = temp_vault();
    drop(vault);
    for len in [8usize, 65, 1 << 20] {
        raw(&tv.path)
            .execute("UPDATE vault_meta SET kdf_salt = ?1", [vec![7u8; len]])
            .expect("edit");
        let err = Vault::open(&tv.path).expect_err("bad salt");
        assert!(
            matches!(err, VaultError::Kdf(KdfError::BadSalt(n)) if n == len),
            "{err}"
        );
    }
}

#[test]
fn locked_vault_reports_the_parameters_it_will_derive_with() {
    let (tv, vault) = temp_vault();
    drop(vault);
    let locked = Vault::open(&tv.path).expect("open");
    assert_eq!(locked.kdf_params(), TEST_KDF);
    assert!(!locked.kdf_params().exceeds_default());
    let heavier = vouchsafe::KdfParams {
        m_kib: 512 * 1024,
        ..TEST_KDF
    };
    drop(locked);
    raw(&tv.path)
        .execute("UPDATE vault_meta SET kdf_m_kib = ?1", [heavier.m_kib])
        .expect("edit");
    let locked = Vault::open(&tv.path).expect("open");
    assert!(locked.kdf_params().exceeds_default());
}

#[test]
fn a_backup_asking_for_too_much_is_refused_before_restore_writes() {
    let (tv, backup) = vault_and_backup();
    raw(&backup)
        .execute("UPDATE vault_meta SET kdf_t = 64", [])
        .expect("edit");
    let target = tv.dir.path().join("restored.db");
    let err = Vault::restore(&backup, &target, &Passphrase::new(PASS), false)
        .expect_err("hostile backup");
    assert!(
        matches!(err, VaultError::Kdf(KdfError::TooCostly(_))),
        "{err}"
    );
    assert!(!target.exists());
}

/// What an attacker with write access plants, and the name the refusal must carry.
const PLANTED: &[(&str, &str)] = &[
    (
        "CREATE TRIGGER unrevoke AFTER UPDATE ON grants BEGIN
           UPDATE grants SET revoked_at = NULL WHERE id = NEW.id; END",
        "trigger \"unrevoke\"",
    ),
    (
        "CREATE TRIGGER on_field AFTER INSERT ON fields BEGIN SELECT 1; END",
        "trigger \"on_field\"",
    ),
    ("CREATE VIEW peek AS SELECT id FROM fields", "view \"peek\""),
    ("CREATE TABLE stash (x BLOB)", "table \"stash\""),
    (
        "CREATE INDEX by_time ON fields (updated_at)",
        "index \"by_time\"",
    ),
];

fn assert_schema_refusal(err: &VaultError, named: &str) {
    assert!(
        matches!(err, VaultError::Store(StoreError::UnexpectedSchema { .. })),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::Integrity);
    let msg = err.to_string();
    assert!(msg.contains(named), "{msg:?} should name {named}");
    assert!(msg.contains("not part of a Vouchsafe vault"), "{msg}");
}

#[test]
fn planted_triggers_views_tables_and_indexes_are_refused_on_open() {
    for (sql, named) in PLANTED {
        let (tv, vault) = temp_vault();
        drop(vault);
        raw(&tv.path).execute_batch(sql).expect("plant");
        let err = Vault::open(&tv.path).expect_err(sql);
        assert_schema_refusal(&err, named);
    }
}

#[test]
fn a_dropped_or_altered_table_is_refused_on_open() {
    let (tv, vault) = temp_vault();
    drop(vault);
    raw(&tv.path)
        .execute_batch("DROP INDEX grants_by_brand")
        .expect("drop");
    assert_schema_refusal(
        &Vault::open(&tv.path).expect_err("dropped"),
        "no index \"grants_by_brand\"",
    );

    let (tv, vault) = temp_vault();
    drop(vault);
    raw(&tv.path)
        .execute_batch("ALTER TABLE fields ADD COLUMN note TEXT")
        .expect("alter");
    assert_schema_refusal(
        &Vault::open(&tv.path).expect_err("altered"),
        "an altered table \"fields\"",
    );
}

#[test]
fn planted_schema_in_a_backup_is_refused_before_restore_installs_it() {
    for (sql, named) in PLANTED {
        let (tv, backup) = vault_and_backup();
        raw(&backup).execute_batch(sql).expect("plant");
        // To a new place: nothing is created.
        let target = tv.dir.path().join("restored.db");
        let err = Vault::restore(&backup, &target, &Passphrase::new(PASS), false)
            .expect_err("planted backup");
        assert_schema_refusal(&err, named);
        assert!(!target.exists());
        // Over the live vault: it is left byte for byte as it was.
        let before = std::fs::read(&tv.path).expect("read");
        let err = Vault::restore(&backup, &tv.path, &Passphrase::new(PASS), true)
            .expect_err("planted backup over the vault");
        assert_schema_refusal(&err, named);
        assert_eq!(std::fs::read(&tv.path).expect("read"), before);
        unlock(&tv.path, PASS).expect("the live vault still opens");
    }
}

// ---- Another user on the machine, and another process of the same user ----

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .expect("stat")
        .permissions()
        .mode()
        & 0o777
}

/// Watches `dir` from another thread, recording the mode of every file it ever sees there:
/// temporary files, WALs and lock files included, while they are being written.
struct Watcher {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<BTreeMap<String, u32>>,
}

impl Watcher {
    fn start(dir: &Path) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (dir, flag) = (dir.to_path_buf(), stop.clone());
        let handle = std::thread::spawn(move || {
            let mut seen: BTreeMap<String, u32> = BTreeMap::new();
            loop {
                let last = flag.load(Ordering::SeqCst);
                for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    if let Ok(m) = e.metadata() {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let bits = m.permissions().mode() & 0o777;
                        // Keep the loosest mode ever seen for a name.
                        let worst = seen.entry(name).or_insert(bits);
                        *worst |= bits;
                    }
                }
                if last {
                    return seen;
                }
            }
        });
        Self { stop, handle }
    }

    fn finish(self) -> BTreeMap<String, u32> {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("watcher")
    }
}

#[test]
fn every_file_the_vault_creates_is_private_from_its_first_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A permissive umask would show any file created with default permissions.
    let home = dir.path().join("data");
    std::fs::create_dir(&home).expect("mkdir");
    let watch = Watcher::start(&home);
    let path = home.join("vault.db");
    let mut vault = Vault::create(&path, &Passphrase::new(PASS), TEST_KDF).expect("create");
    for i in 0..20 {
        vault
            .fields_mut()
            .set(&name(&format!("custom.f{i}")), "value", None)
            .expect("set");
    }
    let backup = home.join("b.vsb");
    vault.backup_to(&backup, false).expect("backup");
    vault.backup_to(&backup, true).expect("backup over");
    vault
        .fields_mut()
        .export_plaintext_to(&home.join("export.json"))
        .expect("export");
    vault
        .change_passphrase(&Passphrase::new("the second passphrase"), None)
        .expect("passwd");
    let restored = Vault::restore(
        &backup,
        &home.join("other.db"),
        &Passphrase::new(PASS),
        false,
    )
    .expect("restore");
    drop(restored);
    let replaced = vault
        .restore_over(&backup, &Passphrase::new(PASS))
        .expect("restore over");
    let safety = replaced.safety_copy.clone();
    // A new directory on the way to a restore target is owner-only too.
    let nested = home.join("deeper").join("v.db");
    drop(Vault::restore(&backup, &nested, &Passphrase::new(PASS), false).expect("restore"));
    assert_eq!(mode(&home.join("deeper")), 0o700);
    replaced.vault.erase().expect("erase");
    let seen = watch.finish();

    for must in [
        "vault.db",
        "vault.db.lock",
        "b.vsb",
        "export.json",
        "other.db",
    ] {
        assert!(seen.contains_key(must), "never saw {must}: {seen:?}");
    }
    let safety_name = safety.file_name().expect("name").to_string_lossy();
    assert!(
        safety_name.starts_with("vault.db.replaced-"),
        "{safety_name}"
    );
    assert!(seen.contains_key(safety_name.as_ref()));
    assert!(
        seen.keys().any(|k| k.ends_with("-wal")),
        "never saw a WAL: {seen:?}"
    );
    for (file, bits) in &seen {
        let expect = if file == "deeper" { 0o700 } else { 0o600 };
        assert_eq!(*bits, expect, "{file} was {bits:o} at some point: {seen:?}");
    }
    assert_eq!(mode(&safety), 0o600);
    // Erase took the vault, its companions and its lock file.
    for gone in ["vault.db", "vault.db-wal", "vault.db-shm", "vault.db.lock"] {
        assert!(!home.join(gone).exists(), "{gone} survived erase");
    }
}

#[test]
fn restore_over_keeps_the_replaced_vault_and_says_where() {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "old@example.com", None)
        .expect("set");
    let backup = tv.dir.path().join("b.vsb");
    vault.backup_to(&backup, false).expect("backup");
    vault
        .fields_mut()
        .set(&name("email"), "new@example.com", None)
        .expect("set");
    let r = vault
        .restore_over(&backup, &Passphrase::new(PASS))
        .expect("restore over");
    assert_eq!(snapshot(&r.vault), ["email=old@example.com"]);
    assert_eq!(r.safety_copy.parent(), tv.path.parent());
    drop(r.vault);
    // The safety copy is the vault as it was just before, with its own passphrase.
    let kept = unlock(&r.safety_copy, PASS).expect("safety copy opens");
    assert_eq!(snapshot(&kept), ["email=new@example.com"]);
}

#[test]
fn erase_overwrites_the_key_slot_before_unlinking() {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    // Another name for the same inode: what a file recovery tool, or a process that kept the
    // file open, would still see after the unlink.
    let other_name = tv.dir.path().join("still-here.db");
    std::fs::hard_link(&tv.path, &other_name).expect("link");
    vault.erase().expect("erase");
    assert!(!tv.path.exists());
    let (wrapped, salt): (Vec<u8>, Vec<u8>) = raw(&other_name)
        .query_row("SELECT wrapped_key, kdf_salt FROM vault_meta", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("slot");
    assert!(!wrapped.is_empty() && wrapped.iter().all(|b| *b == 0));
    assert!(salt.iter().all(|b| *b == 0));
    assert!(matches!(
        unlock(&other_name, PASS),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn a_vault_open_elsewhere_is_not_replaced_erased_or_rekeyed_under_it() {
    let (tv, vault) = temp_vault();
    let backup = tv.dir.path().join("b.vsb");
    vault.backup_to(&backup, false).expect("backup");
    // A second handle: another process, as far as the lock is concerned.
    let mut other = unlock(&tv.path, PASS).expect("second handle");
    let in_use = |r: vouchsafe::Result<()>| {
        let err = r.expect_err("must be refused");
        assert!(matches!(err, VaultError::InUse(_)), "{err}");
        assert_eq!(err.class(), ErrorClass::Busy);
        assert!(err.to_string().contains("open in another process"), "{err}");
    };
    in_use(other.change_passphrase(&Passphrase::new("another passphrase"), None));
    in_use(Vault::restore(&backup, &tv.path, &Passphrase::new(PASS), true).map(drop));
    in_use(other.erase());
    // The first handle is untouched and still works, and the passphrase is unchanged.
    assert!(vault.fields().list().expect("list").is_empty());
    drop(vault);
    let mut alone = unlock(&tv.path, PASS).expect("unlock");
    alone
        .change_passphrase(&Passphrase::new("another passphrase"), None)
        .expect("alone, it works");
    // The lock went back to shared afterwards: others can open again.
    let again = unlock(&tv.path, "another passphrase").expect("opens with the new one");
    drop(again);
    drop(alone);
}
