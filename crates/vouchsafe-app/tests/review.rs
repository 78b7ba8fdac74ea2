//! `review_list` and `review_ad_consent` on a real vault with no window: the items the Review
//! screen shows, and their actions carried out by the commands the screen calls.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{
    ChannelDto, ChannelKindDto, GrantRequestDto, GrantStateDto, ReviewActionDto, ReviewKindDto,
};
use vouchsafe_app::{AppState, ErrorKind};

mod common;

fn state() -> (tempfile::TempDir, AppState) {
    let (dir, st) =
        common::vault_with(&[("email", "minjun@example.kr"), ("birthdate", "1990-05-17")]);
    c::add_brand(&st, "acme", "Acme Coffee", None, None).expect("brand");
    (dir, st)
}

fn share(st: &AppState, fields: &[&str], purpose: &str, ads: bool, expires: &str) -> String {
    let channel = |kind, allowed| ChannelDto {
        channel: "kakao".into(),
        kind,
        allowed,
    };
    c::issue_grant(
        st,
        &GrantRequestDto {
            brand: "acme".into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            derived: vec![],
            purpose: purpose.into(),
            purpose_category: None,
            channels: vec![
                channel(ChannelKindDto::Info, true),
                channel(ChannelKindDto::Ad, ads),
            ],
            night_ads: false,
            offer: None,
            expires: expires.into(),
        },
    )
    .expect("issue")
    .id
}

#[test]
fn the_review_lists_items_with_actions_the_commands_carry_out() {
    let (_dir, st) = state();
    assert!(c::review_list(&st).expect("review").is_empty());

    let soon = share(&st, &["email"], "order updates", false, "3d");
    let coupon = share(&st, &["birthdate"], "birthday coupon", false, "90d");
    let items = c::review_list(&st).expect("review");
    let kinds: Vec<_> = items.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [ReviewKindDto::Expiring, ReviewKindDto::RawValue]);

    let expiring = &items[0];
    assert_eq!(expiring.grant_id.as_deref(), Some(soon.as_str()));
    assert_eq!(expiring.brand_name, "Acme Coffee");
    assert_eq!(expiring.message, "review.expiring");
    assert_eq!(expiring.params["days"], "3");
    let ReviewActionDto::Reissue {
        grant,
        period_days,
        until,
    } = &expiring.actions[0]
    else {
        panic!("{:?}", expiring.actions);
    };
    assert_eq!((grant.as_str(), *period_days), (soon.as_str(), 3));
    assert_eq!(
        items[1].actions[0],
        ReviewActionDto::Narrow {
            grant: coupon.clone(),
            replace: vec!["birthdate".into()],
            with: "birthday".into()
        }
    );

    // The screen's reissue: another period of the same length, after the current end.
    let now = jiff::Timestamp::now().as_second();
    let renewed = c::reissue_grant(&st, grant, Some(*until)).expect("reissue");
    let grants = c::list_grants(&st, None).expect("grants");
    let new = grants
        .iter()
        .find(|g| g.id == renewed.id)
        .expect("new grant");
    let old = grants.iter().find(|g| g.id == soon).expect("old grant");
    assert_eq!(new.state, GrantStateDto::Active);
    assert_eq!(old.state, GrantStateDto::Revoked);
    assert_eq!(new.expires_at, old.expires_at + 3 * 86_400);
    assert!(new.expires_at >= now + 6 * 86_400 - 60);
    // A three-day grant renewed for three more is still due within 14 days: the item now
    // names the new grant.
    let items = c::review_list(&st).expect("review");
    assert_eq!(items[0].kind, ReviewKindDto::Expiring);
    assert_eq!(items[0].grant_id.as_deref(), Some(renewed.id.as_str()));
    c::revoke_grant(&st, &renewed.id).expect("revoke");

    // Its revoke: nothing left to review.
    c::revoke_grant(&st, &coupon).expect("revoke");
    assert!(c::review_list(&st).expect("review").is_empty());
}

#[test]
fn advertising_consent_is_reconfirmed_or_withdrawn() {
    let (_dir, st) = state();
    let g = share(&st, &["email"], "offers", true, "800d");
    let kakao_ad = |id: &str| {
        let grants = c::list_grants(&st, None).expect("grants");
        let g = grants.iter().find(|x| x.id == id).expect("grant");
        g.channels
            .consents
            .iter()
            .find(|x| x.channel == "kakao" && x.kind == ChannelKindDto::Ad)
            .map(|x| x.allowed)
    };
    assert_eq!(kakao_ad(&g), Some(true));

    let kept = c::review_ad_consent(&st, &g, true).expect("keep").id;
    assert_eq!(kakao_ad(&kept), Some(true));
    let stopped = c::review_ad_consent(&st, &kept, false).expect("stop").id;
    assert_eq!(kakao_ad(&stopped), Some(false));
    // The replaced grants are revoked: acting on one again is refused.
    let err = c::review_ad_consent(&st, &g, true).expect_err("revoked");
    assert_eq!(err.kind, ErrorKind::Conflict);
}
