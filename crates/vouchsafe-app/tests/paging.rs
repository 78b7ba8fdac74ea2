//! The page commands the long lists use (`grant_page`, `audit_page`, and `grant_deliveries` for a
//! page's rows): newest first, filtered in Rust, the same rows `list_grants` and `audit_log`
//! give, and never a token in a list row.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{GrantRequestDto, GrantStateDto};
use vouchsafe_app::{AppState, ErrorKind};

/// An unlocked vault with an email field and two brands; the temp dir lives as long as it.
fn vault() -> (tempfile::TempDir, AppState) {
    let (dir, state) = common::vault_with(&[("email", "minjun@example.kr")]);
    c::add_brand(&state, "acme", "Acme Coffee", None, None).expect("acme");
    c::add_brand(&state, "bean", "Bean Bakery", None, None).expect("bean");
    (dir, state)
}

/// The email, for `purpose` (which tells the grants apart).
fn request(brand: &str, purpose: &str) -> GrantRequestDto {
    GrantRequestDto {
        purpose: purpose.into(),
        ..common::request(brand, &["email"])
    }
}

fn ids(items: &[vouchsafe_app::dto::GrantDto]) -> Vec<String> {
    items.iter().map(|g| g.id.clone()).collect()
}

#[test]
fn grant_pages_walk_the_list_in_order_and_filter_in_rust() {
    let (_dir, st) = vault();
    for i in 0..5 {
        let brand = if i % 2 == 0 { "acme" } else { "bean" };
        c::issue_grant(&st, &request(brand, &format!("purpose {i}"))).expect("issue");
    }
    let all = c::list_grants(&st, None).expect("list");
    assert_eq!(all.len(), 5);
    c::revoke_grant(&st, &all[1].id).expect("revoke");

    // Pages of two walk the same order as the full list, and each says how many there are.
    let mut walked = Vec::new();
    for offset in [0, 2, 4] {
        let p = c::grant_page(&st, None, None, offset, 2).expect("page");
        assert_eq!((p.total, p.offset), (5, offset));
        walked.extend(ids(&p.items));
    }
    assert_eq!(walked, ids(&all));
    assert!(
        c::grant_page(&st, None, None, 10, 2)
            .expect("past the end")
            .items
            .is_empty()
    );

    let acme = c::grant_page(&st, Some("acme"), None, 0, 50).expect("acme");
    assert_eq!(acme.total, 3);
    assert!(acme.items.iter().all(|g| g.brand == "acme"));

    let revoked = c::grant_page(&st, None, Some(GrantStateDto::Revoked), 0, 50).expect("revoked");
    assert_eq!(ids(&revoked.items), vec![all[1].id.clone()]);
    let active = c::grant_page(&st, None, Some(GrantStateDto::Active), 0, 50).expect("active");
    assert_eq!(active.total, 4);
    assert!(
        active
            .items
            .iter()
            .all(|g| g.state == GrantStateDto::Active)
    );
    let none = c::grant_page(&st, Some("bean"), Some(GrantStateDto::Expired), 0, 50).expect("x");
    assert_eq!((none.total, none.items.len()), (0, 0));
}

#[test]
fn a_page_is_capped_and_its_rows_carry_no_token() {
    let (_dir, st) = vault();
    let issued = c::issue_grant(&st, &request("acme", "coupons")).expect("issue");
    let p = c::grant_page(&st, None, None, 0, u32::MAX).expect("page");
    assert_eq!(p.items.len(), 1);
    let row = serde_json::to_string(&p.items[0]).expect("json");
    assert!(
        !row.contains(&issued.token),
        "a list row must not carry the token"
    );
    assert!(!row.contains("\"token\""));
}

#[test]
fn a_pages_deliveries_come_in_one_call_in_its_order() {
    let (_dir, st) = vault();
    for i in 0..3 {
        c::issue_grant(&st, &request("acme", &format!("purpose {i}"))).expect("issue");
    }
    let page = c::grant_page(&st, None, None, 0, 50).expect("page");
    let wanted = ids(&page.items);
    let got = c::grant_deliveries(&st, &wanted).expect("deliveries");
    assert_eq!(
        got.iter().map(|d| d.grant_id.clone()).collect::<Vec<_>>(),
        wanted
    );
    // Issued by hand, not through a brand's inbox: no receipt, no event.
    assert!(
        got.iter()
            .all(|d| d.brand_receipt.is_none() && d.events.is_empty())
    );
    assert!(c::grant_deliveries(&st, &[]).expect("none").is_empty());

    // One unknown grant fails the call, with what a single lookup says.
    let mut bad = wanted.clone();
    bad.push("00000000-0000-4000-8000-000000000000".into());
    assert_eq!(
        common::kind(c::grant_deliveries(&st, &bad)),
        ErrorKind::NotFound
    );
    // More than a page is refused before anything is read.
    let many = vec![wanted[0].clone(); vouchsafe_app::connect::DELIVERIES_MAX + 1];
    assert_eq!(
        common::kind(c::grant_deliveries(&st, &many)),
        ErrorKind::InvalidInput
    );
}

#[test]
fn audit_pages_are_newest_first_and_cover_the_log() {
    let (_dir, st) = vault();
    let log = c::audit_log(&st).expect("log");
    let n = log.entries.len();
    assert!(n >= 4, "create, field, two brands: {n}");
    let first = c::audit_page(&st, 0, 2).expect("page");
    assert_eq!(first.total as usize, n);
    assert_eq!(c::audit_chain(&st).expect("chain"), log.chain);
    let seqs: Vec<i64> = first.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![log.entries[n - 1].seq, log.entries[n - 2].seq]);

    let mut walked = Vec::new();
    let mut offset = 0;
    loop {
        let p = c::audit_page(&st, offset, 3).expect("page");
        if p.entries.is_empty() {
            break;
        }
        walked.extend(p.entries.into_iter().map(|e| e.seq));
        offset += 3;
    }
    let mut want: Vec<i64> = log.entries.iter().map(|e| e.seq).collect();
    want.reverse();
    assert_eq!(walked, want);
}
