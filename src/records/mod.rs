//! The records layer: the one type that holds the open vault file, the data key and the clock.
//!
//! Repositories (profile fields, brands, grants, audit) go through [`Records`] for everything
//! they store: sealing a record for its place, opening one or all rows of a table, running a
//! write transaction, and appending to the audit log inside that transaction. They never see
//! the key itself, and nothing here knows what a brand or a grant is.
//!
//! Errors are generic (`E: From<StoreError> + From<OpenError> + …`) so that this layer does
//! not depend on the crate's error type, which sits above it.

pub mod anchor_store;
pub mod audit_log;
pub mod integrity;
pub(crate) mod rekey;

use std::collections::BTreeMap;
use std::fmt;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::SharedClock;
use crate::crypto::DataKey;
use crate::crypto::keys::LookupKey;
use crate::crypto::record::{self, OpenError, Place, SealError};
use crate::store::{self, StoreError};

pub use anchor_store::{AnchorStore, FileAnchorStore, Freshness};
pub use audit_log::AuditEvent;
use audit_log::{AUDIT, SealedEvent, link, seq_id};
use integrity::{ANCHOR, Anchor, COVERED, IntegrityReport, Problem, ProblemKind, RowKey, covered};

/// The open vault file with its data key. Opaque outside the crate: it is handed out only
/// inside repository handles.
pub struct Records {
    conn: Connection,
    key: DataKey,
    row_key: RowKey,
    lookup_key: LookupKey,
    clock: SharedClock,
    /// The first problem found when the vault was unlocked: while set, every write is refused,
    /// so that rewriting the anchor cannot make a deleted or re-added row look legitimate.
    tainted: Option<Problem>,
    /// The next anchor's generation is at least this (set after a restore, so the generation
    /// keeps growing past the one of the vault the backup replaced).
    min_generation: u64,
    /// Where each new generation is recorded outside the file, once the caller attached one.
    anchors: Option<Box<dyn AnchorStore>>,
}

impl fmt::Debug for Records {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Records").finish_non_exhaustive()
    }
}

/// A row's covered columns, read after its MAC was checked: the only way repositories read
/// plaintext state (times, brand link, status index, expiry, revocation).
pub(crate) struct Checked {
    table: &'static str,
    vals: Vec<Value>,
}

impl Checked {
    fn get(&self, col: &str) -> Result<&Value, StoreError> {
        covered(self.table)
            .iter()
            .position(|c| *c == col)
            .and_then(|i| self.vals.get(i))
            .ok_or_else(|| {
                StoreError::damaged(format!("{}.{col} is not a covered column", self.table))
            })
    }

    fn mismatch(&self, col: &str) -> StoreError {
        StoreError::damaged(format!("{}.{col} has the wrong type", self.table))
    }

    pub(crate) fn int(&self, col: &str) -> Result<i64, StoreError> {
        match self.get(col)? {
            Value::Integer(i) => Ok(*i),
            _ => Err(self.mismatch(col)),
        }
    }

    pub(crate) fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        match self.get(col)? {
            Value::Integer(i) => Ok(Some(*i)),
            Value::Null => Ok(None),
            _ => Err(self.mismatch(col)),
        }
    }

    pub(crate) fn blob(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        match self.get(col)? {
            Value::Blob(b) => Ok(b.clone()),
            _ => Err(self.mismatch(col)),
        }
    }

    pub(crate) fn text(&self, col: &str) -> Result<String, StoreError> {
        match self.get(col)? {
            Value::Text(t) => Ok(t.clone()),
            _ => Err(self.mismatch(col)),
        }
    }
}

/// The first schema whose rows carry MACs and an anchor (2 → 3 added them).
const AUTHENTICATED_SINCE: i64 = 3;

/// A row as stored: id, covered columns (in [`integrity::COVERED`] order), MAC.
type RawRow = (String, Vec<Value>, Option<Vec<u8>>);

/// One audit row: sequence number, time, sealed event, chain hash.
pub(crate) type AuditRow = (i64, i64, Vec<u8>, Vec<u8>);

/// A write transaction in progress: the only place an audit entry can be appended.
pub(crate) struct Tx<'r> {
    rec: &'r Records,
}

impl std::ops::Deref for Tx<'_> {
    type Target = Records;
    fn deref(&self) -> &Records {
        self.rec
    }
}

impl Records {
    pub(crate) fn new(conn: Connection, key: DataKey, clock: SharedClock) -> Self {
        let row_key = RowKey::derive(&key);
        let lookup_key = LookupKey::derive(&key);
        Self {
            conn,
            key,
            row_key,
            lookup_key,
            clock,
            tainted: None,
            min_generation: 0,
            anchors: None,
        }
    }

    /// Refuse writes from now on because of `problem` (see [`Records::check_state`]).
    pub(crate) fn taint(&mut self, problem: Option<Problem>) {
        self.tainted = problem;
    }

    /// The next anchor's generation will be above `generation`.
    pub(crate) fn raise_generation(&mut self, generation: u64) {
        self.min_generation = self.min_generation.max(generation);
    }

    /// Record every generation from now on in `store`.
    pub(crate) fn attach_anchor_store(&mut self, store: Box<dyn AnchorStore>) {
        self.anchors = Some(store);
    }

    pub(crate) fn into_parts(self) -> (Connection, DataKey) {
        (self.conn, self.key)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn set_clock(&mut self, clock: SharedClock) {
        self.clock = clock;
    }

    /// Unix seconds, from the vault's clock.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Today in the consumer's calendar, from the vault's clock.
    pub(crate) fn today(&self) -> jiff::civil::Date {
        self.clock.today()
    }

    /// The keyed-hash row id of a named record of `table`.
    pub(crate) fn lookup_id(&self, table: &str, name: &str) -> String {
        self.lookup_key.id(table, name)
    }

    /// Seal `value` for row `id` of `table`.
    pub(crate) fn seal<T: Serialize>(
        &self,
        table: &'static str,
        id: &str,
        value: &T,
    ) -> Result<Vec<u8>, SealError> {
        record::seal_json(&self.key, Place { table, id }, value)
    }

    /// Open one sealed record of `table` stored under `id`.
    pub(crate) fn open<T: DeserializeOwned>(
        &self,
        table: &'static str,
        id: &str,
        sealed: &[u8],
    ) -> Result<T, OpenError> {
        record::open_json(&self.key, Place { table, id }, sealed)
    }

    /// One optional sealed blob by id, after checking the row's MAC.
    pub(crate) fn sealed_by_id<E>(
        &self,
        table: &'static str,
        id: &str,
    ) -> Result<Option<Vec<u8>>, E>
    where
        E: From<StoreError> + From<OpenError>,
    {
        match self.verified_row::<E>(table, id)? {
            Some(row) => Ok(Some(row.blob("sealed")?)),
            None => Ok(None),
        }
    }

    /// Every row of a sealed table as (id, opened record, `time_col`), each row's MAC checked
    /// first; fails on the first row that does not check or open. `table`'s ids are keyed hashes of `name(record)`: a row moved under
    /// another id is caught by recomputing it.
    pub(crate) fn open_all<T, E>(
        &self,
        table: &'static str,
        time_col: &str,
        name: impl Fn(&T) -> &str,
    ) -> Result<Vec<(String, T, i64)>, E>
    where
        T: DeserializeOwned,
        E: From<StoreError> + From<OpenError>,
    {
        let mut out = Vec::new();
        for (id, row) in self.verified_rows::<E>(table, None)? {
            let rec: T = self.open(table, &id, &row.blob("sealed")?)?;
            if self.lookup_key.id(table, name(&rec)) != id {
                return Err(OpenError(format!("{table}/{id}")).into());
            }
            let time = row.int(time_col)?;
            out.push((id, rec, time));
        }
        Ok(out)
    }

    /// Run `f` in one `IMMEDIATE` transaction: either all its writes land or none. The
    /// transaction ends by rewriting the anchor (next generation, audit head, manifest), and
    /// the new generation is recorded in the attached anchor store once committed.
    pub(crate) fn write<T, E>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError> + From<OpenError> + From<SealError>,
    {
        if let Some(p) = &self.tainted {
            return Err(p.to_open_error().into());
        }
        let tx = Tx { rec: self };
        let (out, generation, vault_id) = store::write(&self.conn, |_| {
            let out = f(&tx)?;
            let (generation, vault_id) = tx.seal_anchor::<E>()?;
            Ok::<_, E>((out, generation, vault_id))
        })?;
        if let Some(store) = &self.anchors {
            // The write is committed; a record that fails only weakens rollback detection
            // until the next write or open records a generation again.
            let _ = store.record(&vault_id, generation);
        }
        Ok(out)
    }

    /// Rewrite rows in a new format, in one transaction, without a change the person made: `f`
    /// re-seals and re-stamps rows, then the anchor's manifest is brought up to date and
    /// everything else in the anchor is kept (its generation, the audit head, a restore's mark),
    /// with no audit entry. For a format step that needs the data key (schema 5 splits each
    /// grant's token into a row of its own), run on a vault whose check was clean: on any
    /// other, the new manifest would vouch for what the check found wrong, so it is refused.
    pub(crate) fn reformat<T, E>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError> + From<OpenError> + From<SealError>,
    {
        if let Some(p) = &self.tainted {
            return Err(p.to_open_error().into());
        }
        let tx = Tx { rec: self };
        store::write(&self.conn, |_| {
            let out = f(&tx)?;
            tx.reseal_manifest::<E>()?;
            Ok::<_, E>(out)
        })
    }

    /// Bring a vault of schema `from` to the current one, in one transaction: the SQL steps,
    /// then (for 2 → 3) a MAC on every existing row and the first anchor. The rows of an older
    /// vault were never authenticated: the upgrade vouches for them as they are, once, after
    /// the passphrase was proven. No audit entry is added (the log stays as it was).
    ///
    /// From schema 3 on, rows are already authenticated: a later step only adds tables, and
    /// re-stamping would vouch for a row altered since (and erase the evidence), so the rows,
    /// the anchor and its generation stay exactly as they were and the check that follows the
    /// upgrade judges them against the old anchor (new, empty tables are absent from its
    /// manifest, which reads as "no rows").
    pub(crate) fn upgrade<E>(&mut self, from: i64) -> Result<(), E>
    where
        E: From<StoreError> + From<OpenError> + From<SealError>,
    {
        if from >= AUTHENTICATED_SINCE {
            return store::write(&self.conn, |conn| {
                store::apply(conn, from)?;
                Ok::<_, E>(())
            });
        }
        let tx = Tx { rec: self };
        store::write(&self.conn, |conn| {
            store::apply(conn, from)?;
            for (table, _) in COVERED {
                let ids: Vec<String> = conn
                    .prepare(&format!("SELECT id FROM {table}"))
                    .map_err(StoreError::from)?
                    .query_map([], |r| r.get(0))
                    .map_err(StoreError::from)?
                    .collect::<Result<_, _>>()
                    .map_err(StoreError::from)?;
                for id in ids {
                    tx.stamp(table, &id)?;
                }
            }
            tx.seal_anchor::<E>()?;
            Ok::<_, E>(())
        })
    }

    /// The vault id in the key slot row.
    pub(crate) fn vault_id(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// The anchor: `None` if the file has none, `Some(Err)` if it does not open for this vault.
    pub(crate) fn anchor(&self) -> Result<Option<Result<Anchor, OpenError>>, StoreError> {
        let (vault_id, sealed): (String, Option<Vec<u8>>) = self.conn.query_row(
            "SELECT vault_id, anchor FROM vault_meta WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(sealed.map(|s| {
            self.open::<Anchor>(ANCHOR, &vault_id, &s).and_then(|a| {
                if a.vault_id == vault_id {
                    Ok(a)
                } else {
                    Err(OpenError(format!("{ANCHOR}/{vault_id}")))
                }
            })
        }))
    }

    /// Every row of `table` whose covered columns and MAC are read, optionally only those with
    /// `column = value`: (id, covered values, mac).
    fn raw_rows(
        &self,
        table: &'static str,
        filter: Option<(&'static str, &str)>,
    ) -> Result<Vec<RawRow>, StoreError> {
        let mut out = Vec::new();
        self.each_raw_row::<StoreError>(table, filter, |row| {
            out.push(row);
            Ok(())
        })?;
        Ok(out)
    }

    /// [`Self::raw_rows`] one row at a time, in the table's order, so that a pass over a large
    /// table (the unlock's check, the review) holds one row's sealed record at a time instead of
    /// all of them (on 10,000 grants a transient 10–20 MiB).
    fn each_raw_row<E: From<StoreError>>(
        &self,
        table: &'static str,
        filter: Option<(&'static str, &str)>,
        mut f: impl FnMut(RawRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let cols = covered(table);
        let mut sql = format!("SELECT id, mac, {} FROM {table}", cols.join(", "));
        if let Some((col, _)) = filter {
            sql.push_str(&format!(" WHERE {col} = ?1"));
        }
        let mut stmt = self.conn.prepare(&sql).map_err(StoreError::from)?;
        let mut rows = match filter {
            Some((_, v)) => stmt.query([v]),
            None => stmt.query([]),
        }
        .map_err(StoreError::from)?;
        while let Some(r) = rows.next().map_err(StoreError::from)? {
            let read = || -> rusqlite::Result<RawRow> {
                let mut vals = Vec::with_capacity(cols.len());
                for i in 0..cols.len() {
                    vals.push(r.get::<_, Value>(i + 2)?);
                }
                Ok((r.get(0)?, vals, r.get(1)?))
            };
            f(read().map_err(StoreError::from)?)?;
        }
        Ok(())
    }

    fn row_is_authentic(&self, table: &str, id: &str, vals: &[Value], mac: Option<&[u8]>) -> bool {
        mac.is_some_and(|m| self.row_key.verify(table, id, vals, m))
    }

    /// One row's covered columns (in [`integrity::COVERED`] order), after checking its MAC;
    /// `None` if there is no such row.
    pub(crate) fn verified_row<E>(
        &self,
        table: &'static str,
        id: &str,
    ) -> Result<Option<Checked>, E>
    where
        E: From<StoreError> + From<OpenError>,
    {
        let mut rows = self.raw_rows(table, Some(("id", id)))?;
        let Some((id, vals, mac)) = rows.pop() else {
            return Ok(None);
        };
        if !self.row_is_authentic(table, &id, &vals, mac.as_deref()) {
            return Err(OpenError(format!("{table}/{id}")).into());
        }
        Ok(Some(Checked { table, vals }))
    }

    /// Every row of `table` (only `column = value` if given) after checking each MAC; fails
    /// naming the first row that does not match.
    pub(crate) fn verified_rows<E>(
        &self,
        table: &'static str,
        filter: Option<(&'static str, &str)>,
    ) -> Result<Vec<(String, Checked)>, E>
    where
        E: From<StoreError> + From<OpenError>,
    {
        let mut out = Vec::new();
        self.each_verified_row::<E>(table, filter, |id, row| {
            out.push((id, row));
            Ok(())
        })?;
        Ok(out)
    }

    /// [`Self::verified_rows`] one row at a time, in the table's order: a view that keeps a
    /// little of each row (the review, the brands' counts) never holds every row's sealed
    /// record at once, which on 10,000 grants was a transient ~10–20 MiB.
    pub(crate) fn each_verified_row<E>(
        &self,
        table: &'static str,
        filter: Option<(&'static str, &str)>,
        mut f: impl FnMut(String, Checked) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<StoreError> + From<OpenError>,
    {
        self.each_raw_row::<E>(table, filter, |(id, vals, mac)| {
            if !self.row_is_authentic(table, &id, &vals, mac.as_deref()) {
                return Err(OpenError(format!("{table}/{id}")).into());
            }
            f(id, Checked { table, vals })
        })
    }

    /// Check the whole vault without opening a single record: every row's MAC, the rows
    /// against the anchor's manifest, and the audit chain against the anchor. Cheap enough to
    /// run on every unlock (HMAC and SHA-256 only).
    pub(crate) fn check_state(&self) -> Result<IntegrityReport, StoreError> {
        // One read transaction: a consistent snapshot even while another process writes.
        if self.conn.is_autocommit() {
            let tx = self.conn.unchecked_transaction()?;
            let report = self.check_snapshot();
            tx.finish()?;
            return report;
        }
        self.check_snapshot()
    }

    fn check_snapshot(&self) -> Result<IntegrityReport, StoreError> {
        let vault_id = self.vault_id()?;
        let mut problems = Vec::new();
        let mut rows = 0usize;
        let mut found: BTreeMap<&str, BTreeMap<String, (String, bool)>> = BTreeMap::new();
        for (table, _) in COVERED {
            let entry = found.entry(table).or_default();
            self.each_raw_row::<StoreError>(table, None, |(id, vals, mac)| {
                rows += 1;
                let ok = self.row_is_authentic(table, &id, &vals, mac.as_deref());
                if !ok {
                    problems.push(Problem::new(
                        table,
                        &id,
                        ProblemKind::Altered,
                        "changed: its state no longer matches its MAC",
                    ));
                }
                let tag = mac
                    .as_deref()
                    .map(integrity::manifest_tag)
                    .unwrap_or_default();
                entry.insert(id, (tag, ok));
                Ok(())
            })?;
        }
        let (audit_entries, chain) = self.check_chain()?;
        let anchor = match self.anchor()? {
            None => {
                problems.push(Problem::new(
                    "vault_meta",
                    ANCHOR,
                    ProblemKind::Anchor,
                    "the integrity anchor is missing (removed, or the audit log was emptied)",
                ));
                None
            }
            Some(Err(_)) => {
                problems.push(Problem::new(
                    "vault_meta",
                    ANCHOR,
                    ProblemKind::Anchor,
                    "the integrity anchor was altered or belongs to another vault",
                ));
                None
            }
            Some(Ok(a)) => Some(a),
        };
        if let Some(p) = chain {
            problems.push(p);
        }
        if let Some(a) = &anchor {
            for (table, _) in COVERED {
                let listed = a.rows.get(*table).cloned().unwrap_or_default();
                let present = found.get(table).cloned().unwrap_or_default();
                for (id, tag) in &listed {
                    match present.get(id) {
                        None => problems.push(Problem::new(
                            table,
                            id,
                            ProblemKind::Missing,
                            "deleted: the anchor lists it, the file does not have it",
                        )),
                        Some((t, true)) if t != tag => problems.push(Problem::new(
                            table,
                            id,
                            ProblemKind::Replaced,
                            "replaced by another (older) version of itself",
                        )),
                        Some(_) => {}
                    }
                }
                for id in present.keys().filter(|id| !listed.contains_key(*id)) {
                    problems.push(Problem::new(
                        table,
                        id,
                        ProblemKind::Added,
                        "inserted or re-added: the anchor does not list it",
                    ));
                }
            }
            let last = self.last_audit()?;
            let (seq, hash) = last.unwrap_or((0, vec![0u8; 32]));
            if a.audit_seq != seq || a.audit_hash != crate::crypto::hex(&hash) {
                problems.push(Problem::new(
                    AUDIT,
                    &seq.to_string(),
                    ProblemKind::AuditLog,
                    format!(
                        "the log ends at entry {seq} but the anchor was written after entry {}: entries were removed from the end, or the log was rolled back",
                        a.audit_seq
                    ),
                ));
            }
        }
        Ok(IntegrityReport {
            vault_id,
            generation: anchor.map(|a| a.generation),
            rows,
            audit_entries,
            problems,
        })
    }

    /// The last audit entry's (seq, hash), if any.
    fn last_audit(&self) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Walk the hash chain (no decryption: each hash covers the sealed bytes): how many
    /// entries, and the first broken link.
    fn check_chain(&self) -> Result<(i64, Option<Problem>), StoreError> {
        let mut prev = vec![0u8; 32];
        let mut expected = 1i64;
        for (seq, at, sealed, hash) in self.audit_rows()? {
            if seq != expected || link(&prev, seq, at, &sealed) != hash {
                return Ok((
                    expected - 1,
                    Some(Problem::new(
                        AUDIT,
                        &expected.to_string(),
                        ProblemKind::AuditLog,
                        format!("entry {expected} was altered, removed or reordered"),
                    )),
                ));
            }
            prev = hash;
            expected += 1;
        }
        Ok((expected - 1, None))
    }

    /// Every audit entry's (seq, at, sealed, hash), oldest first.
    pub(crate) fn audit_rows(&self) -> Result<Vec<AuditRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, sealed, hash FROM audit ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Open audit entry `seq`.
    pub(crate) fn open_audit(&self, seq: i64, sealed: &[u8]) -> Result<AuditEvent, OpenError> {
        self.open::<SealedEvent>(AUDIT, &seq_id(seq), sealed)
            .map(AuditEvent::from)
    }
}

impl Tx<'_> {
    /// Recompute row `id` of `table`'s MAC from what is stored now; call after every insert or
    /// update of a row with covered columns, inside the same transaction.
    pub(crate) fn stamp(&self, table: &'static str, id: &str) -> Result<(), StoreError> {
        if let Some((id, vals, _)) = self.rec.raw_rows(table, Some(("id", id)))?.pop() {
            let mac = self.rec.row_key.mac(table, &id, &vals);
            self.rec.conn.execute(
                &format!("UPDATE {table} SET mac = ?1 WHERE id = ?2"),
                params![mac, id],
            )?;
        }
        Ok(())
    }

    /// Write the next anchor: generation + 1 (at least past [`Records::raise_generation`]),
    /// the audit head and the manifest of every row as stored now. Returns the generation.
    fn seal_anchor<E>(&self) -> Result<(u64, String), E>
    where
        E: From<StoreError> + From<OpenError> + From<SealError>,
    {
        let rec = self.rec;
        let vault_id = rec.vault_id()?;
        let previous = match rec.anchor()? {
            Some(a) => a?.generation,
            None => 0,
        };
        let generation = previous.max(rec.min_generation) + 1;
        let (audit_seq, hash) = rec.last_audit()?.unwrap_or((0, vec![0u8; 32]));
        let anchor = Anchor {
            vault_id: vault_id.clone(),
            generation,
            audit_seq,
            audit_hash: crate::crypto::hex(&hash),
            rows: self.manifest()?,
        };
        let sealed = rec.seal(ANCHOR, &vault_id, &anchor)?;
        rec.conn
            .execute("UPDATE vault_meta SET anchor = ?1 WHERE id = 1", [sealed])
            .map_err(StoreError::from)?;
        Ok((generation, vault_id))
    }

    /// Re-seal the anchor with the manifest of the rows as stored now, every other member as
    /// it was ([`Records::reformat`]). An anchor that does not open is refused, not replaced.
    fn reseal_manifest<E>(&self) -> Result<(), E>
    where
        E: From<StoreError> + From<OpenError> + From<SealError>,
    {
        let rec = self.rec;
        let vault_id = rec.vault_id()?;
        let sealed: Option<Vec<u8>> = rec
            .conn
            .query_row("SELECT anchor FROM vault_meta WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map_err(StoreError::from)?;
        let sealed = sealed.ok_or_else(|| StoreError::damaged("the vault has no anchor"))?;
        let mut anchor: serde_json::Map<String, serde_json::Value> =
            rec.open(ANCHOR, &vault_id, &sealed)?;
        let rows = serde_json::to_value(self.manifest()?).map_err(SealError::Encode)?;
        anchor.insert("rows".to_string(), rows);
        let sealed = rec.seal(ANCHOR, &vault_id, &anchor)?;
        rec.conn
            .execute("UPDATE vault_meta SET anchor = ?1 WHERE id = 1", [sealed])
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// Every covered table's rows as stored now: table → id → [`integrity::manifest_tag`].
    fn manifest(&self) -> Result<BTreeMap<String, BTreeMap<String, String>>, StoreError> {
        let rec = self.rec;
        let mut rows = BTreeMap::new();
        for (table, _) in COVERED {
            let mut stmt = rec
                .conn
                .prepare(&format!("SELECT id, mac FROM {table}"))
                .map_err(StoreError::from)?;
            let listed: BTreeMap<String, String> = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
                })
                .map_err(StoreError::from)?
                .map(|row| {
                    row.map(|(id, mac)| {
                        (
                            id,
                            mac.as_deref()
                                .map(integrity::manifest_tag)
                                .unwrap_or_default(),
                        )
                    })
                })
                .collect::<Result<_, _>>()
                .map_err(StoreError::from)?;
            rows.insert(table.to_string(), listed);
        }
        Ok(rows)
    }

    /// Append an event to the audit log, inside this transaction.
    pub(crate) fn audit<E>(&self, event: &AuditEvent) -> Result<(), E>
    where
        E: From<StoreError> + From<SealError>,
    {
        let conn = &self.rec.conn;
        let last: Option<(i64, Vec<u8>)> = conn
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        let (prev_seq, prev_hash) = last.unwrap_or((0, vec![0u8; 32]));
        let seq = prev_seq + 1;
        let at = self.rec.now();
        let sealed = self
            .rec
            .seal(AUDIT, &seq_id(seq), &SealedEvent::from(event))?;
        let hash = link(&prev_hash, seq, at, &sealed);
        conn.execute(
            "INSERT INTO audit (seq, at, sealed, hash) VALUES (?1, ?2, ?3, ?4)",
            params![seq, at, sealed, hash],
        )
        .map_err(StoreError::from)?;
        Ok(())
    }
}
