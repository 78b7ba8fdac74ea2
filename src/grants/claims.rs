//! From the consumer's choices to the exact claims a brand receives.
//!
//! Only chosen values appear, under their OpenID Connect §5.1 names; a field that is not in
//! the grant never appears, not even empty. Brand-personalisation fields keep their profile
//! names; memberships go under `memberships` and custom fields under `custom` (documented in
//! docs/grant-token.md).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use vouchsafe_token::claims::AuthorizationDetail;

use super::channels::ChannelChoices;
use super::request::{Derived, GrantError};
use crate::profile::{self, AddressPart, FieldName, StdField};

/// The released claims (without the envelope claims such as `iss` and `exp`), and the
/// `datatypes` list naming what was released.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub claims: Map<String, Value>,
    pub datatypes: Vec<String>,
}

/// Build the released claims from profile values. `values` maps every set field to its
/// stored value; `today` (the consumer's calendar date, from the vault's clock) decides
/// `age_over_NN` and `adult_kr`.
pub fn release(
    fields: &[FieldName],
    derived: &[Derived],
    values: &BTreeMap<FieldName, String>,
    today: jiff::civil::Date,
) -> Result<Release, GrantError> {
    if fields.is_empty() && derived.is_empty() {
        return Err(GrantError::NothingChosen);
    }
    check_conflicts(fields, derived)?;
    let mut claims = Map::new();
    let mut datatypes = Vec::new();
    let mut address = Map::new();
    let mut memberships = Map::new();
    let mut custom = Map::new();
    for name in dedup(fields) {
        let value = values
            .get(name)
            .ok_or_else(|| GrantError::FieldNotSet(name.to_string()))?;
        let json_value = if name.is_list() {
            Value::from(profile::list_items(value))
        } else {
            Value::from(value.as_str())
        };
        match name {
            FieldName::Std(s) => {
                claims.insert(s.as_str().to_string(), json_value);
            }
            FieldName::Address(p) => {
                address.insert(p.as_str().to_string(), json_value);
            }
            FieldName::Membership(n) => {
                memberships.insert(n.clone(), json_value);
            }
            FieldName::Custom(n) => {
                custom.insert(n.clone(), json_value);
            }
        }
        datatypes.push(name.to_string());
    }
    for d in dedup(derived) {
        match *d {
            Derived::AgeOver(n) => {
                let born = birthdate(values, d)?;
                claims.insert(
                    format!("age_over_{n}"),
                    Value::Bool(age_on(born, today) >= i16::from(n)),
                );
            }
            Derived::AdultKr => {
                let born = birthdate(values, d)?;
                claims.insert("adult_kr".into(), Value::Bool(adult_kr(born, today)));
            }
            Derived::Birthday => {
                let born = birthdate(values, d)?;
                claims.insert(
                    "birthdate".into(),
                    Value::from(format!("0000-{:02}-{:02}", born.month(), born.day())),
                );
            }
            Derived::City => {
                let stored = |part| values.get(&FieldName::Address(part)).map(String::as_str);
                let country = stored(AddressPart::Country);
                if country == Some("KR") {
                    // 시/도 and 시/군/구, as Koreans mean "city" (docs/grant-token.md).
                    let (region, locality) = profile::korean_city_only(stored);
                    for (part, v) in [
                        (AddressPart::Locality, locality),
                        (AddressPart::Region, region),
                    ] {
                        if let Some(v) = v {
                            address.insert(part.as_str().into(), Value::from(v));
                        }
                    }
                } else {
                    for part in [AddressPart::Locality, AddressPart::Region] {
                        if let Some(v) = stored(part) {
                            address.insert(part.as_str().into(), Value::from(v));
                        }
                    }
                }
                if let Some(c) = country {
                    address.insert(AddressPart::Country.as_str().into(), Value::from(c));
                }
                if address.is_empty() {
                    return Err(GrantError::NeedsAddress);
                }
            }
        }
        datatypes.push(d.to_string());
    }
    if !address.is_empty() {
        claims.insert("address".into(), Value::Object(address));
    }
    if !memberships.is_empty() {
        claims.insert("memberships".into(), Value::Object(memberships));
    }
    if !custom.is_empty() {
        claims.insert("custom".into(), Value::Object(custom));
    }
    Ok(Release { claims, datatypes })
}

fn dedup<T: PartialEq>(items: &[T]) -> Vec<&T> {
    let mut out: Vec<&T> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// A derived fact and a raw field that would land in the same claim cannot both be chosen.
pub(crate) fn check_conflicts(fields: &[FieldName], derived: &[Derived]) -> Result<(), GrantError> {
    for d in derived {
        let clash = fields.iter().find(|f| match d {
            Derived::Birthday => **f == FieldName::Std(StdField::Birthdate),
            Derived::City => matches!(f, FieldName::Address(_)),
            Derived::AgeOver(_) | Derived::AdultKr => false,
        });
        if let Some(f) = clash {
            return Err(GrantError::Conflict(f.to_string(), d.to_string()));
        }
    }
    Ok(())
}

fn birthdate(
    values: &BTreeMap<FieldName, String>,
    d: &Derived,
) -> Result<jiff::civil::Date, GrantError> {
    values
        .get(&FieldName::Std(StdField::Birthdate))
        .and_then(|v| v.parse::<jiff::civil::Date>().ok())
        .ok_or_else(|| GrantError::NeedsBirthdate(d.to_string()))
}

/// Age in whole years on `today` (a 29 February birthday counts from 1 March in other years).
fn age_on(born: jiff::civil::Date, today: jiff::civil::Date) -> i16 {
    let mut age = today.year() - born.year();
    if (today.month(), today.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// The age of majority of the Korean Youth Protection Act (청소년 보호법 Art. 2(1)).
const KR_ADULT_YEAR_AGE: i16 = 19;

/// Adult under the Korean Youth Protection Act (청소년 보호법 Art. 2(1)): a "youth" is under
/// 19 in full age, "except a person who has reached 1 January of the year in which they turn
/// 19". So only the years count: adult from 1 January of the year of birth + 19, whatever the
/// birthday. Korean sellers of alcohol and tobacco and youth-restricted venues check this
/// rule, not full age, which is why it is a fact of its own beside `age_over_19`.
fn adult_kr(born: jiff::civil::Date, today: jiff::civil::Date) -> bool {
    today.year() - born.year() >= KR_ADULT_YEAR_AGE
}

/// The RFC 9396 `authorization_details` entry describing this release.
pub fn authorization_detail(
    datatypes: &[String],
    purpose: &str,
    purpose_category: &str,
    channels: &ChannelChoices,
    offer: Option<&str>,
) -> AuthorizationDetail {
    let mut entry =
        AuthorizationDetail::profile_release(datatypes.to_vec(), purpose, purpose_category);
    // Version 2 (docs/grant-token.md): channel × kind with dates, and night-time ads.
    (entry.channels, entry.night_ads) = channels.to_claim();
    entry.offer = offer.map(str::to_string);
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn n(s: &str) -> FieldName {
        s.parse().expect("name")
    }

    fn profile() -> BTreeMap<FieldName, String> {
        [
            ("email", "gildong@example.com"),
            ("given_name", "길동"),
            ("birthdate", "2008-03-14"),
            ("address.street_address", "테헤란로 1"),
            ("address.locality", "서울특별시"),
            ("address.country", "KR"),
            ("interests", "coffee, hiking"),
            ("membership.cj_one", "1234 5678"),
            ("custom.blood_type", "A"),
        ]
        .into_iter()
        .map(|(k, v)| (n(k), v.to_string()))
        .collect()
    }

    fn today() -> jiff::civil::Date {
        "2026-03-13".parse().expect("date")
    }

    #[test]
    fn only_chosen_fields_appear() {
        let r = release(&[n("email")], &[], &profile(), today()).expect("ok");
        assert_eq!(
            Value::Object(r.claims),
            json!({"email": "gildong@example.com"})
        );
        assert_eq!(r.datatypes, ["email"]);
    }

    #[test]
    fn each_kind_lands_in_its_claim() {
        let fields = [
            n("given_name"),
            n("address.street_address"),
            n("interests"),
            n("membership.cj_one"),
            n("custom.blood_type"),
        ];
        let r = release(&fields, &[], &profile(), today()).expect("ok");
        assert_eq!(
            Value::Object(r.claims),
            json!({
                "given_name": "길동",
                "address": {"street_address": "테헤란로 1"},
                "interests": ["coffee", "hiking"],
                "memberships": {"cj_one": "1234 5678"},
                "custom": {"blood_type": "A"},
            })
        );
    }

    #[test]
    fn derived_facts_replace_raw_values() {
        // Born 2008-03-14: the day before the 18th birthday, not yet 18.
        let r = release(
            &[],
            &[
                Derived::AgeOver(18),
                Derived::AgeOver(14),
                Derived::Birthday,
                Derived::City,
            ],
            &profile(),
            today(),
        )
        .expect("ok");
        assert_eq!(
            Value::Object(r.claims),
            json!({
                "age_over_18": false,
                "age_over_14": true,
                "birthdate": "0000-03-14",
                "address": {"locality": "서울특별시", "country": "KR"},
            })
        );
        let on_birthday = release(
            &[],
            &[Derived::AgeOver(18)],
            &profile(),
            "2026-03-14".parse().expect("d"),
        )
        .expect("ok");
        assert_eq!(on_birthday.claims["age_over_18"], true);
        assert_eq!(
            r.datatypes,
            ["age_over_18", "age_over_14", "birthday", "city"]
        );
    }

    #[test]
    fn refusals() {
        let p = profile();
        assert_eq!(
            release(&[], &[], &p, today()),
            Err(GrantError::NothingChosen)
        );
        assert_eq!(
            release(&[n("family_name")], &[], &p, today()),
            Err(GrantError::FieldNotSet("family_name".into()))
        );
        assert!(matches!(
            release(&[n("birthdate")], &[Derived::Birthday], &p, today()),
            Err(GrantError::Conflict(..))
        ));
        assert!(matches!(
            release(&[n("address.locality")], &[Derived::City], &p, today()),
            Err(GrantError::Conflict(..))
        ));
        let empty = BTreeMap::new();
        assert!(matches!(
            release(&[], &[Derived::AgeOver(18)], &empty, today()),
            Err(GrantError::NeedsBirthdate(_))
        ));
        assert_eq!(
            release(&[], &[Derived::City], &empty, today()),
            Err(GrantError::NeedsAddress)
        );
    }

    fn on(born: &str, today: &str) -> (bool, bool) {
        let values = BTreeMap::from([(n("birthdate"), born.to_string())]);
        let r = release(
            &[],
            &[Derived::AdultKr, Derived::AgeOver(19)],
            &values,
            today.parse().expect("date"),
        )
        .expect("ok");
        (
            r.claims["adult_kr"].as_bool().expect("bool"),
            r.claims["age_over_19"].as_bool().expect("bool"),
        )
    }

    #[test]
    fn adult_kr_counts_the_year_of_birth() {
        // (born, evaluated on, adult_kr, age_over_19)
        let cases = [
            // Born on the last day of 2007: adult_kr all through 2026, 19 only on its last day.
            ("2007-12-31", "2025-12-31", false, false),
            ("2007-12-31", "2026-01-01", true, false),
            ("2007-12-31", "2026-12-30", true, false),
            ("2007-12-31", "2026-12-31", true, true),
            ("2007-12-31", "2027-01-01", true, true),
            // One day younger, one year later: nothing changes until 1 January 2027.
            ("2008-01-01", "2026-12-31", false, false),
            ("2008-01-01", "2027-01-01", true, true),
            // Born in March 2008: adult_kr from New Year, 19 only from the birthday.
            ("2008-03-14", "2026-12-31", false, false),
            ("2008-03-14", "2027-01-01", true, false),
            ("2008-03-13", "2027-03-12", true, false),
            ("2008-03-14", "2027-03-14", true, true),
            ("2008-02-29", "2027-02-28", true, false),
            ("2008-02-29", "2027-03-01", true, true),
            ("1990-05-17", "2026-03-13", true, true),
        ];
        for (born, today, adult, over_19) in cases {
            assert_eq!(on(born, today), (adult, over_19), "born {born}, on {today}");
        }
    }

    #[test]
    fn adult_kr_is_released_alone_and_needs_a_birthdate() {
        let r = release(&[], &[Derived::AdultKr], &profile(), today()).expect("ok");
        assert_eq!(Value::Object(r.claims), json!({"adult_kr": false}));
        assert_eq!(r.datatypes, ["adult_kr"]);
        assert_eq!(
            release(&[], &[Derived::AdultKr], &BTreeMap::new(), today()),
            Err(GrantError::NeedsBirthdate("adult_kr".into()))
        );
        // It names no raw field, so it can go beside the birth date itself.
        assert!(check_conflicts(&[n("birthdate")], &[Derived::AdultKr]).is_ok());
    }

    #[test]
    fn leap_day_birthdays() {
        let born: jiff::civil::Date = "2008-02-29".parse().expect("d");
        assert_eq!(age_on(born, "2026-02-28".parse().expect("d")), 17);
        assert_eq!(age_on(born, "2026-03-01".parse().expect("d")), 18);
    }
}
