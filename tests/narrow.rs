//! Narrowing a grant on a real vault: the new token verifies and carries the derived fact, not
//! the raw value; the old grant is revoked in its brand's status list; everything else the
//! grant said (purpose, channels, expiry) carries over; a connected brand gets the narrowed
//! grant through the outbox (docs/protocol.md §4). Refusals leave the vault as it was.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

mod common;

use common::*;
use serde_json::Value;
use vouchsafe::grants::{Channel, ChannelChoices, Choice, Derived, Dropped, Kind, Narrowing, Raw};
use vouchsafe::{Clock, FixedClock, GrantError, GrantState, Vault, VaultError};
use vouchsafe_token::protocol::{Event, TOKEN_CLAIMS_CHANGE};
use vouchsafe_verify::event::{SetOptions, verify_set};
use vouchsafe_verify::{
    IssuerPolicy, StatusOutcome, StatusPolicy, VerifyError, VerifyOptions, verify_grant,
};

/// A vault on a fixed clock with a profile, a brand added by hand (`acme`) and a connected one.
fn vault() -> (TempVault, Vault, FixedClock) {
    let (tv, mut v, clock) = clocked_vault(&[
        ("email", "gildong@example.com"),
        ("given_name", "길동"),
        ("birthdate", "2008-03-14"),
        ("address.street_address", "테헤란로 1"),
        ("address.locality", "강남구"),
        ("address.region", "서울특별시"),
        ("address.country", "KR"),
    ]);
    add_acme(&mut v);
    connect_shop(&mut v);
    (tv, v, clock)
}

fn channels(now: i64) -> ChannelChoices {
    ChannelChoices::new(
        vec![
            Choice::new(Channel::Email, Kind::Info, true),
            Choice::new(Channel::Kakao, Kind::Ad, true),
        ],
        true,
        now,
    )
    .expect("channels")
}

/// An age check releasing `fields` to `brand` for 90 days, with email and Kakao ads allowed.
fn issue(
    v: &mut Vault,
    clock: &FixedClock,
    brand: &str,
    fields: &[&str],
) -> vouchsafe::IssuedGrant {
    share(
        v,
        clock,
        Share {
            brand,
            fields,
            purpose: "check you are an adult before selling wine",
            category: Some("AgeVerification"),
            channels: channels(clock.now()),
            offer: Some("a free glass"),
            ..Share::default()
        },
    )
}

fn verify(
    token: &str,
    audience: &str,
    list: String,
    now: i64,
) -> Result<vouchsafe_verify::VerifiedGrant, VerifyError> {
    verify_grant(
        token,
        &VerifyOptions {
            audience: audience.into(),
            issuer: IssuerPolicy::AnyConsumer,
            status: StatusPolicy::List(list),
            now,
        },
    )
}

fn claims(token: &str) -> serde_json::Map<String, Value> {
    vouchsafe_token::CompactJws::parse(token)
        .and_then(|c| c.claims())
        .expect("claims")
}

#[test]
fn a_birth_date_becomes_adult_kr_and_the_old_grant_is_revoked() {
    let (_tv, mut v, clock) = vault();
    let old = issue(&mut v, &clock, "acme", &["email", "birthdate"]);
    let before = v.grants().get(&old.id).expect("old");
    clock.advance(3600);

    let nar = Narrowing::new(
        vec![(Raw::Field(name("birthdate")), Derived::AdultKr)],
        vec![],
    );
    let new = v.grants_mut().narrow(&old.id[..8], &nar).expect("narrow");

    // The new token verifies against the brand's current list and carries the fact only.
    let list = v.brands().status_list_token("acme").expect("list");
    let verified = verify(&new.token, "acme", list.clone(), clock.now()).expect("verifies");
    assert_eq!(verified.status(), StatusOutcome::Valid);
    let c = claims(&new.token);
    // Born 2008-03-14: an adult under the year-of-birth rule since 1 January 2027, though
    // not yet 19 in full age.
    assert_eq!(c["adult_kr"], Value::Bool(true));
    assert!(c.get("birthdate").is_none(), "the raw value is gone: {c:?}");
    assert_eq!(c["email"], "gildong@example.com");
    let detail = &c["authorization_details"][0];
    assert_eq!(
        detail["datatypes"],
        serde_json::json!(["email", "adult_kr"])
    );

    // The old grant is revoked, in the vault and in the list the brand fetches.
    assert_eq!(
        v.grants().get(&old.id).expect("old").state,
        GrantState::Revoked
    );
    assert!(matches!(
        verify(&old.token, "acme", list, clock.now()),
        Err(VerifyError::Revoked { .. })
    ));

    // Same purpose, category, offer, channel consent (with its dates) and expiry.
    let after = v.grants().get(&new.id).expect("new");
    assert_eq!(after.state, GrantState::Active);
    assert_eq!(after.released, ["email", "adult_kr"]);
    assert_eq!(after.purpose, before.purpose);
    assert_eq!(after.purpose_category, before.purpose_category);
    assert_eq!(after.offer, before.offer);
    assert_eq!(after.expires_at, before.expires_at);
    assert_eq!(after.channels, before.channels);
    assert!(after.channels.allows(&Channel::Kakao, Kind::Ad));
    assert!(after.channels.night_ads().allowed);

    // The audit log says what was narrowed, beside the issue and the revocation.
    let entries = v.audit().entries().expect("audit");
    let narrowed = entries
        .iter()
        .find(|e| e.event.action == "grant.narrowed")
        .expect("narrowed entry");
    assert_eq!(narrowed.event.subject, old.id);
    assert!(
        narrowed.event.detail.contains("birthdate → adult_kr"),
        "{narrowed:?}"
    );
    let tail: Vec<&str> = entries
        .iter()
        .rev()
        .take(3)
        .map(|e| e.event.action.as_str())
        .collect();
    assert_eq!(tail, ["grant.revoked", "grant.narrowed", "grant.issued"]);
    // A brand added by hand has no inbox: nothing is queued.
    assert!(v.outbox().list().expect("outbox").is_empty());
    assert!(v.check().expect("check").is_intact());
}

#[test]
fn a_full_address_becomes_the_city_and_fields_can_be_dropped() {
    let (_tv, mut v, clock) = vault();
    let old = issue(
        &mut v,
        &clock,
        "acme",
        &[
            "email",
            "given_name",
            "address.street_address",
            "address.locality",
            "address.region",
        ],
    );
    let nar = Narrowing::new(
        vec![(Raw::Address, Derived::City)],
        vec![Dropped::Field(name("given_name"))],
    );
    let new = v.grants_mut().narrow(&old.id, &nar).expect("narrow");
    let c = claims(&new.token);
    assert!(c.get("given_name").is_none());
    // A Korean address's city: 시/도 and 시/군/구, never the street.
    assert_eq!(
        c["address"],
        serde_json::json!({"locality": "강남구", "region": "서울특별시", "country": "KR"})
    );
    assert_eq!(
        v.grants().get(&new.id).expect("new").released,
        ["email", "city"]
    );
}

#[test]
fn refusals_change_nothing() {
    let (_tv, mut v, clock) = vault();
    let old = issue(&mut v, &clock, "acme", &["email", "birthdate"]);
    let entries = v.audit().entries().expect("audit").len();
    let refuse = |v: &mut Vault, nar: Narrowing| match v.grants_mut().narrow(&old.id, &nar) {
        Err(VaultError::Grant(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refuse(&mut v, Narrowing::default()),
        GrantError::NothingToNarrow
    );
    assert_eq!(
        refuse(
            &mut v,
            Narrowing::new(vec![(Raw::Field(name("email")), Derived::AdultKr)], vec![])
        ),
        GrantError::NotDerivedFrom("email".into(), "adult_kr".into())
    );
    assert_eq!(
        refuse(
            &mut v,
            Narrowing::new(vec![(Raw::Address, Derived::City)], vec![])
        ),
        GrantError::NotReleased("address".into())
    );
    assert_eq!(
        refuse(
            &mut v,
            Narrowing::new(
                vec![],
                vec![
                    Dropped::Field(name("email")),
                    Dropped::Field(name("birthdate"))
                ]
            )
        ),
        GrantError::NarrowedToNothing
    );
    assert_eq!(v.audit().entries().expect("audit").len(), entries);
    assert_eq!(v.grants().list(None).expect("list").len(), 1);
    // A revoked grant is not narrowed.
    v.grants_mut().revoke(&old.id).expect("revoke");
    assert_eq!(
        refuse(
            &mut v,
            Narrowing::new(
                vec![(Raw::Field(name("birthdate")), Derived::Birthday)],
                vec![]
            )
        ),
        GrantError::NotActive(old.id.clone())
    );
}

#[test]
fn a_connected_brand_gets_the_narrowed_grant_through_the_outbox() {
    let (_tv, mut v, clock) = vault();
    let old = issue(&mut v, &clock, SHOP, &["email", "birthdate"]);
    let nar = Narrowing::replacing(&["birthdate".into()], "birthday").expect("review action");
    let new = v.grants_mut().narrow(&old.id, &nar).expect("narrow");

    let queued = v.outbox().for_grant(&old.id).expect("items");
    assert_eq!(queued.len(), 1, "{queued:?}");
    let item = &queued[0];
    assert_eq!(item.event, TOKEN_CLAIMS_CHANGE);
    assert_eq!(item.events_uri, EVENTS);
    assert_eq!(item.new_grant.as_deref(), Some(new.id.as_str()));
    let brand = v.brands().get(SHOP).expect("brand");
    let set = verify_set(
        &item.set,
        &SetOptions {
            audience: SHOP.into(),
            issuer: IssuerPolicy::Pinned(brand.issuer.clone()),
        },
    )
    .expect("the SET verifies");
    assert_eq!(set.grant_jti(), old.id);
    match set.event().expect("event") {
        Event::TokenClaimsChange(e) => {
            assert_eq!(e.grant, new.token);
            // The birthday lands in `birthdate` as 0000-MM-DD: that claim changed.
            assert_eq!(e.claims, ["birthdate"]);
            assert_eq!(claims(&e.grant)["birthdate"], "0000-03-14");
        }
        other => panic!("{other:?}"),
    }

    // Replacing with a fact under a new name: `claims` names the one gone and the one added.
    let nar = Narrowing::new(vec![], vec![Dropped::Derived(Derived::Birthday)]);
    let newer = v
        .grants_mut()
        .narrow(&new.id, &nar)
        .expect("drop the birthday");
    let item = v
        .outbox()
        .for_grant(&new.id)
        .expect("items")
        .pop()
        .expect("queued");
    let set = verify_set(
        &item.set,
        &SetOptions {
            audience: SHOP.into(),
            issuer: IssuerPolicy::Pinned(brand.issuer.clone()),
        },
    )
    .expect("verifies");
    match set.event().expect("event") {
        Event::TokenClaimsChange(e) => {
            assert_eq!(e.grant, newer.token);
            assert_eq!(e.claims, ["birthdate"]);
            assert!(claims(&e.grant).get("birthdate").is_none());
        }
        other => panic!("{other:?}"),
    }
}
