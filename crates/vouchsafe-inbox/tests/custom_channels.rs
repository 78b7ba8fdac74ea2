//! A brand asking for a `custom.NAME` channel (docs/grant-token.md), end to end over real
//! HTTP: `request new --channels` accepts it, the signed request carries it, and a grant whose
//! version 2 consent allows it makes the brand receipt list it as a channel the brand may use.
//! A NAME outside the documented form is refused before anything is stored.

mod common;

use common::*;
use serde_json::json;
use vouchsafe_inbox::request::{
    ConsentItem, RequestSpec, SpecError, new_request, parse_channels, parse_claims,
};
use vouchsafe_inbox::util;
use vouchsafe_token::GRANT_TYP;
use vouchsafe_token::jws::{self, CompactJws};

fn spec(channels: &str) -> Res<RequestSpec> {
    let text = |t: &str| [("en".to_owned(), t.to_owned())].into();
    Ok(RequestSpec {
        items: vec![ConsentItem {
            claims: parse_claims("email")?,
            required: true,
            purpose: text("send the coupon"),
        }],
        purpose_category: "https://w3id.org/dpv#ServicePersonalisation".into(),
        retention: "P1Y".into(),
        channels: parse_channels(channels)?,
        offer: text("a free americano"),
        refusal: text("no coupon without email"),
        client_name: None,
    })
}

#[tokio::test]
async fn a_custom_channel_is_asked_and_granted() -> TestResult {
    let inbox = TestInbox::start().await?;
    let record = new_request(
        spec("email:info,custom.line:info,custom.line:ad")?,
        &inbox.origin,
        &inbox.key,
        util::now(),
        600,
    )?;
    inbox.store.insert_request(&record).await?;
    // The request object the vault fetches names the channel as asked.
    let asked = CompactJws::parse(&record.jwt)?.claims()?;
    assert_eq!(
        asked["vouchsafe_consent"]["channels"],
        json!([
            {"channel": "email", "kind": "info"},
            {"channel": "custom.line", "kind": "info"},
            {"channel": "custom.line", "kind": "ad"},
        ])
    );

    // The consumer allows LINE for notices, not for ads, and says nothing about email.
    let consumer = Consumer::new()?;
    let now = util::now();
    let jti = util::random_id(16)?;
    let claims = json!({
        "iss": consumer.iss(), "sub": consumer.iss(), "aud": inbox.origin.as_str(),
        "iat": now, "nbf": now, "exp": now + 86_400, "jti": jti, "nonce": record.nonce,
        "status": {"status_list": {"idx": 3, "uri": consumer.status_uri}},
        "authorization_details": [{
            "type": "vouchsafe_profile_release",
            "datatypes": ["email"],
            "purpose": "send the coupon",
            "purpose_category": "https://w3id.org/dpv#ServicePersonalisation",
            "channels": [
                {"channel": "custom.line", "kind": "info", "allowed": true, "given_at": now},
                {"channel": "custom.line", "kind": "ad", "allowed": false, "given_at": now},
            ],
            "night_ads": {"allowed": false, "given_at": now},
        }],
        "email": "gildong@example.com",
    });
    let grant = jws::sign_compact(
        &jws::header_for(GRANT_TYP, &consumer.jwk),
        &claims,
        &consumer.key,
    )?;
    let (status, body) = inbox.deliver(&grant, &record.state).await?;
    assert_eq!(status, 200, "{body}");
    let receipt = inbox
        .verify_brand_token(
            body["receipt"].as_str().ok_or("no receipt")?,
            "vnd.vouchsafe.brand-receipt+jwt",
        )
        .await?;
    assert_eq!(
        receipt["channels"],
        json!([{"channel": "custom.line", "kind": "info"}])
    );
    inbox.stop().await
}

#[test]
fn a_custom_name_outside_the_documented_form_is_refused() -> TestResult {
    for bad in [
        "custom.Line:info",
        "custom.line-app:info",
        "custom.:ad",
        "custom.9line:info",
    ] {
        assert!(
            matches!(parse_channels(bad), Err(SpecError::Channel(_))),
            "{bad}"
        );
    }
    // A spec built in code is checked the same way before it is signed.
    let mut s = spec("email:info")?;
    s.channels[0].channel = "custom.Line".into();
    assert_eq!(s.validate(), Err(SpecError::Channel("custom.Line".into())));
    Ok(())
}
