//! Verifying what a brand signs (docs/protocol.md §1–3, §5): the request object, the brand's
//! receipt and the erasure receipt, against the JWK Set the brand publishes on its origin.
//!
//! A brand's token carries `kid` and **no** `jwk`: it is checked against the JWKS fetched from
//! `https://<origin>/.well-known/jwks.json`, never against a key the token brings along, or anyone
//! could sign "as" the brand. The checks run in the grant verifier's order: header policy, the
//! signature (`verify_strict`) under the JWKS key the `kid` names, and only then the claims.
//! Fetching the JWKS (https, bounded, no redirects) is the caller's job; this module does no I/O.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use serde_json::{Map, Value};
use vouchsafe_token::jwk::{CRV_ED25519, KTY_OKP, PublicJwk};
use vouchsafe_token::jws::{CompactJws, JwsError, is_ed25519_alg};
use vouchsafe_token::protocol::{
    BRAND_RECEIPT_TYP, BrandReceiptClaims, CONSENT_VERSION, CREDENTIAL_ID, ERASURE_RECEIPT_TYP,
    ErasureReceiptClaims, MAX_REQUEST_TTL_SECS, REQUEST_AUD, REQUEST_TYP, RESPONSE_MODE,
    RESPONSE_TYPE, RequestObjectClaims,
};
use vouchsafe_token::{GRANT_TYP, MAX_LEEWAY_SECS};

use crate::event::shown;
use crate::verify::header::typ_matches;

/// Why a brand's JWKS or token was refused. Variants appear in the order the checks run.
#[derive(Debug, thiserror::Error)]
pub enum BrandError {
    /// The JWK Set is not `{"keys": [...]}`, or holds no usable Ed25519 key.
    #[error("jwks: {0}")]
    Jwks(String),
    /// Not three base64url parts with a JSON object header.
    #[error("token structure: {0}")]
    Malformed(JwsError),
    /// `alg` is not `EdDSA`/`Ed25519`.
    #[error("header alg: {0} is not allowed; only \"EdDSA\" or \"Ed25519\"")]
    Algorithm(String),
    /// `typ` names another kind of token.
    #[error("header typ: {found} is not {expected:?}")]
    Type {
        /// The required type.
        expected: &'static str,
        /// What the header says.
        found: String,
    },
    /// `crit` is present: no extension is understood (RFC 7515 §4.1.11).
    #[error("header crit: {0} lists extensions this verifier does not understand")]
    Critical(String),
    /// The header brings its own `jwk`; a brand's tokens are checked against its JWKS only.
    #[error("header jwk: a brand's token must not carry a key; it is checked against the JWKS")]
    EmbeddedJwk,
    /// No `kid`, or one the JWKS does not hold.
    #[error("header kid: {0} is not a key of the brand's JWKS")]
    UnknownKid(String),
    /// The signature does not verify under the JWKS key.
    #[error("signature: {0}")]
    BadSignature(JwsError),
    /// The payload is not a JSON object.
    #[error("payload: {0}")]
    Payload(JwsError),
    /// `iss` (or `client_id`) is not the brand's origin.
    #[error("claim {claim}: {found} is not the brand's origin {expected:?}")]
    NotTheOrigin {
        /// `iss` or `client_id`.
        claim: &'static str,
        /// The origin the JWKS came from.
        expected: String,
        /// What the token says.
        found: String,
    },
    /// The claims do not have the documented shape.
    #[error("claims: {0}")]
    Shape(String),
    /// A claim breaks a rule of docs/protocol.md.
    #[error("claim {claim}: {rule}")]
    Rule {
        /// Claim name.
        claim: &'static str,
        /// What is wrong.
        rule: String,
    },
    /// The request expired (beyond the leeway).
    #[error("the request expired at {exp}; now is {now}")]
    Expired {
        /// The request's `exp`.
        exp: i64,
        /// The verification time.
        now: i64,
    },
}

/// A brand's JWK Set, reduced to its usable keys: OKP/Ed25519 keys whose `kid` is their RFC 7638
/// thumbprint. Other keys are ignored (docs/protocol.md §1), so a JWKS that also holds an RSA key
/// for another purpose still works; a `kid` that is not the thumbprint is ignored too, so that a
/// `kid` can never be re-bound to another key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandJwks {
    keys: BTreeMap<String, VerifyingKey>,
}

impl BrandJwks {
    /// Reads the body of `GET /.well-known/jwks.json` (duplicate member names are refused).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, BrandError> {
        let map = vouchsafe_token::json::parse_object(bytes)
            .map_err(|_| BrandError::Jwks("not a JSON object".into()))?;
        Self::from_value(&Value::Object(map))
    }

    /// Reads a JWK Set already parsed.
    pub fn from_value(jwks: &Value) -> Result<Self, BrandError> {
        let list = jwks
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| BrandError::Jwks("no \"keys\" array".into()))?;
        let mut keys = BTreeMap::new();
        for entry in list {
            if entry.get("kty").and_then(Value::as_str) != Some(KTY_OKP)
                || entry.get("crv").and_then(Value::as_str) != Some(CRV_ED25519)
            {
                continue;
            }
            let Ok(jwk) = PublicJwk::from_json(entry) else {
                continue;
            };
            let Ok(key) = jwk.to_verifying_key() else {
                continue;
            };
            let thumbprint = jwk.thumbprint();
            if entry.get("kid").and_then(Value::as_str) == Some(thumbprint.as_str()) {
                keys.insert(thumbprint, key);
            }
        }
        if keys.is_empty() {
            return Err(BrandError::Jwks(
                "no Ed25519 key whose kid is its RFC 7638 thumbprint".into(),
            ));
        }
        Ok(Self { keys })
    }

    /// The usable `kid`s.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}

/// A brand token whose header, signature and `iss` passed.
#[derive(Debug, Clone)]
pub struct VerifiedBrandToken {
    kid: String,
    claims: Map<String, Value>,
}

impl VerifiedBrandToken {
    /// The JWKS key that signed it.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The claims set.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// Consumes the token, returning its claims set.
    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }
}

/// Verifies a token the brand at `origin` signed, of type `typ`, against its `jwks`: header
/// (`alg` EdDSA/Ed25519, `typ`, no `crit`, no `jwk`, a `kid` of the JWKS), signature under that
/// key, then the payload as a JSON object whose `iss` is `origin`.
pub fn verify_brand_token(
    token: &str,
    jwks: &BrandJwks,
    typ: &'static str,
    origin: &str,
) -> Result<VerifiedBrandToken, BrandError> {
    let jws = CompactJws::parse(token).map_err(BrandError::Malformed)?;
    let header = jws.header();
    let alg = header.get("alg");
    if !alg.and_then(Value::as_str).is_some_and(is_ed25519_alg) {
        return Err(BrandError::Algorithm(shown(alg)));
    }
    let found = header.get("typ");
    if !found
        .and_then(Value::as_str)
        .is_some_and(|t| typ_matches(t, typ))
    {
        return Err(BrandError::Type {
            expected: typ,
            found: shown(found),
        });
    }
    if let Some(crit) = header.get("crit") {
        return Err(BrandError::Critical(shown(Some(crit))));
    }
    if header.contains_key("jwk") {
        return Err(BrandError::EmbeddedJwk);
    }
    let kid = header.get("kid");
    let (kid, key) = kid
        .and_then(Value::as_str)
        .and_then(|k| jwks.keys.get_key_value(k))
        .ok_or_else(|| BrandError::UnknownKid(shown(kid)))?;
    jws.verify_signature(key)
        .map_err(BrandError::BadSignature)?;
    let claims = jws.claims().map_err(BrandError::Payload)?;
    same(&claims, "iss", origin)?;
    Ok(VerifiedBrandToken {
        kid: kid.clone(),
        claims,
    })
}

/// Verifies a request object fetched from `request_uri` on `origin` at time `now`, with every
/// rule of docs/protocol.md §2 a vault applies before showing it: signed by the origin's JWKS,
/// `iss` = `client_id` = origin, `aud` `vouchsafe`, `vp_token`/`direct_post`, a life of at most
/// 10 minutes and not expired (60 s leeway), `response_uri` and `events_uri` on the origin, one
/// credential query for a grant with claim paths of one or two names, and a consent notice in
/// which every claim id appears in exactly one item. Whether the vault knows each claim path is
/// the vault's own check.
pub fn verify_request_object(
    token: &str,
    jwks: &BrandJwks,
    origin: &str,
    now: i64,
) -> Result<RequestObjectClaims, BrandError> {
    let verified = verify_brand_token(token, jwks, REQUEST_TYP, origin)?;
    same(verified.claims(), "client_id", origin)?;
    let request: RequestObjectClaims =
        serde_json::from_value(Value::Object(verified.into_claims())).map_err(shape)?;
    let rule = |claim: &'static str, rule: &str| BrandError::Rule {
        claim,
        rule: rule.to_owned(),
    };
    if request.aud != REQUEST_AUD {
        return Err(rule("aud", "must be \"vouchsafe\""));
    }
    if request.response_type != RESPONSE_TYPE || request.response_mode != RESPONSE_MODE {
        return Err(rule(
            "response_type",
            "response_type and response_mode must be vp_token and direct_post",
        ));
    }
    let life = request.exp.saturating_sub(request.iat);
    if life <= 0 || life > MAX_REQUEST_TTL_SECS {
        return Err(rule(
            "exp",
            "a request lives more than 0 and at most 600 seconds",
        ));
    }
    if now > request.exp.saturating_add(MAX_LEEWAY_SECS) {
        return Err(BrandError::Expired {
            exp: request.exp,
            now,
        });
    }
    if request.iat > now.saturating_add(MAX_LEEWAY_SECS) {
        return Err(rule("iat", "is in the future"));
    }
    on_origin("response_uri", &request.response_uri, origin)?;
    on_origin("events_uri", &request.vouchsafe_consent.events_uri, origin)?;
    if request.nonce.len() < 22 {
        return Err(rule(
            "nonce",
            "must carry at least 128 bits (22 base64url characters)",
        ));
    }
    let [credential] = request.dcql_query.credentials.as_slice() else {
        return Err(rule("dcql_query", "must hold exactly one credential query"));
    };
    if credential.id != CREDENTIAL_ID || credential.format != GRANT_TYP {
        return Err(rule(
            "dcql_query",
            "the credential query must be id \"profile\", format vnd.vouchsafe.grant+jwt",
        ));
    }
    let consent = &request.vouchsafe_consent;
    if consent.version != CONSENT_VERSION {
        return Err(rule("vouchsafe_consent", "unknown version"));
    }
    let mut ids = BTreeMap::new();
    for claim in &credential.claims {
        let valid_id = !claim.id.is_empty()
            && claim
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid_id || claim.path.is_empty() || claim.path.len() > 2 {
            return Err(rule(
                "dcql_query",
                "a claim has an id of letters, digits, _ and - and a path of one or two names",
            ));
        }
        if ids.insert(claim.id.as_str(), 0u32).is_some() {
            return Err(rule("dcql_query", "a claim id appears twice"));
        }
    }
    for item in &consent.items {
        if item.purpose.values().all(|t| t.trim().is_empty()) {
            return Err(rule("vouchsafe_consent", "an item has no purpose"));
        }
        for id in &item.claims {
            match ids.get_mut(id.as_str()) {
                Some(count) => *count += 1,
                None => {
                    return Err(rule(
                        "vouchsafe_consent",
                        "an item names an unknown claim id",
                    ));
                }
            }
        }
    }
    if ids.values().any(|&count| count != 1) {
        return Err(rule(
            "vouchsafe_consent",
            "every claim id must appear in exactly one item",
        ));
    }
    Ok(request)
}

/// Verifies the brand's receipt for a delivered grant (docs/protocol.md §3). The caller then
/// compares `grant.jti` and `grant.sha256` with the grant it sent, and `aud` with its own
/// per-brand identifier.
pub fn verify_brand_receipt(
    token: &str,
    jwks: &BrandJwks,
    origin: &str,
) -> Result<BrandReceiptClaims, BrandError> {
    let claims = verify_brand_token(token, jwks, BRAND_RECEIPT_TYP, origin)?.into_claims();
    let receipt: BrandReceiptClaims =
        serde_json::from_value(Value::Object(claims)).map_err(shape)?;
    on_origin("events_uri", &receipt.events_uri, origin)?;
    Ok(receipt)
}

/// Verifies an erasure receipt (docs/protocol.md §5). The caller compares `event` and `grant`
/// with the event it sent.
pub fn verify_erasure_receipt(
    token: &str,
    jwks: &BrandJwks,
    origin: &str,
) -> Result<ErasureReceiptClaims, BrandError> {
    let claims = verify_brand_token(token, jwks, ERASURE_RECEIPT_TYP, origin)?.into_claims();
    serde_json::from_value(Value::Object(claims)).map_err(shape)
}

fn shape(err: serde_json::Error) -> BrandError {
    BrandError::Shape(err.to_string())
}

fn same(claims: &Map<String, Value>, claim: &'static str, origin: &str) -> Result<(), BrandError> {
    let found = claims.get(claim);
    if found.and_then(Value::as_str) == Some(origin) {
        Ok(())
    } else {
        Err(BrandError::NotTheOrigin {
            claim,
            expected: origin.to_owned(),
            found: shown(found),
        })
    }
}

/// A URL on `origin`: the origin followed by `/` (so `https://shop.example.evil` and
/// `https://shop.example@evil` are not on `https://shop.example`).
fn on_origin(claim: &'static str, url: &str, origin: &str) -> Result<(), BrandError> {
    match url.strip_prefix(origin) {
        Some(rest) if rest.starts_with('/') => Ok(()),
        _ => Err(BrandError::Rule {
            claim,
            rule: format!(
                "{} is not on the brand's origin",
                shown(Some(&Value::from(url)))
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vouchsafe_token::SigningKey;
    use vouchsafe_token::jws::{ALG_EDDSA, Header, sign_compact};

    type Res<T> = Result<T, Box<dyn std::error::Error>>;

    const ORIGIN: &str = "https://shop.example";
    const NOW: i64 = 1_800_000_000;

    fn brand(seed: u8) -> (SigningKey, PublicJwk) {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
        (key, jwk)
    }

    fn jwks_of(jwk: &PublicJwk) -> Value {
        json!({"keys": [
            {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "rsa"},
            {"kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "kid": jwk.thumbprint(), "alg": "EdDSA"},
        ]})
    }

    fn header(typ: &str, jwk: &PublicJwk) -> Header {
        Header {
            alg: ALG_EDDSA.into(),
            typ: Some(typ.into()),
            kid: Some(jwk.thumbprint()),
            jwk: None,
        }
    }

    fn request(nonce: &str) -> Value {
        json!({
            "iss": ORIGIN, "client_id": ORIGIN, "aud": "vouchsafe", "iat": NOW, "exp": NOW + 600,
            "response_type": "vp_token", "response_mode": "direct_post",
            "response_uri": format!("{ORIGIN}/vouchsafe/response"),
            "nonce": nonce, "state": "s",
            "client_metadata": {"client_name": "Café"},
            "dcql_query": {"credentials": [{"id": "profile", "format": GRANT_TYP, "claims": [
                {"id": "email", "path": ["email"]},
                {"id": "address-locality", "path": ["address", "locality"]},
            ]}]},
            "vouchsafe_consent": {
                "version": 1,
                "items": [
                    {"claims": ["email"], "required": true, "purpose": {"en": "coupon"}},
                    {"claims": ["address-locality"], "required": false, "purpose": {"en": "shop"}},
                ],
                "purpose_category": "https://w3id.org/dpv#ServicePersonalisation",
                "retention": "P1Y", "channels": [{"channel": "email", "kind": "info"}],
                "offer": {"en": "a coffee"}, "refusal": {"en": "no coffee"},
                "events_uri": format!("{ORIGIN}/vouchsafe/events"),
            },
        })
    }

    const NONCE: &str = "AAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn a_request_signed_by_a_jwks_key_verifies_typed() -> Res<()> {
        let (key, jwk) = brand(3);
        let jwks = BrandJwks::from_value(&jwks_of(&jwk))?;
        assert_eq!(jwks.kids().collect::<Vec<_>>(), vec![jwk.thumbprint()]);
        let token = sign_compact(&header(REQUEST_TYP, &jwk), &request(NONCE), &key)?;
        let claims = verify_request_object(&token, &jwks, ORIGIN, NOW + 10)?;
        assert_eq!(claims.nonce, NONCE);
        assert_eq!(claims.vouchsafe_consent.items.len(), 2);
        // The same bytes as a receipt type are refused by typ.
        let err = verify_brand_receipt(&token, &jwks, ORIGIN)
            .err()
            .ok_or("accepted")?;
        assert!(matches!(err, BrandError::Type { .. }), "{err}");
        Ok(())
    }

    #[test]
    fn refusals_name_the_rule() -> Res<()> {
        let (key, jwk) = brand(3);
        let (other_key, other) = brand(4);
        let jwks = BrandJwks::from_value(&jwks_of(&jwk))?;
        let sign = |h: &Header, c: &Value, k: &SigningKey| sign_compact(h, c, k);
        let edit = |f: &dyn Fn(&mut Value)| {
            let mut c = request(NONCE);
            f(&mut c);
            sign(&header(REQUEST_TYP, &jwk), &c, &key)
        };
        let with_jwk = Header {
            jwk: Some(jwk.clone()),
            ..header(REQUEST_TYP, &jwk)
        };
        let cases: Vec<(String, &str)> = vec![
            ("a.b".into(), "token structure"),
            (
                sign(&with_jwk, &request(NONCE), &key)?,
                "must not carry a key",
            ),
            (
                sign(&header(REQUEST_TYP, &other), &request(NONCE), &other_key)?,
                "kid",
            ),
            (
                {
                    // Right kid, signed by another key.
                    sign(&header(REQUEST_TYP, &jwk), &request(NONCE), &other_key)?
                },
                "signature",
            ),
            (edit(&|c| c["iss"] = json!("https://evil.example"))?, "iss"),
            (
                edit(&|c| c["client_id"] = json!("https://evil.example"))?,
                "client_id",
            ),
            (edit(&|c| c["exp"] = json!(NOW + 601))?, "600"),
            (
                edit(&|c| c["response_uri"] = json!("https://shop.example.evil/r"))?,
                "response_uri",
            ),
            (
                edit(&|c| c["vouchsafe_consent"]["events_uri"] = json!("https://evil.example/e"))?,
                "events_uri",
            ),
            (edit(&|c| c["nonce"] = json!("short"))?, "nonce"),
            (
                edit(&|c| c["vouchsafe_consent"]["items"][1]["claims"] = json!([]))?,
                "exactly one item",
            ),
            (
                edit(&|c| {
                    c["dcql_query"]["credentials"][0]["claims"][0]["path"] = json!(["a", "b", "c"])
                })?,
                "one or two names",
            ),
            (
                edit(&|c| c["response_mode"] = json!("fragment"))?,
                "direct_post",
            ),
            (edit(&|c| c["aud"] = json!(["vouchsafe"]))?, "claims"),
        ];
        for (token, text) in cases {
            let err = verify_request_object(&token, &jwks, ORIGIN, NOW)
                .err()
                .ok_or(text)?;
            assert!(err.to_string().contains(text), "{text}: {err}");
        }
        let token = sign(&header(REQUEST_TYP, &jwk), &request(NONCE), &key)?;
        let err = verify_request_object(&token, &jwks, ORIGIN, NOW + 600 + 61)
            .err()
            .ok_or("expired accepted")?;
        assert!(matches!(err, BrandError::Expired { .. }), "{err}");
        Ok(())
    }

    #[test]
    fn a_jwks_without_a_usable_key_is_refused() {
        let (_, jwk) = brand(3);
        for jwks in [
            json!({}),
            json!({"keys": []}),
            json!({"keys": [{"kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "kid": "not-the-thumbprint"}]}),
        ] {
            assert!(BrandJwks::from_value(&jwks).is_err(), "{jwks}");
        }
        assert!(BrandJwks::from_slice(br#"{"keys": [], "keys": []}"#).is_err());
    }

    #[test]
    fn receipts_verify_typed() -> Res<()> {
        let (key, jwk) = brand(3);
        let jwks = BrandJwks::from_value(&jwks_of(&jwk))?;
        let receipt = json!({
            "iss": ORIGIN, "aud": "urn:x", "iat": NOW, "jti": "r",
            "grant": {"jti": "g", "sha256": "h"}, "received": ["email"],
            "retention": {"period": "P1Y", "until": NOW + 365 * 86_400},
            "channels": [], "events_uri": format!("{ORIGIN}/vouchsafe/events"),
        });
        let token = sign_compact(&header(BRAND_RECEIPT_TYP, &jwk), &receipt, &key)?;
        assert_eq!(
            verify_brand_receipt(&token, &jwks, ORIGIN)?.grant.sha256,
            "h"
        );
        let erasure = json!({
            "iss": ORIGIN, "aud": "urn:x", "iat": NOW, "jti": "r", "event": "e", "grant": "g",
            "erased": ["email"], "requested_at": NOW - 5, "erased_at": NOW,
        });
        let token = sign_compact(&header(ERASURE_RECEIPT_TYP, &jwk), &erasure, &key)?;
        assert_eq!(verify_erasure_receipt(&token, &jwks, ORIGIN)?.event, "e");
        let err = verify_erasure_receipt(&token, &jwks, "https://other.example")
            .err()
            .ok_or("accepted")?;
        assert!(
            matches!(err, BrandError::NotTheOrigin { claim: "iss", .. }),
            "{err}"
        );
        Ok(())
    }
}
