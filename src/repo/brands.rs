//! The brands repository: one sealed row per brand relationship, holding its private key, and
//! the brand-wide operations on that relationship's grants (its status list, revoking all).

use std::collections::BTreeSet;
use std::ops::Deref;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use vouchsafe_token::{PublicJwk, SigningKey, StatusList};
use zeroize::{Zeroize, Zeroizing};

use crate::brands::{
    Brand, BrandError, MIN_STATUS_LIST_LEN, NewBrand, STATUS_LIST_TTL_SECS,
    STATUS_LIST_VALIDITY_SECS,
};
use crate::crypto::record::OpenError;
use crate::crypto::{random_bytes, random_uuid};
use crate::error::{Result, VaultError};
use crate::records::{AuditEvent, Records, Tx};

pub(crate) const BRANDS: &str = "brands";
/// The grants table, read here only for the authenticated state of a brand's grants.
pub(crate) const GRANTS: &str = "grants";

/// One grant's authenticated state, as a brand-wide operation needs it.
pub(crate) struct GrantStateRow {
    pub(crate) id: String,
    pub(crate) status_idx: i64,
    pub(crate) expires_at: i64,
    pub(crate) revoked_at: Option<i64>,
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
    /// Every status index ever handed out in this list, kept after its grant is gone (a brand
    /// may still hold the token) and carried over a restore, so no index is handed out twice.
    /// Records written before it existed have none; their grants' rows say which are taken.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(crate) allocated: BTreeSet<usize>,
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

    fn view(&self, created_at: i64) -> Brand {
        Brand {
            id: self.audience.clone(),
            name: self.name.clone(),
            url: self.url.clone(),
            notes: self.notes.clone(),
            issuer: self.jwk().thumbprint_urn(),
            jwk: self.jwk(),
            status_list_uri: self.status_uri.clone(),
            created_at,
        }
    }

    /// Store this record (after its status list grew), inside `tx`.
    pub(crate) fn save(&self, tx: &Tx<'_>, row_id: &str) -> Result<()> {
        let sealed = tx.seal(BRANDS, row_id, self)?;
        tx.conn().execute(
            "UPDATE brands SET sealed = ?1, updated_at = ?2 WHERE id = ?3",
            params![sealed, tx.now(), row_id],
        )?;
        tx.stamp(BRANDS, row_id)?;
        Ok(())
    }
}

/// The brands. `BrandRepo<&Records>` reads; `BrandRepo<&mut Records>` also writes.
#[derive(Debug)]
pub struct BrandRepo<R> {
    rec: R,
}

impl<R: Deref<Target = Records>> BrandRepo<R> {
    pub(crate) fn new(rec: R) -> Self {
        Self { rec }
    }

    pub(crate) fn row_id(&self, audience: &str) -> String {
        self.rec.lookup_id(BRANDS, audience)
    }

    /// The brand's row id, sealed record and creation time; `Unknown` if there is none.
    pub(crate) fn record(&self, audience: &str) -> Result<(String, BrandRecord, i64)> {
        let row_id = self.row_id(audience);
        let Some(row) = self.rec.verified_row::<VaultError>(BRANDS, &row_id)? else {
            return Err(BrandError::Unknown(audience.into()).into());
        };
        let (sealed, created_at) = (row.blob("sealed")?, row.int("created_at")?);
        let rec: BrandRecord = self.rec.open(BRANDS, &row_id, &sealed)?;
        if rec.audience != audience {
            return Err(OpenError(format!("{BRANDS}/{row_id}")).into());
        }
        Ok((row_id, rec, created_at))
    }

    /// One brand by its id.
    pub fn get(&self, id: &str) -> Result<Brand> {
        let (_, rec, created) = self.record(id)?;
        Ok(rec.view(created))
    }

    /// Every brand, sorted by name.
    pub fn list(&self) -> Result<Vec<Brand>> {
        let mut out: Vec<Brand> = self
            .rec
            .open_all::<BrandRecord, VaultError>(BRANDS, "created_at", |r| &r.audience)?
            .iter()
            .map(|(_, rec, created)| rec.view(*created))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The authenticated state of the brand's grants: (grant id, status index, expires,
    /// revoked), every row's MAC checked.
    pub(crate) fn grant_states(&self, row_id: &str) -> Result<Vec<GrantStateRow>> {
        self.rec
            .verified_rows::<VaultError>(GRANTS, Some(("brand_id", row_id)))?
            .into_iter()
            .map(|(id, row)| {
                Ok(GrantStateRow {
                    id,
                    status_idx: row.int("status_idx")?,
                    expires_at: row.int("expires_at")?,
                    revoked_at: row.opt_int("revoked_at")?,
                })
            })
            .collect()
    }

    /// How many of the brand's grants are live (neither revoked nor expired) now.
    fn live_grants(&self, row_id: &str) -> Result<usize> {
        let now = self.rec.now();
        Ok(self
            .grant_states(row_id)?
            .iter()
            .filter(|g| g.revoked_at.is_none() && g.expires_at > now)
            .count())
    }

    /// The brand's current Token Status List, signed with its key: revoked grants are 1.
    /// Built only from authenticated state, and only when the whole vault checks out: a
    /// deleted or rolled-back grant row would otherwise silently clear a revoked bit.
    pub fn status_list_token(&self, id: &str) -> Result<String> {
        let (row_id, rec, _) = self.record(id)?;
        let report = self.rec.check_state()?;
        if let Some(p) = report.problems.first() {
            return Err(p.to_open_error().into());
        }
        let mut list = StatusList::new(rec.status_len, 1).map_err(VaultError::sign)?;
        let revoked = self
            .grant_states(&row_id)?
            .into_iter()
            .filter(|g| g.revoked_at.is_some())
            .map(|g| g.status_idx);
        for idx in revoked {
            list.set(
                usize::try_from(idx).unwrap_or(0),
                vouchsafe_token::status_list::STATUS_INVALID,
            )
            .map_err(VaultError::sign)?;
        }
        let iat = self.rec.now();
        vouchsafe_token::status_list_token(
            &list,
            &rec.status_uri,
            iat,
            iat + STATUS_LIST_VALIDITY_SECS,
            STATUS_LIST_TTL_SECS,
            &rec.signing_key(),
        )
        .map_err(VaultError::sign)
    }
}

impl BrandRepo<&mut Records> {
    /// Add a brand and generate its key pair.
    pub fn add(&mut self, new: &NewBrand<'_>) -> Result<Brand> {
        let checked = new.check()?;
        let mut seed = Zeroizing::new([0u8; 32]);
        random_bytes(seed.as_mut())?;
        let rec = BrandRecord {
            audience: new.id.to_string(),
            name: checked.name.to_string(),
            url: new.url.map(str::to_string),
            notes: checked.notes.map(str::to_string),
            key_seed: *seed,
            status_uri: match new.status_url {
                Some(u) => u.to_string(),
                None => format!("urn:uuid:{}", random_uuid()?),
            },
            status_len: MIN_STATUS_LIST_LEN,
            allocated: BTreeSet::new(),
        };
        let row_id = self.row_id(new.id);
        let t = self.rec.now();
        self.rec.write(|tx| {
            let exists: bool = tx.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM brands WHERE id = ?1)",
                [&row_id],
                |r| r.get(0),
            )?;
            if exists {
                return Err(BrandError::Exists(new.id.into()).into());
            }
            let sealed = tx.seal(BRANDS, &row_id, &rec)?;
            tx.conn().execute(
                "INSERT INTO brands (id, sealed, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                params![row_id, sealed, t],
            )?;
            tx.stamp(BRANDS, &row_id)?;
            tx.audit::<VaultError>(
                &AuditEvent::new("brand.added", new.id, checked.name)
                    .with("brand", new.id)
                    .with("name", checked.name),
            )?;
            Ok::<_, VaultError>(())
        })?;
        Ok(rec.view(t))
    }

    /// Revoke every grant the brand holds that is not revoked yet; returns how many.
    pub fn revoke_grants(&mut self, id: &str) -> Result<usize> {
        let (row_id, _, _) = self.record(id)?;
        let t = self.rec.now();
        let ids: Vec<String> = self
            .grant_states(&row_id)?
            .into_iter()
            .filter(|g| g.revoked_at.is_none())
            .map(|g| g.id)
            .collect();
        self.rec.write(|tx| {
            for gid in &ids {
                tx.conn().execute(
                    "UPDATE grants SET revoked_at = ?1 WHERE id = ?2",
                    params![t, gid],
                )?;
                tx.stamp(GRANTS, gid)?;
                tx.audit::<VaultError>(
                    &AuditEvent::new("grant.revoked", gid.as_str(), format!("from {id} (all)"))
                        .with("brand", id)
                        .with("all", "true"),
                )?;
            }
            Ok::<_, VaultError>(ids.len())
        })
    }

    /// Remove a brand with its key and grants. Refused while it holds live grants unless
    /// `revoke`; then the grants are revoked first and the final status list token is returned,
    /// so it can be handed over one last time before the key is gone.
    pub fn remove(&mut self, id: &str, revoke: bool) -> Result<Option<String>> {
        let (row_id, _, _) = self.record(id)?;
        let live = self.live_grants(&row_id)?;
        let mut last_list = None;
        if live > 0 {
            if !revoke {
                return Err(BrandError::HasLiveGrants {
                    id: id.into(),
                    live,
                }
                .into());
            }
            self.revoke_grants(id)?;
            last_list = Some(self.status_list_token(id)?);
        }
        self.rec.write(|tx| {
            tx.conn()
                .execute("DELETE FROM grants WHERE brand_id = ?1", [&row_id])?;
            tx.conn()
                .execute("DELETE FROM brands WHERE id = ?1", [&row_id])?;
            tx.audit::<VaultError>(&AuditEvent::new("brand.removed", id, "").with("brand", id))?;
            Ok::<_, VaultError>(())
        })?;
        Ok(last_list)
    }
}
