//! The append-only, hash-chained audit log: the event type and how an entry is chained.
//!
//! Entry `n` stores `hash_n = SHA-256("vouchsafe/v1/audit" ‖ hash_{n-1} ‖ n ‖ at ‖ sealed_n)`,
//! with `hash_0` all zeros. Each entry's content is sealed like user content, its associated
//! data naming its sequence number, so an entry moved to another position does not open. The
//! head (last sequence number and hash) is kept in the vault's sealed anchor (see
//! [`super::integrity`]), bound to the vault id and a generation, so removing entries from the
//! end, emptying the log or putting back an older prefix is caught too. A vault created since
//! schema 3 starts its log with a genesis entry, `vault.created`, naming the vault id. Appending lives here, in the records layer, so that it can only happen
//! inside the transaction of the change it records (see [`super::Tx::audit`]); reading and
//! checking the chain is the audit repository's job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub(crate) const AUDIT: &str = "audit";

/// What happened. Names only what changed, never a value.
///
/// `action` doubles as the message key a face translates (`grant.issued`), and `params` holds
/// the key's parameters (`brand`, `fields`, …). `detail` is the English phrase the CLI prints;
/// entries written before parameters existed have only `detail`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditEvent {
    /// e.g. `field.set`, `grant.issued`: also the message key.
    pub action: String,
    /// What it happened to: a field name, a brand id, a grant id.
    pub subject: String,
    /// A short plain-language detail, in English.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Parameters of the message key; empty for entries written before they existed.
    /// Not part of this type's own serialisation, which the CLI's `audit --json` prints.
    #[serde(skip)]
    pub params: BTreeMap<String, String>,
}

impl AuditEvent {
    pub fn new(action: &str, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            subject: subject.into(),
            detail: detail.into(),
            params: BTreeMap::new(),
        }
    }

    /// Add a parameter of the message key.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// The message key a face translates: the action itself.
    pub fn key(&self) -> &str {
        &self.action
    }
}

/// The sealed form of an event. Old entries have no `params`; reading them gives none.
#[derive(Serialize, Deserialize)]
pub(crate) struct SealedEvent {
    action: String,
    subject: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    detail: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    params: BTreeMap<String, String>,
}

impl From<&AuditEvent> for SealedEvent {
    fn from(e: &AuditEvent) -> Self {
        Self {
            action: e.action.clone(),
            subject: e.subject.clone(),
            detail: e.detail.clone(),
            params: e.params.clone(),
        }
    }
}

impl From<SealedEvent> for AuditEvent {
    fn from(e: SealedEvent) -> Self {
        Self {
            action: e.action,
            subject: e.subject,
            detail: e.detail,
            params: e.params,
        }
    }
}

/// The hash linking entry `seq` to the one before.
pub(crate) fn link(prev: &[u8], seq: i64, at: i64, sealed: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"vouchsafe/v1/audit");
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.to_be_bytes());
    h.update(sealed);
    h.finalize().to_vec()
}

/// The record id of entry `seq`, bound into its associated data.
pub(crate) fn seq_id(seq: i64) -> String {
    seq.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_entries_without_params_read_and_new_ones_keep_them() {
        let old: SealedEvent = serde_json::from_str(
            r#"{"action":"grant.issued","subject":"g1","detail":"to acme: email"}"#,
        )
        .expect("old entry");
        let old = AuditEvent::from(old);
        assert_eq!(old.key(), "grant.issued");
        assert!(old.params.is_empty());
        assert_eq!(old.detail, "to acme: email");

        let new = AuditEvent::new("grant.issued", "g2", "to acme: email")
            .with("brand", "acme")
            .with("fields", "email");
        let sealed = serde_json::to_string(&SealedEvent::from(&new)).expect("json");
        assert_eq!(
            sealed,
            r#"{"action":"grant.issued","subject":"g2","detail":"to acme: email","params":{"brand":"acme","fields":"email"}}"#
        );
        let back = AuditEvent::from(serde_json::from_str::<SealedEvent>(&sealed).expect("read"));
        assert_eq!(back, new);
        // The event's own JSON (what `audit --json` prints) is unchanged by parameters.
        assert_eq!(
            serde_json::to_string(&new).expect("json"),
            r#"{"action":"grant.issued","subject":"g2","detail":"to acme: email"}"#
        );
    }
}
