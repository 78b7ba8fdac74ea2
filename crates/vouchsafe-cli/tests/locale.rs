//! The grant summary in the locale's language on the commands that issue and show grants (the
//! `--preview` forms are pinned in tests/cmd/summary-locale.trycmd). Each command runs with a
//! cleared environment and only the locale variables the case names.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::process::Output;

fn run(dir: &std::path::Path, locale: &[(&str, &str)], args: &[&str]) -> Output {
    let out = common::vouchsafe(dir, locale, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const KO: &[(&str, &str)] = &[("LANG", "ko_KR.UTF-8")];
const EN: &[(&str, &str)] = &[("LANG", "en_US.UTF-8")];
const KO_SENTENCE: &str = "동네 카페에 이메일을 제공합니다. 목적: 생일 쿠폰, ";
const EN_SENTENCE: &str = "동네 카페 gets your email to 생일 쿠폰, until ";
/// How the brand may contact, after the date: `--channels email` is email for notices only.
const KO_CONTACT: &str = "까지. 안내는 이메일로만, 광고 수신 안 함.";
const EN_CONTACT: &str = ". Notices by email only; no ads.";

#[test]
fn issue_show_and_reissue_speak_the_locale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    run(d, &[], &common::INIT_MIN_KDF);
    run(d, &[], &["field", "set", "email", "gildong@example.com"]);
    run(d, &[], &["brand", "add", "cafe", "--name", "동네 카페"]);

    // The issue from the tracker: a Korean locale used to get the English sentence.
    let out = run(
        d,
        KO,
        &[
            "grant",
            "issue",
            "--brand",
            "cafe",
            "--fields",
            "email",
            "--purpose",
            "생일 쿠폰",
            "--channels",
            "email",
            "--expires",
            "30d",
        ],
    );
    let said = text(&out.stderr);
    assert!(said.starts_with(KO_SENTENCE), "{said:?}");
    assert!(said.trim_end().ends_with(KO_CONTACT), "{said:?}");
    assert_eq!(said.lines().count(), 1, "{said:?}");
    let token = text(&out.stdout);
    assert_eq!(token.trim().split('.').count(), 3, "stdout is the token");

    let list = run(d, &[], &["grant", "list", "--json"]);
    let grants: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let id = grants[0]["id"].as_str().expect("id").to_string();

    let show = text(&run(d, KO, &["grant", "show", &id]).stdout);
    assert!(show.starts_with(KO_SENTENCE), "{show:?}");
    let show = text(&run(d, EN, &["grant", "show", &id]).stdout);
    assert!(show.starts_with(EN_SENTENCE), "{show:?}");
    assert!(
        show.lines().next().is_some_and(|l| l.ends_with(EN_CONTACT)),
        "{show:?}"
    );
    // No locale at all is English.
    let show = text(&run(d, &[], &["grant", "show", &id]).stdout);
    assert!(show.starts_with(EN_SENTENCE), "{show:?}");

    // JSON carries both sentences whatever the locale.
    let json = run(d, KO, &["grant", "show", &id, "--json"]);
    let g: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert!(
        g["summary_en"]
            .as_str()
            .is_some_and(|s| s.starts_with(EN_SENTENCE)),
        "{g}"
    );
    assert!(
        g["summary_ko"]
            .as_str()
            .is_some_and(|s| s.starts_with(KO_SENTENCE)),
        "{g}"
    );

    let out = run(
        d,
        &[("LC_MESSAGES", "ko_KR.UTF-8"), ("LANG", "en_US.UTF-8")],
        &["grant", "reissue", &id],
    );
    let said = text(&out.stderr);
    assert!(said.starts_with(KO_SENTENCE), "{said:?}");
    // The brand has no inbox: nothing says it was told.
    assert!(
        said.trim_end()
            .ends_with(&format!("(replaces {id}, now revoked)")),
        "{said:?}"
    );
}
