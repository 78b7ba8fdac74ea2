//! Value validation and normalisation: what a person typed → what is stored.
//!
//! Common rules for every value: surrounding whitespace is trimmed, the value
//! must not be empty, invisible control characters are refused (see
//! [`is_forbidden`](super::text::is_forbidden)), decomposed Hangul is composed,
//! and lengths are counted in characters (김 is one). Everything else about
//! Unicode is kept as typed: a Korean name stays Korean.

use jiff::civil::Date;
use jiff::tz::TimeZoneDatabase;

use super::field::{AddressPart, Family, FieldName, StdField, check_dynamic_name};
use super::text::{
    check_len, collapse_whitespace, compose_hangul, fold_fullwidth, reject_forbidden, shown,
    single_line, trim,
};
use super::{ProfileError, address_kr, country, email, locale, phone};

/// Default limit for single-line text (names, locality, region …).
pub const MAX_TEXT: usize = 256;
/// Street address and formatted address may be several lines.
pub const MAX_ADDRESS: usize = 1024;
/// Custom field values.
pub const MAX_CUSTOM: usize = 1024;
/// `gender` is free text but meant to be a word or two.
pub const MAX_GENDER: usize = 64;
/// Clothing and shoe sizes ("M", "95", "270", "EU 42 / US 9").
pub const MAX_SIZE: usize = 64;
/// Membership numbers.
pub const MAX_MEMBERSHIP: usize = 64;
/// Each item of a list field.
pub const MAX_ITEM: usize = 64;
/// Items per list field.
pub const MAX_ITEMS: usize = 50;
/// Labels of fields.
pub const MAX_LABEL: usize = 100;

/// Earliest accepted birth date; anything older is a mistyped year.
/// A `const` so the constructor runs at compile time.
const MIN_BIRTHDATE: Date = Date::constant(1900, 1, 1);

/// The fixed set of `contact_channels` items, in display order.
pub const CONTACT_CHANNELS: [&str; 6] = ["email", "sms", "phone", "post", "push", "messenger"];

/// Words people use for the channels, mapped to the canonical item. Korean
/// first because that is how our first users think of them.
const CHANNEL_ALIASES: [(&str, &str); 13] = [
    ("이메일", "email"),
    ("메일", "email"),
    ("e-mail", "email"),
    ("문자", "sms"),
    ("text", "sms"),
    ("전화", "phone"),
    ("call", "phone"),
    ("우편", "post"),
    ("mail", "post"),
    ("푸시", "push"),
    ("알림", "push"),
    ("메신저", "messenger"),
    ("카카오톡", "messenger"),
];

/// Characters that separate list items: ASCII and full-width commas, the
/// ideographic comma `、`, and line breaks (one item per line in a text area).
const LIST_SEPARATORS: [char; 5] = [',', '，', '、', '\n', '\r'];

/// Validate and normalise what a person typed for field `name`.
///
/// `today` is the caller's local date, injected so tests are deterministic
/// and so the vault decides which clock and zone count (it only matters for
/// refusing birth dates in the future). The result is what should be stored;
/// applying it again returns the same string.
pub fn normalize_value(name: &FieldName, raw: &str, today: Date) -> Result<String, ProfileError> {
    let field = name.to_string();
    match name {
        FieldName::Std(f) => match f {
            StdField::GivenName
            | StdField::FamilyName
            | StdField::MiddleName
            | StdField::Nickname
            | StdField::Name => single_line(&field, raw, MAX_TEXT),
            StdField::Email => email::normalize(raw),
            StdField::PhoneNumber => phone::normalize(raw),
            StdField::Birthdate => birthdate(raw, today),
            StdField::Gender => gender(raw),
            StdField::Locale => locale::normalize(raw),
            StdField::Zoneinfo => zoneinfo(raw),
            StdField::ClothingSize | StdField::ShoeSize => single_line(&field, raw, MAX_SIZE),
            StdField::Interests | StdField::DietaryPreferences => {
                list(&field, raw, |_, item| Ok(item))
            }
            StdField::ContactChannels => list(&field, raw, channel),
        },
        FieldName::Address(part) => match part {
            AddressPart::StreetAddress | AddressPart::Formatted | AddressPart::FormattedEn => {
                multi_line(&field, raw, MAX_ADDRESS)
            }
            AddressPart::Locality
            | AddressPart::Region
            | AddressPart::Detail
            | AddressPart::Jibun => single_line(&field, raw, MAX_TEXT),
            AddressPart::PostalCode => postal_code(raw),
            AddressPart::Country => country::normalize(raw),
        },
        // NAMEs are re-checked because the variants can be built by hand.
        FieldName::Membership(n) => {
            check_dynamic_name(Family::Membership, n)?;
            membership_number(&field, raw)
        }
        FieldName::Custom(n) => {
            check_dynamic_name(Family::Custom, n)?;
            single_line(&field, raw, MAX_CUSTOM)
        }
    }
}

/// [`normalize_value`] for a field of a profile whose address is in `country` (ISO 3166-1
/// alpha-2 as stored: the `address.country` being written with this field, else the stored
/// one). `KR` adds the Korean rules to the address parts (five-digit postal code, one of the
/// 17 시/도, a 시/군/구, a road-name address, a lot-number address, an English form in Latin
/// letters); any other country, or none, changes nothing, so international addresses are
/// exactly as [`normalize_value`] leaves them.
pub fn normalize_value_in(
    name: &FieldName,
    raw: &str,
    today: Date,
    country: Option<&str>,
) -> Result<String, ProfileError> {
    let value = normalize_value(name, raw, today)?;
    match (name, country) {
        (FieldName::Address(part), Some("KR")) => address_kr::normalize(*part, value),
        _ => Ok(value),
    }
}

/// Validate a user-chosen label (e.g. "혈액형" for `custom.blood_type`):
/// trimmed, 1–100 characters, no control characters, whitespace runs collapsed.
pub fn validate_label(label: &str) -> Result<String, ProfileError> {
    single_line("label", label, MAX_LABEL)
}

/// Split a stored list value into its items. Tolerant: also splits on the
/// other separators accepted at input, trims, and drops empty items, so it
/// gives the right answer for a list stored by an older or foreign writer too.
pub fn list_items(value: &str) -> Vec<String> {
    value
        .split(LIST_SEPARATORS)
        .map(trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// List fields: split on [`LIST_SEPARATORS`]; trim items; drop empty ones;
/// drop duplicates (compared case-insensitively, first spelling kept, order
/// preserved); each item 1–64 characters; at most 50 items; stored joined by
/// `", "`. `item_fn` maps/validates each item (e.g. the channel set).
fn list(
    field: &str,
    raw: &str,
    item_fn: fn(&str, String) -> Result<String, ProfileError>,
) -> Result<String, ProfileError> {
    let mut items: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut position = 0;
    for piece in raw.split(LIST_SEPARATORS) {
        if trim(piece).is_empty() {
            continue;
        }
        position += 1;
        let label = format!("{field} item {position}");
        let item = item_fn(field, single_line(&label, piece, MAX_ITEM)?)?;
        let key = item.to_lowercase();
        if !seen.contains(&key) {
            seen.push(key);
            items.push(item);
            if items.len() > MAX_ITEMS {
                // Counting further would only cost time on hostile input.
                return Err(ProfileError::TooManyItems {
                    field: field.to_owned(),
                    count: raw
                        .split(LIST_SEPARATORS)
                        .filter(|p| !trim(p).is_empty())
                        .count(),
                    max: MAX_ITEMS,
                });
            }
        }
    }
    if items.is_empty() {
        return Err(ProfileError::Empty {
            field: field.to_owned(),
        });
    }
    Ok(items.join(", "))
}

/// `contact_channels` items: case-insensitive, full-width folded, Korean and
/// English synonyms accepted, stored as the canonical lower-case name.
fn channel(_field: &str, item: String) -> Result<String, ProfileError> {
    let lower = fold_fullwidth(&item).to_lowercase();
    if let Some(c) = CONTACT_CHANNELS.iter().find(|c| **c == lower) {
        return Ok((*c).to_owned());
    }
    if let Some((_, c)) = CHANNEL_ALIASES.iter().find(|(alias, _)| *alias == lower) {
        return Ok((*c).to_owned());
    }
    Err(ProfileError::UnknownChannel {
        value: shown(&item),
    })
}

/// Street and formatted addresses: OpenID Connect §5.1.1 allows several lines
/// (Korean addresses often put 동/호 on a second line). Line breaks are
/// normalised to `\n`; each line is trimmed and whitespace-collapsed; blank
/// lines are dropped. All other control characters are refused.
fn multi_line(field: &str, raw: &str, max: usize) -> Result<String, ProfileError> {
    let mut lines = Vec::new();
    for line in raw.split(['\n', '\r']) {
        let t = trim(line);
        if t.is_empty() {
            continue;
        }
        reject_forbidden(field, t)?;
        lines.push(collapse_whitespace(&compose_hangul(t)));
    }
    let out = lines.join("\n");
    check_len(field, &out, max)?;
    Ok(out)
}

/// Birth date → `YYYY-MM-DD`. Besides ISO, accepts what Koreans write:
/// `1990.05.17`, `1990. 5. 17.`, `19900517`, `1990년 5월 17일`, and `/`.
/// The year must come first (day-first vs month-first is ambiguous) and have
/// four digits. Must be a real date, on or after 1900-01-01, not after `today`.
fn birthdate(raw: &str, today: Date) -> Result<String, ProfileError> {
    let folded = fold_fullwidth(raw);
    let text = single_line("birthdate", &folded, 32)?;
    let fail = |problem: &str| ProfileError::InvalidDate {
        value: shown(&text),
        problem: problem.to_owned(),
    };
    let mut groups: Vec<&str> = Vec::new();
    for piece in text.split(['-', '.', '/', ' ', '년', '월', '일']) {
        if piece.is_empty() {
            continue;
        }
        if !piece.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail("is not a date"));
        }
        groups.push(piece);
    }
    let (y, m, d) = match groups.as_slice() {
        [all] if all.len() == 8 => (&all[..4], &all[4..6], &all[6..]),
        [all] if all.len() == 6 => return Err(fail("has a two-digit year; write all four digits")),
        [y, m, d] if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) => {
            (*y, *m, *d)
        }
        [first, _, _] if first.len() != 4 => {
            return Err(fail("must start with the four-digit year"));
        }
        _ => return Err(fail("is not a date")),
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i16>(), m.parse::<i8>(), d.parse::<i8>()) else {
        return Err(fail("is not a date"));
    };
    let Ok(date) = Date::new(y, m, d) else {
        return Err(fail("is not a real calendar date"));
    };
    let iso = format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day());
    if date > today {
        return Err(ProfileError::FutureDate { date: iso });
    }
    if date < MIN_BIRTHDATE {
        return Err(ProfileError::DateTooEarly { date: iso });
    }
    Ok(iso)
}

/// `gender`: free text (OIDC: "female", "male" or anything else), at most 64
/// characters. Only the two OIDC-defined values are case-normalised so brands
/// can match them; everything else is kept exactly as the person wrote it.
fn gender(raw: &str) -> Result<String, ProfileError> {
    let text = single_line("gender", raw, MAX_GENDER)?;
    for canonical in ["female", "male"] {
        if text.eq_ignore_ascii_case(canonical) {
            return Ok(canonical.to_owned());
        }
    }
    Ok(text)
}

/// `zoneinfo`: must exist in jiff's bundled IANA database (not the host's
/// /usr/share/zoneinfo, so every machine agrees). Lookup is case-insensitive;
/// the stored spelling is the database's (`asia/seoul` → `Asia/Seoul`).
/// `Etc/Unknown` is refused: it is jiff's placeholder, not a real zone.
fn zoneinfo(raw: &str) -> Result<String, ProfileError> {
    let folded = fold_fullwidth(raw);
    let text = single_line("zoneinfo", &folded, 64)?;
    let unknown = || ProfileError::UnknownTimeZone {
        value: shown(&text),
    };
    if text.contains(' ') || text.eq_ignore_ascii_case("Etc/Unknown") {
        return Err(unknown());
    }
    let tz = TimeZoneDatabase::bundled()
        .get(&text)
        .map_err(|_| unknown())?;
    tz.iana_name().map(str::to_owned).ok_or_else(unknown)
}

/// `address.postal_code`: 2–12 ASCII letters, digits, spaces or hyphens;
/// letters upper-cased (`sw1a 1aa` → `SW1A 1AA`). Korean codes are five
/// digits, but the country is not known here, so that is not enforced.
fn postal_code(raw: &str) -> Result<String, ProfileError> {
    let folded = fold_fullwidth(raw);
    let text = single_line("address.postal_code", &folded, 64)?;
    let fail = |problem: String| ProfileError::InvalidPostalCode {
        value: shown(&text),
        problem,
    };
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == ' ' || *c == '-'))
    {
        return Err(fail(format!("contains \"{}\"", shown(&c.to_string()))));
    }
    let len = text.chars().count();
    if !(2..=12).contains(&len) {
        return Err(fail(format!("has {len} characters")));
    }
    Ok(text.to_ascii_uppercase())
}

/// `membership.NAME` values: 1–64 letters, digits, spaces or hyphens, case
/// kept (some programmes are case-sensitive). Full-width digits are folded.
/// Errors name the offending character only, never the number.
fn membership_number(field: &str, raw: &str) -> Result<String, ProfileError> {
    let folded = fold_fullwidth(raw);
    let text = single_line(field, &folded, MAX_MEMBERSHIP)?;
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == ' ' || *c == '-'))
    {
        return Err(ProfileError::InvalidMembershipNumber {
            field: field.to_owned(),
            ch: shown(&c.to_string()),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date::constant(2025, 6, 15);

    fn norm(field: &str, raw: &str) -> Result<String, String> {
        let name: FieldName = field.parse().map_err(|e: ProfileError| e.to_string())?;
        normalize_value(&name, raw, TODAY).map_err(|e| e.to_string())
    }

    fn ok(field: &str, raw: &str, want: &str) {
        assert_eq!(norm(field, raw).as_deref(), Ok(want), "{field} = {raw:?}");
    }

    fn err(field: &str, raw: &str, want: &str) {
        assert_eq!(norm(field, raw), Err(want.to_owned()), "{field} = {raw:?}");
    }

    #[test]
    fn names_keep_unicode() {
        let cases = [
            ("family_name", "김", "김"),
            ("given_name", "민준", "민준"),
            ("name", "김민준", "김민준"),
            ("name", "  김   민준  ", "김 민준"),
            ("name", "Zoë O'Brien-Smith", "Zoë O'Brien-Smith"),
            (
                "given_name",
                "\u{1106}\u{1175}\u{11AB}\u{110C}\u{116E}\u{11AB}",
                "민준",
            ),
            ("nickname", "준이 😀", "준이 😀"),
            ("middle_name", "Marie", "Marie"),
            ("name", "محمد", "محمد"),
            ("address.locality", "중구", "중구"),
            ("address.region", "서울특별시", "서울특별시"),
            ("custom.혈액형", "A형", "A형"),
            ("clothing_size", "95", "95"),
            ("shoe_size", "  270 ", "270"),
        ];
        for (f, raw, want) in cases {
            ok(f, raw, want);
        }
    }

    #[test]
    fn common_rejections() {
        let cases = [
            (
                "given_name",
                "",
                "given_name is empty; enter a value or leave the field out",
            ),
            (
                "given_name",
                " \u{3000}\t",
                "given_name is empty; enter a value or leave the field out",
            ),
            (
                "name",
                "a\tb",
                "name contains an invisible control character (U+0009); remove it",
            ),
            (
                "name",
                "a\nb",
                "name contains an invisible control character (U+000A); remove it",
            ),
            (
                "name",
                "evil\u{202E}txt",
                "name contains an invisible control character (U+202E); remove it",
            ),
            (
                "custom.note",
                "x\u{0}y",
                "custom.note contains an invisible control character (U+0000); remove it",
            ),
        ];
        for (f, raw, want) in cases {
            err(f, raw, want);
        }
    }

    #[test]
    fn length_limits() {
        let cases: [(&str, usize); 9] = [
            ("given_name", MAX_TEXT),
            ("address.locality", MAX_TEXT),
            ("address.street_address", MAX_ADDRESS),
            ("address.formatted", MAX_ADDRESS),
            ("custom.note", MAX_CUSTOM),
            ("gender", MAX_GENDER),
            ("shoe_size", MAX_SIZE),
            ("membership.cj_one", MAX_MEMBERSHIP),
            ("nickname", MAX_TEXT),
        ];
        for (f, max) in cases {
            let at = "가".repeat(max);
            assert_eq!(
                norm(f, &at).map(|s| s.chars().count()),
                Ok(max),
                "{f} at limit"
            );
            let over = "가".repeat(max + 1);
            err(
                f,
                &over,
                &format!(
                    "{f} is too long ({} characters); shorten it to at most {max}",
                    max + 1
                ),
            );
        }
    }

    #[test]
    fn errors_do_not_echo_long_values() {
        let secret = "S3CRET-".repeat(200);
        for f in [
            "custom.note",
            "membership.cj_one",
            "given_name",
            "email",
            "phone_number",
            "locale",
        ] {
            let e = norm(f, &secret).err().unwrap_or_default();
            assert!(!e.is_empty(), "{f} accepted junk");
            assert!(!e.contains(&secret[..64]), "{f} echoed the value: {e}");
        }
    }

    #[test]
    fn birthdates() {
        let good = [
            ("1990-05-17", "1990-05-17"),
            ("1990.05.17", "1990-05-17"),
            ("1990.5.17", "1990-05-17"),
            ("1990. 5. 17.", "1990-05-17"),
            ("19900517", "1990-05-17"),
            ("1990/05/17", "1990-05-17"),
            ("1990년 5월 17일", "1990-05-17"),
            ("1990년5월17일", "1990-05-17"),
            ("１９９０－０５－１７", "1990-05-17"),
            (" 2000-02-29 ", "2000-02-29"),
            ("1900-01-01", "1900-01-01"),
            ("2025-06-15", "2025-06-15"),
        ];
        for (raw, want) in good {
            ok("birthdate", raw, want);
        }
        let hint = "; use YYYY-MM-DD, e.g. 1990-05-17";
        let bad = [
            (
                "2025-06-16",
                "birthdate 2025-06-16 is in the future".to_owned(),
            ),
            (
                "2030-01-01",
                "birthdate 2030-01-01 is in the future".to_owned(),
            ),
            (
                "1899-12-31",
                "birthdate 1899-12-31 is before 1900-01-01; check the year".to_owned(),
            ),
            (
                "1990-02-30",
                format!("birthdate \"1990-02-30\" is not a real calendar date{hint}"),
            ),
            (
                "1999-02-29",
                format!("birthdate \"1999-02-29\" is not a real calendar date{hint}"),
            ),
            (
                "1990-13-01",
                format!("birthdate \"1990-13-01\" is not a real calendar date{hint}"),
            ),
            (
                "1990-00-10",
                format!("birthdate \"1990-00-10\" is not a real calendar date{hint}"),
            ),
            (
                "900517",
                format!("birthdate \"900517\" has a two-digit year; write all four digits{hint}"),
            ),
            (
                "17.05.1990",
                format!("birthdate \"17.05.1990\" must start with the four-digit year{hint}"),
            ),
            (
                "05/17/1990",
                format!("birthdate \"05/17/1990\" must start with the four-digit year{hint}"),
            ),
            (
                "May 17 1990",
                format!("birthdate \"May 17 1990\" is not a date{hint}"),
            ),
            (
                "1990-05",
                format!("birthdate \"1990-05\" is not a date{hint}"),
            ),
            (
                "1990-005-17",
                format!("birthdate \"1990-005-17\" is not a date{hint}"),
            ),
            (
                "1990-05-17T10:00",
                format!("birthdate \"1990-05-17T10:00\" is not a date{hint}"),
            ),
            (
                "",
                "birthdate is empty; enter a value or leave the field out".to_owned(),
            ),
        ];
        for (raw, want) in bad {
            err("birthdate", raw, &want);
        }
    }

    #[test]
    fn genders() {
        let cases = [
            ("female", "female"),
            ("Female", "female"),
            ("MALE", "male"),
            ("non-binary", "non-binary"),
            ("여성", "여성"),
            ("  prefer   not to say ", "prefer not to say"),
        ];
        for (raw, want) in cases {
            ok("gender", raw, want);
        }
    }

    #[test]
    fn zones() {
        let good = [
            ("Asia/Seoul", "Asia/Seoul"),
            ("asia/seoul", "Asia/Seoul"),
            (" Europe/London ", "Europe/London"),
            (
                "America/Argentina/Buenos_Aires",
                "America/Argentina/Buenos_Aires",
            ),
            ("UTC", "UTC"),
            ("Asia/Tokyo", "Asia/Tokyo"),
        ];
        for (raw, want) in good {
            ok("zoneinfo", raw, want);
        }
        for raw in [
            "Asia/Busan",
            "KST",
            "Seoul",
            "Etc/Unknown",
            "Asia/ Seoul",
            "+09:00",
            "../etc/passwd",
        ] {
            err(
                "zoneinfo",
                raw,
                &format!(
                    "unknown time zone \"{raw}\"; use an IANA time zone name such as Asia/Seoul"
                ),
            );
        }
    }

    #[test]
    fn postal_codes() {
        let good = [
            ("04524", "04524"),
            ("０４５２４", "04524"),
            ("135-080", "135-080"),
            ("sw1a 1aa", "SW1A 1AA"),
            ("SW1A   1AA", "SW1A 1AA"),
            ("94105-1234", "94105-1234"),
            ("K1A 0B1", "K1A 0B1"),
            ("00", "00"),
        ];
        for (raw, want) in good {
            ok("address.postal_code", raw, want);
        }
        let hint = "; use 2-12 letters, digits, spaces or hyphens, e.g. 04524";
        let bad = [
            ("1", "has 1 characters"),
            ("1234567890123", "has 13 characters"),
            ("045#24", "contains \"#\""),
            ("우편04524", "contains \"우\""),
        ];
        for (raw, problem) in bad {
            err(
                "address.postal_code",
                raw,
                &format!("postal code \"{raw}\" {problem}{hint}"),
            );
        }
    }

    #[test]
    fn countries_and_locales_dispatch() {
        ok("address.country", "kr", "KR");
        ok("locale", "ko_KR", "ko-KR");
        ok("email", "A@B.COM", "A@b.com");
        ok("phone_number", "010-1234-5678", "+821012345678");
        err(
            "address.country",
            "XX",
            "unknown country code \"XX\"; use ISO 3166-1 alpha-2 such as KR",
        );
    }

    #[test]
    fn addresses() {
        let cases = [
            ("address.street_address", "세종대로 110", "세종대로 110"),
            (
                "address.street_address",
                "세종대로 110\r\n101동 1001호",
                "세종대로 110\n101동 1001호",
            ),
            (
                "address.street_address",
                "  line 1 \n\n\n  line  2 \r",
                "line 1\nline 2",
            ),
            (
                "address.formatted",
                "서울특별시 중구 세종대로 110\n04524\n대한민국",
                "서울특별시 중구 세종대로 110\n04524\n대한민국",
            ),
        ];
        for (f, raw, want) in cases {
            ok(f, raw, want);
        }
        err(
            "address.street_address",
            "a\tb",
            "address.street_address contains an invisible control character (U+0009); remove it",
        );
        err(
            "address.formatted",
            "\n \r\n",
            "address.formatted is empty; enter a value or leave the field out",
        );
        // Single-line address parts refuse line breaks.
        err(
            "address.locality",
            "중구\n서울",
            "address.locality contains an invisible control character (U+000A); remove it",
        );
    }

    #[test]
    fn lists() {
        let cases = [
            ("interests", "캠핑, 커피, 재즈", "캠핑, 커피, 재즈"),
            ("interests", "캠핑、커피、재즈", "캠핑, 커피, 재즈"),
            ("interests", "캠핑，커피", "캠핑, 커피"),
            (
                "interests",
                "camping\ncoffee\r\njazz",
                "camping, coffee, jazz",
            ),
            ("interests", " a ,, b , ,c,", "a, b, c"),
            ("interests", "Coffee, coffee, COFFEE, tea", "Coffee, tea"),
            ("interests", "hiking", "hiking"),
            ("interests", "rock   climbing", "rock climbing"),
            (
                "dietary_preferences",
                "vegetarian, 땅콩 알레르기",
                "vegetarian, 땅콩 알레르기",
            ),
            ("contact_channels", "email, SMS", "email, sms"),
            ("contact_channels", "Push,push ,PUSH", "push"),
            (
                "contact_channels",
                "문자, 이메일, 카카오톡",
                "sms, email, messenger",
            ),
            ("contact_channels", "ｅｍａｉｌ", "email"),
            ("contact_channels", "post\nphone", "post, phone"),
            (
                "contact_channels",
                "email, sms, phone, post, push, messenger",
                "email, sms, phone, post, push, messenger",
            ),
        ];
        for (f, raw, want) in cases {
            ok(f, raw, want);
        }
        err(
            "contact_channels",
            "email, fax",
            "unknown contact channel \"fax\"; use one or more of: email, sms, phone, post, push, messenger",
        );
        err(
            "interests",
            " , ,, \n",
            "interests is empty; enter a value or leave the field out",
        );
        err(
            "interests",
            &format!("ok, {}", "x".repeat(65)),
            "interests item 2 is too long (65 characters); shorten it to at most 64",
        );
        err(
            "interests",
            "a, b\tc",
            "interests item 2 contains an invisible control character (U+0009); remove it",
        );
    }

    #[test]
    fn list_item_count() {
        let fifty: Vec<String> = (0..50).map(|i| format!("item{i}")).collect();
        assert_eq!(
            norm("interests", &fifty.join(",")).map(|s| list_items(&s).len()),
            Ok(50)
        );
        let fifty_one: Vec<String> = (0..51).map(|i| format!("item{i}")).collect();
        err(
            "interests",
            &fifty_one.join(","),
            "interests has 51 items; keep it to at most 50",
        );
        // duplicates do not count against the limit
        let mut dup = fifty.clone();
        dup.extend(fifty.iter().cloned());
        assert!(norm("interests", &dup.join(",")).is_ok());
    }

    #[test]
    fn list_items_split_stored_values() {
        let cases: [(&str, &[&str]); 6] = [
            ("캠핑, 커피, 재즈", &["캠핑", "커피", "재즈"]),
            ("single", &["single"]),
            ("", &[]),
            (" a ,, b ", &["a", "b"]),
            ("a、b\nc", &["a", "b", "c"]),
            ("email, sms", &["email", "sms"]),
        ];
        for (stored, want) in cases {
            assert_eq!(list_items(stored), want, "{stored:?}");
        }
    }

    #[test]
    fn memberships() {
        let good = [
            (
                "membership.cj_one",
                "1234 5678 9012 3456",
                "1234 5678 9012 3456",
            ),
            ("membership.l-point", "  ab-12345 ", "ab-12345"),
            ("membership.skypass", "ＫＥ１２３４５６", "KE123456"),
        ];
        for (f, raw, want) in good {
            ok(f, raw, want);
        }
        err(
            "membership.cj_one",
            "1234/5678",
            "membership number for membership.cj_one contains \"/\"; use only letters, digits, spaces and hyphens",
        );
        err(
            "membership.cj_one",
            "",
            "membership.cj_one is empty; enter a value or leave the field out",
        );
    }

    #[test]
    fn hand_built_bad_names_are_rejected() {
        let bad = [
            FieldName::Custom("Bad Name".into()),
            FieldName::Membership("a.b".into()),
        ];
        for name in bad {
            assert!(
                matches!(
                    normalize_value(&name, "x", TODAY),
                    Err(ProfileError::InvalidFieldName { .. })
                ),
                "{name:?}"
            );
        }
    }

    #[test]
    fn labels() {
        let good = [
            ("혈액형", "혈액형"),
            ("  Blood   type ", "Blood type"),
            ("x", "x"),
        ];
        for (raw, want) in good {
            assert_eq!(validate_label(raw).as_deref(), Ok(want));
        }
        assert_eq!(
            validate_label(&"라".repeat(100)).map(|s| s.chars().count()),
            Ok(100)
        );
        let bad = [
            (
                "",
                "label is empty; enter a value or leave the field out".to_owned(),
            ),
            (
                "   ",
                "label is empty; enter a value or leave the field out".to_owned(),
            ),
            (
                "a\u{7}b",
                "label contains an invisible control character (U+0007); remove it".to_owned(),
            ),
            (
                &"라".repeat(101),
                "label is too long (101 characters); shorten it to at most 100".to_owned(),
            ),
        ];
        for (raw, want) in bad {
            assert_eq!(validate_label(raw).map_err(|e| e.to_string()), Err(want));
        }
    }

    /// Storing the output and normalising it again must not change it.
    #[test]
    fn normalisation_is_idempotent() {
        let cases = [
            ("name", "  김   민준 "),
            ("email", "MinJun@NAVER.COM"),
            ("phone_number", "+82 (0)10 1234 5678"),
            ("phone_number", "02-123-4567"),
            ("birthdate", "1990년 5월 17일"),
            ("gender", "Female"),
            ("locale", "zh_hant_tw"),
            ("zoneinfo", "asia/seoul"),
            ("address.street_address", "a \r\n b"),
            ("address.postal_code", "sw1a 1aa"),
            ("address.country", "kr"),
            ("interests", "b、a、B"),
            ("contact_channels", "문자, EMAIL"),
            ("membership.cj_one", "１２３"),
            ("custom.혈액형", " A형 "),
        ];
        for (f, raw) in cases {
            let once = norm(f, raw);
            assert!(once.is_ok(), "{f} = {raw:?}: {once:?}");
            let once = once.unwrap_or_default();
            assert_eq!(norm(f, &once), Ok(once.clone()), "{f}");
        }
    }

    /// Cheap deterministic fuzzing: mixes of tricky characters must never
    /// panic, and whatever is accepted must be a fixed point.
    #[test]
    fn fuzz_never_panics_and_accepted_values_are_stable() {
        const POOL: &[&str] = &[
            "0",
            "1",
            "5",
            "9",
            "+",
            "-",
            ".",
            "/",
            "(",
            ")",
            "(0)",
            " ",
            "\u{3000}",
            ",",
            "、",
            "，",
            "\n",
            "\r",
            "\t",
            "@",
            "a",
            "Z",
            "x",
            "_",
            "김",
            "\u{1100}",
            "\u{1161}",
            "\u{11A8}",
            "년",
            "０",
            "＋",
            "＠",
            "é",
            "😀",
            "\u{202E}",
            "\u{FEFF}",
            "\u{200B}",
            "\"",
            "010",
            "82",
            "00",
            "ko",
            "KR",
            "Asia/Seoul",
            "email",
            "sms",
            "1990",
            "..",
            "x-",
            "\u{0}",
        ];
        let mut names: Vec<FieldName> = super::super::catalogue()
            .iter()
            .map(|s| s.name.clone())
            .collect();
        names.push(FieldName::Custom("note".into()));
        names.push(FieldName::Membership("cj_one".into()));
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..4000 {
            let len = (next() % 12) as usize;
            let raw: String = (0..len)
                .map(|_| POOL[(next() % POOL.len() as u64) as usize])
                .collect();
            for name in &names {
                if let Ok(once) = normalize_value(name, &raw, TODAY) {
                    assert_eq!(
                        normalize_value(name, &once, TODAY).as_ref(),
                        Ok(&once),
                        "{name} = {raw:?}"
                    );
                }
            }
            let _ = validate_label(&raw);
            let _ = raw.parse::<FieldName>();
            let _ = list_items(&raw);
        }
    }
}
