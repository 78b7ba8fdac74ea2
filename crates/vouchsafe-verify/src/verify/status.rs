//! Revocation check against a Token Status List token (draft-ietf-oauth-status-list §8).
//!
//! Only the consumer can revoke their grant, so only a list signed by the *grant's own key* is
//! believed. Any other signer, even a valid one, could otherwise "un-revoke" a grant by serving
//! a list with the bit cleared.
//!
//! The work splits in two so that one list can serve many grants: [`StatusListVerified::verify`]
//! parses, checks the header and signature, reads the claims and inflates the list once;
//! [`StatusListVerified::check`] then costs a few comparisons per grant.

use serde_json::{Map, Value};
use vouchsafe_token::claims::{StatusFields, StatusListRefFields};
use vouchsafe_token::json::{Object, Read};
use vouchsafe_token::jws::SplitJws;
use vouchsafe_token::status_list::StatusList;
use vouchsafe_token::{MAX_LEEWAY_SECS, STATUS_LIST_TYP};

use super::claims::numeric_date_value;
use super::error::{VerifyError, shown, shown_text};
use super::header::{self, HeaderFault};

/// A status list token whose structure, header, signature and claims passed, with its list
/// inflated. Not yet tied to any grant: [`Self::check`] requires the grant to be signed by the
/// same key, to point at this list's `sub`, and the list not to be expired at the grant's
/// verification time.
#[derive(Debug, Clone)]
pub struct StatusListVerified {
    thumbprint: String,
    sub: String,
    iss: Option<Value>,
    iat: i64,
    exp: i64,
    ttl: Option<i64>,
    list: StatusList,
}

/// Whether a grant's entry was found valid in a fresh list or in one past its `ttl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    Fresh,
    Stale,
}

impl StatusListVerified {
    /// Verifies a status list token on its own, in order: structure, header (`typ`
    /// `statuslist+jwt`, Ed25519 `jwk`), signature under the header key, then (only now) the
    /// claims: `sub`, `iat`, `exp` (required here: without it an old list captured before a
    /// revocation would stay acceptable forever), `ttl`, and the list encoding.
    pub fn verify(token: &str) -> Result<Self, VerifyError> {
        let jws = SplitJws::split(token).map_err(VerifyError::StatusListMalformed)?;
        let key = header::check(&jws, STATUS_LIST_TYP, None).map_err(|fault| match fault {
            HeaderFault::Structure(err) => VerifyError::StatusListMalformed(err),
            HeaderFault::Policy(err) => VerifyError::StatusListHeader(err),
        })?;
        jws.verify_signature(&key.key)
            .map_err(VerifyError::StatusListBadSignature)?;
        let claims = jws.claims().map_err(VerifyError::StatusListMalformed)?;

        let Some(sub) = claims.get("sub").and_then(Value::as_str) else {
            return Err(list_claim(&claims, "sub", "a string"));
        };
        const DATE: &str = "a NumericDate (seconds since the epoch)";
        let iat = claims
            .get("iat")
            .and_then(numeric_date_value)
            .ok_or_else(|| list_claim(&claims, "iat", DATE))?;
        let exp = claims
            .get("exp")
            .and_then(numeric_date_value)
            .ok_or_else(|| list_claim(&claims, "exp", DATE))?;
        let ttl = match claims.get("ttl") {
            None => None,
            Some(ttl) => Some(
                numeric_date_value(ttl)
                    .ok_or_else(|| list_claim(&claims, "ttl", "a number of seconds"))?,
            ),
        };
        let list = decode_list(&claims)?;
        Ok(Self {
            thumbprint: key.thumbprint.to_string(),
            sub: sub.to_owned(),
            iss: claims.get("iss").cloned(),
            iat,
            exp,
            ttl,
            list,
        })
    }

    /// RFC 7638 thumbprint of the key that signed the list.
    pub fn signer_thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// `sub`: the URI grants reference in `status.status_list.uri`.
    pub fn uri(&self) -> &str {
        &self.sub
    }

    /// `iat`, seconds since the epoch.
    pub fn issued_at(&self) -> i64 {
        self.iat
    }

    /// `exp`, seconds since the epoch.
    pub fn expires_at(&self) -> i64 {
        self.exp
    }

    /// `ttl`, seconds after `iat` a copy may be used before fetching a fresh one.
    pub fn ttl(&self) -> Option<i64> {
        self.ttl
    }

    /// The inflated list.
    pub fn list(&self) -> &StatusList {
        &self.list
    }

    /// Whether the list is past its `ttl` at `now` (`iat + ttl < now`): still usable until
    /// `exp`, but the brand should fetch a fresh one.
    pub fn is_stale(&self, now: i64) -> bool {
        self.ttl
            .is_some_and(|ttl| self.iat.saturating_add(ttl) < now)
    }

    /// Checks one grant against this list, in order: the list is signed by the grant's key,
    /// its `sub` is the grant's `uri`, its `iss` (if any) is the grant's, it is not expired at
    /// `now`, the index is in range, and the entry is 0 (VALID).
    pub(crate) fn check(
        &self,
        grant_status: Option<&Object<StatusFields<'_>>>,
        grant_iss: &str,
        grant_thumbprint: &str,
        now: i64,
    ) -> Result<Freshness, VerifyError> {
        let reference = status_reference(grant_status)?;
        if self.thumbprint != grant_thumbprint {
            return Err(VerifyError::StatusListWrongSigner {
                expected: grant_thumbprint.to_owned(),
                found: self.thumbprint.clone(),
            });
        }
        if self.sub != reference.uri {
            return Err(VerifyError::StatusListUriMismatch {
                sub: self.sub.clone(),
                uri: reference.uri.to_owned(),
            });
        }
        if let Some(iss) = &self.iss {
            // Optional in the draft, but if present it must name the same issuer as the grant.
            if iss.as_str() != Some(grant_iss) {
                return Err(VerifyError::StatusListIssuerMismatch {
                    expected: grant_iss.to_owned(),
                    found: shown(Some(iss)),
                });
            }
        }
        if now > self.exp.saturating_add(MAX_LEEWAY_SECS) {
            return Err(VerifyError::StatusListExpired { exp: self.exp, now });
        }
        let status = self
            .list
            .get(reference.idx)
            .ok_or(VerifyError::StatusIndexOutOfRange {
                idx: reference.idx,
                len: self.list.len(),
            })?;
        if status != 0 {
            return Err(VerifyError::Revoked {
                idx: reference.idx,
                status,
            });
        }
        Ok(if self.is_stale(now) {
            Freshness::Stale
        } else {
            Freshness::Fresh
        })
    }
}

/// The grant's `status.status_list` reference.
struct StatusRef<'c> {
    idx: usize,
    uri: &'c str,
}

/// Reads `status.status_list.{idx,uri}` from the grant.
pub(crate) fn status_reference_present(
    status: Option<&Object<StatusFields<'_>>>,
) -> Result<(), VerifyError> {
    status_reference(status).map(|_| ())
}

/// `status.status_list` of the grant: absent (or `status` not an object) is one error, then
/// `idx` and `uri` each must have their type (a `status_list` that is not an object has
/// neither).
fn status_reference<'c>(
    status: Option<&'c Object<StatusFields<'_>>>,
) -> Result<StatusRef<'c>, VerifyError> {
    let reference = status
        .and_then(|status| status.0.as_ref())
        .and_then(|status| status.status_list.as_ref())
        .ok_or_else(|| {
            VerifyError::StatusClaim(
                "grant has no status.status_list claim, so it cannot be checked against a status list"
                    .to_owned(),
            )
        })?;
    let fields: Option<&StatusListRefFields<'_>> = reference.0.as_ref();
    let idx = fields.and_then(|f| f.idx.as_ref());
    let idx = match idx {
        Some(Read::Expected(idx)) => usize::try_from(*idx).ok(),
        _ => None,
    }
    .ok_or_else(|| {
        let found = match idx {
            None => shown(None),
            Some(Read::Expected(n)) => shown(Some(&Value::from(*n))),
            Some(Read::Other(value)) => shown(Some(value)),
        };
        VerifyError::StatusClaim(format!(
            "status.status_list.idx must be a non-negative integer, found {found}"
        ))
    })?;
    let uri = fields.and_then(|f| f.uri.as_ref());
    let uri = match uri {
        Some(Read::Expected(uri)) => uri.as_ref(),
        _ => {
            return Err(VerifyError::StatusClaim(format!(
                "status.status_list.uri must be a string, found {}",
                shown_text(uri)
            )));
        }
    };
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
