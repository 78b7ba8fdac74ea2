//! `verify_grant` against valid grants and one forgery or fault per check.

#[allow(dead_code)]
mod common;

use common::*;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;
use vouchsafe_verify::jws::Part;
use vouchsafe_verify::{
    ErrorClass, HeaderError, IssuerPolicy, JwkError, MAX_LEEWAY_SECS, PinnedConsumer, RECEIPT_TYP,
    StatusOutcome, StatusPolicy, VerifyError, VerifyOptions, verify_grant,
};

fn verify(token: &str) -> Result<vouchsafe_verify::VerifiedGrant, VerifyError> {
    verify_grant(token, &opts())
}

fn verify_at(token: &str, now: i64) -> Result<vouchsafe_verify::VerifiedGrant, VerifyError> {
    verify_grant(token, &VerifyOptions { now, ..opts() })
}

fn with_status(list: String) -> VerifyOptions {
    VerifyOptions {
        status: StatusPolicy::List(list),
        ..opts()
    }
}

/// Asserts `result` is an error matching `pattern`, showing the result otherwise.
macro_rules! assert_err {
    ($result:expr, $pattern:pat $(if $guard:expr)?) => {{
        let result = $result;
        assert!(
            matches!(&result, Err($pattern) $(if $guard)?),
            "expected {}, got {:?}",
            stringify!($pattern),
            result.as_ref().map(|g| g.claims())
        );
    }};
}

// --- valid grants -------------------------------------------------------------------------------

#[test]
fn valid_grant_verifies_and_exposes_its_claims() -> TestResult {
    let key = key("consumer");
    let grant = verify(&grant(&key)?)?;
    assert_eq!(Value::Object(grant.claims().clone()), claims(&key));
    assert_eq!(grant.issuer(), urn(&key));
    assert_eq!(grant.audience(), [BRAND]);
    assert_eq!(grant.jti(), "grant-0001");
    assert_eq!(grant.exp(), NOW + LIFETIME);
    assert_eq!(grant.status(), StatusOutcome::NotChecked);
    assert_eq!(grant.jwk(), &jwk(&key));
    assert_eq!(Value::Object(grant.header().clone()), grant_header(&key)?);
    Ok(())
}

#[test]
fn valid_grant_with_status_list_is_checked() -> TestResult {
    let key = key("consumer");
    let list = status_list(&key, 1024, &[IDX - 1, IDX + 1], NOW + 600)?;
    let grant = verify_grant(&grant(&key)?, &with_status(list))?;
    assert_eq!(grant.status(), StatusOutcome::Valid);
    Ok(())
}

#[test]
fn options_are_optional_and_pinning_the_issuer_works() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    // The least a caller can ask for: its audience, any consumer, revocation waived.
    verify_grant(
        &token,
        &VerifyOptions {
            audience: BRAND.to_owned(),
            issuer: IssuerPolicy::AnyConsumer,
            status: StatusPolicy::Waived,
            now: NOW,
        },
    )?;
    verify_grant(
        &token,
        &VerifyOptions {
            issuer: IssuerPolicy::Pinned(urn(&key)),
            ..opts()
        },
    )?;
    assert_err!(
        verify_grant(
            &token,
            &VerifyOptions {
                issuer: IssuerPolicy::Pinned(urn(&common::key("other"))),
                ..opts()
            }
        ),
        VerifyError::UnexpectedIssuer { .. }
    );
    Ok(())
}

#[test]
fn a_pinned_key_verifies_exactly_like_a_pinned_urn() -> TestResult {
    let key = key("consumer");
    let pinned = std::sync::Arc::new(PinnedConsumer::new(&jwk(&key))?);
    assert_eq!(pinned.urn(), urn(&key));
    let by_key = VerifyOptions {
        issuer: IssuerPolicy::PinnedKey(pinned),
        ..opts()
    };
    let by_urn = VerifyOptions {
        issuer: IssuerPolicy::Pinned(urn(&key)),
        ..opts()
    };
    let token = grant(&key)?;
    let grant = verify_grant(&token, &by_key)?;
    assert_eq!(grant.issuer(), urn(&key));
    assert_eq!(grant.jwk(), &jwk(&key));

    // Another consumer's grant, a tampered payload, and a header key spelled differently from the
    // pinned one: each answered by the key path exactly as by the URN path.
    let other = self::grant(&common::key("other"))?;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = b64(br#"{"iss":"x"}"#);
    let tampered = parts.join(".");
    let padded_x = with(
        grant_header(&key)?,
        json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": format!("{}=", jwk(&key).x)}}),
    );
    let respelled = forge(&padded_x, &claims(&key), &key)?;
    for bad in [&other, &tampered, &respelled] {
        let a = verify_grant(bad, &by_key).map(|g| g.jti().to_owned());
        let b = verify_grant(bad, &by_urn).map(|g| g.jti().to_owned());
        assert!(a.is_err(), "accepted {bad}");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
    assert_err!(
        verify_grant(&other, &by_key),
        VerifyError::UnexpectedIssuer { .. }
    );
    Ok(())
}

#[test]
fn rfc9864_alg_name_and_application_typ_prefix_are_accepted() -> TestResult {
    let key = key("consumer");
    let header = with(
        grant_header(&key)?,
        json!({"alg": "Ed25519", "typ": "application/vnd.vouchsafe.grant+jwt"}),
    );
    verify(&forge(&header, &claims(&key), &key)?)?;
    Ok(())
}

#[test]
fn kid_is_optional() -> TestResult {
    let key = key("consumer");
    let header = with(grant_header(&key)?, json!({"kid": null}));
    verify(&forge(&header, &claims(&key), &key)?)?;
    Ok(())
}

#[test]
fn audience_array_containing_the_brand_is_accepted() -> TestResult {
    let key = key("consumer");
    let claims = with(
        claims(&key),
        json!({"aud": ["https://other.example", BRAND]}),
    );
    assert_eq!(verify(&sign(&key, &claims)?)?.audience().len(), 2);
    Ok(())
}

// --- 1. structure -------------------------------------------------------------------------------

#[test]
fn two_part_token_is_malformed() -> TestResult {
    let token = grant(&key("consumer"))?;
    let (two_parts, _) = token.rsplit_once('.').ok_or("no dot")?;
    assert_err!(verify(two_parts), VerifyError::MalformedParts(2));
    assert_err!(verify(""), VerifyError::MalformedParts(1));
    assert_err!(verify(&format!("{token}.")), VerifyError::MalformedParts(4));
    Ok(())
}

#[test]
fn malformed_base64_is_reported_per_part() -> TestResult {
    let token = grant(&key("consumer"))?;
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err("not three parts".into());
    };
    assert_err!(
        verify(&format!("{h}*.{p}.{s}")),
        VerifyError::MalformedBase64(Part::Header)
    );
    assert_err!(
        verify(&format!("{h}.{p}=.{s}")),
        VerifyError::MalformedBase64(Part::Payload)
    );
    assert_err!(
        verify(&format!("{h}.{p}.{s}+")),
        VerifyError::MalformedBase64(Part::Signature)
    );
    Ok(())
}

#[test]
fn malformed_json_is_reported_per_part() -> TestResult {
    let key = key("consumer");
    let header = b64(serde_json::to_vec(&grant_header(&key)?)?);
    let payload = b64(serde_json::to_vec(&claims(&key))?);
    let sig = b64([0u8; 64]);
    let broken = b64(br#"{"alg":"EdDSA""#);
    assert_err!(
        verify(&format!("{broken}.{payload}.{sig}")),
        VerifyError::MalformedJson {
            part: Part::Header,
            ..
        }
    );
    // The payload is decoded only after the signature verified, so these carry valid ones.
    assert_err!(
        verify(&forge_raw(
            &grant_header(&key)?,
            br#"{"alg":"EdDSA""#,
            &key
        )?),
        VerifyError::MalformedJson {
            part: Part::Payload,
            ..
        }
    );
    assert_err!(
        verify(&forge_raw(&grant_header(&key)?, b"[1,2]", &key)?),
        VerifyError::MalformedNotObject(Part::Payload)
    );
    // With a bad signature, a broken payload is never looked at.
    assert_err!(
        verify(&format!("{header}.{broken}.{sig}")),
        VerifyError::BadSignature(_)
    );
    Ok(())
}

#[test]
fn duplicate_header_members_are_malformed() -> TestResult {
    let key = key("consumer");
    let jwk = serde_json::to_string(&jwk(&key))?;
    let header =
        format!(r#"{{"alg":"EdDSA","typ":"vnd.vouchsafe.grant+jwt","jwk":{jwk},"alg":"none"}}"#);
    let token = format!(
        "{}.{}.{}",
        b64(header),
        b64(serde_json::to_vec(&claims(&key))?),
        b64([0u8; 64])
    );
    assert_err!(
        verify(&token),
        VerifyError::MalformedJson { part: Part::Header, detail } if detail.contains("duplicate")
    );
    Ok(())
}

// --- 2. header ----------------------------------------------------------------------------------

#[test]
fn alg_none_is_rejected() -> TestResult {
    let key = key("consumer");
    let header = with(grant_header(&key)?, json!({"alg": "none"}));
    let token = format!(
        "{}.{}.",
        b64(serde_json::to_vec(&header)?),
        b64(serde_json::to_vec(&claims(&key))?)
    );
    assert_err!(verify(&token), VerifyError::AlgorithmNotAllowed { alg } if alg == "\"none\"");
    Ok(())
}

#[test]
fn hs256_signed_with_the_public_key_is_rejected() -> TestResult {
    // The classic algorithm-confusion attack: HMAC keyed with the (public) verification key.
    let key = key("consumer");
    let header = with(grant_header(&key)?, json!({"alg": "HS256"}));
    let input = format!(
        "{}.{}",
        b64(serde_json::to_vec(&header)?),
        b64(serde_json::to_vec(&claims(&key))?)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(key.verifying_key().as_bytes())?;
    mac.update(input.as_bytes());
    let token = format!("{input}.{}", b64(mac.finalize().into_bytes()));
    assert_err!(verify(&token), VerifyError::AlgorithmNotAllowed { alg } if alg == "\"HS256\"");
    Ok(())
}

#[test]
fn missing_alg_is_rejected() -> TestResult {
    let key = key("consumer");
    let header = with(grant_header(&key)?, json!({"alg": null}));
    assert_err!(
        verify(&forge(&header, &claims(&key), &key)?),
        VerifyError::AlgorithmNotAllowed { alg } if alg == "missing"
    );
    Ok(())
}

#[test]
fn wrong_typ_is_rejected() -> TestResult {
    let key = key("consumer");
    for typ in [
        json!("JWT"),
        json!(RECEIPT_TYP),
        json!("statuslist+jwt"),
        json!(null),
    ] {
        let header = with(grant_header(&key)?, json!({ "typ": typ }));
        assert_err!(
            verify(&forge(&header, &claims(&key), &key)?),
            VerifyError::WrongType { .. }
        );
    }
    Ok(())
}

#[test]
fn unknown_crit_is_rejected() -> TestResult {
    let key = key("consumer");
    let header = with(grant_header(&key)?, json!({"crit": ["exp"], "exp": 1}));
    assert_err!(
        verify(&forge(&header, &claims(&key), &key)?),
        VerifyError::CriticalHeader { .. }
    );
    Ok(())
}

#[test]
fn missing_or_invalid_jwk_is_rejected() -> TestResult {
    let key = key("consumer");
    let header = with(grant_header(&key)?, json!({"jwk": null, "kid": null}));
    assert_err!(
        verify(&forge(&header, &claims(&key), &key)?),
        VerifyError::MissingJwk
    );
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let header = with(
        grant_header(&key)?,
        json!({"kid": null, "jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64(identity)}}),
    );
    assert_err!(
        verify(&forge(&header, &claims(&key), &key)?),
        VerifyError::InvalidJwk(JwkError::WeakKey)
    );
    Ok(())
}

#[test]
fn kid_mismatch_is_rejected() -> TestResult {
    let key = key("consumer");
    let other = common::key("other");
    let header = with(
        grant_header(&key)?,
        json!({"kid": jwk(&other).thumbprint()}),
    );
    assert_err!(
        verify(&forge(&header, &claims(&key), &key)?),
        VerifyError::KidMismatch { .. }
    );
    Ok(())
}

// --- 3. signature -------------------------------------------------------------------------------

#[test]
fn flipped_signature_byte_is_rejected() -> TestResult {
    let token = grant(&key("consumer"))?;
    let (input, sig) = token.rsplit_once('.').ok_or("no dot")?;
    let mut sig = unb64(sig)?;
    if let Some(byte) = sig.get_mut(10) {
        *byte ^= 0x01;
    }
    assert_err!(
        verify(&format!("{input}.{}", b64(&sig))),
        VerifyError::BadSignature(_)
    );
    Ok(())
}

#[test]
fn tampered_payload_is_rejected() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    let parts: Vec<&str> = token.split('.').collect();
    let [h, _, s] = parts.as_slice() else {
        return Err("not three parts".into());
    };
    let widened = with(
        claims(&key),
        json!({"aud": "https://brand.example", "exp": NOW + 10 * LIFETIME}),
    );
    let token = format!("{h}.{}.{s}", b64(serde_json::to_vec(&widened)?));
    assert_err!(verify(&token), VerifyError::BadSignature(_));
    Ok(())
}

#[test]
fn signature_by_a_key_other_than_the_header_jwk_is_rejected() -> TestResult {
    let key = key("consumer");
    let attacker = common::key("attacker");
    // Header and iss name the consumer, but the attacker signs.
    assert_err!(
        verify(&forge(&grant_header(&key)?, &claims(&key), &attacker)?),
        VerifyError::BadSignature(_)
    );
    Ok(())
}

#[test]
fn non_canonical_signature_scalar_is_rejected() -> TestResult {
    // S + L verifies under a lax check (the group equation only sees S mod L); strict Ed25519
    // must refuse it or signatures would be malleable.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let token = grant(&key("consumer"))?;
    let (input, sig) = token.rsplit_once('.').ok_or("no dot")?;
    let mut sig = unb64(sig)?;
    let mut carry = 0u16;
    for (s, l) in sig.iter_mut().skip(32).zip(L) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "S + L overflowed 256 bits");
    assert_err!(
        verify(&format!("{input}.{}", b64(&sig))),
        VerifyError::BadSignature(_)
    );
    Ok(())
}

#[test]
fn signature_is_checked_before_claims() -> TestResult {
    // An expired *and* tampered grant reports the signature: nothing unsigned is interpreted.
    let key = key("consumer");
    let attacker = common::key("attacker");
    let expired = with(claims(&key), json!({"exp": NOW - 1000}));
    assert_err!(
        verify(&forge(&grant_header(&key)?, &expired, &attacker)?),
        VerifyError::BadSignature(_)
    );
    Ok(())
}

// --- 4. claims ----------------------------------------------------------------------------------

#[test]
fn iss_must_be_the_header_key_thumbprint() -> TestResult {
    let key = key("consumer");
    let other = common::key("other");
    // Signed correctly by `key`, but claims to be issued by `other`.
    let claims = with(
        claims(&key),
        json!({"iss": urn(&other), "sub": urn(&other)}),
    );
    assert_err!(
        verify(&sign(&key, &claims)?),
        VerifyError::IssuerNotKeyBound { .. }
    );
    Ok(())
}

#[test]
fn sub_must_equal_iss() -> TestResult {
    let key = key("consumer");
    let claims = with(claims(&key), json!({"sub": "someone-else"}));
    assert_err!(
        verify(&sign(&key, &claims)?),
        VerifyError::SubjectMismatch { .. }
    );
    Ok(())
}

#[test]
fn wrong_audience_is_rejected() -> TestResult {
    let key = key("consumer");
    let claims = with(claims(&key), json!({"aud": ["https://other.example"]}));
    assert_err!(
        verify(&sign(&key, &claims)?),
        VerifyError::AudienceMismatch { .. }
    );
    Ok(())
}

#[test]
fn missing_or_mistyped_audience_is_rejected() -> TestResult {
    let key = key("consumer");
    let missing = with(claims(&key), json!({"aud": null}));
    assert_err!(
        verify(&sign(&key, &missing)?),
        VerifyError::MissingClaim { claim: "aud" }
    );
    // Missing aud is rejected whatever the issuer policy (the audience is always required).
    assert_err!(
        verify_grant(
            &sign(&key, &missing)?,
            &VerifyOptions {
                issuer: IssuerPolicy::Pinned(urn(&key)),
                ..opts()
            }
        ),
        VerifyError::MissingClaim { claim: "aud" }
    );
    let mistyped = with(claims(&key), json!({"aud": 7}));
    assert_err!(
        verify(&sign(&key, &mistyped)?),
        VerifyError::InvalidClaim { claim: "aud", .. }
    );
    Ok(())
}

#[test]
fn registered_claims_must_be_present_and_typed() -> TestResult {
    let key = key("consumer");
    type Check = fn(&VerifyError) -> bool;
    let cases: [(Value, Check); 6] = [
        (json!({"exp": null}), |e| {
            matches!(e, VerifyError::MissingClaim { claim: "exp" })
        }),
        (json!({"exp": "soon"}), |e| {
            matches!(e, VerifyError::InvalidClaim { claim: "exp", .. })
        }),
        (json!({"nbf": "now"}), |e| {
            matches!(e, VerifyError::InvalidClaim { claim: "nbf", .. })
        }),
        (json!({"iat": true}), |e| {
            matches!(e, VerifyError::InvalidClaim { claim: "iat", .. })
        }),
        (json!({"jti": null}), |e| {
            matches!(e, VerifyError::MissingClaim { claim: "jti" })
        }),
        (json!({"jti": 12}), |e| {
            matches!(e, VerifyError::InvalidClaim { claim: "jti", .. })
        }),
    ];
    for (overrides, check) in cases {
        let result = verify(&sign(&key, &with(claims(&key), overrides.clone()))?);
        assert!(
            result.as_ref().err().is_some_and(check),
            "{overrides}: {:?}",
            result.err()
        );
    }
    let no_iss = with(claims(&key), json!({"iss": null}));
    assert_err!(
        verify(&sign(&key, &no_iss)?),
        VerifyError::MissingClaim { claim: "iss" }
    );
    Ok(())
}

// --- 4b. time -----------------------------------------------------------------------------------

#[test]
fn expired_grant_is_rejected() -> TestResult {
    let token = grant(&key("consumer"))?;
    let exp = NOW + LIFETIME;
    assert_err!(verify_at(&token, exp + 3600), VerifyError::Expired { .. });
    Ok(())
}

#[test]
fn expiry_leeway_boundaries() -> TestResult {
    let token = grant(&key("consumer"))?;
    let exp = NOW + LIFETIME;
    assert_eq!(MAX_LEEWAY_SECS, 60);
    verify_at(&token, exp + 59)?;
    verify_at(&token, exp + 60)?;
    assert_err!(
        verify_at(&token, exp + 61),
        VerifyError::Expired { exp: e, now } if *e == exp && *now == exp + 61
    );
    Ok(())
}

#[test]
fn not_yet_valid_grant_is_rejected_with_leeway() -> TestResult {
    let key = key("consumer");
    let nbf = NOW + 1000;
    let token = sign(&key, &with(claims(&key), json!({"nbf": nbf})))?;
    verify_at(&token, nbf - 59)?;
    verify_at(&token, nbf - 60)?;
    assert_err!(verify_at(&token, nbf - 61), VerifyError::NotYetValid { .. });
    assert_err!(verify_at(&token, NOW), VerifyError::NotYetValid { .. });
    Ok(())
}

#[test]
fn extreme_times_do_not_overflow() -> TestResult {
    let key = key("consumer");
    let token = sign(
        &key,
        &with(claims(&key), json!({"exp": i64::MAX, "nbf": i64::MIN})),
    )?;
    verify_at(&token, i64::MAX)?;
    verify_at(&token, i64::MIN)?;
    let token = sign(&key, &with(claims(&key), json!({"exp": i64::MIN})))?;
    assert_err!(verify_at(&token, NOW), VerifyError::Expired { .. });
    Ok(())
}

// --- 5. status ----------------------------------------------------------------------------------

#[test]
fn revoked_grant_is_rejected() -> TestResult {
    let key = key("consumer");
    let list = status_list(&key, 1024, &[IDX], NOW + 600)?;
    assert_err!(
        verify_grant(&grant(&key)?, &with_status(list)),
        VerifyError::Revoked {
            idx: IDX,
            status: 1
        }
    );
    Ok(())
}

#[test]
fn status_list_signed_by_another_key_is_rejected() -> TestResult {
    let key = key("consumer");
    let other = common::key("other");
    // A perfectly valid list, but from someone else: it must not be able to vouch for (or
    // "un-revoke") the consumer's grant.
    let list = status_list(&other, 1024, &[], NOW + 600)?;
    assert_err!(
        verify_grant(&grant(&key)?, &with_status(list)),
        VerifyError::StatusListWrongSigner { .. }
    );
    Ok(())
}

#[test]
fn status_list_claiming_the_grant_key_but_signed_by_another_is_rejected() -> TestResult {
    let key = key("consumer");
    let attacker = common::key("attacker");
    let genuine = status_list(&key, 1024, &[], NOW + 600)?;
    let genuine = vouchsafe_verify::CompactJws::parse(&genuine)?;
    let header = Value::Object(genuine.header().clone());
    let token = forge(&header, &Value::Object(genuine.claims()?), &attacker)?;
    assert_err!(
        verify_grant(&grant(&key)?, &with_status(token)),
        VerifyError::StatusListBadSignature(_)
    );
    Ok(())
}

#[test]
fn status_list_sub_must_be_the_grant_uri() -> TestResult {
    let key = key("consumer");
    let claims = with(
        claims(&key),
        json!({"status": {"status_list": {"idx": IDX, "uri": "https://vault.example/status/other"}}}),
    );
    let list = status_list(&key, 1024, &[], NOW + 600)?;
    assert_err!(
        verify_grant(&sign(&key, &claims)?, &with_status(list)),
        VerifyError::StatusListUriMismatch { .. }
    );
    Ok(())
}

#[test]
fn status_index_out_of_range_is_rejected() -> TestResult {
    let key = key("consumer");
    let claims = with(
        claims(&key),
        json!({"status": {"status_list": {"idx": 1024, "uri": STATUS_URI}}}),
    );
    let list = status_list(&key, 1024, &[], NOW + 600)?;
    assert_err!(
        verify_grant(&sign(&key, &claims)?, &with_status(list)),
        VerifyError::StatusIndexOutOfRange {
            idx: 1024,
            len: 1024
        }
    );
    Ok(())
}

#[test]
fn expired_status_list_is_rejected_with_leeway() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    let exp = NOW - 60;
    verify_grant(&token, &with_status(status_list(&key, 1024, &[], exp)?))?;
    assert_err!(
        verify_grant(&token, &with_status(status_list(&key, 1024, &[], exp - 1)?)),
        VerifyError::StatusListExpired { .. }
    );
    Ok(())
}

#[test]
fn grant_without_status_claim_cannot_be_checked() -> TestResult {
    let key = key("consumer");
    let list = status_list(&key, 1024, &[], NOW + 600)?;
    for status in [
        json!(null),
        json!({"status_list": {"uri": STATUS_URI}}),
        json!({"status_list": {"idx": -1, "uri": STATUS_URI}}),
        json!({"status_list": {"idx": 1}}),
    ] {
        // A null override removes the claim altogether.
        let claims = with(claims(&key), json!({ "status": status }));
        assert_err!(
            verify_grant(&sign(&key, &claims)?, &with_status(list.clone())),
            VerifyError::StatusClaim(_)
        );
    }
    Ok(())
}

#[test]
fn status_list_must_be_a_well_formed_status_list_token() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    assert_err!(
        verify_grant(&token, &with_status("not a token".into())),
        VerifyError::StatusListMalformed(_)
    );
    // A grant is not a status list, even though it is signed by the right key.
    assert_err!(
        verify_grant(&token, &with_status(token.clone())),
        VerifyError::StatusListHeader(HeaderError::Type { .. })
    );
    let genuine = status_list(&key, 1024, &[], NOW + 600)?;
    let genuine = vouchsafe_verify::CompactJws::parse(&genuine)?;
    let header = Value::Object(genuine.header().clone());
    let claims = Value::Object(genuine.claims()?);
    let bad_bits = with(
        claims.clone(),
        json!({"status_list": {"bits": 3, "lst": "eNrbuRgAAhcBXQ"}}),
    );
    assert_err!(
        verify_grant(&token, &with_status(forge(&header, &bad_bits, &key)?)),
        VerifyError::StatusListEncoding(_)
    );
    let no_exp = with(claims.clone(), json!({"exp": null}));
    assert_err!(
        verify_grant(&token, &with_status(forge(&header, &no_exp, &key)?)),
        VerifyError::StatusListClaim { claim: "exp", .. }
    );
    let other_iss = with(claims, json!({"iss": urn(&common::key("other"))}));
    assert_err!(
        verify_grant(&token, &with_status(forge(&header, &other_iss, &key)?)),
        VerifyError::StatusListIssuerMismatch { .. }
    );
    Ok(())
}

#[test]
fn status_is_checked_after_the_grant_itself() -> TestResult {
    // An expired grant reports expiry even if it is also revoked.
    let key = key("consumer");
    let list = status_list(&key, 1024, &[IDX], NOW + 100_000)?;
    let options = VerifyOptions {
        now: NOW + 10 * LIFETIME,
        ..with_status(list)
    };
    assert_err!(
        verify_grant(&grant(&key)?, &options),
        VerifyError::Expired { .. }
    );
    Ok(())
}

#[test]
fn every_failure_has_a_class() -> TestResult {
    let key = key("consumer");
    let err = verify("a.b").err().ok_or("accepted")?;
    assert_eq!(
        (err.error_class(), err.exit_code()),
        (ErrorClass::Malformed, 3)
    );
    let list = status_list(&key, 1024, &[IDX], NOW + 600)?;
    let err = verify_grant(&grant(&key)?, &with_status(list))
        .err()
        .ok_or("accepted")?;
    assert_eq!((err.class(), err.exit_code()), ("revoked", 8));
    Ok(())
}

/// The worked example of `docs/status-list.md`, which other implementations can test against.
#[test]
fn status_list_doc_example_is_reproduced_exactly() -> TestResult {
    const DOC_TOKEN: &str = concat!(
        "eyJhbGciOiJFZERTQSIsInR5cCI6InN0YXR1c2xpc3Qrand0Iiwia2lkIjoia1ByS19xbXhWV2FZVkE5d3dCRjZJdW8zdlZ6ejdU",
        "eEhDVHdYQnlnclM0ayIsImp3ayI6eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IjExcVlBWUt4Q3JmVlNfN1R5V1FI",
        "T2c3aGN2UGFwaU1scndJYWFQY0hVUm8ifX0.eyJzdWIiOiJodHRwczovL3N0YXR1cy52b3VjaHNhZmUuZXhhbXBsZS92MS9saXN0",
        "cy84SnEydFRRZDBaayIsImlhdCI6MTc2NzIyNTYwMCwiZXhwIjoxNzY3MzEyMDAwLCJ0dGwiOjM2MDAsInN0YXR1c19saXN0Ijp7",
        "ImJpdHMiOjEsImxzdCI6ImVOcWR6QUVKQUFBQXdyQmpFdnVuTk1MQkJSZ0VWWDdTRHcwYUFDVSJ9fQ.IqD61LOOuNXNh1H1gzWer",
        "smFgh9iZV34MEoQgXgK501Wh6Eu6429DAr0tP76aM7tY6ABDx2MEPxW37kuNpRJCQ",
    );
    const URI: &str = "https://status.vouchsafe.example/v1/lists/8Jq2tTQd0Zk";
    let d: [u8; 32] = unb64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")?
        .try_into()
        .map_err(|_| "d length")?;
    let key = vouchsafe_verify::SigningKey::from_bytes(&d);
    let mut list = vouchsafe_verify::StatusList::new(1024, 1)?;
    for idx in [17, 301, 777] {
        list.set(idx, 1)?;
    }
    let token =
        vouchsafe_verify::status_list_token(&list, URI, 1_767_225_600, 1_767_312_000, 3600, &key)?;
    assert_eq!(token, DOC_TOKEN);

    let grant_for = |idx: usize| -> Fallible<String> {
        let iss = urn(&key);
        sign(
            &key,
            &json!({
                "iss": iss, "sub": iss, "aud": BRAND, "jti": "doc",
                "iat": 1_767_225_600, "exp": 1_769_817_600,
                "status": {"status_list": {"idx": idx, "uri": URI}},
            }),
        )
    };
    let opts = VerifyOptions {
        status: StatusPolicy::List(DOC_TOKEN.to_owned()),
        now: 1_767_229_200,
        ..opts()
    };
    assert_err!(
        verify_grant(&grant_for(301)?, &opts),
        VerifyError::Revoked {
            idx: 301,
            status: 1
        }
    );
    assert_eq!(
        verify_grant(&grant_for(300)?, &opts)?.status(),
        StatusOutcome::Valid
    );
    Ok(())
}
