//! Build a large vault for measuring the desktop app: N fields and M grants over B brands,
//! protected with the app's real Argon2id parameters so unlocking it costs what it costs for a
//! person.
//!
//! `cargo run --release -p vouchsafe-app --example big_vault -- PATH [FIELDS] [GRANTS] [BRANDS]`
//! (defaults 1,000 / 1,000 / 10, the size measured first), or `-- PATH --large` for the size
//! issue 11's goal names (10,000 fields, 10,000 grants over 100 brands). The passphrase comes
//! from `VOUCHSAFE_PASSPHRASE`. Refuses an existing PATH.

use std::error::Error;
use std::path::PathBuf;

use vouchsafe::grants::request::{
    Channel, ChannelChoices, Choice, Derived, GrantRequest, GrantRequestParts, Kind,
};
use vouchsafe::{FieldName, KdfParams, NewBrand, Passphrase, Vault};

/// The goal's vault size: (fields, grants, brands).
const LARGE: (usize, usize, usize) = (10_000, 10_000, 100);

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .ok_or("usage: big_vault PATH [FIELDS] [GRANTS] [BRANDS] | PATH --large")?,
    );
    let rest: Vec<String> = args.collect();
    if rest.first().is_some_and(|a| a == "--add-fields") {
        let total: usize = rest.get(1).ok_or("--add-fields N")?.parse()?;
        return add_fields(&path, total);
    }
    let (fields, grants, brands) = if rest.first().is_some_and(|a| a == "--large") {
        LARGE
    } else {
        let num = |i: usize, default: usize| -> Result<usize, Box<dyn Error>> {
            Ok(rest
                .get(i)
                .map(|s| s.parse())
                .transpose()?
                .unwrap_or(default))
        };
        (num(0, 1000)?, num(1, 1000)?, num(2, 10)?.max(1))
    };
    let pass = std::env::var("VOUCHSAFE_PASSPHRASE").map_err(|_| "set VOUCHSAFE_PASSPHRASE")?;
    let mut vault = Vault::create(&path, &Passphrase::new(pass), KdfParams::DEFAULT)?;

    let fixed = [
        ("given_name", "민준"),
        ("family_name", "김"),
        ("email", "minjun@example.kr"),
        ("birthdate", "1990-05-17"),
        ("address.locality", "중구"),
    ];
    let mut items: Vec<(FieldName, String)> = Vec::new();
    for (name, value) in fixed {
        items.push((name.parse()?, value.to_string()));
    }
    vault
        .fields_mut()
        .set_many(items.iter().map(|(n, v)| (n.clone(), v.as_str(), None)))?;

    let now = jiff::Timestamp::now().as_second();
    let expires_at = now + 365 * 86_400;
    for b in 0..brands {
        let id = format!("brand-{b:02}");
        vault.brands_mut().add(&NewBrand {
            id: &id,
            name: &format!("Brand {b}"),
            ..NewBrand::default()
        })?;
    }
    for g in 0..grants {
        let parts = GrantRequestParts {
            brand: format!("brand-{:02}", g % brands),
            fields: vec!["email".parse()?],
            derived: vec![Derived::AgeOver(18)],
            purpose: format!("Grant number {g}"),
            purpose_category: None,
            channels: ChannelChoices::new(
                vec![Choice::new(Channel::Email, Kind::Info, true)],
                false,
                now,
            )?,
            offer: None,
            expires_at,
        };
        vault.grants_mut().issue(&GrantRequest::new(parts, now)?)?;
    }
    // The custom fields last, in one write: every write re-seals the integrity anchor over
    // every row, so thousands of fields would make each of thousands of issues slower.
    set_custom(&mut vault, items.len(), fields)?;
    println!(
        "{}: {} fields, {} grants over {brands} brands",
        path.display(),
        vault.fields().list()?.len(),
        vault.grants().list(None)?.len()
    );
    Ok(())
}

/// Custom fields `item_FROM` … `item_{TO-1}` in one write.
fn set_custom(vault: &mut Vault, from: usize, to: usize) -> Result<(), Box<dyn Error>> {
    let custom: Vec<(FieldName, String)> = (from..to)
        .map(|i| {
            Ok((
                FieldName::custom(&format!("item_{i:04}"))?,
                format!("value number {i}"),
            ))
        })
        .collect::<Result<_, Box<dyn Error>>>()?;
    vault
        .fields_mut()
        .set_many(custom.iter().map(|(n, v)| (n.clone(), v.as_str(), None)))?;
    Ok(())
}

/// `PATH --add-fields N`: bring an existing vault (e.g. one whose grant loop was stopped early)
/// to N fields with the same custom fields.
fn add_fields(path: &std::path::Path, total: usize) -> Result<(), Box<dyn Error>> {
    let pass = std::env::var("VOUCHSAFE_PASSPHRASE").map_err(|_| "set VOUCHSAFE_PASSPHRASE")?;
    let mut vault = Vault::open(path)?.unlock(&Passphrase::new(pass))?;
    let have = vault.fields().list()?.len();
    set_custom(&mut vault, have, total)?;
    println!(
        "{}: {} fields, {} grants",
        path.display(),
        vault.fields().list()?.len(),
        vault.grants().list(None)?.len()
    );
    Ok(())
}
