//! Opening a sealed record: the input replaces the sealed bytes of a profile field in a real,
//! unlocked vault (one key, one place for the whole run), and the vault reads it back. It must
//! never panic and never open: only the vault's own sealing of that field under that key and
//! place may open, and the fuzzer cannot produce one without the key.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use rusqlite::Connection;
use vouchsafe::{FieldName, KdfParams, Passphrase, Vault};

/// Sealed profile values are at most a few KiB; more only slows the run.
const MAX_LEN: usize = 64 * 1024;

struct Fixture {
    _dir: tempfile::TempDir,
    vault: Vault,
    /// A second connection to the same file, writing the rows as an attacker would.
    raw: Connection,
    name: FieldName,
    row: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("vault.db");
    let pass = Passphrase::new("correct horse battery staple");
    let mut vault =
        Vault::create(&path, &pass, KdfParams::MINIMUM).unwrap_or_else(|e| panic!("create: {e}"));
    let name: FieldName = "email"
        .parse()
        .unwrap_or_else(|e| panic!("field name: {e}"));
    vault
        .fields_mut()
        .set(&name, "gildong@example.com", None)
        .unwrap_or_else(|e| panic!("set: {e}"));
    let raw = Connection::open(&path).unwrap_or_else(|e| panic!("raw: {e}"));
    raw.pragma_update(None, "synchronous", "OFF")
        .unwrap_or_else(|e| panic!("pragma: {e}"));
    let row: String = raw
        .query_row("SELECT id FROM fields", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("row: {e}"));
    Fixture {
        _dir: dir,
        vault,
        raw,
        name,
        row,
    }
}

thread_local! {
    static FIXTURE: RefCell<Option<Fixture>> = const { RefCell::new(None) };
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_LEN {
        return;
    }
    FIXTURE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let f = cell.get_or_insert_with(fixture);
        f.raw
            .execute(
                "UPDATE fields SET sealed = ?1 WHERE id = ?2",
                rusqlite::params![data, f.row],
            )
            .unwrap_or_else(|e| panic!("update: {e}"));
        if let Ok(opened) = f.vault.fields().get(&f.name) {
            panic!("arbitrary bytes opened as a record: {opened:?}");
        }
        assert!(f.vault.fields().list().is_err(), "the list opened it");
    });
});
