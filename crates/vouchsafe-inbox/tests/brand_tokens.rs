//! What the inbox signs passes the vault's checks in `vouchsafe-verify` (`brand`), with the
//! JWKS the inbox serves: the request object, the brand receipt and the erasure receipt. This is
//! the contract the vault side (`vouchsafe connect`) relies on.

mod common;

use common::*;
use serde_json::json;
use vouchsafe_inbox::events::GRANT_REVOKED;
use vouchsafe_inbox::util::{self, sha256_b64};
use vouchsafe_verify::brand::{
    BrandJwks, verify_brand_receipt, verify_erasure_receipt, verify_request_object,
};

#[tokio::test]
async fn the_inbox_tokens_verify_with_the_verify_crate() -> TestResult {
    let inbox = TestInbox::start().await?;
    let origin = inbox.origin.as_str();
    let jwks = inbox
        .client
        .get(inbox.url("/.well-known/jwks.json"))
        .send()
        .await?
        .bytes()
        .await?;
    let jwks = BrandJwks::from_slice(&jwks)?;

    let request = inbox
        .request("email,given_name", "age_over_19,address.locality")
        .await?;
    let object = verify_request_object(&request.jwt, &jwks, origin, util::now())?;
    assert_eq!(object.nonce, request.nonce);
    assert_eq!(object.vouchsafe_consent.items.len(), 2);
    assert!(
        verify_request_object(&request.jwt, &jwks, "https://other.example", util::now()).is_err()
    );

    let consumer = Consumer::new()?;
    let (grant, jti) = consumer.grant(origin, Some(&request.nonce), profile(), 2)?;
    let (status, body) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(status, 200, "{body}");
    let receipt = verify_brand_receipt(body["receipt"].as_str().ok_or("receipt")?, &jwks, origin)?;
    assert_eq!(
        (
            receipt.grant.jti.as_str(),
            receipt.grant.sha256.clone(),
            receipt.aud.clone()
        ),
        (jti.as_str(), sha256_b64(&grant), consumer.iss())
    );

    let (set, set_jti) = consumer.set(
        origin,
        &jti,
        GRANT_REVOKED,
        json!({"revoked_at": util::now(), "status_list": consumer.status_list(&[2])?}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    let (_, body) = inbox
        .get(&format!("/vouchsafe/events/receipts/{set_jti}"))
        .await?;
    let erasure =
        verify_erasure_receipt(body["receipt"].as_str().ok_or("receipt")?, &jwks, origin)?;
    assert_eq!((erasure.event, erasure.grant), (set_jti, jti));
    inbox.stop().await
}
