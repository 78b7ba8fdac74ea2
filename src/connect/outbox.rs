//! Delivering the outbox (docs/protocol.md §4–5): POST each due SET to its `events_uri`, then
//! fetch the brand's signed receipt for it, verify it against the brand's keys and keep it.
//!
//! Each step's outcome is recorded in its own small transaction (see
//! [`crate::repo::outbox`]): a crash between sending and recording means the same SET is sent
//! again, which the brand answers `202` without doing anything twice (it deduplicates by
//! `jti`). Bounded by an item count and a time budget, so that delivery on the side of another
//! command never holds that command up for long.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use vouchsafe_token::protocol::{SET_TYP, TOKEN_CLAIMS_CHANGE};
use vouchsafe_verify::brand::{BrandJwks, verify_erasure_receipt};

use super::ConnectError;
use super::delivery::check_brand_receipt;
use super::http::{Client, HttpError, allowed, origin_of};
use super::request::receipts_uri;
use crate::repo::outbox::{OutboxItem, OutboxState, Outcome};
use crate::vault::Vault;

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Items tried.
    pub tried: usize,
    /// SETs the brand accepted (`202`).
    pub sent: usize,
    /// Receipts verified and stored (or "no receipt" for events without one).
    pub acknowledged: usize,
    /// Tries that failed and will be retried.
    pub failed: usize,
    /// SETs the brand refused, and items given up.
    pub refused: usize,
}

impl Report {
    /// Whether anything was sent or failed (what a face reports).
    pub fn is_noteworthy(&self) -> bool {
        self.sent + self.acknowledged + self.failed + self.refused > 0
    }
}

/// How many answers are recorded per transaction: one commit (an fsync and a new anchor) per
/// batch rather than per item is what makes a long queue drain quickly.
const BATCH: usize = 50;

/// Deliver up to `limit` due items within about `budget`.
pub fn deliver(
    vault: &mut Vault,
    client: &Client,
    limit: usize,
    budget: Duration,
) -> Result<Report, ConnectError> {
    let start = Instant::now();
    let mut report = Report::default();
    let mut keys: BTreeMap<String, Result<BrandJwks, String>> = BTreeMap::new();
    let due = vault.outbox().due(limit)?;
    for chunk in due.chunks(BATCH) {
        if start.elapsed() >= budget {
            break;
        }
        // 1. POST the queued SETs of this batch, then record every answer at once.
        let mut posted = Vec::new();
        for item in chunk.iter().filter(|i| i.state == OutboxState::Queued) {
            if start.elapsed() >= budget {
                break;
            }
            report.tried += 1;
            posted.push((item.id.clone(), post(client, item)));
        }
        let ids: Vec<String> = posted.iter().map(|(id, _)| id.clone()).collect();
        let states = vault.outbox_mut().record_many(posted)?;
        let mut now_sent: Vec<&OutboxItem> = Vec::new();
        for (id, state) in ids.iter().zip(&states) {
            match state {
                OutboxState::Sent | OutboxState::Acknowledged => report.sent += 1,
                OutboxState::Queued => report.failed += 1,
                OutboxState::Refused | OutboxState::GivenUp => report.refused += 1,
            }
            if *state == OutboxState::Sent
                && let Some(item) = chunk.iter().find(|i| &i.id == id)
            {
                now_sent.push(item);
            }
        }
        // 2. Fetch the receipts of what the brand holds now (accepted just now or earlier).
        let waiting = chunk
            .iter()
            .filter(|i| i.state == OutboxState::Sent)
            .chain(now_sent);
        let mut fetched = Vec::new();
        for item in waiting {
            if start.elapsed() >= budget {
                break;
            }
            if item.state == OutboxState::Sent {
                report.tried += 1;
            }
            let outcome = receipt(vault, client, item, &mut keys);
            if let Outcome::Receipt(r) = &outcome
                && item.event == TOKEN_CLAIMS_CHANGE
                && let Some(new) = &item.new_grant
                && vault.grants().get(new).is_ok()
            {
                vault.grants_mut().store_brand_receipt(new, r)?;
            }
            fetched.push((item.id.clone(), outcome));
        }
        for state in vault.outbox_mut().record_many(fetched)? {
            if state == OutboxState::Acknowledged {
                report.acknowledged += 1;
            }
        }
    }
    Ok(report)
}

/// POST the SET; classify the answer (RFC 8935 §2.2–2.4).
fn post(client: &Client, item: &OutboxItem) -> Outcome {
    match client.post(
        &item.events_uri,
        &format!("application/{SET_TYP}"),
        item.set.as_bytes(),
    ) {
        Ok(a) if a.status == 202 || a.status == 200 => Outcome::Accepted,
        Ok(a) if a.status == 408 || a.status == 429 || a.status >= 500 => {
            Outcome::Failed(format!("the brand answered {}", a.status))
        }
        Ok(a) if (400..500).contains(&a.status) => {
            let err = a.member("err").unwrap_or_else(|| a.status.to_string());
            match a.member("description") {
                Some(d) => Outcome::Refused(format!("{err}: {d}")),
                None => Outcome::Refused(err),
            }
        }
        Ok(a) => Outcome::Failed(format!("the brand answered {}", a.status)),
        Err(e) if e.is_transient() => Outcome::Failed(e.to_string()),
        Err(e) => Outcome::Refused(e.to_string()),
    }
}

/// The brand's keys at `origin`, fetched once per run.
fn jwks<'a>(
    client: &Client,
    origin: &str,
    keys: &'a mut BTreeMap<String, Result<BrandJwks, String>>,
) -> &'a Result<BrandJwks, String> {
    keys.entry(origin.to_string()).or_insert_with(|| {
        let uri = format!("{origin}/.well-known/jwks.json");
        match client.get(&uri, "application/json") {
            Ok(a) if a.status == 200 => BrandJwks::from_slice(&a.body).map_err(|e| e.to_string()),
            Ok(a) => Err(format!("{uri}: the brand answered {}", a.status)),
            Err(e) => Err(e.to_string()),
        }
    })
}

/// The consumer's pairwise id at the brand: the `iss` the SET was signed with.
fn issuer_of(set: &str) -> Option<String> {
    vouchsafe_token::CompactJws::parse(set)
        .and_then(|c| c.claims())
        .ok()?
        .get("iss")?
        .as_str()
        .map(str::to_string)
}

/// Fetch and verify the receipt for a sent SET (docs/protocol.md §5).
fn receipt(
    vault: &Vault,
    client: &Client,
    item: &OutboxItem,
    keys: &mut BTreeMap<String, Result<BrandJwks, String>>,
) -> Outcome {
    let later = |e: String| Outcome::ReceiptLater(e);
    let origin = match allowed(&item.events_uri) {
        Ok(u) => origin_of(&u),
        Err(e) => return later(e.to_string()),
    };
    let uri = match receipts_uri(&item.events_uri, &item.id) {
        Ok(u) => u,
        Err(e) => return later(e.to_string()),
    };
    let answer = match client.get(&uri, "application/json") {
        Ok(a) => a,
        Err(e) => return later(e.to_string()),
    };
    match answer.status {
        200 => {}
        202 => return later("the brand has not answered yet (pending)".into()),
        404 if answer.member("error").as_deref() == Some("no_receipt") => {
            return Outcome::NoReceipt;
        }
        s => return later(format!("fetching the receipt: the brand answered {s}")),
    }
    let Some(token) = answer.member("receipt") else {
        return later("the brand's answer holds no receipt".into());
    };
    let jwks = match jwks(client, &origin, keys) {
        Ok(k) => k,
        Err(e) => return later(e.clone()),
    };
    let Some(issuer) = issuer_of(&item.set) else {
        return later("the queued event cannot be read".into());
    };
    let checked = if item.event == TOKEN_CLAIMS_CHANGE {
        let Some(new) = &item.new_grant else {
            return later("the reissue names no new grant".into());
        };
        let token_of_new = match vault.grants().get(new) {
            Ok(g) => g.token,
            Err(e) => return later(e.to_string()),
        };
        check_brand_receipt(&token, jwks, &origin, new, &token_of_new, &issuer).map(drop)
    } else {
        match verify_erasure_receipt(&token, jwks, &origin) {
            Ok(c) if c.event != item.id => Err(ConnectError::Refused(format!(
                "the erasure receipt names event {}, not {}",
                c.event, item.id
            ))),
            Ok(c) if c.grant != item.grant_id => Err(ConnectError::Refused(format!(
                "the erasure receipt names grant {}, not {}",
                c.grant, item.grant_id
            ))),
            Ok(c) if c.aud != issuer => Err(ConnectError::Refused(
                "the erasure receipt is addressed to someone else (aud)".into(),
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(ConnectError::Refused(format!("the erasure receipt: {e}"))),
        }
    };
    match checked {
        Ok(()) => Outcome::Receipt(token),
        Err(e) => later(e.to_string()),
    }
}

/// Whether an error is only "the brand could not be reached" (kept for the next try).
pub fn is_unreachable(e: &HttpError) -> bool {
    e.is_transient()
}
