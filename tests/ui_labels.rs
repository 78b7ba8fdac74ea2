//! Every audit action the core writes has a name in both of the desktop's languages: the
//! Activity screen would otherwise show the raw key (`grant.delivered`) to a person. Reads the
//! sources, so a new `AuditEvent::new("…")` without its two labels fails here.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn actions(dir: &Path, out: &mut BTreeSet<String>) {
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            actions(&p, out);
            continue;
        }
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = fs::read_to_string(&p).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, _) in code.match_indices("AuditEvent::new(") {
            let rest = code[i + "AuditEvent::new(".len()..].trim_start();
            if let Some(lit) = rest.strip_prefix('"') {
                out.insert(lit[..lit.find('"').unwrap()].to_string());
            }
        }
    }
}

#[test]
fn every_audit_action_has_a_label_in_english_and_korean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = BTreeSet::new();
    actions(&root.join("src"), &mut found);
    assert!(found.len() >= 10, "the scan found too little: {found:?}");
    for lang in ["en", "ko"] {
        let table = fs::read_to_string(root.join(format!("ui/src/lib/i18n/{lang}.ts"))).unwrap();
        let missing: Vec<&String> = found
            .iter()
            .filter(|a| !table.contains(&format!("'action.{a}':")))
            .collect();
        assert!(missing.is_empty(), "{lang}.ts has no label for {missing:?}");
    }
}
