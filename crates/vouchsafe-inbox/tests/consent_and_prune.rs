//! Night-time advertising consent (`night_ads`, docs/protocol.md §4) is stored and shown, and
//! requests nobody can answer any more are pruned, without touching what live grants need.
//! On PostgreSQL too with `VOUCHSAFE_INBOX_TEST_PG`.

mod common;

use common::*;
use serde_json::{Value, json};
use vouchsafe_inbox::events::{CHANNEL_CONSENT_CHANGED, GRANT_REVOKED, TOKEN_CLAIMS_CHANGE};
use vouchsafe_inbox::store::ChannelConsent;
use vouchsafe_inbox::util;

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe-inbox");

async fn delivered(inbox: &TestInbox, idx: u64) -> Res<(Consumer, String)> {
    let request = inbox.request("email,given_name", "").await?;
    let consumer = Consumer::new()?;
    let (grant, jti) =
        consumer.grant(inbox.origin.as_str(), Some(&request.nonce), profile(), idx)?;
    let (status, body) = inbox.deliver(&grant, &request.state).await?;
    assert_eq!(status, 200, "{body}");
    Ok((consumer, jti))
}

async fn consent(
    inbox: &TestInbox,
    consumer: &Consumer,
    grant: &str,
    night_ads: bool,
    given_at: i64,
) -> TestResult {
    let (set, _) = consumer.set(
        inbox.origin.as_str(),
        grant,
        CHANNEL_CONSENT_CHANGED,
        json!({"channels": [{"channel": "sms", "kind": "ad"}], "night_ads": night_ads,
               "given_at": given_at}),
    )?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 202, "{body}");
    Ok(())
}

#[tokio::test]
async fn night_ads_is_stored_shown_and_kept_across_an_update() -> TestResult {
    let inbox = TestInbox::start().await?;
    let (consumer, jti) = delivered(&inbox, 1).await?;
    let summary = vouchsafe_inbox::admin::consumers(&inbox.store, None).await?;
    assert_eq!(summary[0].night_ads, None, "not stated yet");

    let given = util::now() - 10;
    consent(&inbox, &consumer, &jti, true, given).await?;
    assert_eq!(
        inbox.store.channel_consent(&jti).await?,
        Some(ChannelConsent {
            night_ads: true,
            given_at: given
        })
    );
    consent(&inbox, &consumer, &jti, false, given + 5).await?;
    let summary = vouchsafe_inbox::admin::consumers(&inbox.store, None).await?;
    assert_eq!(summary[0].night_ads, Some(false));

    // The replacing grant inherits the consent of the grant it replaces.
    let (new_grant, new_jti) = consumer.grant(inbox.origin.as_str(), None, profile(), 1)?;
    let (set, _) = consumer.set(
        inbox.origin.as_str(),
        &jti,
        TOKEN_CLAIMS_CHANGE,
        json!({"grant": new_grant}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    assert_eq!(
        inbox
            .store
            .channel_consent(&new_jti)
            .await?
            .map(|c| c.night_ads),
        Some(false)
    );
    let summary = vouchsafe_inbox::admin::consumers(&inbox.store, None).await?;
    assert_eq!((summary[0].live, summary[0].night_ads), (1, Some(false)));

    // The admin API shows it too.
    let list: Value = inbox
        .client
        .get(inbox.url("/admin/consumers"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(list["consumers"][0]["night_ads"], false);
    inbox.stop().await
}

#[tokio::test]
async fn pruning_keeps_what_a_live_grant_needs() -> TestResult {
    let inbox = TestInbox::start().await?;
    let now = util::now();
    // Unanswered, expired 1,000 s ago.
    let stale = inbox.request_ttl("email", "", -1_000).await?;
    // Answered by a grant that stays live, and by one that is revoked.
    let (live_consumer, live_jti) = delivered(&inbox, 1).await?;
    let (gone_consumer, gone_jti) = delivered(&inbox, 2).await?;
    let (set, _) = gone_consumer.set(
        inbox.origin.as_str(),
        &gone_jti,
        GRANT_REVOKED,
        json!({"revoked_at": now, "status_list": gone_consumer.status_list(&[2])?}),
    )?;
    assert_eq!(inbox.event(&set).await?.0, 202);
    // Still usable.
    let fresh = inbox.request("email", "").await?;
    assert_eq!(inbox.store.counts().await?.0, 4);

    // Kept a day after expiry by default; here 2,000 s: nothing expired that long ago.
    assert_eq!(inbox.store.prune_requests(now, 2_000).await?, 0);
    assert_eq!(inbox.store.prune_requests(now, 500).await?, 1);
    assert!(inbox.store.request(&stale.id).await?.is_none());
    let (status, _) = inbox
        .get(&format!("/vouchsafe/requests/{}", stale.id))
        .await?;
    assert_eq!(status, 404);

    // An hour later every request has expired: the revoked grant's goes, the live grant's
    // stays (a "move house" is checked against it), the unanswered fresh one goes.
    assert_eq!(inbox.store.prune_requests(now + 3_600, 0).await?, 2);
    assert!(inbox.store.request(&fresh.id).await?.is_none());
    let live = inbox.store.grant(&live_jti).await?.ok_or("live grant")?;
    let kept = live.request_id.as_deref().ok_or("request id")?;
    assert!(inbox.store.request(kept).await?.is_some());
    let (new_grant, _) = live_consumer.grant(inbox.origin.as_str(), None, profile(), 1)?;
    let (set, _) = live_consumer.set(
        inbox.origin.as_str(),
        &live_jti,
        TOKEN_CLAIMS_CHANGE,
        json!({"grant": new_grant}),
    )?;
    let (status, body) = inbox.event(&set).await?;
    assert_eq!(status, 202, "{body}");
    // Revoked grants stay listed (tombstones) after their request is gone.
    assert!(inbox.store.grant(&gone_jti).await?.is_some());
    inbox.stop().await
}

async fn run(db: &str, origin: &str, args: &[&str]) -> Res<(bool, String, String)> {
    let out = tokio::process::Command::new(BIN)
        .env_clear()
        .env("VOUCHSAFE_INBOX_DB", db)
        .env("VOUCHSAFE_INBOX_ORIGIN", origin)
        .args(args)
        .output()
        .await?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

#[tokio::test]
async fn the_prune_command_and_webhook_settings() -> TestResult {
    let inbox = TestInbox::start().await?;
    // The default keeps an expired request for the 30-day late-delivery window: one expired
    // two days ago stays (a queued grant may still answer it), one expired 31 days ago goes.
    inbox.request_ttl("email", "", -2 * 86_400).await?;
    inbox.request_ttl("email", "", -31 * 86_400).await?;
    let origin = inbox.origin.as_str().to_owned();
    let (ok, stdout, stderr) = run(&inbox.db.url, &origin, &["prune"]).await?;
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "pruned 1 requests");

    // A webhook to plain http on a non-loopback host, or without a secret, is refused at start.
    let secret = "whsec_dGVzdC1vbmx5LXdlYmhvb2stc2VjcmV0LTMyYnl0ZXM=";
    for (args, reason) in [
        (
            vec![
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--webhook-url",
                "http://crm.example/hook",
                "--webhook-secret",
                secret,
            ],
            "https only",
        ),
        (
            vec![
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--webhook-url",
                "https://crm.example/hook",
            ],
            "webhook secret",
        ),
        (
            vec![
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--webhook-url",
                "https://crm.example/hook",
                "--webhook-secret",
                "hunter2",
            ],
            "whsec_",
        ),
    ] {
        let (ok, _, stderr) = run(&inbox.db.url, &origin, &args).await?;
        assert!(!ok && stderr.contains(reason), "{args:?}: {stderr}");
        assert!(!stderr.contains("hunter2"), "the secret is never printed");
    }
    inbox.stop().await
}
