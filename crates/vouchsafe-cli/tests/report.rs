//! `vouchsafe brand report`: the brand report through the binary, in the locale's language or
//! the one asked for, never over an existing file, with one-line errors.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;
use std::process::Output;

fn run(dir: &Path, locale: &[(&str, &str)], args: &[&str]) -> Output {
    common::vouchsafe(dir, locale, args)
}

fn ok(dir: &Path, locale: &[(&str, &str)], args: &[&str]) -> Output {
    let out = run(dir, locale, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn saves_the_report_in_the_locale_language_and_never_over_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &[], &common::INIT_MIN_KDF);
    ok(
        d,
        &[],
        &["field", "set", "email", "report-canary@example.com"],
    );
    ok(d, &[], &["brand", "add", "cafe", "--name", "동네 카페"]);
    ok(
        d,
        &[],
        &[
            "grant",
            "issue",
            "--brand",
            "cafe",
            "--fields",
            "email",
            "--purpose",
            "생일 쿠폰",
        ],
    );

    let ko = d.join("cafe-ko.html");
    let out = ok(
        d,
        &[("LANG", "ko_KR.UTF-8")],
        &["brand", "report", "cafe", "--out", ko.to_str().unwrap()],
    );
    assert!(out.stdout.is_empty(), "the report goes to the file only");
    let html = std::fs::read_to_string(&ko).unwrap();
    assert!(html.contains("<html lang=\"ko\">"));
    assert!(html.contains("동네 카페"));
    assert!(html.contains("생일 쿠폰"));
    assert!(!html.contains("report-canary@example.com"), "no values");

    let en = d.join("cafe-en.html");
    ok(
        d,
        &[("LANG", "ko_KR.UTF-8")],
        &[
            "brand",
            "report",
            "cafe",
            "--lang",
            "en",
            "--out",
            en.to_str().unwrap(),
        ],
    );
    assert!(
        std::fs::read_to_string(&en)
            .unwrap()
            .contains("<html lang=\"en\">")
    );

    // An existing file is refused, and kept as it was.
    let again = run(
        d,
        &[],
        &["brand", "report", "cafe", "--out", ko.to_str().unwrap()],
    );
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&ko).unwrap(), html);

    let unknown = run(d, &[], &["brand", "report", "nobody", "--out", "x.html"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nobody"));
    assert!(!d.join("x.html").exists());
}
