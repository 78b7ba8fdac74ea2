//! `address.country`: ISO 3166-1 alpha-2, stored upper-case.
//!
//! OpenID Connect allows a free-text country, but a code is what brands can
//! act on (shipping rules, tax), and it is language-neutral (한국 / Korea / KR).

use super::ProfileError;
use super::text::{fold_fullwidth, shown, single_line};

/// All 249 officially assigned ISO 3166-1 alpha-2 codes, sorted (binary
/// searchable). Exceptionally/transitionally reserved codes such as `UK`,
/// `EU` or `AN` are deliberately absent. Public so the UI can offer a picker.
pub const COUNTRY_CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// User-assigned codes accepted in addition to [`COUNTRY_CODES`]: `XK`
/// (Kosovo) is not officially assigned but is what the EU, SWIFT and most
/// postal and payment systems use, and refusing it would leave Kosovo
/// residents with no valid choice.
pub const EXTRA_COUNTRY_CODES: [&str; 1] = ["XK"];

/// Frequent wrong inputs and the code that was probably meant. Only used for
/// the error hint, never silently accepted: `UK` is reserved, `KO` is the
/// language code for Korean, the rest are alpha-3 codes or names.
const HINTS: [(&str, &str); 12] = [
    ("UK", "GB"),
    ("KO", "KR"),
    ("KOR", "KR"),
    ("KOREA", "KR"),
    ("SOUTH KOREA", "KR"),
    ("한국", "KR"),
    ("대한민국", "KR"),
    ("USA", "US"),
    ("JPN", "JP"),
    ("CHN", "CN"),
    ("GBR", "GB"),
    ("DEU", "DE"),
];

/// Case-insensitive; full-width letters (ＫＲ) are folded first.
pub(crate) fn normalize(raw: &str) -> Result<String, ProfileError> {
    let folded = fold_fullwidth(raw);
    let text = single_line("address.country", &folded, 64)?;
    let upper = text.to_uppercase();
    if upper.len() == 2
        && (COUNTRY_CODES.binary_search(&upper.as_str()).is_ok()
            || EXTRA_COUNTRY_CODES.contains(&upper.as_str()))
    {
        return Ok(upper);
    }
    let hint = HINTS
        .iter()
        .find(|(wrong, _)| *wrong == upper)
        .map(|(_, right)| format!(" (did you mean {right}?)"))
        .unwrap_or_default();
    Err(ProfileError::UnknownCountry {
        value: shown(&text),
        hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_unique_and_well_formed() {
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            COUNTRY_CODES
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn accepts_codes_any_case() {
        let cases = [
            ("KR", "KR"),
            ("kr", "KR"),
            (" Kr ", "KR"),
            ("ＫＲ", "KR"),
            ("us", "US"),
            ("gb", "GB"),
            ("jp", "JP"),
            ("ss", "SS"),
            ("ax", "AX"),
            ("xk", "XK"),
            ("bq", "BQ"),
            ("kp", "KP"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input).as_deref(), Ok(want), "input {input:?}");
        }
        for code in COUNTRY_CODES {
            assert_eq!(normalize(&code.to_lowercase()).as_deref(), Ok(code));
        }
    }

    #[test]
    fn rejects_unknown_codes_with_hints() {
        let cases = [
            (
                "XX",
                "unknown country code \"XX\"; use ISO 3166-1 alpha-2 such as KR",
            ),
            (
                "UK",
                "unknown country code \"UK\"; use ISO 3166-1 alpha-2 such as KR (did you mean GB?)",
            ),
            (
                "ko",
                "unknown country code \"ko\"; use ISO 3166-1 alpha-2 such as KR (did you mean KR?)",
            ),
            (
                "KOR",
                "unknown country code \"KOR\"; use ISO 3166-1 alpha-2 such as KR (did you mean KR?)",
            ),
            (
                "대한민국",
                "unknown country code \"대한민국\"; use ISO 3166-1 alpha-2 such as KR (did you mean KR?)",
            ),
            (
                "EU",
                "unknown country code \"EU\"; use ISO 3166-1 alpha-2 such as KR",
            ),
            (
                "K",
                "unknown country code \"K\"; use ISO 3166-1 alpha-2 such as KR",
            ),
            (
                "K R",
                "unknown country code \"K R\"; use ISO 3166-1 alpha-2 such as KR",
            ),
            (
                "AN",
                "unknown country code \"AN\"; use ISO 3166-1 alpha-2 such as KR",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                normalize(input).map_err(|e| e.to_string()),
                Err(want.to_owned()),
                "input {input:?}"
            );
        }
        assert!(matches!(normalize("  "), Err(ProfileError::Empty { .. })));
    }
}
