//! `brand`, `grant`, `status-list` and `audit`: sharing and reviewing, over the core API.

use anyhow::{Result, bail};
use serde_json::json;
use vouchsafe::grants::request::{self, GrantRequest, GrantRequestParts};
use vouchsafe::grants::{Dropped, Narrowing};
use vouchsafe::profile::{AddressPart, FieldName};
use vouchsafe::report::BrandReport;
use vouchsafe::{GrantInfo, IssuedGrant, Lang, NewBrand, Vault};

use crate::args::{AuditCmd, BrandCmd, GrantCmd};
use crate::exit::{BrokenChain, Usage};

fn when(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| secs.to_string())
}

fn state_word(g: &GrantInfo) -> &'static str {
    match g.state {
        vouchsafe::GrantState::Active => "active",
        vouchsafe::GrantState::Expired => "expired",
        vouchsafe::GrantState::Revoked => "revoked",
    }
}

fn grant_line(g: &GrantInfo) -> String {
    format!(
        "{}  {:<8} {:<20} {}  until {}",
        &g.id[..8],
        state_word(g),
        g.brand,
        g.released.join(","),
        when(g.expires_at)
    )
}

pub fn brand(vault: &mut Vault, cmd: &BrandCmd) -> Result<()> {
    match cmd {
        BrandCmd::Add {
            id,
            name,
            url,
            notes,
            status_url,
        } => {
            let b = vault.brands_mut().add(&NewBrand {
                id,
                name,
                url: url.as_deref(),
                notes: notes.as_deref(),
                status_url: status_url.as_deref(),
            })?;
            outln!(
                "Added {} ({}). Status list: {}",
                b.name,
                b.id,
                b.status_list_uri
            );
        }
        BrandCmd::List { json } => {
            let brands = vault.brands().list()?;
            if *json {
                outln!("{}", serde_json::to_string(&brands)?);
            } else if brands.is_empty() {
                outln!(
                    "No brands yet. Add one with: vouchsafe brand add acme --name \"Acme Coffee\""
                );
            } else {
                for b in brands {
                    let live = vault.grants().holdings(&b.id)?;
                    let holds = if live.is_empty() {
                        "nothing".to_string()
                    } else {
                        live.join(", ")
                    };
                    outln!("{:<24} {:<24} holds: {holds}", b.id, b.name);
                }
            }
        }
        BrandCmd::Show { id, json } => {
            let b = vault.brands().get(id)?;
            let holds = vault.grants().holdings(id)?;
            let grants = vault.grants().list(Some(id))?;
            if *json {
                outln!("{}", json!({"brand": b, "holds": holds, "grants": grants}));
            } else {
                outln!("{} ({})", b.name, b.id);
                if let Some(u) = &b.url {
                    outln!("  website:     {u}");
                }
                if let Some(n) = &b.notes {
                    outln!("  notes:       {n}");
                }
                outln!("  your id there: {}", b.issuer);
                outln!("  status list: {}", b.status_list_uri);
                outln!(
                    "  holds now:   {}",
                    if holds.is_empty() {
                        "nothing".into()
                    } else {
                        holds.join(", ")
                    }
                );
                for g in &grants {
                    outln!("  {}", grant_line(g));
                }
            }
        }
        BrandCmd::Report { id, out, lang } => {
            let lang = match lang.as_deref() {
                Some("ko") => Lang::Ko,
                Some(_) => Lang::En,
                None => crate::output::lang(),
            };
            BrandReport::gather(vault, id)?.save(lang, out, false)?;
            eprintln!("Saved the report on {id} to {}.", out.display());
        }
        BrandCmd::Rm { id, revoke } => {
            let last = vault.brands_mut().remove(id, *revoke)?;
            if let Some(list) = last {
                eprintln!(
                    "Revoked its grants. Hand over this final status list so the brand sees it:"
                );
                outln!("{list}");
            }
            eprintln!("Removed brand {id} and its key.");
            // A connected brand's revocation events outlive it in the outbox until delivered.
            crate::connect::deliver_now(vault)?;
        }
    }
    Ok(())
}

/// `--fields` as typed: `address` means every address part the consumer has set.
fn parse_fields(vault: &Vault, raw: &[String]) -> Result<Vec<FieldName>> {
    let mut out = Vec::new();
    for item in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item == "address" {
            for part in AddressPart::ALL {
                let name = FieldName::Address(part);
                if vault.fields().get(&name)?.is_some() {
                    out.push(name);
                }
            }
        } else {
            out.push(item.parse()?);
        }
    }
    Ok(out)
}

/// Whether the brand was connected through its inbox (its events reach it by themselves).
fn connected(vault: &Vault, brand: &str) -> Result<bool> {
    Ok(vault.brands().get(brand)?.events_uri.is_some())
}

/// Show the grant `g` that replaced grant `old` (`grant reissue`, `channels`, `narrow`). A
/// connected brand has the replacement queued in its outbox in the same transaction: it is
/// delivered now, and the consumer is told so. Then JSON, or the summary and what it replaced
/// on stderr and the token alone on stdout, so the token can be piped.
fn replaced(vault: &mut Vault, old: &str, g: &IssuedGrant, json: bool) -> Result<()> {
    let told = connected(vault, &vault.grants().get(&g.id)?.brand)?;
    if told {
        crate::connect::deliver_now(vault)?;
    }
    if json {
        outln!("{}", serde_json::to_string(g)?);
    } else {
        eprintln!(
            "{} (replaces {old}, now revoked{})",
            g.summary.get(crate::output::lang()),
            if told {
                "; the brand is told through its inbox"
            } else {
                ""
            }
        );
        outln!("{}", g.token);
    }
    Ok(())
}

pub fn grant(vault: &mut Vault, cmd: &GrantCmd) -> Result<()> {
    match cmd {
        GrantCmd::Issue {
            brand,
            fields,
            derive,
            purpose,
            purpose_category,
            channels,
            night_ads,
            offer,
            expires,
            preview,
            json,
        } => {
            let Some(purpose) = purpose else {
                return Err(
                    vouchsafe::VaultError::Grant(vouchsafe::GrantError::MissingPurpose).into(),
                );
            };
            let derived = derive
                .iter()
                .filter(|d| !d.trim().is_empty())
                .map(|d| request::parse_derived(d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(vouchsafe::VaultError::from)?;
            let now = jiff::Timestamp::now();
            let parts = GrantRequestParts {
                brand: brand.clone(),
                fields: parse_fields(vault, fields)?,
                derived,
                purpose: purpose.clone(),
                purpose_category: purpose_category.clone(),
                channels: channel_choices(
                    channels.as_deref().unwrap_or(""),
                    night_ads,
                    now.as_second(),
                )?,
                offer: offer.clone(),
                expires_at: request::parse_expiry(expires, now, &jiff::tz::TimeZone::system())
                    .map_err(vouchsafe::VaultError::from)?,
            };
            let req =
                GrantRequest::new(parts, now.as_second()).map_err(vouchsafe::VaultError::from)?;
            if *preview {
                let p = vault.grants().preview(&req)?;
                if *json {
                    outln!("{}", serde_json::to_string(&p)?);
                } else {
                    outln!("{}", p.summary.get(crate::output::lang()));
                    outln!("{}", serde_json::to_string_pretty(&p.claims)?);
                }
                return Ok(());
            }
            let g = vault.grants_mut().issue(&req)?;
            if *json {
                outln!("{}", serde_json::to_string(&g)?);
            } else {
                eprintln!("{}", g.summary.get(crate::output::lang()));
                outln!("{}", g.token);
            }
        }
        GrantCmd::List { brand, json } => {
            let grants = vault.grants().list(brand.as_deref())?;
            if *json {
                outln!("{}", serde_json::to_string(&grants)?);
            } else if grants.is_empty() {
                outln!(
                    "No grants yet. Share with: vouchsafe grant issue --brand ID --fields email --purpose \"…\""
                );
            } else {
                for g in &grants {
                    outln!("{}", grant_line(g));
                }
            }
        }
        GrantCmd::Show { id, json } => {
            let g = vault.grants().get(id)?;
            if *json {
                outln!("{}", serde_json::to_string(&g)?);
            } else {
                outln!("{}", g.summary.get(crate::output::lang()));
                outln!("  id:        {}", g.id);
                outln!("  brand:     {} ({})", g.brand_name, g.brand);
                outln!("  state:     {}", state_word(&g));
                outln!("  released:  {}", g.released.join(", "));
                outln!("  purpose:   {} [{}]", g.purpose, g.purpose_category);
                if let Some(o) = &g.offer {
                    outln!("  offer:     {o}");
                }
                outln!("  issued:    {}", when(g.issued_at));
                outln!("  expires:   {}", when(g.expires_at));
                if let Some(r) = g.revoked_at {
                    outln!("  revoked:   {}", when(r));
                }
                outln!("  token:     {}", g.token);
                for line in crate::connect::grant_lines(vault, &g.id)? {
                    outln!("{line}");
                }
            }
        }
        GrantCmd::Revoke { id, brand, all } => match (id, brand, all) {
            (Some(id), None, false) => {
                let g = vault.grants_mut().revoke(id)?;
                if connected(vault, &g.brand)? {
                    outln!(
                        "Revoked {} ({}); the brand is told through its inbox.",
                        g.id,
                        g.brand
                    );
                    crate::connect::deliver_now(vault)?;
                } else {
                    outln!(
                        "Revoked {} ({}). Hand over the new status list: vouchsafe status-list --brand {}",
                        g.id,
                        g.brand,
                        g.brand
                    );
                }
            }
            (None, Some(b), true) => {
                let n = vault.brands_mut().revoke_grants(b)?;
                if connected(vault, b)? {
                    outln!(
                        "Revoked {n} grant(s) held by {b}; the brand is told through its inbox."
                    );
                    crate::connect::deliver_now(vault)?;
                } else {
                    outln!(
                        "Revoked {n} grant(s) held by {b}. Hand over the new status list: vouchsafe status-list --brand {b}"
                    );
                }
            }
            _ => bail!(Usage("give a grant id, or --brand ID --all".into())),
        },
        GrantCmd::Erase { id } => {
            let g = vault.grants_mut().erase(id)?;
            outln!(
                "Revoked {} and asked {} to erase what it received; its signed erasure receipt will be kept (see: vouchsafe grant show {}).",
                g.id,
                g.brand,
                &g.id[..8]
            );
            crate::connect::deliver_now(vault)?;
        }
        GrantCmd::Reissue { id, expires, json } => {
            let g = match expires {
                Some(e) => {
                    let until = request::parse_expiry(
                        e,
                        jiff::Timestamp::now(),
                        &jiff::tz::TimeZone::system(),
                    )
                    .map_err(vouchsafe::VaultError::from)?;
                    vault.grants_mut().reissue_until(id, until)?
                }
                None => vault.grants_mut().reissue(id)?,
            };
            replaced(vault, id, &g, *json)?;
        }
        GrantCmd::Channels {
            id,
            channels,
            night_ads,
            json,
        } => {
            let now = jiff::Timestamp::now().as_second();
            let choices = channel_choices(channels, night_ads, now)?;
            let g = vault.grants_mut().change_channels(id, choices)?;
            replaced(vault, id, &g, *json)?;
        }
        GrantCmd::Narrow {
            id,
            replace,
            drop,
            json,
        } => {
            let narrowing = narrowing(replace, drop)?;
            let g = vault.grants_mut().narrow(id, &narrowing)?;
            replaced(vault, id, &g, *json)?;
        }
        GrantCmd::Receipt { id, json } => {
            let r = vault.grants().receipt(id)?;
            if *json {
                let c =
                    vouchsafe_token::CompactJws::parse(&r).map_err(|e| anyhow::anyhow!("{e}"))?;
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&c.claims().map_err(|e| anyhow::anyhow!("{e}"))?)?
                );
            } else {
                outln!("{r}");
            }
        }
    }
    Ok(())
}

/// `--replace FIELD=FACT` and `--drop NAME` as the core's narrowing (checked against the grant
/// when applied).
fn narrowing(replace: &[String], drop: &[String]) -> Result<Narrowing, vouchsafe::VaultError> {
    let replace = replace
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| Narrowing::parse_replacement(r))
        .collect::<Result<Vec<_>, _>>()?;
    let drop = drop
        .iter()
        .filter(|d| !d.trim().is_empty())
        .map(|d| d.parse::<Dropped>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Narrowing::new(replace, drop))
}

/// `--channels` and `--night-ads` as the core's checked channel consent, dated `now`.
fn channel_choices(
    channels: &str,
    night_ads: &str,
    now: i64,
) -> Result<request::ChannelChoices, vouchsafe::VaultError> {
    let choices = request::parse_channels(channels)?;
    let night = vouchsafe::grants::channels::parse_yes_no(night_ads)?;
    Ok(request::ChannelChoices::new(choices, night, now)?)
}

pub fn audit(vault: &Vault, cmd: Option<&AuditCmd>, json: bool) -> Result<()> {
    match cmd {
        Some(AuditCmd::Verify) => match vault.audit().verify()? {
            vouchsafe::audit::ChainState::Intact { entries } => {
                outln!("Audit log intact: {entries} entries, each chained to the one before.");
            }
            vouchsafe::audit::ChainState::Broken { at_seq, reason } => {
                bail!(BrokenChain(format!(
                    "audit log broken at entry {at_seq}: {reason}"
                )));
            }
        },
        None => {
            let entries = vault.audit().entries()?;
            if json {
                outln!("{}", serde_json::to_string(&entries)?);
            } else {
                for e in entries {
                    let detail = if e.event.detail.is_empty() {
                        String::new()
                    } else {
                        format!("  {}", e.event.detail)
                    };
                    outln!(
                        "{:>5}  {}  {:<18} {}{detail}",
                        e.seq,
                        when(e.at),
                        e.event.action,
                        e.event.subject
                    );
                }
            }
        }
    }
    Ok(())
}
