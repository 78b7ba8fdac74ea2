//! The committed brand-protocol vectors in `tests/vectors/protocol/` (repository root): rebuilt
//! from the typed messages of `vouchsafe_token::protocol` with fixed keys and fixed times, and
//! verified with this crate's `brand` and `event` checks.
//!
//! Ed25519 signatures are deterministic, so rebuilding gives the very same bytes; the test fails
//! when the wire format (member names, order, header, encoding) of any protocol message changes
//! by accident. For an intended change, regenerate with
//! `cargo test -p vouchsafe-verify --test protocol_vectors -- --ignored regenerate`, bump the
//! draft of docs/protocol.md and say why in the commit.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use vouchsafe_verify::brand::{
    BrandJwks, verify_brand_receipt, verify_erasure_receipt, verify_request_object,
};
use vouchsafe_verify::event::{SetOptions, verify_set};
use vouchsafe_verify::jws::{self, ALG_EDDSA, Header, sign_compact};
use vouchsafe_verify::token::b64;
use vouchsafe_verify::token::claims::{
    AuthorizationDetail, ChannelsClaim, StatusClaim, StatusListRef,
};
use vouchsafe_verify::token::protocol::{
    BRAND_RECEIPT_TYP, BrandReceiptClaims, CONSENT_VERSION, CREDENTIAL_ID, Channel,
    ChannelConsentChanged, ChannelKind, ClaimQuery, ConsentNotice, CredentialQuery, DcqlQuery,
    ERASURE_DEADLINE_SECS, ERASURE_RECEIPT_TYP, ErasureReceiptClaims, ErasureRequested, Event,
    GrantReference, GrantRevoked, NoticeItem, REQUEST_AUD, REQUEST_TYP, RESPONSE_MODE,
    RESPONSE_TYPE, RequestObjectClaims, Retention, SET_TYP, SetClaims, SubjectId, Texts,
    TokenClaimsChange,
};
use vouchsafe_verify::{
    GRANT_TYP, GrantClaims, IssuerPolicy, PinnedConsumer, PublicJwk, SigningKey, StatusList,
    StatusListVerified, StatusPolicy, VerifyOptions, status_list_token, verify_grant,
};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// TEST-ONLY seeds, public on purpose (RFC 8032 §7.1 tests 2 and 3); never use them elsewhere.
const BRAND_SEED_HEX: &str = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
const CONSUMER_SEED_HEX: &str = "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7";
const WARNING: &str =
    "TEST ONLY. This private key seed is public; it signs the protocol vectors and nothing else.";

const ORIGIN: &str = "https://shop.example";
const STATUS_URI: &str = "https://status.vouchsafe.example/v1/lists/protocol-vectors";
/// The request is made at 2026-01-01T00:00:00Z and lives 10 minutes.
const IAT: i64 = 1_767_225_600;
const REQUEST_EXP: i64 = IAT + 600;
/// The grant is delivered a minute later and answered at once.
const GRANT_IAT: i64 = IAT + 60;
const GRANT_LIFE: i64 = 365 * 86_400;
const RECEIPT_IAT: i64 = IAT + 61;
/// Events are sent 30 days later.
const EVENT_IAT: i64 = IAT + 30 * 86_400;
const GRANT_IDX: u64 = 7;
const NONCE: &str = "n-0S6_WzA2Mj-vectors-1A";
const STATE: &str = "c3f1a0e2-6a4e-4f7c-9b51-0b7f0d2a1c55";
const GRANT_JTI: &str = "c2fa381d-5760-416c-a29f-5448dcaa492d";
const NEW_GRANT_JTI: &str = "8d1f6a5e-2b7c-4e0a-9f3d-6c5b4a392817";

fn seed(hex: &str) -> Fallible<SigningKey> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<_, _>>()?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| "seed length")?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A JSON value whose objects have their members inserted in sorted order, so it serialises
/// the same with or without serde_json's `preserve_order` feature (which other crates of the
/// workspace turn on).
fn sorted_value(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, sorted_value(v)))
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_value).collect()),
        other => other,
    }
}

fn sorted(value: Value) -> Map<String, Value> {
    match sorted_value(value) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Pretty JSON with a final newline, as committed.
macro_rules! pretty {
    ($value:expr) => {
        format!("{}\n", serde_json::to_string_pretty(&$value)?)
    };
}

fn texts(en: &str, ko: &str) -> Texts {
    Texts::from([
        ("en".to_owned(), en.to_owned()),
        ("ko".to_owned(), ko.to_owned()),
    ])
}

fn brand_header(typ: &str, jwk: &PublicJwk) -> Header {
    Header {
        alg: ALG_EDDSA.to_owned(),
        typ: Some(typ.to_owned()),
        kid: Some(jwk.thumbprint()),
        jwk: None,
    }
}

fn line(token: String) -> String {
    format!("{token}\n")
}

fn sha256_b64(text: &str) -> String {
    b64::encode(Sha256::digest(text.as_bytes()))
}

struct Keys {
    brand: SigningKey,
    brand_jwk: PublicJwk,
    consumer: SigningKey,
    consumer_jwk: PublicJwk,
}

fn keys() -> Fallible<Keys> {
    let brand = seed(BRAND_SEED_HEX)?;
    let consumer = seed(CONSUMER_SEED_HEX)?;
    Ok(Keys {
        brand_jwk: PublicJwk::from_verifying_key(&brand.verifying_key()),
        consumer_jwk: PublicJwk::from_verifying_key(&consumer.verifying_key()),
        brand,
        consumer,
    })
}

fn request_claims() -> RequestObjectClaims {
    let claim = |path: &[&str]| ClaimQuery {
        id: path.join("-"),
        path: path.iter().map(|p| (*p).to_owned()).collect(),
    };
    let ids = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
    RequestObjectClaims {
        iss: ORIGIN.into(),
        client_id: ORIGIN.into(),
        aud: REQUEST_AUD.into(),
        iat: IAT,
        exp: REQUEST_EXP,
        response_type: RESPONSE_TYPE.into(),
        response_mode: RESPONSE_MODE.into(),
        response_uri: format!("{ORIGIN}/vouchsafe/response"),
        nonce: NONCE.into(),
        state: STATE.into(),
        client_metadata: sorted(
            json!({"client_name": "동네 카페", "client_name#en": "Neighbourhood Café"}),
        ),
        dcql_query: DcqlQuery {
            credentials: vec![CredentialQuery {
                id: CREDENTIAL_ID.into(),
                format: GRANT_TYP.into(),
                claims: vec![
                    claim(&["email"]),
                    claim(&["given_name"]),
                    claim(&["age_over_19"]),
                    claim(&["address", "locality"]),
                ],
                claim_sets: None,
            }],
        },
        vouchsafe_consent: ConsentNotice {
            version: CONSENT_VERSION,
            items: vec![
                NoticeItem {
                    claims: ids(&["email", "given_name"]),
                    required: true,
                    purpose: texts("identify you and send the coupon", "회원 식별과 쿠폰 발송"),
                },
                NoticeItem {
                    claims: ids(&["age_over_19"]),
                    required: false,
                    purpose: texts("tell you about events with alcohol", "주류 이벤트 안내"),
                },
                NoticeItem {
                    claims: ids(&["address-locality"]),
                    required: false,
                    purpose: texts("point you to the nearest shop", "가까운 매장 안내"),
                },
            ],
            purpose_category: "https://w3id.org/dpv#ServicePersonalisation".into(),
            retention: "P1Y".into(),
            channels: vec![
                Channel {
                    channel: "email".into(),
                    kind: ChannelKind::Info,
                },
                Channel {
                    channel: "sms".into(),
                    kind: ChannelKind::Ad,
                },
            ],
            offer: texts("a free americano", "아메리카노 한 잔 무료"),
            refusal: texts(
                "You can refuse the optional items and still join; without the required items there is no coupon.",
                "선택 항목은 거부해도 가입할 수 있습니다. 필수 항목을 거부하면 쿠폰을 받을 수 없습니다.",
            ),
            events_uri: format!("{ORIGIN}/vouchsafe/events"),
        },
    }
}

fn grant_claims(
    iss: &str,
    jti: &str,
    nonce: Option<&str>,
    iat: i64,
    profile: Value,
) -> GrantClaims {
    let datatypes = sorted(profile.clone()).keys().cloned().collect();
    let mut detail = AuthorizationDetail::profile_release(
        datatypes,
        "identify you and send the coupon",
        "https://w3id.org/dpv#ServicePersonalisation",
    );
    detail.channels = Some(ChannelsClaim::Legacy(BTreeMap::from([
        ("email".to_owned(), true),
        ("sms".to_owned(), false),
    ])));
    detail.offer = Some("a free americano".to_owned());
    GrantClaims {
        iss: iss.to_owned(),
        sub: iss.to_owned(),
        aud: ORIGIN.to_owned(),
        iat,
        nbf: Some(iat),
        exp: iat + GRANT_LIFE,
        jti: jti.to_owned(),
        nonce: nonce.map(str::to_owned),
        status: StatusClaim {
            status_list: StatusListRef {
                idx: GRANT_IDX,
                uri: STATUS_URI.to_owned(),
            },
        },
        authorization_details: vec![detail],
        profile: sorted(profile),
    }
}

fn set(iss: &str, jti: &str, grant: &str, event: Event) -> SetClaims {
    SetClaims {
        iss: iss.to_owned(),
        aud: ORIGIN.to_owned(),
        iat: EVENT_IAT,
        jti: jti.to_owned(),
        sub_id: SubjectId::grant(grant),
        events: event,
    }
}

/// Every file of `tests/vectors/protocol/`, rebuilt.
fn build() -> Fallible<Vec<(&'static str, String)>> {
    let Keys {
        brand,
        brand_jwk,
        consumer,
        consumer_jwk,
    } = keys()?;
    let iss = consumer_jwk.thumbprint_urn();
    let consumer_header = |typ: &str| jws::header_for(typ, &consumer_jwk);

    let brand_key = sorted(json!({
        "warning": WARNING, "seed_hex": BRAND_SEED_HEX, "origin": ORIGIN,
        "public_jwk": sorted(serde_json::to_value(&brand_jwk)?), "kid": brand_jwk.thumbprint(),
    }));
    // Exactly what the reference inbox serves at /.well-known/jwks.json.
    let jwks = json!({"keys": [sorted(json!({
        "kty": brand_jwk.kty, "crv": brand_jwk.crv, "x": brand_jwk.x,
        "kid": brand_jwk.thumbprint(), "use": "sig", "alg": ALG_EDDSA,
    }))]});
    let consumer_key = sorted(json!({
        "warning": WARNING, "seed_hex": CONSUMER_SEED_HEX,
        "public_jwk": sorted(serde_json::to_value(&consumer_jwk)?),
        "kid": consumer_jwk.thumbprint(), "thumbprint_urn": iss,
    }));

    let request = request_claims();
    let profile =
        json!({"email": "gildong@example.com", "given_name": "길동", "age_over_19": true});
    let grant = grant_claims(&iss, GRANT_JTI, Some(NONCE), GRANT_IAT, profile);
    let grant_jwt = sign_compact(&consumer_header(GRANT_TYP), &grant, &consumer)?;
    let receipt = BrandReceiptClaims {
        iss: ORIGIN.into(),
        aud: iss.clone(),
        iat: RECEIPT_IAT,
        jti: "e1b4c0de-0000-4000-8000-000000000001".into(),
        grant: GrantReference {
            jti: GRANT_JTI.into(),
            sha256: sha256_b64(&grant_jwt),
        },
        received: vec!["age_over_19".into(), "email".into(), "given_name".into()],
        retention: Retention {
            period: "P1Y".into(),
            until: RECEIPT_IAT + 365 * 86_400,
        },
        channels: vec![Channel {
            channel: "email".into(),
            kind: ChannelKind::Info,
        }],
        events_uri: format!("{ORIGIN}/vouchsafe/events"),
    };

    let mut list = StatusList::new(1_024, 1)?;
    list.set(usize::try_from(GRANT_IDX)?, 1)?;
    let status_list = status_list_token(
        &list,
        STATUS_URI,
        EVENT_IAT,
        EVENT_IAT + 365 * 86_400,
        86_400,
        &consumer,
    )?;

    let moved = json!({"email": "gildong@example.com", "given_name": "길동", "age_over_19": true,
        "address": {"locality": "부산광역시"}});
    let new_grant = grant_claims(&iss, NEW_GRANT_JTI, None, EVENT_IAT, moved);
    let new_grant_jwt = sign_compact(&consumer_header(GRANT_TYP), &new_grant, &consumer)?;

    let revoked = set(
        &iss,
        "5d0c1b62-4c8e-4d58-bb0b-0d3b5c8b9a11",
        GRANT_JTI,
        Event::GrantRevoked(GrantRevoked {
            revoked_at: EVENT_IAT - 3,
            status_list: status_list.clone(),
        }),
    );
    let change = set(
        &iss,
        "0b7e5a1c-3d2f-4e6a-8b9c-1d2e3f4a5b6c",
        GRANT_JTI,
        Event::TokenClaimsChange(TokenClaimsChange {
            grant: new_grant_jwt.clone(),
            claims: vec!["address".into()],
            event_timestamp: Some(EVENT_IAT - 3),
        }),
    );
    let erasure = set(
        &iss,
        "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
        GRANT_JTI,
        Event::ErasureRequested(ErasureRequested {
            requested_at: EVENT_IAT - 3,
            deadline: EVENT_IAT - 3 + ERASURE_DEADLINE_SECS,
            status_list: status_list.clone(),
        }),
    );
    let consent = set(
        &iss,
        "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
        GRANT_JTI,
        Event::ChannelConsentChanged(ChannelConsentChanged {
            channels: vec![Channel {
                channel: "sms".into(),
                kind: ChannelKind::Ad,
            }],
            night_ads: false,
            given_at: EVENT_IAT - 3,
        }),
    );
    let erasure_receipt = ErasureReceiptClaims {
        iss: ORIGIN.into(),
        aud: iss.clone(),
        iat: EVENT_IAT + 1,
        jti: "9b2d0e1f-0000-4000-8000-000000000002".into(),
        event: "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d".into(),
        grant: GRANT_JTI.into(),
        erased: vec!["age_over_19".into(), "email".into(), "given_name".into()],
        requested_at: EVENT_IAT - 3,
        erased_at: EVENT_IAT + 1,
    };

    let brand_sign = |typ: &str, claims: Vec<u8>| -> Fallible<String> {
        Ok(line(jws::sign_compact_payload(
            &brand_header(typ, &brand_jwk),
            &claims,
            &brand,
        )?))
    };
    let consumer_sign = |typ: &str, claims: Vec<u8>| -> Fallible<String> {
        Ok(line(jws::sign_compact_payload(
            &consumer_header(typ),
            &claims,
            &consumer,
        )?))
    };
    Ok(vec![
        ("brand-key.json", pretty!(brand_key)),
        ("brand-jwks.json", pretty!(jwks)),
        ("consumer-key.json", pretty!(consumer_key)),
        (
            "request.jwt",
            brand_sign(REQUEST_TYP, serde_json::to_vec(&request)?)?,
        ),
        ("request.claims.json", pretty!(request)),
        ("grant.jwt", line(grant_jwt)),
        ("grant.claims.json", pretty!(grant)),
        (
            "brand-receipt.jwt",
            brand_sign(BRAND_RECEIPT_TYP, serde_json::to_vec(&receipt)?)?,
        ),
        ("brand-receipt.claims.json", pretty!(receipt)),
        ("status-list.jwt", line(status_list)),
        (
            "set-grant-revoked.jwt",
            consumer_sign(SET_TYP, serde_json::to_vec(&revoked)?)?,
        ),
        ("set-grant-revoked.claims.json", pretty!(revoked)),
        ("new-grant.jwt", line(new_grant_jwt)),
        (
            "set-token-claims-change.jwt",
            consumer_sign(SET_TYP, serde_json::to_vec(&change)?)?,
        ),
        ("set-token-claims-change.claims.json", pretty!(change)),
        (
            "set-erasure-requested.jwt",
            consumer_sign(SET_TYP, serde_json::to_vec(&erasure)?)?,
        ),
        ("set-erasure-requested.claims.json", pretty!(erasure)),
        (
            "set-channel-consent-changed.jwt",
            consumer_sign(SET_TYP, serde_json::to_vec(&consent)?)?,
        ),
        ("set-channel-consent-changed.claims.json", pretty!(consent)),
        (
            "erasure-receipt.jwt",
            brand_sign(ERASURE_RECEIPT_TYP, serde_json::to_vec(&erasure_receipt)?)?,
        ),
        ("erasure-receipt.claims.json", pretty!(erasure_receipt)),
    ])
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/protocol")
}

fn read(name: &str) -> Fallible<String> {
    let path = dir().join(name);
    Ok(std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?)
}

#[test]
fn protocol_vectors_are_reproduced_byte_for_byte() -> Fallible<()> {
    for (name, expected) in build()? {
        assert_eq!(
            read(name)?,
            expected,
            "{name} differs from what the typed protocol messages produce: the wire format changed"
        );
    }
    Ok(())
}

#[test]
fn committed_brand_tokens_verify_against_the_committed_jwks() -> Fallible<()> {
    let jwks = BrandJwks::from_slice(read("brand-jwks.json")?.as_bytes())?;
    let request = verify_request_object(read("request.jwt")?.trim(), &jwks, ORIGIN, IAT + 30)?;
    assert_eq!(request, request_claims());
    assert!(
        verify_request_object(read("request.jwt")?.trim(), &jwks, ORIGIN, REQUEST_EXP + 61)
            .is_err(),
        "expired"
    );

    let grant = read("grant.jwt")?;
    let receipt = verify_brand_receipt(read("brand-receipt.jwt")?.trim(), &jwks, ORIGIN)?;
    assert_eq!(receipt.grant.sha256, sha256_b64(grant.trim()));
    let erasure = verify_erasure_receipt(read("erasure-receipt.jwt")?.trim(), &jwks, ORIGIN)?;
    assert_eq!(erasure.grant, GRANT_JTI);

    // A brand token is never accepted under another brand's JWKS.
    let other = json!({"keys": [{"kty": "OKP", "crv": "Ed25519",
        "x": read_json("consumer-key.json")?["public_jwk"]["x"],
        "kid": read_json("consumer-key.json")?["kid"]}]});
    let other = BrandJwks::from_value(&other)?;
    assert!(verify_brand_receipt(read("brand-receipt.jwt")?.trim(), &other, ORIGIN).is_err());
    Ok(())
}

fn read_json(name: &str) -> Fallible<Value> {
    Ok(serde_json::from_str(&read(name)?)?)
}

#[test]
fn committed_grants_and_sets_verify_with_the_consumer_key_pinned() -> Fallible<()> {
    let consumer = read_json("consumer-key.json")?;
    let jwk = PublicJwk::from_json(&consumer["public_jwk"])?;
    let urn = jwk.thumbprint_urn();
    assert_eq!(consumer["thumbprint_urn"], urn.as_str());
    let pinned = IssuerPolicy::PinnedKey(Arc::new(PinnedConsumer::new(&jwk)?));

    let grant = verify_grant(
        read("grant.jwt")?.trim(),
        &VerifyOptions {
            audience: ORIGIN.into(),
            issuer: pinned.clone(),
            status: StatusPolicy::Waived,
            now: GRANT_IAT + 5,
        },
    )?;
    assert_eq!(grant.typed_claims()?.nonce.as_deref(), Some(NONCE));
    let list = StatusListVerified::verify(read("status-list.jwt")?.trim())?;
    assert_eq!(list.signer_thumbprint(), jwk.thumbprint());
    assert_eq!(list.list().get(usize::try_from(GRANT_IDX)?), Some(1));

    let opts = SetOptions {
        audience: ORIGIN.into(),
        issuer: pinned.clone(),
    };
    for (file, uri) in [
        (
            "set-grant-revoked.jwt",
            vouchsafe_verify::token::protocol::GRANT_REVOKED,
        ),
        (
            "set-token-claims-change.jwt",
            vouchsafe_verify::token::protocol::TOKEN_CLAIMS_CHANGE,
        ),
        (
            "set-erasure-requested.jwt",
            vouchsafe_verify::token::protocol::ERASURE_REQUESTED,
        ),
        (
            "set-channel-consent-changed.jwt",
            vouchsafe_verify::token::protocol::CHANNEL_CONSENT_CHANGED,
        ),
    ] {
        let set = verify_set(read(file)?.trim(), &opts)?;
        assert_eq!(
            (set.grant_jti(), set.event_type()),
            (GRANT_JTI, uri),
            "{file}"
        );
        let event = set.event()?;
        assert_eq!(event.type_uri(), uri);
        let claims: SetClaims =
            serde_json::from_str(&read(&file.replace(".jwt", ".claims.json"))?)?;
        assert_eq!(claims, set.typed_claims()?, "{file}");
        if let Event::TokenClaimsChange(change) = event {
            let new = verify_grant(
                &change.grant,
                &VerifyOptions {
                    audience: ORIGIN.into(),
                    issuer: pinned.clone(),
                    status: StatusPolicy::Waived,
                    now: EVENT_IAT,
                },
            )?;
            assert_eq!(new.jti(), NEW_GRANT_JTI);
        }
    }
    // The same SETs under another consumer pinned are refused.
    let brand = read_json("brand-key.json")?;
    let stranger = PublicJwk::from_json(&brand["public_jwk"])?;
    let opts = SetOptions {
        audience: ORIGIN.into(),
        issuer: IssuerPolicy::PinnedKey(Arc::new(PinnedConsumer::new(&stranger)?)),
    };
    assert!(verify_set(read("set-grant-revoked.jwt")?.trim(), &opts).is_err());
    Ok(())
}

/// Rewrites the committed vectors. Run only for an intended format change.
#[test]
#[ignore = "writes tests/vectors/protocol/; run by hand for an intended format change"]
fn regenerate() -> Fallible<()> {
    std::fs::create_dir_all(dir())?;
    for (name, contents) in build()? {
        std::fs::write(dir().join(name), contents)?;
    }
    Ok(())
}
