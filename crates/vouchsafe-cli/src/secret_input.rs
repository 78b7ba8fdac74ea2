//! Getting passphrases without ever echoing or logging them.

use std::path::Path;

use anyhow::{Context, Result, bail};
use vouchsafe::Passphrase;
use zeroize::Zeroizing;

/// The first line of `path`, without its line ending.
fn from_file(path: &Path) -> Result<Passphrase> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read passphrase file {}", path.display()))?,
    );
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        bail!("passphrase file {} is empty", path.display());
    }
    Ok(Passphrase::new(line))
}

fn prompt(text: &str) -> Result<Passphrase> {
    let typed = Zeroizing::new(rpassword::prompt_password(text).context(
        "no passphrase: set VOUCHSAFE_PASSPHRASE, pass --passphrase-file, or run in a terminal",
    )?);
    Ok(Passphrase::new(typed.as_str()))
}

fn from_env(var: &str) -> Option<Passphrase> {
    let v = Zeroizing::new(std::env::var(var).ok()?);
    (!v.is_empty()).then(|| Passphrase::new(v.as_str()))
}

/// The passphrase of an existing vault.
pub fn passphrase(file: Option<&Path>, label: &str) -> Result<Passphrase> {
    if let Some(p) = from_env("VOUCHSAFE_PASSPHRASE") {
        return Ok(p);
    }
    match file {
        Some(f) => from_file(f),
        None => prompt(label),
    }
}

/// A new passphrase; typed twice when it comes from a person.
pub fn new_passphrase(env: &str, file: Option<&Path>, label: &str) -> Result<Passphrase> {
    if let Some(p) = from_env(env) {
        return Ok(p);
    }
    if let Some(f) = file {
        return from_file(f);
    }
    let first = prompt(label)?;
    let again = prompt("Type it again: ")?;
    if !first.matches(&again) {
        bail!(crate::exit::Usage(
            "the two passphrases differ; nothing was changed".into()
        ));
    }
    Ok(first)
}

/// The passphrase of a backup being restored: VOUCHSAFE_BACKUP_PASSPHRASE, else `file`, else at
/// a terminal a prompt where Enter means "the same as the vault's", else `same` (a backup is
/// usually taken under the passphrase the vault still has).
pub fn backup_passphrase(
    file: Option<&Path>,
    interactive: bool,
    same: Passphrase,
) -> Result<Passphrase> {
    if let Some(p) = from_env("VOUCHSAFE_BACKUP_PASSPHRASE") {
        return Ok(p);
    }
    if let Some(f) = file {
        return from_file(f);
    }
    if interactive {
        let typed = Zeroizing::new(
            rpassword::prompt_password("Backup passphrase (Enter if the same): ")
                .context("no backup passphrase: set VOUCHSAFE_BACKUP_PASSPHRASE or pass --backup-passphrase-file")?,
        );
        if !typed.is_empty() {
            return Ok(Passphrase::new(typed.as_str()));
        }
    }
    Ok(same)
}

/// The passphrase of a backup restored where there is no vault yet: VOUCHSAFE_BACKUP_PASSPHRASE,
/// else `backup_file`, else the usual sources (VOUCHSAFE_PASSPHRASE, `file`, a prompt).
pub fn new_place_backup_passphrase(
    backup_file: Option<&Path>,
    file: Option<&Path>,
) -> Result<Passphrase> {
    if let Some(p) = from_env("VOUCHSAFE_BACKUP_PASSPHRASE") {
        return Ok(p);
    }
    if let Some(f) = backup_file {
        return from_file(f);
    }
    passphrase(file, "Backup passphrase: ")
}
