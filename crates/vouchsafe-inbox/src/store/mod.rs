//! Where the inbox keeps requests, grants, events and its key: an embedded SQLite file by
//! default, PostgreSQL for a brand that runs several instances.
//!
//! Why an enum over two small implementations rather than sqlx's `Any` driver: the workspace
//! already links SQLite through rusqlite (the vault's store), sqlx's SQLite driver pins an older
//! `libsqlite3-sys`, and one build can link only one SQLite. So SQLite goes through rusqlite
//! (on a blocking thread, one connection: SQLite has one writer anyway) and PostgreSQL through
//! sqlx (a pool). Both run the *same* SQL text, written once below with `$n` placeholders, and
//! the same transaction boundaries; only the row plumbing differs. The protocol tests run
//! unchanged against both.
//!
//! Durability: every state change a 200 or 202 acknowledges is committed before the answer
//! (SQLite `synchronous=FULL` in WAL mode; PostgreSQL's default `synchronous_commit=on`).

mod postgres;
mod sqlite;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::request::{Channel, RequestRecord};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// A storage failure. Never shown to a client beyond "try again later" (500).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The `--db` value is neither `sqlite:PATH` nor `postgres://…`.
    #[error("database URL must be sqlite:PATH or postgres://…, not {0:?}")]
    BadUrl(String),
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    /// A row holds something this version cannot read.
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// The database file could not be created with mode 0600.
    #[error("creating the database file: {0}")]
    Io(#[from] std::io::Error),
    /// The blocking SQLite thread panicked or a lock was poisoned.
    #[error("the SQLite worker failed")]
    Worker,
}

/// Where a grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantState {
    /// Delivered and not withdrawn: the claims are stored.
    Live,
    /// Revoked by the consumer: claims deleted, tombstone kept.
    Revoked,
    /// Revoked with an erasure request: claims deleted, tombstone kept.
    Erased,
    /// Replaced by a newer grant (CAEP token-claims-change): claims deleted.
    Replaced,
}

impl GrantState {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Live => "live",
            GrantState::Revoked => "revoked",
            GrantState::Erased => "erased",
            GrantState::Replaced => "replaced",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "live" => GrantState::Live,
            "revoked" => GrantState::Revoked,
            "erased" => GrantState::Erased,
            "replaced" => GrantState::Replaced,
            other => return Err(StoreError::Corrupt(format!("grant state {other:?}"))),
        })
    }
}

/// A grant as the brand keeps it. `claims` is `None` once erased: the rest is the tombstone.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantRecord {
    /// The grant's `jti`.
    pub jti: String,
    /// The consumer's pairwise id: the grant's `iss` (a thumbprint URN).
    pub consumer: String,
    /// The consumer's public key (JWK JSON), which every later event must be signed with.
    pub consumer_jwk: String,
    /// The request it answered; `None` for a grant that replaced another.
    pub request_id: Option<String>,
    /// base64url SHA-256 of the grant's compact form.
    pub sha256: String,
    /// Where it stands.
    pub state: GrantState,
    /// The released values; `None` once erased.
    pub claims: Option<Map<String, Value>>,
    /// Dotted names of the released claims (kept after erasure: names, never values).
    pub received: Vec<String>,
    /// Channels the brand may use.
    pub channels: Vec<Channel>,
    /// The retention the brand committed to.
    pub retention: String,
    /// When the retention ends.
    pub retention_until: i64,
    /// When the grant was stored.
    pub received_at: i64,
    /// When it was revoked or replaced.
    pub revoked_at: Option<i64>,
    /// When its claims were deleted.
    pub erased_at: Option<i64>,
    /// The brand receipt returned for it.
    pub receipt: String,
    /// The grant's `exp`.
    pub exp: i64,
    /// `status.status_list.uri`.
    pub status_uri: Option<String>,
    /// `status.status_list.idx`.
    pub status_idx: Option<i64>,
}

/// An accepted event (deduplicated by `jti`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// The SET's `jti`.
    pub jti: String,
    /// The grant it concerns.
    pub grant_jti: String,
    /// The event type URI.
    pub kind: String,
    /// When the inbox accepted it.
    pub received_at: i64,
    /// The receipt it produced (erasure receipt, or the brand receipt of a replacing grant).
    pub receipt: Option<String>,
}

/// What an accepted event changes, applied in the same transaction that records it.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Delete the grant's claims and mark it revoked or erased.
    Erase {
        /// The grant.
        grant_jti: String,
        /// [`GrantState::Revoked`] or [`GrantState::Erased`].
        state: GrantState,
        /// When.
        at: i64,
    },
    /// Retire the old grant (claims deleted) and store its replacement.
    Replace {
        /// The grant being replaced.
        old_jti: String,
        /// When.
        at: i64,
        /// The new grant.
        new: Box<GrantRecord>,
        /// The night-time advertising answer the new grant carries, if any; recorded unless the
        /// consent inherited from the old grant is newer.
        consent: Option<ChannelConsent>,
    },
    /// Change the channels the brand may use.
    Channels {
        /// The grant.
        grant_jti: String,
        /// The full new list.
        channels: Vec<Channel>,
        /// The rest of the consent: night-time advertising, and when it was given.
        consent: ChannelConsent,
    },
}

/// A change queued for the brand's CRM webhook (src/webhook.rs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// The `webhook-id`: unique, stable across retries, so the CRM can deduplicate.
    pub id: String,
    /// The grant it is about (to forget unsent values when the grant is erased).
    pub grant_jti: String,
    /// When the change was committed.
    pub created_at: i64,
    /// The JSON body, exactly as it will be signed and sent.
    pub body: String,
}

/// An outbox message due for (another) attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueMessage {
    /// The `webhook-id`.
    pub id: String,
    /// The JSON body.
    pub body: String,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// The consumer's latest channel consent, beyond the list of channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelConsent {
    /// Whether advertising may be sent at night (21:00–08:00).
    pub night_ads: bool,
    /// When the consumer gave it.
    pub given_at: i64,
}

/// The result of trying to store a delivered grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Stored now, nonce consumed.
    Stored,
    /// The nonce is unknown, expired or already used by another grant.
    NonceUnavailable,
    /// A grant with this `jti` is already stored (a concurrent re-post).
    DuplicateJti,
}

/// Schema, the same text for both databases (run in order, idempotent).
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS brand_key (
        id TEXT PRIMARY KEY, secret TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS requests (
        id TEXT PRIMARY KEY, nonce TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
        spec TEXT NOT NULL, jwt TEXT NOT NULL, created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL, used_by TEXT)",
    "CREATE TABLE IF NOT EXISTS grants (
        jti TEXT PRIMARY KEY, consumer TEXT NOT NULL, consumer_jwk TEXT NOT NULL,
        request_id TEXT, sha256 TEXT NOT NULL, state TEXT NOT NULL, claims TEXT,
        received TEXT NOT NULL, channels TEXT NOT NULL, retention TEXT NOT NULL,
        retention_until BIGINT NOT NULL, received_at BIGINT NOT NULL, revoked_at BIGINT,
        erased_at BIGINT, receipt TEXT NOT NULL, exp BIGINT NOT NULL, status_uri TEXT,
        status_idx BIGINT)",
    "CREATE INDEX IF NOT EXISTS grants_consumer ON grants (consumer, received_at)",
    "CREATE INDEX IF NOT EXISTS grants_request ON grants (request_id)",
    "CREATE TABLE IF NOT EXISTS events (
        jti TEXT PRIMARY KEY, grant_jti TEXT NOT NULL, kind TEXT NOT NULL,
        received_at BIGINT NOT NULL, receipt TEXT)",
    // The CRM webhook's durable outbox: one row per verified change, written in the transaction
    // of the change, deleted once the CRM acknowledged it (src/webhook.rs).
    "CREATE TABLE IF NOT EXISTS webhook_outbox (
        id TEXT PRIMARY KEY, grant_jti TEXT NOT NULL, created_at BIGINT NOT NULL,
        body TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
        last_error TEXT)",
    "CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (next_attempt_at)",
    // The consumer's latest channel consent beyond the channel list (a table of its own rather
    // than a new `grants` column, so that databases made by earlier versions need no migration).
    "CREATE TABLE IF NOT EXISTS channel_consent (
        grant_jti TEXT PRIMARY KEY, night_ads BIGINT NOT NULL, given_at BIGINT NOT NULL)",
];

const KEY_INSERT: &str = "INSERT INTO brand_key (id, secret, created_at) VALUES ('current', $1, $2) ON CONFLICT (id) DO NOTHING";
const KEY_SELECT: &str = "SELECT secret FROM brand_key WHERE id = 'current'";

const REQUEST_INSERT: &str =
    "INSERT INTO requests (id, nonce, state, spec, jwt, created_at, expires_at, used_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)";
const REQUEST_COLUMNS: &str = "id, nonce, state, spec, jwt, created_at, expires_at, used_by";
/// Consumes a nonce: succeeds for exactly one grant, and only before `exp`.
const NONCE_CONSUME: &str =
    "UPDATE requests SET used_by = $1 WHERE nonce = $2 AND used_by IS NULL AND expires_at >= $3";

const GRANT_COLUMNS: &str = "jti, consumer, consumer_jwk, request_id, sha256, state, claims, received, channels,
     retention, retention_until, received_at, revoked_at, erased_at, receipt, exp, status_uri, status_idx";
const GRANT_INSERT: &str = "INSERT INTO grants (jti, consumer, consumer_jwk, request_id, sha256, state, claims, received,
     channels, retention, retention_until, received_at, revoked_at, erased_at, receipt, exp, status_uri,
     status_idx) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
const GRANT_ERASE: &str =
    "UPDATE grants SET claims = NULL, state = $1, revoked_at = COALESCE(revoked_at, $2),
     erased_at = COALESCE(erased_at, $3) WHERE jti = $4";
/// Withdraws a grant that is still live (docs/protocol.md §4: a replacement the brand refused
/// still revokes the grant it replaces): claims deleted, tombstone kept.
const GRANT_WITHDRAW: &str =
    "UPDATE grants SET claims = NULL, state = $1, revoked_at = $2, erased_at = $2
     WHERE jti = $3 AND state = 'live'";
const GRANT_CHANNELS: &str = "UPDATE grants SET channels = $1 WHERE jti = $2";

const EVENT_INSERT: &str =
    "INSERT INTO events (jti, grant_jti, kind, received_at, receipt) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (jti) DO NOTHING";
const EVENT_COLUMNS: &str = "jti, grant_jti, kind, received_at, receipt";

const CONSENT_UPSERT: &str = "INSERT INTO channel_consent (grant_jti, night_ads, given_at) VALUES ($1, $2, $3)
     ON CONFLICT (grant_jti) DO UPDATE SET night_ads = excluded.night_ads, given_at = excluded.given_at";
const CONSENT_SELECT: &str = "SELECT night_ads, given_at FROM channel_consent WHERE grant_jti = $1";
/// A replacing grant inherits the consent recorded for the grant it replaces.
const CONSENT_INHERIT: &str = "INSERT INTO channel_consent (grant_jti, night_ads, given_at)
     SELECT $1, night_ads, given_at FROM channel_consent WHERE grant_jti = $2
     ON CONFLICT (grant_jti) DO NOTHING";
/// The consent a grant carries (its `night_ads`), kept unless the consent already recorded for
/// that grant (inherited from the grant it replaces) was given later.
const CONSENT_FROM_GRANT: &str = "INSERT INTO channel_consent (grant_jti, night_ads, given_at) VALUES ($1, $2, $3)
     ON CONFLICT (grant_jti) DO UPDATE SET night_ads = excluded.night_ads, given_at = excluded.given_at
     WHERE excluded.given_at >= channel_consent.given_at";
const CONSENT_ALL: &str = "SELECT grant_jti, night_ads, given_at FROM channel_consent";

const OUTBOX_INSERT: &str = "INSERT INTO webhook_outbox (id, grant_jti, created_at, body, attempts, next_attempt_at, last_error)
     VALUES ($1, $2, $3, $4, 0, $3, NULL)";
/// Messages of an erased grant not yet sent: they may carry the values being erased.
const OUTBOX_FORGET: &str = "DELETE FROM webhook_outbox WHERE grant_jti = $1";
const OUTBOX_DUE: &str = "SELECT id, body, attempts FROM webhook_outbox WHERE next_attempt_at <= $1
     ORDER BY created_at, id LIMIT $2";
/// Leases a message to one sender (several instances may share a database): only the sender
/// whose update moved `next_attempt_at` sends it now.
const OUTBOX_CLAIM: &str =
    "UPDATE webhook_outbox SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at <= $3";
const OUTBOX_DELIVERED: &str = "DELETE FROM webhook_outbox WHERE id = $1";
const OUTBOX_FAILED: &str =
    "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = $1,
     last_error = $2 WHERE id = $3";

/// Requests expired before the cutoff that no live grant answers (a token-claims-change is
/// checked against the request of the grant it replaces, so those are kept).
const PRUNE_REQUESTS: &str = "DELETE FROM requests WHERE expires_at < $1 AND NOT EXISTS
     (SELECT 1 FROM grants WHERE grants.request_id = requests.id AND grants.state = 'live')";

/// The grant's text columns, encoded once for both databases.
struct GrantText {
    claims: Option<String>,
    received: String,
    channels: String,
}

fn encode_grant(grant: &GrantRecord) -> Result<GrantText, StoreError> {
    let json = |v: serde_json::Result<String>| v.map_err(|e| StoreError::Corrupt(e.to_string()));
    Ok(GrantText {
        claims: grant
            .claims
            .as_ref()
            .map(|c| json(serde_json::to_string(c)))
            .transpose()?,
        received: json(serde_json::to_string(&grant.received))?,
        channels: json(serde_json::to_string(&grant.channels))?,
    })
}

fn decode_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// The storage, one of two databases.
#[derive(Debug, Clone)]
pub enum Store {
    /// An embedded SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL pool.
    Postgres(PgStore),
}

macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*).await,
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Opens `sqlite:PATH` (created with mode 0600 if absent) or `postgres://…`, and creates the
    /// schema if needed.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            Ok(Store::Sqlite(SqliteStore::open(path).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(PgStore::open(url).await?))
        } else {
            Err(StoreError::BadUrl(url.to_owned()))
        }
    }

    /// Turns the CRM webhook outbox on (`serve --webhook-url`): from then on the callers of
    /// [`Self::accept_grant`] and [`Self::apply_event`] queue a message with each change.
    pub fn with_outbox(self, on: bool) -> Self {
        match self {
            Store::Sqlite(mut s) => {
                s.outbox = on;
                Store::Sqlite(s)
            }
            Store::Postgres(mut s) => {
                s.outbox = on;
                Store::Postgres(s)
            }
        }
    }

    /// Whether changes are queued for the CRM webhook.
    pub fn outbox_enabled(&self) -> bool {
        match self {
            Store::Sqlite(s) => s.outbox,
            Store::Postgres(s) => s.outbox,
        }
    }

    /// The brand's secret key: `candidate` is stored if no key exists yet, and whatever is
    /// stored is returned, so that instances starting together agree on one key.
    pub async fn brand_secret(
        &self,
        candidate: Zeroizing<[u8; 32]>,
        now: i64,
    ) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        let encoded = Zeroizing::new(vouchsafe_token::b64::encode(candidate.as_ref()));
        let stored = dispatch!(self.brand_secret(encoded, now))?;
        let bytes = Zeroizing::new(
            vouchsafe_token::b64::decode(&stored)
                .ok_or_else(|| StoreError::Corrupt("brand key encoding".into()))?,
        );
        let mut secret = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(StoreError::Corrupt("brand key length".into()));
        }
        secret.copy_from_slice(&bytes);
        Ok(secret)
    }

    /// Stores a new request.
    pub async fn insert_request(&self, request: &RequestRecord) -> Result<(), StoreError> {
        dispatch!(self.insert_request(request))
    }

    /// A request by the id in its `request_uri`.
    pub async fn request(&self, id: &str) -> Result<Option<RequestRecord>, StoreError> {
        dispatch!(self.request("id", id))
    }

    /// A request by its nonce.
    pub async fn request_by_nonce(&self, nonce: &str) -> Result<Option<RequestRecord>, StoreError> {
        dispatch!(self.request("nonce", nonce))
    }

    /// A grant by `jti`.
    pub async fn grant(&self, jti: &str) -> Result<Option<GrantRecord>, StoreError> {
        dispatch!(self.grant(jti))
    }

    /// In one transaction: consume `nonce` (unused, its request not expired before `open_at`:
    /// see [`crate::delivery::open_at`]) for this grant, store the grant with the night-time
    /// advertising answer it carries (`consent`, if any), and queue `outbox` (the CRM webhook
    /// message reporting it) if any.
    pub async fn accept_grant(
        &self,
        nonce: &str,
        open_at: i64,
        grant: &GrantRecord,
        consent: Option<ChannelConsent>,
        outbox: Option<&OutboxMessage>,
    ) -> Result<Accepted, StoreError> {
        dispatch!(self.accept_grant(nonce, open_at, grant, consent, outbox))
    }

    /// In one transaction, if the grant is still live: delete its claims and mark it revoked
    /// (the tombstone stays), drop its unsent outbox messages and queue `outbox`. No event is
    /// recorded: this is the effect of a token-claims-change the brand refused
    /// (docs/protocol.md §4). `false` when the grant was not live (then nothing changes).
    pub async fn withdraw(
        &self,
        grant_jti: &str,
        at: i64,
        outbox: Option<&OutboxMessage>,
    ) -> Result<bool, StoreError> {
        dispatch!(self.withdraw(grant_jti, at, outbox))
    }

    /// In one transaction: record the event, apply its effect and queue `outbox` if any. An
    /// erasure first drops the grant's unsent outbox messages, which may carry its values.
    /// `false` when an event with this `jti` was already recorded (then nothing changes).
    pub async fn apply_event(
        &self,
        event: &EventRecord,
        effect: Option<&Effect>,
        outbox: Option<&OutboxMessage>,
    ) -> Result<bool, StoreError> {
        dispatch!(self.apply_event(event, effect, outbox))
    }

    /// Up to `limit` webhook messages due at `now`, oldest first.
    pub async fn outbox_due(&self, now: i64, limit: i64) -> Result<Vec<DueMessage>, StoreError> {
        dispatch!(self.outbox_due(now, limit))
    }

    /// Leases message `id` until `until` if it is still due at `now`; `false` if another sender
    /// took it first.
    pub async fn outbox_claim(&self, id: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        dispatch!(self.outbox_claim(id, now, until))
    }

    /// The CRM acknowledged message `id`: it is deleted.
    pub async fn outbox_delivered(&self, id: &str) -> Result<(), StoreError> {
        dispatch!(self.outbox_delivered(id))
    }

    /// Message `id` failed; the next attempt is at `next_attempt_at`.
    pub async fn outbox_failed(
        &self,
        id: &str,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self.outbox_failed(id, next_attempt_at, error))
    }

    /// Messages waiting in the webhook outbox.
    pub async fn outbox_len(&self) -> Result<i64, StoreError> {
        dispatch!(self.outbox_len())
    }

    /// The latest channel consent recorded for a grant: the night-time answer the grant carried,
    /// inherited from the grant it replaced, or set by a channel-consent-changed event; none
    /// while nothing was stated.
    pub async fn channel_consent(
        &self,
        grant_jti: &str,
    ) -> Result<Option<ChannelConsent>, StoreError> {
        dispatch!(self.channel_consent(grant_jti))
    }

    /// Every recorded channel consent, by grant `jti` (for the consumer summaries).
    pub async fn channel_consents(
        &self,
    ) -> Result<std::collections::HashMap<String, ChannelConsent>, StoreError> {
        dispatch!(self.channel_consents())
    }

    /// Deletes requests that expired more than `keep` seconds before `now` and that no live
    /// grant answers; returns how many. Unanswered or answered, an expired request can never be
    /// used again; it is kept `keep` seconds so that `GET request_uri` answers `410` rather than
    /// `404` for a while, and kept as long as a live grant answers it, because a
    /// token-claims-change for that grant is checked against it.
    pub async fn prune_requests(&self, now: i64, keep: i64) -> Result<u64, StoreError> {
        dispatch!(self.prune_requests(now.saturating_sub(keep)))
    }

    /// An accepted event by `jti`.
    pub async fn event(&self, jti: &str) -> Result<Option<EventRecord>, StoreError> {
        dispatch!(self.event(jti))
    }

    /// Grants, by consumer then time; one consumer's when `consumer` is given.
    pub async fn grants(&self, consumer: Option<&str>) -> Result<Vec<GrantRecord>, StoreError> {
        dispatch!(self.grants(consumer))
    }

    /// Stores grants as they are, in one transaction: an import from another system, or the
    /// consumers a load test starts with. No nonce is consumed and nothing is checked.
    pub async fn import_grants(&self, grants: &[GrantRecord]) -> Result<(), StoreError> {
        dispatch!(self.import_grants(grants))
    }

    /// Counts of (requests, grants, events): for `/healthz`-style checks and tests.
    pub async fn counts(&self) -> Result<(i64, i64, i64), StoreError> {
        dispatch!(self.counts())
    }
}
