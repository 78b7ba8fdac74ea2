//! Shared helpers for integration tests: real vault files in temporary directories.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

use std::path::{Path, PathBuf};

use vouchsafe::{FieldName, GrantRequest, GrantRequestParts, KdfParams, Passphrase, Vault};

pub const PASS: &str = "correct horse battery staple";

/// The minimum parameters the vault accepts: real Argon2id, just the cheapest allowed.
pub const TEST_KDF: KdfParams = KdfParams::MINIMUM;

pub struct TempVault {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn temp_vault() -> (TempVault, Vault) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let vault = Vault::create(&path, &Passphrase::new(PASS), TEST_KDF).expect("create");
    (TempVault { dir, path }, vault)
}

pub fn unlock(path: &Path, pass: &str) -> vouchsafe::Result<Vault> {
    Vault::open(path)?.unlock(&Passphrase::new(pass))
}

/// The raw bytes of the vault file and its WAL/SHM companions, for plaintext scans.
pub fn raw_files(path: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let p = PathBuf::from(format!("{}{suffix}", path.display()));
            std::fs::read(&p).ok().map(|b| (p.display().to_string(), b))
        })
        .collect()
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every field as `name=value`, sorted: for comparing a profile before and after an operation.
pub fn snapshot(vault: &Vault) -> Vec<String> {
    vault
        .fields()
        .list()
        .expect("list fields")
        .iter()
        .map(|f| format!("{}={}", f.name, *f.value))
        .collect()
}

/// A field name the test knows to be valid.
pub fn name(s: &str) -> FieldName {
    s.parse().expect("field name")
}

/// A valid request releasing one field to `brand` for 30 days.
pub fn request(brand: &str, field: &str) -> GrantRequest {
    let now = jiff::Timestamp::now().as_second();
    GrantRequest::new(
        GrantRequestParts {
            brand: brand.into(),
            fields: vec![name(field)],
            derived: vec![],
            purpose: "order updates".into(),
            purpose_category: None,
            channels: Default::default(),
            offer: None,
            expires_at: now + 30 * 86_400,
        },
        now,
    )
    .expect("request")
}
