//! `narrow_grant` on a real vault with no window: the Review screen's `narrow` action carried
//! out as the screen calls it, the narrowed grant releasing the derived fact and not the raw
//! value, the old one revoked, and each refusal with its error kind.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{
    ChannelDto, ChannelKindDto, GrantRequestDto, GrantStateDto, NarrowDto, ReviewActionDto,
    ReviewKindDto,
};
use vouchsafe_app::{AppState, ErrorKind};

mod common;

use common::kind;

fn state() -> (tempfile::TempDir, AppState) {
    let (dir, st) = common::vault_with(&[
        ("email", "minjun@example.kr"),
        ("given_name", "민준"),
        ("birthdate", "1990-05-17"),
    ]);
    c::add_brand(&st, "acme", "Acme Coffee", None, None).expect("brand");
    (dir, st)
}

fn claims(token: &str) -> serde_json::Map<String, serde_json::Value> {
    vouchsafe_token::CompactJws::parse(token)
        .and_then(|c| c.claims())
        .expect("claims")
}

#[test]
fn the_review_narrow_action_replaces_the_birth_date() {
    let (_dir, st) = state();
    let old = c::issue_grant(
        &st,
        &GrantRequestDto {
            brand: "acme".into(),
            fields: vec!["email".into(), "given_name".into(), "birthdate".into()],
            derived: vec![],
            purpose: "birthday coupon".into(),
            purpose_category: None,
            channels: vec![ChannelDto {
                channel: "kakao".into(),
                kind: ChannelKindDto::Ad,
                allowed: true,
            }],
            night_ads: false,
            offer: None,
            expires: "90d".into(),
        },
    )
    .expect("issue");

    // The screen takes the action as the review gives it.
    let items = c::review_list(&st).expect("review");
    let raw = items
        .iter()
        .find(|i| i.kind == ReviewKindDto::RawValue)
        .expect("raw value item");
    let Some(ReviewActionDto::Narrow {
        grant,
        replace,
        with,
    }) = raw.actions.first()
    else {
        panic!("{:?}", raw.actions);
    };
    assert_eq!(grant, &old.id);
    let narrowing = NarrowDto {
        replace: replace.clone(),
        with: Some(with.clone()),
        drop: vec![],
    };
    let new = c::narrow_grant(&st, grant, &narrowing).expect("narrow");

    let got = claims(&new.token);
    assert_eq!(
        got["birthdate"], "0000-05-17",
        "the birthday, without the year"
    );
    assert_eq!(got["given_name"], "민준");
    let grants = c::list_grants(&st, Some("acme")).expect("grants");
    let state_of = |id: &str| grants.iter().find(|g| g.id == id).expect("grant").state;
    assert_eq!(state_of(&old.id), GrantStateDto::Revoked);
    assert_eq!(state_of(&new.id), GrantStateDto::Active);
    let now = grants.iter().find(|g| g.id == new.id).expect("new");
    assert_eq!(now.released, ["email", "given_name", "birthday"]);
    assert_eq!(now.purpose, "birthday coupon");
    assert_eq!(
        now.channels.consents.len(),
        1,
        "the channel consent carries over"
    );
    // Settled: the review has nothing left to say about it.
    assert!(
        c::review_list(&st)
            .expect("review")
            .iter()
            .all(|i| i.kind != ReviewKindDto::RawValue)
    );

    // Dropping a field, chosen by the consumer.
    let dropped = c::narrow_grant(
        &st,
        &new.id,
        &NarrowDto {
            replace: vec![],
            with: None,
            drop: vec!["given_name".into()],
        },
    )
    .expect("drop");
    assert!(claims(&dropped.token).get("given_name").is_none());
}

#[test]
fn refusals_have_their_error_kinds() {
    let (_dir, st) = state();
    let issued = c::issue_grant(
        &st,
        &GrantRequestDto {
            brand: "acme".into(),
            fields: vec!["email".into()],
            derived: vec![],
            purpose: "order updates".into(),
            purpose_category: None,
            channels: vec![],
            night_ads: false,
            offer: None,
            expires: "30d".into(),
        },
    )
    .expect("issue");
    let narrow = |replace: &[&str], with: Option<&str>, drop: &[&str]| {
        c::narrow_grant(
            &st,
            &issued.id,
            &NarrowDto {
                replace: replace.iter().map(|s| s.to_string()).collect(),
                with: with.map(str::to_string),
                drop: drop.iter().map(|s| s.to_string()).collect(),
            },
        )
    };
    assert_eq!(kind(narrow(&[], None, &[])), ErrorKind::InvalidInput);
    assert_eq!(kind(narrow(&["email"], None, &[])), ErrorKind::InvalidInput);
    let e = narrow(&["email"], Some("adult_kr"), &[]).expect_err("not derived");
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(
        e.message.contains("adult_kr is not derived from email"),
        "{e:?}"
    );
    assert_eq!(
        kind(narrow(&[], None, &["email"])),
        ErrorKind::InvalidInput,
        "dropping everything is revoking"
    );
    assert_eq!(
        kind(c::narrow_grant(
            &st,
            "ffffffff",
            &NarrowDto {
                replace: vec![],
                with: None,
                drop: vec!["email".into()],
            }
        )),
        ErrorKind::NotFound
    );
    c::revoke_grant(&st, &issued.id).expect("revoke");
    c::set_field(&st, "birthdate", "1990-05-17", None).expect("birthdate");
    assert_eq!(
        kind(narrow(&["email"], Some("city"), &[])),
        ErrorKind::Conflict,
        "a revoked grant is not narrowed"
    );
    assert_eq!(c::list_grants(&st, None).expect("grants").len(), 1);
}
