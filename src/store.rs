//! The vault file: one SQLite database in WAL mode.
//!
//! Only opaque ids, kinds, versions and timestamps are stored in plaintext; every value a
//! person typed is a sealed blob (see [`crate::crypto::record`]). The schema is versioned with
//! `PRAGMA user_version` and recognised by `PRAGMA application_id`.

mod pinned;

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

/// `PRAGMA application_id`: "VSAF", so `file(1)` and we can tell a vault from any SQLite file.
pub const APPLICATION_ID: i32 = 0x5653_4146;

/// Schema migrations; entry `i` takes the file from version `i` to `i + 1`.
/// Never edit a released entry: add a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 0 → 1: the key slot and the profile.
    "CREATE TABLE vault_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        vault_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        kdf_alg TEXT NOT NULL,
        kdf_m_kib INTEGER NOT NULL,
        kdf_t INTEGER NOT NULL,
        kdf_p INTEGER NOT NULL,
        kdf_salt BLOB NOT NULL,
        wrapped_key BLOB NOT NULL,
        key_changed_at INTEGER NOT NULL
    );
    CREATE TABLE fields (
        id TEXT PRIMARY KEY,
        sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;",
    // 1 → 2: brands, grants and the audit log.
    "CREATE TABLE brands (
        id TEXT PRIMARY KEY,
        sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE grants (
        id TEXT PRIMARY KEY,
        brand_id TEXT NOT NULL REFERENCES brands (id) ON DELETE CASCADE,
        sealed BLOB NOT NULL,
        status_idx INTEGER NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        UNIQUE (brand_id, status_idx)
    ) WITHOUT ROWID;
    CREATE INDEX grants_by_brand ON grants (brand_id);
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        sealed BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    ALTER TABLE vault_meta ADD COLUMN audit_head BLOB;",
    // 2 → 3: every row's plaintext state is covered by a MAC (`mac`), and one sealed anchor
    // (generation, audit head, a manifest of every row) replaces the sealed audit head. The
    // MACs and the anchor need the data key: `records::upgrade` fills them after unlock, in the
    // same transaction as this step (see [`apply`]).
    "ALTER TABLE fields ADD COLUMN mac BLOB;
    ALTER TABLE brands ADD COLUMN mac BLOB;
    ALTER TABLE grants ADD COLUMN mac BLOB;
    ALTER TABLE vault_meta ADD COLUMN anchor BLOB;
    ALTER TABLE vault_meta DROP COLUMN audit_head;",
    // 3 → 4: the connected relationship (docs/connect.md). `grant_receipts`: the brand's
    // countersigned receipt of a delivered grant, sealed beside it (id = the grant's id).
    // `outbox`: Security Event Tokens for a brand's events_uri, enqueued in the transaction of
    // the change they report, with their delivery state (and the erasure receipt once fetched
    // in the sealed record). No link to `brands`: an event must outlive a removed brand until
    // it is delivered. Both carry row MACs and are in the anchor's manifest; the upgrade adds
    // empty tables and vouches for nothing (see `records::upgrade`).
    "CREATE TABLE grant_receipts (
        id TEXT PRIMARY KEY REFERENCES grants (id) ON DELETE CASCADE,
        sealed BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        mac BLOB
    ) WITHOUT ROWID;
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        grant_id TEXT NOT NULL,
        sealed BLOB NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        next_at INTEGER,
        updated_at INTEGER NOT NULL,
        mac BLOB
    ) WITHOUT ROWID;
    CREATE INDEX outbox_due ON outbox (state, next_at);",
    // 4 → 5: a grant's signed token moves out of its `grants` record into a row of its own
    // (`grant_tokens`, id = the grant's id), MACed and in the anchor's manifest. The token is
    // most of a grant record's bytes and only the screens showing one grant read it; the review,
    // the brands screen and the counts read every grant's choices and no token. Splitting the
    // existing records needs the data key: the repository does it after unlock, once the
    // vault's check is clean (`GrantRepo::split_tokens`); until then a record that still holds
    // its token reads as before. A rowid table, unlike the others: a token (≈1.4 KB) is larger
    // than an index b-tree keeps in a page (≈1 KB of 4 KB), so WITHOUT ROWID gave every row an
    // overflow page of its own (twice the file size) and every lookup by id read whole rows.
    "CREATE TABLE grant_tokens (
        id TEXT PRIMARY KEY REFERENCES grants (id) ON DELETE CASCADE,
        sealed BLOB NOT NULL,
        mac BLOB
    );",
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the vault file could not be read or written. Every variant that comes from SQLite or
/// the OS keeps that error as its `source`, so a log can show the whole chain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("{0} is not a Vouchsafe vault")]
    NotAVault(String),
    #[error(
        "{path} was written by a newer Vouchsafe (schema {found}; this build reads up to {SCHEMA_VERSION}); upgrade Vouchsafe to open it"
    )]
    NewerSchema { path: String, found: i64 },
    #[error("the vault file is damaged ({0}); restore it from a backup")]
    Corrupt(#[source] Damage),
    /// The file defines a table, index, view or trigger a vault does not have, lacks one, or
    /// has one changed: someone edited it. Refused before anything in it runs.
    #[error("{path} holds {what}, which is not part of a Vouchsafe vault; the file was altered")]
    UnexpectedSchema { path: String, what: String },
    #[error("the vault is busy in another process; try again")]
    Busy(#[source] rusqlite::Error),
    #[error("storage error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("storage error: {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// What was found damaged: SQLite's own report, or a check of ours (a missing key slot, a
/// truncated file, a failed `quick_check`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Damage {
    #[error("{0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("{0}")]
    Found(String),
}

impl StoreError {
    /// A damage we found ourselves, described in a few words.
    pub(crate) fn damaged(what: impl Into<String>) -> Self {
        StoreError::Corrupt(Damage::Found(what.into()))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt(Damage::Sqlite(e))
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy(e),
            _ => StoreError::Sqlite(e),
        }
    }
}

/// Pragmas for every connection. `secure_delete` overwrites freed pages so removed
/// ciphertext does not linger; `temp_store` keeps sorter spill files off the disk.
/// The file is untrusted input: defensive mode stops SQL from corrupting it on purpose
/// (`writable_schema`, `journal_mode = OFF`, …), and with `trusted_schema` off nothing the
/// file's schema defines may call a function with side effects.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(
        "PRAGMA trusted_schema = OFF;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA synchronous = FULL;",
    )?;
    Ok(())
}

/// Create a new vault file at `path` (which must not exist) at the current schema.
pub(crate) fn create(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    migrate(&conn, 0)?;
    Ok(conn)
}

/// Open an existing vault file without changing it: checks it is a vault of a version we can read.
/// Returns the connection and the schema version found.
pub(crate) fn open(path: &Path) -> Result<(Connection, i64), StoreError> {
    let shown = path.display().to_string();
    // Anything SQLite does not recognise as a database at all is "not a vault", not "damaged".
    let not_a_vault = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ffi::ErrorCode::NotADatabase) => StoreError::NotAVault(shown.clone()),
        _ => e.into(),
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(not_a_vault)?;
    configure(&conn).map_err(|e| match e {
        StoreError::Corrupt(_) => StoreError::NotAVault(shown.clone()),
        other => other,
    })?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(not_a_vault)?;
    if app_id != APPLICATION_ID {
        return Err(StoreError::NotAVault(shown));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: shown,
            found: version,
        });
    }
    if version < 1 {
        return Err(StoreError::NotAVault(shown));
    }
    pinned::check(&conn, &shown, version)?;
    check_not_truncated(&conn, path)?;
    // A scribbled file shows up here rather than half-way through a command.
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StoreError::damaged(check));
    }
    Ok((conn, version))
}

/// SQLite reads a short last page as zeros, so a file cut inside free space would pass
/// `quick_check`. A vault is always a whole number of pages, and without a WAL holding the
/// newest pages it must be as long as the page count says.
fn check_not_truncated(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let len = std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|source| StoreError::Io {
            path: path.display().to_string(),
            source,
        })?;
    let page_size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
    let pages: i64 = conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
    let (page_size, pages) = (page_size.max(0) as u64, pages.max(0) as u64);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal_len = std::fs::metadata(std::path::PathBuf::from(wal))
        .map(|m| m.len())
        .unwrap_or(0);
    let short = page_size == 0 || len % page_size != 0 || (wal_len == 0 && len < pages * page_size);
    if short {
        return Err(StoreError::damaged(format!(
            "the file is truncated: {len} bytes where {} were expected",
            pages * page_size
        )));
    }
    Ok(())
}

/// Bring the schema from `from` to [`SCHEMA_VERSION`], one transaction per step.
pub(crate) fn migrate(conn: &Connection, from: i64) -> Result<(), StoreError> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Bring the schema from `from` to [`SCHEMA_VERSION`] inside the caller's transaction, so that a
/// step that needs the data key (2 → 3) lands together with the rows it fills, or not at all.
pub(crate) fn apply(conn: &Connection, from: i64) -> Result<(), StoreError> {
    for sql in MIGRATIONS.iter().skip(from.max(0) as usize) {
        conn.execute_batch(sql)?;
    }
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(())
}

/// Run `f` in an `IMMEDIATE` transaction, so two processes writing at once queue on the lock
/// instead of failing half-way; either all of `f`'s writes land or none.
pub(crate) fn write<T, E: From<StoreError>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(StoreError::from)?;
    match f(conn) {
        Ok(v) => {
            conn.execute_batch("COMMIT").map_err(StoreError::from)?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Copy every WAL page into the main file and truncate the WAL to zero bytes, so what a
/// transaction deleted or replaced (a record, an old key slot) no longer sits in `-wal`.
/// `secure_delete` zeroes freed space in pages, but the WAL keeps whole old page images until
/// it is checkpointed. Returns `false` when a reader in another process kept the checkpoint
/// from finishing (the change itself is committed; the next checkpoint or close catches up).
pub(crate) fn checkpoint(conn: &Connection) -> Result<bool, StoreError> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}
