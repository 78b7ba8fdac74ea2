//! PostgreSQL through a sqlx pool: the same SQL and transactions as the SQLite side.

use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
// `AssertSqlSafe` only wraps SQL assembled from this module's constants (column lists and a
// fixed column name); every value is a bound parameter.
use sqlx::{AssertSqlSafe, Postgres, Row, Transaction};
use zeroize::Zeroizing;

use super::sqlite::RawGrant;
use super::*;

/// Arbitrary constant naming the advisory lock that serialises schema creation when several
/// instances start at once (`CREATE TABLE IF NOT EXISTS` is not race-free in PostgreSQL).
const SCHEMA_LOCK: i64 = 0x766f_7563_6873;

/// A PostgreSQL database shared by any number of inbox instances.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    pub(super) outbox: bool,
}

impl PgStore {
    pub(super) async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await?;
        let mut conn = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *conn)
            .await?;
        let mut result = Ok(());
        for statement in SCHEMA {
            if let Err(e) = sqlx::query(*statement).execute(&mut *conn).await {
                result = Err(e);
                break;
            }
        }
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *conn)
            .await?;
        result?;
        Ok(Self {
            pool,
            outbox: false,
        })
    }

    pub(super) async fn brand_secret(
        &self,
        candidate: Zeroizing<String>,
        now: i64,
    ) -> Result<Zeroizing<String>, StoreError> {
        sqlx::query(KEY_INSERT)
            .bind(candidate.as_str())
            .bind(now)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query(KEY_SELECT).fetch_one(&self.pool).await?;
        Ok(Zeroizing::new(row.try_get::<String, _>(0)?))
    }

    pub(super) async fn insert_request(&self, r: &RequestRecord) -> Result<(), StoreError> {
        let spec =
            serde_json::to_string(&r.spec).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(REQUEST_INSERT)
            .bind(&r.id)
            .bind(&r.nonce)
            .bind(&r.state)
            .bind(spec)
            .bind(&r.jwt)
            .bind(r.created_at)
            .bind(r.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn request(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<RequestRecord>, StoreError> {
        let text = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE {column} = $1");
        let Some(r) = sqlx::query(AssertSqlSafe(text))
            .bind(value)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(RequestRecord {
            id: r.try_get(0)?,
            nonce: r.try_get(1)?,
            state: r.try_get(2)?,
            spec: decode_json("request spec", &r.try_get::<String, _>(3)?)?,
            jwt: r.try_get(4)?,
            created_at: r.try_get(5)?,
            expires_at: r.try_get(6)?,
            used_by: r.try_get(7)?,
        }))
    }

    pub(super) async fn grant(&self, jti: &str) -> Result<Option<GrantRecord>, StoreError> {
        let text = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE jti = $1");
        sqlx::query(AssertSqlSafe(text))
            .bind(jti)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| raw_grant(&r)?.decode())
            .transpose()
    }

    pub(super) async fn accept_grant(
        &self,
        nonce: &str,
        open_at: i64,
        grant: &GrantRecord,
        consent: Option<ChannelConsent>,
        outbox: Option<&OutboxMessage>,
    ) -> Result<Accepted, StoreError> {
        let text = encode_grant(grant)?;
        // No "jti already stored?" query here, unlike SQLite: the caller checked just before,
        // and a concurrent duplicate surfaces as the unique violation below. One round trip
        // less per delivery.
        let mut tx = self.pool.begin().await?;
        let consumed = sqlx::query(NONCE_CONSUME)
            .bind(&grant.jti)
            .bind(nonce)
            .bind(open_at)
            .execute(&mut *tx)
            .await?;
        if consumed.rows_affected() != 1 {
            return Ok(Accepted::NonceUnavailable);
        }
        match insert_grant(&mut tx, grant, &text).await {
            Ok(()) => {}
            // Two deliveries of one grant under different nonces racing: the loser sees the
            // winner's row as a unique violation.
            Err(StoreError::Postgres(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                return Ok(Accepted::DuplicateJti);
            }
            Err(e) => return Err(e),
        }
        if let Some(consent) = consent {
            insert_consent(&mut tx, &grant.jti, consent).await?;
        }
        if let Some(message) = outbox {
            insert_outbox(&mut tx, message).await?;
        }
        tx.commit().await?;
        Ok(Accepted::Stored)
    }

    pub(super) async fn withdraw(
        &self,
        grant_jti: &str,
        at: i64,
        outbox: Option<&OutboxMessage>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(GRANT_WITHDRAW)
            .bind(GrantState::Revoked.as_str())
            .bind(at)
            .bind(grant_jti)
            .execute(&mut *tx)
            .await?;
        if changed.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(OUTBOX_FORGET)
            .bind(grant_jti)
            .execute(&mut *tx)
            .await?;
        if let Some(message) = outbox {
            insert_outbox(&mut tx, message).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn apply_event(
        &self,
        event: &EventRecord,
        effect: Option<&Effect>,
        outbox: Option<&OutboxMessage>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(EVENT_INSERT)
            .bind(&event.jti)
            .bind(&event.grant_jti)
            .bind(&event.kind)
            .bind(event.received_at)
            .bind(&event.receipt)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        match effect {
            Some(Effect::Erase {
                grant_jti,
                state,
                at,
            }) => {
                erase(&mut tx, grant_jti, *state, *at).await?;
            }
            Some(Effect::Replace {
                old_jti,
                at,
                new,
                consent,
            }) => {
                erase(&mut tx, old_jti, GrantState::Replaced, *at).await?;
                insert_grant(&mut tx, new, &encode_grant(new)?).await?;
                sqlx::query(CONSENT_INHERIT)
                    .bind(&new.jti)
                    .bind(old_jti)
                    .execute(&mut *tx)
                    .await?;
                if let Some(consent) = consent {
                    insert_consent(&mut tx, &new.jti, *consent).await?;
                }
            }
            Some(Effect::Channels {
                grant_jti,
                channels,
                consent,
            }) => {
                let channels = serde_json::to_string(channels)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query(GRANT_CHANNELS)
                    .bind(channels)
                    .bind(grant_jti)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(CONSENT_UPSERT)
                    .bind(grant_jti)
                    .bind(i64::from(consent.night_ads))
                    .bind(consent.given_at)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {}
        }
        if let Some(message) = outbox {
            insert_outbox(&mut tx, message).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn event(&self, jti: &str) -> Result<Option<EventRecord>, StoreError> {
        let text = format!("SELECT {EVENT_COLUMNS} FROM events WHERE jti = $1");
        let Some(r) = sqlx::query(AssertSqlSafe(text))
            .bind(jti)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(EventRecord {
            jti: r.try_get(0)?,
            grant_jti: r.try_get(1)?,
            kind: r.try_get(2)?,
            received_at: r.try_get(3)?,
            receipt: r.try_get(4)?,
        }))
    }

    pub(super) async fn grants(
        &self,
        consumer: Option<&str>,
    ) -> Result<Vec<GrantRecord>, StoreError> {
        let rows = match consumer {
            Some(who) => {
                let text = format!(
                    "SELECT {GRANT_COLUMNS} FROM grants WHERE consumer = $1 ORDER BY received_at, jti"
                );
                sqlx::query(AssertSqlSafe(text))
                    .bind(who)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let text = format!(
                    "SELECT {GRANT_COLUMNS} FROM grants ORDER BY consumer, received_at, jti"
                );
                sqlx::query(AssertSqlSafe(text))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(|r| raw_grant(r)?.decode()).collect()
    }

    pub(super) async fn import_grants(&self, grants: &[GrantRecord]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for grant in grants {
            insert_grant(&mut tx, grant, &encode_grant(grant)?).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn outbox_due(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<DueMessage>, StoreError> {
        let rows = sqlx::query(OUTBOX_DUE)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DueMessage {
                    id: r.try_get(0)?,
                    body: r.try_get(1)?,
                    attempts: r.try_get(2)?,
                })
            })
            .collect()
    }

    pub(super) async fn outbox_claim(
        &self,
        id: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(OUTBOX_CLAIM)
            .bind(until)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn outbox_delivered(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query(OUTBOX_DELIVERED)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn outbox_failed(
        &self,
        id: &str,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(OUTBOX_FAILED)
            .bind(next_attempt_at)
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(super) async fn outbox_len(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM webhook_outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub(super) async fn channel_consent(
        &self,
        grant_jti: &str,
    ) -> Result<Option<ChannelConsent>, StoreError> {
        let Some(r) = sqlx::query(CONSENT_SELECT)
            .bind(grant_jti)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(ChannelConsent {
            night_ads: r.try_get::<i64, _>(0)? != 0,
            given_at: r.try_get(1)?,
        }))
    }

    pub(super) async fn channel_consents(
        &self,
    ) -> Result<std::collections::HashMap<String, ChannelConsent>, StoreError> {
        let rows = sqlx::query(CONSENT_ALL).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>(0)?,
                    ChannelConsent {
                        night_ads: r.try_get::<i64, _>(1)? != 0,
                        given_at: r.try_get(2)?,
                    },
                ))
            })
            .collect()
    }

    pub(super) async fn prune_requests(&self, cutoff: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(PRUNE_REQUESTS)
            .bind(cutoff)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub(super) async fn counts(&self) -> Result<(i64, i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM requests), (SELECT COUNT(*) FROM grants),
                    (SELECT COUNT(*) FROM events)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
    }
}

async fn erase(
    tx: &mut Transaction<'static, Postgres>,
    jti: &str,
    state: GrantState,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(GRANT_ERASE)
        .bind(state.as_str())
        .bind(at)
        .bind(at)
        .bind(jti)
        .execute(&mut **tx)
        .await?;
    sqlx::query(OUTBOX_FORGET)
        .bind(jti)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_consent(
    tx: &mut Transaction<'static, Postgres>,
    grant_jti: &str,
    consent: ChannelConsent,
) -> Result<(), StoreError> {
    sqlx::query(CONSENT_FROM_GRANT)
        .bind(grant_jti)
        .bind(i64::from(consent.night_ads))
        .bind(consent.given_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_outbox(
    tx: &mut Transaction<'static, Postgres>,
    m: &OutboxMessage,
) -> Result<(), StoreError> {
    sqlx::query(OUTBOX_INSERT)
        .bind(&m.id)
        .bind(&m.grant_jti)
        .bind(m.created_at)
        .bind(&m.body)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_grant(
    tx: &mut Transaction<'static, Postgres>,
    g: &GrantRecord,
    text: &GrantText,
) -> Result<(), StoreError> {
    sqlx::query(GRANT_INSERT)
        .bind(&g.jti)
        .bind(&g.consumer)
        .bind(&g.consumer_jwk)
        .bind(&g.request_id)
        .bind(&g.sha256)
        .bind(g.state.as_str())
        .bind(&text.claims)
        .bind(&text.received)
        .bind(&text.channels)
        .bind(&g.retention)
        .bind(g.retention_until)
        .bind(g.received_at)
        .bind(g.revoked_at)
        .bind(g.erased_at)
        .bind(&g.receipt)
        .bind(g.exp)
        .bind(&g.status_uri)
        .bind(g.status_idx)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn raw_grant(r: &PgRow) -> Result<RawGrant, StoreError> {
    Ok(RawGrant {
        text: [
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(7)?,
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(14)?,
        ],
        request_id: r.try_get(3)?,
        claims: r.try_get(6)?,
        status_uri: r.try_get(16)?,
        numbers: [r.try_get(10)?, r.try_get(11)?, r.try_get(15)?],
        revoked_at: r.try_get(12)?,
        erased_at: r.try_get(13)?,
        status_idx: r.try_get(17)?,
    })
}
