//! The single error type of the profile module.
//!
//! Every message is one line that says what is wrong and how to fix it, because
//! these strings are shown verbatim in the CLI and the desktop UI. User input is
//! only echoed through [`shown`](super::text::shown), which cuts it to a few
//! dozen characters and escapes invisible characters, so a pasted secret or a
//! megabyte of junk never ends up in logs or dialogs. Free-text values (names,
//! custom fields, membership numbers) are never echoed at all.

/// Why a field name, value or label was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The field name is neither a catalogue field nor `membership.NAME` / `custom.NAME`.
    /// `hint` is empty or a "did you mean" sentence ending in a space.
    #[error("unknown field \"{name}\"; {hint}custom fields are named custom.NAME")]
    UnknownField { name: String, hint: String },

    /// The field name only differs from a real one by letter case.
    #[error("unknown field \"{name}\"; field names are lower-case, use \"{suggestion}\"")]
    FieldNameCase { name: String, suggestion: String },

    /// `address.SOMETHING` where SOMETHING is not an OpenID Connect address member.
    #[error(
        "unknown address part \"{part}\"; use address.street_address, address.locality, \
         address.region, address.postal_code, address.country or address.formatted"
    )]
    UnknownAddressPart { part: String },

    /// The NAME of `membership.NAME` / `custom.NAME` breaks the naming rules.
    #[error(
        "invalid field name \"{prefix}.{name}\": {problem}; use 1-64 lower-case letters, \
         digits, \"_\" or \"-\" after \"{prefix}.\", e.g. {prefix}.{example}"
    )]
    InvalidFieldName {
        prefix: &'static str,
        name: String,
        problem: String,
        example: &'static str,
    },

    /// Nothing left after trimming.
    #[error("{field} is empty; enter a value or leave the field out")]
    Empty { field: String },

    /// Longer than the field's limit (counted in characters, so 김 counts as one).
    #[error("{field} is too long ({len} characters); shorten it to at most {max}")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },

    /// A control or invisible direction-override character (tab, escape, U+202E …).
    #[error("{field} contains an invisible control character ({code}); remove it")]
    ControlChar { field: String, code: String },

    /// A list field has more items than allowed.
    #[error("{field} has {count} items; keep it to at most {max}")]
    TooManyItems {
        field: String,
        count: usize,
        max: usize,
    },

    /// Email syntax problem; `problem` reads as a predicate, e.g. `has no domain after "@"`.
    #[error("email \"{value}\" {problem}")]
    InvalidEmail { value: String, problem: String },

    /// Phone number that cannot be turned into E.164.
    #[error("phone number \"{value}\" {problem}; use e.g. 010-1234-5678 or +82 10 1234 5678")]
    InvalidPhone { value: String, problem: String },

    /// Birth date that is not a recognisable or real calendar date.
    #[error("birthdate \"{value}\" {problem}; use YYYY-MM-DD, e.g. 1990-05-17")]
    InvalidDate { value: String, problem: String },

    /// Birth date after `today`.
    #[error("birthdate {date} is in the future")]
    FutureDate { date: String },

    /// Birth date before 1900-01-01 (almost certainly a typo in the year).
    #[error("birthdate {date} is before 1900-01-01; check the year")]
    DateTooEarly { date: String },

    /// Not a well-formed BCP 47 language tag.
    #[error(
        "locale \"{value}\" is not a valid BCP 47 language tag ({problem}); \
         use e.g. ko-KR, en or zh-Hant-TW"
    )]
    InvalidLocale { value: String, problem: String },

    /// Not a zone in jiff's bundled IANA time zone database.
    #[error("unknown time zone \"{value}\"; use an IANA time zone name such as Asia/Seoul")]
    UnknownTimeZone { value: String },

    /// Not an officially assigned ISO 3166-1 alpha-2 code. `hint` is empty or " (did you mean GB?)".
    #[error("unknown country code \"{value}\"; use ISO 3166-1 alpha-2 such as KR{hint}")]
    UnknownCountry { value: String, hint: String },

    /// Postal code with characters or length no postal system uses.
    #[error(
        "postal code \"{value}\" {problem}; use 2-12 letters, digits, spaces or hyphens, e.g. 04524"
    )]
    InvalidPostalCode { value: String, problem: String },

    /// A Korean postal code (우편번호) that is not five digits. `problem` reads as a predicate.
    #[error(
        "postal code \"{value}\" {problem}; Korean postal codes (우편번호) have five digits, e.g. 04524"
    )]
    InvalidKoreanPostalCode { value: String, problem: String },

    /// `address.region` of a Korean address that is none of the 17 시/도.
    #[error(
        "address.region \"{value}\" is not a Korean province or metropolitan city (시/도); \
         use e.g. 서울특별시, 부산광역시, 세종특별자치시, 경기도 or 제주특별자치도"
    )]
    InvalidKoreanRegion { value: String },

    /// `address.locality` of a Korean address that is not a 시, 군 or 구.
    #[error(
        "address.locality \"{value}\" is not a Korean city, county or district (시/군/구); \
         use e.g. 마포구, 가평군 or 성남시 분당구"
    )]
    InvalidKoreanLocality { value: String },

    /// The first line of `address.street_address` of a Korean address is not a road-name
    /// address. The address itself is personal data and is not echoed.
    #[error(
        "address.street_address is not a road-name address (도로명주소): {problem}; \
         write the road name and building number, e.g. 세종대로 110 or 테헤란로 12-3"
    )]
    InvalidRoadAddress { problem: String },

    /// `address.jibun` of a Korean address does not end in a lot number. Not echoed either.
    #[error(
        "address.jibun is not a lot-number address (지번주소): {problem}; \
         write the 동 or 리 and the lot number, e.g. 상암동 1605 or 읍내리 산 12-3"
    )]
    InvalidJibun { problem: String },

    /// `address.formatted_en` with Hangul in it; only the offending character is echoed.
    #[error(
        "address.formatted_en is the address in English but contains \"{ch}\"; \
         write it in Latin letters, e.g. 110 Sejong-daero, Jung-gu, Seoul 04524"
    )]
    HangulInEnglishAddress { ch: String },

    /// `contact_channels` item outside the fixed set.
    #[error(
        "unknown contact channel \"{value}\"; use one or more of: email, sms, phone, post, push, messenger"
    )]
    UnknownChannel { value: String },

    /// Membership number with a character other than letters, digits, spaces or hyphens.
    /// Only the offending character is echoed: the number itself is personal data.
    #[error(
        "membership number for {field} contains \"{ch}\"; use only letters, digits, spaces and hyphens"
    )]
    InvalidMembershipNumber { field: String, ch: String },
}
