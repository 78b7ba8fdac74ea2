//! Reading header and claims without a map: the properties the map reader gave, checked on raw
//! JSON text (escaped names, repeated names, the pinned header shortcut).

use std::sync::Arc;

use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::Value;
use vouchsafe_token::b64;
use vouchsafe_token::json::parse_object;
use vouchsafe_token::jws::Part;

use super::*;

const AUD: &str = "brand.example";
const NOW: i64 = 1_700_000_000;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[0x42; 32])
}

fn jwk() -> PublicJwk {
    PublicJwk::from_verifying_key(&key().verifying_key())
}

/// Signs header and payload given as JSON text, byte for byte.
fn token(header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64::encode(header), b64::encode(payload));
    let signature = key().sign(input.as_bytes());
    format!("{input}.{}", b64::encode(signature.to_bytes()))
}

/// The header Vouchsafe writes, as text.
fn vouchsafe_header() -> String {
    serde_json::to_string(&header_for(GRANT_TYP, &jwk())).unwrap_or_default()
}

/// A header with `extra` (members as JSON text) appended after Vouchsafe's members.
fn header_with(extra: &str) -> String {
    let base = vouchsafe_header();
    let open = base.strip_suffix('}').unwrap_or_default();
    format!("{open},{extra}}}")
}

fn payload_with(extra: &str) -> String {
    let iss = jwk().thumbprint_urn();
    format!(
        r#"{{"iss":"{iss}","sub":"{iss}","aud":"{AUD}","iat":{NOW},"exp":{},"jti":"g-1"{extra}}}"#,
        NOW + 3600
    )
}

fn options(issuer: IssuerPolicy) -> VerifyOptions {
    VerifyOptions {
        audience: AUD.to_owned(),
        issuer,
        status: StatusPolicy::Waived,
        now: NOW,
    }
}

fn pinned() -> VerifyOptions {
    let consumer = PinnedConsumer::new(&jwk()).expect("a valid key");
    options(IssuerPolicy::PinnedKey(Arc::new(consumer)))
}

/// Every issuer policy, so that each case runs with and without the pinned header shortcut.
fn policies() -> [VerifyOptions; 3] {
    [
        pinned(),
        options(IssuerPolicy::Pinned(jwk().thumbprint_urn())),
        options(IssuerPolicy::AnyConsumer),
    ]
}

fn is_duplicate(result: &Result<VerifiedGrant, VerifyError>, part: Part) -> bool {
    matches!(result, Err(VerifyError::MalformedJson { part: p, detail })
        if *p == part && detail.contains("duplicate member name"))
}

#[test]
fn the_pinned_header_is_known_and_the_grant_verifies_under_every_policy() {
    let consumer = PinnedConsumer::new(&jwk()).expect("a valid key");
    assert!(consumer.header.is_some(), "the shortcut is available");
    let token = token(&vouchsafe_header(), &payload_with(""));
    for opts in policies() {
        let grant = verify_grant(&token, &opts).expect("verifies");
        assert_eq!(grant.jti(), "g-1");
        assert_eq!(grant.jwk(), &jwk());
        assert_eq!(
            Value::Object(grant.header().clone()),
            serde_json::to_value(header_for(GRANT_TYP, &jwk())).unwrap_or_default()
        );
    }
}

#[test]
fn any_other_header_takes_the_full_check_even_with_the_key_pinned() {
    type Refused = fn(&Result<VerifiedGrant, VerifyError>) -> bool;
    let cases: [(String, Refused); 6] = [
        (header_with(r#""crit":["exp"]"#), |r| {
            matches!(r, Err(VerifyError::CriticalHeader { .. }))
        }),
        (header_with(r#""alg":"none""#), |r| {
            is_duplicate(r, Part::Header)
        }),
        (header_with(r#""\u0061lg":"none""#), |r| {
            is_duplicate(r, Part::Header)
        }),
        (
            vouchsafe_header().replace(r#""alg":"EdDSA""#, r#""alg":"none""#),
            |r| matches!(r, Err(VerifyError::AlgorithmNotAllowed { alg }) if alg == "\"none\""),
        ),
        (
            vouchsafe_header().replace(r#""alg":"EdDSA""#, r#""\u0061lg":"HS256""#),
            |r| matches!(r, Err(VerifyError::AlgorithmNotAllowed { alg }) if alg == "\"HS256\""),
        ),
        (
            vouchsafe_header().replace(r#""kid":""#, r#""kid":"x"#),
            |r| matches!(r, Err(VerifyError::KidMismatch { .. })),
        ),
    ];
    for (header, refused) in cases {
        let token = token(&header, &payload_with(""));
        for opts in policies() {
            let result = verify_grant(&token, &opts);
            assert!(
                refused(&result),
                "{header}: {:?}",
                result.map(|g| g.jti().to_owned())
            );
        }
    }
}

#[test]
fn an_equivalent_header_written_differently_verifies_through_the_full_check() {
    // Members in another order, an unknown member, an escaped name: same meaning.
    let header = format!(
        r#"{{"typ":"{GRANT_TYP}","\u0061lg":"Ed25519","jwk":{{"x":"{}","crv":"Ed25519","kty":"OKP","use":"sig"}},"x-note":[1,{{"a":null}}]}}"#,
        jwk().x
    );
    let token = token(&header, &payload_with(""));
    for opts in policies() {
        let grant = verify_grant(&token, &opts).expect("verifies");
        assert_eq!(grant.jwk(), &jwk());
        assert_eq!(grant.header().get("alg"), Some(&Value::from("Ed25519")));
    }
}

#[test]
fn repeated_or_escaped_claim_names_are_refused_or_read_as_what_they_spell() {
    let header = vouchsafe_header();
    for opts in policies() {
        for extra in [
            r#","jti":"g-2""#,
            r#","\u006ati":"g-2""#,
            r#","address":{"locality":"a","locality":"b"}"#,
            r#","list":[{"k":1},{"k":1,"k":2}]"#,
        ] {
            let result = verify_grant(&token(&header, &payload_with(extra)), &opts);
            assert!(is_duplicate(&result, Part::Payload), "{extra}: {result:?}");
        }
        // `\u0065xp` is `exp`: the grant is read as expired, not as lacking an `exp`.
        let payload = payload_with("").replace(r#""exp""#, r#""\u0065xp""#);
        let result = verify_grant(
            &token(&header, &payload),
            &VerifyOptions {
                now: NOW + 7200,
                ..opts.clone()
            },
        );
        assert!(
            matches!(result, Err(VerifyError::Expired { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn claims_are_read_only_after_the_signature() {
    let good = token(&vouchsafe_header(), "not json");
    let (input, _) = good.rsplit_once('.').unwrap_or_default();
    let bad = format!("{input}.{}", b64::encode([7u8; 64]));
    for opts in policies() {
        assert!(matches!(
            verify_grant(&good, &opts),
            Err(VerifyError::MalformedJson {
                part: Part::Payload,
                ..
            })
        ));
        assert!(matches!(
            verify_grant(&bad, &opts),
            Err(VerifyError::BadSignature(_))
        ));
    }
}

#[test]
fn the_maps_built_on_demand_are_those_of_the_verified_bytes() {
    let payload = payload_with(r#","email":"a@example.com","n":[1.5,-2,{"k":"\u00e9"}]"#);
    let token = token(&vouchsafe_header(), &payload);
    let expected = parse_object(payload.as_bytes()).expect("an object");
    for opts in policies() {
        let grant = verify_grant(&token, &opts).expect("verifies");
        assert_eq!(grant.claims(), &expected);
        assert_eq!(grant.clone().into_claims(), expected);
        let fresh = verify_grant(&token, &opts).expect("verifies");
        assert_eq!(fresh.into_claims(), expected, "without a map built first");
    }
}

#[test]
fn a_batch_checks_each_distinct_header_once_with_the_results_of_single_checks() {
    let good = vouchsafe_header();
    let crit = header_with(r#""crit":["exp"]"#);
    let other_key = SigningKey::from_bytes(&[0x43; 32]);
    let other_header = serde_json::to_string(&header_for(
        GRANT_TYP,
        &PublicJwk::from_verifying_key(&other_key.verifying_key()),
    ))
    .unwrap_or_default();
    let tokens = [
        token(&good, &payload_with("")),
        token(&crit, &payload_with("")),
        token(&good, &payload_with(r#","n":1"#)),
        // The other key's header with this key's signature: the header passes, the signature not.
        token(&other_header, &payload_with("")),
        token(&crit, &payload_with(r#","n":2"#)),
        token(&good, &payload_with(r#","jti":"again""#)),
        token(&other_header, &payload_with(r#","n":3"#)),
        token(&good, "[]"),
    ];
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let shown = |result: &Result<VerifiedGrant, VerifyError>| match result {
        Ok(grant) => format!("ok {:?} {:?}", grant.claims(), grant.header()),
        Err(err) => format!("err {err}"),
    };
    for opts in policies() {
        let batch: Vec<String> = verify_grants(&tokens, &opts).iter().map(shown).collect();
        let single: Vec<String> = tokens
            .iter()
            .map(|token| shown(&verify_grant(token, &opts)))
            .collect();
        assert_eq!(batch, single);
        let accepted = batch.iter().filter(|r| r.starts_with("ok")).count();
        assert_eq!(accepted, 2, "{batch:#?}");
    }
}
