//! The optional outbound webhook: each verified change (a grant received, updated, revoked or
//! erased; a change of channel consent) is forwarded to a URL the brand configures, its CRM.
//!
//! Durable and at least once: the message is written to the `webhook_outbox` table in the same
//! database transaction as the change it reports, so a change is never committed without its
//! message nor a message sent for a change that was rolled back; a background sender posts
//! what is due, deletes a message once the CRM answered 2xx, and otherwise retries with
//! exponential back-off (1 s, 2 s, 4 s, … capped at one hour). Several instances sharing one
//! PostgreSQL lease each message before sending it. A message may still arrive twice (a crash
//! between the CRM's answer and the delete), so the CRM deduplicates by `webhook-id`.
//!
//! Signed the Standard Webhooks way (<https://www.standardwebhooks.com/>): headers
//! `webhook-id`, `webhook-timestamp` (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256
//! of "<id>.<timestamp>.<body>">`, the key being the bytes of a `whsec_<base64>` secret.
//! docs/inbox.md shows how a CRM checks it.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use url::{Host, Url};
use zeroize::Zeroizing;

use crate::request::Channel;
use crate::store::{ChannelConsent, GrantRecord, OutboxMessage, Store};
use crate::util::{now, random_id};

/// Largest body the inbox sends. A message carries at most one grant's claims, and a grant is
/// bounded by the 64 KiB delivery limit; anything larger is a bug, refused rather than sent.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Longest wait between two attempts.
pub const MAX_BACKOFF_SECS: i64 = 3_600;
/// How long a sender holds a message it is sending before another instance may try it.
const LEASE_SECS: i64 = 60;
/// Messages taken per round.
const BATCH: i64 = 32;
/// Prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// Why the webhook cannot be configured or a message made.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The URL is not https (or http to a loopback IP literal).
    #[error("webhook URL {0:?}: https only (plain http only to a loopback IP literal)")]
    Url(String),
    /// The secret is not `whsec_` and 24–64 bytes of base64.
    #[error("webhook secret: must be whsec_ followed by 24 to 64 bytes in base64")]
    Secret,
    /// A URL without a secret.
    #[error("a webhook URL needs a webhook secret (--webhook-secret)")]
    NoSecret,
    /// No randomness for the message id.
    #[error(transparent)]
    Rng(#[from] crate::util::RngError),
    /// The body would exceed [`MAX_BODY_BYTES`].
    #[error("webhook body of {0} bytes exceeds the limit")]
    TooLarge(usize),
    /// The body could not be serialised.
    #[error("webhook body: {0}")]
    Json(#[from] serde_json::Error),
}

/// Where messages go: https, or http to a loopback IP literal (the same rule as the origin, so
/// that a host name re-pointed at 127.0.0.1 cannot pass as local).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Parses and checks `text`.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let bad = || WebhookError::Url(text.to_owned());
        let url = Url::parse(text).map_err(|_| bad())?;
        if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
            return Err(bad());
        }
        let ok = match url.scheme() {
            "https" => url.host().is_some(),
            "http" => match url.host() {
                Some(Host::Ipv4(ip)) => ip.is_loopback(),
                Some(Host::Ipv6(ip)) => ip.is_loopback(),
                _ => false,
            },
            _ => false,
        };
        if !ok {
            return Err(bad());
        }
        Ok(Self(url.to_string()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The HMAC key: the bytes of a `whsec_<base64>` secret. Zeroized on drop, never printed.
pub struct WebhookSecret(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    /// Parses `whsec_<base64>` (24 to 64 bytes, as Standard Webhooks recommends).
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(WebhookError::Secret)?;
        let bytes = Zeroizing::new(STANDARD.decode(encoded).map_err(|_| WebhookError::Secret)?);
        if !(24..=64).contains(&bytes.len()) {
            return Err(WebhookError::Secret);
        }
        Ok(Self(bytes))
    }

    /// `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // HMAC accepts keys of any length; new_from_slice cannot fail for it.
        let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Everything the sender needs.
#[derive(Debug)]
pub struct WebhookConfig {
    /// Where to post.
    pub url: WebhookUrl,
    /// The signing key.
    pub secret: WebhookSecret,
    /// How often the outbox is looked at when idle.
    pub poll: Duration,
}

/// A verified change, as the CRM hears of it.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// A grant was delivered and stored (`grant.received`): its claims.
    Received(&'a GrantRecord),
    /// A grant replaced another (`grant.updated`, CAEP token-claims-change): the new claims.
    Updated {
        /// The new grant.
        grant: &'a GrantRecord,
        /// The `jti` of the grant it replaces.
        replaces: &'a str,
        /// The SET's `jti`.
        event: &'a str,
    },
    /// The consumer revoked (`grant.revoked`) or asked for erasure (`grant.erased`); the
    /// values are deleted, the CRM should delete its copy.
    Withdrawn {
        /// The grant, as it was.
        grant: &'a GrantRecord,
        /// Whether erasure was asked for explicitly.
        erasure: bool,
        /// The SET's `jti`.
        event: &'a str,
        /// When the consumer acted.
        requested_at: i64,
    },
    /// The channels the brand may use changed (`grant.channels_changed`).
    Channels {
        /// The grant.
        grant: &'a GrantRecord,
        /// The channels now allowed.
        channels: &'a [Channel],
        /// Night-time advertising and when consent was given.
        consent: ChannelConsent,
        /// The SET's `jti`.
        event: &'a str,
    },
}

/// The outbox row for `change`, committed at `at`. Body:
/// `{"type": "grant.received", "timestamp": "<RFC 3339>", "data": {…}}` (Standard Webhooks'
/// payload shape); `data` always has `consumer` and `grant`.
pub fn message(change: Change<'_>, at: i64) -> Result<OutboxMessage, WebhookError> {
    let (kind, grant, data) = match change {
        Change::Received(grant) => (
            "grant.received",
            grant,
            json!({
                "claims": grant.claims, "received": grant.received, "channels": grant.channels,
                "retention_until": grant.retention_until,
            }),
        ),
        Change::Updated {
            grant,
            replaces,
            event,
        } => (
            "grant.updated",
            grant,
            json!({
                "replaces": replaces, "event": event, "claims": grant.claims,
                "received": grant.received, "channels": grant.channels,
                "retention_until": grant.retention_until,
            }),
        ),
        Change::Withdrawn {
            grant,
            erasure,
            event,
            requested_at,
        } => (
            if erasure {
                "grant.erased"
            } else {
                "grant.revoked"
            },
            grant,
            json!({"event": event, "erased": grant.received, "requested_at": requested_at}),
        ),
        Change::Channels {
            grant,
            channels,
            consent,
            event,
        } => (
            "grant.channels_changed",
            grant,
            json!({
                "event": event, "channels": channels, "night_ads": consent.night_ads,
                "given_at": consent.given_at,
            }),
        ),
    };
    let mut data = data;
    if let Some(map) = data.as_object_mut() {
        map.insert("consumer".into(), Value::from(grant.consumer.as_str()));
        map.insert("grant".into(), Value::from(grant.jti.as_str()));
    }
    let body = serde_json::to_string(&json!({
        "type": kind, "timestamp": rfc3339(at), "data": data,
    }))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(WebhookError::TooLarge(body.len()));
    }
    Ok(OutboxMessage {
        id: format!("msg_{}", random_id(16)?),
        grant_jti: grant.jti.clone(),
        created_at: at,
        body,
    })
}

/// Seconds before attempt `attempts + 1`: 1, 2, 4, … at most [`MAX_BACKOFF_SECS`].
pub fn backoff_secs(attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    2_i64.saturating_pow(exponent).min(MAX_BACKOFF_SECS)
}

/// Sends due messages until `shutdown` resolves. Store errors are logged and retried on the
/// next round; nothing here can lose a message, since it leaves the outbox only after a 2xx.
pub async fn run(
    store: Store,
    config: std::sync::Arc<WebhookConfig>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(15)))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    tokio::pin!(shutdown);
    loop {
        let sent = match round(&store, &config, &agent).await {
            Ok(sent) => sent,
            Err(e) => {
                tracing::error!(error = %e, "webhook outbox: database error");
                0
            }
        };
        if sent > 0 {
            continue;
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(config.poll) => {}
        }
    }
}

/// One pass over the due messages; returns how many were delivered.
async fn round(
    store: &Store,
    config: &std::sync::Arc<WebhookConfig>,
    agent: &ureq::Agent,
) -> Result<usize, crate::store::StoreError> {
    let mut delivered = 0;
    for message in store.outbox_due(now(), BATCH).await? {
        let at = now();
        if !store.outbox_claim(&message.id, at, at + LEASE_SECS).await? {
            continue;
        }
        let config = std::sync::Arc::clone(config);
        let agent = agent.clone();
        let (id, body) = (message.id.clone(), message.body);
        let outcome = tokio::task::spawn_blocking(move || send(&agent, &config, &id, &body))
            .await
            .unwrap_or_else(|_| Err("the sender thread failed".to_owned()));
        match outcome {
            Ok(()) => {
                store.outbox_delivered(&message.id).await?;
                tracing::info!(id = %message.id, "webhook delivered");
                delivered += 1;
            }
            Err(reason) => {
                let wait = backoff_secs(message.attempts);
                tracing::warn!(id = %message.id, attempts = message.attempts + 1, retry_in = wait, %reason, "webhook failed");
                store
                    .outbox_failed(&message.id, now() + wait, &reason)
                    .await?;
            }
        }
    }
    Ok(delivered)
}

/// One POST; `Ok` only for a 2xx answer. The answer's body is never read.
fn send(agent: &ureq::Agent, config: &WebhookConfig, id: &str, body: &str) -> Result<(), String> {
    let timestamp = now();
    let signature = config.secret.sign(id, timestamp, body);
    let answer = agent
        .post(config.url.as_str())
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .content_type("application/json")
        .send(body)
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

/// `secs` since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_origin_rule() {
        for ok in [
            "https://crm.example/hooks/vouchsafe",
            "http://127.0.0.1:9000/hook",
            "http://[::1]:9000/",
        ] {
            assert!(WebhookUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://crm.example/hook",
            "http://localhost:9000/hook",
            "ftp://crm.example/",
            "https://user:pw@crm.example/",
            "not a url",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_signature_is_the_standard_webhooks_one() -> Result<(), Box<dyn std::error::Error>> {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err());
        assert_eq!(format!("{secret:?}"), "WebhookSecret(…)");
        Ok(())
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (0..14).map(backoff_secs).collect();
        assert_eq!(&waits[..5], &[1, 2, 4, 8, 16]);
        assert_eq!(waits[13], MAX_BACKOFF_SECS);
        assert_eq!(backoff_secs(i64::MAX), MAX_BACKOFF_SECS);
    }

    #[test]
    fn timestamps_are_rfc_3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_827_696), "2000-02-29T12:34:56Z");
    }
}
