//! Verifying a Security Event Token from a vault (RFC 8417, docs/protocol.md §4).
//!
//! A SET is signed with the same per-brand consumer key as the grants it concerns, and carries the
//! key the same way: `jwk` in the header, `kid` its thumbprint, `iss` its thumbprint URN. So the
//! rules are the grant's, in the same order and for the same reasons (RFC 8725): the header picks
//! no algorithm, the signature is checked under the header key **before** any claim is decoded,
//! and only then `iss`, `aud`, `jti`, `iat`, `sub_id` and "exactly one event" are read. The event
//! payload is read last, by [`VerifiedSet::event`], so that a brand can first check that the
//! grant named by `sub_id` is one it holds and that its consumer signed the SET.
//!
//! Each error maps to one RFC 8935 §2.4 code ([`SetError::code`]), which is what a brand answers.

use serde_json::{Map, Value};
use vouchsafe_token::jwk::{PublicJwk, THUMBPRINT_URN_PREFIX};
use vouchsafe_token::jws::{JwsError, SplitJws};
use vouchsafe_token::protocol::{Event, EventError, SET_TYP, SUB_ID_FORMAT, SetClaims};

pub(crate) use crate::verify::error::shown;
use crate::verify::header::{self, HeaderFault, HeaderKey};
use crate::verify::{HeaderError, IssuerPolicy};

/// What the brand expects of a SET. No `Default`: the audience and the issuer policy are stated.
#[derive(Debug, Clone)]
pub struct SetOptions {
    /// The brand's origin; `aud` must name it.
    pub audience: String,
    /// Which consumer's events are accepted: [`IssuerPolicy::AnyConsumer`] when the brand looks
    /// up the grant by `sub_id` afterwards and compares [`VerifiedSet::issuer`] with the grant's
    /// consumer; [`IssuerPolicy::Pinned`]/[`IssuerPolicy::PinnedKey`] when it already knows who.
    pub issuer: IssuerPolicy,
}

/// The RFC 8935 §2.4 error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetErrorCode {
    /// Not a SET, malformed, a header or claim that breaks the rules, unknown event type.
    InvalidRequest,
    /// The signature does not verify, the header key is unusable, or the signer is not the
    /// expected consumer.
    InvalidKey,
    /// `iss` is not the signing key's thumbprint URN (or the grant is unknown: the brand's call).
    InvalidIssuer,
    /// `aud` is not the brand.
    InvalidAudience,
}

impl SetErrorCode {
    /// The `err` member of the RFC 8935 answer.
    pub fn as_str(self) -> &'static str {
        match self {
            SetErrorCode::InvalidRequest => "invalid_request",
            SetErrorCode::InvalidKey => "invalid_key",
            SetErrorCode::InvalidIssuer => "invalid_issuer",
            SetErrorCode::InvalidAudience => "invalid_audience",
        }
    }
}

/// Why a SET was refused. Variants appear in the order the checks run.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// Not three base64url parts with a JSON object header.
    #[error("not a SET: {0}")]
    Malformed(JwsError),
    /// The header breaks policy (`alg`, `typ`, `crit`, `jwk`, `kid`).
    #[error("header {0}")]
    Header(HeaderError),
    /// The signature does not verify under the header key.
    #[error("signature: {0}")]
    BadSignature(JwsError),
    /// The payload is not a JSON object.
    #[error("payload: {0}")]
    Payload(JwsError),
    /// A required claim is absent.
    #[error("claim {0}: missing")]
    MissingClaim(&'static str),
    /// A claim has the wrong shape.
    #[error("claim {claim}: must be {expected}")]
    InvalidClaim {
        /// Claim name.
        claim: &'static str,
        /// The required shape.
        expected: &'static str,
    },
    /// `iss` is not the thumbprint URN of the signing key.
    #[error("claim iss: {iss:?} is not the thumbprint URN of the signing key")]
    IssuerNotKeyBound {
        /// The SET's `iss`.
        iss: String,
    },
    /// Signed by another consumer than the policy pins.
    #[error("not signed by the key of the expected consumer {expected:?}")]
    UnexpectedIssuer {
        /// The pinned consumer.
        expected: String,
    },
    /// `aud` does not name the brand.
    #[error("claim aud: {expected:?} is not among {found:?}")]
    AudienceMismatch {
        /// The brand's origin.
        expected: String,
        /// The SET's audiences.
        found: Vec<String>,
    },
    /// `events` does not hold exactly one event.
    #[error("claim events: {0}")]
    Events(EventError),
}

impl SetError {
    /// The RFC 8935 code a brand answers with.
    pub fn code(&self) -> SetErrorCode {
        match self {
            SetError::Header(
                HeaderError::MissingJwk
                | HeaderError::InvalidJwk(_)
                | HeaderError::KidMismatch { .. },
            )
            | SetError::BadSignature(_)
            | SetError::UnexpectedIssuer { .. } => SetErrorCode::InvalidKey,
            SetError::IssuerNotKeyBound { .. } => SetErrorCode::InvalidIssuer,
            SetError::AudienceMismatch { .. } => SetErrorCode::InvalidAudience,
            SetError::Malformed(_)
            | SetError::Header(_)
            | SetError::Payload(_)
            | SetError::MissingClaim(_)
            | SetError::InvalidClaim { .. }
            | SetError::Events(_) => SetErrorCode::InvalidRequest,
        }
    }
}

/// A SET whose header, signature and envelope claims passed. Only [`verify_set`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedSet {
    claims: Map<String, Value>,
    jwk: PublicJwk,
    issuer: String,
    jti: String,
    iat: i64,
    grant_jti: String,
    event_type: String,
    payload: Value,
}

impl VerifiedSet {
    /// The whole claims set.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The signer's key (the consumer's per-brand key).
    pub fn jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    /// `iss`: the consumer's thumbprint URN.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `jti`: the event's id, by which it is deduplicated.
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// `iat`.
    pub fn iat(&self) -> i64 {
        self.iat
    }

    /// `sub_id.id`: the `jti` of the grant the event concerns.
    pub fn grant_jti(&self) -> &str {
        &self.grant_jti
    }

    /// The event type URI (the one member of `events`), not yet checked against known types.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The event, typed: fails for an unknown type or a payload that does not fit it.
    pub fn event(&self) -> Result<Event, EventError> {
        Event::from_parts(&self.event_type, self.payload.clone())
    }

    /// The claims as the typed [`SetClaims`] (fails as [`Self::event`] does).
    pub fn typed_claims(&self) -> Result<SetClaims, serde_json::Error> {
        serde_json::from_value(Value::Object(self.claims.clone()))
    }
}

/// Verifies a SET (compact JWS) against `opts`.
///
/// Order: structure; header (`alg` EdDSA/Ed25519, `typ` `secevent+jwt`, no `crit`, a valid
/// Ed25519 `jwk`, `kid` if present equal to its thumbprint); signature (`verify_strict`) under
/// that key; only then the payload as a JSON object and its claims: `iss` = the key's thumbprint
/// URN, the issuer policy, `aud` names the audience, `jti` a non-empty string, `iat` an integer,
/// `sub_id` `{"format": "opaque", "id": <grant jti>}`, `events` exactly one member whose value is
/// an object.
pub fn verify_set(token: &str, opts: &SetOptions) -> Result<VerifiedSet, SetError> {
    let jws = SplitJws::split(token).map_err(SetError::Malformed)?;
    // The grant verifier's header policy, for `typ` `secevent+jwt`.
    let HeaderKey { jwk, key, .. } = header::check(&jws, SET_TYP, None).map_err(|e| match e {
        HeaderFault::Structure(e) => SetError::Malformed(e),
        HeaderFault::Policy(e) => SetError::Header(e),
    })?;
    jws.verify_signature(&key).map_err(SetError::BadSignature)?;
    let claims = jws.claims().map_err(SetError::Payload)?;
    let jwk = std::sync::Arc::unwrap_or_clone(jwk);

    let urn = format!("{THUMBPRINT_URN_PREFIX}{}", jwk.thumbprint());
    let iss = string(&claims, "iss")?;
    if iss != urn {
        return Err(SetError::IssuerNotKeyBound {
            iss: iss.to_owned(),
        });
    }
    let expected = match &opts.issuer {
        IssuerPolicy::Pinned(expected) => Some(expected.as_str()),
        IssuerPolicy::PinnedKey(consumer) => Some(consumer.urn()),
        IssuerPolicy::AnyConsumer => None,
    };
    if let Some(expected) = expected
        && expected != iss
    {
        return Err(SetError::UnexpectedIssuer {
            expected: expected.to_owned(),
        });
    }
    let audience = audiences(&claims)?;
    if !audience.contains(&opts.audience) {
        return Err(SetError::AudienceMismatch {
            expected: opts.audience.clone(),
            found: audience,
        });
    }
    let jti = string(&claims, "jti")?;
    if jti.is_empty() {
        return Err(SetError::InvalidClaim {
            claim: "jti",
            expected: "a non-empty string",
        });
    }
    let iat = match claims.get("iat") {
        None => return Err(SetError::MissingClaim("iat")),
        Some(v) => v.as_i64().ok_or(SetError::InvalidClaim {
            claim: "iat",
            expected: "an integer NumericDate",
        })?,
    };
    let grant_jti = match claims.get("sub_id") {
        None => return Err(SetError::MissingClaim("sub_id")),
        Some(Value::Object(sub))
            if sub.get("format").and_then(Value::as_str) == Some(SUB_ID_FORMAT) =>
        {
            sub.get("id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
        }
        Some(_) => None,
    }
    .ok_or(SetError::InvalidClaim {
        claim: "sub_id",
        expected: "{\"format\": \"opaque\", \"id\": <grant jti>}",
    })?
    .to_owned();
    let (event_type, payload) = match claims.get("events") {
        None => return Err(SetError::MissingClaim("events")),
        Some(Value::Object(events)) => {
            let mut members = events.iter();
            match (members.next(), members.next()) {
                (Some((kind, payload)), None) if payload.is_object() => {
                    (kind.clone(), payload.clone())
                }
                (Some(_), None) => {
                    return Err(SetError::InvalidClaim {
                        claim: "events",
                        expected: "an object whose event payload is an object",
                    });
                }
                _ => return Err(SetError::Events(EventError::Count(events.len()))),
            }
        }
        Some(_) => {
            return Err(SetError::InvalidClaim {
                claim: "events",
                expected: "an object",
            });
        }
    };

    Ok(VerifiedSet {
        jti: jti.to_owned(),
        issuer: iss.to_owned(),
        claims,
        jwk,
        iat,
        grant_jti,
        event_type,
        payload,
    })
}

fn string<'c>(claims: &'c Map<String, Value>, claim: &'static str) -> Result<&'c str, SetError> {
    match claims.get(claim) {
        None => Err(SetError::MissingClaim(claim)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(SetError::InvalidClaim {
            claim,
            expected: "a string",
        }),
    }
}

/// `aud` as a list: a string or a non-empty array of strings (RFC 7519 §4.1.3).
fn audiences(claims: &Map<String, Value>) -> Result<Vec<String>, SetError> {
    let bad = SetError::InvalidClaim {
        claim: "aud",
        expected: "a string or a non-empty array of strings",
    };
    match claims.get("aud") {
        None => Err(SetError::MissingClaim("aud")),
        Some(Value::String(aud)) => Ok(vec![aud.clone()]),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or(bad),
        Some(_) => Err(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::PinnedConsumer;
    use serde_json::json;
    use std::sync::Arc;
    use vouchsafe_token::SigningKey;
    use vouchsafe_token::jws::{self, Header, sign_compact};
    use vouchsafe_token::protocol::{GRANT_REVOKED, GrantRevoked, SubjectId};

    type Res<T> = Result<T, Box<dyn std::error::Error>>;

    const AUD: &str = "https://shop.example";

    fn consumer(seed: u8) -> (SigningKey, PublicJwk) {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
        (key, jwk)
    }

    fn claims(jwk: &PublicJwk) -> Value {
        json!({
            "iss": jwk.thumbprint_urn(), "aud": AUD, "iat": 1_800_000_000, "jti": "e-1",
            "sub_id": {"format": "opaque", "id": "g-1"},
            "events": {GRANT_REVOKED: {"revoked_at": 1_800_000_000, "status_list": "x"}},
        })
    }

    fn sign(header: &Header, claims: &Value, key: &SigningKey) -> Res<String> {
        Ok(sign_compact(header, claims, key)?)
    }

    fn any() -> SetOptions {
        SetOptions {
            audience: AUD.into(),
            issuer: IssuerPolicy::AnyConsumer,
        }
    }

    #[test]
    fn a_well_formed_set_verifies_and_its_event_is_typed() -> Res<()> {
        let (key, jwk) = consumer(1);
        let token = sign(&jws::header_for(SET_TYP, &jwk), &claims(&jwk), &key)?;
        let set = verify_set(&token, &any())?;
        assert_eq!(
            (set.jti(), set.grant_jti(), set.event_type()),
            ("e-1", "g-1", GRANT_REVOKED)
        );
        assert_eq!(
            set.event()?,
            Event::GrantRevoked(GrantRevoked {
                revoked_at: 1_800_000_000,
                status_list: "x".into()
            })
        );
        assert_eq!(set.typed_claims()?.sub_id, SubjectId::grant("g-1"));
        // Pinned by URN and by key: the same answer; another consumer is refused as invalid_key.
        let pinned = PinnedConsumer::new(&jwk)?;
        for issuer in [
            IssuerPolicy::Pinned(jwk.thumbprint_urn()),
            IssuerPolicy::PinnedKey(Arc::new(pinned)),
        ] {
            let opts = SetOptions {
                audience: AUD.into(),
                issuer,
            };
            assert_eq!(verify_set(&token, &opts)?.jti(), "e-1");
        }
        let (_, other) = consumer(2);
        let opts = SetOptions {
            audience: AUD.into(),
            issuer: IssuerPolicy::PinnedKey(Arc::new(PinnedConsumer::new(&other)?)),
        };
        let err = verify_set(&token, &opts).err().ok_or("accepted")?;
        assert_eq!(err.code(), SetErrorCode::InvalidKey, "{err}");
        Ok(())
    }

    #[test]
    fn every_refusal_has_its_rfc_8935_code() -> Res<()> {
        let (key, jwk) = consumer(1);
        let (other_key, other) = consumer(2);
        let header = jws::header_for(SET_TYP, &jwk);
        let with = |edit: &dyn Fn(&mut Value)| -> Res<String> {
            let mut c = claims(&jwk);
            edit(&mut c);
            sign(&header, &c, &key)
        };
        let cases: Vec<(String, SetErrorCode, &str)> = vec![
            ("x.y".into(), SetErrorCode::InvalidRequest, "not a SET"),
            (
                sign(&jws::header_for("JWT", &jwk), &claims(&jwk), &key)?,
                SetErrorCode::InvalidRequest,
                "typ",
            ),
            (
                {
                    let mut h = header.clone();
                    h.jwk = None;
                    sign(&h, &claims(&jwk), &key)?
                },
                SetErrorCode::InvalidKey,
                "jwk",
            ),
            (
                {
                    let mut h = header.clone();
                    h.kid = Some("k".into());
                    sign(&h, &claims(&jwk), &key)?
                },
                SetErrorCode::InvalidKey,
                "kid",
            ),
            (
                // Header names one key, another signed: the signature check catches it.
                {
                    let token = sign(&jws::header_for(SET_TYP, &other), &claims(&jwk), &other_key)?;
                    let (_, sig) = token.rsplit_once('.').ok_or("dot")?;
                    let good = sign(&header, &claims(&jwk), &key)?;
                    let (input, _) = good.rsplit_once('.').ok_or("dot")?;
                    format!("{input}.{sig}")
                },
                SetErrorCode::InvalidKey,
                "signature",
            ),
            (
                sign(&jws::header_for(SET_TYP, &other), &claims(&jwk), &other_key)?,
                SetErrorCode::InvalidIssuer,
                "iss",
            ),
            (
                with(&|c| c["aud"] = json!("https://other.example"))?,
                SetErrorCode::InvalidAudience,
                "aud",
            ),
            (
                with(&|c| c["jti"] = json!(""))?,
                SetErrorCode::InvalidRequest,
                "jti",
            ),
            (
                with(&|c| c["iat"] = json!("now"))?,
                SetErrorCode::InvalidRequest,
                "iat",
            ),
            (
                with(&|c| c["sub_id"] = json!({"format": "email", "id": "a@b"}))?,
                SetErrorCode::InvalidRequest,
                "sub_id",
            ),
            (
                with(&|c| c["events"] = json!({}))?,
                SetErrorCode::InvalidRequest,
                "exactly one",
            ),
            (
                with(&|c| c["events"] = json!({"a": {}, "b": {}}))?,
                SetErrorCode::InvalidRequest,
                "exactly one",
            ),
            (
                with(&|c| c["events"] = json!({"a": 1}))?,
                SetErrorCode::InvalidRequest,
                "events",
            ),
        ];
        for (token, code, text) in cases {
            let err = verify_set(&token, &any()).err().ok_or(text)?;
            assert_eq!(err.code(), code, "{text}: {err}");
            assert!(err.to_string().contains(text), "{text}: {err}");
        }
        Ok(())
    }

    #[test]
    fn the_payload_is_not_read_before_the_signature() -> Res<()> {
        // A payload that is not JSON, under a bad signature, reports the signature.
        let (key, jwk) = consumer(1);
        let header = jws::header_for(SET_TYP, &jwk);
        let token = jws::sign_compact_payload(&header, b"not json", &key)?;
        let err = verify_set(&token, &any()).err().ok_or("accepted")?;
        assert!(matches!(err, SetError::Payload(_)), "{err}");
        let (input, _) = token.rsplit_once('.').ok_or("dot")?;
        let forged = format!("{input}.{}", vouchsafe_token::b64::encode([0u8; 64]));
        let err = verify_set(&forged, &any()).err().ok_or("accepted")?;
        assert!(matches!(err, SetError::BadSignature(_)), "{err}");
        Ok(())
    }
}
