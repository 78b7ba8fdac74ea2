//! `locale`: a BCP 47 (RFC 5646) language tag, syntax-checked and case-canonicalised.
//!
//! A hand-written check of the RFC 5646 grammar instead of a crate: the only
//! candidate (`language-tags` 0.3) adds a registry-sized dependency to the core
//! for what is ~100 lines, and we only need well-formedness plus the
//! conventional casing (`ko-KR`, `zh-Hant-TW`). Registry validity (is `qq` a
//! language?) is not checked. One deliberate tightening: the primary language
//! must be 2–3 letters. RFC 5646 reserves 4- and 5–8-letter language subtags
//! but none is registered, so `korean` or `english` are always mistakes.
//! Grandfathered irregular tags (`i-klingon`, `zh-min` …) are not accepted.

use super::ProfileError;
use super::text::{fold_fullwidth, shown, single_line};

const MAX_LEN: usize = 64;

/// Validate and normalise: `_` → `-` (POSIX/Java `ko_KR`), POSIX codeset or
/// modifier dropped (`ko_KR.UTF-8` → `ko-KR`), language and extension subtags
/// lower-case, script title-case, region upper-case.
pub(crate) fn normalize(raw: &str) -> Result<String, ProfileError> {
    let folded = fold_fullwidth(raw);
    let text = single_line("locale", &folded, MAX_LEN)?;
    let mut tag: &str = &text;
    if tag.contains('_') {
        // POSIX locale names: language_TERRITORY.codeset@modifier
        if let Some(i) = tag.find(['.', '@']) {
            tag = &tag[..i];
        }
    }
    let tag = tag.replace('_', "-");
    let fail = |problem: String| ProfileError::InvalidLocale {
        value: shown(&text),
        problem,
    };
    let subtags: Vec<&str> = tag.split('-').collect();
    for s in &subtags {
        if s.is_empty() {
            return Err(fail(
                "empty subtag; check for \"--\" or a \"-\" at either end".to_owned(),
            ));
        }
        if s.len() > 8 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(fail(format!(
                "\"{}\" is not 1-8 ASCII letters or digits",
                shown(s)
            )));
        }
    }
    canonical(&subtags).map_err(fail)
}

fn is_alpha(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphabetic())
}

fn is_digit(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn title(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Walk the RFC 5646 `langtag` production (or a lone `privateuse`) over
/// subtags already known to be 1–8 ASCII alphanumerics.
fn canonical(subtags: &[&str]) -> Result<String, String> {
    let mut out: Vec<String> = Vec::with_capacity(subtags.len());
    let mut i = 0;
    let at = |i: usize| subtags.get(i).copied();

    let Some(first) = at(0) else {
        return Err("it is empty".to_owned());
    };
    if first.eq_ignore_ascii_case("x") {
        return private_use(subtags, out);
    }
    // language = 2*3ALPHA ["-" extlang]
    if !(is_alpha(first) && (2..=3).contains(&first.len())) {
        return Err(format!(
            "the language \"{}\" must be a 2- or 3-letter code such as ko or en",
            shown(first)
        ));
    }
    out.push(first.to_ascii_lowercase());
    i += 1;
    // extlang = 3ALPHA *2("-" 3ALPHA), only after a 2-3 letter language
    let mut extlangs = 0;
    while extlangs < 3 {
        match at(i) {
            Some(s) if s.len() == 3 && is_alpha(s) => {
                out.push(s.to_ascii_lowercase());
                i += 1;
                extlangs += 1;
            }
            _ => break,
        }
    }
    // script = 4ALPHA
    if let Some(s) = at(i).filter(|s| s.len() == 4 && is_alpha(s)) {
        out.push(title(s));
        i += 1;
    }
    // region = 2ALPHA / 3DIGIT
    if let Some(s) =
        at(i).filter(|s| (s.len() == 2 && is_alpha(s)) || (s.len() == 3 && is_digit(s)))
    {
        out.push(s.to_ascii_uppercase());
        i += 1;
    }
    // variant = 5*8alphanum / (DIGIT 3alphanum), no repeats
    let mut variants: Vec<String> = Vec::new();
    while let Some(s) = at(i) {
        let is_variant = (5..=8).contains(&s.len())
            || (s.len() == 4 && s.bytes().next().is_some_and(|b| b.is_ascii_digit()));
        if !is_variant {
            break;
        }
        let v = s.to_ascii_lowercase();
        if variants.contains(&v) {
            return Err(format!("the variant \"{v}\" appears twice"));
        }
        variants.push(v.clone());
        out.push(v);
        i += 1;
    }
    // extension = singleton 1*("-" (2*8alphanum)), no repeated singleton
    let mut singletons: Vec<String> = Vec::new();
    while let Some(s) = at(i) {
        if s.len() != 1 {
            return Err(format!("unexpected subtag \"{}\"", shown(s)));
        }
        let single = s.to_ascii_lowercase();
        if single == "x" {
            return private_use(&subtags[i..], out);
        }
        if singletons.contains(&single) {
            return Err(format!("the extension \"{single}\" appears twice"));
        }
        singletons.push(single.clone());
        out.push(single.clone());
        i += 1;
        let start = i;
        while let Some(t) = at(i).filter(|t| t.len() >= 2) {
            out.push(t.to_ascii_lowercase());
            i += 1;
        }
        if i == start {
            return Err(format!("the extension \"{single}\" has no content"));
        }
    }
    Ok(out.join("-"))
}

/// privateuse = "x" 1*("-" (1*8alphanum)); `rest` starts at the `x`.
fn private_use(rest: &[&str], mut out: Vec<String>) -> Result<String, String> {
    if rest.len() < 2 {
        return Err("\"x\" must be followed by private-use subtags".to_owned());
    }
    out.extend(rest.iter().map(|s| s.to_ascii_lowercase()));
    Ok(out.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_canonicalises() {
        let cases = [
            ("ko-KR", "ko-KR"),
            ("ko", "ko"),
            ("en", "en"),
            ("KO-kr", "ko-KR"),
            ("ko_KR", "ko-KR"),
            ("ko_KR.UTF-8", "ko-KR"),
            ("ko_KR.utf8@euro", "ko-KR"),
            ("zh-Hant-TW", "zh-Hant-TW"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("ZH-HANT-TW", "zh-Hant-TW"),
            ("sr-Latn", "sr-Latn"),
            ("es-419", "es-419"),
            ("zh-yue-HK", "zh-yue-HK"),
            ("de-CH-1901", "de-CH-1901"),
            ("sl-rozaj-biske", "sl-rozaj-biske"),
            ("en-US-u-ca-gregory", "en-US-u-ca-gregory"),
            ("ko-KR-u-ca-dangi", "ko-KR-u-ca-dangi"),
            ("en-a-bbb-x-a-ccc", "en-a-bbb-x-a-ccc"),
            ("x-whatever", "x-whatever"),
            ("X-Private-Tag", "x-private-tag"),
            ("en-x-US", "en-x-us"),
            ("ast", "ast"),
            (" ko-KR ", "ko-KR"),
            ("ｋｏ－ＫＲ", "ko-KR"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input).as_deref(), Ok(want), "input {input:?}");
        }
    }

    #[test]
    fn rejects_malformed_tags() {
        let cases = [
            (
                "korean",
                "the language \"korean\" must be a 2- or 3-letter code such as ko or en",
            ),
            (
                "k",
                "the language \"k\" must be a 2- or 3-letter code such as ko or en",
            ),
            (
                "12-KR",
                "the language \"12\" must be a 2- or 3-letter code such as ko or en",
            ),
            (
                "ko--KR",
                "empty subtag; check for \"--\" or a \"-\" at either end",
            ),
            (
                "ko-",
                "empty subtag; check for \"--\" or a \"-\" at either end",
            ),
            ("ko KR", "\"ko KR\" is not 1-8 ASCII letters or digits"),
            ("ko.KR", "\"ko.KR\" is not 1-8 ASCII letters or digits"),
            ("한국어", "\"한국어\" is not 1-8 ASCII letters or digits"),
            (
                "en-abcdefghi",
                "\"abcdefghi\" is not 1-8 ASCII letters or digits",
            ),
            ("de-DE-1901-1901", "the variant \"1901\" appears twice"),
            ("en-u", "the extension \"u\" has no content"),
            ("en-u-ca-u-nu", "the extension \"u\" appears twice"),
            ("en-x", "\"x\" must be followed by private-use subtags"),
            ("x", "\"x\" must be followed by private-use subtags"),
            ("en-KR-KR", "unexpected subtag \"KR\""),
            ("en-Latn-Latn", "unexpected subtag \"Latn\""),
        ];
        for (input, problem) in cases {
            let want = format!(
                "locale \"{input}\" is not a valid BCP 47 language tag ({problem}); use e.g. ko-KR, en or zh-Hant-TW"
            );
            assert_eq!(
                normalize(input).map_err(|e| e.to_string()),
                Err(want),
                "input {input:?}"
            );
        }
        assert!(matches!(normalize(""), Err(ProfileError::Empty { .. })));
        assert!(matches!(
            normalize(&"a".repeat(65)),
            Err(ProfileError::TooLong { .. })
        ));
    }
}
