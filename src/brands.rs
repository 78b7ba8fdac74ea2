//! Brands the consumer shares with, each with its own Ed25519 key pair.
//!
//! A separate key per brand relationship is what makes identifiers pairwise: the token's
//! `iss`/`sub` is that key's thumbprint, and the brand's status list has its own random URI,
//! so two brands comparing notes find no value in common.

use std::fmt;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use vouchsafe_verify::{PublicJwk, SigningKey};
use zeroize::{Zeroize, Zeroizing};

use crate::audit::{self, AuditEvent};
use crate::crypto::random_bytes;
use crate::crypto::record::{self, Place};
use crate::error::{Result, VaultError};
use crate::store;
use crate::vault::{Vault, now};

pub(crate) const BRANDS: &str = "brands";
/// Smallest status list: the draft recommends enough entries that an index says nothing.
pub const MIN_STATUS_LIST_LEN: usize = 1024;

/// Why a brand request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BrandError {
    #[error(
        "brand id {0:?} is not valid: use a short id (letters, digits, '.', '_', '-'; up to 64) or an https:// URL"
    )]
    BadId(String),
    #[error("brand name must not be empty and at most 100 characters")]
    BadName,
    #[error("brand notes must be at most 1000 characters")]
    NotesTooLong,
    #[error("{what} {value:?} is not an https:// URL")]
    NotHttps { what: &'static str, value: String },
    #[error("brand {0} is not known; add it with `vouchsafe brand add`")]
    Unknown(String),
    #[error("brand {0} already exists")]
    Exists(String),
    #[error("brand {id} holds {live} live grant(s); revoke them first or pass --revoke")]
    HasLiveGrants { id: String, live: usize },
}

/// Check a brand's audience identifier: a short id or an https URL.
pub fn check_brand_id(id: &str) -> Result<(), BrandError> {
    let ok_short = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok_short || is_https_url(id) {
        Ok(())
    } else {
        Err(BrandError::BadId(id.to_string()))
    }
}

/// `https://host[/path]` with no spaces or control characters; enough to refuse typos
/// without pulling in a URL parser for a check this small.
fn is_https_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    s.len() <= 256
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_url(what: &'static str, value: &str) -> Result<(), BrandError> {
    if is_https_url(value) {
        Ok(())
    } else {
        Err(BrandError::NotHttps {
            what,
            value: value.into(),
        })
    }
}

/// What is sealed in a `brands` row: everything, including the brand's private key.
#[derive(Serialize, Deserialize)]
pub(crate) struct BrandRecord {
    pub(crate) audience: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// The consumer's own notes about this brand.
    #[serde(default)]
    pub(crate) notes: Option<String>,
    pub(crate) key_seed: [u8; 32],
    pub(crate) status_uri: String,
    pub(crate) status_len: usize,
}

impl Drop for BrandRecord {
    fn drop(&mut self) {
        self.key_seed.zeroize();
        self.name.zeroize();
        self.audience.zeroize();
        self.notes.zeroize();
    }
}

impl BrandRecord {
    pub(crate) fn signing_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.key_seed)
    }
    pub(crate) fn jwk(&self) -> PublicJwk {
        PublicJwk::from_verifying_key(&self.signing_key().verifying_key())
    }
}

/// A brand as shown to the consumer. No key material.
#[derive(Clone, Serialize)]
pub struct Brand {
    /// The audience identifier that becomes the token's `aud`.
    pub id: String,
    pub name: String,
    pub url: Option<String>,
    pub notes: Option<String>,
    /// The consumer's pairwise identifier at this brand (`iss`/`sub` of its tokens).
    pub issuer: String,
    /// The public key of this relationship, for a brand that wants to pin it.
    pub jwk: PublicJwk,
    pub status_list_uri: String,
    pub created_at: i64,
}

impl fmt::Debug for Brand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Brand")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Options for a new brand.
#[derive(Debug, Default, Clone)]
pub struct NewBrand<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub url: Option<&'a str>,
    pub notes: Option<&'a str>,
    /// Where the consumer will publish this brand's status list; else a `urn:uuid:`.
    pub status_url: Option<&'a str>,
}

impl Vault {
    pub(crate) fn brand_row_id(&self, audience: &str) -> String {
        self.key.lookup_id(BRANDS, audience)
    }

    pub(crate) fn brand_record(&self, audience: &str) -> Result<(String, BrandRecord, i64)> {
        let row_id = self.brand_row_id(audience);
        let row: Option<(Vec<u8>, i64)> = self
            .conn
            .query_row(
                "SELECT sealed, created_at FROM brands WHERE id = ?1",
                [&row_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((sealed, created_at)) = row else {
            return Err(BrandError::Unknown(audience.into()).into());
        };
        let rec: BrandRecord = self.open_record(BRANDS, &row_id, &sealed)?;
        if rec.audience != audience {
            return Err(record::OpenError(format!("{BRANDS}/{row_id}")).into());
        }
        Ok((row_id, rec, created_at))
    }

    fn brand_view(rec: &BrandRecord, created_at: i64) -> Brand {
        Brand {
            id: rec.audience.clone(),
            name: rec.name.clone(),
            url: rec.url.clone(),
            notes: rec.notes.clone(),
            issuer: rec.jwk().thumbprint_urn(),
            jwk: rec.jwk(),
            status_list_uri: rec.status_uri.clone(),
            created_at,
        }
    }

    /// Add a brand and generate its key pair.
    pub fn add_brand(&mut self, new: &NewBrand<'_>) -> Result<Brand> {
        check_brand_id(new.id)?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(BrandError::BadName.into());
        }
        if let Some(u) = new.url {
            check_url("brand URL", u)?;
        }
        let notes = new.notes.map(str::trim).filter(|n| !n.is_empty());
        if notes.is_some_and(|n| n.chars().count() > 1000) {
            return Err(BrandError::NotesTooLong.into());
        }
        if let Some(u) = new.status_url {
            check_url("status list URL", u)?;
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        random_bytes(seed.as_mut())?;
        let rec = BrandRecord {
            audience: new.id.to_string(),
            name: name.to_string(),
            url: new.url.map(str::to_string),
            notes: notes.map(str::to_string),
            key_seed: *seed,
            status_uri: match new.status_url {
                Some(u) => u.to_string(),
                None => format!("urn:uuid:{}", crate::crypto::random_uuid()?),
            },
            status_len: MIN_STATUS_LIST_LEN,
        };
        let row_id = self.brand_row_id(new.id);
        let t = now();
        store::write(&self.conn, |c| {
            let exists: bool = c.query_row(
                "SELECT EXISTS (SELECT 1 FROM brands WHERE id = ?1)",
                [&row_id],
                |r| r.get(0),
            )?;
            if exists {
                return Err(BrandError::Exists(new.id.into()).into());
            }
            let sealed = record::seal_json(
                &self.key,
                Place {
                    table: BRANDS,
                    id: &row_id,
                },
                &rec,
            )?;
            c.execute(
                "INSERT INTO brands (id, sealed, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                params![row_id, sealed, t],
            )?;
            audit::append(c, &self.key, &AuditEvent::new("brand.added", new.id, name))?;
            Ok::<_, VaultError>(())
        })?;
        Ok(Self::brand_view(&rec, t))
    }

    /// One brand by its id.
    pub fn brand(&self, id: &str) -> Result<Brand> {
        let (_, rec, created) = self.brand_record(id)?;
        Ok(Self::brand_view(&rec, created))
    }

    /// Every brand, sorted by name.
    pub fn brands(&self) -> Result<Vec<Brand>> {
        let mut out: Vec<Brand> = self
            .open_all::<BrandRecord>(BRANDS, "created_at", |r| &r.audience)?
            .iter()
            .map(|(_, rec, created)| Self::brand_view(rec, *created))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Remove a brand with its key and grants. Refused while it holds live grants unless
    /// `revoke`; then the grants are revoked first and the final status list token is returned,
    /// so it can be handed over one last time before the key is gone.
    pub fn remove_brand(&mut self, id: &str, revoke: bool) -> Result<Option<String>> {
        let (row_id, _, _) = self.brand_record(id)?;
        let live = self.live_grant_ids(&row_id)?;
        let mut last_list = None;
        if !live.is_empty() {
            if !revoke {
                return Err(BrandError::HasLiveGrants {
                    id: id.into(),
                    live: live.len(),
                }
                .into());
            }
            self.revoke_brand_grants(id)?;
            last_list = Some(self.status_list_token(id)?);
        }
        store::write(&self.conn, |c| {
            c.execute("DELETE FROM grants WHERE brand_id = ?1", [&row_id])?;
            c.execute("DELETE FROM brands WHERE id = ?1", [&row_id])?;
            audit::append(c, &self.key, &AuditEvent::new("brand.removed", id, ""))?;
            Ok::<_, VaultError>(())
        })?;
        Ok(last_list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brand_ids() {
        for ok in [
            "acme",
            "acme-coffee.kr",
            "A1_b",
            "https://brand.example",
            "https://brand.example/consumer",
        ] {
            assert!(check_brand_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-acme",
            "has space",
            "http://brand.example",
            "https://",
            "https:// x",
            "ürün",
            &"a".repeat(65),
        ] {
            assert!(check_brand_id(bad).is_err(), "{bad}");
        }
    }
}
