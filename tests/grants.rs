//! Grants end to end on a real vault: issuance, the exact claims released, unlinkability across
//! brands, revocation through the status list, consent receipts and the audit chain.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::collections::BTreeSet;

use common::*;
use rusqlite::Connection;
use serde_json::{Map, Value, json};
use vouchsafe::audit::ChainState;
use vouchsafe::grants::request::{ChannelChoices, Derived, parse_channels, parse_purpose_category};
use vouchsafe::{
    BrandError, GrantError, GrantRequest, GrantRequestParts, GrantState, Lang, NewBrand, Vault,
    VaultError,
};
use vouchsafe_verify::{
    IssuerPolicy, StatusOutcome, StatusPolicy, VerifyError, VerifyOptions, verify_grant,
};

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A vault with a Korean consumer's profile and two brands.
fn setup() -> (TempVault, Vault) {
    let (tv, mut v) = temp_vault();
    let profile = [
        ("given_name", "길동"),
        ("family_name", "홍"),
        ("email", "gildong@example.com"),
        ("phone_number", "010-1234-5678"),
        ("birthdate", "1990-03-14"),
        ("gender", "male"),
        ("locale", "ko-KR"),
        ("zoneinfo", "Asia/Seoul"),
        ("address.street_address", "테헤란로 152"),
        ("address.locality", "강남구"),
        ("address.region", "서울특별시"),
        ("address.postal_code", "06236"),
        ("address.country", "KR"),
        ("interests", "커피, hiking"),
        ("clothing_size", "M"),
        ("shoe_size", "270"),
        ("dietary_preferences", "vegetarian"),
        ("contact_channels", "email"),
        ("membership.cj_one", "1234 5678 9012"),
        ("custom.blood_type", "A"),
    ];
    v.fields_mut()
        .set_many(profile.iter().map(|(n, val)| (name(n), *val, None)))
        .expect("profile");
    v.brands_mut()
        .add(&NewBrand {
            id: "acme-coffee",
            name: "Acme Coffee",
            url: Some("https://acme.example"),
            notes: None,
            status_url: None,
        })
        .expect("brand");
    v.brands_mut()
        .add(&NewBrand {
            id: "https://shoes.example",
            name: "신발가게",
            url: None,
            notes: None,
            status_url: Some("https://me.example/status/shoes"),
        })
        .expect("brand");
    (tv, v)
}

fn request(brand: &str, fields: &[&str], derived: &[Derived]) -> GrantRequest {
    GrantRequest::new(parts(brand, fields, derived), now()).expect("a valid request")
}

fn parts(brand: &str, fields: &[&str], derived: &[Derived]) -> GrantRequestParts {
    GrantRequestParts {
        brand: brand.into(),
        fields: fields.iter().map(|f| name(f)).collect(),
        derived: derived.to_vec(),
        purpose: "send a birthday coupon".into(),
        purpose_category: Some(parse_purpose_category("DirectMarketing").expect("dpv")),
        // The spelling of scripts written before kinds: email for notices, nothing on SMS.
        channels: ChannelChoices::new(
            parse_channels("email,-sms").expect("channels"),
            false,
            now(),
        )
        .expect("channels"),
        offer: Some("free americano".into()),
        expires_at: now() + 30 * 86_400,
    }
}

fn verify(
    token: &str,
    audience: &str,
    status: Option<String>,
) -> Result<vouchsafe_verify::VerifiedGrant, VerifyError> {
    verify_grant(
        token,
        &VerifyOptions {
            audience: audience.into(),
            issuer: IssuerPolicy::AnyConsumer,
            status: status.map_or(StatusPolicy::Waived, StatusPolicy::List),
            now: now(),
        },
    )
}

const ENVELOPE: [&str; 10] = [
    "iss",
    "sub",
    "aud",
    "iat",
    "nbf",
    "exp",
    "jti",
    "authorization_details",
    "status",
    "__",
];

/// The released claims: everything except the envelope.
fn released(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .filter(|(k, _)| !ENVELOPE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn each_field_kind_releases_exactly_its_claim() {
    let (_tv, mut v) = setup();
    let cases: Vec<(&str, Value)> = vec![
        ("given_name", json!({"given_name": "길동"})),
        ("family_name", json!({"family_name": "홍"})),
        ("email", json!({"email": "gildong@example.com"})),
        ("phone_number", json!({"phone_number": "+821012345678"})),
        ("birthdate", json!({"birthdate": "1990-03-14"})),
        ("gender", json!({"gender": "male"})),
        ("locale", json!({"locale": "ko-KR"})),
        ("zoneinfo", json!({"zoneinfo": "Asia/Seoul"})),
        (
            "address.street_address",
            json!({"address": {"street_address": "테헤란로 152"}}),
        ),
        (
            "address.locality",
            json!({"address": {"locality": "강남구"}}),
        ),
        (
            "address.postal_code",
            json!({"address": {"postal_code": "06236"}}),
        ),
        ("address.country", json!({"address": {"country": "KR"}})),
        ("interests", json!({"interests": ["커피", "hiking"]})),
        ("clothing_size", json!({"clothing_size": "M"})),
        ("shoe_size", json!({"shoe_size": "270"})),
        (
            "dietary_preferences",
            json!({"dietary_preferences": ["vegetarian"]}),
        ),
        ("contact_channels", json!({"contact_channels": ["email"]})),
        (
            "membership.cj_one",
            json!({"memberships": {"cj_one": "1234 5678 9012"}}),
        ),
        ("custom.blood_type", json!({"custom": {"blood_type": "A"}})),
    ];
    for (field, want) in cases {
        let g = v
            .grants_mut()
            .issue(&request("acme-coffee", &[field], &[]))
            .expect(field);
        let checked = verify(&g.token, "acme-coffee", None).expect(field);
        assert_eq!(Value::Object(released(checked.claims())), want, "{field}");
        let details = &checked.claims()["authorization_details"][0];
        assert_eq!(details["datatypes"], json!([field]), "{field}");
    }
}

#[test]
fn each_derived_kind_releases_the_fact_not_the_value() {
    let (_tv, mut v) = setup();
    let cases: Vec<(Derived, Value)> = vec![
        (Derived::AgeOver(18), json!({"age_over_18": true})),
        (Derived::AgeOver(99), json!({"age_over_99": false})),
        (Derived::Birthday, json!({"birthdate": "0000-03-14"})),
        (
            Derived::City,
            json!({"address": {"locality": "강남구", "region": "서울특별시", "country": "KR"}}),
        ),
    ];
    for (d, want) in cases {
        let g = v
            .grants_mut()
            .issue(&request("acme-coffee", &[], &[d]))
            .expect("issue");
        let checked = verify(&g.token, "acme-coffee", None).expect("verify");
        assert_eq!(Value::Object(released(checked.claims())), want, "{d}");
        let text = Value::Object(released(checked.claims())).to_string();
        for raw in ["1990", "테헤란로", "06236", "gildong"] {
            assert!(!text.contains(raw), "{d} leaked {raw}");
        }
    }
}

#[test]
fn the_envelope_follows_the_spec() {
    let (_tv, mut v) = setup();
    let g = v
        .grants_mut()
        .issue(&request("acme-coffee", &["email"], &[Derived::AgeOver(19)]))
        .expect("issue");
    let checked = verify(&g.token, "acme-coffee", None).expect("verify");
    let c = checked.claims();
    let header: Value =
        serde_json::from_slice(&base64_url(g.token.split('.').next().expect("header")))
            .expect("header json");
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "vnd.vouchsafe.grant+jwt");
    let thumb = header["kid"].as_str().expect("kid");
    assert_eq!(
        c["iss"],
        format!("urn:ietf:params:oauth:jwk-thumbprint:sha-256:{thumb}")
    );
    assert_eq!(c["sub"], c["iss"]);
    assert_eq!(c["aud"], "acme-coffee");
    assert_eq!(c["jti"], g.id);
    assert!(c["exp"].as_i64() > c["iat"].as_i64());
    assert_eq!(c["nbf"], c["iat"]);
    assert_eq!(
        c["authorization_details"],
        json!([{
            "type": "vouchsafe_profile_release",
            "datatypes": ["email", "age_over_19"],
            "purpose": "send a birthday coupon",
            "purpose_category": "https://w3id.org/dpv#DirectMarketing",
            "channels": [
                {"channel": "email", "kind": "info", "allowed": true, "given_at": now()},
                {"channel": "sms", "kind": "info", "allowed": false, "given_at": now()},
                {"channel": "sms", "kind": "ad", "allowed": false, "given_at": now()},
            ],
            "night_ads": {"allowed": false, "given_at": now()},
            "offer": "free americano",
        }])
    );
    let status = &c["status"]["status_list"];
    assert!(
        status["uri"]
            .as_str()
            .expect("uri")
            .starts_with("urn:uuid:")
    );
    assert!(status["idx"].as_u64().expect("idx") < 1024);
    assert_eq!(
        g.summary.get(Lang::En),
        format!(
            "Acme Coffee gets your email and whether you are over 19 to send a birthday coupon, until {}. Notices by email only; no ads.",
            jiff::Timestamp::from_second(now() + 30 * 86_400)
                .expect("ts")
                .to_zoned_datetime(jiff::tz::TimeZone::system())
                .date()
        )
    );
    // A brand that set a publishing location gets an https status URI.
    let g2 = v
        .grants_mut()
        .issue(&request("https://shoes.example", &["shoe_size"], &[]))
        .expect("issue");
    let c2 = verify(&g2.token, "https://shoes.example", None).expect("verify");
    assert_eq!(
        c2.claims()["status"]["status_list"]["uri"],
        "https://me.example/status/shoes"
    );
}

fn base64_url(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .expect("b64")
}

/// Every identifier-like value of a token: header and claims, minus the released profile values.
fn identifiers(token: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut parts = token.split('.');
    let header: Value = serde_json::from_slice(&base64_url(parts.next().expect("h"))).expect("h");
    let claims: Value = serde_json::from_slice(&base64_url(parts.next().expect("c"))).expect("c");
    out.insert(header["kid"].to_string());
    out.insert(header["jwk"]["x"].to_string());
    for k in ["iss", "sub", "jti"] {
        out.insert(claims[k].to_string());
    }
    out.insert(claims["status"]["status_list"]["uri"].to_string());
    // `idx` is left out on purpose: it is a random number below the list length, so two
    // brands' indices coincide by chance now and then without linking anything.
    out
}

#[test]
fn two_brands_tokens_share_no_identifier() {
    let (_tv, mut v) = setup();
    v.brands_mut()
        .add(&NewBrand {
            id: "brand-b",
            name: "Brand B",
            url: None,
            notes: None,
            status_url: None,
        })
        .expect("brand");
    let mut a = BTreeSet::new();
    let mut b = BTreeSet::new();
    for _ in 0..5 {
        a.extend(identifiers(
            &v.grants_mut()
                .issue(&request("acme-coffee", &["email"], &[]))
                .expect("a")
                .token,
        ));
        b.extend(identifiers(
            &v.grants_mut()
                .issue(&request("brand-b", &["email"], &[]))
                .expect("b")
                .token,
        ));
    }
    let shared: Vec<_> = a.intersection(&b).collect();
    assert!(shared.is_empty(), "shared across brands: {shared:?}");
    // Same brand: the pairwise identifier is stable, the grant ids are not.
    let brand = v.brands().get("acme-coffee").expect("brand");
    let grants = v.grants().list(Some("acme-coffee")).expect("grants");
    let jtis: BTreeSet<_> = grants.iter().map(|g| g.id.clone()).collect();
    assert_eq!(jtis.len(), grants.len());
    assert!(
        brand
            .issuer
            .starts_with("urn:ietf:params:oauth:jwk-thumbprint:sha-256:")
    );
    assert_ne!(brand.issuer, v.brands().get("brand-b").expect("b").issuer);
}

#[test]
fn revocation_reaches_the_brand_through_its_status_list() {
    let (_tv, mut v) = setup();
    let keep = v
        .grants_mut()
        .issue(&request("acme-coffee", &["email"], &[]))
        .expect("keep");
    let gone = v
        .grants_mut()
        .issue(&request("acme-coffee", &["given_name"], &[]))
        .expect("gone");
    let before = v.brands().status_list_token("acme-coffee").expect("list");
    assert_eq!(
        verify(&gone.token, "acme-coffee", Some(before.clone()))
            .expect("valid")
            .status(),
        StatusOutcome::Valid
    );

    v.grants_mut()
        .revoke(&gone.id[..8])
        .expect("revoke by prefix");
    assert!(matches!(
        v.grants_mut().revoke(&gone.id),
        Err(VaultError::Grant(GrantError::AlreadyRevoked(_)))
    ));
    let after = v.brands().status_list_token("acme-coffee").expect("list");
    assert!(matches!(
        verify(&gone.token, "acme-coffee", Some(after.clone())),
        Err(VerifyError::Revoked { .. })
    ));
    assert_eq!(
        verify(&keep.token, "acme-coffee", Some(after))
            .expect("other still valid")
            .status(),
        StatusOutcome::Valid
    );
    // The old list, fetched before the revocation, still says valid: brands must refresh.
    assert!(verify(&gone.token, "acme-coffee", Some(before)).is_ok());

    let states: Vec<(String, GrantState)> = v
        .grants()
        .list(Some("acme-coffee"))
        .expect("list")
        .into_iter()
        .map(|g| (g.id, g.state))
        .collect();
    assert!(states.contains(&(gone.id.clone(), GrantState::Revoked)));
    assert!(states.contains(&(keep.id.clone(), GrantState::Active)));
    assert_eq!(
        v.grants().holdings("acme-coffee").expect("holds"),
        ["email"]
    );

    assert_eq!(v.brands_mut().revoke_grants("acme-coffee").expect("all"), 1);
    let last = v.brands().status_list_token("acme-coffee").expect("list");
    assert!(matches!(
        verify(&keep.token, "acme-coffee", Some(last)),
        Err(VerifyError::Revoked { .. })
    ));
    assert!(
        v.grants()
            .holdings("acme-coffee")
            .expect("holds")
            .is_empty()
    );
}

#[test]
fn status_lists_are_large_and_indices_random() {
    let (_tv, mut v) = setup();
    let mut idx = Vec::new();
    for _ in 0..40 {
        let g = v
            .grants_mut()
            .issue(&request("acme-coffee", &["email"], &[]))
            .expect("issue");
        idx.push(v.grants().get(&g.id).expect("grant").status_idx);
    }
    let distinct: BTreeSet<_> = idx.iter().collect();
    assert_eq!(
        distinct.len(),
        idx.len(),
        "indices are unique within a brand"
    );
    let mut sorted = idx.clone();
    sorted.sort_unstable();
    assert_ne!(idx, sorted, "issue order must not be index order");
    let list = v.brands().status_list_token("acme-coffee").expect("list");
    let claims: Value =
        serde_json::from_slice(&base64_url(list.split('.').nth(1).expect("c"))).expect("json");
    let decoded = vouchsafe_token::StatusList::from_lst(
        1,
        claims["status_list"]["lst"].as_str().expect("lst"),
    )
    .expect("lst");
    assert!(decoded.len() >= 1024);
    assert_eq!(claims["status_list"]["bits"], 1);
    assert!(claims["exp"].as_i64() > claims["iat"].as_i64());
    assert!(claims["ttl"].as_i64().expect("ttl") > 0);
}

#[test]
fn bad_requests_issue_nothing() {
    let (_tv, mut v) = setup();
    let audit_before = v.audit().entries().expect("audit").len();
    // Some parts are refused when the request is built, the rest when it is issued.
    let unset = parts("acme-coffee", &["nickname"], &[]);
    let cases: Vec<(GrantRequestParts, &str)> = vec![
        (parts("acme-coffee", &[], &[]), "choose at least one field"),
        (unset, "field nickname is not set"),
        (
            GrantRequestParts {
                purpose: "  ".into(),
                ..parts("acme-coffee", &["email"], &[])
            },
            "a purpose is required",
        ),
        (
            GrantRequestParts {
                expires_at: now() - 10,
                ..parts("acme-coffee", &["email"], &[])
            },
            "is in the past",
        ),
        (
            parts("nobody", &["email"], &[]),
            "brand nobody is not known",
        ),
        (
            parts("acme-coffee", &["birthdate"], &[Derived::Birthday]),
            "release the same claim",
        ),
    ];
    for (req, msg) in cases {
        let err = GrantRequest::new(req, now())
            .map_err(VaultError::from)
            .and_then(|req| v.grants_mut().issue(&req))
            .expect_err(msg);
        assert!(
            err.to_string().contains(msg),
            "{err} should contain {msg:?}"
        );
    }
    assert!(v.grants().list(None).expect("grants").is_empty());
    assert_eq!(v.audit().entries().expect("audit").len(), audit_before);
}

#[test]
fn brands_with_live_grants_are_not_removed_without_revoking() {
    let (_tv, mut v) = setup();
    let g = v
        .grants_mut()
        .issue(&request("acme-coffee", &["email"], &[]))
        .expect("issue");
    assert!(matches!(
        v.brands_mut().remove("acme-coffee", false),
        Err(VaultError::Brand(BrandError::HasLiveGrants { live: 1, .. }))
    ));
    let last = v
        .brands_mut()
        .remove("acme-coffee", true)
        .expect("remove")
        .expect("final list");
    assert!(matches!(
        verify(&g.token, "acme-coffee", Some(last)),
        Err(VerifyError::Revoked { .. })
    ));
    assert!(matches!(
        v.brands().get("acme-coffee"),
        Err(VaultError::Brand(BrandError::Unknown(_)))
    ));
    assert!(
        v.grants()
            .list(None)
            .expect("grants")
            .iter()
            .all(|g| g.brand != "acme-coffee")
    );
    assert!(matches!(
        v.brands_mut().add(&NewBrand {
            id: "https://shoes.example",
            name: "dup",
            ..Default::default()
        }),
        Err(VaultError::Brand(BrandError::Exists(_)))
    ));
    assert!(matches!(
        v.brands_mut().add(&NewBrand {
            id: "not ok",
            name: "x",
            ..Default::default()
        }),
        Err(VaultError::Brand(BrandError::BadId(_)))
    ));
}

#[test]
fn consent_receipts_are_signed_kantara_records_with_events() {
    let (_tv, mut v) = setup();
    let g = v
        .grants_mut()
        .issue(&request("acme-coffee", &["email"], &[Derived::Birthday]))
        .expect("issue");
    let brand = v.brands().get("acme-coffee").expect("brand");
    let check = |receipt: &str| -> Map<String, Value> {
        let jws = vouchsafe_token::CompactJws::parse(receipt).expect("parse");
        assert_eq!(jws.header()["typ"], "vnd.vouchsafe.consent-receipt+jwt");
        jws.verify_signature(&brand.jwk.to_verifying_key().expect("key"))
            .expect("signed by the brand key");
        jws.claims().expect("claims")
    };
    let r = check(&g.receipt);
    assert_eq!(r["consentReceiptID"], g.id);
    assert_eq!(r["piiPrincipalId"], brand.issuer);
    assert_eq!(r["piiControllers"][0]["piiController"], "Acme Coffee");
    let purpose = &r["services"][0]["purposes"][0];
    assert_eq!(purpose["consentType"], "EXPLICIT");
    assert_eq!(purpose["piiCategory"], json!(["email", "birthday"]));
    assert_eq!(
        purpose["purposeCategory"],
        json!(["https://w3id.org/dpv#DirectMarketing"])
    );
    assert!(
        purpose["termination"]
            .as_str()
            .expect("t")
            .contains("vouchsafe grant revoke")
    );
    assert_eq!(r["events"].as_array().expect("events").len(), 1);
    assert_eq!(r["events"][0]["event"], "given");
    assert!(r["summary"].as_str().expect("s").starts_with(
        "Acme Coffee gets your email and birthday (no year) to send a birthday coupon, until "
    ));
    assert_eq!(
        r["channels"][0],
        json!({"channel": "email", "kind": "info", "allowed": true, "given_at": now()})
    );
    assert_eq!(r["nightAds"]["allowed"], false);
    // A grant receipt is not a grant: the verifier refuses it by its type.
    assert!(matches!(
        verify(&g.receipt, "acme-coffee", None),
        Err(VerifyError::WrongType { .. })
    ));

    v.grants_mut().revoke(&g.id).expect("revoke");
    let r = check(&v.grants().receipt(&g.id).expect("receipt"));
    let events: Vec<&str> = r["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(events, ["given", "withdrawn"]);
}

#[test]
fn the_audit_log_records_every_kind_of_change() {
    let (tv, mut v) = setup();
    let g = v
        .grants_mut()
        .issue(&request("acme-coffee", &["email"], &[]))
        .expect("issue");
    v.grants_mut().revoke(&g.id).expect("revoke");
    v.fields_mut().remove(&name("shoe_size")).expect("rm");
    v.fields_mut()
        .export_plaintext_to(&tv.dir.path().join("e.json"))
        .expect("export");
    v.change_passphrase(&vouchsafe::Passphrase::new("another long passphrase"), None)
        .expect("passwd");
    let actions: BTreeSet<String> = v
        .audit()
        .entries()
        .expect("audit")
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    for a in [
        "field.set",
        "field.removed",
        "brand.added",
        "grant.issued",
        "grant.revoked",
        "profile.exported",
        "passphrase.changed",
    ] {
        assert!(actions.contains(a), "{a} missing from {actions:?}");
    }
    assert!(
        matches!(v.audit().verify().expect("verify"), ChainState::Intact { entries } if entries > 20)
    );
}

fn audit_db(tv: &TempVault) -> Connection {
    Connection::open(&tv.path).expect("raw")
}

fn broken_at(v: &Vault) -> (i64, String) {
    match v.audit().verify().expect("verify") {
        ChainState::Broken { at_seq, reason } => (at_seq, reason),
        ChainState::Intact { entries } => panic!("chain of {entries} reported intact"),
    }
}

#[test]
fn the_audit_chain_detects_an_edited_entry() {
    let (tv, v) = setup();
    drop(v);
    let c = audit_db(&tv);
    let mut sealed: Vec<u8> = c
        .query_row("SELECT sealed FROM audit WHERE seq = 5", [], |r| r.get(0))
        .expect("row");
    sealed[20] ^= 1;
    c.execute("UPDATE audit SET sealed = ?1 WHERE seq = 5", [sealed])
        .expect("edit");
    drop(c);
    let v = unlock(&tv.path, PASS).expect("unlock");
    let (at, reason) = broken_at(&v);
    assert_eq!(at, 5, "{reason}");
}

#[test]
fn the_audit_chain_detects_a_deleted_entry() {
    let (tv, v) = setup();
    drop(v);
    audit_db(&tv)
        .execute("DELETE FROM audit WHERE seq = 7", [])
        .expect("delete");
    let v = unlock(&tv.path, PASS).expect("unlock");
    let (at, reason) = broken_at(&v);
    assert_eq!(at, 7, "{reason}");
    assert!(reason.contains("missing"), "{reason}");
}

#[test]
fn the_audit_chain_detects_reordered_entries() {
    let (tv, v) = setup();
    drop(v);
    let c = audit_db(&tv);
    // Swap entries 3 and 4 completely (content, time and hash), renumbering them.
    c.execute_batch(
        "UPDATE audit SET seq = -3 WHERE seq = 3;
         UPDATE audit SET seq = 3 WHERE seq = 4;
         UPDATE audit SET seq = 4 WHERE seq = -3;",
    )
    .expect("swap");
    drop(c);
    let v = unlock(&tv.path, PASS).expect("unlock");
    let (at, reason) = broken_at(&v);
    assert_eq!(at, 3, "{reason}");
}

#[test]
fn the_audit_chain_detects_entries_removed_from_the_end() {
    let (tv, v) = setup();
    drop(v);
    audit_db(&tv)
        .execute(
            "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)",
            [],
        )
        .expect("truncate");
    let v = unlock(&tv.path, PASS).expect("unlock");
    let (_, reason) = broken_at(&v);
    assert!(reason.contains("removed from the end"), "{reason}");
}

#[test]
fn a_schema_v1_vault_migrates_and_keeps_its_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vault-v1.db"),
        &path,
    )
    .expect("copy fixture");
    let version = |p: &std::path::Path| -> i64 {
        Connection::open(p)
            .expect("raw")
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("v")
    };
    assert_eq!(version(&path), 1);
    // A wrong passphrase neither migrates nor writes.
    assert!(matches!(
        unlock(&path, "wrong passphrase!"),
        Err(VaultError::WrongPassphrase)
    ));
    assert_eq!(version(&path), 1);

    let mut v = unlock(&path, PASS).expect("unlock v1");
    assert_eq!(version(&path), vouchsafe::store::SCHEMA_VERSION);
    let fields: Vec<String> = snapshot(&v);
    assert_eq!(
        fields,
        [
            "custom.blood_type=A",
            "email=gildong@example.com",
            "family_name=홍",
            "given_name=길동"
        ]
    );
    assert_eq!(
        v.audit().verify().expect("audit"),
        ChainState::Intact { entries: 0 }
    );
    v.brands_mut()
        .add(&NewBrand {
            id: "acme",
            name: "Acme",
            ..Default::default()
        })
        .expect("brand after migration");
    let g = v
        .grants_mut()
        .issue(&request("acme", &["email"], &[]))
        .expect("grant after migration");
    assert!(verify(&g.token, "acme", None).is_ok());
    assert!(matches!(
        v.audit().verify().expect("audit"),
        ChainState::Intact { entries: 2 }
    ));
}

#[test]
fn brand_and_grant_text_never_reaches_the_raw_files() {
    let (tv, mut v) = setup();
    v.brands_mut()
        .add(&NewBrand {
            id: "canarybrandid",
            name: "Canary Brand Name",
            url: Some("https://canary-url.example"),
            notes: None,
            status_url: None,
        })
        .expect("brand");
    let mut req = parts("canarybrandid", &["email"], &[]);
    req.purpose = "canary purpose words".into();
    req.offer = Some("canary offer words".into());
    let req = GrantRequest::new(req, now()).expect("valid request");
    v.grants_mut().issue(&req).expect("issue");
    for (file, bytes) in raw_files(&tv.path) {
        for needle in [
            "canarybrandid",
            "Canary Brand Name",
            "canary-url",
            "canary purpose",
            "canary offer",
            "acme-coffee",
            "Acme Coffee",
            "gildong",
            "EdDSA",
            "eyJ",
        ] {
            assert!(!contains(&bytes, needle.as_bytes()), "{needle:?} in {file}");
        }
    }
}

#[test]
fn moving_house_reissues_live_grants_with_the_new_address() {
    let (_tv, mut v) = setup();
    let city = v
        .grants_mut()
        .issue(&request("acme-coffee", &[], &[Derived::City]))
        .expect("city");
    let email = v
        .grants_mut()
        .issue(&request("acme-coffee", &["email"], &[]))
        .expect("email");
    let locality = name("address.locality");
    v.fields_mut()
        .set(&locality, "해운대구", None)
        .expect("move");
    let affected: Vec<String> = v
        .grants()
        .using_field(&locality)
        .expect("affected")
        .into_iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(
        affected,
        std::slice::from_ref(&city.id),
        "only the grant carrying the city"
    );

    let updated = v.grants_mut().reissue(&city.id).expect("reissue");
    let claims = verify(&updated.token, "acme-coffee", None).expect("verify");
    assert_eq!(claims.claims()["address"]["locality"], "해운대구");
    assert_eq!(
        claims.exp(),
        v.grants().get(&city.id).expect("old").expires_at,
        "keeps the expiry"
    );
    assert_eq!(
        v.grants().get(&city.id).expect("old").state,
        GrantState::Revoked
    );
    assert_eq!(
        v.grants().get(&email.id).expect("untouched").state,
        GrantState::Active
    );
    assert!(matches!(
        v.grants_mut().reissue(&city.id),
        Err(VaultError::Grant(GrantError::NotActive(_)))
    ));
    let list = v.brands().status_list_token("acme-coffee").expect("list");
    assert!(matches!(
        verify(&city.token, "acme-coffee", Some(list)),
        Err(VerifyError::Revoked { .. })
    ));
}

#[test]
fn changing_channel_consent_reissues_the_grant_with_dated_consents() {
    let (_tv, mut v) = setup();
    let g = v
        .grants_mut()
        .issue(&request("acme-coffee", &["email"], &[]))
        .expect("issue");
    let later = now() + 5;
    let choices = ChannelChoices::new(
        parse_channels("email:info,email:ad,kakao:ad,-sms:ad").expect("channels"),
        true,
        later,
    )
    .expect("valid");
    let new = v
        .grants_mut()
        .change_channels(&g.id, choices.clone())
        .expect("changed");
    assert_eq!(
        v.grants().get(&g.id).expect("old").state,
        GrantState::Revoked
    );
    let info = v.grants().get(&new.id).expect("new");
    assert_eq!(info.state, GrantState::Active);
    assert_eq!(info.channels, choices);
    assert!(
        new.summary
            .get(Lang::Ko)
            .ends_with("안내는 이메일로만, 광고는 이메일·카카오톡으로, 야간 광고 수신 동의."),
        "{}",
        new.summary.get(Lang::Ko)
    );
    // The new token carries version 2, each consent with the moment it was given.
    let c = verify(&new.token, "acme-coffee", None).expect("verify");
    let detail = &c.claims()["authorization_details"][0];
    assert_eq!(
        detail["channels"][1],
        json!({"channel": "email", "kind": "ad", "allowed": true, "given_at": later})
    );
    assert_eq!(
        detail["night_ads"],
        json!({"allowed": true, "given_at": later})
    );
    // Two years on, the advertising consents are due for reconfirmation (informational never).
    let due = info
        .channels
        .ad_consents_older_than(later + 730 * 86_400, 730);
    let due: Vec<String> = due.iter().map(|c| c.channel.to_string()).collect();
    assert_eq!(due, ["email", "kakao"]);
    // A revoked grant cannot be changed; night-time ads with no ad consent cannot be built.
    assert!(matches!(
        v.grants_mut().change_channels(&g.id, choices),
        Err(VaultError::Grant(GrantError::NotActive(_)))
    ));
    assert_eq!(
        ChannelChoices::new(parse_channels("email:info").expect("c"), true, later),
        Err(GrantError::NightAdsWithoutAds)
    );
}
