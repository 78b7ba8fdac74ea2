//! The grants repository: issuing (sign, seal, index in the brand's status list, audit, all in
//! one transaction), listing, revoking and the consent receipt.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use vouchsafe_token::claims::{GrantClaims, StatusClaim, StatusListRef};
use vouchsafe_token::{GRANT_TYP, PublicJwk, RECEIPT_TYP, SigningKey, jws};

use crate::clock::local_date;
use crate::crypto::random_bytes;
use crate::crypto::random_uuid;
use crate::crypto::record::{OpenError, SealError};
use crate::error::{Result, VaultError};
use crate::grants::claims::{self, Release};
use crate::grants::receipt::{self, ConsentEvent, ReceiptInput, SummaryInput};
use crate::grants::request::check_expiry;
use crate::grants::{
    ChannelChoices, Derived, GrantError, GrantInfo, GrantPreview, GrantRequest, GrantRequestParts,
    GrantState, IssuedGrant, Lang, Narrowing, Summary,
};
use crate::profile::{AddressPart, FieldName, StdField};
use crate::records::{AuditEvent, Checked, Records, Tx};
use crate::repo::brands::{BrandRecord, BrandRepo, Change, enqueue_change};
use crate::repo::fields::FieldRepo;
use crate::repo::outbox::{self, GrantDelivery};

const GRANTS: &str = "grants";
/// The brand's countersigned receipt of a delivered grant, one row per grant (id = grant id).
const GRANT_RECEIPTS: &str = "grant_receipts";
/// A grant's signed token, one row per grant (id = grant id), since schema 5: most of a
/// grant's bytes, read only by what shows or sends one grant (docs/vault-format.md).
const GRANT_TOKENS: &str = "grant_tokens";

/// What is sealed in a `grant_tokens` row.
#[derive(Serialize, Deserialize)]
struct TokenRecord {
    token: String,
}

/// Seal `token` in grant `id`'s `grant_tokens` row, inside `tx`.
fn insert_token(tx: &Tx<'_>, id: &str, token: &str) -> Result<()> {
    let sealed = tx.seal(
        GRANT_TOKENS,
        id,
        &TokenRecord {
            token: token.to_string(),
        },
    )?;
    tx.conn().execute(
        "INSERT INTO grant_tokens (id, sealed) VALUES (?1, ?2)",
        params![id, sealed],
    )?;
    tx.stamp(GRANT_TOKENS, id)?;
    Ok(())
}

/// What is sealed in a `grant_receipts` row: the brand's receipt JWT, verified against the
/// brand's keys before it was stored.
#[derive(Serialize, Deserialize)]
struct BrandReceiptRecord {
    receipt: String,
}

/// The names of the top-level claims whose values differ between two grants' payloads: changed,
/// added, or (for a narrowed grant) gone. `new` holds the released claims only, so the old
/// token's are read through [`GrantClaims`], whose envelope members are not released claims.
fn changed_claims(
    old_token: &str,
    new: &serde_json::Map<String, serde_json::Value>,
) -> Vec<String> {
    let old = vouchsafe_token::CompactJws::parse(old_token)
        .and_then(|c| c.claims())
        .ok()
        .and_then(|c| serde_json::from_value::<GrantClaims>(serde_json::Value::Object(c)).ok())
        .map(|c| c.profile)
        .unwrap_or_default();
    let mut out: Vec<String> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
    out.sort();
    out
}

/// Everything an insert of a new grant needs, computed before the transaction.
struct NewGrant<'a> {
    req: &'a GrantRequest,
    row_id: &'a str,
    release: &'a Release,
    summary: &'a Summary,
    jurisdiction: &'a str,
    id: &'a str,
    iat: i64,
}

/// Sign and store a new grant inside `tx`, growing the brand's index set; returns its record
/// and status index.
fn insert_grant(
    tx: &Tx<'_>,
    g: &NewGrant<'_>,
    brand: &mut BrandRecord,
) -> Result<(GrantRecord, usize)> {
    let (req, release) = (g.req, g.release);
    let key = brand.signing_key();
    let jwk = brand.jwk();
    let issuer = jwk.thumbprint_urn();
    let idx = allocate_index(tx, g.row_id, brand)?;
    let grant = GrantClaims {
        iss: issuer.clone(),
        sub: issuer.clone(),
        aud: req.brand().to_string(),
        iat: g.iat,
        nbf: Some(g.iat),
        exp: req.expires_at(),
        jti: g.id.to_string(),
        nonce: req.nonce().map(str::to_string),
        status: StatusClaim {
            status_list: StatusListRef {
                idx: idx as u64,
                uri: brand.status_uri.clone(),
            },
        },
        authorization_details: vec![claims::authorization_detail(
            &release.datatypes,
            req.purpose(),
            req.purpose_category(),
            req.channels(),
            req.offer(),
        )],
        profile: release.claims.clone(),
    };
    let token = sign(GRANT_TYP, &jwk, &grant, &key)?;
    let rec = GrantRecord {
        brand: req.brand().to_string(),
        token,
        fields: req.fields().to_vec(),
        derived: req.derived().to_vec(),
        datatypes: release.datatypes.clone(),
        purpose: req.purpose().to_string(),
        purpose_category: req.purpose_category().to_string(),
        channels: req.channels().clone(),
        offer: req.offer().map(str::to_string),
        summary: g.summary.clone(),
        summary_en: None,
        summary_ko: None,
        jurisdiction: g.jurisdiction.to_string(),
    };
    let sealed = tx.seal(GRANTS, g.id, &rec)?;
    tx.conn().execute(
        "INSERT INTO grants (id, brand_id, sealed, status_idx, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![g.id, g.row_id, sealed, idx as i64, g.iat, req.expires_at()],
    )?;
    tx.stamp(GRANTS, g.id)?;
    insert_token(tx, g.id, &rec.token)?;
    // The brand record holds the high-water set, which just grew.
    brand.save(tx, g.row_id)?;
    let released = release.datatypes.join(", ");
    tx.audit::<VaultError>(
        &AuditEvent::new(
            "grant.issued",
            g.id,
            format!("to {}: {released}", req.brand()),
        )
        .with("brand", req.brand())
        .with("fields", released.as_str()),
    )?;
    Ok((rec, idx))
}

/// What is sealed in a `grants` row.
#[derive(Serialize, Deserialize)]
struct GrantRecord {
    brand: String,
    /// The signed token. Sealed in the grant's `grant_tokens` row since schema 5, so never
    /// written here; a record written before holds it, and reads with it until
    /// [`GrantRepo::split_tokens`] moves it. Empty after [`Self`] is deserialised from a split
    /// record: [`GrantRepo::open`] fills it in.
    #[serde(default, skip_serializing)]
    token: String,
    fields: Vec<FieldName>,
    derived: Vec<Derived>,
    datatypes: Vec<String>,
    purpose: String,
    purpose_category: String,
    /// Records written before channel × kind hold the version 1 list; it reads as legacy.
    channels: ChannelChoices,
    offer: Option<String>,
    /// The summary in every language. Records written before it existed have
    /// `summary_en`/`summary_ko` instead; [`GrantRecord::opened`] moves them here.
    #[serde(default, skip_serializing_if = "Summary::is_empty")]
    summary: Summary,
    #[serde(default, skip_serializing)]
    summary_en: Option<String>,
    #[serde(default, skip_serializing)]
    summary_ko: Option<String>,
    jurisdiction: String,
}

/// The part of a `grants` record that says what the grant released and for what: the views
/// that count or review many grants read only this, skipping the token and the summaries (most
/// of a record's bytes) and the field names' parsing. Serde ignores the other members.
#[derive(Deserialize)]
struct GrantChoicesRecord {
    brand: String,
    datatypes: Vec<String>,
    purpose: String,
    purpose_category: String,
    channels: ChannelChoices,
}

impl GrantRecord {
    /// Bring a record of any format to the current one.
    fn opened(mut self) -> Self {
        for (lang, old) in [
            (Lang::En, self.summary_en.take()),
            (Lang::Ko, self.summary_ko.take()),
        ] {
            if let Some(text) = old
                && self.summary.get(lang).is_empty()
            {
                self.summary.insert(lang, text);
            }
        }
        self
    }
}

/// A grants row: brand row id, sealed record, status index, issued, expires, revoked.
type Row = (String, Vec<u8>, i64, i64, i64, Option<i64>);

/// A grant row's authenticated columns.
fn to_row(row: &Checked) -> Result<Row> {
    Ok((
        row.text("brand_id")?,
        row.blob("sealed")?,
        row.int("status_idx")?,
        row.int("issued_at")?,
        row.int("expires_at")?,
        row.opt_int("revoked_at")?,
    ))
}

/// Serialise `claims` through a JSON value, whose members are sorted: the signed bytes are the
/// same whatever order the claim struct declares its fields in.
fn sign<C: Serialize>(typ: &str, jwk: &PublicJwk, claims: &C, key: &SigningKey) -> Result<String> {
    let value = serde_json::to_value(claims).map_err(SealError::Encode)?;
    jws::sign_compact(&jws::header_for(typ, jwk), &value, key).map_err(VaultError::sign)
}

/// Pick a random free index in the brand's status list, growing the list (doubling) once it is
/// half full so a random index still says nothing about the order of grants.
///
/// Taken are the indices of the brand's grant rows on its current list (each row's MAC
/// checked; grants on a list a restore retired keep theirs there) and every index the sealed
/// brand record says was ever handed out (its high-water set, which survives the grant rows
/// and a restore); the new index joins that set.
fn allocate_index(tx: &Tx<'_>, row_id: &str, brand: &mut BrandRecord) -> Result<usize> {
    let mut used: BTreeSet<usize> = BrandRepo::new(&**tx)
        .grant_states(row_id)?
        .iter()
        .filter(|g| brand.on_current_list(&g.id))
        .map(|g| usize::try_from(g.status_idx).unwrap_or(0))
        .collect();
    used.extend(brand.allocated.iter().copied());
    while used.len() * 2 >= brand.status_len {
        brand.status_len *= 2;
    }
    loop {
        let mut b = [0u8; 8];
        random_bytes(&mut b)?;
        let idx = (u64::from_le_bytes(b) % brand.status_len as u64) as usize;
        if !used.contains(&idx) {
            brand.allocated.extend(used);
            brand.allocated.insert(idx);
            return Ok(idx);
        }
    }
}

/// The receipt of a grant, signed with its brand relationship's key.
struct ReceiptFacts<'a> {
    id: &'a str,
    rec: &'a GrantRecord,
    brand: &'a BrandRecord,
    issued_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    status_idx: usize,
}

fn sign_receipt(f: &ReceiptFacts<'_>, now: i64) -> Result<String> {
    let mut events = vec![ConsentEvent {
        event: "given",
        at: f.issued_at,
    }];
    if let Some(at) = f.revoked_at {
        events.push(ConsentEvent {
            event: "withdrawn",
            at,
        });
    }
    let jwk = f.brand.jwk();
    let issuer = jwk.thumbprint_urn();
    let claims = receipt::receipt_claims(
        &ReceiptInput {
            grant_id: f.id,
            issuer: &issuer,
            brand_id: &f.rec.brand,
            brand_name: &f.brand.name,
            brand_url: f.brand.url.as_deref(),
            jurisdiction: &f.rec.jurisdiction,
            purpose: &f.rec.purpose,
            purpose_category: &f.rec.purpose_category,
            datatypes: &f.rec.datatypes,
            issued_at: f.issued_at,
            expires_at: f.expires_at,
            status_uri: f.brand.list_of(f.id).0,
            status_idx: f.status_idx,
            events: &events,
            summary: f.rec.summary.get(Lang::En),
            channels: &f.rec.channels.clone().dated(f.issued_at),
        },
        now,
    );
    sign(RECEIPT_TYP, &jwk, &claims, &f.brand.signing_key())
}

/// The grants. `GrantRepo<&Records>` reads; `GrantRepo<&mut Records>` also issues and revokes.
#[derive(Debug)]
pub struct GrantRepo<R> {
    rec: R,
}

impl<R: Deref<Target = Records>> GrantRepo<R> {
    pub(crate) fn new(rec: R) -> Self {
        Self { rec }
    }

    fn brands(&self) -> BrandRepo<&Records> {
        BrandRepo::new(&*self.rec)
    }

    /// Validate a request against the profile and compute exactly what the brand would
    /// receive. Issues nothing.
    pub fn preview(&self, req: &GrantRequest) -> Result<GrantPreview> {
        let (_, brand, _) = self.brands().record(req.brand())?;
        self.preview_as(req, &brand.name)
    }

    /// [`GrantRepo::preview`] for a brand the vault does not know yet, named `brand_name` (a
    /// brand's request is shown before anything is stored). Issues nothing.
    pub fn preview_as(&self, req: &GrantRequest, brand_name: &str) -> Result<GrantPreview> {
        let (release, summary) = self.prepare(req, brand_name)?;
        Ok(GrantPreview {
            claims: release.claims,
            datatypes: release.datatypes,
            summary,
        })
    }

    /// The release and its summary. The request was checked when built; here the expiry is
    /// checked again against the vault's clock, and the fields against the profile.
    fn prepare(&self, req: &GrantRequest, brand_name: &str) -> Result<(Release, Summary)> {
        check_expiry(req.expires_at(), self.rec.now())?;
        let values = FieldRepo::new(&*self.rec).values()?;
        let release = claims::release(req.fields(), req.derived(), &values, self.rec.today())?;
        let summary = receipt::summaries(&SummaryInput {
            brand_name,
            fields: req.fields(),
            derived: req.derived(),
            purpose: req.purpose(),
            channels: req.channels(),
            until: local_date(req.expires_at()),
        });
        Ok((release, summary))
    }

    /// Resolve a grant id or a unique prefix of at least 8 characters.
    pub fn resolve_id(&self, id_or_prefix: &str) -> Result<String> {
        let p = id_or_prefix.trim().to_ascii_lowercase();
        if p.len() < 8 || !p.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(GrantError::UnknownGrant(id_or_prefix.to_string()).into());
        }
        let like = format!("{p}%");
        let ids: Vec<String> = self
            .rec
            .conn()
            .prepare("SELECT id FROM grants WHERE id LIKE ?1 LIMIT 2")?
            .query_map([&like], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(GrantError::UnknownGrant(id_or_prefix.to_string()).into()),
            _ => Err(GrantError::AmbiguousGrant(id_or_prefix.to_string()).into()),
        }
    }

    /// One grant's row, its MAC checked: the state below is never read unauthenticated.
    fn row(&self, id: &str) -> Result<Row> {
        match self.rec.verified_row::<VaultError>(GRANTS, id)? {
            Some(row) => to_row(&row),
            None => Err(GrantError::UnknownGrant(id.to_string()).into()),
        }
    }

    /// Every grant row (one brand's if `brand_row`), each MAC checked, newest first.
    fn rows(&self, brand_row: Option<&str>) -> Result<Vec<(String, Row)>> {
        let mut out = Vec::new();
        self.each_row(brand_row, |id, row| {
            out.push((row.3, id.clone(), (id, row)));
            Ok(())
        })?;
        Ok(newest_first(out))
    }

    /// Every grant row (one brand's if `brand_row`), each MAC checked, handed to `f` one at a
    /// time in no particular order: for the views over every grant that keep a little of each.
    fn each_row(
        &self,
        brand_row: Option<&str>,
        mut f: impl FnMut(String, Row) -> Result<()>,
    ) -> Result<()> {
        self.rec.each_verified_row::<VaultError>(
            GRANTS,
            brand_row.map(|b| ("brand_id", b)),
            |id, row| f(id, to_row(&row)?),
        )
    }

    /// Open a grant's sealed record, with its token, and check its plaintext brand link.
    fn open(&self, id: &str, brand_row: &str, sealed: &[u8]) -> Result<GrantRecord> {
        let mut rec = self.rec.open::<GrantRecord>(GRANTS, id, sealed)?.opened();
        // The brand link is plaintext: check it against the sealed record so it cannot be moved.
        if self.brands().row_id(&rec.brand) != brand_row {
            return Err(OpenError(format!("{GRANTS}/{id}")).into());
        }
        if rec.token.is_empty() {
            rec.token = self.token(id)?;
        }
        Ok(rec)
    }

    /// Grant `id`'s token from its `grant_tokens` row, MAC checked. A split grant without one
    /// was tampered with (the unlock's check names the missing row too).
    fn token(&self, id: &str) -> Result<String> {
        let row = self
            .rec
            .verified_row::<VaultError>(GRANT_TOKENS, id)?
            .ok_or_else(|| OpenError(format!("{GRANT_TOKENS}/{id}")))?;
        let rec: TokenRecord = self.rec.open(GRANT_TOKENS, id, &row.blob("sealed")?)?;
        Ok(rec.token)
    }

    /// [`Self::open`] reading only what a grant released and for what
    /// ([`GrantChoicesRecord`]), for the views that count or review many grants.
    fn open_choices(&self, id: &str, brand_row: &str, sealed: &[u8]) -> Result<GrantChoicesRecord> {
        let rec = self.rec.open::<GrantChoicesRecord>(GRANTS, id, sealed)?;
        if self.brands().row_id(&rec.brand) != brand_row {
            return Err(OpenError(format!("{GRANTS}/{id}")).into());
        }
        Ok(rec)
    }

    fn info(&self, id: &str, row: Row) -> Result<GrantInfo> {
        let (brand_row, sealed, idx, issued, expires, revoked) = row;
        let rec = self.open(id, &brand_row, &sealed)?;
        let (_, brand, _) = self.brands().record(&rec.brand)?;
        let state = state_at(revoked, expires, self.rec.now());
        Ok(GrantInfo {
            id: id.to_string(),
            brand: rec.brand.clone(),
            brand_name: brand.name.clone(),
            state,
            released: rec.datatypes.clone(),
            purpose: rec.purpose.clone(),
            purpose_category: rec.purpose_category.clone(),
            channels: rec.channels.clone().dated(issued),
            offer: rec.offer.clone(),
            issued_at: issued,
            expires_at: expires,
            revoked_at: revoked,
            summary: rec.summary.clone(),
            status_list_uri: brand.list_of(id).0.to_string(),
            status_idx: usize::try_from(idx).unwrap_or(0),
            token: rec.token.clone(),
        })
    }

    /// One grant by id or unique prefix.
    pub fn get(&self, id_or_prefix: &str) -> Result<GrantInfo> {
        let id = self.resolve_id(id_or_prefix)?;
        let row = self.row(&id)?;
        self.info(&id, row)
    }

    /// Every grant, newest first; only one brand's if `brand` is given.
    pub fn list(&self, brand: Option<&str>) -> Result<Vec<GrantInfo>> {
        let filter = match brand {
            Some(b) => Some(self.brands().record(b)?.0),
            None => None,
        };
        let mut out = Vec::new();
        for (id, rest) in self.rows(filter.as_deref())? {
            out.push(self.info(&id, rest)?);
        }
        Ok(out)
    }

    /// Every grant's brand, state and what it released, newest first: what the brands screen
    /// counts. Opens each record but skips the rest of a list row (the brand's record, the
    /// summary), which a vault of thousands of grants would pay for on every visit.
    pub fn brand_holdings(&self) -> Result<Vec<(String, GrantState, Vec<String>)>> {
        let now = self.rec.now();
        let mut out = Vec::new();
        self.each_row(
            None,
            |id, (brand_row, sealed, _, issued, expires, revoked)| {
                let rec = self.open_choices(&id, &brand_row, &sealed)?;
                let held = (rec.brand, state_at(revoked, expires, now), rec.datatypes);
                out.push((issued, id, held));
                Ok(())
            },
        )?;
        Ok(newest_first(out))
    }

    /// What one brand's grants amount to, reading only that brand's rows (the `brand_id` index)
    /// and opening only its active grants: what a page of the brands screen shows per brand,
    /// without touching the other brands' grants.
    pub fn brand_counts(&self, brand: &str) -> Result<BrandCounts> {
        let row_id = self.brands().record(brand)?.0;
        let now = self.rec.now();
        let mut out = BrandCounts::default();
        // Oldest first, so `holds` lists what was granted first first.
        for (id, (brand_row, sealed, _, _, expires, revoked)) in
            self.rows(Some(&row_id))?.into_iter().rev()
        {
            out.total += 1;
            if state_at(revoked, expires, now) != GrantState::Active {
                continue;
            }
            out.live += 1;
            for r in self.open_choices(&id, &brand_row, &sealed)?.datatypes {
                if !out.holds.contains(&r) {
                    out.holds.push(r);
                }
            }
        }
        Ok(out)
    }

    /// What the review reads of every grant, newest first: the authenticated state of each
    /// row, and the choices of the records that a rule looks into. Only grants not withdrawn
    /// are opened (`opened`); a revoked grant's record is never read, and no brand record or
    /// token is touched. `opened(id, state)` says which of those to open.
    pub(crate) fn facts(
        &self,
        opened: impl Fn(&str, GrantState) -> bool,
    ) -> Result<Vec<GrantFacts>> {
        let now = self.rec.now();
        let mut out = Vec::new();
        self.each_row(
            None,
            |id, (brand_row, sealed, _, issued, expires, revoked)| {
                let state = state_at(revoked, expires, now);
                let choices = if state != GrantState::Revoked && opened(&id, state) {
                    let rec = self.open_choices(&id, &brand_row, &sealed)?;
                    Some(GrantChoices {
                        brand: rec.brand,
                        released: rec.datatypes,
                        purpose: rec.purpose,
                        purpose_category: rec.purpose_category,
                        channels: rec.channels.dated(issued),
                    })
                } else {
                    None
                };
                let facts = GrantFacts {
                    id: id.clone(),
                    brand_row,
                    state,
                    issued_at: issued,
                    expires_at: expires,
                    choices,
                };
                out.push((issued, id, facts));
                Ok(())
            },
        )?;
        Ok(newest_first(out))
    }

    /// Every brand receipt stored (grant id → receipt JWT, when stored), each row's MAC
    /// checked: one pass instead of one [`Self::brand_receipt`] query per grant.
    pub(crate) fn brand_receipts(&self) -> Result<BTreeMap<String, (String, i64)>> {
        self.rec
            .verified_rows::<VaultError>(GRANT_RECEIPTS, None)?
            .into_iter()
            .map(|(id, row)| {
                let rec: BrandReceiptRecord =
                    self.rec.open(GRANT_RECEIPTS, &id, &row.blob("sealed")?)?;
                Ok((id, (rec.receipt.clone(), row.int("received_at")?)))
            })
            .collect()
    }

    /// One page of what [`Self::list`] returns (newest first): of `brand` and in `state` when
    /// given, `limit` grants from `offset`, and how many match. Only the page's rows are read
    /// whole and MAC-checked, and only their records opened, so a screen showing a page of
    /// thousands of grants neither reads nor decrypts them all.
    ///
    /// Which rows make the page (and the count) is chosen from the plaintext columns (issued,
    /// expires, revoked; no sealed blob read): every row was checked against the anchor when
    /// the vault was unlocked, and each row shown is checked again, with its state as shown
    /// taken from the checked row.
    pub fn page(
        &self,
        brand: Option<&str>,
        state: Option<GrantState>,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<GrantInfo>, usize)> {
        let filter = match brand {
            Some(b) => Some(self.brands().record(b)?.0),
            None => None,
        };
        let now = self.rec.now();
        let ids: Vec<String> = self
            .rec
            .conn()
            .prepare(
                "SELECT id, expires_at, revoked_at FROM grants
                 WHERE ?1 IS NULL OR brand_id = ?1 ORDER BY issued_at DESC, id ASC",
            )?
            .query_map([&filter], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|(_, expires, revoked)| {
                state.is_none_or(|s| state_at(*revoked, *expires, now) == s)
            })
            .map(|(id, ..)| id)
            .collect();
        let total = ids.len();
        let page = ids
            .iter()
            .skip(offset)
            .take(limit)
            .map(|id| {
                let row = self.row(id)?;
                self.info(id, row)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((page, total))
    }

    /// The signed Kantara consent receipt of a grant, with its events so far.
    pub fn receipt(&self, id_or_prefix: &str) -> Result<String> {
        let id = self.resolve_id(id_or_prefix)?;
        let (brand_row, sealed, idx, issued, expires, revoked) = self.row(&id)?;
        let rec = self.open(&id, &brand_row, &sealed)?;
        let (_, brand, _) = self.brands().record(&rec.brand)?;
        sign_receipt(
            &ReceiptFacts {
                id: &id,
                rec: &rec,
                brand: &brand,
                issued_at: issued,
                expires_at: expires,
                revoked_at: revoked,
                status_idx: usize::try_from(idx).unwrap_or(0),
            },
            self.rec.now(),
        )
    }

    /// Active grants whose released values come from `field` (directly or as a derived fact),
    /// so that after the consumer changes it ("move house") each brand can get an updated grant.
    pub fn using_field(&self, field: &FieldName) -> Result<Vec<GrantInfo>> {
        let uses = |rec: &GrantRecord| {
            rec.fields.contains(field)
                || rec.derived.iter().any(|d| match d {
                    Derived::AgeOver(_) | Derived::AdultKr | Derived::Birthday => {
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
        let now = self.rec.now();
        let mut out = Vec::new();
        for (id, row) in self.rows(None)? {
            let (_, sealed, _, _, expires, revoked) = &row;
            if revoked.is_some() || *expires <= now {
                continue;
            }
            if uses(&self.rec.open::<GrantRecord>(GRANTS, &id, sealed)?) {
                out.push(self.info(&id, row)?);
            }
        }
        Ok(out)
    }

    /// The brand's countersigned receipt of grant `id` (JWT) and when it was stored, if the
    /// grant was delivered through `vouchsafe connect`.
    pub fn brand_receipt(&self, id: &str) -> Result<Option<(String, i64)>> {
        let Some(row) = self.rec.verified_row::<VaultError>(GRANT_RECEIPTS, id)? else {
            return Ok(None);
        };
        let rec: BrandReceiptRecord = self.rec.open(GRANT_RECEIPTS, id, &row.blob("sealed")?)?;
        Ok(Some((rec.receipt, row.int("received_at")?)))
    }

    /// What a brand holds right now: the union of what its active grants released.
    pub fn holdings(&self, brand: &str) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for g in self
            .list(Some(brand))?
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

/// What one brand's grants amount to ([`GrantRepo::brand_counts`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandCounts {
    /// Active grants (not revoked, not expired).
    pub live: usize,
    pub total: usize,
    /// What its active grants released (field names and derived facts), first-granted first.
    pub holds: Vec<String>,
}

/// A grant as the review reads it ([`GrantRepo::facts`]): the row's authenticated state, and
/// the record's choices when it was opened.
pub(crate) struct GrantFacts {
    pub(crate) id: String,
    /// The brand's row id (a keyed hash of its id), MAC-checked with the row.
    pub(crate) brand_row: String,
    pub(crate) state: GrantState,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) choices: Option<GrantChoices>,
}

/// What a grant's sealed record says it released, and for what.
pub(crate) struct GrantChoices {
    pub(crate) brand: String,
    pub(crate) released: Vec<String>,
    pub(crate) purpose: String,
    pub(crate) purpose_category: String,
    pub(crate) channels: ChannelChoices,
}

/// Values keyed by (issued, grant id), newest first and by id within a second: the order of
/// [`GrantRepo::list`].
fn newest_first<T>(mut keyed: Vec<(i64, String, T)>) -> Vec<T> {
    keyed.sort_by(|(a_at, a_id, _), (b_at, b_id, _)| b_at.cmp(a_at).then_with(|| a_id.cmp(b_id)));
    keyed.into_iter().map(|(.., v)| v).collect()
}

/// A grant's state from its plaintext columns: revoked, else expired once `expires` is past.
fn state_at(revoked: Option<i64>, expires: i64, now: i64) -> GrantState {
    match revoked {
        Some(_) => GrantState::Revoked,
        None if expires <= now => GrantState::Expired,
        None => GrantState::Active,
    }
}

impl GrantRepo<&mut Records> {
    /// Schema 5's format step: move the token out of every grant record that still holds one
    /// (written before schema 5) into its own `grant_tokens` row, re-sealing the record without
    /// it; one transaction ([`Records::reformat`]: the anchor keeps its generation, no audit
    /// entry). Returns how many grants moved; none once every grant has its token row.
    ///
    /// The vault calls it after unlock, and only when the check was clean: re-stamping a row
    /// vouches for it. On a vault with a problem the records stay as they are (each still
    /// reads, token included) until a clean unlock, so the upgrade never hides what the check
    /// found.
    pub(crate) fn split_tokens(&mut self) -> Result<usize> {
        // Asked on every clean unlock, so first the cheap question (both counts come from
        // small indexes): on a clean vault a token row exists only beside its grant.
        let (grants, tokens): (i64, i64) = self.rec.conn().query_row(
            "SELECT (SELECT COUNT(*) FROM grants), (SELECT COUNT(*) FROM grant_tokens)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if grants == tokens {
            return Ok(0);
        }
        let ids: Vec<String> = self
            .rec
            .conn()
            .prepare("SELECT id FROM grants WHERE id NOT IN (SELECT id FROM grant_tokens)")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(0);
        }
        let reader = GrantRepo::new(&*self.rec);
        let mut split = Vec::with_capacity(ids.len());
        for id in &ids {
            // Checks the brand link; a record without its token and without a token row (which
            // no clean check lets through) is refused, not stamped.
            let (brand_row, sealed, ..) = reader.row(id)?;
            split.push((id, reader.open(id, &brand_row, &sealed)?));
        }
        self.rec.reformat(|tx| {
            for (id, rec) in &split {
                let sealed = tx.seal(GRANTS, id, rec)?;
                tx.conn().execute(
                    "UPDATE grants SET sealed = ?1 WHERE id = ?2",
                    params![sealed, id],
                )?;
                tx.stamp(GRANTS, id)?;
                insert_token(tx, id, &rec.token)?;
            }
            Ok::<_, VaultError>(split.len())
        })
    }

    /// Issue a grant: sign the token with the brand relationship's key, record it, its consent
    /// receipt's facts and an audit entry, all in one transaction; then sign the receipt from
    /// the same facts.
    pub fn issue(&mut self, req: &GrantRequest) -> Result<IssuedGrant> {
        self.issue_with(req, None)
    }

    /// [`GrantRepo::issue`] for a brand's request (`vouchsafe connect`): the grant's delivery to
    /// the brand is queued in the outbox in the same transaction, so a brand that cannot be
    /// reached now gets it later. Refused for a brand with no `events_uri`.
    pub fn issue_for_delivery(
        &mut self,
        req: &GrantRequest,
        delivery: GrantDelivery,
    ) -> Result<IssuedGrant> {
        self.issue_with(req, Some(delivery))
    }

    fn issue_with(
        &mut self,
        req: &GrantRequest,
        delivery: Option<GrantDelivery>,
    ) -> Result<IssuedGrant> {
        let (row_id, mut brand, _) = self.brands().record(req.brand())?;
        let events_uri = match (&delivery, &brand.events_uri) {
            (Some(_), None) => return Err(GrantError::NotConnected(brand.audience.clone()).into()),
            (_, uri) => uri.clone().unwrap_or_default(),
        };
        let (release, summary) = self.prepare(req, &brand.name)?;
        let jurisdiction = FieldRepo::new(&*self.rec)
            .get(&FieldName::Address(AddressPart::Country))?
            .map_or_else(|| "KR".to_string(), |f| f.value.to_string());
        let id = random_uuid()?;
        let iat = self.rec.now();
        let new = NewGrant {
            req,
            row_id: &row_id,
            release: &release,
            summary: &summary,
            jurisdiction: &jurisdiction,
            id: &id,
            iat,
        };
        let (rec, idx) = self.rec.write(|tx| {
            let (rec, idx) = insert_grant(tx, &new, &mut brand)?;
            if let Some(d) = delivery {
                outbox::enqueue_grant(tx, &brand.audience, &events_uri, &id, &rec.token, d)?;
            }
            Ok::<_, VaultError>((rec, idx))
        })?;
        let receipt = sign_receipt(
            &ReceiptFacts {
                id: &id,
                rec: &rec,
                brand: &brand,
                issued_at: iat,
                expires_at: req.expires_at(),
                revoked_at: None,
                status_idx: idx,
            },
            self.rec.now(),
        )?;
        Ok(IssuedGrant {
            id,
            token: rec.token.clone(),
            receipt,
            summary,
        })
    }

    /// Revoke one grant. Its bit in the brand's status list is set from now on; a connected
    /// brand gets a revocation event, queued in the same transaction.
    pub fn revoke(&mut self, id_or_prefix: &str) -> Result<GrantInfo> {
        self.withdraw(id_or_prefix, false)
    }

    /// Revoke a grant (if it is not revoked yet) and ask its brand to erase what it received
    /// (docs/protocol.md §4 `erasure-requested`, PIPA Art. 36/37), in one transaction. Refused
    /// for a brand with no `events_uri`: there is nobody to ask.
    pub fn erase(&mut self, id_or_prefix: &str) -> Result<GrantInfo> {
        self.withdraw(id_or_prefix, true)
    }

    fn withdraw(&mut self, id_or_prefix: &str, erase: bool) -> Result<GrantInfo> {
        let info = self.get(id_or_prefix)?;
        let (brand_row, brand, _) = self.brands().record(&info.brand)?;
        if erase && brand.events_uri.is_none() {
            return Err(GrantError::NotConnected(info.brand).into());
        }
        if info.state == GrantState::Revoked && !erase {
            return Err(GrantError::AlreadyRevoked(info.id).into());
        }
        let t = self.rec.now();
        self.rec.write(|tx| {
            tx.conn().execute(
                "UPDATE grants SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![t, info.id],
            )?;
            tx.stamp(GRANTS, &info.id)?;
            let change = if erase {
                Change::ErasureRequested { at: t }
            } else {
                Change::Revoked { at: t }
            };
            enqueue_change(tx, &brand_row, &brand, &info.id, change, &mut None)?;
            if erase {
                tx.audit::<VaultError>(
                    &AuditEvent::new(
                        "grant.erasure_requested",
                        info.id.as_str(),
                        format!("from {}", info.brand),
                    )
                    .with("brand", info.brand.as_str()),
                )?;
                if info.state == GrantState::Revoked {
                    return Ok::<_, VaultError>(());
                }
            }
            tx.audit::<VaultError>(
                &AuditEvent::new(
                    "grant.revoked",
                    info.id.as_str(),
                    format!("from {}", info.brand),
                )
                .with("brand", info.brand.as_str()),
            )?;
            Ok::<_, VaultError>(())
        })?;
        let row = self.row(&info.id)?;
        self.info(&info.id, row)
    }

    /// Replace an active grant with a new one carrying the same choices and today's values,
    /// then revoke the old one. The new grant keeps the old expiry.
    pub fn reissue(&mut self, id_or_prefix: &str) -> Result<IssuedGrant> {
        self.reissue_with(id_or_prefix, None, None, None)
    }

    /// [`GrantRepo::reissue`] for another period: the new grant expires at `expires_at`
    /// instead of the old one's expiry (checked like any new grant's).
    pub fn reissue_until(&mut self, id_or_prefix: &str, expires_at: i64) -> Result<IssuedGrant> {
        self.reissue_with(id_or_prefix, Some(expires_at), None, None)
    }

    /// Change the channel consent of an active grant: it is reissued with `channels` (the same
    /// fields, today's values, the old expiry) and the old one revoked. A connected brand gets,
    /// in the same transaction, the `channel-consent-changed` event about the grant it holds
    /// and then the token-claims-change event carrying the new grant (docs/protocol.md §4).
    pub fn change_channels(
        &mut self,
        id_or_prefix: &str,
        channels: ChannelChoices,
    ) -> Result<IssuedGrant> {
        self.reissue_with(id_or_prefix, None, Some(channels), None)
    }

    /// Narrow an active grant: it is reissued releasing less (a raw value replaced by a fact
    /// derived from it, or items dropped; [`Narrowing::apply`] refuses anything else), with the
    /// same purpose, channel consent and expiry, and the old one revoked, in one transaction.
    /// A connected brand gets the token-claims-change event carrying the narrowed grant, whose
    /// `claims` name what changed or is gone: the brand replaces what it holds, so the raw value
    /// goes with the old claims (docs/protocol.md §4).
    pub fn narrow(&mut self, id_or_prefix: &str, narrowing: &Narrowing) -> Result<IssuedGrant> {
        self.reissue_with(id_or_prefix, None, None, Some(narrowing))
    }

    fn reissue_with(
        &mut self,
        id_or_prefix: &str,
        until: Option<i64>,
        channels: Option<ChannelChoices>,
        narrowing: Option<&Narrowing>,
    ) -> Result<IssuedGrant> {
        let old = self.get(id_or_prefix)?;
        if old.state != GrantState::Active {
            return Err(GrantError::NotActive(old.id).into());
        }
        let (brand_row, sealed, ..) = self.row(&old.id)?;
        let rec = self.open(&old.id, &brand_row, &sealed)?;
        let (fields, derived) = match narrowing {
            Some(n) => n.apply(&rec.fields, &rec.derived)?,
            None => (rec.fields.clone(), rec.derived.clone()),
        };
        let req = GrantRequest::new(
            GrantRequestParts {
                brand: rec.brand.clone(),
                fields,
                derived,
                purpose: rec.purpose.clone(),
                purpose_category: Some(rec.purpose_category.clone()),
                channels: channels.clone().unwrap_or_else(|| old.channels.clone()),
                offer: rec.offer.clone(),
                expires_at: until.unwrap_or(old.expires_at),
            },
            self.rec.now(),
        )?;
        let (row_id, mut brand, _) = self.brands().record(req.brand())?;
        let (release, summary) = self.prepare(&req, &brand.name)?;
        let jurisdiction = FieldRepo::new(&*self.rec)
            .get(&FieldName::Address(AddressPart::Country))?
            .map_or_else(|| "KR".to_string(), |f| f.value.to_string());
        let id = random_uuid()?;
        let iat = self.rec.now();
        let new = NewGrant {
            req: &req,
            row_id: &row_id,
            release: &release,
            summary: &summary,
            jurisdiction: &jurisdiction,
            id: &id,
            iat,
        };
        let changed = changed_claims(&rec.token, &release.claims);
        // The new grant, the old one's revocation and (for a connected brand) the CAEP
        // token-claims-change event carrying the new grant: one transaction.
        let (new_rec, idx) = self.rec.write(|tx| {
            let (new_rec, idx) = insert_grant(tx, &new, &mut brand)?;
            tx.conn().execute(
                "UPDATE grants SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![iat, old.id],
            )?;
            tx.stamp(GRANTS, &old.id)?;
            if let Some(c) = &channels {
                let consent = Change::ChannelConsent {
                    at: iat,
                    consent: c.to_event(),
                };
                enqueue_change(tx, &row_id, &brand, &old.id, consent, &mut None)?;
                tx.audit::<VaultError>(
                    &AuditEvent::new(
                        "grant.channels_changed",
                        old.id.as_str(),
                        format!("for {} (reissued as {id})", old.brand),
                    )
                    .with("brand", old.brand.as_str()),
                )?;
            }
            if let Some(n) = narrowing {
                let what = n.describe(&rec.fields);
                tx.audit::<VaultError>(
                    &AuditEvent::new(
                        "grant.narrowed",
                        old.id.as_str(),
                        format!("for {}: {what} (reissued as {id})", old.brand),
                    )
                    .with("brand", old.brand.as_str())
                    .with("fields", release.datatypes.join(",").as_str()),
                )?;
            }
            let reissued = enqueue_change(
                tx,
                &row_id,
                &brand,
                &old.id,
                Change::Reissued {
                    at: iat,
                    new_grant: &id,
                    new_token: &new_rec.token,
                    claims: changed.clone(),
                },
                &mut None,
            )?;
            // The brand must apply the consent change to the grant it holds before that grant
            // is replaced (the replacement inherits it), and the outbox sends items queued in
            // the same second in id order: so the replacement is queued a second later.
            if let (Some(_), Some(jti)) = (&channels, reissued) {
                tx.conn().execute(
                    "UPDATE outbox SET created_at = created_at + 1 WHERE id = ?1",
                    [&jti],
                )?;
                tx.stamp(crate::repo::outbox::OUTBOX, &jti)?;
            }
            tx.audit::<VaultError>(
                &AuditEvent::new(
                    "grant.revoked",
                    old.id.as_str(),
                    format!("from {} (reissued as {id})", old.brand),
                )
                .with("brand", old.brand.as_str()),
            )?;
            Ok::<_, VaultError>((new_rec, idx))
        })?;
        let receipt = sign_receipt(
            &ReceiptFacts {
                id: &id,
                rec: &new_rec,
                brand: &brand,
                issued_at: iat,
                expires_at: req.expires_at(),
                revoked_at: None,
                status_idx: idx,
            },
            self.rec.now(),
        )?;
        Ok(IssuedGrant {
            id,
            token: new_rec.token.clone(),
            receipt,
            summary,
        })
    }

    /// Forget a grant the brand refused on delivery (`vouchsafe connect`): it holds nothing
    /// under it, so there is nothing to revoke. Refused once the brand's receipt is stored.
    pub fn discard_refused(&mut self, id: &str, why: &str) -> Result<()> {
        let (brand_row, sealed, ..) = self.row(id)?;
        let rec = self.open(id, &brand_row, &sealed)?;
        if self.brand_receipt(id)?.is_some() {
            return Err(GrantError::AlreadyRevoked(id.to_string()).into());
        }
        self.rec.write(|tx| {
            tx.conn()
                .execute("DELETE FROM grants WHERE id = ?1", [id])?;
            tx.audit::<VaultError>(
                &AuditEvent::new("grant.refused", id, format!("by {}: {why}", rec.brand))
                    .with("brand", rec.brand.as_str()),
            )?;
            Ok::<_, VaultError>(())
        })
    }

    /// Keep the brand's countersigned receipt of grant `id` (docs/protocol.md §3), sealed
    /// beside it. The caller verified it against the brand's keys and the grant's hash.
    pub fn store_brand_receipt(&mut self, id: &str, receipt: &str) -> Result<()> {
        self.row(id)?;
        let t = self.rec.now();
        self.rec.write(|tx| {
            let sealed = tx.seal(
                GRANT_RECEIPTS,
                id,
                &BrandReceiptRecord {
                    receipt: receipt.to_string(),
                },
            )?;
            tx.conn().execute(
                "INSERT INTO grant_receipts (id, sealed, received_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, received_at = excluded.received_at",
                params![id, sealed, t],
            )?;
            tx.stamp(GRANT_RECEIPTS, id)?;
            tx.audit::<VaultError>(
                &AuditEvent::new("grant.receipt", id, "the brand's countersigned receipt"),
            )?;
            Ok::<_, VaultError>(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vault;
    use crate::brands::NewBrand;
    use crate::clock::{Clock, FixedClock};

    /// Expiry follows the vault's clock: a grant goes from active to expired when the clock
    /// passes its `exp`, and a brand then holds nothing live, with no sleeping.
    #[test]
    fn grants_expire_by_the_vault_clock() {
        let (_dir, mut v) = crate::vault::temp_vault();
        let clock = FixedClock::at(1_800_000_000);
        v.set_clock(std::sync::Arc::new(clock.clone()));
        let email: FieldName = "email".parse().expect("name");
        v.fields_mut()
            .set(&email, "minjun@example.kr", None)
            .expect("set");
        v.brands_mut()
            .add(&NewBrand {
                id: "acme",
                name: "Acme",
                ..NewBrand::default()
            })
            .expect("brand");
        let parts = GrantRequestParts {
            brand: "acme".into(),
            fields: vec![email.clone()],
            derived: vec![],
            purpose: "order updates".into(),
            purpose_category: None,
            channels: ChannelChoices::default(),
            offer: None,
            expires_at: clock.now() + 3600,
        };
        let req = GrantRequest::new(parts, clock.now()).expect("request");
        let issued = v.grants_mut().issue(&req).expect("issue");
        let state = |v: &Vault| v.grants().get(&issued.id).expect("grant").state;
        assert_eq!(state(&v), GrantState::Active);
        assert_eq!(v.grants().using_field(&email).expect("using").len(), 1);

        clock.advance(3599);
        assert_eq!(state(&v), GrantState::Active);
        clock.advance(1);
        assert_eq!(state(&v), GrantState::Expired);
        assert!(v.grants().using_field(&email).expect("using").is_empty());
        assert!(v.grants().holdings("acme").expect("holdings").is_empty());
        // The request was valid when built; the vault's clock now refuses it.
        assert!(matches!(
            v.grants_mut().issue(&req),
            Err(VaultError::Grant(GrantError::ExpiryInPast(_)))
        ));
        // An expired grant is not live: the brand can go without revoking anything.
        assert_eq!(v.brands_mut().remove("acme", false).expect("remove"), None);
        // The audit log took its times from the same clock.
        let last = v.audit().entries().expect("audit").pop().expect("entry");
        assert_eq!(last.at, clock.now());
    }

    /// A record sealed before summaries became one map still opens, with both sentences.
    #[test]
    fn records_with_the_old_summary_pair_still_read() {
        let old = serde_json::json!({
            "brand": "acme", "token": "t", "fields": ["email"], "derived": [],
            "datatypes": ["email"], "purpose": "p",
            "purpose_category": "https://w3id.org/dpv#ServicePersonalisation",
            "channels": [{"channel": "email", "allowed": true}], "offer": null,
            "summary_en": "Acme gets your email.", "summary_ko": "Acme에 이메일을 제공합니다.",
            "jurisdiction": "KR",
        });
        let rec = serde_json::from_value::<GrantRecord>(old)
            .expect("old record")
            .opened();
        assert_eq!(rec.summary.get(Lang::En), "Acme gets your email.");
        assert_eq!(rec.summary.get(Lang::Ko), "Acme에 이메일을 제공합니다.");
        // Its channels are version 1: `email` yes reads as informational only.
        let channels = rec.channels.clone().dated(7);
        assert!(channels.is_legacy());
        assert!(channels.allows(&crate::grants::Channel::Email, crate::grants::Kind::Info));
        assert!(!channels.allows(&crate::grants::Channel::Email, crate::grants::Kind::Ad));
        let written = serde_json::to_value(&rec).expect("json");
        assert_eq!(
            written["summary"],
            serde_json::json!({"en": "Acme gets your email.", "ko": "Acme에 이메일을 제공합니다."})
        );
        assert!(written.get("summary_en").is_none());
        assert!(written.get("summary_ko").is_none());
    }
}
