//! The brands repository: one sealed row per brand relationship, holding its private key, and
//! the brand-wide operations on that relationship's grants (its status list, revoking all).

use std::collections::BTreeSet;
use std::ops::Deref;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use vouchsafe_token::protocol::{
    ChannelConsentChanged, ERASURE_DEADLINE_SECS, ErasureRequested, Event, GrantRevoked, SET_TYP,
    SetClaims, SubjectId, TokenClaimsChange,
};
use vouchsafe_token::{PublicJwk, SigningKey, StatusList, jws};
use zeroize::{Zeroize, Zeroizing};

use crate::brands::{
    Brand, BrandError, MIN_STATUS_LIST_LEN, NewBrand, STATUS_LIST_TTL_SECS,
    STATUS_LIST_VALIDITY_SECS,
};
use crate::crypto::record::OpenError;
use crate::crypto::{random_bytes, random_uuid};
use crate::error::{Result, VaultError};
use crate::records::{AuditEvent, Records, Tx};
use crate::repo::outbox::{self, OutboxRecord};

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
    /// The brand's `events_uri`, for a brand connected through its inbox: every revocation,
    /// reissue and erasure request of its grants is queued for it. Records written before
    /// `vouchsafe connect` existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) events_uri: Option<String>,
    /// The lists this brand's grants were on before a restore moved it to a fresh one
    /// ([`BrandRecord::renew_list`]), oldest first. Grants stay on the list they were issued on,
    /// so the vault keeps building and signing these. Records written before restores renewed
    /// lists have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) retired: Vec<RetiredList>,
}

/// A status list no grant is issued on any more, kept for the grants that were: revoking one
/// of them sets its bit here, not in the brand's current list.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct RetiredList {
    pub(crate) uri: String,
    pub(crate) len: usize,
    /// The ids of the grants on it (the grant rows hold their index).
    pub(crate) grants: BTreeSet<String>,
}

/// The query parameter a renewed list adds to a status list URL the consumer chose (see
/// [`fresh_list_uri`]).
const LIST_PARAM: &str = "list=";

/// The URI of a fresh list replacing `current`. A `urn:uuid:` list gets a new random one. A URL
/// the consumer chose (and publishes the list at) keeps its address with `list=<random uuid>`
/// in the query, replacing one an earlier renewal added. Random rather than counted: two
/// restores of one backup (two machines, or the same backup twice) must not both land on
/// "list 2", which would put two vaults' grants on one list again.
fn fresh_list_uri(current: &str) -> Result<String> {
    let id = random_uuid()?;
    if current.starts_with("urn:uuid:") {
        return Ok(format!("urn:uuid:{id}"));
    }
    let (rest, fragment) = match current.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (current, None),
    };
    // Drop the parameter an earlier renewal appended (always last).
    let base = match rest.rfind(LIST_PARAM) {
        Some(i) if i > 0 && matches!(&rest[i - 1..i], "?" | "&") => &rest[..i - 1],
        _ => rest,
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(match fragment {
        Some(f) => format!("{base}{sep}{LIST_PARAM}{id}#{f}"),
        None => format!("{base}{sep}{LIST_PARAM}{id}"),
    })
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
            events_uri: self.events_uri.clone(),
        }
    }

    /// The status list grant `grant` is on: its URI and length. A grant no retired list names
    /// is on the current one.
    pub(crate) fn list_of(&self, grant: &str) -> (&str, usize) {
        self.retired
            .iter()
            .find(|l| l.grants.contains(grant))
            .map_or((self.status_uri.as_str(), self.status_len), |l| {
                (l.uri.as_str(), l.len)
            })
    }

    /// Whether grant `grant` is on the current list (new indices are taken from it).
    pub(crate) fn on_current_list(&self, grant: &str) -> bool {
        !self.retired.iter().any(|l| l.grants.contains(grant))
    }

    /// Move to a fresh status list for every grant issued from now on (after a restore: a copy
    /// of this vault may have handed out indices of the current list that this one never
    /// heard of). `on_list` are the grants on the current list, which becomes a retired one
    /// (dropped if it holds none). The fresh list starts with `taken` as its high-water set:
    /// every index this vault knows was taken on any of the brand's lists, so an index stays
    /// unique across them too, for a verifier that looked at the index alone. Returns the new
    /// list's URI.
    pub(crate) fn renew_list(
        &mut self,
        on_list: BTreeSet<String>,
        taken: BTreeSet<usize>,
        min_len: usize,
    ) -> Result<String> {
        let uri = fresh_list_uri(&self.status_uri)?;
        let old_uri = std::mem::replace(&mut self.status_uri, uri.clone());
        if !on_list.is_empty() {
            self.retired.push(RetiredList {
                uri: old_uri,
                len: self.status_len,
                grants: on_list,
            });
        }
        self.status_len = self.status_len.max(min_len).max(MIN_STATUS_LIST_LEN);
        self.allocated = taken;
        Ok(uri)
    }

    /// Sign a Security Event Token about grant `grant_jti` with this relationship's key, the
    /// one that signed the grant (docs/protocol.md §4). Returns its `jti` and the token.
    pub(crate) fn sign_event(
        &self,
        grant_jti: &str,
        event: Event,
        iat: i64,
    ) -> Result<(String, String)> {
        let jwk = self.jwk();
        let jti = random_uuid()?;
        let claims = SetClaims {
            iss: jwk.thumbprint_urn(),
            aud: self.audience.clone(),
            iat,
            jti: jti.clone(),
            sub_id: SubjectId::grant(grant_jti),
            events: event,
        };
        let value =
            serde_json::to_value(&claims).map_err(crate::crypto::record::SealError::Encode)?;
        let token = jws::sign_compact(&jws::header_for(SET_TYP, &jwk), &value, &self.signing_key())
            .map_err(VaultError::sign)?;
        Ok((jti, token))
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

    /// The brands whose name or id contains `query` (ignoring case; every brand for a blank
    /// query), sorted by name as [`Self::list`] sorts them: `limit` of them from `offset`, and
    /// how many match. What a brand picker or a page of brands shows, without the grants.
    pub fn search(&self, query: &str, offset: usize, limit: usize) -> Result<(Vec<Brand>, usize)> {
        let q = query.trim().to_lowercase();
        let matching: Vec<Brand> = self
            .list()?
            .into_iter()
            .filter(|b| {
                q.is_empty()
                    || b.name.to_lowercase().contains(&q)
                    || b.id.to_lowercase().contains(&q)
            })
            .collect();
        let total = matching.len();
        Ok((
            matching.into_iter().skip(offset).take(limit).collect(),
            total,
        ))
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
        let (row_id, rec, _) = self.checked_record(id)?;
        let states = self.grant_states(&row_id)?;
        self.signed_list(&rec, &rec.status_uri, rec.status_len, &states)
    }

    /// Every status list the brand's grants are on, as (URI, signed token): the current one
    /// first, then those a restore retired, oldest first ([`BrandRecord::renew_list`]). Each
    /// is published at its own URI; the grants on a retired list still point at it. Checked
    /// and built as [`BrandRepo::status_list_token`].
    pub fn status_list_tokens(&self, id: &str) -> Result<Vec<(String, String)>> {
        let (row_id, rec, _) = self.checked_record(id)?;
        let states = self.grant_states(&row_id)?;
        let mut out = vec![(
            rec.status_uri.clone(),
            self.signed_list(&rec, &rec.status_uri, rec.status_len, &states)?,
        )];
        for l in &rec.retired {
            out.push((
                l.uri.clone(),
                self.signed_list(&rec, &l.uri, l.len, &states)?,
            ));
        }
        Ok(out)
    }

    /// The brand's record, once the whole vault checked out.
    fn checked_record(&self, id: &str) -> Result<(String, BrandRecord, i64)> {
        let found = self.record(id)?;
        let report = self.rec.check_state()?;
        if let Some(p) = report.problems.first() {
            return Err(p.to_open_error().into());
        }
        Ok(found)
    }

    /// The list at `uri` (`len` entries) of the brand, signed with its key, valid
    /// [`STATUS_LIST_VALIDITY_SECS`]: the revoked grants of `states` that are on it are 1.
    fn signed_list(
        &self,
        rec: &BrandRecord,
        uri: &str,
        len: usize,
        states: &[GrantStateRow],
    ) -> Result<String> {
        let list = list_bits(rec, uri, len, states)?;
        let iat = self.rec.now();
        vouchsafe_token::status_list_token(
            &list,
            uri,
            iat,
            iat + STATUS_LIST_VALIDITY_SECS,
            STATUS_LIST_TTL_SECS,
            &rec.signing_key(),
        )
        .map_err(VaultError::sign)
    }
}

/// The bits of the brand's list at `uri`: 1 for each revoked grant of `states` on that list.
fn list_bits(
    rec: &BrandRecord,
    uri: &str,
    len: usize,
    states: &[GrantStateRow],
) -> Result<StatusList> {
    let mut list = StatusList::new(len, 1).map_err(VaultError::sign)?;
    for g in states
        .iter()
        .filter(|g| g.revoked_at.is_some() && rec.list_of(&g.id).0 == uri)
    {
        list.set(
            usize::try_from(g.status_idx).unwrap_or(0),
            vouchsafe_token::status_list::STATUS_INVALID,
        )
        .map_err(VaultError::sign)?;
    }
    Ok(list)
}

/// How long a status list delivered with an event stays valid at least: past the outbox's
/// retry horizon, so an event delivered late still carries a list the brand accepts.
const EVENT_LIST_MIN_SECS: i64 = 31 * 86_400;
/// ... and at most (docs/protocol.md §6: the latest `exp` of the brand's live grants, capped).
const EVENT_LIST_MAX_SECS: i64 = 366 * 86_400;
/// `ttl` of a list delivered with an event: a brand treats an older one as stale, not revoked.
const EVENT_LIST_TTL_SECS: i64 = 86_400;

/// What happened to a grant, as an event for its brand.
pub(crate) enum Change<'a> {
    Revoked {
        at: i64,
    },
    ErasureRequested {
        at: i64,
    },
    Reissued {
        at: i64,
        new_grant: &'a str,
        new_token: &'a str,
        claims: Vec<String>,
    },
    /// The consumer changed the grant's channel consent (docs/protocol.md §4).
    ChannelConsent {
        at: i64,
        consent: ChannelConsentChanged,
    },
}

impl<R: Deref<Target = Records>> BrandRepo<R> {
    /// The status list grant `grant` is on, as it stands inside the current transaction, for
    /// an event about it (docs/protocol.md §6; after a restore that may be a retired list,
    /// which is the one the brand checks that grant against): valid until the latest expiry
    /// of the live grants on it (at least [`EVENT_LIST_MIN_SECS`], at most
    /// [`EVENT_LIST_MAX_SECS`]), `ttl` one day. Built from authenticated rows only; the vault
    /// was checked whole when unlocked, and a tainted vault writes nothing.
    fn event_status_list(&self, row_id: &str, rec: &BrandRecord, grant: &str) -> Result<String> {
        let iat = self.rec.now();
        let states = self.grant_states(row_id)?;
        let (uri, len) = rec.list_of(grant);
        let list = list_bits(rec, uri, len, &states)?;
        let latest = states
            .iter()
            .filter(|g| g.revoked_at.is_none() && rec.list_of(&g.id).0 == uri)
            .map(|g| g.expires_at)
            .fold(iat + EVENT_LIST_MIN_SECS, i64::max);
        vouchsafe_token::status_list_token(
            &list,
            uri,
            iat,
            latest.min(iat + EVENT_LIST_MAX_SECS),
            EVENT_LIST_TTL_SECS,
            &rec.signing_key(),
        )
        .map_err(VaultError::sign)
    }
}

/// Queue the event for `change` to grant `grant_id` inside `tx` (after the change itself was
/// written in it), if the brand has an `events_uri`. Returns the event's id. `list` holds the
/// brand's current status list once built: several revocations in one transaction share it
/// (it is the same list), which keeps revoking everything of a brand linear in its grants. A
/// grant on a retired list (after a restore) gets that list, built for it alone.
pub(crate) fn enqueue_change(
    tx: &Tx<'_>,
    row_id: &str,
    brand: &BrandRecord,
    grant_id: &str,
    change: Change<'_>,
    list: &mut Option<String>,
) -> Result<Option<String>> {
    let Some(events_uri) = brand.events_uri.clone() else {
        return Ok(None);
    };
    let repo = BrandRepo::new(&**tx);
    let mut status_list = || -> Result<String> {
        if !brand.on_current_list(grant_id) {
            return repo.event_status_list(row_id, brand, grant_id);
        }
        if let Some(l) = list {
            return Ok(l.clone());
        }
        let l = repo.event_status_list(row_id, brand, grant_id)?;
        *list = Some(l.clone());
        Ok(l)
    };
    let (event, at, new_grant) = match change {
        Change::Revoked { at } => (
            Event::GrantRevoked(GrantRevoked {
                revoked_at: at,
                status_list: status_list()?,
            }),
            at,
            None,
        ),
        Change::ErasureRequested { at } => (
            Event::ErasureRequested(ErasureRequested {
                requested_at: at,
                deadline: at + ERASURE_DEADLINE_SECS,
                status_list: status_list()?,
            }),
            at,
            None,
        ),
        Change::Reissued {
            at,
            new_grant,
            new_token,
            claims,
        } => (
            Event::TokenClaimsChange(TokenClaimsChange {
                grant: new_token.to_string(),
                claims,
                event_timestamp: Some(at),
            }),
            at,
            Some(new_grant.to_string()),
        ),
        Change::ChannelConsent { at, consent } => (Event::ChannelConsentChanged(consent), at, None),
    };
    let kind = event.type_uri().to_string();
    let (jti, set) = brand.sign_event(grant_id, event, tx.now())?;
    outbox::enqueue(
        tx,
        &jti,
        &OutboxRecord {
            brand: brand.audience.clone(),
            grant: grant_id.to_string(),
            events_uri,
            event: kind,
            set,
            requested_at: at,
            new_grant,
            sent_at: None,
            error: None,
            receipt: None,
            receipt_at: None,
        },
    )?;
    Ok(Some(jti))
}

impl BrandRepo<&mut Records> {
    /// The brand at `origin`, as a request fetched from it names it: created with a new key if
    /// there is none (named `name`), else kept with its key and name; either way its
    /// `events_uri` becomes `events_uri`. Only `vouchsafe connect` calls this, after verifying
    /// the request against the origin's keys.
    pub fn connect(&mut self, origin: &str, name: &str, events_uri: &str) -> Result<Brand> {
        let exists = match self.record(origin) {
            Ok(_) => true,
            Err(VaultError::Brand(BrandError::Unknown(_))) => false,
            Err(e) => return Err(e),
        };
        if !exists {
            self.add(&NewBrand {
                id: origin,
                name,
                ..NewBrand::default()
            })?;
        }
        let (row_id, mut rec, created) = self.record(origin)?;
        if rec.events_uri.as_deref() != Some(events_uri) {
            rec.events_uri = Some(events_uri.to_string());
            self.rec.write(|tx| {
                rec.save(tx, &row_id)?;
                tx.audit::<VaultError>(
                    &AuditEvent::new("brand.connected", origin, events_uri).with("brand", origin),
                )?;
                Ok::<_, VaultError>(())
            })?;
        }
        Ok(rec.view(created))
    }

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
            events_uri: None,
            retired: Vec::new(),
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

    /// Revoke every grant the brand holds that is not revoked yet; returns how many. A
    /// connected brand gets one revocation event per grant, queued in the same transaction.
    pub fn revoke_grants(&mut self, id: &str) -> Result<usize> {
        let (row_id, brand, _) = self.record(id)?;
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
            }
            let mut list = None;
            for gid in &ids {
                enqueue_change(
                    tx,
                    &row_id,
                    &brand,
                    gid,
                    Change::Revoked { at: t },
                    &mut list,
                )?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_list_keeps_the_consumers_address_and_never_repeats() {
        let urn = fresh_list_uri("urn:uuid:00000000-0000-4000-8000-000000000000").expect("rng");
        assert!(urn.starts_with("urn:uuid:") && urn.len() == 45, "{urn}");
        let base = "https://cafe.example/status";
        let first = fresh_list_uri(base).expect("rng");
        assert!(first.starts_with(&format!("{base}?list=")), "{first}");
        // A second renewal replaces the parameter rather than piling them up.
        let second = fresh_list_uri(&first).expect("rng");
        assert!(second.starts_with(&format!("{base}?list=")), "{second}");
        assert_ne!(first, second);
        let q = fresh_list_uri("https://cafe.example/s?user=7").expect("rng");
        assert!(q.starts_with("https://cafe.example/s?user=7&list="), "{q}");
        let again = fresh_list_uri(&q).expect("rng");
        assert!(
            again.starts_with("https://cafe.example/s?user=7&list="),
            "{again}"
        );
        let frag = fresh_list_uri("https://cafe.example/s#top").expect("rng");
        assert!(frag.starts_with("https://cafe.example/s?list=") && frag.ends_with("#top"));
    }

    /// A record sealed before lists were renewed reads with no retired list, every grant on
    /// its one list, and is written back without the new member.
    #[test]
    fn records_from_before_renewal_read() {
        let old = serde_json::json!({
            "audience": "acme", "name": "Acme", "key_seed": vec![7u8; 32],
            "status_uri": "urn:uuid:5b0c6f1e-0000-4000-8000-000000000001", "status_len": 1024,
            "allocated": [3, 9],
        });
        let mut rec: BrandRecord = serde_json::from_value(old).expect("old record");
        assert!(rec.retired.is_empty());
        assert_eq!(rec.list_of("any"), (rec.status_uri.as_str(), 1024));
        assert!(rec.on_current_list("any"));
        assert!(
            serde_json::to_value(&rec)
                .expect("json")
                .get("retired")
                .is_none()
        );

        let old_uri = rec.status_uri.clone();
        let new = rec
            .renew_list(["g1".to_string()].into(), [3, 9, 12].into(), 0)
            .expect("renew");
        assert_ne!(new, old_uri);
        assert_eq!(rec.list_of("g1"), (old_uri.as_str(), 1024));
        assert_eq!(rec.list_of("g2"), (new.as_str(), 1024));
        assert!(!rec.on_current_list("g1"));
        assert_eq!(rec.allocated, [3, 9, 12].into());
        let back: BrandRecord =
            serde_json::from_value(serde_json::to_value(&rec).expect("json")).expect("reads");
        assert_eq!(back.list_of("g1").0, old_uri);
        // A list with no grants on it is not kept.
        rec.renew_list(BTreeSet::new(), BTreeSet::new(), 4096)
            .expect("renew");
        assert_eq!(rec.retired.len(), 1);
        assert_eq!(rec.status_len, 4096);
    }
}
