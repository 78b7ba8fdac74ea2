//! Claim checks for grants (RFC 7519 §4.1, RFC 8725 §3.8–3.10): who issued it, for whom, and
//! for how long.

use serde_json::{Map, Value};

use super::VerifyOptions;
use super::error::{VerifyError, shown};
use vouchsafe_token::MAX_LEEWAY_SECS;

/// The claims every verified grant has, extracted once they passed their checks.
#[derive(Debug, Clone)]
pub(crate) struct CheckedClaims {
    pub(crate) issuer: String,
    pub(crate) audience: Vec<String>,
    pub(crate) jti: String,
    pub(crate) exp: i64,
}

/// Checks, in order: `iss` is the key's thumbprint URN, `sub == iss`, the pinned issuer, `aud`,
/// the types of `exp`/`nbf`/`iat`, expiry, not-before, and `jti`.
pub(crate) fn check(
    claims: &Map<String, Value>,
    key_urn: &str,
    opts: &VerifyOptions,
) -> Result<CheckedClaims, VerifyError> {
    let iss = required_string(claims, "iss")?;
    if iss != key_urn {
        return Err(VerifyError::IssuerNotKeyBound {
            iss: iss.to_owned(),
            expected: key_urn.to_owned(),
        });
    }
    let sub = required_string(claims, "sub")?;
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

    let audience = audiences(claims)?;
    if !audience.contains(&opts.audience) {
        return Err(VerifyError::AudienceMismatch {
            expected: opts.audience.clone(),
            found: audience,
        });
    }

    let exp = numeric_date(claims, "exp")?.ok_or(VerifyError::MissingClaim { claim: "exp" })?;
    let nbf = numeric_date(claims, "nbf")?;
    numeric_date(claims, "iat")?;
    if opts.now > exp.saturating_add(MAX_LEEWAY_SECS) {
        return Err(VerifyError::Expired { exp, now: opts.now });
    }
    if let Some(nbf) = nbf
        && opts.now < nbf.saturating_sub(MAX_LEEWAY_SECS)
    {
        return Err(VerifyError::NotYetValid { nbf, now: opts.now });
    }

    let jti = required_string(claims, "jti")?;
    if jti.is_empty() {
        return Err(invalid(claims, "jti", "a non-empty string"));
    }

    Ok(CheckedClaims {
        issuer: iss.to_owned(),
        audience,
        jti: jti.to_owned(),
        exp,
    })
}

/// `aud` as a list: a single string or a non-empty array of strings (RFC 7519 §4.1.3).
fn audiences(claims: &Map<String, Value>) -> Result<Vec<String>, VerifyError> {
    const SHAPE: &str = "a string or a non-empty array of strings";
    match claims.get("aud") {
        None => Err(VerifyError::MissingClaim { claim: "aud" }),
        Some(Value::String(aud)) => Ok(vec![aud.clone()]),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid(claims, "aud", SHAPE)),
        Some(_) => Err(invalid(claims, "aud", SHAPE)),
    }
}

fn required_string<'c>(
    claims: &'c Map<String, Value>,
    claim: &'static str,
) -> Result<&'c str, VerifyError> {
    match claims.get(claim) {
        None => Err(VerifyError::MissingClaim { claim }),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(invalid(claims, claim, "a string")),
    }
}

fn invalid(
    claims: &Map<String, Value>,
    claim: &'static str,
    expected: &'static str,
) -> VerifyError {
    VerifyError::InvalidClaim {
        claim,
        expected,
        found: shown(claims.get(claim)),
    }
}

/// Reads an optional NumericDate claim; a present but non-numeric value is an error.
fn numeric_date(
    claims: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<i64>, VerifyError> {
    match claims.get(claim) {
        None => Ok(None),
        Some(value) => numeric_date_value(value)
            .map(Some)
            .ok_or_else(|| invalid(claims, claim, "a NumericDate (seconds since the epoch)")),
    }
}

/// A JSON number as whole seconds. RFC 7519 allows fractional NumericDates; they are floored,
/// and values beyond `i64` saturate (an `exp` in the year 292 billion simply never expires).
pub(crate) fn numeric_date_value(value: &Value) -> Option<i64> {
    let number = value.as_number()?;
    if let Some(n) = number.as_i64() {
        return Some(n);
    }
    if number.as_u64().is_some() {
        return Some(i64::MAX);
    }
    // `as` saturates for out-of-range floats; JSON numbers are always finite.
    number.as_f64().map(|f| f.floor() as i64)
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
        let map = |v: Value| json!({ "aud": v }).as_object().cloned().unwrap_or_default();
        assert_eq!(audiences(&map(json!("a"))).ok(), Some(vec!["a".to_owned()]));
        assert_eq!(
            audiences(&map(json!(["a", "b"]))).ok(),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        for bad in [json!([]), json!(["a", 1]), json!(5), json!({"a": 1})] {
            assert!(
                matches!(
                    audiences(&map(bad.clone())),
                    Err(VerifyError::InvalidClaim { claim: "aud", .. })
                ),
                "{bad}"
            );
        }
    }
}
