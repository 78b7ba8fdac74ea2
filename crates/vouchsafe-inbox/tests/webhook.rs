//! The CRM webhook against a real HTTP receiver on loopback that refuses every message once
//! (500) and accepts it the second time: every verified change arrives, retried, signed the
//! Standard Webhooks way, with the same `webhook-id` on each attempt (so the CRM can
//! deduplicate), and the outbox is empty afterwards. On PostgreSQL too with
//! `VOUCHSAFE_INBOX_TEST_PG`.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use vouchsafe_inbox::events::{
    CHANNEL_CONSENT_CHANGED, ERASURE_REQUESTED, GRANT_REVOKED, TOKEN_CLAIMS_CHANGE,
};
use vouchsafe_inbox::util;

/// 32 bytes, base64: a test-only secret.
const SECRET: &str = "whsec_dGVzdC1vbmx5LXdlYmhvb2stc2VjcmV0LTMyYnl0ZXM=";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    body: String,
    answered: u16,
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Receiver {
    fn snapshot(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Bodies of the messages acknowledged with 200, by `webhook-id`.
    fn delivered(&self) -> BTreeMap<String, Value> {
        self.snapshot()
            .into_iter()
            .filter(|s| s.answered == 200)
            .filter_map(|s| Some((s.id, serde_json::from_str(&s.body).ok()?)))
            .collect()
    }
}

/// The CRM: checks the signature exactly as docs/inbox.md tells a CRM to, answers 500 to the
/// first attempt of each message and 200 to the next.
async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let Some(key) = SECRET
        .strip_prefix("whsec_")
        .and_then(|k| STANDARD.decode(k).ok())
    else {
        return StatusCode::UNAUTHORIZED;
    };
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return StatusCode::UNAUTHORIZED;
    };
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (t - util::now()).abs() < 300);
    if signature.split(' ').all(|s| s != expected) || !fresh {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(mut seen) = receiver.seen.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    let answered = if seen.iter().any(|s| s.id == id) {
        200
    } else {
        500
    };
    seen.push(Seen { id, body, answered });
    StatusCode::from_u16(answered).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

async fn start_receiver() -> Res<(String, Receiver)> {
    start_receiver_on(0).await
}

async fn start_receiver_on(port: u16) -> Res<(String, Receiver)> {
    let receiver = Receiver::default();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}/hooks/vouchsafe", listener.local_addr()?);
    let app = axum::Router::new()
        .route("/hooks/vouchsafe", axum::routing::post(hook))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, receiver))
}

/// Waits until a message of `kind` about `grant` was acknowledged; returns its body.
async fn arrived(receiver: &Receiver, kind: &str, grant: &str) -> Res<Value> {
    for _ in 0..200 {
        let found = receiver
            .delivered()
            .into_values()
            .find(|b| b["type"] == kind && b["data"]["grant"] == grant);
        if let Some(body) = found {
            return Ok(body);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "no {kind} for {grant} within 20 s: {:?}",
        receiver.snapshot()
    )
    .into())
}

#[tokio::test]
async fn every_change_reaches_the_crm_retried_and_deduplicable() -> TestResult {
    let (url, receiver) = start_receiver().await?;
    let inbox = TestInbox::start_with_webhook(&url, SECRET).await?;
    let aud = inbox.origin.as_str();

    // 1. New data.
    let request = inbox
        .request("email,given_name", "address.locality")
        .await?;
    let consumer = Consumer::new()?;
    let (grant, jti) = consumer.grant(aud, Some(&request.nonce), profile(), 1)?;
    assert_eq!(inbox.deliver(&grant, &request.state).await?.0, 200);
    let body = arrived(&receiver, "grant.received", &jti).await?;
    assert_eq!(body["data"]["consumer"], consumer.iss());
    assert_eq!(body["data"]["claims"], profile());
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));

    // 2. Update ("move house").
    let moved = json!({"email": "gildong@example.com", "given_name": "길동",
        "address": {"locality": "부산광역시"}});
    let (new_grant, new_jti) = consumer.grant(aud, None, moved.clone(), 1)?;
    let (set, set_jti) = consumer.set(
        aud,
        &jti,
        TOKEN_CLAIMS_CHANGE,
        json!({"grant": new_grant, "claims": ["address"], "event_timestamp": util::now()}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    let body = arrived(&receiver, "grant.updated", &new_jti).await?;
    assert_eq!(
        (
            &body["data"]["replaces"],
            &body["data"]["event"],
            &body["data"]["claims"]
        ),
        (&json!(jti), &json!(set_jti), &moved)
    );

    // 3. Channel consent, night-time advertising included.
    let (set, _) = consumer.set(
        aud,
        &new_jti,
        CHANNEL_CONSENT_CHANGED,
        json!({"channels": [{"channel": "sms", "kind": "ad"}], "night_ads": true,
               "given_at": util::now()}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    let body = arrived(&receiver, "grant.channels_changed", &new_jti).await?;
    assert_eq!(
        body["data"]["channels"],
        json!([{"channel": "sms", "kind": "ad"}])
    );
    assert_eq!(body["data"]["night_ads"], true);

    // 4. Revocation: the CRM is told what to delete, never the values.
    let (set, _) = consumer.set(
        aud,
        &new_jti,
        GRANT_REVOKED,
        json!({"revoked_at": util::now(), "status_list": consumer.status_list(&[1])?}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    let body = arrived(&receiver, "grant.revoked", &new_jti).await?;
    assert_eq!(
        body["data"]["erased"],
        json!(["address.locality", "email", "given_name"])
    );
    assert!(body["data"].get("claims").is_none());

    // 5. An erasure request on another consumer's grant.
    let request = inbox.request("email,given_name", "").await?;
    let other = Consumer::new()?;
    let (grant, other_jti) = other.grant(aud, Some(&request.nonce), profile(), 2)?;
    assert_eq!(inbox.deliver(&grant, &request.state).await?.0, 200);
    arrived(&receiver, "grant.received", &other_jti).await?;
    let now = util::now();
    let (set, _) = other.set(
        aud,
        &other_jti,
        ERASURE_REQUESTED,
        json!({"requested_at": now, "deadline": now + 864_000, "status_list": other.status_list(&[2])?}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    arrived(&receiver, "grant.erased", &other_jti).await?;

    // Every message was refused once and accepted once, under the same id and the same body.
    let seen = receiver.snapshot();
    let delivered = receiver.delivered();
    assert_eq!(delivered.len(), 6, "{seen:?}");
    for (id, body) in &delivered {
        let attempts: Vec<&Seen> = seen.iter().filter(|s| &s.id == id).collect();
        assert_eq!(
            attempts.iter().map(|s| s.answered).collect::<Vec<_>>(),
            vec![500, 200],
            "{id}"
        );
        assert!(
            attempts
                .iter()
                .all(|s| serde_json::from_str::<Value>(&s.body).ok().as_ref() == Some(body))
        );
    }
    // Acknowledged messages leave the outbox.
    for _ in 0..50 {
        if inbox.store.outbox_len().await? == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(inbox.store.outbox_len().await?, 0);
    inbox.stop().await
}

/// A replacement the brand refuses still withdraws the grant it replaces (docs/protocol.md §4):
/// the CRM is told to delete its copy, as for a revocation.
#[tokio::test]
async fn a_refused_replacement_tells_the_crm_to_delete_the_old_grant() -> TestResult {
    let (url, receiver) = start_receiver().await?;
    let inbox = TestInbox::start_with_webhook(&url, SECRET).await?;
    let aud = inbox.origin.as_str();
    let request = inbox.request("email,given_name", "").await?;
    let consumer = Consumer::new()?;
    let (grant, jti) = consumer.grant(aud, Some(&request.nonce), profile(), 1)?;
    assert_eq!(inbox.deliver(&grant, &request.state).await?.0, 200);
    arrived(&receiver, "grant.received", &jti).await?;

    // The required given_name dropped: refused.
    let (new_grant, _) = consumer.grant(aud, None, json!({"email": "gildong@example.com"}), 1)?;
    let at = util::now() - 5;
    let (set, set_jti) = consumer.set(
        aud,
        &jti,
        TOKEN_CLAIMS_CHANGE,
        json!({"grant": new_grant, "claims": ["given_name"], "event_timestamp": at}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 400);
    let body = arrived(&receiver, "grant.revoked", &jti).await?;
    assert_eq!(
        (
            &body["data"]["erased"],
            &body["data"]["event"],
            &body["data"]["requested_at"]
        ),
        (&json!(["email", "given_name"]), &json!(set_jti), &json!(at))
    );
    assert!(body["data"].get("claims").is_none());
    inbox.stop().await
}

#[tokio::test]
async fn without_a_webhook_nothing_is_queued() -> TestResult {
    let inbox = TestInbox::start().await?;
    let request = inbox.request("email,given_name", "").await?;
    let consumer = Consumer::new()?;
    let (grant, _) = consumer.grant(inbox.origin.as_str(), Some(&request.nonce), profile(), 1)?;
    assert_eq!(inbox.deliver(&grant, &request.state).await?.0, 200);
    assert_eq!(inbox.store.outbox_len().await?, 0);
    inbox.stop().await
}

#[tokio::test]
async fn a_change_the_crm_never_acknowledges_stays_queued() -> TestResult {
    // Nothing listens on this port: every attempt fails, and the message waits with back-off.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let inbox =
        TestInbox::start_with_webhook(&format!("http://127.0.0.1:{port}/hook"), SECRET).await?;
    let request = inbox.request("email,given_name", "").await?;
    let consumer = Consumer::new()?;
    let (grant, _) = consumer.grant(inbox.origin.as_str(), Some(&request.nonce), profile(), 1)?;
    assert_eq!(inbox.deliver(&grant, &request.state).await?.0, 200);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(inbox.store.outbox_len().await?, 1);
    let due_later = inbox.store.outbox_due(util::now(), 10).await?;
    assert!(
        due_later.is_empty() || due_later.iter().all(|m| m.attempts >= 1),
        "{due_later:?}"
    );
    inbox.stop().await
}

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe-inbox");

fn free_port() -> Res<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `vouchsafe-inbox serve` with the webhook on, once `/healthz` answers.
async fn serve(db: &str, port: u16, hook: &str) -> Res<tokio::process::Child> {
    let origin = format!("http://127.0.0.1:{port}");
    let child = tokio::process::Command::new(BIN)
        .env_clear()
        .env("VOUCHSAFE_INBOX_DB", db)
        .env("VOUCHSAFE_INBOX_ORIGIN", &origin)
        .env("VOUCHSAFE_INBOX_WEBHOOK_URL", hook)
        .env("VOUCHSAFE_INBOX_WEBHOOK_SECRET", SECRET)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rate-limit",
            "0",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(answer) = client.get(format!("{origin}/healthz")).send().await
            && answer.status().is_success()
        {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err("the inbox did not become healthy".into())
}

#[tokio::test]
async fn queued_changes_survive_kill_9_and_are_sent_after_restart() -> TestResult {
    let db = test_db().await?;
    let (port, hook_port) = (free_port()?, free_port()?);
    let hook = format!("http://127.0.0.1:{hook_port}/hooks/vouchsafe");
    let origin = vouchsafe_inbox::Origin::parse(&format!("http://127.0.0.1:{port}"))?;
    let store = vouchsafe_inbox::Store::open(&db.url).await?;
    let key = vouchsafe_inbox::keys::load_or_create(&store).await?;

    // The CRM is down: nothing listens on its port.
    let mut child = serve(&db.url, port, &hook).await?;
    let client = reqwest::Client::new();
    let mut grants = Vec::new();
    for idx in 0..3 {
        let request = vouchsafe_inbox::request::new_request(
            spec("email,given_name", "")?,
            &origin,
            &key,
            util::now(),
            600,
        )?;
        store.insert_request(&request).await?;
        let consumer = Consumer::new()?;
        let (grant, jti) = consumer.grant(origin.as_str(), Some(&request.nonce), profile(), idx)?;
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("vp_token", &json!({"profile": [grant]}).to_string())
            .append_pair("state", &request.state)
            .finish();
        let answer = client
            .post(origin.join("/vouchsafe/response"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        assert_eq!(answer.status().as_u16(), 200);
        grants.push(jti);
    }
    child.start_kill()?;
    child.wait().await?;
    assert_eq!(
        store.outbox_len().await?,
        3,
        "every acknowledged change is queued"
    );

    // The CRM comes up, the inbox restarts: every change arrives.
    let (_, receiver) = start_receiver_on(hook_port).await?;
    let mut child = serve(&db.url, port, &hook).await?;
    for jti in &grants {
        arrived(&receiver, "grant.received", jti).await?;
    }
    child.start_kill()?;
    child.wait().await?;
    Ok(())
}
