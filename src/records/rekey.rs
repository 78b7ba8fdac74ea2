//! Re-keying: move every record to a fresh data key, in one transaction.
//!
//! A passphrase change that only re-wraps the data key leaves it as it was: whoever kept the
//! old passphrase and any older copy of the key slot (a backup, an old copy of the file, a
//! `-wal`) could still open everything written afterwards. Re-keying draws a new random data key
//! and, inside one `IMMEDIATE` transaction:
//!
//! 1. opens every sealed record with the old key and seals the same plaintext with the new one
//!    (the plaintext is never parsed beyond the name a lookup id is computed from, and is wiped
//!    after use);
//! 2. recomputes every lookup id (keyed by the data key) and the columns that link to one;
//! 3. re-seals every audit entry and recomputes the hash chain over the new ciphertexts;
//! 4. writes the new key slot (the caller's closure);
//! 5. switches this handle to the new key, re-computes every row MAC, appends the audit entry
//!    and seals a new anchor (its generation keeps growing).
//!
//! SQLite commits all of it or none of it, so after a crash the file opens with exactly one of
//! the two passphrases, with every record readable.

use std::collections::BTreeMap;
use std::fmt;

use rusqlite::{Connection, params};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use zeroize::Zeroizing;

use super::audit_log::{AUDIT, link, seq_id};
use super::integrity::{COVERED, RowKey};
use super::{AuditEvent, Records, Tx};
use crate::crypto::DataKey;
use crate::crypto::keys::LookupKey;
use crate::crypto::record::{OpenError, Place, SealError, open_raw, seal_raw};
use crate::store::StoreError;

/// Which tables hold what, for re-keying. The records layer does not know what a field or a
/// brand is; the vault, which does, says where their lookup names are and what links to them.
pub(crate) struct RekeyPlan {
    /// Tables whose row id is the lookup id of a name inside the sealed record:
    /// (table, JSON key of that name).
    pub(crate) named: &'static [(&'static str, &'static str)],
    /// Tables with random ids, re-sealed in place, and the column that holds the id of a row in
    /// a named table: (table, column, named table).
    pub(crate) linked: &'static [(&'static str, &'static str, &'static str)],
    /// Tables with random ids and no link to a named row, re-sealed in place.
    pub(crate) unlinked: &'static [&'static str],
}

impl RekeyPlan {
    fn covers(&self, table: &str) -> bool {
        self.named.iter().any(|(t, _)| *t == table)
            || self.linked.iter().any(|(t, ..)| *t == table)
            || self.unlinked.contains(&table)
    }
}

/// Reads one string member of a JSON object and skips everything else unparsed.
struct NameOf<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for NameOf<'_> {
    type Value = Option<Zeroizing<String>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for NameOf<'_> {
    type Value = Option<Zeroizing<String>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a record with a {:?} member", self.0)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.0 && found.is_none() {
                found = Some(Zeroizing::new(map.next_value::<String>()?));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

fn name_in(plain: &[u8], key: &str) -> Option<Zeroizing<String>> {
    let mut de = serde_json::Deserializer::from_slice(plain);
    NameOf(key).deserialize(&mut de).ok().flatten()
}

/// A row as re-keying reads it: id, sealed record, the linking column (if any).
type SealedRow = (String, Vec<u8>, Option<String>);

fn all_rows(conn: &Connection, sql: &str) -> Result<Vec<SealedRow>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Records {
    /// Re-key the vault to `new_key` (see the module documentation). `slot` writes the new key
    /// slot inside the transaction; `event` is appended to the audit log under the new key.
    /// On any failure nothing changes, in the file or in this handle. Returns the number of
    /// records moved.
    pub(crate) fn rekey<E>(
        &mut self,
        new_key: DataKey,
        plan: &RekeyPlan,
        slot: impl FnOnce(&Connection) -> Result<(), E>,
        event: &AuditEvent,
    ) -> Result<usize, E>
    where
        E: From<StoreError> + From<OpenError> + From<SealError>,
    {
        if let Some(p) = &self.tainted {
            return Err(p.to_open_error().into());
        }
        if let Some((table, _)) = COVERED.iter().find(|(t, _)| !plan.covers(t)) {
            return Err(StoreError::damaged(format!("no re-key rule for table {table}")).into());
        }
        self.conn
            .execute_batch("BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;")
            .map_err(StoreError::from)?;
        match self.rekey_in_tx(new_key, plan, slot, event) {
            Ok((old, moved, generation, vault_id)) => {
                if let Err(e) = self.conn.execute_batch("COMMIT") {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    self.use_key(old);
                    return Err(StoreError::from(e).into());
                }
                if let Some(store) = &self.anchors {
                    let _ = store.record(&vault_id, generation);
                }
                Ok(moved)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn use_key(&mut self, key: DataKey) -> DataKey {
        let old = std::mem::replace(&mut self.key, key);
        self.row_key = RowKey::derive(&self.key);
        self.lookup_key = LookupKey::derive(&self.key);
        old
    }

    /// Everything but BEGIN and COMMIT. On error the handle keeps (or gets back) the old key.
    /// Returns the old key (until COMMIT succeeds), the records moved, the new generation and
    /// the vault id.
    #[allow(clippy::type_complexity)]
    fn rekey_in_tx<E>(
        &mut self,
        new_key: DataKey,
        plan: &RekeyPlan,
        slot: impl FnOnce(&Connection) -> Result<(), E>,
        event: &AuditEvent,
    ) -> Result<(DataKey, usize, u64, String), E>
    where
        E: From<StoreError> + From<OpenError> + From<SealError>,
    {
        let old_generation = match self.anchor()? {
            Some(a) => a?.generation,
            None => 0,
        };
        let moved = self.move_records::<E>(&new_key, plan)?;
        // The old anchor is sealed under the old key; the new one is written below.
        self.conn
            .execute("UPDATE vault_meta SET anchor = NULL WHERE id = 1", [])
            .map_err(StoreError::from)?;
        slot(&self.conn)?;
        let old = self.use_key(new_key);
        self.min_generation = self.min_generation.max(old_generation);
        let finished = (|| {
            let tx = Tx { rec: &*self };
            for (table, _) in COVERED {
                let ids: Vec<String> = self
                    .conn
                    .prepare(&format!("SELECT id FROM {table}"))
                    .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                    .map_err(StoreError::from)?;
                for id in ids {
                    tx.stamp(table, &id)?;
                }
            }
            tx.audit::<E>(event)?;
            tx.seal_anchor::<E>()
        })();
        match finished {
            Ok((generation, vault_id)) => Ok((old, moved, generation, vault_id)),
            Err(e) => {
                self.use_key(old);
                Err(e)
            }
        }
    }

    /// Steps 1–3: every sealed record and audit entry moved from the current key to `new`.
    fn move_records<E>(&self, new: &DataKey, plan: &RekeyPlan) -> Result<usize, E>
    where
        E: From<StoreError> + From<OpenError> + From<SealError>,
    {
        let conn = &self.conn;
        let mut moved = 0usize;
        // (table, old id) → new id, for the columns that link to a named row.
        let mut new_ids: BTreeMap<(&str, String), String> = BTreeMap::new();
        let new_lookup = LookupKey::derive(new);
        for &(table, name_key) in plan.named {
            for (id, sealed, _) in all_rows(conn, &format!("SELECT id, sealed, NULL FROM {table}"))?
            {
                let plain = open_raw(&self.key, Place { table, id: &id }, &sealed)?;
                let name =
                    name_in(&plain, name_key).ok_or_else(|| OpenError(format!("{table}/{id}")))?;
                // The id must be the one the name gives under the old key, or the row was moved.
                if self.lookup_key.id(table, &name) != id {
                    return Err(OpenError(format!("{table}/{id}")).into());
                }
                let new_id = new_lookup.id(table, &name);
                let resealed = seal_raw(new, Place { table, id: &new_id }, &plain)?;
                conn.execute(
                    &format!("UPDATE {table} SET id = ?1, sealed = ?2 WHERE id = ?3"),
                    params![new_id, resealed, id],
                )
                .map_err(StoreError::from)?;
                new_ids.insert((table, id), new_id);
                moved += 1;
            }
        }
        for &(table, column, parent) in plan.linked {
            let sql = format!("SELECT id, sealed, {column} FROM {table}");
            for (id, sealed, link_to) in all_rows(conn, &sql)? {
                let plain = open_raw(&self.key, Place { table, id: &id }, &sealed)?;
                let resealed = seal_raw(new, Place { table, id: &id }, &plain)?;
                let new_link = match link_to {
                    None => None,
                    Some(old) => Some(
                        new_ids
                            .get(&(parent, old))
                            .cloned()
                            .ok_or_else(|| OpenError(format!("{table}/{id}")))?,
                    ),
                };
                conn.execute(
                    &format!("UPDATE {table} SET sealed = ?1, {column} = ?2 WHERE id = ?3"),
                    params![resealed, new_link, id],
                )
                .map_err(StoreError::from)?;
                moved += 1;
            }
        }
        for &table in plan.unlinked {
            let sql = format!("SELECT id, sealed, NULL FROM {table}");
            for (id, sealed, _) in all_rows(conn, &sql)? {
                let plain = open_raw(&self.key, Place { table, id: &id }, &sealed)?;
                let resealed = seal_raw(new, Place { table, id: &id }, &plain)?;
                conn.execute(
                    &format!("UPDATE {table} SET sealed = ?1 WHERE id = ?2"),
                    params![resealed, id],
                )
                .map_err(StoreError::from)?;
                moved += 1;
            }
        }
        let entries = self.audit_rows()?;
        let mut prev = vec![0u8; 32];
        for (seq, at, sealed, _) in entries {
            let place = Place {
                table: AUDIT,
                id: &seq_id(seq),
            };
            let plain = open_raw(&self.key, place, &sealed)?;
            let resealed = seal_raw(new, place, &plain)?;
            let hash = link(&prev, seq, at, &resealed);
            conn.execute(
                "UPDATE audit SET sealed = ?1, hash = ?2 WHERE seq = ?3",
                params![resealed, hash, seq],
            )
            .map_err(StoreError::from)?;
            prev = hash;
            moved += 1;
        }
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_named_member_is_read() {
        let plain = br#"{"value":"secret","name":"email","label":null,"n":{"name":"x"}}"#;
        assert_eq!(
            name_in(plain, "name").as_deref().map(|s| s.as_str()),
            Some("email")
        );
        assert_eq!(name_in(plain, "audience"), None);
        assert_eq!(name_in(b"not json", "name"), None);
        assert_eq!(name_in(br#"{"name":5}"#, "name"), None);
    }
}
