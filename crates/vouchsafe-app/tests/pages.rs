//! The page commands of the brands and share screens (`brand_page`, `brand_choices`,
//! `field_page`): the same brands and counts `list_brands` gives and the same fields
//! `list_fields` gives, a page at a time, filtered in Rust.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use common::request;
use vouchsafe_app::AppState;
use vouchsafe_app::commands as c;

/// An unlocked vault with a few fields and three brands; the temp dir lives as long as it.
fn vault() -> (tempfile::TempDir, AppState) {
    let (dir, state) =
        common::vault_with(&[("email", "minjun@example.kr"), ("given_name", "민준")]);
    c::set_field(&state, "custom.blood_type", "A+", Some("Blood type")).expect("custom");
    c::set_field(&state, "custom.shoe", "270", None).expect("custom");
    c::add_brand(&state, "acme", "Acme Coffee", None, None).expect("acme");
    c::add_brand(&state, "bean", "Bean Bakery", None, None).expect("bean");
    c::add_brand(&state, "zest", "Zest Juice", None, None).expect("zest");
    (dir, state)
}

#[test]
fn brand_pages_count_as_list_brands_does() {
    let (_dir, st) = vault();
    c::issue_grant(&st, &request("acme", &["email"])).expect("issue");
    c::issue_grant(&st, &request("acme", &["given_name", "email"])).expect("issue");
    let gone = c::issue_grant(&st, &request("bean", &["custom.shoe"])).expect("issue");
    c::revoke_grant(&st, &gone.id).expect("revoke");
    c::issue_grant(&st, &request("bean", &["email"])).expect("issue");

    let all = c::list_brands(&st).expect("list");
    let page = c::brand_page(&st, "", 0, 50).expect("page");
    assert_eq!((page.total, page.offset), (3, 0));
    assert_eq!(page.items, all, "the same rows and counts as list_brands");
    let acme = &page.items[0];
    assert_eq!((acme.live_grants, acme.total_grants), (2, 2));
    // Both grants were issued within the same second, so which came first is not recorded:
    // compare what is held, not in which order.
    let mut holds = acme.holds.clone();
    holds.sort();
    assert_eq!(holds, ["email", "given_name"]);
    let bean = &page.items[1];
    assert_eq!((bean.live_grants, bean.total_grants), (1, 2));
    assert_eq!(bean.holds, ["email"]);

    // Pages walk the same order; a query filters by name or id, ignoring case.
    let second = c::brand_page(&st, "", 1, 1).expect("page");
    assert_eq!((second.total, second.offset), (3, 1));
    assert_eq!(second.items, all[1..2]);
    let found = c::brand_page(&st, "JUICE", 0, 50).expect("search");
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, "zest");
    assert!(
        c::brand_page(&st, "", 5, 50)
            .expect("past the end")
            .items
            .is_empty()
    );

    c::lock(&st).expect("lock");
    assert!(
        c::brand_page(&st, "", 0, 50).is_err(),
        "needs the vault unlocked"
    );
}

#[test]
fn brand_choices_name_the_brands_without_counting() {
    let (_dir, st) = vault();
    let all = c::brand_choices(&st, "", 50).expect("choices");
    assert_eq!(all.total, 3);
    let ids: Vec<&str> = all.items.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["acme", "bean", "zest"]);
    assert_eq!(all.items[0].name, "Acme Coffee");
    assert!(!all.items[0].connected);

    // The limit cuts the list, the total still says how many match.
    let one = c::brand_choices(&st, "", 1).expect("choices");
    assert_eq!((one.items.len(), one.total), (1, 3));
    let found = c::brand_choices(&st, "bak", 50).expect("search");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, "bean");
}

#[test]
fn field_pages_walk_the_profile_in_order_and_search_names_and_labels() {
    let (_dir, st) = vault();
    let page = c::field_page(&st, "", 0, 50).expect("page");
    let names: Vec<&str> = page.items.iter().map(|f| f.name.as_str()).collect();
    // Catalogue fields in catalogue order, then the custom ones by name.
    assert_eq!(
        names,
        ["given_name", "email", "custom.blood_type", "custom.shoe"]
    );
    assert_eq!(page.total, 4);
    assert!(page.derivable.is_empty(), "no birth date, no address");
    let listed = c::list_fields(&st).expect("list");
    for f in &page.items {
        assert!(
            listed
                .iter()
                .any(|l| l.name == f.name && l.value == f.value)
        );
    }

    let second = c::field_page(&st, "", 1, 2).expect("page");
    assert_eq!((second.total, second.offset), (4, 1));
    let names: Vec<&str> = second.items.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["email", "custom.blood_type"]);

    // By label, by name, by the catalogue's description (Korean too).
    let blood = c::field_page(&st, "BLOOD", 0, 50).expect("search");
    assert_eq!(blood.total, 1);
    assert_eq!(blood.items[0].label.as_deref(), Some("Blood type"));
    assert_eq!(c::field_page(&st, "shoe", 0, 50).expect("search").total, 1);
    let email = c::field_page(&st, "이메일", 0, 50).expect("search");
    assert_eq!(email.items.len(), 1);
    assert_eq!(email.items[0].name, "email");
    assert_eq!(
        c::field_page(&st, "nothing like it", 0, 50)
            .expect("search")
            .total,
        0
    );

    // What the whole profile can derive, whatever the page shows.
    c::set_field(&st, "birthdate", "1990-05-17", None).expect("birthdate");
    c::set_field(&st, "address.locality", "중구", None).expect("locality");
    let one = c::field_page(&st, "shoe", 0, 1).expect("page");
    assert_eq!(one.derivable, ["age_over_18", "birthday", "city"]);
}
