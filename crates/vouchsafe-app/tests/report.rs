//! `save_brand_report` on a real vault with no window: the brand report in the language asked,
//! owner-only, replacing what the save dialog already agreed to replace; bad paths and unknown
//! brands answered with their kinds.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use vouchsafe_app::ErrorKind;
use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{GrantRequestDto, Locale};

mod common;

const EMAIL: &str = "report-canary@example.kr";

#[test]
fn saves_the_brand_report_in_the_chosen_language() {
    let (dir, st) = common::vault_with(&[("email", EMAIL)]);
    c::add_brand(&st, "acme", "Acme Coffee", None, None).unwrap();
    c::issue_grant(
        &st,
        &GrantRequestDto {
            brand: "acme".into(),
            fields: vec!["email".into()],
            derived: vec![],
            purpose: "생일 쿠폰".into(),
            purpose_category: None,
            channels: vec![],
            night_ads: false,
            offer: None,
            expires: "30d".into(),
        },
    )
    .unwrap();

    let dest = dir.path().join("acme.html");
    let dest_str = dest.to_str().unwrap();
    c::save_brand_report(&st, "acme", Locale::Ko, dest_str).unwrap();
    let ko = std::fs::read_to_string(&dest).unwrap();
    assert!(ko.contains("<html lang=\"ko\">"));
    assert!(ko.contains("Acme Coffee") && ko.contains("생일 쿠폰"));
    assert!(!ko.contains(EMAIL), "item names only, never values");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The save dialog asked already: the same path is replaced, now in English.
    c::save_brand_report(&st, "acme", Locale::En, dest_str).unwrap();
    assert!(
        std::fs::read_to_string(&dest)
            .unwrap()
            .contains("<html lang=\"en\">")
    );

    let rel = c::save_brand_report(&st, "acme", Locale::En, "acme.html").unwrap_err();
    assert_eq!(rel.kind, ErrorKind::InvalidInput, "{}", rel.message);
    let other = dir.path().join("nobody.html");
    let unknown =
        c::save_brand_report(&st, "nobody", Locale::En, other.to_str().unwrap()).unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::NotFound, "{}", unknown.message);
    assert!(!other.exists());

    c::lock(&st).unwrap();
    let locked = c::save_brand_report(&st, "acme", Locale::En, dest_str).unwrap_err();
    assert_eq!(locked.kind, ErrorKind::Locked);
}
