//! A bounded load run against the real `vouchsafe-inbox` binary on loopback (docs/scaling.md):
//! a fixed number of grant deliveries, then as many revocation events, at a fixed concurrency,
//! with `--consumers` grants already stored; then it stops and prints the figures.
//!
//! `cargo bench -p vouchsafe-inbox --bench load -- --db sqlite:/tmp/load.db`
//! `cargo bench -p vouchsafe-inbox --bench load -- --db postgres://postgres@127.0.0.1:54329/load`

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use serde_json::{Value, json};
use vouchsafe_inbox::request::{
    ConsentItem, RequestSpec, new_request, parse_channels, parse_claims,
};
use vouchsafe_inbox::store::{GrantRecord, GrantState};
use vouchsafe_inbox::{Origin, Store, keys, util};
use vouchsafe_token::jwk::PublicJwk;
use vouchsafe_token::jws;
use vouchsafe_token::status_list::StatusList;
use vouchsafe_token::{GRANT_TYP, SigningKey, status_list_token};

#[derive(Parser)]
struct Args {
    /// Database for the inbox under test (a fresh one: the run adds rows).
    #[arg(long)]
    db: String,
    /// Deliveries (and then revocation events) to send.
    #[arg(long, default_value_t = 5000)]
    count: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Grants stored before the run starts.
    #[arg(long, default_value_t = 100_000)]
    consumers: usize,
    /// `--bench` is passed by cargo; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

struct Item {
    state: String,
    grant: String,
    set: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// User + system CPU seconds of a process, from /proc.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').context("stat")?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).context("utime")?.parse::<f64>()?
        + fields.get(12).context("stime")?.parse::<f64>()?;
    Ok(ticks / 100.0)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let origin = Origin::parse(&format!("http://127.0.0.1:{port}"))?;
    let store = Store::open(&args.db).await?;
    let key = keys::load_or_create(&store).await?;

    let (_, existing, _) = store.counts().await?;
    if (existing as usize) < args.consumers {
        let started = Instant::now();
        seed(&store, args.consumers - existing as usize).await?;
        eprintln!(
            "seeded {} grants in {:.1?}",
            args.consumers,
            started.elapsed()
        );
    }

    eprintln!("preparing {} requests, grants and events…", args.count);
    let text =
        |t: &str| -> vouchsafe_inbox::request::Texts { [("en".to_owned(), t.to_owned())].into() };
    let spec = RequestSpec {
        items: vec![ConsentItem {
            claims: parse_claims("email,given_name")?,
            required: true,
            purpose: text("coupon"),
        }],
        purpose_category: "https://w3id.org/dpv#ServicePersonalisation".into(),
        retention: "P1Y".into(),
        channels: parse_channels("email:info")?,
        offer: text("coffee"),
        refusal: text("no coffee"),
        client_name: None,
    };
    let mut items = Vec::with_capacity(args.count);
    let mut verify_inputs = Vec::new();
    for i in 0..args.count {
        let record = new_request(spec.clone(), &origin, &key, util::now(), 600)?;
        store.insert_request(&record).await?;
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)?;
        let consumer = SigningKey::from_bytes(&secret);
        let jwk = PublicJwk::from_verifying_key(&consumer.verifying_key());
        let iss = jwk.thumbprint_urn();
        let status_uri = format!("urn:uuid:load-{i}");
        let now = util::now();
        let jti = util::random_id(16)?;
        let claims = json!({
            "iss": iss, "sub": iss, "aud": origin.as_str(), "iat": now, "nbf": now,
            "exp": now + 86_400, "jti": jti, "nonce": record.nonce,
            "status": {"status_list": {"idx": 0, "uri": status_uri}},
            "authorization_details": [{"type": "vouchsafe_profile_release", "datatypes": ["email", "given_name"],
                "purpose": "coupon", "purpose_category": "https://w3id.org/dpv#ServicePersonalisation",
                "channels": {"email": true}}],
            "email": format!("c{i}@example.com"), "given_name": "길동",
        });
        let grant = jws::sign_compact(&jws::header_for(GRANT_TYP, &jwk), &claims, &consumer)?;
        let mut list = StatusList::new(16, 1)?;
        list.set(0, 1)?;
        let list = status_list_token(&list, &status_uri, now, now + 86_400, 86_400, &consumer)?;
        let set_claims = json!({
            "iss": iss, "aud": origin.as_str(), "iat": now, "jti": util::random_id(16)?,
            "sub_id": {"format": "opaque", "id": jti},
            "events": {"urn:vouchsafe:secevent:grant-revoked": {"revoked_at": now, "status_list": list}},
        });
        let set = jws::sign_compact(
            &jws::header_for("secevent+jwt", &jwk),
            &set_claims,
            &consumer,
        )?;
        if i < 2000 {
            verify_inputs.push(grant.clone());
        }
        items.push(Item {
            state: record.state,
            grant,
            set,
        });
    }

    // The verify share: one verify_grant on this machine, single-threaded.
    let opts = vouchsafe_verify::VerifyOptions {
        audience: origin.as_str().to_owned(),
        issuer: vouchsafe_verify::IssuerPolicy::AnyConsumer,
        status: vouchsafe_verify::StatusPolicy::Waived,
        now: util::now(),
    };
    let started = Instant::now();
    for token in &verify_inputs {
        vouchsafe_verify::verify_grant(token, &opts)?;
    }
    let verify_us = started.elapsed().as_secs_f64() * 1e6 / verify_inputs.len().max(1) as f64;

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_vouchsafe-inbox"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rate-limit",
            "0",
        ])
        .env("VOUCHSAFE_INBOX_DB", &args.db)
        .env("VOUCHSAFE_INBOX_ORIGIN", origin.as_str())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().context("pid")?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let mut healthy = false;
    for _ in 0..400 {
        if client
            .get(origin.join("/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    if !healthy {
        bail!("the inbox did not start");
    }

    let items = Arc::new(items);
    for phase in ["deliveries", "events"] {
        let cpu_before = cpu_seconds(pid)?;
        let started = Instant::now();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut workers = Vec::new();
        for _ in 0..args.concurrency {
            let (items, next, client, origin) = (
                Arc::clone(&items),
                Arc::clone(&next),
                client.clone(),
                origin.clone(),
            );
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0usize;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let sent = Instant::now();
                    let answer = if phase == "deliveries" {
                        let vp_token = json!({"profile": [item.grant]}).to_string();
                        let body: String = form_urlencoded::Serializer::new(String::new())
                            .append_pair("vp_token", &vp_token)
                            .append_pair("state", &item.state)
                            .finish();
                        client
                            .post(origin.join("/vouchsafe/response"))
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(body)
                            .send()
                            .await
                    } else {
                        client
                            .post(origin.join("/vouchsafe/events"))
                            .header("content-type", "application/secevent+jwt")
                            .body(item.set.clone())
                            .send()
                            .await
                    };
                    let ok = match answer {
                        Ok(r) => {
                            let expected = if phase == "deliveries" { 200 } else { 202 };
                            let status = r.status().as_u16();
                            let _ = r.bytes().await;
                            status == expected
                        }
                        Err(_) => false,
                    };
                    latencies.push(sent.elapsed());
                    if !ok {
                        failures += 1;
                    }
                }
                (latencies, failures)
            }));
        }
        let mut latencies = Vec::new();
        let mut failures = 0;
        for worker in workers {
            let (l, f) = worker.await?;
            latencies.extend(l);
            failures += f;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds(pid)? - cpu_before;
        latencies.sort();
        let per_item_cpu_us = cpu * 1e6 / latencies.len().max(1) as f64;
        println!(
            "{}",
            json!({
                "db": if args.db.starts_with("sqlite") { "sqlite" } else { "postgres" },
                "phase": phase, "count": latencies.len(), "failures": failures,
                "concurrency": args.concurrency, "preloaded": args.consumers,
                "per_second": (latencies.len() as f64 / elapsed).round(),
                "p50_ms": (percentile(&latencies, 0.50) * 100.0).round() / 100.0,
                "p99_ms": (percentile(&latencies, 0.99) * 100.0).round() / 100.0,
                "server_cpu_us_per_item": per_item_cpu_us.round(),
                "verify_grant_us": verify_us.round(),
                "verify_share": if phase == "deliveries" { Value::from((verify_us / per_item_cpu_us * 100.0).round() / 100.0) } else { Value::Null },
            })
        );
    }
    let (_, grants, events) = store.counts().await?;
    println!(
        "{}",
        json!({"stored_grants": grants, "stored_events": events})
    );
    child.start_kill()?;
    child.wait().await?;
    Ok(())
}

/// `n` stored grants from `n` different consumers (what 100,000 customers look like).
async fn seed(store: &Store, n: usize) -> anyhow::Result<()> {
    let now = util::now();
    let mut batch = Vec::with_capacity(5000);
    for i in 0..n {
        let id = util::random_id(16)?;
        batch.push(GrantRecord {
            jti: format!("seed-{id}"),
            consumer: format!("urn:ietf:params:oauth:jwk-thumbprint:sha-256:seed{id}"),
            consumer_jwk: "{}".into(),
            request_id: None,
            sha256: id.clone(),
            state: GrantState::Live,
            claims: json!({"email": format!("seed{i}@example.com"), "given_name": "Seed"})
                .as_object()
                .cloned(),
            received: vec!["email".into(), "given_name".into()],
            channels: Vec::new(),
            retention: "P1Y".into(),
            retention_until: now + 365 * 86_400,
            received_at: now,
            revoked_at: None,
            erased_at: None,
            receipt: "seed".into(),
            exp: now + 365 * 86_400,
            status_uri: None,
            status_idx: None,
        });
        if batch.len() == 5000 {
            store.import_grants(&batch).await?;
            batch.clear();
        }
    }
    store.import_grants(&batch).await?;
    Ok(())
}
