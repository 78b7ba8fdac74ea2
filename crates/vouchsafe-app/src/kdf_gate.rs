//! Ask before deriving a key with more than the default Argon2id cost.
//!
//! A vault or backup file names its own KDF parameters, and the core honours anything up to its
//! ceiling. A file that asks for more than this app ever writes is from a stronger machine or
//! hostile; either way the person should agree before the app spends that memory and time. The
//! core reads the parameters when it opens the file, before deriving anything
//! ([`LockedVault::kdf_params`]); every command that unlocks a file the person has not unlocked
//! in this session passes it through [`check`] first.

use vouchsafe::{KdfParams, LockedVault};

use crate::error::{CmdResult, CommandError, ErrorKind};

/// Refuse with [`ErrorKind::CostlyKdf`] when `file` asks for more than the defaults and the
/// person has not confirmed.
pub fn check(file: &LockedVault, confirmed: bool) -> CmdResult<()> {
    let p = file.kdf_params();
    if confirmed || !p.exceeds_default() {
        return Ok(());
    }
    Err(CommandError::new(
        ErrorKind::CostlyKdf,
        format!(
            "{} asks for {p}, more than the default {d}: unlocking it may take long and use that much memory; confirm to go on",
            file.path().display(),
            d = KdfParams::DEFAULT
        ),
    ))
}
