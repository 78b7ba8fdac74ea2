//! Field names: the closed set of standard fields plus open `membership.NAME`
//! and `custom.NAME` families, with one canonical dotted spelling each.
//!
//! Field names travel in grant tokens and CLI arguments, so parsing is exact:
//! one spelling per field, no silent case folding. Near misses get a "did you
//! mean" error instead.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ProfileError;
use super::catalogue::{FieldSpec, catalogue};
use super::text::{code_point, compose_hangul, shown};

/// Maximum length of the NAME in `membership.NAME` / `custom.NAME`, in characters.
pub const MAX_DYNAMIC_NAME: usize = 64;

/// The fixed, non-address fields: OpenID Connect standard claims first, then
/// brand-personalisation fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StdField {
    GivenName,
    FamilyName,
    MiddleName,
    Nickname,
    Name,
    Email,
    PhoneNumber,
    Birthdate,
    Gender,
    Locale,
    Zoneinfo,
    Interests,
    ClothingSize,
    ShoeSize,
    DietaryPreferences,
    ContactChannels,
}

impl StdField {
    /// Every variant, in catalogue order.
    pub const ALL: [StdField; 16] = [
        StdField::GivenName,
        StdField::FamilyName,
        StdField::MiddleName,
        StdField::Nickname,
        StdField::Name,
        StdField::Email,
        StdField::PhoneNumber,
        StdField::Birthdate,
        StdField::Gender,
        StdField::Locale,
        StdField::Zoneinfo,
        StdField::Interests,
        StdField::ClothingSize,
        StdField::ShoeSize,
        StdField::DietaryPreferences,
        StdField::ContactChannels,
    ];

    /// Canonical spelling (also the JSON key in exports).
    pub const fn as_str(self) -> &'static str {
        match self {
            StdField::GivenName => "given_name",
            StdField::FamilyName => "family_name",
            StdField::MiddleName => "middle_name",
            StdField::Nickname => "nickname",
            StdField::Name => "name",
            StdField::Email => "email",
            StdField::PhoneNumber => "phone_number",
            StdField::Birthdate => "birthdate",
            StdField::Gender => "gender",
            StdField::Locale => "locale",
            StdField::Zoneinfo => "zoneinfo",
            StdField::Interests => "interests",
            StdField::ClothingSize => "clothing_size",
            StdField::ShoeSize => "shoe_size",
            StdField::DietaryPreferences => "dietary_preferences",
            StdField::ContactChannels => "contact_channels",
        }
    }

    fn from_name(s: &str) -> Option<StdField> {
        StdField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// True for OpenID Connect Core §5.1 standard claims.
    pub const fn is_oidc(self) -> bool {
        !matches!(
            self,
            StdField::Interests
                | StdField::ClothingSize
                | StdField::ShoeSize
                | StdField::DietaryPreferences
                | StdField::ContactChannels
        )
    }
}

/// Members of the OpenID Connect `address` claim (§5.1.1), then three members OpenID Connect
/// does not define, for Korean addresses (documented in docs/grant-token.md): the detail
/// (상세주소), the lot-number address (지번주소) and the English form. With `address.country`
/// = `KR`, the Korean rules of [`normalize_value_in`](super::normalize_value_in) apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressPart {
    StreetAddress,
    Locality,
    Region,
    PostalCode,
    Country,
    Formatted,
    /// 상세주소: building wing, floor, unit (`101동 1001호`), kept apart from the road-name
    /// address so the latter stays exactly what the address register knows.
    Detail,
    /// 지번주소: the older lot-number address (`상암동 1605`), still on deeds and some forms.
    Jibun,
    /// The address in English (Latin letters), as written on international mail.
    FormattedEn,
}

impl AddressPart {
    /// Every variant: the OpenID Connect members first, as before the Korean members existed.
    pub const ALL: [AddressPart; 9] = [
        AddressPart::StreetAddress,
        AddressPart::Locality,
        AddressPart::Region,
        AddressPart::PostalCode,
        AddressPart::Country,
        AddressPart::Formatted,
        AddressPart::Detail,
        AddressPart::Jibun,
        AddressPart::FormattedEn,
    ];

    /// Member name inside the `address` object (without the `address.` prefix).
    pub const fn as_str(self) -> &'static str {
        match self {
            AddressPart::StreetAddress => "street_address",
            AddressPart::Locality => "locality",
            AddressPart::Region => "region",
            AddressPart::PostalCode => "postal_code",
            AddressPart::Country => "country",
            AddressPart::Formatted => "formatted",
            AddressPart::Detail => "detail",
            AddressPart::Jibun => "jibun",
            AddressPart::FormattedEn => "formatted_en",
        }
    }

    /// True for the members OpenID Connect Core §5.1.1 defines.
    pub const fn is_oidc(self) -> bool {
        !matches!(
            self,
            AddressPart::Detail | AddressPart::Jibun | AddressPart::FormattedEn
        )
    }

    fn from_name(s: &str) -> Option<AddressPart> {
        AddressPart::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// UI grouping of fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldGroup {
    Identity,
    Contact,
    Address,
    Preferences,
    Sizes,
    Memberships,
    Custom,
}

impl FieldGroup {
    /// Every group, in display order.
    pub const ALL: [FieldGroup; 7] = [
        FieldGroup::Identity,
        FieldGroup::Contact,
        FieldGroup::Address,
        FieldGroup::Preferences,
        FieldGroup::Sizes,
        FieldGroup::Memberships,
        FieldGroup::Custom,
    ];

    /// snake_case identifier, same as the serde form.
    pub const fn as_str(self) -> &'static str {
        match self {
            FieldGroup::Identity => "identity",
            FieldGroup::Contact => "contact",
            FieldGroup::Address => "address",
            FieldGroup::Preferences => "preferences",
            FieldGroup::Sizes => "sizes",
            FieldGroup::Memberships => "memberships",
            FieldGroup::Custom => "custom",
        }
    }

    /// English section heading for the UI.
    pub const fn title_en(self) -> &'static str {
        match self {
            FieldGroup::Identity => "Identity",
            FieldGroup::Contact => "Contact",
            FieldGroup::Address => "Address",
            FieldGroup::Preferences => "Preferences",
            FieldGroup::Sizes => "Sizes",
            FieldGroup::Memberships => "Memberships",
            FieldGroup::Custom => "Custom fields",
        }
    }

    /// Korean section heading for the UI.
    pub const fn title_ko(self) -> &'static str {
        match self {
            FieldGroup::Identity => "기본 정보",
            FieldGroup::Contact => "연락처",
            FieldGroup::Address => "주소",
            FieldGroup::Preferences => "취향 및 선호",
            FieldGroup::Sizes => "사이즈",
            FieldGroup::Memberships => "멤버십",
            FieldGroup::Custom => "직접 추가한 항목",
        }
    }
}

/// A profile field name. Build it with [`FromStr`] (or [`FieldName::membership`]
/// / [`FieldName::custom`]) so the NAME of the open families is validated; the
/// variants are public for matching, and [`normalize_value`](super::normalize_value)
/// re-checks NAMEs of hand-built values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldName {
    Std(StdField),
    Address(AddressPart),
    /// Loyalty/membership number for programme NAME (e.g. `membership.cj_one`).
    Membership(String),
    /// User-defined field NAME (e.g. `custom.혈액형`); its display label is stored separately.
    Custom(String),
}

/// Which open family a NAME belongs to; drives error wording.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Family {
    Membership,
    Custom,
}

impl Family {
    const fn prefix(self) -> &'static str {
        match self {
            Family::Membership => "membership",
            Family::Custom => "custom",
        }
    }

    const fn example(self) -> &'static str {
        match self {
            Family::Membership => "cj_one",
            Family::Custom => "blood_type",
        }
    }
}

/// Validate the NAME of `membership.NAME` / `custom.NAME` and return it
/// Hangul-composed. Rules: 1–64 characters; ASCII lower-case letters, digits,
/// `_`, `-`, or any non-ASCII letter/digit that is not upper-case (so 혈액형,
/// ポイント or café work). Dots are refused because they would make the dotted
/// name ambiguous; whitespace and controls because names appear in tokens
/// and command lines; upper-case so each field has exactly one spelling.
pub(crate) fn check_dynamic_name(family: Family, raw: &str) -> Result<String, ProfileError> {
    let name = compose_hangul(raw).into_owned();
    let fail = |problem: String| ProfileError::InvalidFieldName {
        prefix: family.prefix(),
        name: shown(&name),
        problem,
        example: family.example(),
    };
    let len = name.chars().count();
    if len == 0 {
        return Err(fail(format!("nothing follows \"{}.\"", family.prefix())));
    }
    if len > MAX_DYNAMIC_NAME {
        return Err(fail(format!("the name has {len} characters")));
    }
    for c in name.chars() {
        let ok = c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || c == '_'
            || c == '-'
            || (!c.is_ascii() && c.is_alphanumeric() && !c.is_uppercase());
        if ok {
            continue;
        }
        let problem = if c.is_uppercase() {
            format!("upper-case \"{c}\" is not allowed")
        } else if c == '.' {
            "dots are not allowed in the name".to_owned()
        } else if c.is_control() || super::text::is_forbidden(c) {
            format!("control character {} is not allowed", code_point(c))
        } else if c.is_whitespace() {
            "spaces are not allowed".to_owned()
        } else {
            format!("\"{}\" is not allowed", shown(&c.to_string()))
        };
        return Err(fail(problem));
    }
    Ok(name)
}

/// Common misspellings people type for real fields, answered with "did you mean".
const ALIASES: [(&str, &str); 19] = [
    ("phone", "phone_number"),
    ("mobile", "phone_number"),
    ("tel", "phone_number"),
    ("birthday", "birthdate"),
    ("birth_date", "birthdate"),
    ("dob", "birthdate"),
    ("first_name", "given_name"),
    ("last_name", "family_name"),
    ("surname", "family_name"),
    ("full_name", "name"),
    ("timezone", "zoneinfo"),
    ("time_zone", "zoneinfo"),
    ("language", "locale"),
    ("country", "address.country"),
    ("postal_code", "address.postal_code"),
    ("zip", "address.postal_code"),
    ("postcode", "address.postal_code"),
    ("e_mail", "email"),
    ("channels", "contact_channels"),
];

impl FieldName {
    /// `membership.NAME` with NAME validated.
    pub fn membership(name: &str) -> Result<FieldName, ProfileError> {
        check_dynamic_name(Family::Membership, name).map(FieldName::Membership)
    }

    /// `custom.NAME` with NAME validated.
    pub fn custom(name: &str) -> Result<FieldName, ProfileError> {
        check_dynamic_name(Family::Custom, name).map(FieldName::Custom)
    }

    /// UI group the field belongs to.
    pub fn group(&self) -> FieldGroup {
        match self {
            FieldName::Std(f) => match f {
                StdField::GivenName
                | StdField::FamilyName
                | StdField::MiddleName
                | StdField::Nickname
                | StdField::Name
                | StdField::Birthdate
                | StdField::Gender => FieldGroup::Identity,
                // contact_channels sits with the contact details it governs.
                StdField::Email | StdField::PhoneNumber | StdField::ContactChannels => {
                    FieldGroup::Contact
                }
                StdField::Locale
                | StdField::Zoneinfo
                | StdField::Interests
                | StdField::DietaryPreferences => FieldGroup::Preferences,
                StdField::ClothingSize | StdField::ShoeSize => FieldGroup::Sizes,
            },
            FieldName::Address(_) => FieldGroup::Address,
            FieldName::Membership(_) => FieldGroup::Memberships,
            FieldName::Custom(_) => FieldGroup::Custom,
        }
    }

    /// Whether the stored value is a list (items joined by ", "; see [`list_items`](super::list_items)).
    pub fn is_list(&self) -> bool {
        matches!(
            self,
            FieldName::Std(
                StdField::Interests | StdField::DietaryPreferences | StdField::ContactChannels
            )
        )
    }

    /// The top-level OpenID Connect claim that carries this field: the claim
    /// name for standard claims, `"address"` for every address part (they are
    /// members of that one claim), `None` for Vouchsafe-specific fields.
    pub fn oidc_claim(&self) -> Option<&'static str> {
        match self {
            FieldName::Std(f) if f.is_oidc() => Some(f.as_str()),
            FieldName::Address(_) => Some("address"),
            _ => None,
        }
    }

    /// Catalogue entry for fixed fields; `None` for membership/custom fields.
    pub fn spec(&self) -> Option<&'static FieldSpec> {
        catalogue().iter().find(|s| &s.name == self)
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldName::Std(s) => f.write_str(s.as_str()),
            FieldName::Address(p) => write!(f, "address.{}", p.as_str()),
            FieldName::Membership(n) => write!(f, "membership.{n}"),
            FieldName::Custom(n) => write!(f, "custom.{n}"),
        }
    }
}

impl FromStr for FieldName {
    type Err = ProfileError;

    /// Parse the canonical dotted spelling, exactly (no trimming, no case folding).
    fn from_str(s: &str) -> Result<FieldName, ProfileError> {
        if let Some(f) = StdField::from_name(s) {
            return Ok(FieldName::Std(f));
        }
        if let Some(part) = s.strip_prefix("address.") {
            return AddressPart::from_name(part)
                .map(FieldName::Address)
                .ok_or_else(|| ProfileError::UnknownAddressPart { part: shown(part) });
        }
        if let Some(name) = s.strip_prefix("membership.") {
            return FieldName::membership(name);
        }
        if let Some(name) = s.strip_prefix("custom.") {
            return FieldName::custom(name);
        }
        match s {
            "address" => {
                return Err(ProfileError::UnknownAddressPart {
                    part: String::new(),
                });
            }
            "membership" => return FieldName::membership(""),
            "custom" => return FieldName::custom(""),
            _ => {}
        }
        // Only a case difference from a real fixed field or prefix?
        let lower = s.to_lowercase();
        if lower != s && lower.parse::<FieldName>().is_ok() {
            return Err(ProfileError::FieldNameCase {
                name: shown(s),
                suggestion: shown(&lower),
            });
        }
        let key = lower.replace([' ', '-'], "_");
        let hint = ALIASES
            .iter()
            .find(|(alias, _)| *alias == key)
            .map(|(_, real)| format!("did you mean \"{real}\"? "))
            .unwrap_or_default();
        Err(ProfileError::UnknownField {
            name: shown(s),
            hint,
        })
    }
}

impl Serialize for FieldName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FieldName, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let cases = [
            ("given_name", FieldName::Std(StdField::GivenName)),
            ("family_name", FieldName::Std(StdField::FamilyName)),
            ("middle_name", FieldName::Std(StdField::MiddleName)),
            ("nickname", FieldName::Std(StdField::Nickname)),
            ("name", FieldName::Std(StdField::Name)),
            ("email", FieldName::Std(StdField::Email)),
            ("phone_number", FieldName::Std(StdField::PhoneNumber)),
            ("birthdate", FieldName::Std(StdField::Birthdate)),
            ("gender", FieldName::Std(StdField::Gender)),
            ("locale", FieldName::Std(StdField::Locale)),
            ("zoneinfo", FieldName::Std(StdField::Zoneinfo)),
            ("interests", FieldName::Std(StdField::Interests)),
            ("clothing_size", FieldName::Std(StdField::ClothingSize)),
            ("shoe_size", FieldName::Std(StdField::ShoeSize)),
            (
                "dietary_preferences",
                FieldName::Std(StdField::DietaryPreferences),
            ),
            (
                "contact_channels",
                FieldName::Std(StdField::ContactChannels),
            ),
            (
                "address.street_address",
                FieldName::Address(AddressPart::StreetAddress),
            ),
            (
                "address.locality",
                FieldName::Address(AddressPart::Locality),
            ),
            ("address.region", FieldName::Address(AddressPart::Region)),
            (
                "address.postal_code",
                FieldName::Address(AddressPart::PostalCode),
            ),
            ("address.country", FieldName::Address(AddressPart::Country)),
            (
                "address.formatted",
                FieldName::Address(AddressPart::Formatted),
            ),
            ("address.detail", FieldName::Address(AddressPart::Detail)),
            ("address.jibun", FieldName::Address(AddressPart::Jibun)),
            (
                "address.formatted_en",
                FieldName::Address(AddressPart::FormattedEn),
            ),
            ("membership.cj_one", FieldName::Membership("cj_one".into())),
            (
                "membership.l-point",
                FieldName::Membership("l-point".into()),
            ),
            (
                "membership.7eleven",
                FieldName::Membership("7eleven".into()),
            ),
            ("custom.blood_type", FieldName::Custom("blood_type".into())),
            ("custom.혈액형", FieldName::Custom("혈액형".into())),
            ("custom.ポイント", FieldName::Custom("ポイント".into())),
            ("custom.café", FieldName::Custom("café".into())),
            ("custom.a", FieldName::Custom("a".into())),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<FieldName>(), Ok(want.clone()), "{text}");
            assert_eq!(want.to_string(), text);
        }
    }

    #[test]
    fn every_std_and_address_variant_round_trips() {
        for f in StdField::ALL {
            let n = FieldName::Std(f);
            assert_eq!(n.to_string().parse::<FieldName>(), Ok(n));
        }
        for p in AddressPart::ALL {
            let n = FieldName::Address(p);
            assert_eq!(n.to_string().parse::<FieldName>(), Ok(n));
        }
    }

    #[test]
    fn decomposed_korean_name_is_composed() {
        let nfd = "custom.\u{1112}\u{1167}\u{11AF}\u{110B}\u{1162}\u{11A8}\u{1112}\u{1167}\u{11BC}";
        assert_eq!(nfd.parse(), Ok(FieldName::Custom("혈액형".into())));
    }

    #[test]
    fn name_length_limit() {
        let ok = format!("custom.{}", "a".repeat(64));
        assert!(ok.parse::<FieldName>().is_ok());
        let ok_ko = format!("custom.{}", "가".repeat(64));
        assert!(ok_ko.parse::<FieldName>().is_ok());
        let bad = format!("custom.{}", "a".repeat(65));
        assert!(matches!(
            bad.parse::<FieldName>(),
            Err(ProfileError::InvalidFieldName { .. })
        ));
    }

    #[test]
    fn parse_errors() {
        // (input, expected Display)
        let cases = [
            (
                "foo",
                "unknown field \"foo\"; custom fields are named custom.NAME",
            ),
            (
                "",
                "unknown field \"\"; custom fields are named custom.NAME",
            ),
            (
                "phone",
                "unknown field \"phone\"; did you mean \"phone_number\"? custom fields are named custom.NAME",
            ),
            (
                "Birthday",
                "unknown field \"Birthday\"; did you mean \"birthdate\"? custom fields are named custom.NAME",
            ),
            (
                "e-mail",
                "unknown field \"e-mail\"; did you mean \"email\"? custom fields are named custom.NAME",
            ),
            (
                "Email",
                "unknown field \"Email\"; field names are lower-case, use \"email\"",
            ),
            (
                "ADDRESS.COUNTRY",
                "unknown field \"ADDRESS.COUNTRY\"; field names are lower-case, use \"address.country\"",
            ),
            (
                "Custom.blood_type",
                "unknown field \"Custom.blood_type\"; field names are lower-case, use \"custom.blood_type\"",
            ),
            (
                "address.city",
                "unknown address part \"city\"; use address.street_address, address.locality, address.region, address.postal_code, address.country or address.formatted",
            ),
            (
                "custom.Blood",
                "invalid field name \"custom.Blood\": upper-case \"B\" is not allowed; use 1-64 lower-case letters, digits, \"_\" or \"-\" after \"custom.\", e.g. custom.blood_type",
            ),
            (
                "custom.",
                "invalid field name \"custom.\": nothing follows \"custom.\"; use 1-64 lower-case letters, digits, \"_\" or \"-\" after \"custom.\", e.g. custom.blood_type",
            ),
            (
                "membership.cj.one",
                "invalid field name \"membership.cj.one\": dots are not allowed in the name; use 1-64 lower-case letters, digits, \"_\" or \"-\" after \"membership.\", e.g. membership.cj_one",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                input.parse::<FieldName>().map_err(|e| e.to_string()),
                Err(want.to_owned()),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn bad_dynamic_names() {
        let cases = [
            "custom.blood type",
            "custom.a\tb",
            "custom.a/b",
            "custom.a@b",
            "custom.a\u{202E}b",
            "custom.Ä",
            "membership.",
            "membership",
            "custom",
            "address",
            "address.",
            " email",
            "email ",
        ];
        for input in cases {
            assert!(
                input.parse::<FieldName>().is_err(),
                "{input:?} should be rejected"
            );
        }
        // Messages never contain raw control characters.
        let e = "custom.a\u{202E}b"
            .parse::<FieldName>()
            .map(|_| ())
            .unwrap_err_string();
        assert!(e.contains("U+202E") && !e.contains('\u{202E}'), "{e}");
    }

    #[test]
    fn long_names_are_not_echoed_in_full() {
        let long = format!("custom.{}", "x".repeat(500));
        let e = long.parse::<FieldName>().map(|_| ()).unwrap_err_string();
        assert!(e.len() < 300, "{e}");
        let long = "y".repeat(10_000);
        let e = long.parse::<FieldName>().map(|_| ()).unwrap_err_string();
        assert!(e.len() < 200, "{e}");
    }

    #[test]
    fn groups_lists_and_claims() {
        let cases: [(&str, FieldGroup, bool, Option<&str>); 12] = [
            (
                "given_name",
                FieldGroup::Identity,
                false,
                Some("given_name"),
            ),
            ("birthdate", FieldGroup::Identity, false, Some("birthdate")),
            ("email", FieldGroup::Contact, false, Some("email")),
            (
                "phone_number",
                FieldGroup::Contact,
                false,
                Some("phone_number"),
            ),
            ("contact_channels", FieldGroup::Contact, true, None),
            ("locale", FieldGroup::Preferences, false, Some("locale")),
            ("interests", FieldGroup::Preferences, true, None),
            ("dietary_preferences", FieldGroup::Preferences, true, None),
            ("shoe_size", FieldGroup::Sizes, false, None),
            (
                "address.locality",
                FieldGroup::Address,
                false,
                Some("address"),
            ),
            ("membership.cj_one", FieldGroup::Memberships, false, None),
            ("custom.혈액형", FieldGroup::Custom, false, None),
        ];
        for (text, group, list, claim) in cases {
            let n = text.parse::<FieldName>();
            assert_eq!(n.as_ref().map(FieldName::group), Ok(group), "{text}");
            assert_eq!(n.as_ref().map(FieldName::is_list), Ok(list), "{text}");
            assert_eq!(n.as_ref().map(FieldName::oidc_claim), Ok(claim), "{text}");
        }
    }

    #[test]
    fn group_serializes_snake_case() {
        for g in FieldGroup::ALL {
            assert_eq!(
                serde_json::to_value(g).ok(),
                Some(serde_json::Value::String(g.as_str().to_owned()))
            );
        }
    }

    #[test]
    fn field_name_serde_is_the_canonical_string() {
        let n = FieldName::Custom("혈액형".into());
        assert_eq!(
            serde_json::to_string(&n).ok().as_deref(),
            Some("\"custom.혈액형\"")
        );
        let back: Result<FieldName, _> = serde_json::from_str("\"address.country\"");
        assert_eq!(back.ok(), Some(FieldName::Address(AddressPart::Country)));
        let bad: Result<FieldName, _> = serde_json::from_str("\"nope\"");
        assert!(bad.is_err());
    }

    #[test]
    fn constructors_validate() {
        assert_eq!(
            FieldName::membership("cj_one"),
            Ok(FieldName::Membership("cj_one".into()))
        );
        assert!(FieldName::membership("CJ ONE").is_err());
        assert_eq!(
            FieldName::custom("혈액형"),
            Ok(FieldName::Custom("혈액형".into()))
        );
        assert!(FieldName::custom("").is_err());
    }

    trait ErrString {
        fn unwrap_err_string(self) -> String;
    }
    impl ErrString for Result<(), ProfileError> {
        fn unwrap_err_string(self) -> String {
            match self {
                Ok(()) => String::from("<no error>"),
                Err(e) => e.to_string(),
            }
        }
    }
}
