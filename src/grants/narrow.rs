//! Narrowing a grant: the same grant releasing less. A raw value is replaced by a fact derived
//! from it (the birth date by `adult_kr`, `age_over_NN` or the year-free birthday; an address
//! by the city), or a released item is dropped with nothing in its place.
//!
//! This module only decides the new choice of fields and facts and refuses a narrowing that
//! would release something the grant did not (a fact not derived from the value it replaces,
//! an item the grant does not release): the grants repository reissues the grant with them
//! (`GrantRepo::narrow`).

use std::str::FromStr;

use super::request::{Derived, GrantError, parse_derived};

use crate::profile::FieldName;

/// A raw value a narrowing replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    /// One profile field, as the grant releases it (`birthdate`, `address.street_address`).
    Field(FieldName),
    /// `address`: every address part the grant releases (as `--fields address` means every
    /// part set), so `address=city` needs no list of parts.
    Address,
}

impl Raw {
    /// The grant's fields this stands for; empty if the grant releases none of them.
    fn fields_in<'a>(&'a self, fields: &'a [FieldName]) -> Vec<&'a FieldName> {
        match self {
            Raw::Field(f) => fields.iter().filter(|g| *g == f).collect(),
            Raw::Address => fields
                .iter()
                .filter(|f| matches!(f, FieldName::Address(_)))
                .collect(),
        }
    }

    fn name(&self) -> String {
        match self {
            Raw::Field(f) => f.to_string(),
            Raw::Address => "address".into(),
        }
    }
}

impl FromStr for Raw {
    type Err = GrantError;
    fn from_str(s: &str) -> Result<Self, GrantError> {
        match s.trim() {
            "address" => Ok(Raw::Address),
            t => t
                .parse::<FieldName>()
                .map(Raw::Field)
                .map_err(|_| GrantError::NotReleased(t.to_string())),
        }
    }
}

/// Whether `fact` is computed from `field` alone and says no more than it: the birth date gives
/// the age facts and the birthday; the locality or a full address line gives the city, while
/// `region`, `country` or `postal_code` alone do not (the city would say more). The table is
/// the token crate's, the one a brand's inbox accepts a narrowed grant by, so the two agree.
/// An age out of range (`AgeOver(0)`) names no fact, so it derives from nothing.
pub fn derives_from(fact: Derived, field: &FieldName) -> bool {
    let name = field.to_string();
    let path: Vec<&str> = name.split('.').collect();
    fact.derives_from(&path)
}

/// Whether `fact` may stand in place of `field`: the field is part of what the fact is read
/// from (the birth date for the age facts and the birthday, any address part for the city).
/// [`Narrowing::apply`] also needs one replaced field the fact is really derived from.
fn replaceable(fact: Derived, field: &FieldName) -> bool {
    match fact {
        Derived::AgeOver(_) | Derived::AdultKr | Derived::Birthday => derives_from(fact, field),
        Derived::City => matches!(field, FieldName::Address(_)),
    }
}

/// An item a narrowing drops: a field or a derived fact the grant releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    Field(FieldName),
    Derived(Derived),
}

impl FromStr for Dropped {
    type Err = GrantError;
    /// A derived fact's name (`birthday`, `age_over_18`, `city`) or a field's.
    fn from_str(s: &str) -> Result<Self, GrantError> {
        let t = s.trim();
        if let Ok(d) = parse_derived(t) {
            return Ok(Dropped::Derived(d));
        }
        t.parse::<FieldName>()
            .map(Dropped::Field)
            .map_err(|_| GrantError::NotReleased(t.to_string()))
    }
}

/// What to release less of. Build it with [`Narrowing::new`] or the parsers; apply it with
/// [`Narrowing::apply`], which checks it against the grant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// Raw values released no more, each with the fact released in its place.
    pub replace: Vec<(Raw, Derived)>,
    /// Items released no more, with nothing in their place.
    pub drop: Vec<Dropped>,
}

impl Narrowing {
    pub fn new(replace: Vec<(Raw, Derived)>, drop: Vec<Dropped>) -> Self {
        Self { replace, drop }
    }

    /// The review's `narrow` action: every name in `replace` (released names, `birthdate`,
    /// `address.street_address`, …) replaced by the fact `with`.
    pub fn replacing(replace: &[String], with: &str) -> Result<Self, GrantError> {
        let fact = parse_derived(with)?;
        let replace = replace
            .iter()
            .map(|r| Ok((r.parse::<Raw>()?, fact)))
            .collect::<Result<_, GrantError>>()?;
        Ok(Self {
            replace,
            drop: Vec::new(),
        })
    }

    /// `FIELD=FACT` (`birthdate=adult_kr`, `address=city`), as the CLI's `--replace` takes it.
    pub fn parse_replacement(s: &str) -> Result<(Raw, Derived), GrantError> {
        let (raw, fact) = s
            .split_once('=')
            .ok_or_else(|| GrantError::BadReplacement(s.trim().to_string()))?;
        if raw.trim().is_empty() || fact.trim().is_empty() {
            return Err(GrantError::BadReplacement(s.trim().to_string()));
        }
        Ok((raw.parse()?, parse_derived(fact)?))
    }

    /// The fields and facts the narrowed grant releases, from the grant's `fields` and
    /// `derived`. Refuses an empty narrowing, an item the grant does not release, a fact not
    /// derived from the value it replaces, and a narrowing that leaves nothing (revoke instead).
    /// The grant's order is kept; a replacement fact joins the end once.
    pub fn apply(
        &self,
        fields: &[FieldName],
        derived: &[Derived],
    ) -> Result<(Vec<FieldName>, Vec<Derived>), GrantError> {
        if self.replace.is_empty() && self.drop.is_empty() {
            return Err(GrantError::NothingToNarrow);
        }
        let mut gone: Vec<&FieldName> = Vec::new();
        let mut facts_gone: Vec<Derived> = Vec::new();
        let mut added: Vec<Derived> = Vec::new();
        for (raw, fact) in &self.replace {
            let hit = raw.fields_in(fields);
            if hit.is_empty() {
                return Err(GrantError::NotReleased(raw.name()));
            }
            if let Some(f) = hit.iter().find(|f| !replaceable(*fact, f)) {
                return Err(GrantError::NotDerivedFrom(f.to_string(), fact.to_string()));
            }
            gone.extend(hit);
            if !added.contains(fact) {
                added.push(*fact);
            }
        }
        // The fact must be read from something it replaces: `address.country` alone does not
        // give the city, but with the locality beside it, both are replaced by the city.
        for (_, fact) in &self.replace {
            let sources = self
                .replace
                .iter()
                .filter(|(_, f)| f == fact)
                .flat_map(|(raw, _)| raw.fields_in(fields));
            if !sources.clone().any(|f| derives_from(*fact, f)) {
                let named = sources
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(GrantError::NotDerivedFrom(named, fact.to_string()));
            }
        }
        for d in &self.drop {
            match d {
                Dropped::Field(f) if fields.contains(f) => gone.push(f),
                Dropped::Derived(x) if derived.contains(x) => facts_gone.push(*x),
                Dropped::Field(f) => return Err(GrantError::NotReleased(f.to_string())),
                Dropped::Derived(x) => return Err(GrantError::NotReleased(x.to_string())),
            }
        }
        let new_fields: Vec<FieldName> = fields
            .iter()
            .filter(|f| !gone.contains(f))
            .cloned()
            .collect();
        let mut new_derived: Vec<Derived> = derived
            .iter()
            .filter(|d| !facts_gone.contains(d))
            .copied()
            .collect();
        for d in added {
            if !new_derived.contains(&d) && !facts_gone.contains(&d) {
                new_derived.push(d);
            }
        }
        if new_fields.is_empty() && new_derived.is_empty() {
            return Err(GrantError::NarrowedToNothing);
        }
        Ok((new_fields, new_derived))
    }

    /// The raw names this narrowing stops releasing and the facts it adds, for the audit entry
    /// (`birthdate → adult_kr`), from the grant's fields.
    pub fn describe(&self, fields: &[FieldName]) -> String {
        let mut parts: Vec<String> = self
            .replace
            .iter()
            .map(|(raw, fact)| {
                let names: Vec<String> = raw
                    .fields_in(fields)
                    .iter()
                    .map(|f| f.to_string())
                    .collect();
                format!("{} → {fact}", names.join(", "))
            })
            .collect();
        parts.extend(self.drop.iter().map(|d| match d {
            Dropped::Field(f) => format!("{f} dropped"),
            Dropped::Derived(x) => format!("{x} dropped"),
        }));
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> FieldName {
        s.parse().expect("name")
    }

    #[test]
    fn a_raw_value_is_replaced_by_a_fact_derived_from_it() {
        let fields = [n("email"), n("birthdate")];
        let nar = Narrowing::new(vec![(Raw::Field(n("birthdate")), Derived::AdultKr)], vec![]);
        assert_eq!(
            nar.apply(&fields, &[]),
            Ok((vec![n("email")], vec![Derived::AdultKr]))
        );
        assert_eq!(nar.describe(&fields), "birthdate → adult_kr");
    }

    #[test]
    fn address_means_every_address_part_the_grant_releases() {
        let fields = [
            n("address.street_address"),
            n("email"),
            n("address.locality"),
        ];
        let nar = Narrowing::new(vec![(Raw::Address, Derived::City)], vec![]);
        assert_eq!(
            nar.apply(&fields, &[Derived::Birthday]),
            Ok((vec![n("email")], vec![Derived::Birthday, Derived::City]))
        );
        // The review's action names the parts one by one: the same result.
        let review = Narrowing::replacing(
            &["address.street_address".into(), "address.locality".into()],
            "city",
        )
        .expect("parts");
        assert_eq!(review.apply(&fields, &[]), nar.apply(&fields, &[]));
    }

    #[test]
    fn the_city_needs_a_part_it_is_read_from() {
        // The country alone does not name the city: the city would say more.
        let fields = [n("email"), n("address.country"), n("address.postal_code")];
        let nar = Narrowing::new(vec![(Raw::Address, Derived::City)], vec![]);
        assert_eq!(
            nar.apply(&fields, &[]),
            Err(GrantError::NotDerivedFrom(
                "address.country, address.postal_code".into(),
                "city".into()
            ))
        );
        let nar = Narrowing::replacing(&["address.country".into()], "city").expect("parse");
        assert!(matches!(
            nar.apply(&fields, &[]),
            Err(GrantError::NotDerivedFrom(..))
        ));
        // With the locality beside it, the country goes too (the review names every part).
        let fields = [n("address.country"), n("address.locality"), n("email")];
        let nar = Narrowing::replacing(
            &["address.country".into(), "address.locality".into()],
            "city",
        )
        .expect("parse");
        assert_eq!(
            nar.apply(&fields, &[]),
            Ok((vec![n("email")], vec![Derived::City]))
        );
    }

    #[test]
    fn dropping_keeps_the_rest() {
        let nar = Narrowing::new(
            vec![],
            vec![
                "given_name".parse().expect("drop"),
                "birthday".parse().expect("drop"),
            ],
        );
        assert_eq!(
            nar.apply(
                &[n("email"), n("given_name")],
                &[Derived::Birthday, Derived::AgeOver(19)]
            ),
            Ok((vec![n("email")], vec![Derived::AgeOver(19)]))
        );
    }

    #[test]
    fn refusals() {
        let fields = [n("email"), n("birthdate")];
        assert_eq!(
            Narrowing::default().apply(&fields, &[]),
            Err(GrantError::NothingToNarrow)
        );
        // Nothing can be "replaced" by a fact it does not give.
        let nar = Narrowing::new(vec![(Raw::Field(n("email")), Derived::AdultKr)], vec![]);
        assert_eq!(
            nar.apply(&fields, &[]),
            Err(GrantError::NotDerivedFrom(
                "email".into(),
                "adult_kr".into()
            ))
        );
        let nar = Narrowing::new(vec![(Raw::Field(n("birthdate")), Derived::City)], vec![]);
        assert!(matches!(
            nar.apply(&fields, &[]),
            Err(GrantError::NotDerivedFrom(..))
        ));
        // An age out of range is no fact at all, so nothing gives it.
        for age in [0, 100] {
            let nar = Narrowing::new(
                vec![(Raw::Field(n("birthdate")), Derived::AgeOver(age))],
                vec![],
            );
            assert_eq!(
                nar.apply(&fields, &[]),
                Err(GrantError::NotDerivedFrom(
                    "birthdate".into(),
                    format!("age_over_{age}")
                ))
            );
        }
        // Only what the grant releases.
        let nar = Narrowing::new(vec![(Raw::Address, Derived::City)], vec![]);
        assert_eq!(
            nar.apply(&fields, &[]),
            Err(GrantError::NotReleased("address".into()))
        );
        let nar = Narrowing::new(vec![], vec![Dropped::Field(n("phone_number"))]);
        assert_eq!(
            nar.apply(&fields, &[]),
            Err(GrantError::NotReleased("phone_number".into()))
        );
        let nar = Narrowing::new(vec![], vec![Dropped::Derived(Derived::City)]);
        assert_eq!(
            nar.apply(&fields, &[]),
            Err(GrantError::NotReleased("city".into()))
        );
        // Dropping everything is revoking.
        let nar = Narrowing::new(
            vec![],
            vec![Dropped::Field(n("email")), Dropped::Field(n("birthdate"))],
        );
        assert_eq!(nar.apply(&fields, &[]), Err(GrantError::NarrowedToNothing));
    }

    #[test]
    fn replacement_spellings() {
        assert_eq!(
            Narrowing::parse_replacement("birthdate=age_over:19"),
            Ok((Raw::Field(n("birthdate")), Derived::AgeOver(19)))
        );
        assert_eq!(
            Narrowing::parse_replacement(" address = city "),
            Ok((Raw::Address, Derived::City))
        );
        for bad in ["birthdate", "=city", "birthdate="] {
            assert!(matches!(
                Narrowing::parse_replacement(bad),
                Err(GrantError::BadReplacement(_))
            ));
        }
        assert!(matches!(
            Narrowing::parse_replacement("birthdate=zodiac"),
            Err(GrantError::UnknownDerived(_))
        ));
    }
}
