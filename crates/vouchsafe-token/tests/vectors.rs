//! The committed reference tokens in `tests/vectors/` (repository root), rebuilt from the typed
//! claim structs with a fixed key and fixed times.
//!
//! Ed25519 signatures are deterministic, so rebuilding gives the very same bytes; the test
//! fails when the wire format (member names, order, header, encoding) changes by accident. If
//! a change is intended, regenerate with
//! `cargo test -p vouchsafe-token --test vectors -- --ignored regenerate` and say why in the
//! commit.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value, json};
use vouchsafe_token::claims::{
    AuthorizationDetail, ChannelConsentClaim, ChannelsClaim, ConsentEvent, ConsentReceiptClaims,
    GrantClaims, NightAdsClaim, PiiController, ReceiptPurpose, ReceiptService, StatusClaim,
    StatusListMember, StatusListRef,
};
use vouchsafe_token::jws::{header_for, sign_compact};
use vouchsafe_token::protocol::ChannelKind;
use vouchsafe_token::status_list::{STATUS_INVALID, StatusList};
use vouchsafe_token::{
    GRANT_TYP, PublicJwk, RECEIPT_TYP, STATUS_LIST_TYP, SigningKey, StatusListClaims,
    status_list_token,
};

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// TEST-ONLY private key seed of the vectors. Public on purpose; never use it for anything else.
const SEED_HEX: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const BRAND: &str = "acme-coffee";
const STATUS_URI: &str = "https://status.vouchsafe.example/v1/lists/vectors";
/// Issue time of the grants and the list: 2026-01-01T00:00:00Z.
const IAT: i64 = 1_767_225_600;
/// Grant expiry: 2026-12-31T23:59:59Z.
const EXP: i64 = 1_798_761_599;
const LIST_EXP: i64 = IAT + 86_400;
const LIST_TTL: i64 = 3_600;
const LIST_LEN: usize = 1_024;
const REVOKED: [usize; 2] = [1, 17];
const DERIVED_DATATYPES: [&str; 7] = [
    "email",
    "membership.cj_one",
    "custom.blood_type",
    "age_over_18",
    "age_over_14",
    "birthday",
    "city",
];

fn key() -> Fallible<SigningKey> {
    let bytes: Vec<u8> = (0..SEED_HEX.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(SEED_HEX.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<_, _>>()?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| "seed length")?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A map whose members are inserted in sorted order, so it serializes the same with or without
/// serde_json's `preserve_order` feature (which other crates of the workspace turn on).
fn sorted(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map
            .into_iter()
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect(),
        _ => Map::new(),
    }
}

fn grant(iss: &str, jti: &str, idx: u64, datatypes: &[&str], profile: Value) -> GrantClaims {
    let mut detail = AuthorizationDetail::profile_release(
        datatypes.iter().map(|d| (*d).to_owned()).collect(),
        "send a birthday coupon",
        "https://w3id.org/dpv#ServicePersonalisation",
    );
    detail.channels = Some(ChannelsClaim::Legacy(BTreeMap::from([
        ("email".to_owned(), true),
        ("sms".to_owned(), false),
    ])));
    detail.offer = Some("free americano".to_owned());
    GrantClaims {
        iss: iss.to_owned(),
        sub: iss.to_owned(),
        aud: BRAND.to_owned(),
        iat: IAT,
        nbf: Some(IAT),
        exp: EXP,
        jti: jti.to_owned(),
        nonce: None,
        status: StatusClaim {
            status_list: StatusListRef {
                idx,
                uri: STATUS_URI.to_owned(),
            },
        },
        authorization_details: vec![detail],
        profile: sorted(profile),
    }
}

/// Every raw field kind the core releases: all standard fields, every address part, the list
/// fields, a membership and a custom field. (Nested objects are written in sorted order.)
fn grant_fields(iss: &str) -> GrantClaims {
    grant(
        iss,
        "6f1c3c2e-4c55-4d2b-9a51-0d5b7f3e1a01",
        3,
        &[
            "given_name",
            "family_name",
            "middle_name",
            "nickname",
            "name",
            "email",
            "phone_number",
            "birthdate",
            "gender",
            "locale",
            "zoneinfo",
            "interests",
            "clothing_size",
            "shoe_size",
            "dietary_preferences",
            "contact_channels",
            "address.street_address",
            "address.locality",
            "address.region",
            "address.postal_code",
            "address.country",
            "address.formatted",
            "membership.cj_one",
            "custom.blood_type",
        ],
        json!({
            "address": {
                "country": "KR",
                "formatted": "서울특별시 강남구 테헤란로 1, 06236",
                "locality": "강남구",
                "postal_code": "06236",
                "region": "서울특별시",
                "street_address": "테헤란로 1"
            },
            "birthdate": "2008-03-14",
            "clothing_size": "M",
            "contact_channels": ["email", "push"],
            "custom": {"blood_type": "A"},
            "dietary_preferences": ["vegetarian", "no nuts"],
            "email": "gildong@example.com",
            "family_name": "홍",
            "gender": "male",
            "given_name": "길동",
            "interests": ["coffee", "hiking"],
            "locale": "ko-KR",
            "memberships": {"cj_one": "1234 5678"},
            "middle_name": "Q",
            "name": "홍길동",
            "nickname": "Gil",
            "phone_number": "+821012345678",
            "shoe_size": "270",
            "zoneinfo": "Asia/Seoul"
        }),
    )
}

/// Every derived fact (two ages, birthday without year, city), with a plain field, a
/// membership and a custom field beside them. A raw `birthdate` or address part cannot share a
/// grant with `birthday` or `city`, hence two grants.
fn grant_derived(iss: &str) -> GrantClaims {
    grant(
        iss,
        "6f1c3c2e-4c55-4d2b-9a51-0d5b7f3e1a02",
        4,
        &DERIVED_DATATYPES,
        json!({
            "address": {"country": "KR", "locality": "강남구", "region": "서울특별시"},
            "age_over_14": true,
            "age_over_18": false,
            "birthdate": "0000-03-14",
            "custom": {"blood_type": "A"},
            "email": "gildong@example.com",
            "memberships": {"cj_one": "1234 5678"}
        }),
    )
}

/// Channel consent version 2 (channel × kind, night-time advertising, dates), the shape the
/// vault writes since issue 11: informational email and KakaoTalk, advertising by email only,
/// SMS advertising refused, no advertising at night. The email advertising consent was given
/// later than the rest (a consent change), so the dates differ.
fn channel_consents() -> Vec<ChannelConsentClaim> {
    let c = |channel: &str, kind, allowed, given_at| ChannelConsentClaim {
        channel: channel.to_owned(),
        kind,
        allowed,
        given_at,
    };
    vec![
        c("email", ChannelKind::Info, true, IAT),
        c("email", ChannelKind::Ad, true, IAT + 600),
        c("sms", ChannelKind::Ad, false, IAT),
        c("kakao", ChannelKind::Info, true, IAT),
        c("custom.line", ChannelKind::Info, false, IAT),
    ]
}

/// A grant of `email` and `birthday` carrying channel consent version 2; status index 5.
fn grant_channels(iss: &str) -> GrantClaims {
    let mut g = grant(
        iss,
        "6f1c3c2e-4c55-4d2b-9a51-0d5b7f3e1a05",
        5,
        &["email", "birthday"],
        json!({"birthdate": "0000-03-14", "email": "gildong@example.com"}),
    );
    for d in &mut g.authorization_details {
        d.channels = Some(ChannelsClaim::Consents(channel_consents()));
        d.night_ads = Some(NightAdsClaim {
            allowed: false,
            given_at: IAT,
        });
    }
    g
}

/// The consent receipt of the derived grant, after a revocation.
fn receipt(iss: &str) -> ConsentReceiptClaims {
    let jti = "6f1c3c2e-4c55-4d2b-9a51-0d5b7f3e1a02";
    ConsentReceiptClaims {
        iss: iss.to_owned(),
        sub: iss.to_owned(),
        iat: IAT + 7_200,
        jti: jti.to_owned(),
        version: "KI-CR-v1.1.0".to_owned(),
        jurisdiction: "KR".to_owned(),
        consent_timestamp: IAT,
        collection_method: "Issued by the consumer as a signed Vouchsafe grant".to_owned(),
        consent_receipt_id: jti.to_owned(),
        language: "en".to_owned(),
        pii_principal_id: iss.to_owned(),
        pii_controllers: vec![PiiController {
            pii_controller: "Acme Coffee".to_owned(),
            contact: BRAND.to_owned(),
            on_behalf: false,
            url: Some("https://acme.example".to_owned()),
        }],
        policy_url: "https://acme.example".to_owned(),
        services: vec![ReceiptService {
            service: "Release of chosen profile data".to_owned(),
            purposes: vec![ReceiptPurpose {
                purpose: "send a birthday coupon".to_owned(),
                purpose_category: vec!["https://w3id.org/dpv#ServicePersonalisation".to_owned()],
                consent_type: "EXPLICIT".to_owned(),
                pii_category: DERIVED_DATATYPES.map(str::to_owned).to_vec(),
                primary_purpose: true,
                termination: format!(
                    "Ends at 2026-12-31T23:59:59Z or when the consumer revokes it (vouchsafe grant revoke {jti}); revocation is published in status list {STATUS_URI} at index 4"
                ),
                third_party_disclosure: false,
            }],
        }],
        sensitive: false,
        spi_cat: vec![],
        events: vec![
            ConsentEvent {
                event: "given".to_owned(),
                at: "2026-01-01T00:00:00Z".to_owned(),
                timestamp: IAT,
            },
            ConsentEvent {
                event: "withdrawn".to_owned(),
                at: "2026-01-01T01:00:00Z".to_owned(),
                timestamp: IAT + 3_600,
            },
        ],
        summary: "Acme Coffee gets your email, cj_one membership number, blood type, whether you are over 18, whether you are over 14, birthday (no year) and city to send a birthday coupon, by email only, until 2026-12-31.".to_owned(),
        channels: None,
        night_ads: None,
    }
}

/// `key.json`: a struct, so member order does not depend on serde_json features.
#[derive(Serialize)]
struct KeyFile {
    warning: &'static str,
    seed_hex: &'static str,
    public_jwk: PublicJwk,
    kid: String,
    thumbprint_urn: String,
}

fn pretty<T: Serialize>(value: &T) -> Fallible<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(value)?))
}

fn token_line<T: Serialize>(typ: &str, claims: &T, key: &SigningKey) -> Fallible<String> {
    let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
    Ok(format!(
        "{}\n",
        sign_compact(&header_for(typ, &jwk), claims, key)?
    ))
}

/// Every vector file: name and exact contents.
fn build() -> Fallible<Vec<(&'static str, String)>> {
    let key = key()?;
    let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
    let iss = jwk.thumbprint_urn();
    let fields = grant_fields(&iss);
    let derived = grant_derived(&iss);
    let channels = grant_channels(&iss);
    let receipt = receipt(&iss);
    let mut list = StatusList::new(LIST_LEN, 1)?;
    for idx in REVOKED {
        list.set(idx, STATUS_INVALID)?;
    }
    let list_token = status_list_token(&list, STATUS_URI, IAT, LIST_EXP, LIST_TTL, &key)?;
    let list_claims = StatusListClaims {
        iss: None,
        sub: STATUS_URI.to_owned(),
        iat: IAT,
        exp: LIST_EXP,
        ttl: Some(LIST_TTL),
        status_list: StatusListMember {
            bits: 1,
            lst: list.to_lst()?,
        },
    };
    // The typed list claims must sign to the same token the status list builder makes.
    if token_line(STATUS_LIST_TYP, &list_claims, &key)? != format!("{list_token}\n") {
        return Err("status_list_token and the typed StatusListClaims disagree".into());
    }
    let key_file = KeyFile {
        warning: "TEST ONLY. This private key seed is public; it signs the reference vectors and nothing else.",
        seed_hex: SEED_HEX,
        kid: jwk.thumbprint(),
        thumbprint_urn: iss.clone(),
        public_jwk: jwk,
    };
    Ok(vec![
        ("key.json", pretty(&key_file)?),
        ("grant-fields.jwt", token_line(GRANT_TYP, &fields, &key)?),
        ("grant-fields.claims.json", pretty(&fields)?),
        ("grant-derived.jwt", token_line(GRANT_TYP, &derived, &key)?),
        ("grant-derived.claims.json", pretty(&derived)?),
        (
            "grant-channels.jwt",
            token_line(GRANT_TYP, &channels, &key)?,
        ),
        ("grant-channels.claims.json", pretty(&channels)?),
        ("status-list.jwt", format!("{list_token}\n")),
        ("status-list.claims.json", pretty(&list_claims)?),
        (
            "consent-receipt.jwt",
            token_line(RECEIPT_TYP, &receipt, &key)?,
        ),
        ("consent-receipt.claims.json", pretty(&receipt)?),
    ])
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

#[test]
fn vectors_are_reproduced_byte_for_byte() -> Fallible<()> {
    for (name, expected) in build()? {
        let path = dir().join(name);
        let committed =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        assert_eq!(
            committed, expected,
            "{name} differs from what the typed claims produce: the wire format changed"
        );
    }
    Ok(())
}

#[test]
fn committed_claims_parse_back_into_the_typed_structs() -> Fallible<()> {
    let read = |name: &str| std::fs::read_to_string(dir().join(name));
    let fields: GrantClaims = serde_json::from_str(&read("grant-fields.claims.json")?)?;
    assert_eq!(fields.profile.len(), 19, "every raw field kind");
    assert_eq!(fields, grant_fields(&fields.iss));
    let derived: GrantClaims = serde_json::from_str(&read("grant-derived.claims.json")?)?;
    assert_eq!(derived.profile["age_over_18"], false);
    let channels: GrantClaims = serde_json::from_str(&read("grant-channels.claims.json")?)?;
    assert_eq!(channels, grant_channels(&channels.iss));
    let consent = channels.authorization_details[0]
        .channels
        .as_ref()
        .ok_or("channels")?;
    assert!(consent.allows("email", ChannelKind::Ad));
    assert!(!consent.allows("sms", ChannelKind::Ad));
    let list: StatusListClaims = serde_json::from_str(&read("status-list.claims.json")?)?;
    assert_eq!(
        StatusList::from_lst(1, &list.status_list.lst)?.get(17),
        Some(1)
    );
    let receipt: ConsentReceiptClaims =
        serde_json::from_str(&read("consent-receipt.claims.json")?)?;
    assert_eq!(receipt.events.len(), 2);
    Ok(())
}

/// Rewrites the committed vectors. Run only for an intended format change.
#[test]
#[ignore = "writes tests/vectors/; run by hand for an intended format change"]
fn regenerate() -> Fallible<()> {
    std::fs::create_dir_all(dir())?;
    for (name, contents) in build()? {
        std::fs::write(dir().join(name), contents)?;
    }
    Ok(())
}
