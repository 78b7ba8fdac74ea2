//! Revocation check against a Token Status List token (draft-ietf-oauth-status-list §8).
//!
//! Only the consumer can revoke their grant, so only a list signed by the *grant's own key* is
//! believed. Any other signer, even a valid one, could otherwise "un-revoke" a grant by serving
//! a list with the bit cleared.

use serde_json::{Map, Value};

use super::claims::numeric_date_value;
use super::error::{VerifyError, shown};
use super::header::{self, HeaderKey};
use crate::jws::CompactJws;
use crate::status_list::StatusList;
use crate::{MAX_LEEWAY_SECS, STATUS_LIST_TYP};

/// The grant's `status.status_list` reference.
struct StatusRef<'c> {
    idx: usize,
    uri: &'c str,
}

/// Checks the grant against `status_token`, in order: the grant's status claim; the token's
/// structure, header and signer; its signature under the grant's key; `sub`, `iss`, `iat`,
/// `exp`; the list encoding; the index; and finally the entry itself.
pub(crate) fn check(
    grant_claims: &Map<String, Value>,
    grant_iss: &str,
    grant_key: &HeaderKey,
    status_token: &str,
    now: i64,
) -> Result<(), VerifyError> {
    let reference = status_reference(grant_claims)?;

    let jws = CompactJws::parse(status_token).map_err(VerifyError::StatusListMalformed)?;
    let claims = jws.claims().map_err(VerifyError::StatusListMalformed)?;
    let list_key =
        header::check(jws.header(), STATUS_LIST_TYP).map_err(VerifyError::StatusListHeader)?;
    if list_key.thumbprint != grant_key.thumbprint {
        return Err(VerifyError::StatusListWrongSigner {
            expected: grant_key.thumbprint.clone(),
            found: list_key.thumbprint,
        });
    }
    jws.verify_signature(&grant_key.key)
        .map_err(VerifyError::StatusListBadSignature)?;

    let sub = claims.get("sub").and_then(Value::as_str);
    let Some(sub) = sub else {
        return Err(list_claim(&claims, "sub", "a string"));
    };
    if sub != reference.uri {
        return Err(VerifyError::StatusListUriMismatch {
            sub: sub.to_owned(),
            uri: reference.uri.to_owned(),
        });
    }
    if let Some(iss) = claims.get("iss") {
        // Optional in the draft, but if present it must name the same issuer as the grant.
        if iss.as_str() != Some(grant_iss) {
            return Err(VerifyError::StatusListIssuerMismatch {
                expected: grant_iss.to_owned(),
                found: shown(Some(iss)),
            });
        }
    }
    const DATE: &str = "a NumericDate (seconds since the epoch)";
    claims
        .get("iat")
        .and_then(numeric_date_value)
        .ok_or_else(|| list_claim(&claims, "iat", DATE))?;
    // `exp` is optional in the draft but required here: without it an old list captured before
    // a revocation would stay acceptable forever.
    let exp = claims
        .get("exp")
        .and_then(numeric_date_value)
        .ok_or_else(|| list_claim(&claims, "exp", DATE))?;
    if claims
        .get("ttl")
        .is_some_and(|ttl| numeric_date_value(ttl).is_none())
    {
        return Err(list_claim(&claims, "ttl", "a number of seconds"));
    }
    if now > exp.saturating_add(MAX_LEEWAY_SECS) {
        return Err(VerifyError::StatusListExpired { exp, now });
    }

    let list = decode_list(&claims)?;
    let status = list
        .get(reference.idx)
        .ok_or(VerifyError::StatusIndexOutOfRange {
            idx: reference.idx,
            len: list.len(),
        })?;
    if status != 0 {
        return Err(VerifyError::Revoked {
            idx: reference.idx,
            status,
        });
    }
    Ok(())
}

/// Reads `status.status_list.{idx,uri}` from the grant.
fn status_reference(claims: &Map<String, Value>) -> Result<StatusRef<'_>, VerifyError> {
    let reference = claims
        .get("status")
        .and_then(|status| status.get("status_list"))
        .ok_or_else(|| {
            VerifyError::StatusClaim(
                "grant has no status.status_list claim, so it cannot be checked against a status list"
                    .to_owned(),
            )
        })?;
    let idx = reference.get("idx");
    let idx = idx
        .and_then(Value::as_u64)
        .and_then(|idx| usize::try_from(idx).ok())
        .ok_or_else(|| {
            VerifyError::StatusClaim(format!(
                "status.status_list.idx must be a non-negative integer, found {}",
                shown(idx)
            ))
        })?;
    let uri = reference.get("uri");
    let uri = uri.and_then(Value::as_str).ok_or_else(|| {
        VerifyError::StatusClaim(format!(
            "status.status_list.uri must be a string, found {}",
            shown(uri)
        ))
    })?;
    Ok(StatusRef { idx, uri })
}

/// Decodes the `status_list` claim `{"bits":…,"lst":"…"}`.
fn decode_list(claims: &Map<String, Value>) -> Result<StatusList, VerifyError> {
    let member = claims.get("status_list");
    let bits = member.and_then(|m| m.get("bits"));
    let bits = bits
        .and_then(Value::as_u64)
        .and_then(|b| u8::try_from(b).ok())
        .ok_or_else(|| VerifyError::StatusListClaim {
            claim: "status_list.bits",
            expected: "1, 2, 4 or 8",
            found: shown(bits),
        })?;
    let lst = member.and_then(|m| m.get("lst"));
    let lst = lst
        .and_then(Value::as_str)
        .ok_or_else(|| VerifyError::StatusListClaim {
            claim: "status_list.lst",
            expected: "a string",
            found: shown(lst),
        })?;
    StatusList::from_lst(bits, lst).map_err(VerifyError::StatusListEncoding)
}

fn list_claim(
    claims: &Map<String, Value>,
    claim: &'static str,
    expected: &'static str,
) -> VerifyError {
    VerifyError::StatusListClaim {
        claim,
        expected,
        found: shown(claims.get(claim)),
    }
}
