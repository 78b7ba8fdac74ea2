//! The review reads each grant row once and opens a grant's record only when a rule looks into
//! it (issue 11: a review of thousands of grants within a screen's 300 ms). These check the
//! grants it does not open, or opens only for a receipt, still count as the rules say: a
//! revoked grant's receipt is the brand's last answer (its brand read from the row), and an
//! expired grant with a receipt is still looked at for a retention past its end.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use common::*;
use vouchsafe::{FixedClock, GrantState, ReviewKind, Vault};

/// A vault with an email and [`SHOP`] connected, on a fixed clock.
fn vault() -> (TempVault, Vault, FixedClock) {
    let (tv, mut v, clock) = clocked_vault(&[("email", "gildong@example.com")]);
    connect_shop(&mut v);
    (tv, v, clock)
}

/// The email to [`SHOP`] for order updates, for `days`.
fn issue(v: &mut Vault, clock: &FixedClock, days: i64) -> String {
    let s = Share {
        brand: SHOP,
        days,
        ..Share::default()
    };
    share(v, clock, s).id
}

#[test]
fn a_revoked_grants_receipt_is_still_the_brands_last_answer() {
    let (_tv, mut v, clock) = vault();
    issue(&mut v, &clock, 400);
    let withdrawn = issue(&mut v, &clock, 400);
    clock.advance(100 * DAY);
    v.grants_mut()
        .store_brand_receipt(&withdrawn, &brand_receipt(&withdrawn, T0 + 365 * DAY))
        .expect("receipt");
    v.grants_mut().revoke(&withdrawn).expect("revoke");
    assert_eq!(
        v.grants().get(&withdrawn).expect("grant").state,
        GrantState::Revoked
    );

    // 179 days after the receipt the brand is not silent; the receipt came with a grant
    // since revoked, whose record the review does not open.
    clock.advance(179 * DAY);
    assert!(of_kind(&v, ReviewKind::SilentBrand).is_empty());
    clock.advance(DAY);
    let found = of_kind(&v, ReviewKind::SilentBrand);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].brand, SHOP);
    assert_eq!(found[0].brand_name, "동네 카페");
    assert_eq!(found[0].at, T0 + 100 * DAY, "the revoked grant's receipt");
    assert_eq!(found[0].params["live"], "1");
}

#[test]
fn an_expired_grant_with_a_receipt_is_looked_into_for_its_retention() {
    let (_tv, mut v, clock) = vault();
    let expired = issue(&mut v, &clock, 10);
    // Expired without a receipt: nothing in it for any rule.
    issue(&mut v, &clock, 10);
    v.grants_mut()
        .store_brand_receipt(&expired, &brand_receipt(&expired, T0 + 30 * DAY))
        .expect("receipt");
    clock.advance(31 * DAY);
    assert_eq!(
        v.grants().get(&expired).expect("grant").state,
        GrantState::Expired
    );
    let found = of_kind(&v, ReviewKind::PastRetention);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].grant.as_deref(), Some(expired.as_str()));
    assert_eq!(found[0].brand_name, "동네 카페");
    assert_eq!(found[0].params["released"], "email", "read from its record");
    assert_eq!(found[0].at, T0 + 30 * DAY);
}
