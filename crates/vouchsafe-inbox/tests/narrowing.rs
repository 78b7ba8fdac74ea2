//! A grant narrowed by the consumer (docs/protocol.md §4): a token-claims-change whose new grant
//! swaps a raw value for a fact derived from it is taken when the fact comes from a claim the
//! brand asked for; a replacement the brand refuses still withdraws the grant it replaces. And
//! the night-time advertising answer a grant carries is recorded when it arrives. Over HTTP on
//! loopback; on PostgreSQL too with `VOUCHSAFE_INBOX_TEST_PG`.

mod common;

use common::*;
use serde_json::{Value, json};
use vouchsafe_inbox::events::{CHANNEL_CONSENT_CHANGED, ERASURE_REQUESTED, TOKEN_CLAIMS_CHANGE};
use vouchsafe_inbox::store::ChannelConsent;
use vouchsafe_inbox::util;

const BRAND_RECEIPT: &str = "vnd.vouchsafe.brand-receipt+jwt";

/// A consumer who answered a request for `claims` (required) and `optional` with `profile`.
async fn delivered(
    inbox: &TestInbox,
    claims: &str,
    optional: &str,
    profile: Value,
) -> Res<(Consumer, String)> {
    let request = inbox.request(claims, optional).await?;
    let consumer = Consumer::new()?;
    let (grant, jti) = consumer.grant(inbox.origin.as_str(), Some(&request.nonce), profile, 7)?;
    let (status, body) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(status, 200, "{body}");
    Ok((consumer, jti))
}

/// The SET carrying `profile` as the new grant for `old`, its `datatypes` as given.
fn narrowed(
    inbox: &TestInbox,
    consumer: &Consumer,
    old: &str,
    profile: Value,
    datatypes: &[&str],
) -> Res<(String, String, String)> {
    let aud = inbox.origin.as_str();
    let (grant, new_jti) = consumer.grant_detailed(
        aud,
        None,
        profile,
        7,
        util::now(),
        json!({ "datatypes": datatypes }),
    )?;
    let (set, set_jti) = consumer.set(
        aud,
        old,
        TOKEN_CLAIMS_CHANGE,
        json!({"grant": grant, "claims": ["birthdate", "adult_kr"], "event_timestamp": util::now()}),
    )?;
    Ok((set, set_jti, new_jti))
}

fn birth_profile() -> Value {
    json!({
        "email": "gildong@example.com",
        "birthdate": "2001-05-04",
        "address": {"street_address": "서울특별시 마포구 월드컵북로 396", "postal_code": "03925"},
    })
}

#[tokio::test]
async fn a_fact_derived_from_a_claim_asked_for_replaces_it() -> TestResult {
    let inbox = TestInbox::start().await?;
    let (consumer, old) = delivered(
        &inbox,
        "email,birthdate",
        "address.street_address,address.postal_code",
        birth_profile(),
    )
    .await?;

    // birthdate → adult_kr, address → city, postal code dropped: less of everything.
    let less = json!({
        "email": "gildong@example.com",
        "adult_kr": true,
        "address": {"locality": "마포구", "region": "서울특별시", "country": "KR"},
    });
    let (set, set_jti, new_jti) = narrowed(
        &inbox,
        &consumer,
        &old,
        less.clone(),
        &["email", "adult_kr", "city"],
    )?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 202, "{body}");

    let old_row = inbox.store.grant(&old).await?.ok_or("old gone")?;
    assert_eq!(
        (old_row.state.as_str(), old_row.claims),
        ("replaced", None),
        "the birth date and the street are gone"
    );
    let new_row = inbox.store.grant(&new_jti).await?.ok_or("new missing")?;
    assert_eq!(new_row.claims.map(Value::Object), Some(less));
    let received = [
        "address.country",
        "address.locality",
        "address.region",
        "adult_kr",
        "email",
    ];
    assert_eq!(new_row.received, received);
    let (status, body) = inbox
        .get(&format!("/vouchsafe/events/receipts/{set_jti}"))
        .await?;
    assert_eq!(status, 200, "{body}");
    let receipt = inbox
        .verify_brand_token(body["receipt"].as_str().ok_or("receipt")?, BRAND_RECEIPT)
        .await?;
    assert_eq!(receipt["received"], json!(received));

    // Narrowed again: the year-free birthday fills the `birthdate` claim the brand asked for.
    let birthday = json!({"email": "gildong@example.com", "birthdate": "0000-05-04"});
    let (set, _, newer) = narrowed(
        &inbox,
        &consumer,
        &new_jti,
        birthday.clone(),
        &["email", "birthday"],
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    let row = inbox.store.grant(&newer).await?.ok_or("newer missing")?;
    assert_eq!(row.claims.map(Value::Object), Some(birthday));
    inbox.stop().await
}

#[tokio::test]
async fn a_fact_not_derived_from_what_was_asked_is_still_refused() -> TestResult {
    let inbox = TestInbox::start().await?;
    let aud = inbox.origin.as_str();
    // (what the brand asked, required and optional; the new grant; its datatypes; the refusal)
    let cases: [(&str, &str, Value, &[&str], &str); 4] = [
        // adult_kr comes from the birth date, which this brand never asked for.
        (
            "email",
            "address.street_address",
            json!({"email": "a@b.example", "adult_kr": true}),
            &["email", "adult_kr"],
            "claim \"adult_kr\" was not asked",
        ),
        // A claim shaped like a fact but not named as one in `datatypes`.
        (
            "email,birthdate",
            "",
            json!({"email": "a@b.example", "adult_kr": true}),
            &["email"],
            "claim \"adult_kr\" was not asked",
        ),
        // The city says more than the country alone: not derived from it.
        (
            "email",
            "address.country",
            json!({"email": "a@b.example", "address": {"locality": "마포구", "country": "KR"}}),
            &["email", "city"],
            "claim \"address.locality\" was not asked",
        ),
        // The city stands in for the street, but a raw postal code never asked for does not.
        (
            "email",
            "address.street_address",
            json!({"email": "a@b.example", "address": {"locality": "마포구", "postal_code": "03925"}}),
            &["email", "city", "address.postal_code"],
            "claim \"address.postal_code\" was not asked",
        ),
    ];
    for (claims, optional, new_profile, datatypes, refusal) in cases {
        let mut first = json!({"email": "a@b.example"});
        if claims.contains("birthdate") {
            first["birthdate"] = json!("2001-05-04");
        }
        let (consumer, old) = delivered(&inbox, claims, optional, first).await?;
        let (set, _, new_jti) = narrowed(&inbox, &consumer, &old, new_profile, datatypes)?;
        let (status, body) = inbox.event(&set).await?;
        assert_eq!(
            (status, &body["err"]),
            (400, &json!("invalid_request")),
            "{body}"
        );
        let description = body["description"].as_str().unwrap_or_default();
        assert!(description.contains(refusal), "{description}");
        assert!(inbox.store.grant(&new_jti).await?.is_none(), "{refusal}");
    }

    // At delivery the brand still decides whether a fact serves its purpose: adult_kr answering
    // a request for the birth date is refused there.
    let request = inbox.request("email,birthdate", "").await?;
    let consumer = Consumer::new()?;
    let (grant, _) = consumer.grant_detailed(
        aud,
        Some(&request.nonce),
        json!({"email": "a@b.example", "adult_kr": true}),
        1,
        util::now(),
        json!({"datatypes": ["email", "adult_kr"]}),
    )?;
    let (status, body) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap_or_default()
            .contains("\"adult_kr\" was not asked"),
        "{body}"
    );
    inbox.stop().await
}

#[tokio::test]
async fn a_refused_replacement_still_withdraws_the_grant_it_replaces() -> TestResult {
    let inbox = TestInbox::start().await?;
    let aud = inbox.origin.as_str();
    let (consumer, old) = delivered(
        &inbox,
        "email,birthdate",
        "",
        json!({"email": "a@b.example", "birthdate": "2001-05-04"}),
    )
    .await?;

    // A replacement that is not the consumer's grant changes nothing: it proves nothing.
    let stranger = Consumer::new()?;
    let (foreign, _) = stranger.grant(aud, None, json!({"email": "a@b.example"}), 7)?;
    let (set, _) = consumer.set(aud, &old, TOKEN_CLAIMS_CHANGE, json!({"grant": foreign}))?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 400, "{body}");
    let row = inbox.store.grant(&old).await?.ok_or("gone")?;
    assert_eq!(row.state.as_str(), "live", "{body}");
    assert!(row.claims.is_some());

    // The consumer narrows to adult_kr and drops the required email: refused, and the grant it
    // replaces (revoked in the consumer's vault) is withdrawn here all the same.
    let (set, set_jti, new_jti) = narrowed(
        &inbox,
        &consumer,
        &old,
        json!({"adult_kr": true}),
        &["adult_kr"],
    )?;
    let events_before = inbox.store.counts().await?.2;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(
        (status, &body["err"]),
        (400, &json!("invalid_request")),
        "{body}"
    );
    let description = body["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("required claim \"email\" is missing")
            && description.contains("withdrawn"),
        "{description}"
    );
    let row = inbox.store.grant(&old).await?.ok_or("tombstone gone")?;
    assert_eq!(
        (row.state.as_str(), row.claims.is_none()),
        ("revoked", true),
        "no value of the revoked grant is kept"
    );
    assert!(row.revoked_at.is_some() && row.erased_at.is_some());
    assert_eq!(row.received, ["birthdate", "email"], "names, never values");
    assert!(inbox.store.grant(&new_jti).await?.is_none());
    assert_eq!(
        inbox.store.counts().await?.2,
        events_before,
        "a refused event is not recorded"
    );
    let summary = vouchsafe_inbox::admin::consumers(&inbox.store, Some(&consumer.iss())).await?;
    assert_eq!(
        (summary[0].live, summary[0].revoked, summary[0].claims.len()),
        (0, 1, 0)
    );
    assert_eq!(
        inbox
            .get(&format!("/vouchsafe/events/receipts/{set_jti}"))
            .await?
            .0,
        404
    );

    // Sent again (the vault retries after any doubt): refused again, nothing more changes.
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["description"]
            .as_str()
            .unwrap_or_default()
            .contains("revoked, not live"),
        "{body}"
    );

    // The consumer may still ask for erasure of the old grant and gets a signed receipt.
    let (set, set_jti) = consumer.set(
        aud,
        &old,
        ERASURE_REQUESTED,
        json!({"requested_at": util::now(), "deadline": util::now() + 10 * 86_400,
               "status_list": consumer.status_list(&[7])?}),
    )?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 202, "{body}");
    let (status, body) = inbox
        .get(&format!("/vouchsafe/events/receipts/{set_jti}"))
        .await?;
    assert_eq!(status, 200, "{body}");
    let receipt = inbox
        .verify_brand_token(
            body["receipt"].as_str().ok_or("receipt")?,
            "vnd.vouchsafe.erasure-receipt+jwt",
        )
        .await?;
    assert_eq!(receipt["erased"], json!(["birthdate", "email"]));
    inbox.stop().await
}

/// Version 2 channels with the night-time answer, as the vault writes them.
fn channels_v2(night_ads: bool, given_at: i64) -> Value {
    json!({
        "channels": [
            {"channel": "email", "kind": "info", "allowed": true, "given_at": given_at},
            {"channel": "sms", "kind": "ad", "allowed": true, "given_at": given_at},
        ],
        "night_ads": {"allowed": night_ads, "given_at": given_at},
    })
}

#[tokio::test]
async fn the_night_time_answer_a_grant_carries_is_recorded_on_delivery() -> TestResult {
    let inbox = TestInbox::start().await?;
    let aud = inbox.origin.as_str();
    let request = inbox.request("email", "").await?;
    let consumer = Consumer::new()?;
    let given = util::now() - 100;
    let (grant, jti) = consumer.grant_detailed(
        aud,
        Some(&request.nonce),
        json!({"email": "a@b.example"}),
        1,
        util::now(),
        channels_v2(true, given),
    )?;
    let (status, body) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        inbox.store.channel_consent(&jti).await?,
        Some(ChannelConsent {
            night_ads: true,
            given_at: given
        })
    );
    let summary = vouchsafe_inbox::admin::consumers(&inbox.store, None).await?;
    assert_eq!(summary[0].night_ads, Some(true), "stated by the grant");

    // The consumer says no at night (event first, then the reissued grant, as the vault sends
    // them): the replacing grant carries the same answer and keeps it.
    let no_at = given + 50;
    let (set, _) = consumer.set(
        aud,
        &jti,
        CHANNEL_CONSENT_CHANGED,
        json!({"channels": [{"channel": "sms", "kind": "ad"}], "night_ads": false,
               "given_at": no_at}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    let (new_grant, new_jti) = consumer.grant_detailed(
        aud,
        None,
        json!({"email": "a@b.example"}),
        1,
        util::now(),
        channels_v2(false, no_at),
    )?;
    let (set, _) = consumer.set(aud, &jti, TOKEN_CLAIMS_CHANGE, json!({"grant": new_grant}))?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    let summary = vouchsafe_inbox::admin::consumers(&inbox.store, None).await?;
    assert_eq!((summary[0].live, summary[0].night_ads), (1, Some(false)));

    // A replacement carrying an older answer does not undo a later one recorded for the grant
    // it replaces.
    let later = no_at + 20;
    let (set, _) = consumer.set(
        aud,
        &new_jti,
        CHANNEL_CONSENT_CHANGED,
        json!({"channels": [{"channel": "sms", "kind": "ad"}], "night_ads": true,
               "given_at": later}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    let (stale, stale_jti) = consumer.grant_detailed(
        aud,
        None,
        json!({"email": "a@b.example"}),
        1,
        util::now(),
        channels_v2(false, no_at),
    )?;
    let (set, _) = consumer.set(aud, &new_jti, TOKEN_CLAIMS_CHANGE, json!({"grant": stale}))?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    assert_eq!(
        inbox.store.channel_consent(&stale_jti).await?,
        Some(ChannelConsent {
            night_ads: true,
            given_at: later
        })
    );
    inbox.stop().await
}
