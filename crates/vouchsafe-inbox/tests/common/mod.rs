//! The consumer side of the protocol, built from `vouchsafe-token` alone (the vault cannot yet
//! add a `nonce` to a grant or sign SETs), and an inbox served on loopback for each test.
//!
//! The database comes from the environment: SQLite in a temporary directory by default; when
//! `VOUCHSAFE_INBOX_TEST_PG` is set (`postgres://user@127.0.0.1:54329/postgres`), each test gets
//! a fresh PostgreSQL database created under that server instead.

#![allow(dead_code)]

use std::sync::Arc;

use serde_json::{Value, json};
use vouchsafe_inbox::http::{self, Inbox};
use vouchsafe_inbox::keys::{self, BrandKey};
use vouchsafe_inbox::request::{
    ConsentItem, RequestRecord, RequestSpec, new_request, parse_channels, parse_claims,
};
use vouchsafe_inbox::{Origin, Store, util};
use vouchsafe_token::jwk::PublicJwk;
use vouchsafe_token::jws::{self, CompactJws};
use vouchsafe_token::status_list::StatusList;
use vouchsafe_token::{GRANT_TYP, SigningKey, b64, status_list_token};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

pub const PG_ENV: &str = "VOUCHSAFE_INBOX_TEST_PG";

/// A database URL for one test, and what keeps it alive.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh database: a SQLite file, or a new PostgreSQL database when [`PG_ENV`] is set.
pub async fn test_db() -> Res<TestDb> {
    match std::env::var(PG_ENV) {
        Ok(server) if !server.is_empty() => {
            let name = format!(
                "inbox_{}",
                util::random_id(9)?.to_lowercase().replace(['-', '_'], "x")
            );
            let admin = sqlx_admin(&server).await?;
            admin.execute(&format!("CREATE DATABASE {name}")).await?;
            let mut url = url::Url::parse(&server)?;
            url.set_path(&format!("/{name}"));
            Ok(TestDb {
                url: url.to_string(),
                _dir: None,
            })
        }
        _ => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite:{}", dir.path().join("inbox.db").display());
            Ok(TestDb {
                url,
                _dir: Some(dir),
            })
        }
    }
}

/// A tiny admin connection for CREATE DATABASE (sqlx is a dependency of the crate under test).
pub struct PgAdmin(sqlx::PgPool);

impl PgAdmin {
    pub async fn execute(&self, sql: &str) -> Res<u64> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.0)
            .await?
            .rows_affected())
    }
}

pub async fn sqlx_admin(url: &str) -> Res<PgAdmin> {
    Ok(PgAdmin(
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await?,
    ))
}

/// An inbox served in-process on 127.0.0.1.
pub struct TestInbox {
    pub origin: Origin,
    pub store: Store,
    pub key: Arc<BrandKey>,
    pub client: reqwest::Client,
    pub db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub const ADMIN_TOKEN: &str = "admin-token-for-tests-0123456789";

impl TestInbox {
    pub async fn start() -> Res<Self> {
        Self::start_with(None).await
    }

    pub async fn start_with(rate_limit: Option<u32>) -> Res<Self> {
        Self::start_full(rate_limit, None).await
    }

    /// An inbox whose changes go to the CRM webhook at `url`, signed with `secret`
    /// (`whsec_…`); the sender looks at the outbox every 100 ms.
    pub async fn start_with_webhook(url: &str, secret: &str) -> Res<Self> {
        Self::start_full(None, Some((url, secret))).await
    }

    async fn start_full(rate_limit: Option<u32>, webhook: Option<(&str, &str)>) -> Res<Self> {
        let db = test_db().await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let origin = Origin::parse(&format!("http://{}", listener.local_addr()?))?;
        let store = Store::open(&db.url).await?.with_outbox(webhook.is_some());
        let key = Arc::new(keys::load_or_create(&store).await?);
        let inbox = Inbox {
            origin: origin.clone(),
            key: Arc::clone(&key),
            store: store.clone(),
            admin_token: Some(Arc::new(zeroize::Zeroizing::new(ADMIN_TOKEN.to_owned()))),
            limiter: rate_limit.map(|n| Arc::new(vouchsafe_inbox::ratelimit::RateLimiter::new(n))),
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        if let Some((url, secret)) = webhook {
            let config = vouchsafe_inbox::webhook::WebhookConfig {
                url: vouchsafe_inbox::webhook::WebhookUrl::parse(url)?,
                secret: vouchsafe_inbox::webhook::WebhookSecret::parse(secret)?,
                poll: std::time::Duration::from_millis(100),
            };
            // Stops with the test's runtime.
            tokio::spawn(vouchsafe_inbox::webhook::run(
                store.clone(),
                Arc::new(config),
                std::future::pending::<()>(),
            ));
        }
        let task = tokio::spawn(http::serve(listener, http::router(inbox), async {
            let _ = rx.await;
        }));
        Ok(Self {
            origin,
            store,
            key,
            client: reqwest::Client::new(),
            db,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn url(&self, path: &str) -> String {
        self.origin.join(path)
    }

    /// Stores a request for `claims` (required) and `optional`, like `request new` does.
    pub async fn request(&self, claims: &str, optional: &str) -> Res<RequestRecord> {
        self.request_ttl(claims, optional, 600).await
    }

    pub async fn request_ttl(&self, claims: &str, optional: &str, ttl: i64) -> Res<RequestRecord> {
        let mut record = new_request(
            spec(claims, optional)?,
            &self.origin,
            &self.key,
            util::now(),
            ttl,
        )?;
        if ttl < 0 {
            // An already expired request (new_request refuses to make one).
            record.expires_at = util::now() + ttl;
        }
        self.store.insert_request(&record).await?;
        Ok(record)
    }

    /// POSTs a grant to `response_uri` as the vault does.
    pub async fn deliver(&self, grant: &str, state: &str) -> Res<(u16, Value)> {
        let vp_token = json!({"profile": [grant]}).to_string();
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("vp_token", &vp_token)
            .append_pair("state", state)
            .finish();
        self.post_form(&body).await
    }

    pub async fn post_form(&self, body: &str) -> Res<(u16, Value)> {
        let answer = self
            .client
            .post(self.url("/vouchsafe/response"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await?;
        let status = answer.status().as_u16();
        Ok((status, answer.json().await.unwrap_or(Value::Null)))
    }

    /// POSTs a SET to `events_uri`.
    pub async fn event(&self, set: &str) -> Res<(u16, Value)> {
        let answer = self
            .client
            .post(self.url("/vouchsafe/events"))
            .header("content-type", "application/secevent+jwt")
            .header("accept", "application/json")
            .body(set.to_owned())
            .send()
            .await?;
        let status = answer.status().as_u16();
        Ok((status, answer.json().await.unwrap_or(Value::Null)))
    }

    pub async fn get(&self, path: &str) -> Res<(u16, Value)> {
        let answer = self.client.get(self.url(path)).send().await?;
        let status = answer.status().as_u16();
        Ok((status, answer.json().await.unwrap_or(Value::Null)))
    }

    /// Verifies a brand-signed token with the key published at `/.well-known/jwks.json`, the
    /// way a vault would: by `kid`, never by a key in the token.
    pub async fn verify_brand_token(
        &self,
        token: &str,
        typ: &str,
    ) -> Res<serde_json::Map<String, Value>> {
        let (_, jwks) = self.get("/.well-known/jwks.json").await?;
        let jws = CompactJws::parse(token)?;
        assert_eq!(jws.header().get("typ"), Some(&json!(typ)));
        assert!(
            jws.header().get("jwk").is_none(),
            "brand tokens carry no jwk"
        );
        let kid = jws
            .header()
            .get("kid")
            .and_then(Value::as_str)
            .ok_or("no kid")?;
        let key = jwks["keys"]
            .as_array()
            .ok_or("no keys")?
            .iter()
            .find(|k| k["kid"] == kid)
            .ok_or("kid not in JWKS")?;
        let jwk = PublicJwk::from_json(key)?;
        assert_eq!(jwk.thumbprint(), kid);
        jws.verify_signature(&jwk.to_verifying_key()?)?;
        Ok(jws.claims()?)
    }

    pub async fn stop(mut self) -> Res<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await??;
        }
        Ok(())
    }
}

pub fn spec(claims: &str, optional: &str) -> Res<RequestSpec> {
    let text = |t: &str| [("en".to_owned(), t.to_owned())].into();
    let mut items = vec![ConsentItem {
        claims: parse_claims(claims)?,
        required: true,
        purpose: text("identify you and send the coupon"),
    }];
    if !optional.is_empty() {
        items.push(ConsentItem {
            claims: parse_claims(optional)?,
            required: false,
            purpose: text("point you to the nearest shop"),
        });
    }
    Ok(RequestSpec {
        items,
        purpose_category: "https://w3id.org/dpv#ServicePersonalisation".into(),
        retention: "P1Y".into(),
        channels: parse_channels("email:info,sms:ad")?,
        offer: text("a free americano"),
        refusal: text("no coupon without the required items"),
        client_name: Some("Neighbourhood Café".into()),
    })
}

/// A consumer's per-brand key, as the vault keeps one for each brand.
pub struct Consumer {
    pub key: SigningKey,
    pub jwk: PublicJwk,
    pub status_uri: String,
}

impl Consumer {
    pub fn new() -> Res<Self> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)?;
        let key = SigningKey::from_bytes(&secret);
        let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
        Ok(Self {
            key,
            jwk,
            status_uri: format!("urn:uuid:{}", util::random_id(16)?),
        })
    }

    pub fn iss(&self) -> String {
        self.jwk.thumbprint_urn()
    }

    /// A grant for `aud` answering `nonce`, releasing `profile`; status index `idx`.
    pub fn grant(
        &self,
        aud: &str,
        nonce: Option<&str>,
        profile: Value,
        idx: u64,
    ) -> Res<(String, String)> {
        self.grant_issued_at(aud, nonce, profile, idx, util::now())
    }

    /// [`Consumer::grant`] issued at `now` (a grant the vault queued while the inbox was down).
    pub fn grant_issued_at(
        &self,
        aud: &str,
        nonce: Option<&str>,
        profile: Value,
        idx: u64,
        now: i64,
    ) -> Res<(String, String)> {
        self.grant_detailed(aud, nonce, profile, idx, now, json!({}))
    }

    /// [`Consumer::grant_issued_at`] with members of `detail` set in `authorization_details[0]`
    /// (`datatypes` naming derived facts, version 2 `channels` with `night_ads`, …).
    pub fn grant_detailed(
        &self,
        aud: &str,
        nonce: Option<&str>,
        profile: Value,
        idx: u64,
        now: i64,
        detail: Value,
    ) -> Res<(String, String)> {
        let jti = util::random_id(16)?;
        let mut claims = json!({
            "iss": self.iss(), "sub": self.iss(), "aud": aud,
            "iat": now, "nbf": now, "exp": now + 365 * 86_400,
            "jti": jti,
            "status": {"status_list": {"idx": idx, "uri": self.status_uri}},
            "authorization_details": [{
                "type": "vouchsafe_profile_release",
                "datatypes": profile.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default(),
                "purpose": "identify you and send the coupon",
                "purpose_category": "https://w3id.org/dpv#ServicePersonalisation",
                "channels": {"email": true, "sms": false},
                "offer": "a free americano"
            }],
        });
        if let (Some(d), Some(extra)) = (
            claims["authorization_details"][0].as_object_mut(),
            detail.as_object(),
        ) {
            d.extend(extra.clone());
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        if let (Some(c), Some(p)) = (claims.as_object_mut(), profile.as_object()) {
            c.extend(p.clone());
        }
        let token = jws::sign_compact(&jws::header_for(GRANT_TYP, &self.jwk), &claims, &self.key)?;
        Ok((token, jti))
    }

    /// A SET about `grant_jti` carrying one event.
    pub fn set(
        &self,
        aud: &str,
        grant_jti: &str,
        kind: &str,
        payload: Value,
    ) -> Res<(String, String)> {
        let jti = util::random_id(16)?;
        let claims = json!({
            "iss": self.iss(), "aud": aud, "iat": util::now(), "jti": jti,
            "sub_id": {"format": "opaque", "id": grant_jti},
            "events": {kind: payload},
        });
        let token = jws::sign_compact(
            &jws::header_for("secevent+jwt", &self.jwk),
            &claims,
            &self.key,
        )?;
        Ok((token, jti))
    }

    /// The consumer's status list with `revoked` indices set.
    pub fn status_list(&self, revoked: &[usize]) -> Res<String> {
        let mut list = StatusList::new(1024, 1)?;
        for &i in revoked {
            list.set(i, 1)?;
        }
        let now = util::now();
        Ok(status_list_token(
            &list,
            &self.status_uri,
            now,
            now + 365 * 86_400,
            86_400,
            &self.key,
        )?)
    }
}

/// `token` with one signature byte changed.
pub fn tamper_signature(token: &str) -> Res<String> {
    let (input, sig) = token.rsplit_once('.').ok_or("no dot")?;
    let mut bytes = b64::decode(sig).ok_or("sig")?;
    if let Some(b) = bytes.first_mut() {
        *b ^= 1;
    }
    Ok(format!("{input}.{}", b64::encode(bytes)))
}

pub fn profile() -> Value {
    json!({"email": "gildong@example.com", "given_name": "길동"})
}
