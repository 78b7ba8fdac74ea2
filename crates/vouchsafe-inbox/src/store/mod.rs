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
    },
    /// Change the channels the brand may use.
    Channels {
        /// The grant.
        grant_jti: String,
        /// The full new list.
        channels: Vec<Channel>,
    },
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
    "CREATE TABLE IF NOT EXISTS events (
        jti TEXT PRIMARY KEY, grant_jti TEXT NOT NULL, kind TEXT NOT NULL,
        received_at BIGINT NOT NULL, receipt TEXT)",
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
const GRANT_CHANNELS: &str = "UPDATE grants SET channels = $1 WHERE jti = $2";

const EVENT_INSERT: &str =
    "INSERT INTO events (jti, grant_jti, kind, received_at, receipt) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (jti) DO NOTHING";
const EVENT_COLUMNS: &str = "jti, grant_jti, kind, received_at, receipt";

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

    /// In one transaction: consume `nonce` (live, unused, not expired at `now`) for this grant
    /// and store the grant.
    pub async fn accept_grant(
        &self,
        nonce: &str,
        now: i64,
        grant: &GrantRecord,
    ) -> Result<Accepted, StoreError> {
        dispatch!(self.accept_grant(nonce, now, grant))
    }

    /// In one transaction: record the event and apply its effect. `false` when an event with
    /// this `jti` was already recorded (then nothing changes).
    pub async fn apply_event(
        &self,
        event: &EventRecord,
        effect: Option<&Effect>,
    ) -> Result<bool, StoreError> {
        dispatch!(self.apply_event(event, effect))
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
