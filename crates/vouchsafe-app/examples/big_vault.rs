//! Build a large vault for measuring the desktop app: N fields and M grants, protected with the
//! app's real Argon2id parameters so unlocking it costs what it costs for a person.
//!
//! `cargo run --release -p vouchsafe-app --example big_vault -- PATH [FIELDS] [GRANTS]`, with the
//! passphrase in `VOUCHSAFE_PASSPHRASE`. Refuses an existing PATH.

use std::error::Error;
use std::path::PathBuf;

use vouchsafe::grants::request::{
    Channel, ChannelChoice, Derived, GrantRequest, GrantRequestParts,
};
use vouchsafe::{FieldName, KdfParams, NewBrand, Passphrase, Vault};

/// Grants are spread over this many brands, as a person's would be.
const BRANDS: usize = 10;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .ok_or("usage: big_vault PATH [FIELDS] [GRANTS]")?,
    );
    let fields: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let grants: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
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
    for i in items.len()..fields {
        items.push((
            FieldName::custom(&format!("item_{i:04}"))?,
            format!("value number {i}"),
        ));
    }
    vault
        .fields_mut()
        .set_many(items.iter().map(|(n, v)| (n.clone(), v.as_str(), None)))?;

    let now = jiff::Timestamp::now().as_second();
    let expires_at = now + 365 * 86_400;
    for b in 0..BRANDS {
        let id = format!("brand-{b:02}");
        vault.brands_mut().add(&NewBrand {
            id: &id,
            name: &format!("Brand {b}"),
            ..NewBrand::default()
        })?;
    }
    for g in 0..grants {
        let parts = GrantRequestParts {
            brand: format!("brand-{:02}", g % BRANDS),
            fields: vec!["email".parse()?],
            derived: vec![Derived::AgeOver(18)],
            purpose: format!("Grant number {g}"),
            purpose_category: None,
            channels: vec![ChannelChoice {
                channel: Channel::Email,
                allowed: true,
            }],
            offer: None,
            expires_at,
        };
        vault.grants_mut().issue(&GrantRequest::new(parts, now)?)?;
    }
    println!(
        "{}: {} fields, {} grants over {BRANDS} brands",
        path.display(),
        vault.fields().list()?.len(),
        vault.grants().list(None)?.len()
    );
    Ok(())
}
