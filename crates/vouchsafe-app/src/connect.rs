//! Connect, as the desktop drives it: open a brand's request, show it, preview exactly what
//! the choices send, send, and follow the outbox (docs/connect.md, issue 10).
//!
//! The protocol is the core's (`vouchsafe::connect`); this module only shapes it for the
//! window, the way `crates/vouchsafe-cli/src/connect.rs` shapes it for a terminal. Network
//! access happens in [`connect_preview`] (fetching and verifying the request), [`connect_send`]
//! (the grant and its receipt) and [`outbox_retry`] / [`deliver_due`], and nowhere else.
//!
//! None of them holds the session lock while it waits on the network (issue 10): each reads
//! under the lock, sends with it free, and records under it again, if the vault is still the
//! one it read from.
//!
//! A verified request is kept in the session under a handle between the preview and the send,
//! so the consent screen's live preview ([`connect_plan`]) needs no network and what is sent is
//! exactly the request the person read. Locking forgets it.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;
use vouchsafe::connect::request::{self, Asked, BrandRequest, Choices, Source};
use vouchsafe::connect::{Client, ConnectError, Limits, delivery, outbox};
use vouchsafe::grants::Derived;
use vouchsafe::{Lang, OutboxItem, Vault};
use vouchsafe_token::protocol::{self as proto, ChannelKind, Texts};

use crate::dto::{SummaryDto, summary_dto};
use crate::error::{CmdResult, CommandError, ErrorKind, kind_of};
use crate::state::AppState;

/// How many opened requests the session keeps (the newest); one is shown at a time.
const KEPT_REQUESTS: usize = 4;
/// `outbox_retry`: everything due, within a minute, as `vouchsafe outbox retry`.
const NOW_ITEMS: usize = 10_000;
const NOW_BUDGET: Duration = Duration::from_secs(60);
/// Background delivery while unlocked: a few items, short timeouts.
const BACKGROUND_ITEMS: usize = 5;
const BACKGROUND_BUDGET: Duration = Duration::from_secs(5);

/// The requests opened in this session, newest last, by handle.
#[derive(Debug, Default)]
pub struct Opened(Vec<(String, BrandRequest)>);

impl Opened {
    fn keep(&mut self, handle: String, req: BrandRequest) {
        self.0.retain(|(h, _)| *h != handle);
        self.0.push((handle, req));
        if self.0.len() > KEPT_REQUESTS {
            self.0.remove(0);
        }
    }

    fn get(&self, handle: &str) -> Option<&BrandRequest> {
        self.0.iter().find(|(h, _)| h == handle).map(|(_, r)| r)
    }

    /// Forget every request (on lock).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

// --- DTOs ---------------------------------------------------------------------------------

/// A text the brand wrote, in each language the UI has (English where the brand gave no
/// Korean, and the other way round; empty if it gave neither).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LocalText {
    pub ko: String,
    pub en: String,
}

impl LocalText {
    fn of(texts: &Texts) -> Self {
        Self {
            ko: request::text(texts, Lang::Ko),
            en: request::text(texts, Lang::En),
        }
    }
}

/// One claim the brand asks for, and what this vault would send for it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AskedClaimDto {
    /// The request's claim id; what choices name.
    pub id: String,
    /// Dotted path (`address.locality`, `age_over_19`).
    pub path: String,
    pub required: bool,
    pub purpose: LocalText,
    /// Whether the profile has what the claim needs (a required claim it lacks blocks sending).
    pub available: bool,
    /// A derived fact asked for directly (`age_over_19`): only yes/no leaves the vault.
    pub derived_fact: Option<String>,
    /// The released claims this vault would send for it as asked (`{}` when it has nothing).
    #[ts(type = "Record<string, unknown>")]
    pub value: Map<String, Value>,
    /// A derived fact that would serve with less (`birthday`, `city`), sent only if chosen.
    pub suggestion: Option<String>,
    /// What the suggestion would send instead.
    #[ts(type = "Record<string, unknown> | null")]
    pub suggested_value: Option<Map<String, Value>>,
}

/// A channel the brand asks to contact the consumer through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AskedChannelDto {
    pub channel: String,
    /// Advertising (needs the consumer's yes) rather than informational.
    pub advertising: bool,
}

/// A verified request, as the consent screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectRequestDto {
    /// Names this request for [`connect_plan`] and [`connect_send`] in this session.
    pub handle: String,
    /// The brand's origin: where the request came from and whose keys signed it.
    pub origin: String,
    pub name: LocalText,
    /// Whether the vault knows this brand already (same origin).
    pub known_brand: bool,
    pub claims: Vec<AskedClaimDto>,
    /// DPV local name (`ServicePersonalisation`).
    pub purpose_category: String,
    /// ISO 8601 duration as the brand wrote it (`P1Y`).
    pub retention: String,
    /// Until when the brand would keep what it receives, if it connects now.
    pub retention_until: Option<i64>,
    pub channels: Vec<AskedChannelDto>,
    pub offer: LocalText,
    pub refusal: LocalText,
    /// When the request itself expires.
    pub expires_at: i64,
}

/// What the person chose on the consent screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectChoicesDto {
    /// Optional claims to send (ids); required ones are always sent.
    pub accept: Vec<String>,
    /// Claims (ids) for which the suggested derived fact is sent instead of the raw value.
    pub derived: Vec<String>,
    /// Advertising channels allowed; informational ones are allowed as asked.
    pub ad_channels: Vec<String>,
    /// Advertising at night (21:00–08:00) too; default no, and yes needs some advertising
    /// channel allowed.
    #[serde(default)]
    pub night_ads: bool,
}

impl ConnectChoicesDto {
    fn core(&self) -> Choices {
        Choices {
            accept: self.accept.clone(),
            decline: Vec::new(),
            derived: self.derived.clone(),
            ad_channels: self.ad_channels.clone(),
            night_ads: self.night_ads,
        }
    }
}

/// Exactly what the choices send, before anything is sent.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectPlanDto {
    /// Claim ids sent, in request order.
    pub sending: Vec<String>,
    /// Of those, the ones answered by their derived fact.
    pub derived: Vec<String>,
    /// The released claims, exactly.
    #[ts(type = "Record<string, unknown>")]
    pub claims: Map<String, Value>,
    pub summary: SummaryDto,
}

/// A delivered grant and the brand's verified word on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectedDto {
    pub grant_id: String,
    pub brand_id: String,
    pub brand_name: String,
    /// What the brand's receipt says it received (dotted claim names).
    pub received: Vec<String>,
    /// Until when the brand's receipt says it keeps them.
    pub retention_until: i64,
    /// The brand's receipt was verified against its keys and stored beside the grant.
    pub receipt_verified: bool,
}

/// The kind of event an outbox item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EventKindDto {
    Revoked,
    ErasureRequested,
    ClaimsChanged,
    ChannelsChanged,
    /// The grant itself, queued because the brand could not be reached when connecting.
    GrantDelivery,
    Other,
}

impl EventKindDto {
    fn of(uri: &str) -> Self {
        match uri {
            proto::GRANT_REVOKED => Self::Revoked,
            proto::ERASURE_REQUESTED => Self::ErasureRequested,
            proto::TOKEN_CLAIMS_CHANGE => Self::ClaimsChanged,
            proto::CHANNEL_CONSENT_CHANGED => Self::ChannelsChanged,
            vouchsafe::repo::outbox::GRANT_DELIVERY => Self::GrantDelivery,
            _ => Self::Other,
        }
    }
}

/// Where an outbox item stands (the core's states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStateDto {
    Queued,
    Sent,
    Acknowledged,
    Refused,
    GivenUp,
}

impl From<vouchsafe::OutboxState> for OutboxStateDto {
    fn from(s: vouchsafe::OutboxState) -> Self {
        use vouchsafe::OutboxState as S;
        match s {
            S::Queued => Self::Queued,
            S::Sent => Self::Sent,
            S::Acknowledged => Self::Acknowledged,
            S::Refused => Self::Refused,
            S::GivenUp => Self::GivenUp,
        }
    }
}

/// One event for a brand, with its delivery state and receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItemDto {
    /// The SET's `jti`.
    pub id: String,
    pub grant_id: String,
    pub brand: String,
    pub kind: EventKindDto,
    pub state: OutboxStateDto,
    /// Whether delivery or the receipt fetch still has work to do.
    pub pending: bool,
    pub attempts: i64,
    pub created_at: i64,
    /// When the consumer made the change.
    pub requested_at: i64,
    pub next_at: Option<i64>,
    pub sent_at: Option<i64>,
    /// The last failure or the brand's refusal, one line.
    pub error: Option<String>,
    /// Whether the brand owes a signed receipt for it (revocation, erasure, reissue).
    pub expects_receipt: bool,
    /// The brand's signed receipt, verified before it was stored.
    pub receipt: Option<String>,
    pub receipt_at: Option<i64>,
    /// When a missing receipt becomes overdue (10 days after the request, PIPA).
    pub deadline: Option<i64>,
    pub overdue: bool,
}

impl OutboxItemDto {
    fn new(i: &OutboxItem, now: i64) -> Self {
        let expects = i.expects_receipt();
        Self {
            id: i.id.clone(),
            grant_id: i.grant_id.clone(),
            brand: i.brand.clone(),
            kind: EventKindDto::of(&i.event),
            state: i.state.into(),
            pending: i.state.is_pending(),
            attempts: i.attempts,
            created_at: i.created_at,
            requested_at: i.requested_at,
            next_at: i.next_at,
            sent_at: i.sent_at,
            error: i.error.clone(),
            expects_receipt: expects,
            receipt: i.receipt.clone(),
            receipt_at: i.receipt_at,
            // The 10-day deadline is the brand's answer to a change; a grant still on its way
            // has none.
            deadline: (expects && i.kind == vouchsafe::repo::outbox::OutboxKind::Event)
                .then_some(i.requested_at + vouchsafe::repo::outbox::RECEIPT_DEADLINE_SECS),
            overdue: i.is_overdue(now),
        }
    }
}

/// What one delivery run did, and what still waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxReportDto {
    pub tried: u32,
    pub sent: u32,
    pub acknowledged: u32,
    pub failed: u32,
    pub refused: u32,
    pub pending: u32,
}

/// The brand's receipt for a delivered grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrandReceiptDto {
    /// The signed receipt (JWT), verified before it was stored.
    pub receipt: String,
    pub stored_at: i64,
    /// What it says the brand received.
    pub received: Vec<String>,
}

/// What `vouchsafe grant show` adds for a connected grant: the brand's receipt and the events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GrantDeliveryDto {
    pub grant_id: String,
    /// `null` for a grant shared by hand (no inbox).
    pub brand_receipt: Option<BrandReceiptDto>,
    /// Events about this grant, oldest first.
    pub events: Vec<OutboxItemDto>,
}

// --- errors -------------------------------------------------------------------------------

/// A connect failure as the UI receives it: what the person gave or the brand's request was
/// refused, including a URL the vault never contacts (`invalid_input`, with the core's one-line
/// reason); the brand could not be reached or answered wrongly (`io`); or the vault's own kind.
pub fn command_error(e: ConnectError) -> CommandError {
    let kind = match &e {
        ConnectError::Vault(v) => kind_of(v),
        // The brand could not be reached, or answered too much: try again later.
        ConnectError::Http(h) if h.is_transient() => ErrorKind::Io,
        ConnectError::Brand(_) => ErrorKind::Io,
        // Issued, its delivery queued: the outbox sends it when the brand answers.
        ConnectError::Queued(_) => ErrorKind::Io,
        _ => ErrorKind::InvalidInput,
    };
    let text = e.to_string();
    CommandError::new(kind, text.lines().next().unwrap_or_default())
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

// --- the request --------------------------------------------------------------------------

/// The released claims for `sending`, or `None` if nothing would be sent.
fn released(
    vault: &Vault,
    req: &BrandRequest,
    sending: &[(Asked, bool)],
) -> Option<Map<String, Value>> {
    let gr = request::grant_request(req, sending, &Choices::default(), now()).ok()?;
    request::preview(vault, req, &gr).ok().map(|p| p.claims)
}

fn asked_dto(vault: &Vault, req: &BrandRequest, a: &Asked) -> AskedClaimDto {
    let value = if a.available {
        released(vault, req, &[(a.clone(), false)]).unwrap_or_default()
    } else {
        Map::new()
    };
    let suggested_value = match a.suggestion {
        Some(_) if a.available => released(vault, req, &[(a.clone(), true)]),
        _ => None,
    };
    AskedClaimDto {
        id: a.id.clone(),
        path: a.path.clone(),
        required: a.required,
        purpose: LocalText::of(&a.purpose),
        available: a.available,
        derived_fact: match &a.source {
            Source::Derived(d) => Some(d.to_string()),
            _ => None,
        },
        value,
        suggestion: a.suggestion.map(|d: Derived| d.to_string()),
        suggested_value,
    }
}

fn request_dto(vault: &Vault, handle: &str, req: &BrandRequest) -> CmdResult<ConnectRequestDto> {
    let consent = &req.claims.vouchsafe_consent;
    let category = consent
        .purpose_category
        .rsplit('#')
        .next()
        .unwrap_or(&consent.purpose_category)
        .to_string();
    let known_brand = vault.brands().list()?.iter().any(|b| b.id == req.origin);
    Ok(ConnectRequestDto {
        handle: handle.to_string(),
        origin: req.origin.clone(),
        name: LocalText {
            ko: req.name(Lang::Ko),
            en: req.name(Lang::En),
        },
        known_brand,
        claims: req.asked.iter().map(|a| asked_dto(vault, req, a)).collect(),
        purpose_category: category,
        retention: consent.retention.clone(),
        retention_until: req.retention_secs().map(|s| now() + s),
        channels: consent
            .channels
            .iter()
            .map(|c| AskedChannelDto {
                channel: c.channel.clone(),
                advertising: c.kind == ChannelKind::Ad,
            })
            .collect(),
        offer: LocalText::of(&consent.offer),
        refusal: LocalText::of(&consent.refusal),
        expires_at: req.claims.exp,
    })
}

/// The handle of a request: its nonce, which the brand made unique and which names nothing
/// about the consumer.
fn handle_of(req: &BrandRequest) -> String {
    req.claims.nonce.clone()
}

/// Fetch the request a link names (or read it from a file), verify it against its origin's
/// keys, and show it. Network: the request and the brand's JWKS, with the session lock free.
pub fn connect_preview(state: &AppState, link: &str) -> CmdResult<ConnectRequestDto> {
    let epoch = unlocked_epoch(state)?;
    let link = request::parse_link(link).map_err(command_error)?;
    let client = Client::new(Limits::INTERACTIVE);
    let verified = request::fetch_verified(&client, &link, now()).map_err(command_error)?;
    let mut s = state.enter();
    let vault = s.vault_at(epoch)?;
    let req = verified.plan(vault).map_err(command_error)?;
    let handle = handle_of(&req);
    let dto = request_dto(vault, &handle, &req)?;
    s.connect.keep(handle, req);
    Ok(dto)
}

/// Exactly what `choices` would send for an opened request. No network.
pub fn connect_plan(
    state: &AppState,
    handle: &str,
    choices: &ConnectChoicesDto,
) -> CmdResult<ConnectPlanDto> {
    let mut s = state.enter();
    s.vault()?;
    let req = opened(&s.connect, handle)?.clone();
    let vault = s.vault()?;
    let choices = choices.core();
    let sending = request::decide(&req, &choices).map_err(command_error)?;
    let gr = request::grant_request(&req, &sending, &choices, now()).map_err(command_error)?;
    let p = request::preview(vault, &req, &gr).map_err(command_error)?;
    Ok(ConnectPlanDto {
        sending: sending.iter().map(|(a, _)| a.id.clone()).collect(),
        derived: sending
            .iter()
            .filter(|(_, d)| *d)
            .map(|(a, _)| a.id.clone())
            .collect(),
        claims: p.claims,
        summary: summary_dto(&p.summary),
    })
}

fn opened<'a>(o: &'a Opened, handle: &str) -> CmdResult<&'a BrandRequest> {
    o.get(handle).ok_or_else(|| {
        CommandError::new(
            ErrorKind::NotFound,
            "this request is no longer open (the vault was locked, or others were opened since); open the link again",
        )
    })
}

/// Issue the grant for an opened request (by handle) or a link, deliver it to the brand, and
/// verify and keep the brand's receipt. Network: the grant and the receipt (and, for a link,
/// the request first), with the session lock free: the grant is issued and its delivery
/// queued under the lock, sent without it, and the answer recorded under it again. A brand
/// that cannot be reached leaves the grant issued and its delivery queued (`io` error): the
/// outbox delivers it later.
pub fn connect_send(
    state: &AppState,
    request_or_link: &str,
    choices: &ConnectChoicesDto,
) -> CmdResult<ConnectedDto> {
    let _run = state.delivery_run();
    let (epoch, kept) = {
        let mut s = state.enter();
        s.vault()?;
        (s.epoch, s.connect.get(request_or_link.trim()).cloned())
    };
    let client = Client::new(Limits::INTERACTIVE);
    let req = match kept {
        Some(r) => r,
        None => {
            let link = request::parse_link(request_or_link).map_err(command_error)?;
            let verified = request::fetch_verified(&client, &link, now()).map_err(command_error)?;
            let mut s = state.enter();
            verified.plan(s.vault_at(epoch)?).map_err(command_error)?
        }
    };
    let choices = choices.core();
    let mut queued = {
        let mut s = state.enter();
        let vault = s.vault_at(epoch)?;
        let sending = request::decide(&req, &choices).map_err(command_error)?;
        let gr = request::grant_request(&req, &sending, &choices, now()).map_err(command_error)?;
        delivery::queue(vault, &req, &gr).map_err(command_error)?
    };
    let answered = delivery::send(&client, &mut queued);
    let mut s = state.session();
    // Locked meanwhile: the answer is not recorded, the delivery stays queued and is sent
    // again after the next unlock (the brand answers a grant it holds with the same receipt).
    let vault = s.vault_at(epoch)?;
    let handle = handle_of(&req);
    let done = match delivery::finish(vault, queued, answered) {
        Ok(d) => d,
        Err(e) => {
            // Queued: the request is answered by the grant on its way; sending it again
            // would issue a second grant the brand refuses.
            if matches!(e, ConnectError::Queued(_)) {
                s.connect.0.retain(|(h, _)| *h != handle);
            }
            return Err(command_error(e));
        }
    };
    let vault = s.vault()?;
    let verified = vault.grants().brand_receipt(&done.grant.id)?.is_some();
    let dto = ConnectedDto {
        grant_id: done.grant.id,
        brand_id: done.brand.id,
        brand_name: done.brand.name,
        received: done.receipt.received,
        retention_until: done.receipt.retention.until,
        receipt_verified: verified,
    };
    // Answered: a request is answered once (the brand refuses a second grant for it).
    s.connect.0.retain(|(h, _)| *h != handle);
    Ok(dto)
}

// --- the outbox and a grant's delivery ----------------------------------------------------

/// Every outbox item, newest first as the core lists them.
pub fn outbox_list(state: &AppState) -> CmdResult<Vec<OutboxItemDto>> {
    let mut s = state.enter();
    let now = now();
    Ok(s.vault()?
        .outbox()
        .list()?
        .iter()
        .map(|i| OutboxItemDto::new(i, now))
        .collect())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The session's epoch, checking on the way that the vault is unlocked.
fn unlocked_epoch(state: &AppState) -> CmdResult<u64> {
    let mut s = state.enter();
    s.vault()?;
    Ok(s.epoch)
}

/// One delivery run with the session lock held only to read what is due and to record the
/// answers ([`outbox::plan`], [`outbox::send`], [`outbox::record`]): the network waits with
/// the lock free, so every other command answers meanwhile. If the vault was locked or
/// replaced while sending, what was learned is dropped: the items stay due and are sent again
/// (the brand deduplicates by `jti`). `retry_now` first makes every waiting item due.
fn run_delivery(
    state: &AppState,
    client: &Client,
    limit: usize,
    budget: Duration,
    retry_now: bool,
) -> CmdResult<outbox::Report> {
    let deadline = Instant::now() + budget;
    let (epoch, planned) = {
        let mut s = state.session();
        let epoch = s.epoch;
        let vault = s.vault()?;
        if retry_now {
            vault.outbox_mut().retry_now()?;
        }
        (epoch, outbox::plan(vault, limit).map_err(command_error)?)
    };
    let mut report = outbox::Report::default();
    let mut keys = outbox::Keys::new();
    for chunk in planned.chunks(outbox::BATCH) {
        if Instant::now() >= deadline {
            break;
        }
        let answered = outbox::send(client, chunk, &mut keys, deadline);
        let mut s = state.session();
        let Ok(vault) = s.vault_at(epoch) else { break };
        report.add(outbox::record(vault, answered).map_err(command_error)?);
    }
    Ok(report)
}

/// Make every waiting item due and deliver now. Network: the brands' endpoints, with the
/// session lock free ([`run_delivery`]).
pub fn outbox_retry(state: &AppState) -> CmdResult<OutboxReportDto> {
    state.enter().vault()?;
    let _run = state.delivery_run();
    let client = Client::new(Limits::INTERACTIVE);
    let r = run_delivery(state, &client, NOW_ITEMS, NOW_BUDGET, true)?;
    let pending = state.enter().vault()?.outbox().pending()?;
    Ok(OutboxReportDto {
        tried: count(r.tried),
        sent: count(r.sent),
        acknowledged: count(r.acknowledged),
        failed: count(r.failed),
        refused: count(r.refused),
        pending: count(pending),
    })
}

/// Deliver a few due items, if the vault is unlocked and something is due; for the shell's
/// periodic background delivery. Never an error: what is not delivered stays queued. Returns
/// whether anything was tried.
pub fn deliver_due(state: &AppState) -> bool {
    // Another run (a retry, a connect) is sending: it covers what is due.
    let Some(_run) = state.try_delivery_run() else {
        return false;
    };
    {
        let s = state.session();
        match s.vault.as_ref().map(|v| v.outbox().due(1)) {
            Some(Ok(d)) if !d.is_empty() => {}
            _ => return false,
        }
    }
    let client = Client::new(Limits::BACKGROUND);
    run_delivery(state, &client, BACKGROUND_ITEMS, BACKGROUND_BUDGET, false)
        .map(|r| r.tried > 0)
        .unwrap_or(false)
}

fn received_of(receipt: &str) -> Vec<String> {
    vouchsafe_token::CompactJws::parse(receipt)
        .and_then(|c| c.claims())
        .ok()
        .and_then(|c| c.get("received").cloned())
        .and_then(|v| v.as_array().cloned())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// At most this many grants per [`grant_deliveries`] call: a page of the grants screen.
pub const DELIVERIES_MAX: usize = crate::commands::PAGE_MAX as usize;

/// The brand receipt and events of each grant in `ids` (a page of the grants screen), in that
/// order, under one session lock: one command per page, where one per row made fifty calls
/// land on the web view while it painted the page's first frame.
pub fn grant_deliveries(state: &AppState, ids: &[String]) -> CmdResult<Vec<GrantDeliveryDto>> {
    if ids.len() > DELIVERIES_MAX {
        return Err(CommandError::invalid(format!(
            "at most {DELIVERIES_MAX} grants at a time, not {}",
            ids.len()
        )));
    }
    let mut s = state.enter();
    let vault = s.vault()?;
    let now = now();
    ids.iter()
        .map(|id| {
            let id = vault.grants().resolve_id(id)?;
            let brand_receipt = vault
                .grants()
                .brand_receipt(&id)?
                .map(|(receipt, stored_at)| BrandReceiptDto {
                    received: received_of(&receipt),
                    receipt,
                    stored_at,
                });
            let mut events: Vec<OutboxItemDto> = vault
                .outbox()
                .for_grant(&id)?
                .iter()
                .map(|i| OutboxItemDto::new(i, now))
                .collect();
            events.sort_by_key(|e| e.created_at);
            Ok(GrantDeliveryDto {
                grant_id: id,
                brand_receipt,
                events,
            })
        })
        .collect()
}
