//! `email`: a pragmatic syntax check, not RFC 5322.
//!
//! The goal is to catch typos people actually make (missing `@`, `naver,com`,
//! a space, `gmail..com`) while accepting every address a mail provider hands
//! out, including internationalised ones (`사용자@도메인.한국`). Quoted local
//! parts, comments and IP-literal domains are refused: nobody gives those to a
//! brand, and accepting them only widens what downstream systems must parse.

use super::ProfileError;
use super::text::{fold_fullwidth, reject_forbidden, shown, trim};

const MAX_TOTAL: usize = 254;
const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;
const MAX_LABEL: usize = 63;

/// Characters RFC 5322 only allows inside quoted local parts.
const LOCAL_SPECIALS: &[char] = &['"', '(', ')', ',', ':', ';', '<', '>', '[', '\\', ']'];

/// Validate and normalise: trim, fold full-width characters (Korean IMEs in
/// full-width mode produce `＠`), lower-case the domain only — the local part
/// is case-sensitive by the standard, and some providers treat it so.
pub(crate) fn normalize(raw: &str) -> Result<String, ProfileError> {
    let folded = fold_fullwidth(trim(raw));
    let s: &str = &folded;
    reject_forbidden("email", s)?;
    let fail = |problem: &str| ProfileError::InvalidEmail {
        value: shown(s),
        problem: problem.to_owned(),
    };
    if s.is_empty() {
        return Err(ProfileError::Empty {
            field: "email".to_owned(),
        });
    }
    let len = s.chars().count();
    if len > MAX_TOTAL {
        return Err(ProfileError::TooLong {
            field: "email".to_owned(),
            len,
            max: MAX_TOTAL,
        });
    }
    if s.chars().any(char::is_whitespace) {
        return Err(fail("contains a space; remove it"));
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err(fail("has no \"@\"; use e.g. name@example.com"));
    };
    if domain.contains('@') {
        return Err(fail("has more than one \"@\""));
    }
    if local.is_empty() {
        return Err(fail("has nothing before \"@\""));
    }
    if domain.is_empty() {
        return Err(fail("has no domain after \"@\""));
    }
    if local.chars().count() > MAX_LOCAL {
        return Err(fail("has more than 64 characters before \"@\""));
    }
    if let Some(c) = local.chars().find(|c| LOCAL_SPECIALS.contains(c)) {
        return Err(fail(&format!(
            "contains \"{}\" before \"@\", which is not allowed",
            shown(&c.to_string())
        )));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(fail(
            "has a misplaced \".\" before \"@\" (at the start, the end, or doubled)",
        ));
    }
    check_domain(domain).map_err(|p| fail(&p))?;
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// Domain rules: no IP literals, at least one dot, labels 1–63 characters of
/// letters (any script, for IDNs), digits and inner hyphens, and a
/// top-level domain that is not purely numeric. Returns the problem text.
fn check_domain(domain: &str) -> Result<(), String> {
    if domain.starts_with('[') {
        return Err("uses an IP address; use a domain name such as example.com".to_owned());
    }
    if domain.chars().count() > MAX_DOMAIN {
        return Err("has a domain longer than 253 characters".to_owned());
    }
    if let Some(c) = domain
        .chars()
        .find(|&c| !(c.is_alphanumeric() || c == '-' || c == '.'))
    {
        let hint = if c == ',' {
            " (did you mean \".\"?)"
        } else {
            ""
        };
        return Err(format!(
            "contains \"{}\" in the domain, which is not allowed{hint}",
            shown(&c.to_string())
        ));
    }
    if !domain.contains('.') {
        return Err(format!(
            "has no \".\" in the domain \"{}\"; use e.g. name@example.com",
            shown(domain)
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(
                "has an empty part in the domain (check for \"..\" or a \".\" at either end)"
                    .to_owned(),
            );
        }
        if label.chars().count() > MAX_LABEL {
            return Err("has a domain part longer than 63 characters".to_owned());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("has a domain part that starts or ends with \"-\"".to_owned());
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(
            "has a numeric top-level domain; use a domain name such as example.com".to_owned(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let cases = [
            ("minjun@example.com", "minjun@example.com"),
            ("  minjun@naver.com  ", "minjun@naver.com"),
            ("MinJun@NAVER.COM", "MinJun@naver.com"),
            (
                "first.last+tag@mail.example.co.kr",
                "first.last+tag@mail.example.co.kr",
            ),
            ("o'brien@example.ie", "o'brien@example.ie"),
            (
                "a_b-c@sub-domain.example.org",
                "a_b-c@sub-domain.example.org",
            ),
            (
                "user@xn--3e0b707e.xn--3e0b707e",
                "user@xn--3e0b707e.xn--3e0b707e",
            ),
            ("사용자@도메인.한국", "사용자@도메인.한국"),
            ("user@DÖMAIN.de", "user@dömain.de"),
            ("ｍｉｎｊｕｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "minjun@example.com"),
            ("x@a.b1", "x@a.b1"),
            ("1234@123.com", "1234@123.com"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input).as_deref(), Ok(want), "input {input:?}");
        }
    }

    #[test]
    fn rejects_with_specific_messages() {
        let cases = [
            ("foo@", "email \"foo@\" has no domain after \"@\""),
            (
                "foo",
                "email \"foo\" has no \"@\"; use e.g. name@example.com",
            ),
            (
                "@example.com",
                "email \"@example.com\" has nothing before \"@\"",
            ),
            ("a@b@c.com", "email \"a@b@c.com\" has more than one \"@\""),
            (
                "a b@c.com",
                "email \"a b@c.com\" contains a space; remove it",
            ),
            (
                "a@localhost",
                "email \"a@localhost\" has no \".\" in the domain \"localhost\"; use e.g. name@example.com",
            ),
            (
                "a@naver,com",
                "email \"a@naver,com\" contains \",\" in the domain, which is not allowed (did you mean \".\"?)",
            ),
            (
                "a@gmail..com",
                "email \"a@gmail..com\" has an empty part in the domain (check for \"..\" or a \".\" at either end)",
            ),
            (
                "a@example.com.",
                "email \"a@example.com.\" has an empty part in the domain (check for \"..\" or a \".\" at either end)",
            ),
            (
                "a@-x.com",
                "email \"a@-x.com\" has a domain part that starts or ends with \"-\"",
            ),
            (
                "a@x_y.com",
                "email \"a@x_y.com\" contains \"_\" in the domain, which is not allowed",
            ),
            (
                "a@[1.2.3.4]",
                "email \"a@[1.2.3.4]\" uses an IP address; use a domain name such as example.com",
            ),
            (
                "a@1.2.3.4",
                "email \"a@1.2.3.4\" has a numeric top-level domain; use a domain name such as example.com",
            ),
            (
                ".a@x.com",
                "email \".a@x.com\" has a misplaced \".\" before \"@\" (at the start, the end, or doubled)",
            ),
            (
                "a.@x.com",
                "email \"a.@x.com\" has a misplaced \".\" before \"@\" (at the start, the end, or doubled)",
            ),
            (
                "a..b@x.com",
                "email \"a..b@x.com\" has a misplaced \".\" before \"@\" (at the start, the end, or doubled)",
            ),
            (
                "a<b@x.com",
                "email \"a<b@x.com\" contains \"<\" before \"@\", which is not allowed",
            ),
            (
                "\"a\"@x.com",
                "email \"\\\"a\\\"@x.com\" contains \"\\\"\" before \"@\", which is not allowed",
            ),
            ("", "email is empty; enter a value or leave the field out"),
            (
                "a@b\tc.com",
                "email contains an invisible control character (U+0009); remove it",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                normalize(input).map_err(|e| e.to_string()),
                Err(want.to_owned()),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        assert!(normalize(&format!("{local64}@example.com")).is_ok());
        let local65 = "a".repeat(65);
        assert_eq!(
            normalize(&format!("{local65}@example.com")).map_err(|e| e.to_string()),
            Err(format!(
                "email \"{}…\" has more than 64 characters before \"@\"",
                "a".repeat(32)
            ))
        );
        let label64 = "b".repeat(64);
        assert!(normalize(&format!("a@{label64}.com")).is_err());
        let label63 = "b".repeat(63);
        assert!(normalize(&format!("a@{label63}.com")).is_ok());
        // 255 characters total
        let long = format!(
            "a@{}.{}.{}.{}",
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(63),
            "e".repeat(61)
        );
        assert_eq!(long.chars().count(), 255);
        assert!(matches!(
            normalize(&long),
            Err(ProfileError::TooLong { max: 254, .. })
        ));
    }
}
