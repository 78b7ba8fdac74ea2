//! Shared helpers for the CLI's end-to-end tests: the test passphrase, raw-file scans, and the
//! sibling binaries built into the same target directory.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PASS: &str = "correct horse battery staple";

/// `init` with the cheapest key derivation the vault accepts (`KdfParams::MINIMUM`).
pub const INIT_MIN_KDF: [&str; 7] = [
    "init",
    "--kdf-memory-mib",
    "64",
    "--kdf-iterations",
    "3",
    "--kdf-lanes",
    "1",
];

/// Run `vouchsafe` on the vault `dir/vault.db` with [`PASS`], in an environment cleared but
/// for `PATH`, `HOME` (= `dir`), `TZ=UTC` and `env` (e.g. the locale variables a case names).
pub fn vouchsafe(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vouchsafe"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("TZ", "UTC")
        .env("VOUCHSAFE_VAULT", dir.join("vault.db"))
        .env("VOUCHSAFE_PASSPHRASE", PASS)
        .envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run vouchsafe")
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

/// The profile directory (`target/<profile>`) this test binary runs from: cargo puts every
/// workspace binary there, including ones from other packages (`vouchsafe-verify`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test>-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// A binary of another workspace package, which `cargo test -p vouchsafe-cli` does not build:
/// fails with the command that builds it rather than skipping silently.
pub fn sibling_bin(name: &str, package: &str) -> PathBuf {
    let path = profile_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{name} is not built at {}; build it first: cargo build -p {package}",
        path.display()
    );
    path
}
