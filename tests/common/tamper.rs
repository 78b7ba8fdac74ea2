//! Tampering with a vault file the way someone with write access to it but no passphrase
//! would (SQL on a copy), and what the vault must then say and refuse.

use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use vouchsafe::{ProblemKind, Vault, VaultError};

use super::{PASS, name, unlock};

/// A copy of the vault file in its own directory, to tamper with.
pub fn copy_of(path: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let to = dir.path().join("vault.db");
    std::fs::copy(path, &to).expect("copy");
    (dir, to)
}

/// A changed value of the same type (so only the MAC can tell).
pub fn flipped(v: &Value) -> Value {
    match v {
        Value::Integer(i) => Value::Integer(i + 1),
        Value::Blob(b) => {
            let mut b = b.clone();
            let last = b.len() - 1;
            b[last] ^= 1;
            Value::Blob(b)
        }
        Value::Text(t) => Value::Text(format!("{t}x")),
        Value::Null => Value::Integer(1_700_000_000),
        Value::Real(r) => Value::Real(r + 1.0),
    }
}

/// Open the tampered file: nothing panics, unlock works, and the report names `table`/`id`
/// with one of `kinds`; what the unlock found is what a fresh check finds (the app admits a
/// vault on it). Then opening every record and any write are refused. Returns the vault for
/// the caller's own checks.
pub fn assert_tampering_reported(
    path: &Path,
    table: &str,
    id: &str,
    kinds: &[ProblemKind],
    what: &str,
) -> Vault {
    let mut v = unlock(path, PASS).unwrap_or_else(|e| panic!("{what}: unlock failed: {e}"));
    let report = v.check().expect("check");
    assert_eq!(v.unlock_check(), &report, "{what}: the unlock's own check");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.table == table && p.id == id && kinds.contains(&p.kind)),
        "{what}: {table}/{id} {kinds:?} not in {:?}",
        report.problems
    );
    assert!(matches!(v.verify_records(), Err(VaultError::Integrity(_))));
    assert!(
        matches!(
            v.fields_mut().set(&name("nickname"), "x", None),
            Err(VaultError::Integrity(_))
        ),
        "{what}: a write was accepted and would re-anchor the tampering"
    );
    v
}
