//! Derived facts (docs/grant-token.md, "Derived facts"): values the vault computes from one
//! released profile field and releases instead of it. This is the one table of which grant claim
//! a fact fills and which claim it is computed from, so that the vault (which narrows a grant by
//! swapping a raw value for a fact) and a brand's inbox (which accepts the narrowed grant when
//! each fact comes from a claim it asked for) cannot disagree.
//!
//! Claims are named as paths into the grant's claims, one or two names: `["birthdate"]`,
//! `["address", "locality"]`, `["adult_kr"]` (the DCQL paths of docs/protocol.md §2).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A derived fact, as `authorization_details.datatypes` names it.
///
/// The serde form (`{"age_over":18}`, `"adult_kr"`, `"birthday"`, `"city"`) is stored: the
/// vault seals it in every grant record. It must not change, or older vaults stop opening; the
/// test `serde_form_is_stable` pins it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivedFact {
    /// `age_over_NN` (1–99): `true` or `false` (the ISO/IEC 18013-5 pattern), never the birth
    /// date.
    AgeOver(u8),
    /// `adult_kr`: true from 1 January of the year the person turns 19, the year-of-birth rule
    /// of the Korean Youth Protection Act (청소년 보호법 Art. 2(1)); `age_over_19` counts full
    /// age instead, so the two differ for most of that year.
    AdultKr,
    /// `birthday`: the `birthdate` claim with year `0000`, as OpenID Connect allows.
    Birthday,
    /// `city`: the `address` claim reduced to [`CITY_MEMBERS`].
    City,
}

/// The ages `age_over_NN` may name: outside them `AgeOver(n)` is no fact, fills no claim and
/// derives from nothing.
pub const AGES: std::ops::RangeInclusive<u8> = 1..=99;

/// The `address` members `city` may release.
pub const CITY_MEMBERS: &[&str] = &["locality", "region", "country"];

/// The `address` members the city is read from and that say at least as much as it: the stored
/// locality, or the start of a full address line (docs/grant-token.md, "City only"). `region`,
/// `country`, `postal_code` and `detail` alone do not name the city, so it is not derived from
/// them: releasing the city in their place would release more.
pub const CITY_SOURCES: &[&str] = &["locality", "street_address", "jibun", "formatted"];

/// The claim every birth-date fact is computed from.
const BIRTHDATE: &str = "birthdate";
/// The claim `city` is computed from.
const ADDRESS: &str = "address";

impl DerivedFact {
    /// The fact a `datatypes` entry names, in its canonical spelling (`age_over_18`, not
    /// `age_over_018`); `None` for a profile field name or anything else.
    pub fn from_datatype(name: &str) -> Option<Self> {
        if let Some(digits) = name.strip_prefix("age_over_") {
            let n: u8 = digits.parse().ok()?;
            return (AGES.contains(&n) && n.to_string() == digits).then_some(Self::AgeOver(n));
        }
        match name {
            "adult_kr" => Some(Self::AdultKr),
            "birthday" => Some(Self::Birthday),
            "city" => Some(Self::City),
            _ => None,
        }
    }

    /// Whether the fact fills the claim at `path`: `age_over_NN` and `adult_kr` their own
    /// top-level claim, `birthday` the `birthdate` claim, `city` the [`CITY_MEMBERS`] of the
    /// `address` claim (member by member: the same object may hold other members).
    pub fn fills(self, path: &[&str]) -> bool {
        match (self, path) {
            (Self::AgeOver(n), [name]) => {
                AGES.contains(&n) && name.strip_prefix("age_over_") == Some(&n.to_string())
            }
            (Self::AdultKr, [name]) => *name == "adult_kr",
            (Self::Birthday, [name]) => *name == BIRTHDATE,
            (Self::City, [name, member]) => *name == ADDRESS && CITY_MEMBERS.contains(member),
            _ => false,
        }
    }

    /// Whether the fact is computed from the claim at `path` alone and says no more than it: the
    /// birth date gives the age facts and the birthday; the whole address, or one of
    /// [`CITY_SOURCES`], gives the city.
    pub fn derives_from(self, path: &[&str]) -> bool {
        match (self, path) {
            (Self::AgeOver(n), [name]) => AGES.contains(&n) && *name == BIRTHDATE,
            (Self::AdultKr | Self::Birthday, [name]) => *name == BIRTHDATE,
            (Self::City, [name]) => *name == ADDRESS,
            (Self::City, [name, member]) => *name == ADDRESS && CITY_SOURCES.contains(member),
            _ => false,
        }
    }
}

impl fmt::Display for DerivedFact {
    /// The name `authorization_details.datatypes` uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AgeOver(n) => write!(f, "age_over_{n}"),
            Self::AdultKr => f.write_str("adult_kr"),
            Self::Birthday => f.write_str("birthday"),
            Self::City => f.write_str("city"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datatype_names_round_trip_and_odd_spellings_are_not_facts() {
        for fact in [
            DerivedFact::AgeOver(1),
            DerivedFact::AgeOver(19),
            DerivedFact::AgeOver(99),
            DerivedFact::AdultKr,
            DerivedFact::Birthday,
            DerivedFact::City,
        ] {
            assert_eq!(DerivedFact::from_datatype(&fact.to_string()), Some(fact));
        }
        for not_a_fact in [
            "age_over_0",
            "age_over_100",
            "age_over_018",
            "age_over_",
            "age_over_+1",
            "Adult_KR",
            "birthdate",
            "address.locality",
            "email",
        ] {
            assert_eq!(DerivedFact::from_datatype(not_a_fact), None, "{not_a_fact}");
        }
    }

    #[test]
    fn serde_form_is_stable() {
        for (fact, json) in [
            (DerivedFact::AgeOver(18), r#"{"age_over":18}"#),
            (DerivedFact::AdultKr, r#""adult_kr""#),
            (DerivedFact::Birthday, r#""birthday""#),
            (DerivedFact::City, r#""city""#),
        ] {
            assert_eq!(serde_json::to_string(&fact).ok().as_deref(), Some(json));
            assert_eq!(serde_json::from_str::<DerivedFact>(json).ok(), Some(fact));
        }
    }

    #[test]
    fn the_table_of_claims_filled_and_sources() {
        let adult = DerivedFact::AdultKr;
        assert!(adult.fills(&["adult_kr"]) && !adult.fills(&["age_over_19"]));
        assert!(DerivedFact::AgeOver(19).fills(&["age_over_19"]));
        assert!(!DerivedFact::AgeOver(19).fills(&["age_over_18"]));
        assert!(DerivedFact::Birthday.fills(&["birthdate"]));
        assert!(DerivedFact::City.fills(&["address", "region"]));
        assert!(!DerivedFact::City.fills(&["address"]));
        assert!(!DerivedFact::City.fills(&["address", "street_address"]));
        // An age out of range is no fact: it fills no claim and derives from nothing.
        for age in [0, 100] {
            let odd = DerivedFact::AgeOver(age);
            assert!(!odd.fills(&[format!("age_over_{age}").as_str()]), "{age}");
            assert!(!odd.derives_from(&["birthdate"]), "{age}");
        }

        for fact in [
            DerivedFact::AgeOver(18),
            DerivedFact::AdultKr,
            DerivedFact::Birthday,
        ] {
            assert!(fact.derives_from(&["birthdate"]), "{fact}");
            assert!(!fact.derives_from(&["address"]), "{fact}");
        }
        let city = DerivedFact::City;
        assert!(city.derives_from(&["address"]));
        assert!(city.derives_from(&["address", "street_address"]));
        assert!(city.derives_from(&["address", "locality"]));
        // Less than the city: releasing the city instead would release more.
        assert!(!city.derives_from(&["address", "country"]));
        assert!(!city.derives_from(&["address", "postal_code"]));
        assert!(!city.derives_from(&["birthdate"]));
    }
}
