//! Grant delivery (docs/protocol.md §3): the brand is created or matched, the grant issued with
//! the request's nonce and its delivery queued in the outbox (one transaction), then POSTed
//! `direct_post` style, and the brand's countersigned receipt verified (its keys, the grant's
//! id and hash, our pairwise id) and kept sealed beside the grant. A delivery that fails for
//! now stays queued and is retried like an event (`super::outbox`).

use sha2::{Digest, Sha256};
use vouchsafe_token::b64;
use vouchsafe_token::protocol::BrandReceiptClaims;
use vouchsafe_verify::brand::{BrandJwks, verify_brand_receipt};

use std::time::{Duration, Instant};

use super::ConnectError;
use super::http::Client;
use super::outbox::{self, Answered, Keys, Planned};
use super::request::BrandRequest;
use crate::brands::Brand;
use crate::grants::{GrantRequest, IssuedGrant, Lang};
use crate::repo::outbox::{GrantDelivery, OutboxState};
use crate::vault::Vault;

/// A delivered grant and the brand's word on it.
#[derive(Debug, Clone)]
pub struct Connected {
    pub brand: Brand,
    pub grant: IssuedGrant,
    /// The verified receipt's claims.
    pub receipt: BrandReceiptClaims,
}

/// base64url SHA-256 of a token's compact serialisation: how a receipt names the grant.
pub fn token_hash(token: &str) -> String {
    b64::encode(Sha256::digest(token.as_bytes()))
}

/// Check a brand receipt for `grant` (id and token) issued under `issuer` (our pairwise id).
pub fn check_brand_receipt(
    receipt: &str,
    jwks: &BrandJwks,
    origin: &str,
    grant_id: &str,
    grant_token: &str,
    issuer: &str,
) -> Result<BrandReceiptClaims, ConnectError> {
    let claims = verify_brand_receipt(receipt, jwks, origin)
        .map_err(|e| ConnectError::Refused(format!("refusing the brand's receipt: {e}")))?;
    if claims.grant.jti != grant_id {
        return Err(ConnectError::Refused(format!(
            "refusing the brand's receipt: it names grant {}, not {grant_id}",
            claims.grant.jti
        )));
    }
    if claims.grant.sha256 != token_hash(grant_token) {
        return Err(ConnectError::Refused(
            "refusing the brand's receipt: its grant.sha256 is not the hash of the grant sent"
                .into(),
        ));
    }
    if claims.aud != issuer {
        return Err(ConnectError::Refused(
            "refusing the brand's receipt: it is addressed to someone else (aud)".into(),
        ));
    }
    Ok(claims)
}

/// A grant issued for a request, its delivery queued in the same transaction, not sent yet.
#[derive(Debug, Clone)]
pub struct Queued {
    pub brand: Brand,
    pub grant: IssuedGrant,
    /// The outbox item that delivers it.
    pub planned: Planned,
    /// The brand's keys, already fetched with the request.
    keys: Keys,
}

/// Create or match the brand, issue the grant answering the request and queue its delivery,
/// in the vault only: no network.
pub fn queue(
    vault: &mut Vault,
    req: &BrandRequest,
    request: &GrantRequest,
) -> Result<Queued, ConnectError> {
    let brand = vault.brands_mut().connect(
        &req.origin,
        &req.name(Lang::En),
        &req.claims.vouchsafe_consent.events_uri,
    )?;
    let grant = vault.grants_mut().issue_for_delivery(
        request,
        GrantDelivery {
            response_uri: req.claims.response_uri.clone(),
            state: req.claims.state.clone(),
        },
    )?;
    let planned = outbox::plan_one(vault, &grant.id)?.ok_or_else(|| {
        ConnectError::Brand(format!(
            "grant {} was issued but its delivery is not queued",
            grant.id
        ))
    })?;
    let mut keys = Keys::new();
    keys.insert(req.origin.clone(), Ok(req.jwks.clone()));
    Ok(Queued {
        brand,
        grant,
        planned,
        keys,
    })
}

/// Deliver a queued grant now. No vault: the app calls it with its session lock free.
pub fn send(client: &Client, queued: &mut Queued) -> Vec<Answered> {
    outbox::send(
        client,
        std::slice::from_ref(&queued.planned),
        &mut queued.keys,
        Instant::now() + SEND_BUDGET,
    )
}

/// Longer than any one exchange's own limit: the budget never cuts the single POST short.
const SEND_BUDGET: Duration = Duration::from_secs(120);

/// Record what the brand answered and say how it went: delivered with a verified receipt
/// (kept beside the grant), refused (the grant is discarded: the brand holds nothing under
/// it), or not delivered yet (the grant stays issued, its delivery queued and retried with
/// the outbox's backoff).
pub fn finish(
    vault: &mut Vault,
    queued: Queued,
    answered: Vec<Answered>,
) -> Result<Connected, ConnectError> {
    let claims = answered.first().and_then(|a| a.brand_receipt().cloned());
    outbox::record(vault, answered)?;
    let id = &queued.grant.id;
    let item = vault.outbox().get(id)?;
    let why = item
        .as_ref()
        .and_then(|i| i.error.clone())
        .unwrap_or_else(|| "not sent".into());
    let short = &id[..8.min(id.len())];
    // A delivered grant leaves the outbox (its receipt is kept beside it).
    let state = item.map_or(OutboxState::Acknowledged, |i| i.state);
    match (state, claims) {
        (OutboxState::Acknowledged, Some(receipt)) => Ok(Connected {
            brand: queued.brand,
            grant: queued.grant,
            receipt,
        }),
        (OutboxState::Refused, _) => Err(ConnectError::Refused(format!(
            "the brand refused the grant: {why} (nothing is kept in your vault)"
        ))),
        (OutboxState::Sent, _) => Err(ConnectError::Queued(format!(
            "the brand took grant {short} but {why}; its receipt is asked for again with the outbox (`vouchsafe outbox`)"
        ))),
        _ => Err(ConnectError::Queued(format!(
            "{why}; grant {short} is issued and its delivery queued: it is sent again when the brand answers (`vouchsafe outbox`), or revoke it with `vouchsafe grant revoke {short}`"
        ))),
    }
}

/// Create or match the brand, issue the grant answering the request, deliver it, verify and
/// keep the brand's receipt ([`queue`], [`send`], [`finish`]). The grant's delivery is queued
/// in the outbox in the transaction that issues it: a brand that is down, failing or slow
/// gets it later, like an event. A brand that refuses the grant (`400`) leaves nothing behind.
pub fn connect(
    vault: &mut Vault,
    client: &Client,
    req: &BrandRequest,
    request: &GrantRequest,
) -> Result<Connected, ConnectError> {
    let mut queued = queue(vault, req, request)?;
    let answered = send(client, &mut queued);
    finish(vault, queued, answered)
}
