//! Header policy (RFC 8725 §3.1, §3.11): which algorithm, which token type, which key.
//!
//! These checks run before the signature so that the token's own header never gets to choose a
//! weaker algorithm or a different kind of token; the key they yield is the only one the
//! signature is checked against.

use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use vouchsafe_token::json::{Object, Read, Text, read_object};
use vouchsafe_token::jws::{HeaderFields, JwkFields, JwsError, SplitJws, is_ed25519_alg};

use super::error::{HeaderError, shown, shown_text};
use vouchsafe_token::jwk::{JwkError, PublicJwk};

/// The signer's key as the header states it, validated but not yet proven by the signature.
/// Shared (`Arc`) so that a pinned consumer's key, or a batch's repeated header, is handed to
/// each grant without copying.
#[derive(Debug, Clone)]
pub(crate) struct HeaderKey {
    pub(crate) jwk: Arc<PublicJwk>,
    pub(crate) key: VerifyingKey,
    pub(crate) thumbprint: Arc<str>,
}

/// A key the caller has already validated and decoded (a pinned consumer). A header `jwk` equal
/// to it reuses the decoded point and thumbprint instead of computing them again.
pub(crate) struct KnownKey<'k> {
    pub(crate) jwk: &'k Arc<PublicJwk>,
    pub(crate) key: &'k VerifyingKey,
    pub(crate) thumbprint: &'k Arc<str>,
}

/// Why a header was refused: not a JSON object at all, or against the policy.
#[derive(Debug)]
pub(crate) enum HeaderFault {
    /// Not JSON, a repeated member name, or not an object (`Part::Header`).
    Structure(JwsError),
    /// A policy violation.
    Policy(HeaderError),
}

/// Reads the header of `jws` (only the members the policy looks at; every other member is
/// checked as JSON and dropped) and applies the policy for a token of type `typ`.
pub(crate) fn check(
    jws: &SplitJws<'_>,
    typ: &'static str,
    known: Option<KnownKey<'_>>,
) -> Result<HeaderKey, HeaderFault> {
    let fields: HeaderFields<'_> = jws.read_header().map_err(HeaderFault::Structure)?;
    check_fields(&fields, typ, known).map_err(HeaderFault::Policy)
}

/// Whether header `bytes` pass the policy for `typ` with `known` as the header key, and yield
/// exactly that key: how a pinned consumer's own header is checked once, before tokens carrying
/// it skip the check (`SplitJws::split_known`).
pub(crate) fn accepts_as_known(bytes: &[u8], typ: &'static str, known: KnownKey<'_>) -> bool {
    let expected = (
        *known.key,
        Arc::clone(known.thumbprint),
        Arc::clone(known.jwk),
    );
    read_object::<HeaderFields<'_>>(bytes).is_ok_and(|fields| {
        check_fields(&fields, typ, Some(known))
            .is_ok_and(|key| (key.key, key.thumbprint, key.jwk) == expected)
    })
}

/// Applies the header policy, in order: `alg`, `typ`, `crit`, `jwk`, `kid`.
fn check_fields(
    header: &HeaderFields<'_>,
    typ: &'static str,
    known: Option<KnownKey<'_>>,
) -> Result<HeaderKey, HeaderError> {
    let alg = header.alg.as_ref();
    if !alg.and_then(Text::as_str).is_some_and(is_ed25519_alg) {
        return Err(HeaderError::Algorithm(shown_text(alg)));
    }

    let found_typ = header.typ.as_ref();
    if !found_typ
        .and_then(Text::as_str)
        .is_some_and(|found| typ_matches(found, typ))
    {
        return Err(HeaderError::Type {
            expected: typ,
            found: shown_text(found_typ),
        });
    }

    // RFC 7515 §4.1.11: a recipient that does not understand every listed extension must
    // reject the token; an empty or malformed `crit` is invalid as well. We understand none.
    if let Some(crit) = &header.crit {
        return Err(HeaderError::Critical(shown(Some(crit))));
    }

    let jwk_fields = header.jwk.as_ref().ok_or(HeaderError::MissingJwk)?;
    let jwk = jwk_from_fields(jwk_fields).map_err(HeaderError::InvalidJwk)?;
    // Equal members mean the very key the caller validated; any other key (including another
    // spelling of the same point, which decoding would refuse) takes the full path, whose
    // first step is the `kty`/`crv` check.
    let (jwk, key, thumbprint) = match known {
        Some(known) if **known.jwk == jwk => (
            Arc::clone(known.jwk),
            *known.key,
            Arc::clone(known.thumbprint),
        ),
        _ => {
            let key = jwk.to_verifying_key().map_err(HeaderError::InvalidJwk)?;
            let thumbprint = Arc::from(jwk.thumbprint());
            (Arc::new(jwk), key, thumbprint)
        }
    };

    if let Some(kid) = &header.kid
        && kid.as_str() != Some(&*thumbprint)
    {
        return Err(HeaderError::KidMismatch {
            kid: shown_text(Some(kid)),
            thumbprint: thumbprint.to_string(),
        });
    }

    Ok(HeaderKey {
        jwk,
        key,
        thumbprint,
    })
}

/// The header `jwk` as [`PublicJwk::from_json`] reads it, with the same errors in the same
/// order: not an object, a private `d`, then `kty`, `crv`, `x` missing or not strings. The
/// `kty`/`crv` values themselves are checked by [`PublicJwk::to_verifying_key`].
fn jwk_from_fields(fields: &Object<JwkFields<'_>>) -> Result<PublicJwk, JwkError> {
    let fields = fields.0.as_ref().ok_or(JwkError::NotObject)?;
    if fields.has_d {
        return Err(JwkError::PrivateKeyIncluded);
    }
    let member = |member: &Option<Text<'_>>, name: &'static str| match member {
        Some(Read::Expected(text)) => Ok(text.as_ref().to_owned()),
        _ => Err(JwkError::MissingMember(name)),
    };
    Ok(PublicJwk {
        kty: member(&fields.kty, "kty")?,
        crv: member(&fields.crv, "crv")?,
        x: member(&fields.x, "x")?,
    })
}

/// RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, and the
/// `application/` prefix may be omitted. Shared with the brand-token checks (`crate::brand`).
pub(crate) fn typ_matches(found: &str, expected: &str) -> bool {
    const PREFIX: &str = "application/";
    let bare = match found.get(..PREFIX.len()) {
        Some(head) if head.eq_ignore_ascii_case(PREFIX) => found.get(PREFIX.len()..),
        _ => Some(found),
    };
    bare.is_some_and(|bare| bare.eq_ignore_ascii_case(expected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use serde_json::json;
    use serde_json::{Map, Value};
    use vouchsafe_token::GRANT_TYP;

    /// The policy applied to a header given as a map, through the bytes the verifier reads.
    fn check(
        header: &Map<String, Value>,
        typ: &'static str,
        known: Option<KnownKey<'_>>,
    ) -> Result<HeaderKey, HeaderError> {
        let bytes = serde_json::to_vec(header).expect("a map serializes");
        let fields: HeaderFields<'_> = read_object(&bytes).expect("a map is a JSON object");
        check_fields(&fields, typ, known)
    }

    fn header(overrides: Value) -> Map<String, Value> {
        let jwk = PublicJwk::from_verifying_key(&SigningKey::from_bytes(&[1; 32]).verifying_key());
        let mut base = json!({
            "alg": "EdDSA", "typ": GRANT_TYP, "kid": jwk.thumbprint(), "jwk": jwk,
        });
        if let (Some(base), Some(overrides)) = (base.as_object_mut(), overrides.as_object()) {
            for (k, v) in overrides {
                if v.is_null() {
                    base.remove(k);
                } else {
                    base.insert(k.clone(), v.clone());
                }
            }
        }
        base.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn accepts_the_vouchsafe_header_and_both_alg_names() {
        assert!(check(&header(json!({})), GRANT_TYP, None).is_ok());
        assert!(check(&header(json!({"alg": "Ed25519"})), GRANT_TYP, None).is_ok());
        assert!(check(&header(json!({"kid": null})), GRANT_TYP, None).is_ok());
    }

    #[test]
    fn rejects_every_other_alg() {
        for alg in [
            json!("none"),
            json!("HS256"),
            json!("RS256"),
            json!("ES256"),
            json!("eddsa"),
            json!("EdDSA "),
            json!(["EdDSA"]),
            json!(null),
        ] {
            let result = check(&header(json!({ "alg": alg })), GRANT_TYP, None);
            assert!(
                matches!(result, Err(HeaderError::Algorithm(_))),
                "{alg}: {result:?}"
            );
        }
    }

    #[test]
    fn typ_follows_media_type_rules() {
        assert!(typ_matches(GRANT_TYP, GRANT_TYP));
        assert!(typ_matches(
            "application/vnd.vouchsafe.grant+jwt",
            GRANT_TYP
        ));
        assert!(typ_matches(
            "Application/VND.Vouchsafe.Grant+JWT",
            GRANT_TYP
        ));
        assert!(!typ_matches("JWT", GRANT_TYP));
        assert!(!typ_matches("vnd.vouchsafe.consent-receipt+jwt", GRANT_TYP));
        assert!(!typ_matches("application/", GRANT_TYP));
        assert!(!typ_matches("appé", GRANT_TYP));
        let result = check(&header(json!({"typ": null})), GRANT_TYP, None);
        assert!(
            matches!(&result, Err(HeaderError::Type { found, .. }) if found == "missing"),
            "{result:?}"
        );
    }

    #[test]
    fn any_crit_is_rejected() {
        for crit in [json!(["b64"]), json!([]), json!("exp")] {
            let result = check(&header(json!({ "crit": crit })), GRANT_TYP, None);
            assert!(
                matches!(result, Err(HeaderError::Critical(_))),
                "{result:?}"
            );
        }
    }

    #[test]
    fn jwk_must_be_present_and_valid() {
        assert!(matches!(
            check(&header(json!({"jwk": null})), GRANT_TYP, None),
            Err(HeaderError::MissingJwk)
        ));
        assert!(matches!(
            check(
                &header(json!({"jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}})),
                GRANT_TYP,
                None
            ),
            Err(HeaderError::InvalidJwk(JwkError::MissingMember("crv")))
        ));
        assert!(matches!(
            check(
                &header(json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}})),
                GRANT_TYP,
                None
            ),
            Err(HeaderError::InvalidJwk(JwkError::WrongLength(3)))
        ));
    }

    #[test]
    fn kid_must_be_the_thumbprint() {
        for kid in [json!("key-1"), json!(7)] {
            let result = check(&header(json!({ "kid": kid })), GRANT_TYP, None);
            assert!(
                matches!(result, Err(HeaderError::KidMismatch { .. })),
                "{result:?}"
            );
        }
    }
}
