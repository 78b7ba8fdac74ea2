//! The audit log repository: reading the entries and checking the hash chain. Appending is
//! the records layer's job, inside the transaction of the change recorded.

use std::ops::Deref;

use serde::Serialize;

use crate::crypto::hex;
use crate::error::Result;
use crate::records::audit_log::link;
use crate::records::{AuditEvent, Records};

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// Result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChainState {
    Intact { entries: i64 },
    Broken { at_seq: i64, reason: String },
}

/// The audit log, read-only: entries are only ever appended by the change they record.
#[derive(Debug)]
pub struct AuditRepo<R> {
    rec: R,
}

impl<R: Deref<Target = Records>> AuditRepo<R> {
    pub(crate) fn new(rec: R) -> Self {
        Self { rec }
    }

    /// Every audit entry, oldest first. Fails on an entry that does not open.
    pub fn entries(&self) -> Result<Vec<AuditEntry>> {
        let mut out = Vec::new();
        for (seq, at, sealed, _) in self.rec.audit_rows()? {
            let event = self.rec.open_audit(seq, &sealed)?;
            out.push(AuditEntry { seq, at, event });
        }
        Ok(out)
    }

    /// `limit` entries from `offset`, newest first, and how many there are. Only those entries
    /// are opened, so a screen can show a page of a long log cheaply.
    pub fn page(&self, offset: usize, limit: usize) -> Result<(Vec<AuditEntry>, usize)> {
        let rows = self.rec.audit_rows()?;
        let total = rows.len();
        let mut out = Vec::new();
        for (seq, at, sealed, _) in rows.into_iter().rev().skip(offset).take(limit) {
            let event = self.rec.open_audit(seq, &sealed)?;
            out.push(AuditEntry { seq, at, event });
        }
        Ok((out, total))
    }

    /// Check the whole chain; names the first entry that was altered, removed or reordered.
    pub fn verify(&self) -> Result<ChainState> {
        let mut prev = vec![0u8; 32];
        let mut expected = 1i64;
        for (seq, at, sealed, hash) in self.rec.audit_rows()? {
            if seq != expected {
                return Ok(ChainState::Broken {
                    at_seq: expected,
                    reason: format!("entry {expected} is missing (next present is {seq})"),
                });
            }
            if self.rec.open_audit(seq, &sealed).is_err() {
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
        match self.rec.anchor()? {
            None => Ok(ChainState::Broken {
                at_seq: last.max(1),
                reason: "the vault's integrity anchor (the log's head) is missing: the log was emptied or its head removed".into(),
            }),
            Some(Err(_)) => Ok(ChainState::Broken {
                at_seq: last.max(1),
                reason: "the vault's integrity anchor (the log's head) was altered".into(),
            }),
            Some(Ok(anchor)) => {
                if anchor.audit_seq != last || anchor.audit_hash != hex(&prev) {
                    let head_seq = anchor.audit_seq;
                    let reason = if head_seq > last {
                        format!(
                            "the log ends at entry {last} but entry {head_seq} was written: entries were removed from the end"
                        )
                    } else {
                        format!(
                            "the log does not end where the vault's anchor says (entry {head_seq}): it was replaced or rolled back"
                        )
                    };
                    return Ok(ChainState::Broken {
                        at_seq: (last + 1).min(head_seq.max(1)),
                        reason,
                    });
                }
                Ok(ChainState::Intact { entries: last })
            }
        }
    }
}
