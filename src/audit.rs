//! The append-only, hash-chained audit log.
//!
//! Entry `n` stores `hash_n = SHA-256("vouchsafe/v1/audit" ‖ hash_{n-1} ‖ n ‖ at ‖ sealed_n)`,
//! with `hash_0` all zeros. Each entry's content is sealed like user content, its associated
//! data naming its sequence number, so an entry moved to another position does not open. The
//! head (last sequence number and hash) is sealed in `vault_meta`, so removing entries from the
//! end is caught too. Written in the same transaction as the change it records.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::DataKey;
use crate::crypto::record::{self, Place};
use crate::error::{Result, VaultError};
use crate::vault::{Vault, now};

const AUDIT: &str = "audit";
const HEAD: &str = "audit_head";

/// What happened. Names only what changed, never a value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEvent {
    /// e.g. `field.set`, `grant.issued`.
    pub action: String,
    /// What it happened to: a field name, a brand id, a grant id.
    pub subject: String,
    /// A short plain-language detail.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl AuditEvent {
    pub fn new(action: &str, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            subject: subject.into(),
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    #[serde(flatten)]
    pub event: AuditEvent,
}

#[derive(Serialize, Deserialize)]
struct Head {
    seq: i64,
    hash: Vec<u8>,
}

/// Result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChainState {
    Intact { entries: i64 },
    Broken { at_seq: i64, reason: String },
}

fn link(prev: &[u8], seq: i64, at: i64, sealed: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"vouchsafe/v1/audit");
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.to_be_bytes());
    h.update(sealed);
    h.finalize().to_vec()
}

fn seq_id(seq: i64) -> String {
    seq.to_string()
}

/// Append an event inside the caller's transaction.
pub(crate) fn append(conn: &Connection, key: &DataKey, event: &AuditEvent) -> Result<()> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, vec![0u8; 32]));
    let seq = prev_seq + 1;
    let at = now();
    let id = seq_id(seq);
    let sealed = record::seal_json(
        key,
        Place {
            table: AUDIT,
            id: &id,
        },
        event,
    )?;
    let hash = link(&prev_hash, seq, at, &sealed);
    conn.execute(
        "INSERT INTO audit (seq, at, sealed, hash) VALUES (?1, ?2, ?3, ?4)",
        params![seq, at, sealed, hash],
    )?;
    let head = record::seal_json(
        key,
        Place {
            table: HEAD,
            id: "1",
        },
        &Head { seq, hash },
    )?;
    conn.execute("UPDATE vault_meta SET audit_head = ?1 WHERE id = 1", [head])?;
    Ok(())
}

impl Vault {
    /// Every audit entry, oldest first. Fails on an entry that does not open.
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, sealed FROM audit ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, sealed) = row?;
            let id = seq_id(seq);
            let event: AuditEvent = self.open_record(AUDIT, &id, &sealed)?;
            out.push(AuditEntry { seq, at, event });
        }
        Ok(out)
    }

    /// Check the whole chain; names the first entry that was altered, removed or reordered.
    pub fn verify_audit(&self) -> Result<ChainState> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, sealed, hash FROM audit ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut prev = vec![0u8; 32];
        let mut expected = 1i64;
        for row in rows {
            let (seq, at, sealed, hash) = row?;
            if seq != expected {
                return Ok(ChainState::Broken {
                    at_seq: expected,
                    reason: format!("entry {expected} is missing (next present is {seq})"),
                });
            }
            let id = seq_id(seq);
            if self.open_record::<AuditEvent>(AUDIT, &id, &sealed).is_err() {
                return Ok(ChainState::Broken {
                    at_seq: seq,
                    reason: format!("entry {seq} was altered or moved (its content does not open)"),
                });
            }
            if link(&prev, seq, at, &sealed) != hash {
                return Ok(ChainState::Broken {
                    at_seq: seq,
                    reason: format!(
                        "entry {seq} does not follow from entry {} (altered, inserted or reordered)",
                        seq - 1
                    ),
                });
            }
            prev = hash;
            expected += 1;
        }
        let last = expected - 1;
        let head: Option<Vec<u8>> =
            self.conn
                .query_row("SELECT audit_head FROM vault_meta WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        match head {
            None if last == 0 => Ok(ChainState::Intact { entries: 0 }),
            None => Ok(ChainState::Broken {
                at_seq: 1,
                reason: "the log's head record is missing".into(),
            }),
            Some(sealed) => {
                let Ok(head) = self.open_record::<Head>(HEAD, "1", &sealed) else {
                    return Ok(ChainState::Broken {
                        at_seq: last,
                        reason: "the log's head record was altered".into(),
                    });
                };
                if head.seq != last || head.hash != prev {
                    return Ok(ChainState::Broken {
                        at_seq: (last + 1).min(head.seq.max(1)),
                        reason: format!(
                            "the log ends at entry {last} but entry {} was written: entries were removed from the end",
                            head.seq
                        ),
                    });
                }
                Ok(ChainState::Intact { entries: last })
            }
        }
    }

    /// Record an event on its own (for actions that change nothing else, such as an export).
    pub(crate) fn audit(&self, event: AuditEvent) -> Result<()> {
        crate::store::write(&self.conn, |c| {
            append(c, &self.key, &event)?;
            Ok::<_, VaultError>(())
        })
    }
}
