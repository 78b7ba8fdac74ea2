//! The brand report (what a brand holds, since when, for what, with the receipts), saved from
//! the Brands screen as printable HTML in the language the person picks. The core builds it;
//! this only turns the IPC's arguments into the core's and reads nothing but the vault.

use vouchsafe::Lang;
use vouchsafe::report::BrandReport;

use crate::commands::absolute;
use crate::dto::Locale;
use crate::error::CmdResult;
use crate::state::AppState;

/// Save brand `brand`'s report in `lang` to `path` (from a save dialog, which has already
/// asked about replacing an existing file), owner-only.
pub fn save_brand_report(state: &AppState, brand: &str, lang: Locale, path: &str) -> CmdResult<()> {
    let lang = match lang {
        Locale::Ko => Lang::Ko,
        Locale::En => Lang::En,
    };
    let mut s = state.enter();
    let vault = s.vault()?;
    let path = absolute(path)?;
    let report = BrandReport::gather(vault, brand)?;
    Ok(report.save(lang, &path, true)?)
}
