//! SQLite through rusqlite: one connection on a blocking thread, WAL, `synchronous=FULL`.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use zeroize::Zeroizing;

use super::*;

/// An embedded SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    pub(super) outbox: bool,
}

/// rusqlite numbers its placeholders `?n`; the shared SQL says `$n`.
fn sql(text: &str) -> String {
    text.replace('$', "?")
}

impl SqliteStore {
    pub(super) async fn open(path: &str) -> Result<Self, StoreError> {
        let path = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || -> Result<Connection, StoreError> {
            create_private(&path)?;
            let conn = Connection::open(&path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            for statement in SCHEMA {
                conn.execute(statement, [])?;
            }
            Ok(conn)
        })
        .await
        .map_err(|_| StoreError::Worker)??;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            outbox: false,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Worker)?;
            f(&mut guard)
        })
        .await
        .map_err(|_| StoreError::Worker)?
    }

    pub(super) async fn brand_secret(
        &self,
        candidate: Zeroizing<String>,
        now: i64,
    ) -> Result<Zeroizing<String>, StoreError> {
        self.run(move |c| {
            c.execute(&sql(KEY_INSERT), params![candidate.as_str(), now])?;
            let stored: String = c.query_row(KEY_SELECT, [], |r| r.get(0))?;
            Ok(Zeroizing::new(stored))
        })
        .await
    }

    pub(super) async fn insert_request(&self, r: &RequestRecord) -> Result<(), StoreError> {
        let spec =
            serde_json::to_string(&r.spec).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let r = r.clone();
        self.run(move |c| {
            c.execute(
                &sql(REQUEST_INSERT),
                params![
                    r.id,
                    r.nonce,
                    r.state,
                    spec,
                    r.jwt,
                    r.created_at,
                    r.expires_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    pub(super) async fn request(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<RequestRecord>, StoreError> {
        let value = value.to_owned();
        self.run(move |c| {
            let text = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE {column} = ?1");
            let row = c
                .query_row(&text, [value], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                })
                .optional()?;
            row.map(
                |(id, nonce, state, spec, jwt, created_at, expires_at, used_by)| {
                    Ok(RequestRecord {
                        id,
                        nonce,
                        state,
                        spec: decode_json("request spec", &spec)?,
                        jwt,
                        created_at,
                        expires_at,
                        used_by,
                    })
                },
            )
            .transpose()
        })
        .await
    }

    pub(super) async fn grant(&self, jti: &str) -> Result<Option<GrantRecord>, StoreError> {
        let jti = jti.to_owned();
        self.run(move |c| {
            let text = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE jti = ?1");
            c.query_row(&text, [jti], raw_grant)
                .optional()?
                .map(RawGrant::decode)
                .transpose()
        })
        .await
    }

    pub(super) async fn accept_grant(
        &self,
        nonce: &str,
        open_at: i64,
        grant: &GrantRecord,
        consent: Option<ChannelConsent>,
        outbox: Option<&OutboxMessage>,
    ) -> Result<Accepted, StoreError> {
        let nonce = nonce.to_owned();
        let grant = grant.clone();
        let text = encode_grant(&grant)?;
        let outbox = outbox.cloned();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM grants WHERE jti = ?1", [&grant.jti], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_some() {
                return Ok(Accepted::DuplicateJti);
            }
            if tx.execute(&sql(NONCE_CONSUME), params![grant.jti, nonce, open_at])? != 1 {
                return Ok(Accepted::NonceUnavailable);
            }
            insert_grant(&tx, &grant, &text)?;
            if let Some(consent) = consent {
                insert_consent(&tx, &grant.jti, consent)?;
            }
            if let Some(message) = &outbox {
                insert_outbox(&tx, message)?;
            }
            tx.commit()?;
            Ok(Accepted::Stored)
        })
        .await
    }

    pub(super) async fn withdraw(
        &self,
        grant_jti: &str,
        at: i64,
        outbox: Option<&OutboxMessage>,
    ) -> Result<bool, StoreError> {
        let grant_jti = grant_jti.to_owned();
        let outbox = outbox.cloned();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let changed = tx.execute(
                &sql(GRANT_WITHDRAW),
                params![GrantState::Revoked.as_str(), at, grant_jti],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            tx.execute(&sql(OUTBOX_FORGET), [&grant_jti])?;
            if let Some(message) = &outbox {
                insert_outbox(&tx, message)?;
            }
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    pub(super) async fn apply_event(
        &self,
        event: &EventRecord,
        effect: Option<&Effect>,
        outbox: Option<&OutboxMessage>,
    ) -> Result<bool, StoreError> {
        let event = event.clone();
        let effect = effect.cloned();
        let outbox = outbox.cloned();
        let new_text = match &effect {
            Some(Effect::Replace { new, .. }) => Some(encode_grant(new)?),
            _ => None,
        };
        let channels = match &effect {
            Some(Effect::Channels { channels, .. }) => Some(
                serde_json::to_string(channels).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
            _ => None,
        };
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let inserted = tx.execute(
                &sql(EVENT_INSERT),
                params![
                    event.jti,
                    event.grant_jti,
                    event.kind,
                    event.received_at,
                    event.receipt
                ],
            )?;
            if inserted == 0 {
                return Ok(false);
            }
            match (&effect, new_text, channels) {
                (
                    Some(Effect::Erase {
                        grant_jti,
                        state,
                        at,
                    }),
                    _,
                    _,
                ) => {
                    tx.execute(
                        &sql(GRANT_ERASE),
                        params![state.as_str(), at, at, grant_jti],
                    )?;
                    tx.execute(&sql(OUTBOX_FORGET), [grant_jti])?;
                }
                (
                    Some(Effect::Replace {
                        old_jti,
                        at,
                        new,
                        consent,
                    }),
                    Some(text),
                    _,
                ) => {
                    tx.execute(
                        &sql(GRANT_ERASE),
                        params![GrantState::Replaced.as_str(), at, at, old_jti],
                    )?;
                    tx.execute(&sql(OUTBOX_FORGET), [old_jti])?;
                    insert_grant(&tx, new, &text)?;
                    tx.execute(&sql(CONSENT_INHERIT), params![new.jti, old_jti])?;
                    if let Some(consent) = consent {
                        insert_consent(&tx, &new.jti, *consent)?;
                    }
                }
                (
                    Some(Effect::Channels {
                        grant_jti, consent, ..
                    }),
                    _,
                    Some(channels),
                ) => {
                    tx.execute(&sql(GRANT_CHANNELS), params![channels, grant_jti])?;
                    tx.execute(
                        &sql(CONSENT_UPSERT),
                        params![grant_jti, i64::from(consent.night_ads), consent.given_at],
                    )?;
                }
                _ => {}
            }
            if let Some(message) = &outbox {
                insert_outbox(&tx, message)?;
            }
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    pub(super) async fn event(&self, jti: &str) -> Result<Option<EventRecord>, StoreError> {
        let jti = jti.to_owned();
        self.run(move |c| {
            let text = format!("SELECT {EVENT_COLUMNS} FROM events WHERE jti = ?1");
            Ok(c.query_row(&text, [jti], |r| {
                Ok(EventRecord {
                    jti: r.get(0)?,
                    grant_jti: r.get(1)?,
                    kind: r.get(2)?,
                    received_at: r.get(3)?,
                    receipt: r.get(4)?,
                })
            })
            .optional()?)
        })
        .await
    }

    pub(super) async fn grants(
        &self,
        consumer: Option<&str>,
    ) -> Result<Vec<GrantRecord>, StoreError> {
        let consumer = consumer.map(str::to_owned);
        self.run(move |c| {
            let raws: Vec<RawGrant> = match consumer {
                Some(who) => {
                    let text = format!(
                        "SELECT {GRANT_COLUMNS} FROM grants WHERE consumer = ?1 ORDER BY received_at, jti"
                    );
                    let mut stmt = c.prepare(&text)?;
                    stmt.query_map([who], raw_grant)?
                        .collect::<Result<_, _>>()?
                }
                None => {
                    let text = format!(
                        "SELECT {GRANT_COLUMNS} FROM grants ORDER BY consumer, received_at, jti"
                    );
                    let mut stmt = c.prepare(&text)?;
                    stmt.query_map([], raw_grant)?.collect::<Result<_, _>>()?
                }
            };
            raws.into_iter().map(RawGrant::decode).collect()
        })
        .await
    }

    pub(super) async fn import_grants(&self, grants: &[GrantRecord]) -> Result<(), StoreError> {
        let rows = grants
            .iter()
            .map(|g| Ok((g.clone(), encode_grant(g)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (grant, text) in &rows {
                insert_grant(&tx, grant, text)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(super) async fn outbox_due(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<DueMessage>, StoreError> {
        self.run(move |c| {
            let mut stmt = c.prepare(&sql(OUTBOX_DUE))?;
            let rows = stmt
                .query_map(params![now, limit], |r| {
                    Ok(DueMessage {
                        id: r.get(0)?,
                        body: r.get(1)?,
                        attempts: r.get(2)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }

    pub(super) async fn outbox_claim(
        &self,
        id: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.run(move |c| Ok(c.execute(&sql(OUTBOX_CLAIM), params![until, id, now])? == 1))
            .await
    }

    pub(super) async fn outbox_delivered(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run(move |c| {
            c.execute(&sql(OUTBOX_DELIVERED), [id])?;
            Ok(())
        })
        .await
    }

    pub(super) async fn outbox_failed(
        &self,
        id: &str,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        let (id, error) = (id.to_owned(), error.to_owned());
        self.run(move |c| {
            c.execute(&sql(OUTBOX_FAILED), params![next_attempt_at, error, id])?;
            Ok(())
        })
        .await
    }

    pub(super) async fn outbox_len(&self) -> Result<i64, StoreError> {
        self.run(|c| Ok(c.query_row("SELECT COUNT(*) FROM webhook_outbox", [], |r| r.get(0))?))
            .await
    }

    pub(super) async fn channel_consent(
        &self,
        grant_jti: &str,
    ) -> Result<Option<ChannelConsent>, StoreError> {
        let grant_jti = grant_jti.to_owned();
        self.run(move |c| {
            Ok(c.query_row(&sql(CONSENT_SELECT), [grant_jti], |r| {
                Ok(ChannelConsent {
                    night_ads: r.get::<_, i64>(0)? != 0,
                    given_at: r.get(1)?,
                })
            })
            .optional()?)
        })
        .await
    }

    pub(super) async fn channel_consents(
        &self,
    ) -> Result<std::collections::HashMap<String, ChannelConsent>, StoreError> {
        self.run(|c| {
            let mut stmt = c.prepare(CONSENT_ALL)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        ChannelConsent {
                            night_ads: r.get::<_, i64>(1)? != 0,
                            given_at: r.get(2)?,
                        },
                    ))
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
    }

    pub(super) async fn prune_requests(&self, cutoff: i64) -> Result<u64, StoreError> {
        self.run(move |c| {
            let deleted = c.execute(&sql(PRUNE_REQUESTS), [cutoff])?;
            Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
        })
        .await
    }

    pub(super) async fn counts(&self) -> Result<(i64, i64, i64), StoreError> {
        self.run(|c| {
            let count = |table: &str| -> Result<i64, StoreError> {
                Ok(c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
            };
            Ok((count("requests")?, count("grants")?, count("events")?))
        })
        .await
    }
}

fn insert_grant(
    tx: &rusqlite::Transaction<'_>,
    g: &GrantRecord,
    text: &GrantText,
) -> Result<(), StoreError> {
    tx.execute(
        &sql(GRANT_INSERT),
        params![
            g.jti,
            g.consumer,
            g.consumer_jwk,
            g.request_id,
            g.sha256,
            g.state.as_str(),
            text.claims,
            text.received,
            text.channels,
            g.retention,
            g.retention_until,
            g.received_at,
            g.revoked_at,
            g.erased_at,
            g.receipt,
            g.exp,
            g.status_uri,
            g.status_idx
        ],
    )?;
    Ok(())
}

fn insert_outbox(tx: &rusqlite::Transaction<'_>, m: &OutboxMessage) -> Result<(), StoreError> {
    tx.execute(
        &sql(OUTBOX_INSERT),
        params![m.id, m.grant_jti, m.created_at, m.body],
    )?;
    Ok(())
}

fn insert_consent(
    tx: &rusqlite::Transaction<'_>,
    grant_jti: &str,
    consent: ChannelConsent,
) -> Result<(), StoreError> {
    tx.execute(
        &sql(CONSENT_FROM_GRANT),
        params![grant_jti, i64::from(consent.night_ads), consent.given_at],
    )?;
    Ok(())
}

/// The grant row as stored, before its JSON columns are decoded.
pub(super) struct RawGrant {
    pub(super) text: [String; 9],
    pub(super) request_id: Option<String>,
    pub(super) claims: Option<String>,
    pub(super) status_uri: Option<String>,
    pub(super) numbers: [i64; 3],
    pub(super) revoked_at: Option<i64>,
    pub(super) erased_at: Option<i64>,
    pub(super) status_idx: Option<i64>,
}

impl RawGrant {
    /// `text`: jti, consumer, consumer_jwk, sha256, state, received, channels, retention,
    /// receipt; `numbers`: retention_until, received_at, exp.
    pub(super) fn decode(self) -> Result<GrantRecord, StoreError> {
        let [
            jti,
            consumer,
            consumer_jwk,
            sha256,
            state,
            received,
            channels,
            retention,
            receipt,
        ] = self.text;
        let [retention_until, received_at, exp] = self.numbers;
        Ok(GrantRecord {
            jti,
            consumer,
            consumer_jwk,
            request_id: self.request_id,
            sha256,
            state: GrantState::parse(&state)?,
            claims: self
                .claims
                .map(|c| decode_json("grant claims", &c))
                .transpose()?,
            received: decode_json("received", &received)?,
            channels: decode_json("channels", &channels)?,
            retention,
            retention_until,
            received_at,
            revoked_at: self.revoked_at,
            erased_at: self.erased_at,
            receipt,
            exp,
            status_uri: self.status_uri,
            status_idx: self.status_idx,
        })
    }
}

fn raw_grant(r: &Row<'_>) -> rusqlite::Result<RawGrant> {
    Ok(RawGrant {
        text: [
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(4)?,
            r.get(5)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
            r.get(14)?,
        ],
        request_id: r.get(3)?,
        claims: r.get(6)?,
        status_uri: r.get(16)?,
        numbers: [r.get(10)?, r.get(11)?, r.get(15)?],
        revoked_at: r.get(12)?,
        erased_at: r.get(13)?,
        status_idx: r.get(17)?,
    })
}

/// Creates the database file with mode 0600 if it does not exist: it holds the brand's signing
/// key and consumers' data.
fn create_private(path: &str) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?;
    Ok(())
}
