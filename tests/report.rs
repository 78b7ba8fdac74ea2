//! The brand report on a real vault: what the brand holds now and since when, every grant with
//! its receipts, in both languages, escaped, without a single profile value, and written
//! private from its first byte.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use std::sync::Arc;

use common::*;
use vouchsafe::report::BrandReport;
use vouchsafe::{FixedClock, Lang, NewBrand, Vault, VaultError};

const T0: i64 = 1_790_000_000;
const EMAIL: &str = "canary-report@example.com";
const GIVEN: &str = "보고서카나리아";

/// A vault with two grants to one brand: the email one active, the name one revoked a day
/// later; and a grant to another brand that must not appear.
fn setup() -> (TempVault, Vault, String, String) {
    let (tv, mut v) = temp_vault();
    v.set_clock(Arc::new(FixedClock::at(T0)));
    v.fields_mut()
        .set_many(
            [("email", EMAIL), ("given_name", GIVEN)]
                .iter()
                .map(|(n, val)| (name(n), *val, None)),
        )
        .unwrap();
    for (id, brand_name) in [("bean", "Café <b>\"Bean\"</b>"), ("other", "Other Shop")] {
        v.brands_mut()
            .add(&NewBrand {
                id,
                name: brand_name,
                url: None,
                notes: None,
                status_url: None,
            })
            .unwrap();
    }
    let email = v.grants_mut().issue(&request("bean", "email")).unwrap().id;
    let given = v
        .grants_mut()
        .issue(&request("bean", "given_name"))
        .unwrap()
        .id;
    v.grants_mut().issue(&request("other", "email")).unwrap();
    v.set_clock(Arc::new(FixedClock::at(T0 + 86_400)));
    v.grants_mut().revoke(&given).unwrap();
    (tv, v, email, given)
}

#[test]
fn lists_what_the_brand_holds_and_every_grant_with_its_receipts() {
    let (_tv, v, email, given) = setup();
    let report = BrandReport::gather(&v, "bean").unwrap();
    // Only the active grant's item is held; the revoked one is not.
    assert_eq!(report.holdings.len(), 1);
    assert_eq!(report.holdings[0].item, "email");
    assert_eq!(report.holdings[0].since, T0);
    let ids: Vec<&str> = report.grants.iter().map(|g| g.info.id.as_str()).collect();
    assert_eq!(ids, [email.as_str(), given.as_str()], "active first");

    let ko = report.to_html(Lang::Ko);
    assert!(ko.starts_with("<!DOCTYPE html>"));
    assert!(ko.contains("<html lang=\"ko\">"));
    assert!(ko.contains("지금 가지고 있는 정보"));
    assert!(ko.contains("이메일"));
    assert!(ko.contains("철회됨"));
    // The receipts are there whole, exactly as the vault signs them at this moment.
    for id in [&email, &given] {
        let receipt = v.grants().receipt(id).unwrap();
        assert!(ko.contains(&receipt), "consent receipt of {id} missing");
    }
    assert!(!ko.contains(&v.grants().list(Some("other")).unwrap()[0].id));

    let en = report.to_html(Lang::En);
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("What it holds now"));
    assert!(en.contains("revoked"));
    assert!(!en.contains("지금 가지고"));
}

#[test]
fn names_items_but_never_their_values_and_escapes_what_the_brand_or_consumer_typed() {
    let (_tv, v, _, _) = setup();
    let report = BrandReport::gather(&v, "bean").unwrap();
    for lang in Lang::ALL {
        let html = report.to_html(lang);
        assert!(!html.contains(EMAIL), "{lang:?}: the email value leaked");
        assert!(!html.contains(GIVEN), "{lang:?}: the name value leaked");
        assert!(
            !html.contains("<b>"),
            "{lang:?}: markup from the brand name"
        );
        assert!(html.contains("Café &lt;b&gt;&quot;Bean&quot;&lt;/b&gt;"));
        assert!(
            !html.contains("<script"),
            "{lang:?}: the report carries no script"
        );
    }
}

#[test]
fn saves_a_private_new_file_and_refuses_to_overwrite() {
    let (tv, v, _, _) = setup();
    let report = BrandReport::gather(&v, "bean").unwrap();
    let dest = tv.dir.path().join("bean-report.html");
    report.save(Lang::Ko, &dest, false).unwrap();
    let written = std::fs::read_to_string(&dest).unwrap();
    assert_eq!(written, report.to_html(Lang::Ko));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let err = report.save(Lang::En, &dest, false).unwrap_err();
    assert!(matches!(err, VaultError::AlreadyExists(_)), "{err:?}");
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        written,
        "kept as it was"
    );
    // A save dialog that asked may replace it: still private, now in English.
    report.save(Lang::En, &dest, true).unwrap();
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        report.to_html(Lang::En)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(tv.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("saving"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind");
}

#[test]
fn an_unknown_brand_is_an_error_not_an_empty_report() {
    let (_tv, v, _, _) = setup();
    let err = BrandReport::gather(&v, "nobody").unwrap_err();
    assert!(err.to_string().contains("nobody"), "{err}");
}
