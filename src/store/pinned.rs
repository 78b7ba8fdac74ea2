//! The schema a vault file may have, pinned: what `sqlite_schema` must hold for each version.
//!
//! A vault is attacker-controlled input (a synced folder, an old backup, malware with write
//! access). SQLite runs whatever triggers and views the file defines, so a trigger planted in
//! the file would run inside our own transactions (e.g. clearing `revoked_at` on every write).
//! Before anything else reads the file, its schema is compared with the one this build
//! creates for the file's `user_version`: replaying [`super::MIGRATIONS`] on an empty
//! in-memory database gives the exact expected `sqlite_schema`, so the pin follows every
//! migration without a second list to keep in step.

use rusqlite::Connection;

use super::{MIGRATIONS, StoreError};

/// One `sqlite_schema` row: type, name, table, SQL text (`NULL` for automatic indexes).
type SchemaRow = (String, String, String, Option<String>);

fn rows(conn: &Connection) -> Result<Vec<SchemaRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name, tbl_name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The schema this build creates at `version`.
fn expected(version: i64) -> Result<Vec<SchemaRow>, StoreError> {
    let conn = Connection::open_in_memory()?;
    for sql in MIGRATIONS.iter().take(version.max(0) as usize) {
        conn.execute_batch(sql)?;
    }
    rows(&conn)
}

/// Refuse a file whose schema differs in any way from the one pinned for `version`: an extra
/// table, index, view or trigger, a missing one, or one whose definition was changed.
pub(crate) fn check(conn: &Connection, path: &str, version: i64) -> Result<(), StoreError> {
    let want = expected(version)?;
    let have = rows(conn)?;
    let unexpected = |(kind, name, table, _): &SchemaRow, why: &str| StoreError::UnexpectedSchema {
        path: path.to_string(),
        what: if kind == "table" || name == table {
            format!("{why} {kind} \"{name}\"")
        } else {
            format!("{why} {kind} \"{name}\" on \"{table}\"")
        },
    };
    for row in &have {
        match want.iter().find(|w| (&w.0, &w.1) == (&row.0, &row.1)) {
            None => return Err(unexpected(row, "an unexpected")),
            Some(w) if w != row => return Err(unexpected(row, "an altered")),
            Some(_) => {}
        }
    }
    if let Some(row) = want
        .iter()
        .find(|w| !have.iter().any(|h| (&h.0, &h.1) == (&w.0, &w.1)))
    {
        return Err(unexpected(row, "no"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(version: i64) -> Connection {
        let conn = Connection::open_in_memory().expect("memory");
        for sql in MIGRATIONS.iter().take(version as usize) {
            conn.execute_batch(sql).expect("migrate");
        }
        conn
    }

    #[test]
    fn every_version_matches_its_own_pin_and_no_other() {
        for v in 1..=MIGRATIONS.len() as i64 {
            check(&at(v), "v", v).expect("own schema");
            if v > 1 {
                assert!(check(&at(v - 1), "v", v).is_err(), "older schema at {v}");
                assert!(check(&at(v), "v", v - 1).is_err(), "newer schema at {v}");
            }
        }
    }

    #[test]
    fn each_kind_of_addition_is_named() {
        let v = MIGRATIONS.len() as i64;
        for (sql, named) in [
            (
                "CREATE TRIGGER t AFTER UPDATE ON fields BEGIN SELECT 1; END",
                "an unexpected trigger \"t\" on \"fields\"",
            ),
            (
                "CREATE VIEW w AS SELECT id FROM fields",
                "an unexpected view \"w\"",
            ),
            ("CREATE TABLE x (a)", "an unexpected table \"x\""),
            (
                "CREATE INDEX i ON fields (updated_at)",
                "an unexpected index \"i\" on \"fields\"",
            ),
            ("DROP INDEX grants_by_brand", "no index \"grants_by_brand\""),
        ] {
            let conn = at(v);
            conn.execute_batch(sql).expect("plant");
            let err = check(&conn, "f.db", v).expect_err(sql).to_string();
            assert!(err.contains(named), "{err} should name {named}");
            assert!(err.starts_with("f.db "), "{err}");
        }
    }

    /// Every connection we open distrusts the file's schema and refuses deliberate corruption.
    #[test]
    fn connections_are_defensive_and_distrust_the_schema() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.db");
        let conn = crate::store::create(&path).expect("create");
        assert!(
            conn.db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE)
                .expect("db_config")
        );
        let trusted: i64 = conn
            .pragma_query_value(None, "trusted_schema", |r| r.get(0))
            .expect("pragma");
        assert_eq!(trusted, 0);
        // Defensive mode: the schema cannot be edited through `writable_schema`.
        conn.execute_batch("PRAGMA writable_schema = ON")
            .expect("accepted, ignored");
        assert!(
            conn.execute("DELETE FROM sqlite_schema WHERE name = 'fields'", [])
                .is_err()
        );
    }
}
