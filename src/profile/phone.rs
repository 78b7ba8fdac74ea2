//! `phone_number`: accept numbers the way people type them, store strict E.164.
//!
//! OpenID Connect recommends E.164 for `phone_number`, and brands' SMS
//! gateways need it. Our first users type Korean national numbers
//! (`010-1234-5678`, `02-123-4567`), so a number starting with a single `0` is
//! read as Korean: the trunk `0` is dropped and `+82` prepended. Everyone else
//! types `+` and their country code (or the ITU `00` prefix), which always
//! works. We do not guess a country for numbers with neither.

use super::ProfileError;
use super::text::{fold_fullwidth, reject_forbidden, shown, trim};

/// E.164 allows at most 15 digits including the country code.
const MAX_DIGITS: usize = 15;
/// The shortest numbers in service (e.g. Niue, +683 and four digits) have 7
/// digits including the country code; a stricter 8 would lock those out.
const MIN_DIGITS: usize = 7;
/// Anything longer than this cannot be a phone number however it is punctuated.
const MAX_RAW: usize = 64;

/// Normalise to `+` followed by 7..=15 digits.
pub(crate) fn normalize(raw: &str) -> Result<String, ProfileError> {
    let trimmed = trim(raw);
    reject_forbidden("phone_number", trimmed)?;
    let len = trimmed.chars().count();
    if len == 0 {
        return Err(ProfileError::Empty {
            field: "phone_number".to_owned(),
        });
    }
    if len > MAX_RAW {
        return Err(ProfileError::TooLong {
            field: "phone_number".to_owned(),
            len,
            max: MAX_RAW,
        });
    }
    let folded = fold_fullwidth(trimmed);
    let fail = |problem: &str| ProfileError::InvalidPhone {
        value: shown(trimmed),
        problem: problem.to_owned(),
    };

    let international = folded.starts_with('+') || folded.starts_with("00");
    // "+44 (0)20 …" / "+82 (0)10 …": the "(0)" marks a trunk prefix that is
    // dialled only nationally, so it is not part of the E.164 number.
    let text = if international {
        folded.replacen("(0)", "", 1)
    } else {
        folded.into_owned()
    };

    let (plus, digits) = extract_digits(&text).map_err(|p| fail(&p))?;
    if digits.len() < MIN_DIGITS {
        return Err(fail("is not a valid phone number (too few digits)"));
    }

    let e164_digits = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("82{rest}")
    } else {
        return Err(fail(
            "has no country code; start with 0 for a Korean number or with + and the country code",
        ));
    };

    if e164_digits.starts_with('0') {
        return Err(fail(
            "has a country code starting with 0, which does not exist",
        ));
    }
    let e164_digits = match e164_digits.strip_prefix("82") {
        Some(national) => {
            // "+82 010-…" is a very common mix of both styles; Korean
            // national significant numbers never start with 0, so one
            // leading 0 after +82 can only be the trunk prefix.
            let national = national.strip_prefix('0').unwrap_or(national);
            check_korean(national).map_err(|p| fail(&p))?;
            format!("82{national}")
        }
        None => e164_digits,
    };
    if e164_digits.len() < MIN_DIGITS {
        return Err(fail("is not a valid phone number (too few digits)"));
    }
    if e164_digits.len() > MAX_DIGITS {
        return Err(fail(
            "has too many digits (international numbers have at most 15)",
        ));
    }
    Ok(format!("+{e164_digits}"))
}

/// Strip the punctuation people use to group digits; return whether the
/// number started with `+`, and the digits. Letters (vanity numbers,
/// "ext. 12") are refused rather than guessed at.
fn extract_digits(text: &str) -> Result<(bool, String), String> {
    let mut plus = false;
    let mut digits = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if !plus && digits.is_empty() => plus = true,
            '+' => return Err("has a \"+\" that is not at the start".to_owned()),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{2010}'..='\u{2015}' | '\u{2212}' => {}
            c if c.is_whitespace() => {}
            c if c.is_alphabetic() => {
                return Err(
                    "contains letters; enter only digits, spaces, hyphens or a leading +"
                        .to_owned(),
                );
            }
            c => {
                return Err(format!(
                    "contains \"{}\"; enter only digits, spaces, hyphens or a leading +",
                    shown(&c.to_string())
                ));
            }
        }
    }
    Ok((plus, digits))
}

/// Length rules for Korean national significant numbers (without the trunk 0).
///
/// Mobiles are checked strictly because that is where typos are common and
/// costly (a brand's SMS goes to a stranger): 010 numbers are 010-XXXX-XXXX,
/// the legacy 011/016/017/018/019 ones 01X-XXX(X)-XXXX. Seoul (02) numbers are
/// 02-XXX(X)-XXXX; other area codes, 070 internet phones and 050X numbers are
/// 0XX-XXX(X)-XXXX or a digit longer. Other 01X prefixes are not phones.
fn check_korean(national: &str) -> Result<(), String> {
    let n = national.len();
    let (ok, what) = if national.starts_with("10") {
        (
            n == 10,
            "is not a valid Korean 010 mobile number (010 numbers have 11 digits, e.g. 010-1234-5678)",
        )
    } else if ["11", "16", "17", "18", "19"]
        .iter()
        .any(|p| national.starts_with(p))
    {
        (
            (9..=10).contains(&n),
            "is not a valid Korean mobile number (01X numbers have 10 or 11 digits)",
        )
    } else if national.starts_with('1') {
        (
            false,
            "is not a Korean mobile number (mobile numbers start with 010)",
        )
    } else if national.starts_with('2') {
        (
            (8..=9).contains(&n),
            "is not a valid Seoul number (02 numbers have 9 or 10 digits, e.g. 02-123-4567)",
        )
    } else if national.starts_with('0') {
        (
            false,
            "is not a valid Korean number (too many leading zeros)",
        )
    } else {
        (
            (9..=11).contains(&n),
            "is not a valid Korean number (check the number of digits)",
        )
    };
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_people_type() {
        let cases = [
            // Korean mobile, every common spelling
            ("010-1234-5678", "+821012345678"),
            ("010 1234 5678", "+821012345678"),
            ("01012345678", "+821012345678"),
            ("010.1234.5678", "+821012345678"),
            ("(010) 1234-5678", "+821012345678"),
            ("+82 10-1234-5678", "+821012345678"),
            ("+82 10 1234 5678", "+821012345678"),
            ("+82-10-1234-5678", "+821012345678"),
            ("+82 (0)10 1234 5678", "+821012345678"),
            ("+82 010-1234-5678", "+821012345678"),
            ("+821012345678", "+821012345678"),
            ("0082 10 1234 5678", "+821012345678"),
            ("００８２－１０－１２３４－５６７８", "+821012345678"),
            ("０１０－１２３４－５６７８", "+821012345678"),
            ("  010‐1234‐5678  ", "+821012345678"),
            ("010\u{3000}1234\u{3000}5678", "+821012345678"),
            // legacy mobiles
            ("011-123-4567", "+82111234567"),
            ("016-1234-5678", "+821612345678"),
            ("019 123 4567", "+82191234567"),
            // Korean landlines and others
            ("02-123-4567", "+8221234567"),
            ("02-1234-5678", "+82212345678"),
            ("(02) 1234-5678", "+82212345678"),
            ("031-123-4567", "+82311234567"),
            ("051-1234-5678", "+825112345678"),
            ("070-1234-5678", "+827012345678"),
            ("0505-123-4567", "+825051234567"),
            ("080-123-4567", "+82801234567"),
            // the rest of the world
            ("+1 (415) 555-0123", "+14155550123"),
            ("+1 415.555.0123", "+14155550123"),
            ("+44 (0)20 7946 0958", "+442079460958"),
            ("+44 20 7946 0958", "+442079460958"),
            ("0044 20 7946 0958", "+442079460958"),
            ("+81 90-1234-5678", "+819012345678"),
            ("+86 138 0013 8000", "+8613800138000"),
            ("+33 6 12 34 56 78", "+33612345678"),
            ("+39 06 1234 5678", "+390612345678"),
            ("+683 4002", "+6834002"),
            ("+49 30 123456", "+4930123456"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input).as_deref(), Ok(want), "input {input:?}");
        }
    }

    #[test]
    fn rejects_with_reasons() {
        let hint = "; use e.g. 010-1234-5678 or +82 10 1234 5678";
        let cases = [
            ("12", "is not a valid phone number (too few digits)"),
            ("+", "is not a valid phone number (too few digits)"),
            (
                "010-1234-567",
                "is not a valid Korean 010 mobile number (010 numbers have 11 digits, e.g. 010-1234-5678)",
            ),
            (
                "010-1234-56789",
                "is not a valid Korean 010 mobile number (010 numbers have 11 digits, e.g. 010-1234-5678)",
            ),
            (
                "+82 10 1234 567",
                "is not a valid Korean 010 mobile number (010 numbers have 11 digits, e.g. 010-1234-5678)",
            ),
            (
                "011-12-3456",
                "is not a valid Korean mobile number (01X numbers have 10 or 11 digits)",
            ),
            (
                "015-1234-5678",
                "is not a Korean mobile number (mobile numbers start with 010)",
            ),
            (
                "02-12-3456",
                "is not a valid Seoul number (02 numbers have 9 or 10 digits, e.g. 02-123-4567)",
            ),
            (
                "02-12345-67890",
                "is not a valid Seoul number (02 numbers have 9 or 10 digits, e.g. 02-123-4567)",
            ),
            (
                "031-12-345",
                "is not a valid Korean number (check the number of digits)",
            ),
            (
                "+82 00 1234 5678",
                "is not a valid Korean number (too many leading zeros)",
            ),
            (
                "1012345678",
                "has no country code; start with 0 for a Korean number or with + and the country code",
            ),
            (
                "821012345678",
                "has no country code; start with 0 for a Korean number or with + and the country code",
            ),
            (
                "010-CALL-NOW",
                "contains letters; enter only digits, spaces, hyphens or a leading +",
            ),
            (
                "010-1234-5678 ext 12",
                "contains letters; enter only digits, spaces, hyphens or a leading +",
            ),
            (
                "공일공-1234-5678",
                "contains letters; enter only digits, spaces, hyphens or a leading +",
            ),
            (
                "010-1234-5678#",
                "contains \"#\"; enter only digits, spaces, hyphens or a leading +",
            ),
            ("010+1234+5678", "has a \"+\" that is not at the start"),
            ("++821012345678", "has a \"+\" that is not at the start"),
            (
                "+0 123 456 789",
                "has a country code starting with 0, which does not exist",
            ),
            (
                "000 123 456 789",
                "has a country code starting with 0, which does not exist",
            ),
            (
                "+1 234 567 890 123 456",
                "has too many digits (international numbers have at most 15)",
            ),
        ];
        for (input, problem) in cases {
            let want = format!("phone number \"{input}\" {problem}{hint}");
            assert_eq!(
                normalize(input).map_err(|e| e.to_string()),
                Err(want),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn generic_failures() {
        assert!(matches!(normalize(""), Err(ProfileError::Empty { .. })));
        assert!(matches!(
            normalize("  \u{3000} "),
            Err(ProfileError::Empty { .. })
        ));
        assert!(matches!(
            normalize(&"1".repeat(65)),
            Err(ProfileError::TooLong { .. })
        ));
        assert!(matches!(
            normalize("010\t1234\t5678"),
            Err(ProfileError::ControlChar { .. })
        ));
    }

    #[test]
    fn output_is_strict_e164() {
        let inputs = [
            "010-1234-5678",
            "+1 (415) 555-0123",
            "02-123-4567",
            "+683 4002",
        ];
        for input in inputs {
            let out = normalize(input).unwrap_or_default();
            let digits = out.strip_prefix('+').unwrap_or_default();
            assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            assert!((MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()));
            // idempotent
            assert_eq!(normalize(&out).as_deref(), Ok(out.as_str()));
        }
    }
}
