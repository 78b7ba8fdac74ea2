//! Header policy (RFC 8725 §3.1, §3.11): which algorithm, which token type, which key.
//!
//! These checks run before the signature so that the token's own header never gets to choose a
//! weaker algorithm or a different kind of token; the key they yield is the only one the
//! signature is checked against.

use ed25519_dalek::VerifyingKey;
use serde_json::{Map, Value};

use super::error::{HeaderError, shown};
use vouchsafe_token::jwk::PublicJwk;
use vouchsafe_token::jws::is_ed25519_alg;

/// The signer's key as the header states it, validated but not yet proven by the signature.
#[derive(Debug, Clone)]
pub(crate) struct HeaderKey {
    pub(crate) jwk: PublicJwk,
    pub(crate) key: VerifyingKey,
    pub(crate) thumbprint: String,
}

/// A key the caller has already validated and decoded (a pinned consumer). A header `jwk` equal
/// to it reuses the decoded point and thumbprint instead of computing them again.
pub(crate) struct KnownKey<'k> {
    pub(crate) jwk: &'k PublicJwk,
    pub(crate) key: &'k VerifyingKey,
    pub(crate) thumbprint: &'k str,
}

/// Applies the header policy for a token of type `typ`, in order: `alg`, `typ`, `crit`, `jwk`,
/// `kid`.
pub(crate) fn check(
    header: &Map<String, Value>,
    typ: &'static str,
    known: Option<KnownKey<'_>>,
) -> Result<HeaderKey, HeaderError> {
    let alg = header.get("alg");
    if !alg.and_then(Value::as_str).is_some_and(is_ed25519_alg) {
        return Err(HeaderError::Algorithm(shown(alg)));
    }

    let found_typ = header.get("typ");
    if !found_typ
        .and_then(Value::as_str)
        .is_some_and(|found| typ_matches(found, typ))
    {
        return Err(HeaderError::Type {
            expected: typ,
            found: shown(found_typ),
        });
    }

    // RFC 7515 §4.1.11: a recipient that does not understand every listed extension must
    // reject the token; an empty or malformed `crit` is invalid as well. We understand none.
    if let Some(crit) = header.get("crit") {
        return Err(HeaderError::Critical(shown(Some(crit))));
    }

    let jwk_value = header.get("jwk").ok_or(HeaderError::MissingJwk)?;
    let jwk = PublicJwk::from_json(jwk_value).map_err(HeaderError::InvalidJwk)?;
    // Equal members mean the very key the caller validated; any other key (including another
    // spelling of the same point, which decoding would refuse) takes the full path.
    let (key, thumbprint) = match known {
        Some(known) if *known.jwk == jwk => (*known.key, known.thumbprint.to_owned()),
        _ => (
            jwk.to_verifying_key().map_err(HeaderError::InvalidJwk)?,
            jwk.thumbprint(),
        ),
    };

    if let Some(kid) = header.get("kid")
        && kid.as_str() != Some(thumbprint.as_str())
    {
        return Err(HeaderError::KidMismatch {
            kid: shown(Some(kid)),
            thumbprint,
        });
    }

    Ok(HeaderKey {
        jwk,
        key,
        thumbprint,
    })
}

/// RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, and the
/// `application/` prefix may be omitted.
fn typ_matches(found: &str, expected: &str) -> bool {
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
    use vouchsafe_token::GRANT_TYP;
    use vouchsafe_token::jwk::JwkError;

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
