//! The records layer: the one type that holds the open vault file, the data key and the clock.
//!
//! Repositories (profile fields, brands, grants, audit) go through [`Records`] for everything
//! they store: sealing a record for its place, opening one or all rows of a table, running a
//! write transaction, and appending to the audit log inside that transaction. They never see
//! the key itself, and nothing here knows what a brand or a grant is.
//!
//! Errors are generic (`E: From<StoreError> + From<OpenError> + …`) so that this layer does
//! not depend on the crate's error type, which sits above it.

pub mod audit_log;

use std::fmt;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::SharedClock;
use crate::crypto::DataKey;
use crate::crypto::record::{self, OpenError, Place, SealError};
use crate::store::{self, StoreError};

pub use audit_log::AuditEvent;
use audit_log::{AUDIT, HEAD, Head, SealedEvent, link, seq_id};

/// The open vault file with its data key. Opaque outside the crate: it is handed out only
/// inside repository handles.
pub struct Records {
    conn: Connection,
    key: DataKey,
    clock: SharedClock,
}

impl fmt::Debug for Records {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Records").finish_non_exhaustive()
    }
}

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
        Self { conn, key, clock }
    }

    pub(crate) fn into_parts(self) -> (Connection, DataKey) {
        (self.conn, self.key)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn key(&self) -> &DataKey {
        &self.key
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
        self.key.lookup_id(table, name)
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

    /// One optional sealed blob by id.
    pub(crate) fn sealed_by_id(
        &self,
        table: &'static str,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        store::sealed_by_id(&self.conn, table, id)
    }

    /// Every row of a sealed table as (id, opened record, `time_col`); fails on the first row
    /// that does not open. `table`'s ids are keyed hashes of `name(record)`: a row moved under
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
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT id, sealed, {time_col} FROM {table}"))
            .map_err(StoreError::from)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(StoreError::from)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed, time) = row.map_err(StoreError::from)?;
            let rec: T = self.open(table, &id, &sealed)?;
            if self.key.lookup_id(table, name(&rec)) != id {
                return Err(OpenError(format!("{table}/{id}")).into());
            }
            out.push((id, rec, time));
        }
        Ok(out)
    }

    /// Run `f` in one `IMMEDIATE` transaction: either all its writes land or none.
    pub(crate) fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = Tx { rec: self };
        store::write(&self.conn, |_| f(&tx))
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

    /// The sealed head of the audit chain, if one was written.
    pub(crate) fn audit_head(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT audit_head FROM vault_meta WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// Open the sealed head: (last seq, last hash).
    pub(crate) fn open_audit_head(&self, sealed: &[u8]) -> Result<(i64, Vec<u8>), OpenError> {
        let head: Head = self.open(HEAD, "1", sealed)?;
        Ok((head.seq, head.hash))
    }
}

impl Tx<'_> {
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
        let head = self.rec.seal(HEAD, "1", &Head { seq, hash })?;
        conn.execute("UPDATE vault_meta SET audit_head = ?1 WHERE id = 1", [head])
            .map_err(StoreError::from)?;
        Ok(())
    }
}
