//! The outbox: Security Event Tokens waiting for, or past, delivery to a brand's `events_uri`.
//!
//! An item is written in the same transaction as the change it reports (a revocation, an
//! erasure request, a reissued grant), so a change and its event land together or not at all;
//! delivery happens later, outside any transaction, and only records its outcome here. The SET
//! is signed when enqueued: retrying sends the same bytes (same `jti`), which the brand
//! deduplicates, so delivery is at least once and never twice in effect.
//!
//! Each row's plaintext state (grant, state, attempts, times) is covered by its MAC and the
//! anchor like every other row; the SET, the brand's answer and any receipt are sealed.

use std::ops::Deref;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::crypto::record::OpenError;
use crate::error::{Result, VaultError};
use crate::records::{AuditEvent, Checked, Records, Tx};

pub(crate) const OUTBOX: &str = "outbox";

/// How long delivery of one event is retried before it is given up.
pub const GIVE_UP_AFTER_SECS: i64 = 30 * 86_400;
/// First retry delay; each failure doubles it, up to [`MAX_RETRY_DELAY_SECS`].
pub const FIRST_RETRY_DELAY_SECS: i64 = 30;
/// Longest wait between two tries.
pub const MAX_RETRY_DELAY_SECS: i64 = 86_400;
/// Korea's PIPA gives a brand 10 days to act on a withdrawal: after that an erasure or
/// revocation with no receipt is overdue.
pub const RECEIPT_DEADLINE_SECS: i64 = 10 * 86_400;

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Not delivered yet; tried again at `next_at`.
    Queued,
    /// The brand accepted it (`202`); its receipt is fetched at `next_at`.
    Sent,
    /// Accepted, and the brand's signed receipt (if the event has one) is stored.
    Acknowledged,
    /// The brand refused it (`400`); the brand's error is kept. Not retried.
    Refused,
    /// Not delivered within [`GIVE_UP_AFTER_SECS`].
    GivenUp,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sent => "sent",
            OutboxState::Acknowledged => "acknowledged",
            OutboxState::Refused => "refused",
            OutboxState::GivenUp => "given_up",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            OutboxState::Queued,
            OutboxState::Sent,
            OutboxState::Acknowledged,
            OutboxState::Refused,
            OutboxState::GivenUp,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Whether delivery or the receipt fetch still has work to do.
    pub fn is_pending(self) -> bool {
        matches!(self, OutboxState::Queued | OutboxState::Sent)
    }
}

/// What is sealed in an `outbox` row.
#[derive(Serialize, Deserialize)]
pub(crate) struct OutboxRecord {
    /// The brand's id (its origin).
    pub(crate) brand: String,
    pub(crate) grant: String,
    pub(crate) events_uri: String,
    /// The event type URI.
    pub(crate) event: String,
    /// The signed SET, sent as is on every try.
    pub(crate) set: String,
    /// When the consumer made the change.
    pub(crate) requested_at: i64,
    /// For a reissue: the new grant's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) new_grant: Option<String>,
    /// When the brand accepted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sent_at: Option<i64>,
    /// The last failure or the brand's refusal, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The brand's signed receipt (erasure receipt, or the new grant's brand receipt),
    /// stored only after it was verified against the brand's keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) receipt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) receipt_at: Option<i64>,
}

/// Where a grant's own delivery goes (docs/protocol.md §3): the request's `response_uri` and
/// the `state` the `direct_post` form carries back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantDelivery {
    pub response_uri: String,
    pub state: String,
}

/// What is sealed in an `outbox` row: the record, and for a grant's own delivery where it
/// goes. Rows written before grant deliveries were queued have no `grant_delivery` and read as
/// events, so the row format needed no schema change.
#[derive(Serialize, Deserialize)]
struct SealedItem {
    #[serde(flatten)]
    rec: OutboxRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grant_delivery: Option<GrantDelivery>,
}

/// [`SealedItem`] borrowed, to seal without copying the record.
#[derive(Serialize)]
struct SealedRef<'a> {
    #[serde(flatten)]
    rec: &'a OutboxRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    grant_delivery: Option<GrantDelivery>,
}

/// What an item delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// A Security Event Token POSTed to the brand's `events_uri` (docs/protocol.md §4).
    Event,
    /// The grant itself, POSTed `direct_post` style to the request's `response_uri`
    /// (docs/protocol.md §3); the answer carries the brand's receipt.
    Grant,
}

/// The `event` a grant delivery is recorded under: not an event type, a name for the faces.
pub const GRANT_DELIVERY: &str = "urn:vouchsafe:outbox:grant-delivery";

/// One outbox item as a face shows it.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxItem {
    /// The SET's `jti`.
    pub id: String,
    pub grant_id: String,
    pub brand: String,
    pub events_uri: String,
    /// The event type URI ([`GRANT_DELIVERY`] for a grant's own delivery).
    pub event: String,
    pub kind: OutboxKind,
    pub state: OutboxState,
    pub attempts: i64,
    pub created_at: i64,
    /// When it is tried next (queued) or its receipt fetched (sent).
    pub next_at: Option<i64>,
    pub updated_at: i64,
    pub requested_at: i64,
    pub sent_at: Option<i64>,
    pub error: Option<String>,
    pub new_grant: Option<String>,
    /// The verified receipt (JWT).
    pub receipt: Option<String>,
    pub receipt_at: Option<i64>,
    /// The signed SET itself (for a grant delivery: the grant).
    #[serde(skip)]
    pub set: String,
    /// For a grant delivery: where it is POSTed, and the form's `state`.
    #[serde(skip)]
    pub grant_delivery: Option<GrantDelivery>,
}

impl OutboxItem {
    /// Whether the brand answered with a receipt on an event that expects one
    /// ([`expects_receipt`]).
    pub fn expects_receipt(&self) -> bool {
        expects_receipt(&self.event)
    }

    /// A revocation or erasure request with no receipt [`RECEIPT_DEADLINE_SECS`] after it was
    /// made. (A grant's delivery has no deadline: the brand owes nothing until it has it.)
    pub fn is_overdue(&self, now: i64) -> bool {
        self.kind == OutboxKind::Event
            && self.expects_receipt()
            && self.receipt.is_none()
            && !matches!(self.state, OutboxState::Refused)
            && now >= self.requested_at + RECEIPT_DEADLINE_SECS
    }
}

/// Events the brand answers with a receipt (docs/protocol.md §5): revocation and erasure
/// (an erasure receipt) and a reissue (the new grant's brand receipt); and a grant's own
/// delivery (its brand receipt, in the answer to the POST).
pub fn expects_receipt(event: &str) -> bool {
    use vouchsafe_token::protocol::{ERASURE_REQUESTED, GRANT_REVOKED, TOKEN_CLAIMS_CHANGE};
    [
        GRANT_REVOKED,
        ERASURE_REQUESTED,
        TOKEN_CLAIMS_CHANGE,
        GRANT_DELIVERY,
    ]
    .contains(&event)
}

/// What one delivery step found, to be recorded.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// `202`: the brand stored the event.
    Accepted,
    /// `400`: the brand refused it, with its error.
    Refused(String),
    /// A timeout, refused connection, `429` or `5xx`: try again later.
    Failed(String),
    /// The brand's receipt, verified by the caller.
    Receipt(String),
    /// The brand has no receipt for this event (`404 no_receipt`).
    NoReceipt,
    /// The receipt is not there yet (`202 pending`, or the fetch failed): ask again later.
    ReceiptLater(String),
}

/// The delay before try number `attempts + 1`: doubling from [`FIRST_RETRY_DELAY_SECS`], at
/// most [`MAX_RETRY_DELAY_SECS`].
pub fn retry_delay(attempts: i64) -> i64 {
    let shift = u32::try_from(attempts.clamp(0, 30)).unwrap_or(30);
    FIRST_RETRY_DELAY_SECS
        .saturating_mul(1i64 << shift)
        .min(MAX_RETRY_DELAY_SECS)
}

/// An outbox row: grant, sealed record, state, attempts, created, next, updated.
struct Row {
    grant_id: String,
    sealed: Vec<u8>,
    state: OutboxState,
    attempts: i64,
    created_at: i64,
    next_at: Option<i64>,
    updated_at: i64,
}

fn to_row(row: &Checked) -> Result<Row> {
    let state = row.text("state")?;
    Ok(Row {
        grant_id: row.text("grant_id")?,
        sealed: row.blob("sealed")?,
        state: OutboxState::parse(&state)
            .ok_or_else(|| OpenError(format!("{OUTBOX}: state {state:?}")))?,
        attempts: row.int("attempts")?,
        created_at: row.int("created_at")?,
        next_at: row.opt_int("next_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// Insert an item inside the caller's transaction (the one making the change it reports).
pub(crate) fn enqueue(tx: &Tx<'_>, id: &str, rec: &OutboxRecord) -> Result<()> {
    insert(tx, id, rec, None)
}

/// Queue grant `grant`'s own delivery (`token`, to `delivery.response_uri`) inside the
/// transaction that issues it: a brand that is down, slow or failing when the consumer
/// connects gets the grant later, with the same backoff as events. The item's id is the
/// grant's id (its `jti`); the brand answers a grant it already holds with the same receipt,
/// so a repeated delivery is harmless.
pub(crate) fn enqueue_grant(
    tx: &Tx<'_>,
    brand: &str,
    events_uri: &str,
    grant: &str,
    token: &str,
    delivery: GrantDelivery,
) -> Result<()> {
    let rec = OutboxRecord {
        brand: brand.to_string(),
        grant: grant.to_string(),
        events_uri: events_uri.to_string(),
        event: GRANT_DELIVERY.to_string(),
        set: token.to_string(),
        requested_at: tx.now(),
        new_grant: None,
        sent_at: None,
        error: None,
        receipt: None,
        receipt_at: None,
    };
    insert(tx, grant, &rec, Some(delivery))
}

fn insert(
    tx: &Tx<'_>,
    id: &str,
    rec: &OutboxRecord,
    grant_delivery: Option<GrantDelivery>,
) -> Result<()> {
    let now = tx.now();
    let sealed = tx.seal(
        OUTBOX,
        id,
        &SealedRef {
            rec,
            grant_delivery,
        },
    )?;
    tx.conn().execute(
        "INSERT INTO outbox (id, grant_id, sealed, state, attempts, created_at, next_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5, ?5)",
        params![id, rec.grant, sealed, OutboxState::Queued.as_str(), now],
    )?;
    tx.stamp(OUTBOX, id)?;
    Ok(())
}

/// One outcome, inside the caller's transaction.
fn record_in(tx: &Tx<'_>, id: &str, outcome: Outcome, now: i64) -> Result<OutboxState> {
    let Some(row) = tx.verified_row::<VaultError>(OUTBOX, id)? else {
        return Err(OpenError(format!("{OUTBOX}/{id}: gone")).into());
    };
    let row = to_row(&row)?;
    if !row.state.is_pending() {
        return Ok(row.state);
    }
    let SealedItem {
        mut rec,
        grant_delivery,
    } = tx.open(OUTBOX, id, &row.sealed)?;
    let attempts = row.attempts + 1;
    let later = Some(now + retry_delay(row.attempts));
    let (state, next_at) = match outcome {
        Outcome::Accepted => {
            rec.sent_at = Some(now);
            rec.error = None;
            if expects_receipt(&rec.event) {
                (OutboxState::Sent, Some(now))
            } else {
                (OutboxState::Acknowledged, None)
            }
        }
        Outcome::Refused(e) => {
            rec.error = Some(e);
            (OutboxState::Refused, None)
        }
        Outcome::Failed(e) => {
            rec.error = Some(e);
            if now >= row.created_at + GIVE_UP_AFTER_SECS {
                (OutboxState::GivenUp, None)
            } else {
                (OutboxState::Queued, later)
            }
        }
        Outcome::Receipt(r) => {
            rec.receipt = Some(r);
            rec.receipt_at = Some(now);
            rec.error = None;
            (OutboxState::Acknowledged, None)
        }
        Outcome::NoReceipt => {
            rec.error = None;
            (OutboxState::Acknowledged, None)
        }
        Outcome::ReceiptLater(e) => {
            rec.error = Some(e);
            (OutboxState::Sent, later)
        }
    };
    // A delivered grant leaves the outbox: its brand receipt, stored beside the grant (the
    // caller did that first), is the lasting record, and `grant show` shows it.
    if grant_delivery.is_some() && state == OutboxState::Acknowledged {
        tx.conn()
            .execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        tx.audit::<VaultError>(
            &AuditEvent::new("grant.delivered", id, format!("to {}", rec.brand))
                .with("brand", rec.brand.as_str())
                .with("grant", rec.grant.as_str()),
        )?;
        return Ok(state);
    }
    let sealed = tx.seal(
        OUTBOX,
        id,
        &SealedRef {
            rec: &rec,
            grant_delivery,
        },
    )?;
    tx.conn().execute(
        "UPDATE outbox SET sealed = ?1, state = ?2, attempts = ?3, next_at = ?4, updated_at = ?5
             WHERE id = ?6",
        params![sealed, state.as_str(), attempts, next_at, now, id],
    )?;
    tx.stamp(OUTBOX, id)?;
    if matches!(state, OutboxState::Refused | OutboxState::GivenUp) {
        tx.audit::<VaultError>(
            &AuditEvent::new(
                "outbox.failed",
                id,
                format!(
                    "{} to {}: {}",
                    state.as_str(),
                    rec.brand,
                    rec.error.as_deref().unwrap_or("")
                ),
            )
            .with("brand", rec.brand.as_str())
            .with("grant", rec.grant.as_str()),
        )?;
    }
    Ok(state)
}

/// The outbox. `OutboxRepo<&Records>` reads; `OutboxRepo<&mut Records>` also records outcomes.
#[derive(Debug)]
pub struct OutboxRepo<R> {
    rec: R,
}

impl<R: Deref<Target = Records>> OutboxRepo<R> {
    pub(crate) fn new(rec: R) -> Self {
        Self { rec }
    }

    fn item(&self, id: String, row: Row) -> Result<OutboxItem> {
        let SealedItem {
            rec,
            grant_delivery,
        } = self.rec.open(OUTBOX, &id, &row.sealed)?;
        // The grant link is plaintext: it must say what the sealed record says.
        if rec.grant != row.grant_id {
            return Err(OpenError(format!("{OUTBOX}/{id}")).into());
        }
        Ok(OutboxItem {
            id,
            grant_id: row.grant_id,
            brand: rec.brand,
            events_uri: rec.events_uri,
            event: rec.event,
            kind: match grant_delivery {
                Some(_) => OutboxKind::Grant,
                None => OutboxKind::Event,
            },
            state: row.state,
            attempts: row.attempts,
            created_at: row.created_at,
            next_at: row.next_at,
            updated_at: row.updated_at,
            requested_at: rec.requested_at,
            sent_at: rec.sent_at,
            error: rec.error,
            new_grant: rec.new_grant,
            receipt: rec.receipt,
            receipt_at: rec.receipt_at,
            set: rec.set,
            grant_delivery,
        })
    }

    fn items(&self, filter: Option<(&'static str, &str)>) -> Result<Vec<OutboxItem>> {
        let mut out = Vec::new();
        for (id, row) in self.rec.verified_rows::<VaultError>(OUTBOX, filter)? {
            out.push(self.item(id, to_row(&row)?)?);
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Every item, oldest first.
    pub fn list(&self) -> Result<Vec<OutboxItem>> {
        self.items(None)
    }

    /// The items about one grant, oldest first.
    pub fn for_grant(&self, grant_id: &str) -> Result<Vec<OutboxItem>> {
        self.items(Some(("grant_id", grant_id)))
    }

    /// One item by its id (the SET's `jti`).
    pub fn get(&self, id: &str) -> Result<Option<OutboxItem>> {
        match self.rec.verified_row::<VaultError>(OUTBOX, id)? {
            Some(row) => Ok(Some(self.item(id.to_string(), to_row(&row)?)?)),
            None => Ok(None),
        }
    }

    /// Up to `limit` items with work due now (queued or sent, `next_at` passed), oldest first.
    /// Only the due rows are opened.
    pub fn due(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        let now = self.rec.now();
        let mut due = Vec::new();
        for (id, row) in self.rec.verified_rows::<VaultError>(OUTBOX, None)? {
            let row = to_row(&row)?;
            if row.state.is_pending() && row.next_at.is_none_or(|t| t <= now) {
                due.push((id, row));
            }
        }
        due.sort_by(|a, b| a.1.created_at.cmp(&b.1.created_at).then(a.0.cmp(&b.0)));
        due.into_iter()
            .take(limit)
            .map(|(id, row)| self.item(id, row))
            .collect()
    }

    /// How many items still have work to do.
    pub fn pending(&self) -> Result<usize> {
        let mut n = 0;
        for (_, row) in self.rec.verified_rows::<VaultError>(OUTBOX, None)? {
            if to_row(&row)?.state.is_pending() {
                n += 1;
            }
        }
        Ok(n)
    }
}

impl OutboxRepo<&mut Records> {
    /// Record what one delivery step found, and when to try again. Returns the item's new
    /// state. An item that is no longer pending (another process finished it) is left alone.
    pub fn record(&mut self, id: &str, outcome: Outcome) -> Result<OutboxState> {
        let mut states = self.record_many(vec![(id.to_string(), outcome)])?;
        states
            .pop()
            .ok_or_else(|| OpenError(format!("{OUTBOX}/{id}: gone")).into())
    }

    /// [`OutboxRepo::record`] for several items in one transaction: a delivery run records a
    /// batch of answers at once, so a long queue costs one commit (and one anchor) per batch,
    /// not per item. Returns each item's new state, in order.
    pub fn record_many(&mut self, outcomes: Vec<(String, Outcome)>) -> Result<Vec<OutboxState>> {
        if outcomes.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.rec.now();
        self.rec.write(|tx| {
            let mut states = Vec::with_capacity(outcomes.len());
            for (id, outcome) in outcomes {
                states.push(record_in(tx, &id, outcome, now)?);
            }
            Ok::<_, VaultError>(states)
        })
    }

    /// Make every pending item due now (`vouchsafe outbox retry`); returns how many.
    pub fn retry_now(&mut self) -> Result<usize> {
        let now = self.rec.now();
        let ids: Vec<String> = self
            .rec
            .verified_rows::<VaultError>(OUTBOX, None)?
            .into_iter()
            .filter_map(|(id, row)| match to_row(&row) {
                Ok(r) if r.state.is_pending() && r.next_at.is_some_and(|t| t > now) => Some(Ok(id)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_>>()?;
        if ids.is_empty() {
            return Ok(0);
        }
        self.rec.write(|tx| {
            for id in &ids {
                tx.conn().execute(
                    "UPDATE outbox SET next_at = ?1 WHERE id = ?2",
                    params![now, id],
                )?;
                tx.stamp(OUTBOX, id)?;
            }
            Ok::<_, VaultError>(ids.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_a_day() {
        assert_eq!(retry_delay(0), 30);
        assert_eq!(retry_delay(1), 60);
        assert_eq!(retry_delay(5), 960);
        assert_eq!(retry_delay(12), MAX_RETRY_DELAY_SECS);
        assert_eq!(retry_delay(1_000), MAX_RETRY_DELAY_SECS);
        // Thirty days of tries at most: about 40 of them.
        let (mut t, mut n) = (0, 0);
        while t < GIVE_UP_AFTER_SECS {
            t += retry_delay(n);
            n += 1;
        }
        assert!((30..50).contains(&n), "{n}");
    }

    fn record(event: &str) -> OutboxRecord {
        OutboxRecord {
            brand: "https://cafe.example".into(),
            grant: "g1".into(),
            events_uri: "https://cafe.example/vouchsafe/events".into(),
            event: event.into(),
            set: "eyJ.e.s".into(),
            requested_at: 1_800_000_000,
            new_grant: None,
            sent_at: None,
            error: None,
            receipt: None,
            receipt_at: None,
        }
    }

    /// The grant delivery rides in the sealed data: an event's row is written exactly as
    /// before it existed, and a row written before it reads as an event (no schema change).
    #[test]
    fn a_grant_delivery_is_sealed_data_that_events_do_not_carry() {
        let ev = record(vouchsafe_token::protocol::GRANT_REVOKED);
        let as_before = serde_json::to_string(&ev).expect("json");
        let now = serde_json::to_string(&SealedRef {
            rec: &ev,
            grant_delivery: None,
        })
        .expect("json");
        assert_eq!(now, as_before);
        let old: SealedItem = serde_json::from_str(&as_before).expect("old row");
        assert!(old.grant_delivery.is_none());
        assert_eq!(old.rec.event, ev.event);

        let d = GrantDelivery {
            response_uri: "https://cafe.example/vouchsafe/response".into(),
            state: "c3f1".into(),
        };
        let g = record(GRANT_DELIVERY);
        let sealed = serde_json::to_string(&SealedRef {
            rec: &g,
            grant_delivery: Some(d.clone()),
        })
        .expect("json");
        let back: SealedItem = serde_json::from_str(&sealed).expect("read");
        assert_eq!(back.grant_delivery, Some(d));
        assert_eq!(back.rec.set, g.set);
    }

    /// Issuing for delivery queues the grant in the same transaction; a verified receipt
    /// takes it out of the outbox, a refusal keeps it with the brand's words.
    #[test]
    fn a_queued_grant_leaves_the_outbox_once_acknowledged() {
        use crate::clock::FixedClock;
        use crate::grants::{ChannelChoices, GrantRequest, GrantRequestParts};
        use crate::{FieldName, Vault};

        let (_dir, mut v) = crate::vault::temp_vault();
        let clock = FixedClock::at(1_800_000_000);
        v.set_clock(std::sync::Arc::new(clock.clone()));
        let email: FieldName = "email".parse().expect("name");
        v.fields_mut()
            .set(&email, "minjun@example.kr", None)
            .expect("set");
        let origin = "https://cafe.example";
        v.brands_mut()
            .connect(origin, "Café", "https://cafe.example/vouchsafe/events")
            .expect("brand");
        let delivery = GrantDelivery {
            response_uri: "https://cafe.example/vouchsafe/response".into(),
            state: "s1".into(),
        };
        let issue = |v: &mut Vault| {
            let req = GrantRequest::new(
                GrantRequestParts {
                    brand: origin.into(),
                    fields: vec![email.clone()],
                    derived: vec![],
                    purpose: "coupon".into(),
                    purpose_category: None,
                    channels: ChannelChoices::default(),
                    offer: None,
                    expires_at: 1_800_000_000 + 3600,
                },
                1_800_000_000,
            )
            .expect("request");
            v.grants_mut()
                .issue_for_delivery(&req, delivery.clone())
                .expect("issue")
        };
        let first = issue(&mut v);
        let item = v.outbox().get(&first.id).expect("get").expect("queued");
        assert_eq!(
            (
                item.kind,
                item.state,
                item.grant_id.as_str(),
                item.set.as_str()
            ),
            (
                OutboxKind::Grant,
                OutboxState::Queued,
                first.id.as_str(),
                first.token.as_str()
            )
        );
        assert_eq!(item.grant_delivery, Some(delivery.clone()));
        assert!(
            !item.is_overdue(1_800_000_000 + 30 * 86_400),
            "no deadline for a grant"
        );
        assert_eq!(v.outbox().due(10).expect("due").len(), 1);

        let state = v
            .outbox_mut()
            .record(&first.id, Outcome::Failed("the brand answered 503".into()))
            .expect("record");
        assert_eq!(state, OutboxState::Queued);
        let state = v
            .outbox_mut()
            .record(&first.id, Outcome::Receipt("eyJ.r.s".into()))
            .expect("record");
        assert_eq!(state, OutboxState::Acknowledged);
        assert!(v.outbox().get(&first.id).expect("get").is_none());
        assert!(v.outbox().list().expect("list").is_empty());

        let second = issue(&mut v);
        let state = v
            .outbox_mut()
            .record(&second.id, Outcome::Refused("the request expired".into()))
            .expect("record");
        assert_eq!(state, OutboxState::Refused);
        let kept = v.outbox().get(&second.id).expect("get").expect("kept");
        assert_eq!(kept.error.as_deref(), Some("the request expired"));
        assert!(v.verify_records().is_ok());
    }

    #[test]
    fn states_round_trip() {
        for s in [
            OutboxState::Queued,
            OutboxState::Sent,
            OutboxState::Acknowledged,
            OutboxState::Refused,
            OutboxState::GivenUp,
        ] {
            assert_eq!(OutboxState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OutboxState::parse("delivered"), None);
    }
}
