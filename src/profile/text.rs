//! Small text helpers shared by every normaliser.
//!
//! Nothing here pulls in a Unicode-normalisation crate: the one normalisation
//! that matters for our first users — macOS and some web forms hand over
//! Korean as decomposed jamo (NFD), which would make `custom.혈액형` typed on
//! two machines two different fields — is the algorithmic Hangul composition
//! from the Unicode standard (§3.12), implemented in a dozen lines below.

use std::borrow::Cow;

use super::ProfileError;

/// How many characters of user input an error message may echo.
const SHOWN_MAX: usize = 32;

/// Render user input for an error message: at most [`SHOWN_MAX`] characters
/// (then `…`), with `"` and invisible characters escaped so the message stays
/// one readable line and cannot smuggle direction overrides into a UI.
pub(crate) fn shown(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == SHOWN_MAX {
            out.push('…');
            break;
        }
        if c == '"' {
            out.push_str("\\\"");
        } else if is_forbidden(c) {
            out.push_str(&code_point(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// `U+0009` style name of a character, for messages about invisible characters.
pub(crate) fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Characters no profile value may contain: C0/C1 controls (tab, newline,
/// escape …), the Unicode line/paragraph separators, and the bidi embedding,
/// override and isolate controls that can make text display differently from
/// what is stored ("Trojan Source"-style spoofing of names shown to brands).
/// A byte-order mark inside text is also refused. Joiners (U+200C/U+200D) stay
/// allowed because emoji sequences and some scripts need them.
pub(crate) fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// Trim Unicode whitespace (incl. the ideographic space U+3000 a Korean IME
/// produces) plus stray BOM / zero-width spaces that copy-paste drags along.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
}

/// Fail with [`ProfileError::ControlChar`] on the first forbidden character.
pub(crate) fn reject_forbidden(field: &str, s: &str) -> Result<(), ProfileError> {
    match s.chars().find(|&c| is_forbidden(c)) {
        Some(c) => Err(ProfileError::ControlChar {
            field: field.to_owned(),
            code: code_point(c),
        }),
        None => Ok(()),
    }
}

/// Check 1..=`max` characters (after the caller's trimming).
pub(crate) fn check_len(field: &str, s: &str, max: usize) -> Result<(), ProfileError> {
    let len = s.chars().count();
    if len == 0 {
        return Err(ProfileError::Empty {
            field: field.to_owned(),
        });
    }
    if len > max {
        return Err(ProfileError::TooLong {
            field: field.to_owned(),
            len,
            max,
        });
    }
    Ok(())
}

/// The common first step for single-line values: trim, refuse invisible
/// controls, compose Hangul, collapse internal whitespace runs to one space,
/// then enforce 1..=`max` characters.
pub(crate) fn single_line(field: &str, raw: &str, max: usize) -> Result<String, ProfileError> {
    let t = trim(raw);
    reject_forbidden(field, t)?;
    let composed = compose_hangul(t);
    let out = collapse_whitespace(&composed);
    check_len(field, &out, max)?;
    Ok(out)
}

/// Replace every run of whitespace (including U+3000) by a single ASCII space.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Map full-width ASCII (U+FF01..U+FF5E) and the ideographic space to plain
/// ASCII. Korean and Japanese IMEs in full-width mode produce `０１０－１２３４`;
/// for structured values (phone, date, email, codes) that is always a typo of
/// the ASCII form. Not applied to free text, where the user's choice stands.
pub(crate) fn fold_fullwidth(s: &str) -> Cow<'_, str> {
    let needs = s
        .chars()
        .any(|c| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}'));
    if !needs {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                _ => c,
            })
            .collect(),
    )
}

const S_BASE: u32 = 0xAC00;
const L_BASE: u32 = 0x1100;
const V_BASE: u32 = 0x1161;
const T_BASE: u32 = 0x11A7;
const L_COUNT: u32 = 19;
const V_COUNT: u32 = 21;
const T_COUNT: u32 = 28;
const S_COUNT: u32 = L_COUNT * V_COUNT * T_COUNT;

/// Compose conjoining Hangul jamo (L V, optionally T) into precomposed syllables, i.e.
/// NFC restricted to Hangul. Decomposed Korean (from macOS file names, some
/// browsers) otherwise compares unequal to what a Korean IME types.
pub(crate) fn compose_hangul(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| ('\u{1100}'..='\u{11FF}').contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut last: Option<char> = None;
    for c in s.chars() {
        if let Some(prev) = last {
            let (p, cu) = (u32::from(prev), u32::from(c));
            let l_v =
                (L_BASE..L_BASE + L_COUNT).contains(&p) && (V_BASE..V_BASE + V_COUNT).contains(&cu);
            let lv_t = (S_BASE..S_BASE + S_COUNT).contains(&p)
                && (p - S_BASE).is_multiple_of(T_COUNT)
                && (T_BASE + 1..T_BASE + T_COUNT).contains(&cu);
            let composed = if l_v {
                char::from_u32(S_BASE + ((p - L_BASE) * V_COUNT + (cu - V_BASE)) * T_COUNT)
            } else if lv_t {
                char::from_u32(p + (cu - T_BASE))
            } else {
                None
            };
            if let Some(syllable) = composed {
                last = Some(syllable);
                continue;
            }
            out.push(prev);
        }
        last = Some(c);
    }
    if let Some(prev) = last {
        out.push(prev);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_composition() {
        let cases = [
            // 혈액형 decomposed: ㅎ ㅕ ㄹ / ㅇ ㅐ ㄱ / ㅎ ㅕ ㅇ
            (
                "\u{1112}\u{1167}\u{11AF}\u{110B}\u{1162}\u{11A8}\u{1112}\u{1167}\u{11BC}",
                "혈액형",
            ),
            ("\u{1100}\u{1175}\u{11B7}", "김"),
            ("\u{1100}\u{1161}", "가"),
            ("김민준", "김민준"),
            ("abc", "abc"),
            ("", ""),
            // lone jamo stay as they are
            ("\u{1100}", "\u{1100}"),
            ("x\u{1100}\u{1161}y", "x가y"),
            // a trailing consonant after a full LVT syllable is not merged
            ("김\u{11A8}", "김\u{11A8}"),
        ];
        for (input, want) in cases {
            assert_eq!(compose_hangul(input), want, "input {input:?}");
        }
    }

    #[test]
    fn fullwidth_folding() {
        let cases = [
            ("０１０－１２３４－５６７８", "010-1234-5678"),
            ("ＫＲ", "KR"),
            ("a＠b．com", "a@b.com"),
            ("1\u{3000}2", "1 2"),
            ("plain", "plain"),
            ("김", "김"),
        ];
        for (input, want) in cases {
            assert_eq!(fold_fullwidth(input), want, "input {input:?}");
        }
    }

    #[test]
    fn trimming() {
        let cases = [
            ("  a  ", "a"),
            ("\u{3000}김\u{3000}", "김"),
            ("\u{FEFF}x\u{200B}", "x"),
            ("\n\t x y \r\n", "x y"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(trim(input), want, "input {input:?}");
        }
    }

    #[test]
    fn shown_truncates_and_escapes() {
        let cases = [
            ("abc", "abc"),
            ("a\"b", "a\\\"b"),
            ("a\tb", "aU+0009b"),
            ("\u{202E}x", "U+202Ex"),
            ("김민준", "김민준"),
        ];
        for (input, want) in cases {
            assert_eq!(shown(input), want, "input {input:?}");
        }
        let long = "x".repeat(100);
        let s = shown(&long);
        assert_eq!(s.chars().count(), SHOWN_MAX + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn forbidden_chars() {
        for c in [
            '\t', '\n', '\r', '\u{0}', '\u{1B}', '\u{7F}', '\u{85}', '\u{2028}', '\u{202E}',
            '\u{2066}', '\u{FEFF}',
        ] {
            assert!(is_forbidden(c), "{c:?}");
        }
        for c in ['a', '김', ' ', '\u{200D}', '\u{200C}', '😀', 'é'] {
            assert!(!is_forbidden(c), "{c:?}");
        }
    }

    #[test]
    fn single_line_rules() {
        let ok = [
            ("  김   민준 ", "김 민준"),
            ("Anne\u{3000}Marie", "Anne Marie"),
            ("\u{1100}\u{1175}\u{11B7}", "김"),
        ];
        for (input, want) in ok {
            assert_eq!(
                single_line("name", input, 10).as_deref(),
                Ok(want),
                "{input:?}"
            );
        }
        assert!(matches!(
            single_line("name", "   ", 10),
            Err(ProfileError::Empty { .. })
        ));
        assert!(matches!(
            single_line("name", "a\tb", 10),
            Err(ProfileError::ControlChar { .. })
        ));
        assert!(matches!(
            single_line("name", &"가".repeat(11), 10),
            Err(ProfileError::TooLong {
                len: 11,
                max: 10,
                ..
            })
        ));
        assert_eq!(
            single_line("name", &"가".repeat(10), 10).map(|s| s.chars().count()),
            Ok(10)
        );
    }
}
