//! Authenticated state: what proves that nothing outside a sealed record was changed.
//!
//! Two things, both under keys only the data key gives:
//! - **Row MACs.** Every row of `fields`, `brands`, `grants`, `grant_receipts`, `grant_tokens` and `outbox`
//!   carries `mac` =
//!   HMAC-SHA-256(row key, table ‖ id ‖ every covered column), with the row key
//!   HKDF-SHA-256(data key, info [`ROW_MAC_INFO`]). Times, the grant's brand link, status index,
//!   issue, expiry and revocation are plaintext columns (SQL needs them), so the MAC is what makes
//!   them trustworthy: a flipped, nulled or copied value no longer matches.
//! - **The anchor.** One sealed record in `vault_meta.anchor` (associated data
//!   `vouchsafe/v1/anchor/<vault id>`) holding the vault id, a generation that grows with every
//!   write, the audit log's last sequence number and hash, and a manifest of every row (id → the
//!   first 8 bytes of its MAC). A deleted row, a re-added one, or a row put back to an older
//!   version of itself (its MAC valid, but not the one the anchor holds) is named by comparing
//!   the rows with the manifest. The anchor is rewritten at the end of every write transaction.
//!
//! A MAC proves a row was written by someone with the data key; the anchor proves it is the
//! latest such row. An older copy of the whole file is consistent with itself: only the
//! generation seen outside the file (see [`super::anchor_store`]) can tell.

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::crypto::{DataKey, hex};

/// HKDF `info` of the row-MAC key; distinct from every other subkey of the data key.
pub(crate) const ROW_MAC_INFO: &[u8] = b"vouchsafe/v3/row-mac";
/// Domain separation inside the MAC input.
const ROW_MAC_DOMAIN: &[u8] = b"vouchsafe/v3/row";
/// Place (table name) of the sealed anchor in associated data.
pub(crate) const ANCHOR: &str = "anchor";
/// How many bytes of each row's MAC the manifest keeps: enough that no older version of a row
/// can match by chance (an attacker cannot compute MACs, so cannot search for a collision).
const MANIFEST_TAG_LEN: usize = 8;

/// The covered columns of each table, in MAC order. `id` and the table name are always bound.
/// A column added to one of these tables must be added here, or it is not authenticated.
pub(crate) const COVERED: &[(&str, &[&str])] = &[
    ("fields", &["sealed", "created_at", "updated_at"]),
    ("brands", &["sealed", "created_at", "updated_at"]),
    (
        "grants",
        &[
            "brand_id",
            "sealed",
            "status_idx",
            "issued_at",
            "expires_at",
            "revoked_at",
        ],
    ),
    ("grant_receipts", &["sealed", "received_at"]),
    ("grant_tokens", &["sealed"]),
    (
        "outbox",
        &[
            "grant_id",
            "sealed",
            "state",
            "attempts",
            "created_at",
            "next_at",
            "updated_at",
        ],
    ),
];

/// The covered columns of `table`; empty for a table without row MACs.
pub(crate) fn covered(table: &str) -> &'static [&'static str] {
    COVERED
        .iter()
        .find(|(t, _)| *t == table)
        .map_or(&[], |(_, cols)| cols)
}

type HmacSha256 = Hmac<Sha256>;

/// The row-MAC key, derived once per unlock.
pub(crate) struct RowKey(Zeroizing<[u8; 32]>);

impl RowKey {
    pub(crate) fn derive(key: &DataKey) -> Self {
        Self(key.subkey(ROW_MAC_INFO))
    }

    fn hmac(&self, table: &str, id: &str, values: &[Value]) -> HmacSha256 {
        let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(self.0.as_ref()) else {
            unreachable!("HMAC accepts keys of any length")
        };
        mac.update(ROW_MAC_DOMAIN);
        let mut put = |bytes: &[u8]| {
            mac.update(&(bytes.len() as u64).to_be_bytes());
            mac.update(bytes);
        };
        put(table.as_bytes());
        put(id.as_bytes());
        for (col, v) in covered(table).iter().zip(values) {
            put(col.as_bytes());
            match v {
                Value::Null => put(b"N"),
                Value::Integer(i) => {
                    put(b"I");
                    put(&i.to_be_bytes());
                }
                Value::Real(r) => {
                    put(b"R");
                    put(&r.to_be_bytes());
                }
                Value::Text(t) => {
                    put(b"T");
                    put(t.as_bytes());
                }
                Value::Blob(b) => {
                    put(b"B");
                    put(b);
                }
            }
        }
        mac
    }

    /// The MAC of a row: `values` are its covered columns, in [`COVERED`] order.
    pub(crate) fn mac(&self, table: &str, id: &str, values: &[Value]) -> Vec<u8> {
        self.hmac(table, id, values)
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Whether `tag` is the row's MAC (constant time).
    pub(crate) fn verify(&self, table: &str, id: &str, values: &[Value], tag: &[u8]) -> bool {
        values.len() == covered(table).len()
            && self.hmac(table, id, values).verify_slice(tag).is_ok()
    }
}

/// The manifest entry of a row: the first bytes of its MAC, hex.
pub(crate) fn manifest_tag(mac: &[u8]) -> String {
    hex(&mac[..mac.len().min(MANIFEST_TAG_LEN)])
}

/// The sealed vault-wide anchor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Anchor {
    pub(crate) vault_id: String,
    pub(crate) generation: u64,
    pub(crate) audit_seq: i64,
    /// Hex of the last audit entry's chain hash (64 zeros for an empty log).
    pub(crate) audit_hash: String,
    /// Table → row id → [`manifest_tag`] of the row's MAC.
    pub(crate) rows: BTreeMap<String, BTreeMap<String, String>>,
}

/// What is wrong with one row, or with the vault's anchor or audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A covered column or the sealed record was changed: the row's MAC does not match.
    Altered,
    /// The anchor lists the row, the file does not have it: deleted.
    Missing,
    /// The file has a row the anchor does not list: inserted or re-added.
    Added,
    /// The row is authentic but not the version the anchor holds: an older copy put back.
    Replaced,
    /// The vault's anchor is missing, altered, or belongs to another vault.
    Anchor,
    /// The audit log does not match its chain or the anchor: edited, emptied, cut or reordered.
    AuditLog,
}

/// One integrity problem, naming its place (`table`/`id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub table: String,
    pub id: String,
    pub kind: ProblemKind,
    /// One plain sentence.
    pub detail: String,
}

impl Problem {
    pub(crate) fn new(table: &str, id: &str, kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            table: table.to_string(),
            id: id.to_string(),
            kind,
            detail: detail.into(),
        }
    }
}

impl Problem {
    /// As the error a read or write returns: names the row and what happened to it.
    pub(crate) fn to_open_error(&self) -> crate::crypto::record::OpenError {
        crate::crypto::record::OpenError(format!("{}/{} ({})", self.table, self.id, self.detail))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}: {}", self.table, self.id, self.detail)
    }
}

/// The result of checking the whole vault: every row, the anchor and the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrityReport {
    /// The vault's id (from the file).
    pub vault_id: String,
    /// The anchor's generation, if it opened.
    pub generation: Option<u64>,
    /// Rows whose MAC was checked.
    pub rows: usize,
    /// Audit entries.
    pub audit_entries: i64,
    /// Everything found wrong, in table order; empty when intact.
    pub problems: Vec<Problem>,
}

impl IntegrityReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_macs_bind_table_id_and_every_column() {
        let key = DataKey::generate().expect("rng");
        let k = RowKey::derive(&key);
        let vals = vec![
            Value::Text("b".into()),
            Value::Blob(vec![1, 2]),
            Value::Integer(5),
            Value::Integer(10),
            Value::Integer(20),
            Value::Null,
        ];
        let tag = k.mac("grants", "g1", &vals);
        assert!(k.verify("grants", "g1", &vals, &tag));
        assert!(!k.verify("grants", "g2", &vals, &tag));
        for i in 0..vals.len() {
            let mut changed = vals.clone();
            changed[i] = match &vals[i] {
                Value::Null => Value::Integer(0),
                _ => Value::Null,
            };
            assert!(!k.verify("grants", "g1", &changed, &tag), "column {i}");
        }
        assert!(!k.verify("grants", "g1", &vals[..5], &tag));
        // The key is a subkey: not the lookup-id key, not another vault's.
        let other = RowKey::derive(&DataKey::generate().expect("rng"));
        assert!(!other.verify("grants", "g1", &vals, &tag));
    }
}
