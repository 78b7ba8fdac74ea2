//! The review's rules, each on a real vault that triggers it and one that does not. The vault
//! reads a fixed clock that the test moves, so deadlines pass without sleeping.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use common::*;
use vouchsafe::grants::{Channel, ChannelChoices, Choice, Derived, Kind};
use vouchsafe::repo::outbox::Outcome;
use vouchsafe::review::{channels_without_ads, reconfirmed_channels};
use vouchsafe::{Clock, FixedClock, ReviewAction, ReviewItem, ReviewKind, Vault};

/// A vault on a fixed clock at [`T0`] with a profile, a brand added by hand (`acme`) and a
/// connected one ([`SHOP`]).
fn vault() -> (TempVault, Vault, FixedClock) {
    let (tv, mut v, clock) = clocked_vault(&[
        ("email", "gildong@example.com"),
        ("birthdate", "1990-05-17"),
        ("address.street_address", "테헤란로 1"),
        ("address.locality", "강남구"),
        ("address.region", "서울특별시"),
        ("address.postal_code", "06236"),
    ]);
    add_acme(&mut v);
    connect_shop(&mut v);
    (tv, v, clock)
}

/// Issue `s`; the new grant's id.
fn issue(v: &mut Vault, clock: &FixedClock, s: Share<'_>) -> String {
    share(v, clock, s).id
}

fn items(v: &Vault) -> Vec<ReviewItem> {
    v.review().items().expect("review")
}

#[test]
fn an_empty_vault_has_nothing_to_review() {
    let (_tv, v, _clock) = vault();
    assert!(items(&v).is_empty());
}

#[test]
fn grants_expiring_within_14_days_are_listed_with_reissue() {
    let (_tv, mut v, clock) = vault();
    let soon = issue(
        &mut v,
        &clock,
        Share {
            days: 10,
            ..Share::default()
        },
    );
    let later = issue(
        &mut v,
        &clock,
        Share {
            days: 20,
            ..Share::default()
        },
    );
    let gone = issue(
        &mut v,
        &clock,
        Share {
            days: 5,
            ..Share::default()
        },
    );
    v.grants_mut().revoke(&gone).expect("revoke");

    let found = of_kind(&v, ReviewKind::Expiring);
    assert_eq!(found.len(), 1, "{found:?}");
    let it = &found[0];
    assert_eq!(it.grant.as_deref(), Some(soon.as_str()));
    assert_eq!(it.brand_name, "Acme");
    assert_eq!(it.message, "review.expiring");
    assert_eq!(it.params["days"], "10");
    assert_eq!(it.params["period_days"], "10");
    assert_eq!(
        it.actions[0],
        ReviewAction::Reissue {
            grant: soon.clone(),
            period_days: 10,
            until: T0 + 20 * DAY
        }
    );

    // Seven days on, the 20-day grant is within the window too, and comes after the first.
    clock.advance(7 * DAY);
    let found = of_kind(&v, ReviewKind::Expiring);
    let ids: Vec<_> = found.iter().filter_map(|i| i.grant.clone()).collect();
    assert_eq!(ids, [soon.clone(), later]);
    // Once expired, there is nothing left to renew.
    clock.advance(4 * DAY);
    assert!(
        of_kind(&v, ReviewKind::Expiring)
            .iter()
            .all(|i| i.grant.as_deref() != Some(soon.as_str()))
    );
}

#[test]
fn advertising_consent_older_than_two_years_is_to_be_reconfirmed() {
    let (_tv, mut v, clock) = vault();
    let ads = |now| {
        ChannelChoices::new(
            vec![
                Choice::new(Channel::Email, Kind::Info, true),
                Choice::new(Channel::Kakao, Kind::Ad, true),
                Choice::new(Channel::Sms, Kind::Ad, false),
            ],
            true,
            now,
        )
        .expect("channels")
    };
    let g = issue(
        &mut v,
        &clock,
        Share {
            channels: ads(T0),
            days: 2000,
            ..Share::default()
        },
    );
    // Informational consent only: never due.
    issue(
        &mut v,
        &clock,
        Share {
            channels: ChannelChoices::new(
                vec![Choice::new(Channel::Email, Kind::Info, true)],
                false,
                T0,
            )
            .expect("channels"),
            days: 1000,
            ..Share::default()
        },
    );
    clock.advance(729 * DAY);
    assert!(of_kind(&v, ReviewKind::OldAdConsent).is_empty());
    clock.advance(DAY);
    let found = of_kind(&v, ReviewKind::OldAdConsent);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].grant.as_deref(), Some(g.as_str()));
    assert_eq!(found[0].params["channels"], "kakao");
    assert_eq!(found[0].params["days"], "730");
    assert_eq!(found[0].at, T0);
    assert_eq!(
        found[0].actions,
        [
            ReviewAction::Reconfirm { grant: g.clone() },
            ReviewAction::StopAds { grant: g.clone() }
        ]
    );

    // Reconfirmed: the same choices, dated now, so nothing is due for two more years.
    let info = v.grants().get(&g).expect("grant");
    let again = reconfirmed_channels(&info.channels, clock.now()).expect("again");
    assert!(again.allows(&Channel::Kakao, Kind::Ad) && again.night_ads().allowed);
    let renewed = v
        .grants_mut()
        .change_channels(&g, again)
        .expect("change")
        .id;
    assert!(of_kind(&v, ReviewKind::OldAdConsent).is_empty());
    clock.advance(730 * DAY);
    assert_eq!(of_kind(&v, ReviewKind::OldAdConsent).len(), 1);
    // Withdrawn: no advertising left to reconfirm.
    let info = v.grants().get(&renewed).expect("grant");
    let none = channels_without_ads(&info.channels, clock.now()).expect("none");
    assert!(none.allowed(Kind::Ad).is_empty() && !none.night_ads().allowed);
    assert!(none.allows(&Channel::Email, Kind::Info));
    v.grants_mut()
        .change_channels(&renewed, none)
        .expect("change");
    assert!(of_kind(&v, ReviewKind::OldAdConsent).is_empty());
}

#[test]
fn a_raw_birth_date_for_an_age_check_suggests_adult_kr() {
    let (_tv, mut v, clock) = vault();
    let age = issue(
        &mut v,
        &clock,
        Share {
            fields: &["birthdate"],
            purpose: "check you are an adult before selling wine",
            ..Share::default()
        },
    );
    let coupon = issue(
        &mut v,
        &clock,
        Share {
            fields: &["birthdate"],
            purpose: "birthday coupon",
            ..Share::default()
        },
    );
    // Identity verification needs the date itself; the derived facts are fine as they are.
    issue(
        &mut v,
        &clock,
        Share {
            fields: &["birthdate"],
            purpose: "open an account",
            category: Some("IdentityVerification"),
            ..Share::default()
        },
    );
    issue(
        &mut v,
        &clock,
        Share {
            fields: &[],
            derived: vec![Derived::AdultKr, Derived::Birthday],
            purpose: "성인 인증",
            ..Share::default()
        },
    );
    let found = of_kind(&v, ReviewKind::RawValue);
    let got: Vec<_> = found
        .iter()
        .map(|i| (i.grant.clone().unwrap(), i.params["derived"].clone()))
        .collect();
    assert_eq!(got.len(), 2, "{found:?}");
    assert!(got.contains(&(age.clone(), "adult_kr".into())));
    assert!(got.contains(&(coupon, "birthday".into())));
    let item = found
        .iter()
        .find(|i| i.grant.as_deref() == Some(&age))
        .unwrap();
    assert_eq!(
        item.actions[0],
        ReviewAction::Narrow {
            grant: age.clone(),
            replace: vec!["birthdate".into()],
            with: "adult_kr".into()
        }
    );

    // Outside Korea the age check is by full age.
    v.fields_mut()
        .set(&name("address.country"), "US", None)
        .expect("country");
    let item = of_kind(&v, ReviewKind::RawValue)
        .into_iter()
        .find(|i| i.grant.as_deref() == Some(&age))
        .unwrap();
    assert_eq!(item.params["derived"], "age_over_18");
}

#[test]
fn a_full_address_suggests_the_city_unless_something_is_delivered() {
    let (_tv, mut v, clock) = vault();
    let events = issue(
        &mut v,
        &clock,
        Share {
            fields: &["address.street_address", "address.locality"],
            purpose: "events near you",
            ..Share::default()
        },
    );
    issue(
        &mut v,
        &clock,
        Share {
            fields: &["address.street_address", "address.postal_code"],
            purpose: "택배 배송",
            ..Share::default()
        },
    );
    issue(
        &mut v,
        &clock,
        Share {
            fields: &["address.street_address"],
            purpose: "your orders",
            category: Some("DeliveryOfGoods"),
            ..Share::default()
        },
    );
    issue(
        &mut v,
        &clock,
        Share {
            fields: &[],
            derived: vec![Derived::City],
            purpose: "events near you",
            ..Share::default()
        },
    );
    let found = of_kind(&v, ReviewKind::RawValue);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].grant.as_deref(), Some(events.as_str()));
    assert_eq!(
        found[0].actions[0],
        ReviewAction::Narrow {
            grant: events,
            replace: vec!["address.street_address".into(), "address.locality".into()],
            with: "city".into()
        }
    );
}

#[test]
fn a_retention_past_its_end_asks_for_erasure() {
    let (_tv, mut v, clock) = vault();
    let kept = issue(
        &mut v,
        &clock,
        Share {
            brand: SHOP,
            days: 60,
            ..Share::default()
        },
    );
    let within = issue(
        &mut v,
        &clock,
        Share {
            brand: SHOP,
            days: 60,
            ..Share::default()
        },
    );
    v.grants_mut()
        .store_brand_receipt(&kept, &brand_receipt(&kept, T0 + 30 * DAY))
        .expect("receipt");
    v.grants_mut()
        .store_brand_receipt(&within, &brand_receipt(&within, T0 + 90 * DAY))
        .expect("receipt");
    assert!(of_kind(&v, ReviewKind::PastRetention).is_empty());

    clock.advance(31 * DAY);
    let found = of_kind(&v, ReviewKind::PastRetention);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].grant.as_deref(), Some(kept.as_str()));
    assert_eq!(found[0].at, T0 + 30 * DAY);
    assert_eq!(found[0].params["days"], "1");
    assert_eq!(
        found[0].actions,
        [ReviewAction::Erase {
            grant: kept.clone()
        }]
    );

    // Asked to erase: from now on the request's deadline is what the review watches.
    v.grants_mut().erase(&kept).expect("erase");
    assert!(of_kind(&v, ReviewKind::PastRetention).is_empty());
}

#[test]
fn an_erasure_request_without_receipt_after_10_days_is_overdue() {
    let (_tv, mut v, clock) = vault();
    let answered = issue(
        &mut v,
        &clock,
        Share {
            brand: SHOP,
            ..Share::default()
        },
    );
    let silent = issue(
        &mut v,
        &clock,
        Share {
            brand: SHOP,
            ..Share::default()
        },
    );
    v.grants_mut().erase(&answered).expect("erase");
    v.grants_mut().erase(&silent).expect("erase");
    let events = v.outbox().list().expect("outbox");
    let ev = |g: &str| events.iter().find(|o| o.grant_id == g).unwrap().id.clone();
    v.outbox_mut()
        .record(&ev(&answered), Outcome::Accepted)
        .expect("accepted");
    v.outbox_mut()
        .record(&ev(&answered), Outcome::Receipt("erasure.receipt".into()))
        .expect("receipt");

    clock.advance(9 * DAY);
    assert!(of_kind(&v, ReviewKind::ErasureOverdue).is_empty());
    clock.advance(DAY + 1);
    let found = of_kind(&v, ReviewKind::ErasureOverdue);
    assert_eq!(found.len(), 1, "{found:?}");
    let it = &found[0];
    assert_eq!(it.grant.as_deref(), Some(silent.as_str()));
    assert_eq!(it.event, Some(ev(&silent)));
    assert_eq!(it.at, T0 + 10 * DAY);
    assert_eq!(it.params["state"], "queued");
    assert_eq!(
        it.actions,
        [
            ReviewAction::Retry { event: ev(&silent) },
            ReviewAction::Erase {
                grant: silent.clone()
            }
        ]
    );
}

#[test]
fn a_connected_brand_silent_for_180_days_is_listed() {
    let (_tv, mut v, clock) = vault();
    let g = issue(
        &mut v,
        &clock,
        Share {
            brand: SHOP,
            days: 365,
            ..Share::default()
        },
    );
    // A brand added by hand never answers anything: it is not listed for that.
    issue(
        &mut v,
        &clock,
        Share {
            days: 365,
            ..Share::default()
        },
    );
    clock.advance(20 * DAY);
    v.grants_mut()
        .store_brand_receipt(&g, &brand_receipt(&g, T0 + 365 * DAY))
        .expect("receipt");
    clock.advance(179 * DAY);
    assert!(of_kind(&v, ReviewKind::SilentBrand).is_empty());
    clock.advance(DAY);
    let found = of_kind(&v, ReviewKind::SilentBrand);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].brand, SHOP);
    assert_eq!(found[0].at, T0 + 20 * DAY);
    assert_eq!(found[0].params["days"], "180");
    assert_eq!(
        found[0].actions,
        [ReviewAction::RevokeBrand { brand: SHOP.into() }]
    );
    // Nothing live, nothing to worry about.
    v.grants_mut().revoke(&g).expect("revoke");
    assert!(of_kind(&v, ReviewKind::SilentBrand).is_empty());
}

#[test]
fn items_come_most_important_first() {
    let (_tv, mut v, clock) = vault();
    issue(
        &mut v,
        &clock,
        Share {
            fields: &["birthdate"],
            purpose: "birthday coupon",
            ..Share::default()
        },
    );
    let erased = issue(
        &mut v,
        &clock,
        Share {
            brand: SHOP,
            ..Share::default()
        },
    );
    v.grants_mut().erase(&erased).expect("erase");
    clock.advance(80 * DAY);
    let kinds: Vec<ReviewKind> = items(&v).iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            ReviewKind::ErasureOverdue,
            ReviewKind::Expiring,
            ReviewKind::RawValue
        ]
    );
    assert!(clock.now() > T0);
}

/// A grant issued before advertising was asked apart (the frozen schema-3 vault of
/// tests/fixtures, `--channels email,-sms`): its yes now reads as informational only, which the
/// consumer is asked to confirm; restating it dates it now and ends the question.
#[test]
fn a_grant_from_before_channel_kinds_is_to_be_confirmed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vault-v3.db"),
        &path,
    )
    .expect("copy fixture");
    let mut v = unlock(&path, PASS).expect("unlock v3");
    let found = of_kind(&v, ReviewKind::LegacyChannels);
    assert_eq!(found.len(), 1, "{found:?}");
    let g = found[0].grant.clone().expect("grant");
    assert_eq!(found[0].params["channels"], "email");
    assert_eq!(
        found[0].actions,
        [
            ReviewAction::Restate { grant: g.clone() },
            ReviewAction::Revoke { grant: g.clone() }
        ]
    );
    let info = v.grants().get(&g).expect("grant");
    let restated =
        reconfirmed_channels(&info.channels, jiff::Timestamp::now().as_second()).expect("restated");
    assert!(!restated.is_legacy());
    v.grants_mut()
        .change_channels(&g, restated)
        .expect("change");
    assert!(of_kind(&v, ReviewKind::LegacyChannels).is_empty());
}
