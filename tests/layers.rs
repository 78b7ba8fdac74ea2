//! The core's modules form layers: each imports only the modules below it, so there is no
//! circle of imports (src/lib.rs documents the table). This reads the sources and fails on an
//! upward `crate::…` reference outside test code.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::{Path, PathBuf};

/// Bottom first. A module may use `crate::X` only for an `X` listed before it.
const LAYERS: &[&str] = &[
    "korean", "clock", "crypto", "profile", "store", "brands", "grants", "records", "error",
    "repo", "review", "vault", "connect", "report",
];

/// Inside `repo`, the same rule between repositories.
const REPOS: &[&str] = &["audit", "fields", "outbox", "brands", "grants"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("read src").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its `#[cfg(test)]` module and comment lines.
fn code(text: &str) -> String {
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `X` in `prefix X` (e.g. `crate::repo` after `crate::`), also inside `use crate::{…}`.
fn targets(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices(prefix) {
        let rest = &code[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

fn rank(list: &[&str], name: &str) -> Option<usize> {
    list.iter().position(|l| *l == name)
}

#[test]
fn each_module_imports_only_modules_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("under src");
        let parts: Vec<String> = rel
            .iter()
            .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if parts == ["lib"] {
            continue;
        }
        let module = parts[0].as_str();
        let Some(mine) = rank(LAYERS, module) else {
            problems.push(format!(
                "{}: module {module} is not in LAYERS",
                rel.display()
            ));
            continue;
        };
        let text = code(&fs::read_to_string(&f).expect("read"));
        for t in targets(&text, "crate::") {
            match rank(LAYERS, &t) {
                Some(r) if r < mine || t == module => {}
                _ => problems.push(format!("{}: uses crate::{t}", rel.display())),
            }
        }
        if module == "repo" && parts.len() == 2 && parts[1] != "mod" {
            let me = rank(REPOS, &parts[1]).expect("repository listed in REPOS");
            for t in targets(&text, "crate::repo::") {
                match rank(REPOS, &t) {
                    Some(r) if r < me => {}
                    _ => problems.push(format!("{}: uses crate::repo::{t}", rel.display())),
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "upward imports:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_plain_paths() {
    assert_eq!(
        targets("use crate::{a, b::c};\nlet x = crate::d::e;", "crate::"),
        ["a", "b", "d"]
    );
    assert_eq!(
        code("use crate::x;\n// crate::y\n#[cfg(test)]\nuse crate::z;"),
        "use crate::x;"
    );
}
