//! `vouchsafe`: the command-line face of the vault. Every command is a few lines over the
//! core API; this file only parses arguments, asks for passphrases and formats output.

/// `println!` panics when stdout is a closed pipe (`vouchsafe audit | head`); these return
/// the error instead, and `main` treats a broken pipe as a quiet success.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*)?
    }};
}
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($t)*)?
    }};
}

mod args;
mod connect;
mod exit;
mod output;
mod review;
mod secret_input;
mod share;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use vouchsafe::{KdfParams, Vault};

use args::{Cli, Command, FieldCmd, OutboxCmd};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the outermost context and the core's own message.
            let msg = e
                .chain()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!("vouchsafe: {msg}");
            ExitCode::from(exit::code_for(&e))
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn vault_path(cli: &Cli) -> Result<PathBuf> {
    match &cli.vault {
        Some(p) => Ok(p.clone()),
        None => vouchsafe::default_vault_path()
            .context("cannot find a data directory; pass --vault PATH or set VOUCHSAFE_VAULT"),
    }
}

fn unlock(cli: &Cli) -> Result<Vault> {
    let path = vault_path(cli)?;
    let locked = Vault::open(&path)?;
    let pass = secret_input::passphrase(cli.passphrase_file.as_deref(), "Passphrase: ")?;
    let mut vault = locked.unlock(&pass)?;
    guard_rollback(cli, &mut vault)?;
    // Events a connected brand has not received yet: a few, briefly, before the command runs.
    // `outbox` itself delivers everything (retry) or only lists.
    if !matches!(cli.command, Command::Outbox { .. }) {
        connect::background(&mut vault);
    }
    Ok(vault)
}

/// Compare the vault's generation with the one last seen on this machine; an older vault is
/// used only with --yes. From then on every write's generation is recorded.
fn guard_rollback(cli: &Cli, vault: &mut Vault) -> Result<()> {
    let Some(dir) = vouchsafe::default_anchor_dir() else {
        return Ok(());
    };
    let store = vouchsafe::FileAnchorStore::new(dir);
    let freshness = vault.freshness(&store)?;
    // `connect --yes` means "send without asking", not "accept a rolled-back vault".
    let accept_rollback = cli.yes && !matches!(cli.command, Command::Connect { .. });
    if let vouchsafe::Freshness::RolledBack { generation, seen } = freshness {
        eprintln!(
            "warning: this vault is older than the one last opened here (generation {generation}, \
             last seen {seen}): it was rolled back or restored from an older copy, so changes \
             and revocations made since may be undone."
        );
        if !accept_rollback {
            bail!(exit::BrokenChain(
                "refusing to use a rolled-back vault; inspect it with `vouchsafe check`, then pass --yes to accept it".into()
            ));
        }
    }
    vault.track_generations(Box::new(store))?;
    if let vouchsafe::Freshness::RolledBack { seen, .. } = freshness {
        vault.accept_rollback(seen)?;
    }
    Ok(())
}

/// `vouchsafe check`: every problem, one line each; exit 8 if any.
fn check(cli: &Cli) -> Result<()> {
    let locked = Vault::open(&vault_path(cli)?)?;
    let pass = secret_input::passphrase(cli.passphrase_file.as_deref(), "Passphrase: ")?;
    let vault = locked.unlock(&pass)?;
    // Unlocking checked the whole vault already; a second pass would only take as long again.
    let report = vault.unlock_check().clone();
    let mut problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    if let Some(dir) = vouchsafe::default_anchor_dir()
        && let vouchsafe::Freshness::RolledBack { generation, seen } =
            vault.freshness(&vouchsafe::FileAnchorStore::new(dir))?
    {
        problems.push(format!(
            "vault: rolled back or restored from an older copy (generation {generation}, last seen here {seen})"
        ));
    }
    if problems.is_empty()
        && let Err(e) = vault.verify_records()
    {
        problems.push(e.to_string());
    }
    if problems.is_empty() {
        outln!(
            "Vault intact: {} records, {} audit entries, generation {}.",
            report.rows,
            report.audit_entries,
            report.generation.unwrap_or(0)
        );
        return Ok(());
    }
    for p in &problems {
        outln!("{p}");
    }
    bail!(exit::BrokenChain(format!(
        "{} integrity problem(s) found",
        problems.len()
    )))
}

fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Init { kdf } => {
            let path = vault_path(&cli)?;
            if path.exists() {
                return Err(vouchsafe::VaultError::AlreadyExists(path).into());
            }
            let params = kdf.params(KdfParams::DEFAULT);
            params.check().map_err(|e| exit::Usage(e.to_string()))?;
            let pass = secret_input::new_passphrase(
                "VOUCHSAFE_PASSPHRASE",
                cli.passphrase_file.as_deref(),
                "New passphrase: ",
            )?;
            Vault::create(&path, &pass, params)?;
            outln!("Created a new vault at {}", path.display());
        }
        Command::Field { cmd } => field(&cli, cmd)?,
        Command::Passwd {
            new_passphrase_file,
            kdf,
        } => {
            let mut vault = unlock(&cli)?;
            let pass = secret_input::new_passphrase(
                "VOUCHSAFE_NEW_PASSPHRASE",
                new_passphrase_file.as_deref(),
                "New passphrase: ",
            )?;
            let current = vault.kdf_params()?;
            vault.change_passphrase(&pass, Some(kdf.params(current)))?;
            outln!("Passphrase changed.");
        }
        Command::Export { plaintext } => {
            let Some(dest) = plaintext else {
                bail!(exit::Usage(
                    "export writes your profile unencrypted; say so with --plaintext FILE".into()
                ));
            };
            let mut vault = unlock(&cli)?;
            vault.fields_mut().export_plaintext_to(dest)?;
            eprintln!(
                "Wrote your profile, unencrypted, to {} (mode 0600). Delete it when done.",
                dest.display()
            );
        }
        Command::Backup { file, force } => {
            let vault = unlock(&cli)?;
            vault.backup_to(file, *force)?;
            outln!(
                "Backed up to {} (encrypted; restore it with the current passphrase).",
                file.display()
            );
        }
        Command::Brand { cmd } => share::brand(&mut unlock(&cli)?, cmd)?,
        Command::Grant { cmd } => share::grant(&mut unlock(&cli)?, cmd)?,
        Command::StatusList { brand, all: false } => {
            outln!("{}", unlock(&cli)?.brands().status_list_token(brand)?)
        }
        Command::StatusList { brand, all: true } => {
            let lists: Vec<serde_json::Value> = unlock(&cli)?
                .brands()
                .status_list_tokens(brand)?
                .into_iter()
                .enumerate()
                .map(|(i, (uri, token))| {
                    serde_json::json!({"uri": uri, "current": i == 0, "token": token})
                })
                .collect();
            outln!("{}", serde_json::to_string(&lists)?)
        }
        Command::Audit { cmd, json } => share::audit(&unlock(&cli)?, cmd.as_ref(), *json)?,
        Command::Check => check(&cli)?,
        Command::Review { json } => review::review(&unlock(&cli)?, *json)?,
        Command::Connect {
            link,
            accept,
            decline,
            derived,
            allow_ads,
            night_ads,
            json,
        } => connect::connect(
            &mut unlock(&cli)?,
            &connect::ConnectArgs {
                link,
                accept,
                decline,
                derived,
                allow_ads,
                night_ads,
                yes: cli.yes,
                json: *json,
            },
        )?,
        Command::Outbox { cmd, json } => match cmd {
            None => connect::list(&unlock(&cli)?, *json)?,
            Some(OutboxCmd::Retry { json: j }) => connect::retry(&mut unlock(&cli)?, *json || *j)?,
        },
        Command::Restore {
            file,
            force,
            backup_passphrase_file,
        } => {
            let path = vault_path(&cli)?;
            if path.exists() && !force {
                return Err(vouchsafe::VaultError::AlreadyExists(path).into());
            }
            // Replacing a vault needs that vault's own passphrase, not only the backup's.
            let (current, pass) = if path.exists() {
                let locked = Vault::open(&path).with_context(|| {
                    format!(
                        "cannot check the passphrase of the vault at {} before replacing it (move it aside to restore there)",
                        path.display()
                    )
                })?;
                let interactive = std::env::var_os("VOUCHSAFE_PASSPHRASE").is_none()
                    && cli.passphrase_file.is_none();
                let current_pass = secret_input::passphrase(
                    cli.passphrase_file.as_deref(),
                    "Passphrase of the vault being replaced: ",
                )?;
                let current = locked.unlock(&current_pass)?;
                let pass = secret_input::backup_passphrase(
                    backup_passphrase_file.as_deref(),
                    interactive,
                    current_pass,
                )?;
                (Some(current), pass)
            } else {
                let pass = secret_input::new_place_backup_passphrase(
                    backup_passphrase_file.as_deref(),
                    cli.passphrase_file.as_deref(),
                )?;
                (None, pass)
            };
            // Over a vault: show what the backup would undo, ask for --yes, and restore through
            // it so its status indices are carried over and it is kept as a safety copy.
            let vault = match current {
                Some(current) => {
                    let preview = current.restore_preview(file, &pass)?;
                    for g in &preview.unrevoked {
                        eprintln!(
                            "warning: restoring un-revokes grant {} ({}: {}), revoked since the backup",
                            &g.id[..8],
                            g.brand_name,
                            g.released.join(", ")
                        );
                    }
                    if !preview.forgotten.is_empty() {
                        eprintln!(
                            "warning: {} grant(s) issued since the backup would be forgotten (the brands keep them; they could no longer be revoked here)",
                            preview.forgotten.len()
                        );
                    }
                    if preview.needs_confirmation() && !cli.yes {
                        bail!(exit::BrokenChain(
                            "the backup is older than this vault; pass --yes to restore it anyway"
                                .into()
                        ));
                    }
                    let restored = current.restore_over(file, &pass)?;
                    eprintln!(
                        "The vault it replaced is kept at {} (encrypted, under its old passphrase); delete it when you no longer need it.",
                        restored.safety_copy.display()
                    );
                    restored.vault
                }
                None => Vault::restore(file, &path, &pass, *force)?,
            };
            let n = vault.verify_records()?;
            outln!(
                "Restored {} ({n} records, all intact) to {}",
                file.display(),
                path.display()
            );
        }
    }
    Ok(())
}

fn field(cli: &Cli, cmd: &FieldCmd) -> Result<()> {
    match cmd {
        FieldCmd::Set { name, value, label } => {
            let name = name.parse::<vouchsafe::FieldName>()?;
            let mut vault = unlock(cli)?;
            let f = vault.fields_mut().set(&name, value, label.as_deref())?;
            outln!("Set {} = {}", f.name, f.value.as_str());
            for g in vault.grants().using_field(&name)? {
                eprintln!(
                    "{} holds the old value under grant {}; send an update with: vouchsafe grant reissue {}",
                    g.brand_name,
                    &g.id[..8],
                    &g.id[..8]
                );
            }
        }
        FieldCmd::Get { name, json } => {
            let name = name.parse::<vouchsafe::FieldName>()?;
            let vault = unlock(cli)?;
            let f = vault
                .fields()
                .get(&name)?
                .ok_or_else(|| vouchsafe::VaultError::FieldNotSet(name.to_string()))?;
            if *json {
                outln!("{}", output::field_json(&f));
            } else {
                outln!("{}", f.value.as_str());
            }
        }
        FieldCmd::List { json } => {
            let vault = unlock(cli)?;
            let fields = vault.fields().list()?;
            if *json {
                outln!("{}", output::fields_json(&fields));
            } else if fields.is_empty() {
                outln!("No fields yet. Add one with: vouchsafe field set email you@example.com");
            } else {
                out!("{}", output::fields_table(&fields));
            }
        }
        FieldCmd::Rm { name } => {
            let name = name.parse::<vouchsafe::FieldName>()?;
            let mut vault = unlock(cli)?;
            if !vault.fields_mut().remove(&name)? {
                return Err(vouchsafe::VaultError::FieldNotSet(name.to_string()).into());
            }
            outln!("Removed {name}");
        }
    }
    Ok(())
}
