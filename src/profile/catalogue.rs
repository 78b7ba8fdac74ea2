//! The catalogue of fixed fields, with the texts the UI shows for them.
//!
//! One static table so the CLI, the UI and documentation cannot drift apart.
//! `membership.NAME` and `custom.NAME` are open families and therefore not
//! listed; the UI describes them through their [`FieldGroup`].

use serde::Serialize;

use super::field::{AddressPart, FieldGroup, FieldName, StdField};
use super::normalize::CONTACT_CHANNELS;

/// Description of one fixed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldSpec {
    /// The field (serialises as its canonical dotted name).
    pub name: FieldName,
    pub group: FieldGroup,
    /// Stored as a list (see [`list_items`](super::list_items)).
    pub is_list: bool,
    /// Short English description for the UI.
    pub description_en: &'static str,
    /// Short Korean description for the UI.
    pub description_ko: &'static str,
    /// A typical input, valid for [`normalize_value`](super::normalize_value)
    /// (usable as a placeholder; shows the Korean way of writing it).
    pub example: &'static str,
    /// Allowed items for closed lists (`contact_channels`); empty = free text.
    pub choices: &'static [&'static str],
}

const fn spec(
    name: FieldName,
    group: FieldGroup,
    is_list: bool,
    description_en: &'static str,
    description_ko: &'static str,
    example: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        group,
        is_list,
        description_en,
        description_ko,
        example,
        choices: &[],
    }
}

const fn std(f: StdField) -> FieldName {
    FieldName::Std(f)
}

const fn addr(p: AddressPart) -> FieldName {
    FieldName::Address(p)
}

use FieldGroup as G;

static CATALOGUE: [FieldSpec; 25] = [
    // Identity. Korean names are written family name first with no space
    // (김민준), so `name` is its own field rather than derived from the parts.
    spec(
        std(StdField::FamilyName),
        G::Identity,
        false,
        "Family name (surname)",
        "성",
        "김",
    ),
    spec(
        std(StdField::GivenName),
        G::Identity,
        false,
        "Given name (first name)",
        "이름 (성 제외)",
        "민준",
    ),
    spec(
        std(StdField::MiddleName),
        G::Identity,
        false,
        "Middle name, if you have one",
        "중간 이름 (있는 경우)",
        "Marie",
    ),
    spec(
        std(StdField::Name),
        G::Identity,
        false,
        "Full name as you want it shown",
        "표시할 전체 이름",
        "김민준",
    ),
    spec(
        std(StdField::Nickname),
        G::Identity,
        false,
        "Nickname or casual name",
        "별명",
        "준이",
    ),
    spec(
        std(StdField::Birthdate),
        G::Identity,
        false,
        "Date of birth (YYYY-MM-DD)",
        "생년월일 (YYYY-MM-DD)",
        "1990-05-17",
    ),
    spec(
        std(StdField::Gender),
        G::Identity,
        false,
        "Gender, in your own words",
        "성별 (자유롭게 입력)",
        "female",
    ),
    // Contact
    spec(
        std(StdField::Email),
        G::Contact,
        false,
        "Email address",
        "이메일 주소",
        "minjun@example.com",
    ),
    spec(
        std(StdField::PhoneNumber),
        G::Contact,
        false,
        "Phone number (stored in international format)",
        "전화번호 (국제 형식으로 저장)",
        "010-1234-5678",
    ),
    FieldSpec {
        name: std(StdField::ContactChannels),
        group: G::Contact,
        is_list: true,
        description_en: "Channels you are happy to be contacted on",
        description_ko: "연락받고 싶은 방법",
        example: "email, sms",
        choices: &CONTACT_CHANNELS,
    },
    // Address (OpenID Connect address claim)
    spec(
        addr(AddressPart::StreetAddress),
        G::Address,
        false,
        "Street address: road name, building number, unit",
        "도로명 주소 (도로명, 건물번호, 동·호수)",
        "세종대로 110",
    ),
    spec(
        addr(AddressPart::Detail),
        G::Address,
        false,
        "Address detail: building wing, floor, unit",
        "상세주소 (동·층·호수)",
        "101동 1001호",
    ),
    spec(
        addr(AddressPart::Locality),
        G::Address,
        false,
        "City or district",
        "시·군·구",
        "중구",
    ),
    spec(
        addr(AddressPart::Region),
        G::Address,
        false,
        "Province, state or metropolitan city",
        "시·도",
        "서울특별시",
    ),
    spec(
        addr(AddressPart::PostalCode),
        G::Address,
        false,
        "Postal code",
        "우편번호",
        "04524",
    ),
    spec(
        addr(AddressPart::Country),
        G::Address,
        false,
        "Country (two-letter ISO code)",
        "국가 (ISO 두 글자 코드)",
        "KR",
    ),
    spec(
        addr(AddressPart::Formatted),
        G::Address,
        false,
        "Full address as written on mail",
        "우편물에 쓰는 전체 주소",
        "서울특별시 중구 세종대로 110 (04524)",
    ),
    spec(
        addr(AddressPart::Jibun),
        G::Address,
        false,
        "Lot-number address (Korea, optional)",
        "지번 주소 (선택)",
        "상암동 1605",
    ),
    spec(
        addr(AddressPart::FormattedEn),
        G::Address,
        false,
        "Full address in English",
        "영문 주소",
        "110 Sejong-daero, Jung-gu, Seoul 04524",
    ),
    // Preferences
    spec(
        std(StdField::Locale),
        G::Preferences,
        false,
        "Preferred language (e.g. ko-KR)",
        "선호 언어 (예: ko-KR)",
        "ko-KR",
    ),
    spec(
        std(StdField::Zoneinfo),
        G::Preferences,
        false,
        "Time zone",
        "시간대",
        "Asia/Seoul",
    ),
    spec(
        std(StdField::Interests),
        G::Preferences,
        true,
        "Interests, separated by commas",
        "관심사 (쉼표로 구분)",
        "캠핑, 커피, 재즈",
    ),
    spec(
        std(StdField::DietaryPreferences),
        G::Preferences,
        true,
        "Dietary preferences and allergies, separated by commas",
        "식단 선호 및 알레르기 (쉼표로 구분)",
        "채식, 땅콩 알레르기",
    ),
    // Sizes
    spec(
        std(StdField::ClothingSize),
        G::Sizes,
        false,
        "Clothing size",
        "옷 사이즈",
        "95 (M)",
    ),
    spec(
        std(StdField::ShoeSize),
        G::Sizes,
        false,
        "Shoe size",
        "신발 사이즈",
        "265",
    ),
];

/// Every fixed field, grouped in display order.
pub fn catalogue() -> &'static [FieldSpec] {
    &CATALOGUE
}

#[cfg(test)]
mod tests {
    use super::super::{AddressPart, StdField, normalize_value};
    use super::*;

    #[test]
    fn covers_every_fixed_field_exactly_once() {
        let mut expected: Vec<FieldName> = StdField::ALL.into_iter().map(FieldName::Std).collect();
        expected.extend(AddressPart::ALL.into_iter().map(FieldName::Address));
        assert_eq!(catalogue().len(), expected.len());
        for name in &expected {
            assert_eq!(
                catalogue().iter().filter(|s| &s.name == name).count(),
                1,
                "{name}"
            );
        }
    }

    #[test]
    fn specs_agree_with_field_name_methods() {
        for s in catalogue() {
            assert_eq!(s.group, s.name.group(), "{}", s.name);
            assert_eq!(s.is_list, s.name.is_list(), "{}", s.name);
            assert_eq!(s.name.spec(), Some(s));
            assert!(!s.description_en.is_empty() && !s.description_ko.is_empty());
            assert_eq!(
                s.choices.is_empty(),
                s.name.to_string() != "contact_channels"
            );
        }
    }

    #[test]
    fn groups_are_contiguous_in_display_order() {
        let order: Vec<usize> = catalogue()
            .iter()
            .filter_map(|s| FieldGroup::ALL.iter().position(|g| *g == s.group))
            .collect();
        assert_eq!(order.len(), catalogue().len());
        assert!(order.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn examples_are_valid_and_already_normal_where_expected() {
        let today = jiff::civil::Date::constant(2025, 1, 1);
        for s in catalogue() {
            let got = normalize_value(&s.name, s.example, today);
            assert!(got.is_ok(), "{}: {:?}", s.name, got);
        }
    }

    #[test]
    fn serializes_for_the_ui() {
        let v = serde_json::to_value(catalogue()).unwrap_or_default();
        let first = &v[0];
        assert_eq!(first["name"], "family_name");
        assert_eq!(first["group"], "identity");
        assert_eq!(first["is_list"], false);
        assert_eq!(first["description_ko"], "성");
        let channels = v
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == "contact_channels"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            channels["choices"],
            serde_json::json!(["email", "sms", "phone", "post", "push", "messenger"])
        );
        assert_eq!(v[10]["name"], "address.street_address");
    }
}
