//! TypeScript bindings for the UI, generated from the DTOs with ts-rs.
//!
//! They are committed in `ui/src/lib/bindings/` (one file per type) so the UI builds without
//! Rust; the `bindings_are_current` test regenerates them and fails on any difference, and
//! `VOUCHSAFE_UPDATE_BINDINGS=1 cargo test -p vouchsafe-app --test bindings` rewrites them.

use std::path::PathBuf;

use ts_rs::{Config, TS};

use crate::dto::*;
use crate::error::{CommandError, ErrorKind};

/// Where the committed bindings live, relative to the workspace root.
pub const BINDINGS_DIR: &str = "ui/src/lib/bindings";

fn one<T: TS + 'static>(
    cfg: &Config,
    out: &mut Vec<(PathBuf, String)>,
) -> Result<(), ts_rs::ExportError> {
    let path = T::output_path().ok_or(ts_rs::ExportError::CannotBeExported(
        std::any::type_name::<T>(),
    ))?;
    out.push((path, T::export_to_string(cfg)?));
    Ok(())
}

/// Every binding as (file name, contents), sorted by file name.
pub fn render() -> Result<Vec<(PathBuf, String)>, ts_rs::ExportError> {
    // Times and counts are well below 2^53, so plain `number` rather than `bigint`, which
    // JSON.parse would not produce anyway.
    let cfg = Config::new().with_large_int("number");
    let mut out = Vec::new();
    one::<AppStatus>(&cfg, &mut out)?;
    one::<AuditDto>(&cfg, &mut out)?;
    one::<AuditEntryDto>(&cfg, &mut out)?;
    one::<BrandDto>(&cfg, &mut out)?;
    one::<ChainStateDto>(&cfg, &mut out)?;
    one::<ChannelDto>(&cfg, &mut out)?;
    one::<CommandError>(&cfg, &mut out)?;
    one::<ErrorKind>(&cfg, &mut out)?;
    one::<FieldDto>(&cfg, &mut out)?;
    one::<FieldGroupDto>(&cfg, &mut out)?;
    one::<FieldSpecDto>(&cfg, &mut out)?;
    one::<GrantDto>(&cfg, &mut out)?;
    one::<GrantPreviewDto>(&cfg, &mut out)?;
    one::<GrantRequestDto>(&cfg, &mut out)?;
    one::<GrantStateDto>(&cfg, &mut out)?;
    one::<IssuedGrantDto>(&cfg, &mut out)?;
    one::<Locale>(&cfg, &mut out)?;
    one::<LockReason>(&cfg, &mut out)?;
    one::<ReceiptDto>(&cfg, &mut out)?;
    one::<SaveWhat>(&cfg, &mut out)?;
    one::<SettingsDto>(&cfg, &mut out)?;
    one::<Strength>(&cfg, &mut out)?;
    one::<VaultLockedEvent>(&cfg, &mut out)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
