//! A hostile vault file on the restore path: the input is written as a backup file and restored
//! with the passphrase the seeds were made with (`tests/common`'s test passphrase, minimum KDF
//! parameters), so mutated vaults still unlock and their rows, schema and audit chain are read
//! as an attacker left them. Anything may be refused; nothing may panic.
#![no_main]

use std::cell::RefCell;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use vouchsafe::{Passphrase, Vault};

/// Larger inputs only repeat SQLite pages; the seeds are a few dozen KiB.
const MAX_LEN: usize = 512 * 1024;
const PASS: &str = "correct horse battery staple";

thread_local! {
    /// One scratch directory per run, on tmpfs when there is one: every input is two files.
    static DIR: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    };
    dir.unwrap_or_else(|e| panic!("no scratch directory: {e}"))
}

fn remove_with_sidecars(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_LEN {
        return;
    }
    DIR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let dir = cell.get_or_insert_with(scratch);
        let backup = dir.path().join("backup.db");
        let target = dir.path().join("restored.db");
        remove_with_sidecars(&backup);
        remove_with_sidecars(&target);
        std::fs::write(&backup, data).unwrap_or_else(|e| panic!("write input: {e}"));

        let pass = Passphrase::new(PASS);
        // Restore opens the backup, unlocks it, checks every record, then copies and reopens.
        let Ok(vault) = Vault::restore(&backup, &target, &pass, false) else {
            return;
        };
        // Whatever survived: read everything a person or the app would read.
        let _ = vault.verify_records();
        let _ = vault.fields().list();
        for brand in vault.brands().list().unwrap_or_default() {
            let _ = vault.brands().status_list_token(&brand.id);
            let _ = vault.grants().holdings(&brand.id);
        }
        for grant in vault.grants().list(None).unwrap_or_default() {
            let _ = vault.grants().receipt(&grant.id);
        }
        let _ = vault.audit().verify();
        let _ = vault.kdf_params();
    });
});
