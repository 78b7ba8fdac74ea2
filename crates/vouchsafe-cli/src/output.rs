//! Formatting fields for people (a table) and programs (JSON), and the language of sentences.

use serde_json::json;
use vouchsafe::{Field, Lang};

/// The language of the sentences printed for people (a grant's one-sentence summary): the
/// locale's, as POSIX looks it up for messages (`LC_ALL`, then `LC_MESSAGES`, then `LANG`; an
/// empty variable counts as unset). Korean for a `ko` locale, English for anything else, which
/// is what the desktop app does with the system language. JSON output is not affected: it
/// carries every language (`summary_en`, `summary_ko`).
pub fn lang() -> Lang {
    lang_of(|name| std::env::var(name).ok())
}

fn lang_of(var: impl Fn(&str) -> Option<String>) -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .filter_map(var)
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    // `ko`, `ko_KR.UTF-8`, `ko-KR`, `ko@euro`… but not `kok` (Konkani).
    match locale.strip_prefix("ko") {
        Some(rest) if rest.is_empty() || rest.starts_with(['_', '-', '.', '@']) => Lang::Ko,
        _ => Lang::En,
    }
}

fn field_value(f: &Field) -> serde_json::Value {
    json!({
        "name": f.name.to_string(),
        "value": f.value.as_str(),
        "label": f.label.as_deref().map(|s| s.as_str()),
        "updated_at": f.updated_at,
    })
}

pub fn field_json(f: &Field) -> String {
    field_value(f).to_string()
}

pub fn fields_json(fields: &[Field]) -> String {
    serde_json::Value::Array(fields.iter().map(field_value).collect()).to_string()
}

pub fn fields_table(fields: &[Field]) -> String {
    let width = fields
        .iter()
        .map(|f| f.name.to_string().chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for f in fields {
        let name = f.name.to_string();
        let pad = " ".repeat(width - name.chars().count());
        match &f.label {
            Some(l) => out.push_str(&format!(
                "{name}{pad}  {}  ({})\n",
                f.value.as_str(),
                l.as_str()
            )),
            None => out.push_str(&format!("{name}{pad}  {}\n", f.value.as_str())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang_with(vars: &[(&str, &str)]) -> Lang {
        lang_of(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        })
    }

    #[test]
    fn the_locale_picks_the_language() {
        let cases: [(&[(&str, &str)], Lang); 11] = [
            (&[], Lang::En),
            (&[("LANG", "ko_KR.UTF-8")], Lang::Ko),
            (&[("LANG", "ko")], Lang::Ko),
            (&[("LANG", "ko-KR")], Lang::Ko),
            (&[("LANG", "en_US.UTF-8")], Lang::En),
            (&[("LANG", "C.UTF-8")], Lang::En),
            (&[("LANG", "kok_IN")], Lang::En),
            // LC_ALL wins over everything, LC_MESSAGES over LANG.
            (
                &[("LC_ALL", "en_GB.UTF-8"), ("LANG", "ko_KR.UTF-8")],
                Lang::En,
            ),
            (
                &[("LC_MESSAGES", "ko_KR.UTF-8"), ("LANG", "en_US")],
                Lang::Ko,
            ),
            (&[("LC_ALL", "ko_KR.UTF-8"), ("LC_MESSAGES", "C")], Lang::Ko),
            // An empty variable is not set.
            (
                &[("LC_ALL", ""), ("LC_MESSAGES", ""), ("LANG", "ko_KR.UTF-8")],
                Lang::Ko,
            ),
        ];
        for (vars, want) in cases {
            assert_eq!(lang_with(vars), want, "{vars:?}");
        }
    }
}
