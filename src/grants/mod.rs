//! Grants: a consumer's signed, scoped, time-limited and revocable release of chosen fields to
//! one brand, as a compact JWS (RFC 7515/7519, EdDSA per RFC 8037). Formats: docs/grant-token.md.

pub mod claims;
pub mod receipt;
pub mod request;

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use vouchsafe_verify::{GRANT_TYP, RECEIPT_TYP, StatusList, jws};

pub use receipt::Lang;
pub use request::{ChannelChoice, Derived, GrantError, GrantRequest};

use crate::audit::{self, AuditEvent};
use crate::brands::{BRANDS, BrandRecord};
use crate::crypto::random_bytes;
use crate::crypto::record::{self, Place};
use crate::error::{Result, VaultError};
use crate::profile::FieldName;
use crate::store;
use crate::vault::{Vault, now};

const GRANTS: &str = "grants";

/// How long a published status list stays valid, and how often brands should refresh it.
/// Short, so a revocation reaches every brand within a day even if they cache.
pub const STATUS_LIST_VALIDITY_SECS: i64 = 24 * 3600;
pub const STATUS_LIST_TTL_SECS: i64 = 3600;

/// What is sealed in a `grants` row.
#[derive(Serialize, Deserialize)]
struct GrantRecord {
    brand: String,
    token: String,
    fields: Vec<FieldName>,
    derived: Vec<Derived>,
    datatypes: Vec<String>,
    purpose: String,
    purpose_category: String,
    channels: Vec<ChannelChoice>,
    offer: Option<String>,
    summary_en: String,
    summary_ko: String,
    jurisdiction: String,
}

/// Where a grant stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GrantState {
    Active,
    Expired,
    Revoked,
}

/// A grant as the consumer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct GrantInfo {
    pub id: String,
    pub brand: String,
    pub brand_name: String,
    pub state: GrantState,
    /// What the brand received: field names and derived facts (`age_over_18`, `birthday`, `city`).
    pub released: Vec<String>,
    pub purpose: String,
    pub purpose_category: String,
    pub channels: Vec<ChannelChoice>,
    pub offer: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub summary_en: String,
    pub summary_ko: String,
    pub status_list_uri: String,
    pub status_idx: usize,
    /// The token itself; the consumer can hand it over again.
    pub token: String,
}

/// A freshly issued grant.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedGrant {
    pub id: String,
    pub token: String,
    /// The signed consent receipt (JWT).
    pub receipt: String,
    pub summary_en: String,
    pub summary_ko: String,
}

/// Exactly what the brand would receive, for a preview before issuing.
#[derive(Debug, Clone, Serialize)]
pub struct GrantPreview {
    /// The released claims (without `iss`, `jti`, `status` and the time claims).
    pub claims: Map<String, Value>,
    pub datatypes: Vec<String>,
    pub summary_en: String,
    pub summary_ko: String,
}

fn local_date(secs: i64) -> jiff::civil::Date {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::system()).date())
        .unwrap_or_default()
}

fn sign_err(e: impl std::fmt::Display) -> VaultError {
    crate::crypto::record::SealError::Encode(format!("signing failed: {e}")).into()
}

impl Vault {
    /// Every set field's value, for building releases.
    fn field_values(&self) -> Result<BTreeMap<FieldName, String>> {
        Ok(self
            .fields()?
            .into_iter()
            .map(|f| (f.name.clone(), f.value.to_string()))
            .collect())
    }

    /// Validate a request and compute exactly what the brand would receive. Issues nothing.
    pub fn preview_grant(&self, req: &GrantRequest) -> Result<GrantPreview> {
        let (_, brand, _) = self.brand_record(&req.brand)?;
        let (release, summary_en, summary_ko) = self.prepare(req, &brand)?;
        Ok(GrantPreview {
            claims: release.claims,
            datatypes: release.datatypes,
            summary_en,
            summary_ko,
        })
    }

    fn prepare(
        &self,
        req: &GrantRequest,
        brand: &BrandRecord,
    ) -> Result<(claims::Release, String, String)> {
        let purpose = req.purpose.trim();
        if purpose.is_empty()
            || purpose.chars().count() > 200
            || purpose.chars().any(char::is_control)
        {
            return Err(GrantError::MissingPurpose.into());
        }
        if req
            .offer
            .as_deref()
            .is_some_and(|o| o.chars().count() > 200)
        {
            return Err(GrantError::OfferTooLong.into());
        }
        if req.expires_at <= now() {
            return Err(GrantError::ExpiryInPast(req.expires_at.to_string()).into());
        }
        let today = jiff::ZonedDateTime::now().date();
        let release = claims::release(&req.fields, &req.derived, &self.field_values()?, today)?;
        let input = receipt::SummaryInput {
            brand_name: &brand.name,
            fields: &req.fields,
            derived: &req.derived,
            purpose,
            channels: &req.channels,
            until: local_date(req.expires_at),
        };
        Ok((
            release,
            receipt::summary(&input, Lang::En),
            receipt::summary(&input, Lang::Ko),
        ))
    }

    /// Pick a random free index in the brand's status list, growing the list (doubling) once it
    /// is half full so a random index still says nothing about the order of grants.
    fn allocate_index(
        &self,
        conn: &rusqlite::Connection,
        row_id: &str,
        brand: &mut BrandRecord,
    ) -> Result<(usize, bool)> {
        let used: Vec<i64> = conn
            .prepare("SELECT status_idx FROM grants WHERE brand_id = ?1")?
            .query_map([row_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut grown = false;
        while used.len() * 2 >= brand.status_len {
            brand.status_len *= 2;
            grown = true;
        }
        loop {
            let mut b = [0u8; 8];
            random_bytes(&mut b)?;
            let idx = (u64::from_le_bytes(b) % brand.status_len as u64) as usize;
            if !used.contains(&(idx as i64)) {
                return Ok((idx, grown));
            }
        }
    }

    /// Issue a grant: sign the token with the brand relationship's key, record it, its consent
    /// receipt's facts and an audit entry, all in one transaction.
    pub fn issue_grant(&mut self, req: &GrantRequest) -> Result<IssuedGrant> {
        let (row_id, mut brand, _) = self.brand_record(&req.brand)?;
        let (release, summary_en, summary_ko) = self.prepare(req, &brand)?;
        let category = req
            .purpose_category
            .clone()
            .unwrap_or_else(request::default_purpose_category);
        let jurisdiction = self
            .field(&FieldName::Address(crate::profile::AddressPart::Country))?
            .map_or_else(|| "KR".to_string(), |f| f.value.to_string());
        let id = crate::crypto::random_uuid()?;
        let iat = now();
        let key = brand.signing_key();
        let jwk = brand.jwk();
        let issuer = jwk.thumbprint_urn();
        let record_out = store::write(&self.conn, |c| {
            let (idx, grown) = self.allocate_index(c, &row_id, &mut brand)?;
            let mut claims = Map::new();
            claims.insert("iss".into(), Value::from(issuer.as_str()));
            claims.insert("sub".into(), Value::from(issuer.as_str()));
            claims.insert("aud".into(), Value::from(req.brand.as_str()));
            claims.insert("iat".into(), Value::from(iat));
            claims.insert("nbf".into(), Value::from(iat));
            claims.insert("exp".into(), Value::from(req.expires_at));
            claims.insert("jti".into(), Value::from(id.as_str()));
            for (k, v) in &release.claims {
                claims.insert(k.clone(), v.clone());
            }
            claims.insert(
                "authorization_details".into(),
                claims::authorization_details(
                    &release.datatypes,
                    req.purpose.trim(),
                    &category,
                    &req.channels,
                    req.offer.as_deref(),
                ),
            );
            claims.insert(
                "status".into(),
                json!({"status_list": {"idx": idx, "uri": brand.status_uri}}),
            );
            let token = jws::sign_compact(&jws::header_for(GRANT_TYP, &jwk), &claims, &key)
                .map_err(sign_err)?;
            let rec = GrantRecord {
                brand: req.brand.clone(),
                token: token.clone(),
                fields: req.fields.clone(),
                derived: req.derived.clone(),
                datatypes: release.datatypes.clone(),
                purpose: req.purpose.trim().to_string(),
                purpose_category: category.clone(),
                channels: req.channels.clone(),
                offer: req.offer.clone(),
                summary_en: summary_en.clone(),
                summary_ko: summary_ko.clone(),
                jurisdiction: jurisdiction.clone(),
            };
            let sealed = record::seal_json(
                &self.key,
                Place {
                    table: GRANTS,
                    id: &id,
                },
                &rec,
            )?;
            c.execute(
                "INSERT INTO grants (id, brand_id, sealed, status_idx, issued_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, row_id, sealed, idx as i64, iat, req.expires_at],
            )?;
            if grown {
                let sealed = record::seal_json(
                    &self.key,
                    Place {
                        table: BRANDS,
                        id: &row_id,
                    },
                    &brand,
                )?;
                c.execute(
                    "UPDATE brands SET sealed = ?1, updated_at = ?2 WHERE id = ?3",
                    params![sealed, iat, row_id],
                )?;
            }
            audit::append(
                c,
                &self.key,
                &AuditEvent::new(
                    "grant.issued",
                    id.as_str(),
                    format!("to {}: {}", req.brand, release.datatypes.join(", ")),
                ),
            )?;
            Ok::<_, VaultError>(token)
        })?;
        let receipt = self.grant_receipt(&id)?;
        Ok(IssuedGrant {
            id,
            token: record_out,
            receipt,
            summary_en,
            summary_ko,
        })
    }

    /// Resolve a grant id or a unique prefix of at least 8 characters.
    pub fn resolve_grant_id(&self, id_or_prefix: &str) -> Result<String> {
        let p = id_or_prefix.trim().to_ascii_lowercase();
        if p.len() < 8 || !p.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(GrantError::UnknownGrant(id_or_prefix.to_string()).into());
        }
        let like = format!("{p}%");
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM grants WHERE id LIKE ?1 LIMIT 2")?
            .query_map([&like], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(GrantError::UnknownGrant(id_or_prefix.to_string()).into()),
            _ => Err(GrantError::AmbiguousGrant(id_or_prefix.to_string()).into()),
        }
    }

    fn grant_row(&self, id: &str) -> Result<GrantInfo> {
        type Row = (String, Vec<u8>, i64, i64, i64, Option<i64>);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT brand_id, sealed, status_idx, issued_at, expires_at, revoked_at FROM grants WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let Some(row) = row else {
            return Err(GrantError::UnknownGrant(id.to_string()).into());
        };
        self.grant_info(id, row)
    }

    fn grant_info(
        &self,
        id: &str,
        (brand_row, sealed, idx, issued, expires, revoked): (
            String,
            Vec<u8>,
            i64,
            i64,
            i64,
            Option<i64>,
        ),
    ) -> Result<GrantInfo> {
        let rec: GrantRecord = self.open_record(GRANTS, id, &sealed)?;
        // The brand link is plaintext: check it against the sealed record so it cannot be moved.
        if self.brand_row_id(&rec.brand) != brand_row {
            return Err(record::OpenError(format!("{GRANTS}/{id}")).into());
        }
        let (_, brand, _) = self.brand_record(&rec.brand)?;
        let state = match revoked {
            Some(_) => GrantState::Revoked,
            None if expires <= now() => GrantState::Expired,
            None => GrantState::Active,
        };
        Ok(GrantInfo {
            id: id.to_string(),
            brand: rec.brand.clone(),
            brand_name: brand.name.clone(),
            state,
            released: rec.datatypes.clone(),
            purpose: rec.purpose.clone(),
            purpose_category: rec.purpose_category.clone(),
            channels: rec.channels.clone(),
            offer: rec.offer.clone(),
            issued_at: issued,
            expires_at: expires,
            revoked_at: revoked,
            summary_en: rec.summary_en.clone(),
            summary_ko: rec.summary_ko.clone(),
            status_list_uri: brand.status_uri.clone(),
            status_idx: idx.max(0) as usize,
            token: rec.token.clone(),
        })
    }

    /// One grant by id or unique prefix.
    pub fn grant(&self, id_or_prefix: &str) -> Result<GrantInfo> {
        let id = self.resolve_grant_id(id_or_prefix)?;
        self.grant_row(&id)
    }

    /// Every grant, newest first; only one brand's if `brand` is given.
    pub fn grants(&self, brand: Option<&str>) -> Result<Vec<GrantInfo>> {
        let filter = match brand {
            Some(b) => Some(self.brand_record(b)?.0),
            None => None,
        };
        let mut stmt = self.conn.prepare(
            "SELECT id, brand_id, sealed, status_idx, issued_at, expires_at, revoked_at FROM grants
             WHERE ?1 IS NULL OR brand_id = ?1 ORDER BY issued_at DESC, id",
        )?;
        let rows = stmt.query_map([filter], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, rest) = row?;
            out.push(self.grant_info(&id, rest)?);
        }
        Ok(out)
    }

    pub(crate) fn live_grant_ids(&self, brand_row: &str) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare("SELECT id FROM grants WHERE brand_id = ?1 AND revoked_at IS NULL AND expires_at > ?2")?
            .query_map(params![brand_row, now()], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Revoke one grant. Its bit in the brand's status list is set from now on.
    pub fn revoke_grant(&mut self, id_or_prefix: &str) -> Result<GrantInfo> {
        let info = self.grant(id_or_prefix)?;
        if info.state == GrantState::Revoked {
            return Err(GrantError::AlreadyRevoked(info.id).into());
        }
        let t = now();
        store::write(&self.conn, |c| {
            c.execute(
                "UPDATE grants SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![t, info.id],
            )?;
            audit::append(
                c,
                &self.key,
                &AuditEvent::new(
                    "grant.revoked",
                    info.id.as_str(),
                    format!("from {}", info.brand),
                ),
            )?;
            Ok::<_, VaultError>(())
        })?;
        self.grant_row(&info.id)
    }

    /// Revoke every grant a brand holds that is not revoked yet; returns how many.
    pub fn revoke_brand_grants(&mut self, brand: &str) -> Result<usize> {
        let (row_id, _, _) = self.brand_record(brand)?;
        let t = now();
        store::write(&self.conn, |c| {
            let ids: Vec<String> = c
                .prepare("SELECT id FROM grants WHERE brand_id = ?1 AND revoked_at IS NULL")?
                .query_map([&row_id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in &ids {
                c.execute(
                    "UPDATE grants SET revoked_at = ?1 WHERE id = ?2",
                    params![t, id],
                )?;
                audit::append(
                    c,
                    &self.key,
                    &AuditEvent::new("grant.revoked", id.as_str(), format!("from {brand} (all)")),
                )?;
            }
            Ok::<_, VaultError>(ids.len())
        })
    }

    /// The brand's current Token Status List, signed with its key: revoked grants are 1.
    pub fn status_list_token(&self, brand: &str) -> Result<String> {
        let (row_id, rec, _) = self.brand_record(brand)?;
        let mut list = StatusList::new(rec.status_len, 1).map_err(sign_err)?;
        let revoked: Vec<i64> = self
            .conn
            .prepare(
                "SELECT status_idx FROM grants WHERE brand_id = ?1 AND revoked_at IS NOT NULL",
            )?
            .query_map([&row_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for idx in revoked {
            list.set(
                idx.max(0) as usize,
                vouchsafe_verify::status_list::STATUS_INVALID,
            )
            .map_err(sign_err)?;
        }
        let iat = now();
        vouchsafe_verify::status_list_token(
            &list,
            &rec.status_uri,
            iat,
            iat + STATUS_LIST_VALIDITY_SECS,
            STATUS_LIST_TTL_SECS,
            &rec.signing_key(),
        )
        .map_err(sign_err)
    }

    /// The signed Kantara consent receipt of a grant, with its events so far.
    pub fn grant_receipt(&self, id_or_prefix: &str) -> Result<String> {
        let info = self.grant(id_or_prefix)?;
        let (_, brand, _) = self.brand_record(&info.brand)?;
        let rec = self.grant_record(&info.id)?;
        let mut events = vec![receipt::ConsentEvent {
            event: "given",
            at: info.issued_at,
        }];
        if let Some(at) = info.revoked_at {
            events.push(receipt::ConsentEvent {
                event: "withdrawn",
                at,
            });
        }
        let jwk = brand.jwk();
        let issuer = jwk.thumbprint_urn();
        let claims = receipt::receipt_claims(
            &receipt::ReceiptInput {
                grant_id: &info.id,
                issuer: &issuer,
                brand_id: &info.brand,
                brand_name: &brand.name,
                brand_url: brand.url.as_deref(),
                jurisdiction: &rec.jurisdiction,
                purpose: &rec.purpose,
                purpose_category: &rec.purpose_category,
                datatypes: &rec.datatypes,
                issued_at: info.issued_at,
                expires_at: info.expires_at,
                status_uri: &info.status_list_uri,
                status_idx: info.status_idx,
                events: &events,
                summary: &rec.summary_en,
            },
            now(),
        );
        jws::sign_compact(
            &jws::header_for(RECEIPT_TYP, &jwk),
            &claims,
            &brand.signing_key(),
        )
        .map_err(sign_err)
    }

    /// Active grants whose released values come from `field` (directly or as a derived fact),
    /// so that after the consumer changes it ("move house") each brand can get an updated grant.
    pub fn grants_using_field(&self, field: &FieldName) -> Result<Vec<GrantInfo>> {
        use crate::profile::{AddressPart, StdField};
        let uses = |rec: &GrantRecord| {
            rec.fields.contains(field)
                || rec.derived.iter().any(|d| match d {
                    Derived::AgeOver(_) | Derived::Birthday => {
                        *field == FieldName::Std(StdField::Birthdate)
                    }
                    Derived::City => matches!(
                        field,
                        FieldName::Address(
                            AddressPart::Locality | AddressPart::Region | AddressPart::Country
                        )
                    ),
                })
        };
        // One pass over the active rows; only the grants that match are opened in full.
        let rows: Vec<(String, Vec<u8>)> = self
            .conn
            .prepare(
                "SELECT id, sealed FROM grants WHERE revoked_at IS NULL AND expires_at > ?1
                 ORDER BY issued_at DESC, id",
            )?
            .query_map([now()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (id, sealed) in rows {
            if uses(&self.open_record::<GrantRecord>(GRANTS, &id, &sealed)?) {
                out.push(self.grant_row(&id)?);
            }
        }
        Ok(out)
    }

    fn grant_record(&self, id: &str) -> Result<GrantRecord> {
        let sealed: Vec<u8> =
            self.conn
                .query_row("SELECT sealed FROM grants WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        self.open_record(GRANTS, id, &sealed)
    }

    /// Replace an active grant with a new one carrying the same choices and today's values,
    /// then revoke the old one. The new grant keeps the old expiry.
    pub fn reissue_grant(&mut self, id_or_prefix: &str) -> Result<IssuedGrant> {
        let old = self.grant(id_or_prefix)?;
        if old.state != GrantState::Active {
            return Err(GrantError::NotActive(old.id).into());
        }
        let rec = self.grant_record(&old.id)?;
        let req = GrantRequest {
            brand: rec.brand.clone(),
            fields: rec.fields.clone(),
            derived: rec.derived.clone(),
            purpose: rec.purpose.clone(),
            purpose_category: Some(rec.purpose_category.clone()),
            channels: rec.channels.clone(),
            offer: rec.offer.clone(),
            expires_at: old.expires_at,
        };
        let new = self.issue_grant(&req)?;
        self.revoke_grant(&old.id)?;
        Ok(new)
    }

    /// What a brand holds right now: the union of what its active grants released.
    pub fn brand_holdings(&self, brand: &str) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for g in self
            .grants(Some(brand))?
            .into_iter()
            .filter(|g| g.state == GrantState::Active)
        {
            for r in g.released {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }
}
