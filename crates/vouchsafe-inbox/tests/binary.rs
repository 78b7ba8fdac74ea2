//! The `vouchsafe-inbox` binary itself: configuration refusals, the CLI a brand uses, the whole
//! relationship over loopback, and a kill -9 in the middle of a stream of deliveries and
//! events. Uses PostgreSQL too when `VOUCHSAFE_INBOX_TEST_PG` is set.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use vouchsafe_inbox::events::GRANT_REVOKED;
use vouchsafe_inbox::{Origin, Store, util};

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe-inbox");

fn inbox_cmd(db: &str, origin: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("VOUCHSAFE_INBOX_DB", db)
        .env("VOUCHSAFE_INBOX_ORIGIN", origin)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .kill_on_drop(true);
    cmd
}

async fn run(db: &str, origin: &str, args: &[&str]) -> Res<(bool, String, String)> {
    let out = inbox_cmd(db, origin).args(args).output().await?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

fn free_port() -> Res<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Starts `serve` and waits until `/healthz` answers.
async fn start(db: &str, port: u16) -> Res<Child> {
    let origin = format!("http://127.0.0.1:{port}");
    let child = inbox_cmd(db, &origin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rate-limit",
            "0",
        ])
        .env("VOUCHSAFE_INBOX_ADMIN_TOKEN", ADMIN_TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
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

async fn deliver(
    client: &reqwest::Client,
    origin: &Origin,
    grant: &str,
    state: &str,
) -> Res<(u16, Value)> {
    let vp_token = json!({"profile": [grant]}).to_string();
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("vp_token", &vp_token)
        .append_pair("state", state)
        .finish();
    let answer = client
        .post(origin.join("/vouchsafe/response"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await?;
    let status = answer.status().as_u16();
    Ok((status, answer.json().await.unwrap_or(Value::Null)))
}

async fn post_event(client: &reqwest::Client, origin: &Origin, set: &str) -> Res<u16> {
    let answer = client
        .post(origin.join("/vouchsafe/events"))
        .header("content-type", "application/secevent+jwt")
        .body(set.to_owned())
        .timeout(Duration::from_secs(10))
        .send()
        .await?;
    Ok(answer.status().as_u16())
}

#[tokio::test]
async fn configuration_refusals() -> TestResult {
    let db = test_db().await?;
    let (ok, _, stderr) = run(
        &db.url,
        "http://shop.example",
        &["serve", "--listen", "127.0.0.1:0"],
    )
    .await?;
    assert!(!ok);
    assert!(stderr.contains("loopback"), "{stderr}");
    let (ok, _, stderr) = run(&db.url, "https://shop.example/path", &["jwks"]).await?;
    assert!(!ok);
    assert!(stderr.contains("no path"), "{stderr}");
    let (ok, _, stderr) = run("mysql://x", "https://shop.example", &["jwks"]).await?;
    assert!(!ok);
    assert!(stderr.contains("sqlite:PATH or postgres://"), "{stderr}");
    let (ok, _, stderr) = run(
        &db.url,
        "https://shop.example",
        &[
            "request",
            "new",
            "--claims",
            "email",
            "--purpose",
            "p",
            "--retention",
            "1h",
            "--offer",
            "o",
        ],
    )
    .await?;
    assert!(!ok);
    assert!(stderr.contains("retention"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn the_whole_relationship_through_the_binary() -> TestResult {
    let db = test_db().await?;
    let port = free_port()?;
    let origin = Origin::parse(&format!("http://127.0.0.1:{port}"))?;
    let mut child = start(&db.url, port).await?;
    let client = reqwest::Client::new();

    let dir = tempfile::tempdir()?;
    let qr = dir.path().join("request.svg");
    let (ok, stdout, stderr) = run(
        &db.url,
        origin.as_str(),
        &[
            "request",
            "new",
            "--claims",
            "email,given_name",
            "--optional",
            "age_over_19,address.locality",
            "--purpose",
            "send the coupon",
            "--purpose-category",
            "ServicePersonalisation",
            "--retention",
            "1y",
            "--channels",
            "email:info,sms:ad",
            "--offer",
            "a free americano",
            "--json",
            "--qr",
            qr.to_str().ok_or("path")?,
        ],
    )
    .await?;
    assert!(ok, "{stderr}");
    let made: Value = serde_json::from_str(&stdout)?;
    let link = made["link"].as_str().ok_or("link")?;
    assert!(link.starts_with("vouchsafe://connect?request_uri="));
    assert!(std::fs::read_to_string(&qr)?.starts_with("<?xml"));
    let request_uri = made["request_uri"].as_str().ok_or("request_uri")?;
    let jwt = client.get(request_uri).send().await?.text().await?;
    let claims = vouchsafe_token::CompactJws::parse(&jwt)?.claims()?;
    assert_eq!(
        claims["vouchsafe_consent"]["purpose_category"],
        "https://w3id.org/dpv#ServicePersonalisation"
    );
    let nonce = claims["nonce"].as_str().ok_or("nonce")?;
    assert_eq!(Some(nonce), made["nonce"].as_str());

    let consumer = Consumer::new()?;
    let released =
        json!({"email": "gildong@example.com", "given_name": "길동", "age_over_19": true});
    let (grant, jti) = consumer.grant(origin.as_str(), Some(nonce), released.clone(), 11)?;
    let (status, body) = deliver(
        &client,
        &origin,
        &grant,
        made["state"].as_str().ok_or("state")?,
    )
    .await?;
    assert_eq!(status, 200, "{body}");

    let (ok, stdout, _) = run(&db.url, origin.as_str(), &["consumers", "list", "--json"]).await?;
    assert!(ok);
    let list: Value = serde_json::from_str(&stdout)?;
    assert_eq!(list[0]["id"], consumer.iss());
    assert_eq!(list[0]["claims"], released);
    let (ok, stdout, _) = run(&db.url, origin.as_str(), &["consumers", "list"]).await?;
    assert!(ok && stdout.contains(&consumer.iss()), "{stdout}");

    let (set, set_jti) = consumer.set(
        origin.as_str(),
        &jti,
        GRANT_REVOKED,
        json!({"revoked_at": util::now(), "status_list": consumer.status_list(&[11])?}),
    )?;
    assert_eq!(post_event(&client, &origin, &set).await?, 202);
    let (ok, stdout, _) = run(
        &db.url,
        origin.as_str(),
        &["consumers", "show", &consumer.iss()],
    )
    .await?;
    assert!(ok);
    let shown: Value = serde_json::from_str(&stdout)?;
    assert_eq!(
        (
            shown["claims"].clone(),
            shown["revoked"].clone(),
            shown["live"].clone()
        ),
        (json!({}), json!(1), json!(0))
    );
    let (ok, csv, _) = run(&db.url, origin.as_str(), &["export", "--csv"]).await?;
    assert!(ok);
    let row = csv.lines().nth(1).ok_or("no row")?;
    assert!(
        row.contains(&jti) && row.contains(",revoked,") && !row.contains("gildong"),
        "{row}"
    );

    let receipt: Value = client
        .get(origin.join(&format!("/vouchsafe/events/receipts/{set_jti}")))
        .send()
        .await?
        .json()
        .await?;
    assert!(receipt["receipt"].is_string());

    // The key survives a restart: the JWKS is the same.
    let jwks_before: Value = client
        .get(origin.join("/.well-known/jwks.json"))
        .send()
        .await?
        .json()
        .await?;
    child.start_kill()?;
    child.wait().await?;
    let mut child = start(&db.url, port).await?;
    let jwks_after: Value = client
        .get(origin.join("/.well-known/jwks.json"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(jwks_before, jwks_after);
    let (ok, stdout, _) = run(&db.url, origin.as_str(), &["jwks"]).await?;
    assert!(ok);
    assert_eq!(serde_json::from_str::<Value>(&stdout)?, jwks_after);

    // SIGTERM: a graceful stop, exit status 0.
    let pid = child.id().ok_or("no pid")?;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await??;
    assert!(status.success(), "{status}");
    Ok(())
}

#[cfg(unix)]
#[tokio::test]
async fn sqlite_file_is_private() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("inbox.db");
    let (ok, _, stderr) = run(
        &format!("sqlite:{}", path.display()),
        "https://shop.example",
        &["jwks"],
    )
    .await?;
    assert!(ok, "{stderr}");
    assert_eq!(
        std::fs::metadata(&path)?.permissions().mode() & 0o777,
        0o600
    );
    Ok(())
}

/// Deliveries and revocations stream in from several tasks; the inbox is killed with SIGKILL in
/// the middle. After a restart, every grant answered 200 and every event answered 202 is there,
/// once, with the same receipt; re-sending everything then completes the set without
/// duplicates.
#[tokio::test]
async fn kill_9_loses_nothing_acknowledged() -> TestResult {
    const ITEMS: usize = 120;
    let db = test_db().await?;
    let port = free_port()?;
    let origin = Origin::parse(&format!("http://127.0.0.1:{port}"))?;
    let mut child = start(&db.url, port).await?;

    // Requests and grants prepared up front (the store is shared with the binary).
    let store = Store::open(&db.url).await?;
    let key = vouchsafe_inbox::keys::load_or_create(&store).await?;
    let mut items = Vec::new();
    for i in 0..ITEMS {
        let record = vouchsafe_inbox::request::new_request(
            spec("email,given_name", "")?,
            &origin,
            &key,
            util::now(),
            600,
        )?;
        store.insert_request(&record).await?;
        let consumer = Consumer::new()?;
        let idx = i as u64;
        let (grant, jti) = consumer.grant(origin.as_str(), Some(&record.nonce), profile(), idx)?;
        let (set, set_jti) = consumer.set(
            origin.as_str(),
            &jti,
            GRANT_REVOKED,
            json!({"revoked_at": util::now(), "status_list": consumer.status_list(&[i])?}),
        )?;
        items.push((record.state, grant, jti, set, set_jti));
    }
    let items = std::sync::Arc::new(items);

    // Four streams; the inbox dies after roughly a third of the items were sent.
    let acked = std::sync::Arc::new(tokio::sync::Mutex::new((Vec::new(), Vec::new())));
    let mut tasks = Vec::new();
    for lane in 0..4 {
        let items = std::sync::Arc::clone(&items);
        let acked = std::sync::Arc::clone(&acked);
        let origin = origin.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for (n, (state, grant, jti, set, set_jti)) in items.iter().enumerate() {
                if n % 4 != lane {
                    continue;
                }
                let delivered = deliver(&client, &origin, grant, state).await.ok();
                if let Some((200, body)) = delivered {
                    acked.lock().await.0.push((
                        jti.clone(),
                        body["receipt"].as_str().unwrap_or_default().to_owned(),
                    ));
                    let accepted = post_event(&client, &origin, set).await.ok();
                    if accepted == Some(202) {
                        acked.lock().await.1.push(set_jti.clone());
                    }
                }
            }
        }));
    }
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if acked.lock().await.0.len() >= ITEMS / 3 {
            break;
        }
    }
    child.start_kill()?; // SIGKILL
    child.wait().await?;
    for task in tasks {
        task.await?;
    }
    let (grants_acked, events_acked) = acked.lock().await.clone();
    assert!(
        grants_acked.len() >= ITEMS / 3 && grants_acked.len() < ITEMS,
        "killed mid-stream: {}",
        grants_acked.len()
    );

    let mut child = start(&db.url, port).await?;
    let client = reqwest::Client::new();
    for (jti, receipt) in &grants_acked {
        let stored = store
            .grant(jti)
            .await?
            .ok_or("an acknowledged grant was lost")?;
        assert_eq!(
            &stored.receipt, receipt,
            "stored once, with the receipt that was sent"
        );
    }
    for set_jti in &events_acked {
        let event = store
            .event(set_jti)
            .await?
            .ok_or("an acknowledged event was lost")?;
        let grant = store.grant(&event.grant_jti).await?.ok_or("grant")?;
        assert!(
            grant.claims.is_none(),
            "an acknowledged revocation erased the claims"
        );
    }
    // Re-send everything: acknowledged items answer as before, the rest complete.
    for (state, grant, jti, set, _) in items.iter() {
        let (status, body) = deliver(&client, &origin, grant, state).await?;
        assert_eq!(status, 200, "{body}");
        if let Some((_, receipt)) = grants_acked.iter().find(|(j, _)| j == jti) {
            assert_eq!(body["receipt"].as_str(), Some(receipt.as_str()));
        }
        assert_eq!(post_event(&client, &origin, set).await?, 202);
    }
    let (_, grants, events) = store.counts().await?;
    assert_eq!(
        (grants, events),
        (ITEMS as i64, ITEMS as i64),
        "each item stored exactly once"
    );
    child.start_kill()?;
    child.wait().await?;
    Ok(())
}
