//! Claim checks for grants (RFC 7519 §4.1, RFC 8725 §3.8–3.10): who issued it, for whom, and
//! for how long.

use serde_json::Value;

use super::VerifyOptions;
use super::error::{VerifyError, shown, shown_text};
use vouchsafe_token::MAX_LEEWAY_SECS;
use vouchsafe_token::claims::{Audience, GrantEnvelope};
use vouchsafe_token::json::{NumericDate, Read, Text};

/// The claims every verified grant has, extracted once they passed their checks.
#[derive(Debug, Clone)]
pub(crate) struct CheckedClaims {
    pub(crate) audience: Vec<String>,
    pub(crate) jti: String,
    pub(crate) exp: i64,
}

/// Checks, in order: `iss` is the key's thumbprint URN, `sub == iss`, the pinned issuer, `aud`,
/// the types of `exp`/`nbf`/`iat`, expiry, not-before, and `jti`.
pub(crate) fn check(
    claims: &GrantEnvelope<'_>,
    key_urn: &str,
    opts: &VerifyOptions,
) -> Result<CheckedClaims, VerifyError> {
    let iss = required_string(claims.iss.as_ref(), "iss")?;
    if iss != key_urn {
        return Err(VerifyError::IssuerNotKeyBound {
            iss: iss.to_owned(),
            expected: key_urn.to_owned(),
        });
    }
    let sub = required_string(claims.sub.as_ref(), "sub")?;
    if sub != iss {
        return Err(VerifyError::SubjectMismatch {
            sub: sub.to_owned(),
            iss: iss.to_owned(),
        });
    }
    if let Some(expected) = opts.issuer.expected_issuer()
        && expected != iss
    {
        return Err(VerifyError::UnexpectedIssuer {
            expected: expected.to_owned(),
            found: iss.to_owned(),
        });
    }

    let audience = audiences(claims.aud.as_ref())?;
    if !audience.contains(&opts.audience) {
        return Err(VerifyError::AudienceMismatch {
            expected: opts.audience.clone(),
            found: audience,
        });
    }

    let exp = numeric_date(claims.exp.as_ref(), "exp")?
        .ok_or(VerifyError::MissingClaim { claim: "exp" })?;
    let nbf = numeric_date(claims.nbf.as_ref(), "nbf")?;
    numeric_date(claims.iat.as_ref(), "iat")?;
    if opts.now > exp.saturating_add(MAX_LEEWAY_SECS) {
        return Err(VerifyError::Expired { exp, now: opts.now });
    }
    if let Some(nbf) = nbf
        && opts.now < nbf.saturating_sub(MAX_LEEWAY_SECS)
    {
        return Err(VerifyError::NotYetValid { nbf, now: opts.now });
    }

    let jti = required_string(claims.jti.as_ref(), "jti")?;
    if jti.is_empty() {
        return Err(VerifyError::InvalidClaim {
            claim: "jti",
            expected: "a non-empty string",
            found: shown_text(claims.jti.as_ref()),
        });
    }

    Ok(CheckedClaims {
        audience,
        jti: jti.to_owned(),
        exp,
    })
}

/// `aud` as a list: a single string or a non-empty array of strings (RFC 7519 §4.1.3).
fn audiences(aud: Option<&Audience<'_>>) -> Result<Vec<String>, VerifyError> {
    const SHAPE: &str = "a string or a non-empty array of strings";
    aud.ok_or(VerifyError::MissingClaim { claim: "aud" })?
        .to_list()
        .map_err(|value| VerifyError::InvalidClaim {
            claim: "aud",
            expected: SHAPE,
            found: shown(Some(value)),
        })
}

fn required_string<'c>(
    member: Option<&'c Text<'_>>,
    claim: &'static str,
) -> Result<&'c str, VerifyError> {
    match member {
        None => Err(VerifyError::MissingClaim { claim }),
        Some(Read::Expected(s)) => Ok(s),
        Some(Read::Other(value)) => Err(invalid(value, claim, "a string")),
    }
}

fn invalid(value: &Value, claim: &'static str, expected: &'static str) -> VerifyError {
    VerifyError::InvalidClaim {
        claim,
        expected,
        found: shown(Some(value)),
    }
}

/// Reads an optional NumericDate claim; a present but non-numeric value is an error.
fn numeric_date(
    member: Option<&NumericDate>,
    claim: &'static str,
) -> Result<Option<i64>, VerifyError> {
    match member {
        None => Ok(None),
        Some(Read::Expected(seconds)) => Ok(Some(*seconds)),
        Some(Read::Other(value)) => Err(invalid(
            value,
            claim,
            "a NumericDate (seconds since the epoch)",
        )),
    }
}

/// A JSON number as whole seconds. RFC 7519 allows fractional NumericDates; they are floored,
/// and values beyond `i64` saturate (an `exp` in the year 292 billion simply never expires).
/// The same rule as the typed reader's, which calls the same function.
pub(crate) fn numeric_date_value(value: &Value) -> Option<i64> {
    vouchsafe_token::json::numeric_date(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_dates_accept_integers_floats_and_saturate() {
        assert_eq!(
            numeric_date_value(&json!(1_700_000_000)),
            Some(1_700_000_000)
        );
        assert_eq!(numeric_date_value(&json!(-5)), Some(-5));
        assert_eq!(numeric_date_value(&json!(10.9)), Some(10));
        assert_eq!(numeric_date_value(&json!(u64::MAX)), Some(i64::MAX));
        assert_eq!(numeric_date_value(&json!(1e300)), Some(i64::MAX));
        assert_eq!(numeric_date_value(&json!("10")), None);
        assert_eq!(numeric_date_value(&json!(null)), None);
    }

    #[test]
    fn audiences_accept_string_or_array() {
        // `aud` as the verifier reads it: from the payload bytes.
        let audiences_of = |v: Value| {
            let bytes = json!({ "aud": v }).to_string().into_bytes();
            let claims: GrantEnvelope<'_> =
                vouchsafe_token::json::read_object(&bytes).expect("an object");
            audiences(claims.aud.as_ref())
        };
        assert_eq!(audiences_of(json!("a")).ok(), Some(vec!["a".to_owned()]));
        assert_eq!(
            audiences_of(json!(["a", "b"])).ok(),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        for bad in [json!([]), json!(["a", 1]), json!(5), json!({"a": 1})] {
            assert!(
                matches!(
                    audiences_of(bad.clone()),
                    Err(VerifyError::InvalidClaim { claim: "aud", .. })
                ),
                "{bad}"
            );
        }
    }
}
