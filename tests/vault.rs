//! The vault core against real files: encryption at rest, integrity, passphrases, backups.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use common::*;
use rusqlite::Connection;
use vouchsafe::store::StoreError;
use vouchsafe::{KdfParams, Passphrase, Vault, VaultError};

/// One value of every kind of field a consumer can keep, as a person would type it.
const EVERY_KIND: &[(&str, &str)] = &[
    ("given_name", "길동"),
    ("family_name", "홍"),
    ("email", "gildong@example.com"),
    ("phone_number", "010-1234-5678"),
    ("birthdate", "1990-03-14"),
    ("address.locality", "서울특별시"),
    ("custom.blood_type", "A"),
];

#[test]
fn every_field_kind_round_trips_through_a_reopened_vault() {
    let (tv, mut vault) = temp_vault();
    let mut expected = Vec::new();
    for (n, v) in EVERY_KIND {
        let f = vault
            .fields_mut()
            .set(&name(n), v, Some("my label"))
            .expect(n);
        expected.push((n.to_string(), f.value.to_string()));
    }
    drop(vault);
    let vault = unlock(&tv.path, PASS).expect("unlock");
    for (n, v) in &expected {
        let f = vault.fields().get(&name(n)).expect("get").expect("present");
        assert_eq!(&*f.value, v, "{n}");
        assert_eq!(f.label.as_deref().map(|s| s.as_str()), Some("my label"));
    }
    assert_eq!(vault.fields().list().expect("list").len(), expected.len());
}

#[test]
fn setting_without_a_label_keeps_the_old_label_and_rm_removes() {
    let (_tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", Some("work"))
        .expect("set");
    vault
        .fields_mut()
        .set(&name("email"), "b@example.com", None)
        .expect("set");
    let f = vault
        .fields()
        .get(&name("email"))
        .expect("get")
        .expect("present");
    assert_eq!(f.value.as_str(), "b@example.com");
    assert_eq!(f.label.as_deref().map(|s| s.as_str()), Some("work"));
    assert!(vault.fields_mut().remove(&name("email")).expect("rm"));
    assert!(!vault.fields_mut().remove(&name("email")).expect("rm again"));
    assert!(vault.fields().get(&name("email")).expect("get").is_none());
}

#[test]
fn wrong_passphrase_is_refused_and_nothing_is_written() {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    drop(vault);
    let before = std::fs::read(&tv.path).expect("read");
    let err = unlock(&tv.path, "not the passphrase").expect_err("must fail");
    assert!(matches!(err, VaultError::WrongPassphrase), "{err}");
    assert_eq!(err.to_string(), "wrong passphrase");
    assert_eq!(std::fs::read(&tv.path).expect("read"), before);
}

#[test]
fn passphrase_change_keeps_every_value_and_retires_the_old_one() {
    let (tv, mut vault) = temp_vault();
    for (n, v) in EVERY_KIND {
        vault.fields_mut().set(&name(n), v, None).expect(n);
    }
    let before: Vec<String> = snapshot(&vault);
    vault
        .change_passphrase(&Passphrase::new("새로운 비밀번호 123"), None)
        .expect("passwd");
    drop(vault);
    assert!(matches!(
        unlock(&tv.path, PASS),
        Err(VaultError::WrongPassphrase)
    ));
    let vault = unlock(&tv.path, "새로운 비밀번호 123").expect("new passphrase");
    let after: Vec<String> = snapshot(&vault);
    assert_eq!(before, after);
}

#[test]
fn passphrase_change_can_raise_kdf_parameters() {
    let (tv, mut vault) = temp_vault();
    let stronger = KdfParams {
        m_kib: 96 * 1024,
        t: 4,
        p: 2,
    };
    vault
        .change_passphrase(&Passphrase::new("another long passphrase"), Some(stronger))
        .expect("passwd");
    drop(vault);
    let vault = unlock(&tv.path, "another long passphrase").expect("unlock");
    assert_eq!(vault.kdf_params().expect("params"), stronger);
}

#[test]
fn short_passphrases_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Vault::create(
        &dir.path().join("v.db"),
        &Passphrase::new("short"),
        TEST_KDF,
    )
    .expect_err("too short");
    assert!(matches!(err, VaultError::PassphraseTooShort));
    assert!(!dir.path().join("v.db").exists(), "nothing half-written");
}

#[test]
fn create_refuses_to_overwrite() {
    let (tv, vault) = temp_vault();
    drop(vault);
    let err = Vault::create(&tv.path, &Passphrase::new(PASS), TEST_KDF).expect_err("exists");
    assert!(matches!(err, VaultError::AlreadyExists(_)));
}

fn raw(path: &std::path::Path) -> Connection {
    Connection::open(path).expect("raw sqlite")
}

#[test]
fn a_ciphertext_swapped_between_rows_is_detected() {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    vault
        .fields_mut()
        .set(&name("given_name"), "길동", None)
        .expect("set");
    drop(vault);
    let c = raw(&tv.path);
    let rows: Vec<(String, Vec<u8>)> = c
        .prepare("SELECT id, sealed FROM fields ORDER BY id")
        .expect("prep")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    c.execute(
        "UPDATE fields SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![rows[1].1, rows[0].0],
    )
    .expect("swap");
    c.execute(
        "UPDATE fields SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![rows[0].1, rows[1].0],
    )
    .expect("swap");
    drop(c);
    let vault = unlock(&tv.path, PASS).expect("unlock");
    let err = vault.fields().list().expect_err("swapped");
    assert!(matches!(err, VaultError::Integrity(_)), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("fields/") && msg.contains("integrity"),
        "{msg}"
    );
    assert!(vault.fields().get(&name("email")).is_err());
}

#[test]
fn a_flipped_bit_is_detected_and_named() {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    drop(vault);
    let c = raw(&tv.path);
    let (id, mut sealed): (String, Vec<u8>) = c
        .query_row("SELECT id, sealed FROM fields", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    let last = sealed.len() - 5;
    sealed[last] ^= 0x01;
    c.execute(
        "UPDATE fields SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![sealed, id],
    )
    .expect("flip");
    drop(c);
    let vault = unlock(&tv.path, PASS).expect("unlock");
    let err = vault.fields().get(&name("email")).expect_err("flipped");
    assert_eq!(
        err.to_string(),
        format!("record fields/{id} failed its integrity check (altered, moved or corrupted)")
    );
}

#[test]
fn a_row_moved_under_another_id_is_detected() {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    drop(vault);
    let c = raw(&tv.path);
    c.execute(
        "UPDATE fields SET id = 'ffffffffffffffffffffffffffffffff'",
        [],
    )
    .expect("move");
    drop(c);
    let vault = unlock(&tv.path, PASS).expect("unlock");
    assert!(matches!(
        vault.fields().list(),
        Err(VaultError::Integrity(_))
    ));
}

#[test]
fn a_tampered_key_slot_reads_as_a_wrong_passphrase_not_a_panic() {
    let (tv, vault) = temp_vault();
    drop(vault);
    let c = raw(&tv.path);
    let mut wrapped: Vec<u8> = c
        .query_row("SELECT wrapped_key FROM vault_meta", [], |r| r.get(0))
        .expect("row");
    wrapped[20] ^= 0x80;
    c.execute("UPDATE vault_meta SET wrapped_key = ?1", [wrapped])
        .expect("tamper");
    drop(c);
    assert!(matches!(
        unlock(&tv.path, PASS),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn truncated_files_are_refused_cleanly() {
    let (tv, mut vault) = temp_vault();
    for i in 0..200 {
        vault
            .fields_mut()
            .set(&name(&format!("custom.f{i}")), &"x".repeat(200), None)
            .expect("set");
    }
    drop(vault);
    let bytes = std::fs::read(&tv.path).expect("read");
    for keep in [0usize, 50, 100, 4096, bytes.len() / 2, bytes.len() - 1] {
        let p = tv.dir.path().join(format!("trunc-{keep}.db"));
        std::fs::write(&p, &bytes[..keep]).expect("write");
        let res = unlock(&p, PASS).and_then(|v| v.fields().list().map(|_| ()));
        let err = res.expect_err(&format!("truncated to {keep} bytes must be refused"));
        assert!(
            matches!(
                err,
                VaultError::Store(StoreError::Corrupt(_) | StoreError::NotAVault(_))
                    | VaultError::Integrity(_)
            ),
            "truncated to {keep}: {err}"
        );
    }
}

#[test]
fn non_vault_files_and_newer_formats_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "hello, this is not a database at all, just some text......",
    )
    .expect("write");
    let err = Vault::open(&text).expect_err("text file");
    assert_eq!(
        err.to_string(),
        format!("{} is not a Vouchsafe vault", text.display())
    );

    let other = dir.path().join("other.db");
    raw(&other)
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .expect("sqlite");
    assert!(matches!(
        Vault::open(&other),
        Err(VaultError::Store(StoreError::NotAVault(_)))
    ));

    let (tv, vault) = temp_vault();
    drop(vault);
    raw(&tv.path)
        .pragma_update(None, "user_version", 99)
        .expect("bump");
    let err = Vault::open(&tv.path).expect_err("newer");
    assert!(
        err.to_string().contains("newer Vouchsafe (schema 99"),
        "{err}"
    );

    let missing = dir.path().join("missing.db");
    assert!(matches!(
        Vault::open(&missing),
        Err(VaultError::NotFound(_))
    ));
    assert!(!missing.exists(), "opening must not create a file");
}

#[test]
fn weak_kdf_parameters_in_the_file_are_refused() {
    let (tv, vault) = temp_vault();
    drop(vault);
    raw(&tv.path)
        .execute("UPDATE vault_meta SET kdf_m_kib = 1024, kdf_t = 1", [])
        .expect("weaken");
    let err = unlock(&tv.path, PASS).expect_err("weak");
    assert!(matches!(err, VaultError::Kdf(_)), "{err}");
    assert!(err.to_string().contains("below the minimum"), "{err}");
}

#[test]
fn raising_kdf_parameters_in_the_file_breaks_the_unwrap() {
    // The parameters are bound into the key slot's associated data.
    let (tv, vault) = temp_vault();
    drop(vault);
    raw(&tv.path)
        .execute("UPDATE vault_meta SET kdf_t = 4", [])
        .expect("edit");
    assert!(matches!(
        unlock(&tv.path, PASS),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn nothing_a_user_typed_appears_in_the_raw_files() {
    let (tv, mut vault) = temp_vault();
    let secrets = [
        ("email", "plaintext-canary@example.com", "canary-label-one"),
        ("given_name", "캐너리이름", "캐너리라벨"),
        (
            "custom.canaryfieldname",
            "canary-custom-value",
            "canary-custom-label",
        ),
    ];
    for (n, v, l) in secrets {
        vault.fields_mut().set(&name(n), v, Some(l)).expect("set");
    }
    vault
        .fields_mut()
        .set(&name("email"), "second-canary@example.com", None)
        .expect("update");
    // Scan while the vault is still open, so the WAL and SHM files exist and hold the writes.
    let files = raw_files(&tv.path);
    assert!(
        files.iter().any(|(p, _)| p.ends_with("-wal")),
        "WAL present: {files:?}",
        files = files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let needles: Vec<&str> = secrets
        .iter()
        .flat_map(|(n, v, l)| [*v, *l, n.strip_prefix("custom.").unwrap_or(n)])
        .chain([
            "second-canary",
            "canaryfieldname",
            "email",
            "given_name",
            PASS,
        ])
        .collect();
    for (file, bytes) in &files {
        for needle in &needles {
            assert!(
                !contains(bytes, needle.as_bytes()),
                "{needle:?} found in {file}"
            );
        }
    }
    drop(vault);
    for (file, bytes) in raw_files(&tv.path) {
        for needle in &needles {
            assert!(
                !contains(&bytes, needle.as_bytes()),
                "{needle:?} found in {file} after close"
            );
        }
    }
}

#[test]
fn export_is_portable_json_in_a_private_file() {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    vault
        .fields_mut()
        .set(&name("address.locality"), "서울특별시", None)
        .expect("set");
    let out = tv.dir.path().join("export.json");
    vault
        .fields_mut()
        .export_plaintext_to(&out)
        .expect("export");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");
    assert_eq!(doc["profile"]["email"], "a@example.com");
    assert_eq!(doc["vouchsafe_export"], 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(matches!(
        vault.fields_mut().export_plaintext_to(&out),
        Err(VaultError::AlreadyExists(_))
    ));
}

#[test]
fn backup_restores_on_another_machine_under_its_passphrase() {
    let (tv, mut vault) = temp_vault();
    for (n, v) in EVERY_KIND {
        vault.fields_mut().set(&name(n), v, None).expect(n);
    }
    let backup = tv.dir.path().join("backup.vsb");
    vault.backup_to(&backup, false).expect("backup");
    assert!(matches!(
        vault.backup_to(&backup, false),
        Err(VaultError::AlreadyExists(_))
    ));
    let want: Vec<String> = snapshot(&vault);
    // The backup keeps working after the live vault's passphrase changes.
    vault
        .change_passphrase(&Passphrase::new("a different passphrase"), None)
        .expect("passwd");
    drop(vault);

    // "Another machine": a fresh directory with nothing but the backup file.
    let other = tempfile::tempdir().expect("tempdir");
    let moved = other.path().join("carried.vsb");
    std::fs::copy(&backup, &moved).expect("carry");
    let target = other.path().join("data").join("vault.db");
    let wrong = Vault::restore(
        &moved,
        &target,
        &Passphrase::new("a different passphrase"),
        false,
    );
    assert!(matches!(wrong, Err(VaultError::WrongPassphrase)));
    assert!(!target.exists(), "a failed restore writes nothing");
    let restored = Vault::restore(&moved, &target, &Passphrase::new(PASS), false).expect("restore");
    let got: Vec<String> = snapshot(&restored);
    assert_eq!(want, got);
    drop(restored);

    // Refuses to overwrite unless told to; with overwrite it replaces the vault.
    assert!(matches!(
        Vault::restore(&moved, &tv.path, &Passphrase::new(PASS), false),
        Err(VaultError::AlreadyExists(_))
    ));
    let replaced =
        Vault::restore(&moved, &tv.path, &Passphrase::new(PASS), true).expect("overwrite");
    assert_eq!(
        replaced.fields().list().expect("list").len(),
        EVERY_KIND.len()
    );
}

#[test]
fn a_tampered_backup_is_refused_before_anything_is_written() {
    let (tv, mut vault) = temp_vault();
    vault
        .fields_mut()
        .set(&name("email"), "a@example.com", None)
        .expect("set");
    let backup = tv.dir.path().join("b.vsb");
    vault.backup_to(&backup, false).expect("backup");
    drop(vault);
    let c = raw(&backup);
    let mut sealed: Vec<u8> = c
        .query_row("SELECT sealed FROM fields", [], |r| r.get(0))
        .expect("row");
    sealed[15] ^= 4;
    c.execute("UPDATE fields SET sealed = ?1", [sealed])
        .expect("tamper");
    drop(c);
    let target = tv.dir.path().join("restored.db");
    let err =
        Vault::restore(&backup, &target, &Passphrase::new(PASS), false).expect_err("tampered");
    assert!(matches!(err, VaultError::Integrity(_)), "{err}");
    assert!(!target.exists());
}

#[test]
fn two_processes_writing_at_once_do_not_corrupt_the_vault() {
    let (tv, vault) = temp_vault();
    drop(vault);
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = tv.path.clone();
            std::thread::spawn(move || {
                // Separate connections behave as separate processes do: SQLite locks the file.
                let mut v = unlock(&path, PASS).expect("unlock");
                for i in 0..50 {
                    v.fields_mut()
                        .set(
                            &name(&format!("custom.w{w}_{i}")),
                            &format!("value {w} {i}"),
                            None,
                        )
                        .expect("concurrent set");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let v = unlock(&tv.path, PASS).expect("unlock");
    assert_eq!(v.fields().list().expect("list").len(), 100);
    let check: String = v_raw_check(&tv.path);
    assert_eq!(check, "ok");
}

fn v_raw_check(path: &std::path::Path) -> String {
    raw(path)
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check")
}

#[test]
fn the_vault_file_is_private_to_its_owner() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let (tv, _vault) = temp_vault();
        let mode = std::fs::metadata(&tv.path)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
}
