//! The queries the brands and share screens page with (issue 11, first content within 300 ms on
//! a vault of thousands of grants): `GrantRepo::brand_counts` counts one brand from its own
//! grants only, and `BrandRepo::search` pages and filters the brands. Real vault files; the
//! counts are checked against the full grant list they replace.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use std::sync::Arc;

use common::*;
use vouchsafe::repo::grants::BrandCounts;
use vouchsafe::{Clock, FixedClock, GrantRequest, GrantRequestParts, GrantState, NewBrand, Vault};

/// 2027-01-15T08:00:00Z.
const T0: i64 = 1_800_000_000;

fn add(v: &mut Vault, id: &str, name: &str) {
    v.brands_mut()
        .add(&NewBrand {
            id,
            name,
            ..NewBrand::default()
        })
        .expect("brand");
}

/// Issue a grant of `fields` to `brand`, expiring `days` from the clock's now.
fn issue(v: &mut Vault, clock: &FixedClock, brand: &str, fields: &[&str], days: i64) -> String {
    let req = GrantRequest::new(
        GrantRequestParts {
            brand: brand.into(),
            fields: fields.iter().map(|f| name(f)).collect(),
            derived: vec![],
            purpose: "order updates".into(),
            purpose_category: None,
            channels: Default::default(),
            offer: None,
            expires_at: clock.now() + days * 86_400,
        },
        clock.now(),
    )
    .expect("request");
    v.grants_mut().issue(&req).expect("issue").id
}

/// What `brand_counts` replaces: the brand's full grant list, counted.
fn counted_from_list(v: &Vault, brand: &str) -> BrandCounts {
    let grants = v.grants().list(Some(brand)).expect("list");
    let mut holds: Vec<String> = Vec::new();
    for g in grants
        .iter()
        .rev()
        .filter(|g| g.state == GrantState::Active)
    {
        for r in &g.released {
            if !holds.contains(r) {
                holds.push(r.clone());
            }
        }
    }
    BrandCounts {
        live: grants
            .iter()
            .filter(|g| g.state == GrantState::Active)
            .count(),
        total: grants.len(),
        holds,
    }
}

#[test]
fn brand_counts_count_one_brand_as_its_full_list_does() {
    let (_tv, mut v) = temp_vault();
    let clock = FixedClock::at(T0);
    v.set_clock(Arc::new(clock.clone()));
    for (f, val) in [
        ("email", "gildong@example.com"),
        ("phone_number", "010-1234-5678"),
        ("given_name", "길동"),
        ("address.locality", "강남구"),
    ] {
        v.fields_mut().set(&name(f), val, None).expect("set");
    }
    add(&mut v, "acme", "Acme");
    add(&mut v, "other", "Other");
    add(&mut v, "empty", "Empty");

    // acme: email (active), then phone + email (active), a revoked one with given_name, and
    // one that expires before the count; other: address only.
    issue(&mut v, &clock, "acme", &["email"], 30);
    clock.advance(10);
    issue(&mut v, &clock, "acme", &["phone_number", "email"], 30);
    clock.advance(10);
    let revoked = issue(&mut v, &clock, "acme", &["given_name"], 30);
    v.grants_mut().revoke(&revoked).expect("revoke");
    clock.advance(10);
    issue(&mut v, &clock, "acme", &["address.locality"], 1);
    issue(&mut v, &clock, "other", &["address.locality"], 30);
    clock.advance(2 * 86_400);

    let acme = v.grants().brand_counts("acme").expect("counts");
    assert_eq!(
        acme,
        BrandCounts {
            live: 2,
            total: 4,
            holds: vec!["email".to_string(), "phone_number".to_string()],
        },
        "first-granted first; the revoked and the expired grants count in total only"
    );
    assert_eq!(acme, counted_from_list(&v, "acme"));

    let other = v.grants().brand_counts("other").expect("counts");
    assert_eq!(other.live, 1);
    assert_eq!(other.total, 1);
    assert_eq!(other.holds, vec!["address.locality".to_string()]);
    assert_eq!(other, counted_from_list(&v, "other"));

    assert_eq!(
        v.grants().brand_counts("empty").expect("counts"),
        BrandCounts::default()
    );
    assert!(
        v.grants().brand_counts("nobody").is_err(),
        "an unknown brand"
    );
}

#[test]
fn brand_search_filters_by_name_or_id_and_pages_in_name_order() {
    let (_tv, mut v) = temp_vault();
    add(&mut v, "zeta-shop", "Acme Zeta");
    add(&mut v, "acme-coffee", "Coffee Corner");
    add(&mut v, "bakery", "Bread & Co");
    add(&mut v, "olive", "올리브영");

    let ids = |found: &[vouchsafe::Brand]| found.iter().map(|b| b.id.clone()).collect::<Vec<_>>();
    let (all, total) = v.brands().search("", 0, 10).expect("search");
    assert_eq!(total, 4);
    assert_eq!(
        ids(&all),
        ["zeta-shop", "bakery", "acme-coffee", "olive"],
        "sorted by name, as list() sorts"
    );
    assert_eq!(ids(&all), ids(&v.brands().list().expect("list")));

    // Name or id, ignoring case and surrounding blanks.
    let (found, total) = v.brands().search("  ACME ", 0, 10).expect("search");
    assert_eq!(total, 2);
    assert_eq!(ids(&found), ["zeta-shop", "acme-coffee"]);
    let (found, _) = v.brands().search("올리브", 0, 10).expect("search");
    assert_eq!(ids(&found), ["olive"]);
    let (found, total) = v.brands().search("nothing", 0, 10).expect("search");
    assert!(found.is_empty());
    assert_eq!(total, 0);

    // A page: `limit` from `offset`, the total of every match on every page.
    let (page, total) = v.brands().search("", 1, 2).expect("search");
    assert_eq!(total, 4);
    assert_eq!(ids(&page), ["bakery", "acme-coffee"]);
    let (past, total) = v.brands().search("", 9, 2).expect("search");
    assert!(past.is_empty());
    assert_eq!(total, 4);
}
