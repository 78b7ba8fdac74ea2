//! Delivering the outbox (docs/protocol.md §4–5): POST each due SET to its `events_uri`, then
//! fetch the brand's signed receipt for it, verify it against the brand's keys and keep it.
//!
//! The same path delivers a grant itself to the request's `response_uri` when it could not be
//! delivered at connect time (`OutboxKind::Grant`): the answer to that POST carries the brand's
//! receipt, verified and kept beside the grant.
//!
//! A run is three steps, so a face can hold its lock only around the vault ones: [`plan`]
//! reads what is due, [`send`] talks to the brands with no vault at all, [`record`] writes the
//! outcomes (in transactions of [`BATCH`]). A crash between sending and recording means the
//! same SET (or grant) is sent again, which the brand answers without doing anything twice
//! (it deduplicates by `jti`). Bounded by an item count and a time budget, so that delivery
//! on the side of another command never holds that command up for long.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use vouchsafe_token::protocol::{BrandReceiptClaims, CREDENTIAL_ID, SET_TYP, TOKEN_CLAIMS_CHANGE};
use vouchsafe_verify::brand::{BrandJwks, verify_erasure_receipt};

use super::ConnectError;
use super::delivery::check_brand_receipt;
use super::http::{Client, HttpError, allowed, origin_of};
use super::request::receipts_uri;
use crate::repo::outbox::{OutboxItem, OutboxKind, OutboxState, Outcome};
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
    /// Add another run's counts (a face that records batch by batch).
    pub fn add(&mut self, o: Report) {
        self.tried += o.tried;
        self.sent += o.sent;
        self.acknowledged += o.acknowledged;
        self.failed += o.failed;
        self.refused += o.refused;
    }

    /// Whether anything was sent or failed (what a face reports).
    pub fn is_noteworthy(&self) -> bool {
        self.sent + self.acknowledged + self.failed + self.refused > 0
    }
}

/// How many answers are recorded per transaction: one commit (an fsync and a new anchor) per
/// batch rather than per item is what makes a long queue drain quickly.
pub const BATCH: usize = 50;

/// A due item read from the vault for a delivery run, with everything checking its receipt
/// needs, so that sending needs no vault (the app sends without holding its session lock).
#[derive(Debug, Clone)]
pub struct Planned {
    pub item: OutboxItem,
    /// For a reissue: the new grant's token, which the brand's receipt must name.
    new_token: Option<String>,
}

/// What the brand said about one planned item, to be recorded.
#[derive(Debug, Clone)]
pub struct Answered {
    id: String,
    state_before: OutboxState,
    kind: OutboxKind,
    /// In order: the POST's outcome (if it was posted), then the receipt's.
    outcomes: Vec<Outcome>,
    /// A verified brand receipt to keep beside a grant: (grant id, receipt, its claims).
    brand_receipt: Option<(String, String, BrandReceiptClaims)>,
}

impl Answered {
    /// The verified brand receipt this answer carries, if any.
    pub fn brand_receipt(&self) -> Option<&BrandReceiptClaims> {
        self.brand_receipt.as_ref().map(|(_, _, c)| c)
    }
}

/// The brands' keys fetched during a run, by origin (each fetched once).
pub type Keys = BTreeMap<String, Result<BrandJwks, String>>;

/// Read up to `limit` due items (oldest first) and what their receipts will be checked
/// against.
pub fn plan(vault: &Vault, limit: usize) -> Result<Vec<Planned>, ConnectError> {
    vault
        .outbox()
        .due(limit)?
        .into_iter()
        .map(|item| planned(vault, item))
        .collect()
}

/// One item by id, if it still has work to do.
pub fn plan_one(vault: &Vault, id: &str) -> Result<Option<Planned>, ConnectError> {
    match vault.outbox().get(id)? {
        Some(item) if item.state.is_pending() => Ok(Some(planned(vault, item)?)),
        _ => Ok(None),
    }
}

fn planned(vault: &Vault, item: OutboxItem) -> Result<Planned, ConnectError> {
    let new_token = match (&item.new_grant, item.event == TOKEN_CLAIMS_CHANGE) {
        (Some(new), true) => vault.grants().get(new).ok().map(|g| g.token),
        _ => None,
    };
    Ok(Planned { item, new_token })
}

/// Send what `batch` holds, until `deadline`: POST queued items, fetch the receipts of what
/// the brand holds. Touches no vault; items not reached by the deadline are left out.
pub fn send(
    client: &Client,
    batch: &[Planned],
    keys: &mut Keys,
    deadline: Instant,
) -> Vec<Answered> {
    let mut out = Vec::new();
    for p in batch {
        if Instant::now() >= deadline {
            break;
        }
        let item = &p.item;
        let mut a = Answered {
            id: item.id.clone(),
            state_before: item.state,
            kind: item.kind,
            outcomes: Vec::new(),
            brand_receipt: None,
        };
        match item.kind {
            OutboxKind::Grant => send_grant(client, item, keys, &mut a),
            OutboxKind::Event => {
                let mut holds = item.state == OutboxState::Sent;
                if item.state == OutboxState::Queued {
                    let o = post(client, item);
                    holds = matches!(o, Outcome::Accepted) && item.expects_receipt();
                    a.outcomes.push(o);
                }
                if holds && Instant::now() < deadline {
                    let o = receipt(client, p, keys);
                    if let Outcome::Receipt(r) = &o
                        && let (Some(new), Some(_)) = (&item.new_grant, &p.new_token)
                        && let Some(claims) = receipt_claims(r)
                    {
                        a.brand_receipt = Some((new.clone(), r.clone(), claims));
                    }
                    a.outcomes.push(o);
                }
            }
        }
        out.push(a);
    }
    out
}

/// Record what the brands said: brand receipts beside their grants, every outcome (in
/// transactions of [`BATCH`]), and a grant whose delivery the brand refused discarded.
pub fn record(vault: &mut Vault, answered: Vec<Answered>) -> Result<Report, ConnectError> {
    let mut report = Report::default();
    for chunk in answered.chunks(BATCH) {
        for a in chunk {
            if let Some((grant, r, _)) = &a.brand_receipt
                && vault.grants().get(grant).is_ok()
            {
                vault.grants_mut().store_brand_receipt(grant, r)?;
            }
        }
        let pairs: Vec<(String, Outcome)> = chunk
            .iter()
            .flat_map(|a| a.outcomes.iter().map(|o| (a.id.clone(), o.clone())))
            .collect();
        let mut states = vault.outbox_mut().record_many(pairs)?.into_iter();
        for a in chunk {
            if a.outcomes.is_empty() {
                continue;
            }
            report.tried += 1;
            let mut last = a.state_before;
            for (n, o) in a.outcomes.iter().enumerate() {
                let Some(st) = states.next() else { break };
                let posted = n == 0 && a.state_before == OutboxState::Queued;
                if posted {
                    match st {
                        OutboxState::Sent | OutboxState::Acknowledged => report.sent += 1,
                        OutboxState::Queued => report.failed += 1,
                        OutboxState::Refused | OutboxState::GivenUp => report.refused += 1,
                    }
                } else if matches!(o, Outcome::Refused(_)) && st == OutboxState::Refused {
                    report.refused += 1;
                }
                last = st;
            }
            if last == OutboxState::Acknowledged && a.state_before != OutboxState::Acknowledged {
                report.acknowledged += 1;
            }
            // The brand refused the grant itself: it holds nothing under it (docs/protocol.md §3).
            if a.kind == OutboxKind::Grant
                && a.state_before == OutboxState::Queued
                && last == OutboxState::Refused
                && let Some(Outcome::Refused(why)) = a.outcomes.first()
                && vault.grants().get(&a.id).is_ok()
                && vault.grants().brand_receipt(&a.id)?.is_none()
            {
                vault.grants_mut().discard_refused(&a.id, why)?;
            }
        }
    }
    Ok(report)
}

/// Deliver up to `limit` due items within about `budget`: plan, then per batch send and
/// record.
pub fn deliver(
    vault: &mut Vault,
    client: &Client,
    limit: usize,
    budget: Duration,
) -> Result<Report, ConnectError> {
    let deadline = Instant::now() + budget;
    let mut report = Report::default();
    let mut keys = Keys::new();
    let due = plan(vault, limit)?;
    for chunk in due.chunks(BATCH) {
        if Instant::now() >= deadline {
            break;
        }
        let answered = send(client, chunk, &mut keys, deadline);
        report.add(record(vault, answered)?);
    }
    Ok(report)
}

/// The claims of a receipt already verified (for the faces).
fn receipt_claims(receipt: &str) -> Option<BrandReceiptClaims> {
    let claims = vouchsafe_token::CompactJws::parse(receipt)
        .and_then(|c| c.claims())
        .ok()?;
    serde_json::from_value(serde_json::Value::Object(claims)).ok()
}

/// POST a grant `direct_post` style to its `response_uri` (docs/protocol.md §3). The brand
/// answers a grant it already holds with the same receipt, so a repeated POST is harmless and
/// is also how a missing receipt is asked for again.
fn send_grant(client: &Client, item: &OutboxItem, keys: &mut Keys, a: &mut Answered) {
    let queued = item.state == OutboxState::Queued;
    let failed = |why: String| match queued {
        true => Outcome::Failed(why),
        false => Outcome::ReceiptLater(why),
    };
    let Some(d) = &item.grant_delivery else {
        a.outcomes.push(Outcome::Refused(
            "the queued grant delivery names no response_uri".into(),
        ));
        return;
    };
    let vp_token = serde_json::json!({ CREDENTIAL_ID: [item.set] }).to_string();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("vp_token", &vp_token)
        .append_pair("state", &d.state)
        .finish();
    let answer = match client.post(
        &d.response_uri,
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    ) {
        Ok(a) => a,
        Err(e) if e.is_transient() => return a.outcomes.push(failed(e.to_string())),
        Err(e) => return a.outcomes.push(Outcome::Refused(e.to_string())),
    };
    match answer.status {
        200 => {}
        400 | 401 | 403 | 409 | 410 => {
            let why = answer
                .member("error_description")
                .or_else(|| answer.member("error"))
                .unwrap_or_else(|| format!("status {}", answer.status));
            return a.outcomes.push(Outcome::Refused(why));
        }
        s => return a.outcomes.push(failed(format!("the brand answered {s}"))),
    }
    // The brand holds the grant now; what follows is only about its receipt.
    if queued {
        a.outcomes.push(Outcome::Accepted);
    }
    let checked = (|| {
        let receipt = answer
            .member("receipt")
            .ok_or_else(|| "the brand's answer holds no receipt".to_string())?;
        let origin = allowed(&d.response_uri)
            .map(|u| origin_of(&u))
            .map_err(|e| e.to_string())?;
        let jwks = jwks(client, &origin, keys).as_ref().map_err(Clone::clone)?;
        let issuer =
            issuer_of(&item.set).ok_or_else(|| "the queued grant cannot be read".to_string())?;
        let claims =
            check_brand_receipt(&receipt, jwks, &origin, &item.grant_id, &item.set, &issuer)
                .map_err(|e| e.to_string())?;
        Ok::<_, String>((receipt, claims))
    })();
    match checked {
        Ok((r, claims)) => {
            a.brand_receipt = Some((item.grant_id.clone(), r.clone(), claims));
            a.outcomes.push(Outcome::Receipt(r));
        }
        Err(why) => a.outcomes.push(Outcome::ReceiptLater(why)),
    }
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
fn jwks<'a>(client: &Client, origin: &str, keys: &'a mut Keys) -> &'a Result<BrandJwks, String> {
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
fn receipt(client: &Client, p: &Planned, keys: &mut Keys) -> Outcome {
    let item = &p.item;
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
        let Some(token_of_new) = &p.new_token else {
            return later(format!("grant {new} is not in the vault"));
        };
        check_brand_receipt(&token, jwks, &origin, new, token_of_new, &issuer).map(drop)
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
