//! docs/protocol.md, endpoint by endpoint and refusal by refusal, against the real router on
//! 127.0.0.1 over real HTTP. Run on PostgreSQL too by setting `VOUCHSAFE_INBOX_TEST_PG`.

mod common;

use common::*;
use serde_json::{Value, json};
use vouchsafe_inbox::events::{
    CHANNEL_CONSENT_CHANGED, ERASURE_REQUESTED, GRANT_REVOKED, TOKEN_CLAIMS_CHANGE,
};
use vouchsafe_inbox::util::{self, sha256_b64};
use vouchsafe_token::jws::CompactJws;

#[tokio::test]
async fn jwks_healthz_and_the_signed_request_object() -> TestResult {
    let inbox = TestInbox::start().await?;
    let (status, health) = inbox.get("/healthz").await?;
    assert_eq!((status, health), (200, json!({"status": "ok"})));
    let (status, jwks) = inbox.get("/.well-known/jwks.json").await?;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"][0]["kid"], inbox.key.kid());
    assert_eq!(jwks["keys"][0]["alg"], "EdDSA");

    let request = inbox
        .request("email,given_name", "age_over_19,address.locality")
        .await?;
    let link = request.link(&inbox.origin);
    assert!(
        link.starts_with("vouchsafe://connect?request_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{link}"
    );
    let answer = inbox
        .client
        .get(request.request_uri(&inbox.origin))
        .send()
        .await?;
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(
        answer.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/oauth-authz-req+jwt"[..])
    );
    let jwt = answer.text().await?;
    let claims = inbox
        .verify_brand_token(&jwt, "oauth-authz-req+jwt")
        .await?;
    assert_eq!(claims["client_id"], inbox.origin.as_str());
    assert_eq!(claims["iss"], inbox.origin.as_str());
    assert_eq!(claims["nonce"], request.nonce.as_str());
    assert_eq!(claims["response_mode"], "direct_post");
    assert_eq!(claims["response_uri"], inbox.url("/vouchsafe/response"));
    let exp = claims["exp"].as_i64().ok_or("exp")?;
    let iat = claims["iat"].as_i64().ok_or("iat")?;
    assert!(exp - iat <= 600);
    assert_eq!(
        claims["dcql_query"]["credentials"][0]["claims"][3],
        json!({"id": "address-locality", "path": ["address", "locality"]})
    );
    let consent = &claims["vouchsafe_consent"];
    assert_eq!(consent["items"][0]["required"], true);
    assert_eq!(
        consent["items"][1]["claims"],
        json!(["age_over_19", "address-locality"])
    );
    assert_eq!(consent["retention"], "P1Y");
    assert_eq!(
        consent["channels"][1],
        json!({"channel": "sms", "kind": "ad"})
    );
    assert_eq!(consent["events_uri"], inbox.url("/vouchsafe/events"));

    let (status, body) = inbox.get("/vouchsafe/requests/nope").await?;
    assert_eq!((status, body), (404, json!({"error": "not_found"})));
    inbox.stop().await
}

#[tokio::test]
async fn a_delivery_is_stored_and_countersigned_once() -> TestResult {
    let inbox = TestInbox::start().await?;
    let request = inbox
        .request("email,given_name", "age_over_19,address.locality")
        .await?;
    let consumer = Consumer::new()?;
    let released = json!({
        "email": "gildong@example.com", "given_name": "길동",
        "address": {"locality": "서울특별시"},
    });
    let (grant, jti) = consumer.grant(
        inbox.origin.as_str(),
        Some(&request.nonce),
        released.clone(),
        7,
    )?;
    let (status, body) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(status, 200, "{body}");
    let receipt = body["receipt"].as_str().ok_or("no receipt")?.to_owned();
    let claims = inbox
        .verify_brand_token(&receipt, "vnd.vouchsafe.brand-receipt+jwt")
        .await?;
    assert_eq!(claims["iss"], inbox.origin.as_str());
    assert_eq!(claims["aud"], consumer.iss());
    assert_eq!(
        claims["grant"],
        json!({"jti": jti, "sha256": sha256_b64(&grant)})
    );
    assert_eq!(
        claims["received"],
        json!(["address.locality", "email", "given_name"])
    );
    assert_eq!(claims["retention"]["period"], "P1Y");
    // Asked email:info and sms:ad; the grant allows email only.
    assert_eq!(
        claims["channels"],
        json!([{"channel": "email", "kind": "info"}])
    );
    assert_eq!(claims["events_uri"], inbox.url("/vouchsafe/events"));

    // A lost answer: the vault posts the same grant again and gets the same receipt.
    let (status, again) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(
        (status, again["receipt"].as_str()),
        (200, Some(receipt.as_str()))
    );
    // The request is answered: its object is gone.
    let (status, _) = inbox
        .get(&format!("/vouchsafe/requests/{}", request.id))
        .await?;
    assert_eq!(status, 410);

    let consumers = vouchsafe_inbox::admin::consumers(&inbox.store, None).await?;
    assert_eq!(consumers.len(), 1);
    assert_eq!(consumers[0].id, consumer.iss());
    assert_eq!(Value::Object(consumers[0].claims.clone()), released);
    assert_eq!((consumers[0].live, consumers[0].revoked), (1, 0));
    assert_eq!(inbox.store.counts().await?, (1, 1, 0));
    inbox.stop().await
}

async fn refused(
    inbox: &TestInbox,
    grant: &str,
    state: &str,
    error: &str,
    contains: &str,
) -> TestResult {
    let (status, body) = inbox.deliver(grant, state).await?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(
        description.contains(contains),
        "{description:?} lacks {contains:?}"
    );
    Ok(())
}

#[tokio::test]
async fn every_delivery_refusal_names_its_reason() -> TestResult {
    let inbox = TestInbox::start().await?;
    let aud = inbox.origin.as_str();
    let consumer = Consumer::new()?;
    let request = inbox.request("email,given_name", "age_over_19").await?;
    let nonce = Some(request.nonce.as_str());

    let (grant, _) = consumer.grant(aud, nonce, profile(), 1)?;
    refused(
        &inbox,
        &tamper_signature(&grant)?,
        &request.state,
        "invalid_grant",
        "signature",
    )
    .await?;
    let (grant, _) = consumer.grant("https://other.example", nonce, profile(), 1)?;
    refused(&inbox, &grant, &request.state, "invalid_request", "aud").await?;
    let (grant, _) = consumer.grant(aud, Some("never-issued"), profile(), 1)?;
    refused(
        &inbox,
        &grant,
        &request.state,
        "invalid_request",
        "unknown nonce",
    )
    .await?;
    let (grant, _) = consumer.grant(aud, None, profile(), 1)?;
    refused(
        &inbox,
        &grant,
        &request.state,
        "invalid_request",
        "no nonce",
    )
    .await?;
    let (grant, _) = consumer.grant(
        aud,
        nonce,
        json!({"email": "a@b.example", "given_name": "A", "phone_number": "+82"}),
        1,
    )?;
    refused(
        &inbox,
        &grant,
        &request.state,
        "invalid_request",
        "\"phone_number\" was not asked",
    )
    .await?;
    let (grant, _) = consumer.grant(
        aud,
        nonce,
        json!({"email": "a@b.example", "given_name": "A", "address": {"locality": "x"}}),
        1,
    )?;
    refused(
        &inbox,
        &grant,
        &request.state,
        "invalid_request",
        "\"address.locality\" was not asked",
    )
    .await?;
    let (grant, _) = consumer.grant(
        aud,
        nonce,
        json!({"email": "a@b.example", "age_over_19": true}),
        1,
    )?;
    refused(
        &inbox,
        &grant,
        &request.state,
        "invalid_request",
        "required claim \"given_name\" is missing",
    )
    .await?;
    let (grant, _) = consumer.grant(aud, nonce, profile(), 1)?;
    refused(&inbox, &grant, "another-state", "invalid_request", "state").await?;
    refused(
        &inbox,
        "not.a.jwt",
        &request.state,
        "invalid_request",
        "grant refused",
    )
    .await?;

    // Nothing above consumed the nonce; the right grant still goes through, once.
    let (status, _) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(status, 200);
    let (other, _) = consumer.grant(aud, nonce, profile(), 2)?;
    refused(
        &inbox,
        &other,
        &request.state,
        "invalid_request",
        "already answered",
    )
    .await?;

    let expired = inbox.request_ttl("email", "", -5).await?;
    let (grant, _) = consumer.grant(
        aud,
        Some(&expired.nonce),
        json!({"email": "a@b.example"}),
        3,
    )?;
    refused(&inbox, &grant, &expired.state, "invalid_request", "expired").await?;

    // Malformed bodies.
    for (body, contains) in [
        ("state=x", "vp_token is missing"),
        ("vp_token=%7B&state=x", "vp_token is not JSON"),
        (
            "vp_token=%7B%22profile%22%3A%5B%5D%7D&state=x",
            "vp_token must be",
        ),
        ("vp_token=1&vp_token=2&state=x", "more than once"),
    ] {
        let (status, answer) = inbox.post_form(body).await?;
        assert_eq!(status, 400, "{body}");
        assert!(
            answer["error_description"]
                .as_str()
                .unwrap_or_default()
                .contains(contains),
            "{answer}"
        );
    }
    let big = format!("vp_token={}&state=x", "a".repeat(70 * 1024));
    let (status, answer) = inbox.post_form(&big).await?;
    assert_eq!(
        (status, &answer["error_description"]),
        (400, &json!("body larger than 64 KiB"))
    );
    let wrong_type = inbox
        .client
        .post(inbox.url("/vouchsafe/response"))
        .json(&json!({}))
        .send()
        .await?;
    assert_eq!(wrong_type.status().as_u16(), 400);
    assert_eq!(inbox.store.counts().await?.1, 1, "exactly one grant stored");
    inbox.stop().await
}

/// A grant issued while its request was open, arriving after the request expired (the vault
/// queued it while the inbox was down), is still taken, once; one issued after the request
/// expired never is (`every_delivery_refusal_names_its_reason`), nor one whose request expired more than 30 days ago.
#[tokio::test]
async fn a_grant_issued_in_time_may_arrive_late() -> TestResult {
    let inbox = TestInbox::start().await?;
    let aud = inbox.origin.as_str();
    let consumer = Consumer::new()?;

    let late = inbox.request_ttl("email", "", -3_600).await?;
    let issued_in_time = util::now() - 2 * 3_600;
    let (grant, _) = consumer.grant_issued_at(
        aud,
        Some(&late.nonce),
        json!({"email": "late@b.example"}),
        4,
        issued_in_time,
    )?;
    let (status, answer) = inbox.deliver(&grant, &late.state).await?;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["receipt"].is_string(), "{answer}");
    let (again, _) = consumer.grant_issued_at(
        aud,
        Some(&late.nonce),
        json!({"email": "late2@b.example"}),
        5,
        issued_in_time,
    )?;
    refused(
        &inbox,
        &again,
        &late.state,
        "invalid_request",
        "already answered",
    )
    .await?;
    let stale = inbox.request_ttl("email", "", -31 * 86_400).await?;
    let (grant, _) = consumer.grant_issued_at(
        aud,
        Some(&stale.nonce),
        json!({"email": "stale@b.example"}),
        6,
        util::now() - 32 * 86_400,
    )?;
    refused(&inbox, &grant, &stale.state, "invalid_request", "expired").await?;
    assert_eq!(inbox.store.counts().await?.1, 1, "the late grant, once");
    inbox.stop().await
}

/// Delivers a fresh grant; returns (consumer, grant jti).
async fn delivered(inbox: &TestInbox, idx: u64) -> Res<(Consumer, String)> {
    let request = inbox
        .request("email,given_name", "address.locality")
        .await?;
    let consumer = Consumer::new()?;
    let (grant, jti) =
        consumer.grant(inbox.origin.as_str(), Some(&request.nonce), profile(), idx)?;
    let (status, body) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(status, 200, "{body}");
    Ok((consumer, jti))
}

#[tokio::test]
async fn revocation_erases_the_claims_and_yields_a_signed_receipt() -> TestResult {
    let inbox = TestInbox::start().await?;
    let aud = inbox.origin.as_str();
    let (consumer, grant) = delivered(&inbox, 5).await?;
    let revoked_at = util::now();
    let (set, set_jti) = consumer.set(
        aud,
        &grant,
        GRANT_REVOKED,
        json!({"revoked_at": revoked_at, "status_list": consumer.status_list(&[5])?}),
    )?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 202, "{body}");

    let stored = inbox.store.grant(&grant).await?.ok_or("grant gone")?;
    assert_eq!(stored.claims, None, "claims deleted");
    assert_eq!(stored.state.as_str(), "revoked");
    assert_eq!(
        stored.received,
        vec!["email", "given_name"],
        "tombstone keeps names"
    );
    assert!(stored.erased_at.is_some());

    let (status, body) = inbox
        .get(&format!("/vouchsafe/events/receipts/{set_jti}"))
        .await?;
    assert_eq!(status, 200);
    let receipt = body["receipt"].as_str().ok_or("no receipt")?;
    let claims = inbox
        .verify_brand_token(receipt, "vnd.vouchsafe.erasure-receipt+jwt")
        .await?;
    assert_eq!(claims["event"], set_jti.as_str());
    assert_eq!(claims["grant"], grant.as_str());
    assert_eq!(claims["aud"], consumer.iss());
    assert_eq!(claims["erased"], json!(["email", "given_name"]));
    assert_eq!(claims["requested_at"], revoked_at);
    assert!(claims["erased_at"].as_i64() >= Some(revoked_at));

    // Replayed: 202 again, nothing changes, same receipt.
    let before = inbox.store.counts().await?;
    let (status, _) = inbox.event(&set).await?;
    assert_eq!(status, 202);
    assert_eq!(inbox.store.counts().await?, before);
    let (_, again) = inbox
        .get(&format!("/vouchsafe/events/receipts/{set_jti}"))
        .await?;
    assert_eq!(again["receipt"].as_str(), Some(receipt));

    let (status, body) = inbox.get("/vouchsafe/events/receipts/never-sent").await?;
    assert_eq!((status, body), (404, json!({"error": "not_found"})));
    inbox.stop().await
}

#[tokio::test]
async fn erasure_request_erases_and_is_receipted() -> TestResult {
    let inbox = TestInbox::start().await?;
    let (consumer, grant) = delivered(&inbox, 9).await?;
    let now = util::now();
    let (set, set_jti) = consumer.set(inbox.origin.as_str(), &grant, ERASURE_REQUESTED,
        json!({"requested_at": now, "deadline": now + 10 * 86_400, "status_list": consumer.status_list(&[9])?}))?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 202, "{body}");
    let stored = inbox.store.grant(&grant).await?.ok_or("gone")?;
    assert_eq!(
        (stored.state.as_str(), stored.claims.is_none()),
        ("erased", true)
    );
    let (status, _) = inbox
        .get(&format!("/vouchsafe/events/receipts/{set_jti}"))
        .await?;
    assert_eq!(status, 200);
    inbox.stop().await
}

async fn event_refused(inbox: &TestInbox, set: &str, err: &str, contains: &str) -> TestResult {
    let (status, body) = inbox.event(set).await?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["err"], err, "{body}");
    let description = body["description"].as_str().unwrap_or_default();
    assert!(
        description.contains(contains),
        "{description:?} lacks {contains:?}"
    );
    Ok(())
}

#[tokio::test]
async fn every_event_refusal_uses_the_rfc_8935_codes() -> TestResult {
    let inbox = TestInbox::start().await?;
    let aud = inbox.origin.as_str();
    let (consumer, grant) = delivered(&inbox, 3).await?;
    let list = consumer.status_list(&[3])?;
    let revoke = json!({"revoked_at": util::now(), "status_list": list});

    let stranger = Consumer::new()?;
    let (set, _) = stranger.set(aud, &grant, GRANT_REVOKED, revoke.clone())?;
    event_refused(
        &inbox,
        &set,
        "invalid_key",
        "not signed by the key of the grant's consumer",
    )
    .await?;
    let (set, _) = consumer.set(aud, "unknown-grant", GRANT_REVOKED, revoke.clone())?;
    event_refused(&inbox, &set, "invalid_issuer", "unknown grant").await?;
    let (set, _) = consumer.set(
        "https://other.example",
        &grant,
        GRANT_REVOKED,
        revoke.clone(),
    )?;
    event_refused(&inbox, &set, "invalid_audience", "aud").await?;
    let (set, _) = consumer.set(aud, &grant, GRANT_REVOKED, revoke.clone())?;
    event_refused(&inbox, &tamper_signature(&set)?, "invalid_key", "signature").await?;
    let (set, _) = consumer.set(aud, &grant, "urn:example:unknown", json!({}))?;
    event_refused(&inbox, &set, "invalid_request", "unknown event type").await?;
    // A list that does not show the grant revoked, and one signed by someone else.
    let (set, _) = consumer.set(
        aud,
        &grant,
        GRANT_REVOKED,
        json!({"revoked_at": util::now(), "status_list": consumer.status_list(&[])?}),
    )?;
    event_refused(&inbox, &set, "invalid_request", "still valid").await?;
    let (set, _) = consumer.set(
        aud,
        &grant,
        GRANT_REVOKED,
        json!({"revoked_at": util::now(), "status_list": stranger.status_list(&[3])?}),
    )?;
    event_refused(&inbox, &set, "invalid_key", "status_list").await?;
    event_refused(&inbox, "not a jwt", "invalid_request", "not a SET").await?;
    let big = "a".repeat(70 * 1024);
    event_refused(&inbox, &big, "invalid_request", "64 KiB").await?;
    let wrong_type = inbox
        .client
        .post(inbox.url("/vouchsafe/events"))
        .body(set.clone())
        .send()
        .await?;
    assert_eq!(wrong_type.status().as_u16(), 400);

    let stored = inbox.store.grant(&grant).await?.ok_or("gone")?;
    assert_eq!(
        stored.state.as_str(),
        "live",
        "no refused event changed anything"
    );
    assert!(stored.claims.is_some());
    assert_eq!(inbox.store.counts().await?.2, 0);
    inbox.stop().await
}

#[tokio::test]
async fn a_claims_change_replaces_the_grant_and_channel_consent_changes() -> TestResult {
    let inbox = TestInbox::start().await?;
    let aud = inbox.origin.as_str();
    let (consumer, old) = delivered(&inbox, 4).await?;

    let moved = json!({"email": "gildong@example.com", "given_name": "길동", "address": {"locality": "부산광역시"}});
    let (new_grant, new_jti) = consumer.grant(aud, None, moved.clone(), 4)?;
    let (set, set_jti) = consumer.set(
        aud,
        &old,
        TOKEN_CLAIMS_CHANGE,
        json!({"grant": new_grant, "claims": ["address"], "event_timestamp": util::now()}),
    )?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 202, "{body}");
    let old_row = inbox.store.grant(&old).await?.ok_or("old gone")?;
    assert_eq!(
        (old_row.state.as_str(), old_row.claims.is_none()),
        ("replaced", true)
    );
    let new_row = inbox.store.grant(&new_jti).await?.ok_or("new missing")?;
    assert_eq!(new_row.claims.map(Value::Object), Some(moved.clone()));
    let summary = vouchsafe_inbox::admin::consumers(&inbox.store, Some(&consumer.iss())).await?;
    assert_eq!((summary[0].live, summary[0].replaced), (1, 1));
    // The new grant's brand receipt is fetched by the event id.
    let (status, body) = inbox
        .get(&format!("/vouchsafe/events/receipts/{set_jti}"))
        .await?;
    assert_eq!(status, 200);
    let receipt = inbox
        .verify_brand_token(
            body["receipt"].as_str().ok_or("receipt")?,
            "vnd.vouchsafe.brand-receipt+jwt",
        )
        .await?;
    assert_eq!(receipt["grant"]["jti"], new_jti.as_str());

    // A replacement signed by another consumer's key is refused even inside a valid SET.
    let stranger = Consumer::new()?;
    let (foreign, _) = stranger.grant(aud, None, moved, 4)?;
    let (set, _) = consumer.set(
        aud,
        &new_jti,
        TOKEN_CLAIMS_CHANGE,
        json!({"grant": foreign}),
    )?;
    event_refused(&inbox, &set, "invalid_request", "grant refused").await?;

    // Channel consent: the consumer now allows SMS ads too; the brand only gets what it asked.
    let (set, _) = consumer.set(
        aud,
        &new_jti,
        CHANNEL_CONSENT_CHANGED,
        json!({
        "channels": [{"channel": "sms", "kind": "ad"}, {"channel": "push", "kind": "ad"}],
        "night_ads": false, "given_at": util::now()}),
    )?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 202, "{body}");
    let row = inbox.store.grant(&new_jti).await?.ok_or("gone")?;
    assert_eq!(
        serde_json::to_value(&row.channels)?,
        json!([{"channel": "sms", "kind": "ad"}])
    );

    // A replacement releasing something never asked for is refused; the grant it
    // replaces is withdrawn all the same (last here: it leaves no live grant).
    let (bad_grant, _) = consumer.grant(
        aud,
        None,
        json!({"email": "x@y.example", "given_name": "x", "phone_number": "1"}),
        4,
    )?;
    let (set, _) = consumer.set(
        aud,
        &new_jti,
        TOKEN_CLAIMS_CHANGE,
        json!({"grant": bad_grant}),
    )?;
    event_refused(&inbox, &set, "invalid_request", "not asked").await?;
    let row = inbox.store.grant(&new_jti).await?.ok_or("gone")?;
    assert_eq!((row.state.as_str(), row.claims), ("revoked", None));
    inbox.stop().await
}

#[tokio::test]
async fn admin_api_needs_the_bearer_token() -> TestResult {
    let inbox = TestInbox::start().await?;
    let (consumer, grant) = delivered(&inbox, 1).await?;
    let get = |path: &str, token: Option<&str>| {
        let mut req = inbox.client.get(inbox.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(get("/admin/consumers", None).await?.status().as_u16(), 401);
    assert_eq!(
        get("/admin/consumers", Some("wrong-token-wrong-token"))
            .await?
            .status()
            .as_u16(),
        401
    );
    let list: Value = get("/admin/consumers", Some(ADMIN_TOKEN))
        .await?
        .json()
        .await?;
    assert_eq!(list["consumers"][0]["id"], consumer.iss());
    assert_eq!(list["consumers"][0]["claims"], profile());
    let one = get(
        &format!("/admin/consumers/{}", consumer.iss()),
        Some(ADMIN_TOKEN),
    )
    .await?;
    assert_eq!(one.status().as_u16(), 200);
    let csv = get("/admin/export.csv", Some(ADMIN_TOKEN))
        .await?
        .text()
        .await?;
    assert!(
        csv.lines().nth(1).is_some_and(|l| l.contains(&grant)),
        "{csv}"
    );
    let openapi: Value = get("/admin/openapi.json", Some(ADMIN_TOKEN))
        .await?
        .json()
        .await?;
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"]["/admin/consumers"].is_object());
    inbox.stop().await
}

#[tokio::test]
async fn the_rate_limit_answers_429_per_address() -> TestResult {
    let inbox = TestInbox::start_with(Some(2)).await?;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(inbox.get("/healthz").await?.0);
    }
    assert_eq!(&statuses[..4], &[200, 200, 200, 200]);
    assert!(statuses.contains(&429), "{statuses:?}");
    inbox.stop().await
}

#[test]
fn plain_http_to_a_non_loopback_origin_is_refused() {
    use vouchsafe_inbox::{Origin, OriginError};
    assert!(matches!(
        Origin::parse("http://shop.example"),
        Err(OriginError::HttpNotLoopback(_))
    ));
    assert!(matches!(
        Origin::parse("http://localhost:8080"),
        Err(OriginError::HttpNotLoopback(_))
    ));
    assert!(Origin::parse("http://127.0.0.1:8080").is_ok());
}

#[test]
fn a_request_jwt_is_a_compact_jws() -> TestResult {
    // Guard for the helper itself: tampering changes only the signature.
    let consumer = Consumer::new()?;
    let (grant, _) = consumer.grant("https://a.example", Some("n"), profile(), 0)?;
    let tampered = tamper_signature(&grant)?;
    assert_ne!(grant, tampered);
    assert_eq!(
        CompactJws::parse(&tampered)?.payload(),
        CompactJws::parse(&grant)?.payload()
    );
    Ok(())
}
