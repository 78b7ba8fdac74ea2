//! Korean rules on a real vault: the year-of-birth adult fact (`adult_kr`) computed on the
//! vault's clock and accepted by the verifier, and Korean addresses (road-name address, 지번,
//! five-digit postal code, city-only) written, refused and released.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{Value, json};
use vouchsafe::grants::request::Derived;
use vouchsafe::{FixedClock, GrantRequest, GrantRequestParts, Lang, NewBrand, Vault, VaultError};
use vouchsafe_verify::{IssuerPolicy, StatusPolicy, VerifyOptions, verify_grant};

/// Noon UTC on `date`: the same calendar date in every zone from UTC−11 to UTC+11, so the
/// vault's "today" does not depend on the machine's time zone.
fn noon(date: &str) -> i64 {
    format!("{date}T12:00:00Z")
        .parse::<jiff::Timestamp>()
        .expect("timestamp")
        .as_second()
}

fn vault_with_brand() -> (TempVault, Vault, FixedClock) {
    let (tv, mut v) = temp_vault();
    let clock = FixedClock::at(noon("2026-06-01"));
    v.set_clock(Arc::new(clock.clone()));
    v.brands_mut()
        .add(&NewBrand {
            id: "pc-bang",
            name: "동네 PC방",
            ..NewBrand::default()
        })
        .expect("brand");
    (tv, v, clock)
}

fn derived_request(clock: &FixedClock, fields: &[&str], derived: &[Derived]) -> GrantRequest {
    use vouchsafe::Clock;
    GrantRequest::new(
        GrantRequestParts {
            brand: "pc-bang".into(),
            fields: fields.iter().map(|f| name(f)).collect(),
            derived: derived.to_vec(),
            purpose: "심야 이용 확인".into(),
            purpose_category: Some("AgeVerification".into()),
            channels: Default::default(),
            offer: None,
            expires_at: clock.now() + 86_400,
        },
        clock.now(),
    )
    .expect("request")
}

/// The released claims as the brand's verifier sees them.
fn verified_claims(token: &str, clock: &FixedClock) -> serde_json::Map<String, Value> {
    use vouchsafe::Clock;
    let v = verify_grant(
        token,
        &VerifyOptions {
            audience: "pc-bang".into(),
            issuer: IssuerPolicy::AnyConsumer,
            status: StatusPolicy::Waived,
            now: clock.now(),
        },
    )
    .expect("the verifier accepts the grant");
    v.claims()
        .iter()
        .filter(|(k, _)| {
            ![
                "iss",
                "sub",
                "aud",
                "iat",
                "nbf",
                "exp",
                "jti",
                "status",
                "authorization_details",
            ]
            .contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn adult_kr_turns_on_at_new_year_on_the_vault_clock() {
    let (_tv, mut v, clock) = vault_with_brand();
    v.fields_mut()
        .set(&name("birthdate"), "2008-03-14", None)
        .expect("birthdate");
    let both = [Derived::AdultKr, Derived::AgeOver(19)];
    // (vault date, adult_kr, age_over_19)
    let days = [
        ("2026-12-31", false, false),
        ("2027-01-01", true, false),
        ("2027-03-13", true, false),
        ("2027-03-14", true, true),
    ];
    for (day, adult, over_19) in days {
        clock.set(noon(day));
        let g = v
            .grants_mut()
            .issue(&derived_request(&clock, &[], &both))
            .expect("issue");
        let claims = verified_claims(&g.token, &clock);
        assert_eq!(
            Value::Object(claims),
            json!({"adult_kr": adult, "age_over_19": over_19}),
            "on {day}"
        );
    }
}

#[test]
fn adult_kr_on_the_last_and_first_day_of_the_year() {
    let (_tv, mut v, clock) = vault_with_brand();
    // (born, vault date, adult_kr)
    let cases = [
        ("2007-12-31", "2025-12-31", false),
        ("2007-12-31", "2026-01-01", true),
        ("2008-01-01", "2026-12-31", false),
        ("2008-01-01", "2027-01-01", true),
    ];
    for (born, day, adult) in cases {
        clock.set(noon(day));
        v.fields_mut()
            .set(&name("birthdate"), born, None)
            .expect("birthdate");
        let g = v
            .grants_mut()
            .issue(&derived_request(&clock, &[], &[Derived::AdultKr]))
            .expect("issue");
        let claims = verified_claims(&g.token, &clock);
        assert_eq!(
            Value::Object(claims),
            json!({ "adult_kr": adult }),
            "born {born}, on {day}"
        );
        let info = v.grants().get(&g.id).expect("grant");
        assert_eq!(info.released, ["adult_kr"]);
    }
}

#[test]
fn adult_kr_is_said_in_both_languages_and_needs_a_birthdate() {
    let (_tv, mut v, clock) = vault_with_brand();
    let req = derived_request(&clock, &[], &[Derived::AdultKr]);
    assert!(matches!(
        v.grants_mut().issue(&req),
        Err(VaultError::Grant(vouchsafe::GrantError::NeedsBirthdate(d))) if d == "adult_kr"
    ));
    v.fields_mut()
        .set(&name("birthdate"), "1990-05-17", None)
        .expect("birthdate");
    let g = v.grants_mut().issue(&req).expect("issue");
    assert!(
        g.summary
            .get(Lang::En)
            .starts_with("동네 PC방 gets your adult status (Korean Youth Protection Act) to "),
        "{}",
        g.summary.get(Lang::En)
    );
    assert!(
        g.summary
            .get(Lang::Ko)
            .starts_with("동네 PC방에 성인 여부(청소년보호법 기준)를 제공합니다."),
        "{}",
        g.summary.get(Lang::Ko)
    );
    // The grant uses the birth date, so changing it offers this grant for an update.
    let using = v.grants().using_field(&name("birthdate")).expect("using");
    assert_eq!(using.len(), 1);
}

fn set_all(v: &mut Vault, items: &[(&str, &str)]) -> vouchsafe::Result<Vec<String>> {
    let set = v
        .fields_mut()
        .set_many(items.iter().map(|(n, val)| (name(n), *val, None)))?;
    Ok(set
        .iter()
        .map(|f| format!("{}={}", f.name, *f.value))
        .collect())
}

fn refusal(r: vouchsafe::Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(VaultError::Profile(e)) => e.to_string(),
        other => panic!("expected a profile error, got {other:?}"),
    }
}

#[test]
fn a_korean_address_is_checked_and_stored_in_its_official_form() {
    let (_tv, mut v, _clock) = vault_with_brand();
    let stored = set_all(
        &mut v,
        &[
            ("address.country", "kr"),
            ("address.region", "서울"),
            ("address.locality", "마포구"),
            ("address.street_address", "월드컵북로 396"),
            ("address.detail", "101동 1001호"),
            ("address.jibun", "상암동 1605"),
            ("address.postal_code", "０３９２５"),
            (
                "address.formatted_en",
                "396 World Cup buk-ro, Mapo-gu, Seoul 03925",
            ),
        ],
    )
    .expect("a valid Korean address");
    assert_eq!(
        stored,
        [
            "address.country=KR",
            "address.region=서울특별시",
            "address.locality=마포구",
            "address.street_address=월드컵북로 396",
            "address.detail=101동 1001호",
            "address.jibun=상암동 1605",
            "address.postal_code=03925",
            "address.formatted_en=396 World Cup buk-ro, Mapo-gu, Seoul 03925",
        ]
    );
    // Later writes follow the stored country.
    let hint = "; Korean postal codes (우편번호) have five digits, e.g. 04524";
    for (typed, problem) in [
        ("0392", "has 4 digits"),
        (
            "039255",
            "is a six-digit code of the kind replaced by five-digit codes in 2015",
        ),
        ("0392A", "contains the letter \"A\""),
    ] {
        assert_eq!(
            refusal(
                v.fields_mut()
                    .set(&name("address.postal_code"), typed, None)
            ),
            format!("postal code \"{typed}\" {problem}{hint}")
        );
    }
    assert!(
        refusal(
            v.fields_mut()
                .set(&name("address.street_address"), "상암동 1605", None)
        )
        .contains("put that in address.jibun")
    );
    assert!(
        refusal(v.fields_mut().set(&name("address.region"), "Seoul", None))
            .starts_with("address.region \"Seoul\" is not a Korean province")
    );
    // Nothing refused was written.
    let postal = v
        .fields()
        .get(&name("address.postal_code"))
        .expect("get")
        .expect("set");
    assert_eq!(postal.value.as_str(), "03925");
    // The country set in the same batch counts, whatever the order.
    assert!(
        refusal(set_all(
            &mut v,
            &[("address.postal_code", "1234"), ("address.country", "KR")]
        ))
        .contains("has 4 digits")
    );
}

#[test]
fn international_addresses_follow_the_general_rules_only() {
    let (_tv, mut v, _clock) = vault_with_brand();
    let stored = set_all(
        &mut v,
        &[
            ("address.country", "GB"),
            ("address.postal_code", "sw1a 1aa"),
            ("address.region", "Greater London"),
            ("address.locality", "London"),
            ("address.street_address", "10 Downing Street"),
        ],
    )
    .expect("a valid British address");
    assert_eq!(stored[1], "address.postal_code=SW1A 1AA");
    // No country at all: a four-digit code is a postal code somewhere.
    let (_tv2, mut w, _c) = vault_with_brand();
    assert_eq!(
        set_all(&mut w, &[("address.postal_code", "1234")]).expect("set"),
        ["address.postal_code=1234"]
    );
}

/// Parts written before the Korean rules existed (or before the country was set) are never
/// re-checked: the vault opens, lists them, releases them and derives city only from them.
#[test]
fn an_address_stored_in_the_old_shape_still_opens_and_shares() {
    let (tv, mut v, clock) = vault_with_brand();
    set_all(
        &mut v,
        &[
            (
                "address.street_address",
                "경기도 성남시 분당구 판교역로 235\n에이치스퀘어 N동 8층",
            ),
            ("address.postal_code", "463-400"),
            ("address.locality", "성남"),
        ],
    )
    .expect("the general rules accept these");
    v.fields_mut()
        .set(&name("address.country"), "KR", None)
        .expect("setting the country does not re-check stored parts");
    drop(v);
    let mut v = unlock(&tv.path, PASS).expect("reopen");
    v.set_clock(Arc::new(clock.clone()));
    assert_eq!(
        snapshot(&v),
        [
            "address.country=KR",
            "address.locality=성남",
            "address.postal_code=463-400",
            "address.street_address=경기도 성남시 분당구 판교역로 235\n에이치스퀘어 N동 8층",
        ]
    );
    let g = v
        .grants_mut()
        .issue(&derived_request(
            &clock,
            &[
                "address.street_address",
                "address.postal_code",
                "address.locality",
                "address.country",
            ],
            &[],
        ))
        .expect("issue");
    assert_eq!(
        Value::Object(verified_claims(&g.token, &clock)),
        json!({"address": {
            "street_address": "경기도 성남시 분당구 판교역로 235\n에이치스퀘어 N동 8층",
            "postal_code": "463-400",
            "locality": "성남",
            "country": "KR",
        }})
    );
    // City only: the stored locality as it was, the 시/도 read from the road-name address.
    let g = v
        .grants_mut()
        .issue(&derived_request(&clock, &[], &[Derived::City]))
        .expect("issue");
    assert_eq!(
        Value::Object(verified_claims(&g.token, &clock)),
        json!({"address": {"locality": "성남", "region": "경기도", "country": "KR"}})
    );
}

#[test]
fn city_only_of_a_korean_address_is_the_sido_and_sigungu() {
    let (_tv, mut v, clock) = vault_with_brand();
    set_all(
        &mut v,
        &[
            ("address.country", "KR"),
            ("address.region", "경기"),
            ("address.locality", "성남시 분당구"),
            ("address.street_address", "판교역로 235"),
            ("address.detail", "에이치스퀘어 N동 8층"),
            ("address.postal_code", "13494"),
        ],
    )
    .expect("address");
    let g = v
        .grants_mut()
        .issue(&derived_request(&clock, &[], &[Derived::City]))
        .expect("issue");
    let claims = Value::Object(verified_claims(&g.token, &clock));
    assert_eq!(
        claims,
        json!({"address": {"locality": "성남시", "region": "경기도", "country": "KR"}})
    );
    for raw in ["판교역로", "분당구", "13494", "N동"] {
        assert!(!claims.to_string().contains(raw), "city only leaked {raw}");
    }
    // The Korean members travel inside the `address` claim when chosen.
    let g = v
        .grants_mut()
        .issue(&derived_request(
            &clock,
            &["address.street_address", "address.detail"],
            &[],
        ))
        .expect("issue");
    assert_eq!(
        Value::Object(verified_claims(&g.token, &clock)),
        json!({"address": {"street_address": "판교역로 235", "detail": "에이치스퀘어 N동 8층"}})
    );
    assert!(g.summary.get(Lang::Ko).contains("도로명 주소, 상세주소를"));
}
