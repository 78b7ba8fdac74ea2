//! `vouchsafe passwd` re-keys the whole vault in one transaction. Killed with SIGKILL at random
//! moments (200 runs by default, minimum key derivation cost), the vault must afterwards open
//! with exactly one of the two passphrases, pass its integrity check, and have lost nothing.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::PASS;
use vouchsafe::{GrantRequest, GrantRequestParts, KdfParams, NewBrand, Passphrase, Vault};

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe");
const OTHER: &str = "the replacement passphrase";
/// How many times `passwd` is killed (`VOUCHSAFE_KILL_RUNS` overrides, for a quick local run).
/// Each kill after the commit costs two minimum-cost derivations for the check, on top of the
/// child's own two: 200 runs took 3–4 minutes on a loaded 2-core machine.
fn runs() -> usize {
    std::env::var("VOUCHSAFE_KILL_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}
const FIELDS: usize = 400;

/// A small xorshift generator: the kill moments only need to be spread, not unpredictable.
struct Moments(u64);

impl Moments {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

fn populate(path: &Path) {
    let mut v = Vault::create(path, &Passphrase::new(PASS), KdfParams::MINIMUM).expect("create");
    let names: Vec<vouchsafe::FieldName> = (0..FIELDS)
        .map(|i| format!("custom.f{i:04}").parse().expect("name"))
        .collect();
    v.fields_mut()
        .set_many(names.iter().map(|n| (n.clone(), "a value 서울", None)))
        .expect("fields");
    v.brands_mut()
        .add(&NewBrand {
            id: "acme",
            name: "Acme",
            ..NewBrand::default()
        })
        .expect("brand");
    let now = jiff::Timestamp::now().as_second();
    for (i, field) in names.iter().take(20).enumerate() {
        let req = GrantRequest::new(
            GrantRequestParts {
                brand: "acme".into(),
                fields: vec![field.clone()],
                derived: vec![],
                purpose: "order updates".into(),
                purpose_category: None,
                channels: Default::default(),
                offer: None,
                expires_at: now + 86_400,
            },
            now,
        )
        .expect("request");
        let g = v.grants_mut().issue(&req).expect("issue");
        if i % 4 == 0 {
            v.grants_mut().revoke(&g.id).expect("revoke");
        }
    }
}

/// What must survive every kill: each field's value, every grant and its state.
fn contents(v: &Vault) -> Vec<String> {
    let mut out: Vec<String> = v
        .fields()
        .list()
        .expect("fields")
        .iter()
        .map(|f| format!("{}={}", f.name, *f.value))
        .collect();
    for g in v.grants().list(None).expect("grants") {
        out.push(format!("{} {:?} {:?}", g.id, g.state, g.revoked_at));
    }
    out
}

fn passwd(dir: &Path, vault: &Path, from: &str, to: &str) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("VOUCHSAFE_VAULT", vault)
        .env("VOUCHSAFE_PASSPHRASE", from)
        .env("VOUCHSAFE_NEW_PASSPHRASE", to)
        .arg("passwd")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Every row of every table, as stored: equal dumps mean an identical vault.
fn dump(path: &Path) -> Vec<rusqlite::types::Value> {
    let c = rusqlite::Connection::open(path).expect("raw");
    let mut out = Vec::new();
    for table in ["vault_meta", "fields", "brands", "grants", "audit"] {
        let mut stmt = c
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .expect("prepare");
        let n = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        while let Some(r) = rows.next().expect("row") {
            for i in 0..n {
                out.push(r.get::<_, rusqlite::types::Value>(i).expect("value"));
            }
        }
    }
    out
}

fn opens(path: &Path, pass: &str) -> Option<Vault> {
    Vault::open(path)
        .expect("the vault file opens")
        .unlock(&Passphrase::new(pass))
        .ok()
}

/// One loop over its own vault: `runs` kills. Returns (kills after the commit, before it).
fn kill_loop(runs: usize, seed: u64) -> (usize, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    populate(&path);
    let want = contents(&opens(&path, PASS).expect("opens"));
    assert_eq!(want.len(), FIELDS + 20);

    // One uninterrupted run sets the window the kills are spread over.
    let start = Instant::now();
    let status = passwd(dir.path(), &path, PASS, OTHER)
        .status()
        .expect("passwd");
    assert!(status.success());
    let window = start.elapsed();
    let mut current = OTHER;
    let v = opens(&path, OTHER).expect("the new passphrase opens");
    assert_eq!(contents(&v), want);
    drop(v);
    let mut verified = dump(&path);

    let mut moments = Moments(seed);
    let window_us = (window.as_micros() as u64) * 11 / 10;
    let (mut switched, mut kept) = (0usize, 0usize);
    for run in 0..runs {
        let next = if current == PASS { OTHER } else { PASS };
        let delay = Duration::from_micros(moments.next_below(window_us));
        let mut child = passwd(dir.path(), &path, current, next)
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let ctx = format!("run {run} (seed {seed}, window {window:?}), killed after {delay:?}");
        // Byte for byte the state last verified (the kill came before the commit): it opens
        // with the same passphrase and holds the same records as then, without deriving again.
        if dump(&path) == verified {
            kept += 1;
            continue;
        }
        let old = opens(&path, current);
        let new = opens(&path, next);
        let v = match (old, new) {
            (Some(v), None) => {
                kept += 1;
                v
            }
            (None, Some(v)) => {
                switched += 1;
                current = next;
                v
            }
            (Some(_), Some(_)) => panic!("{ctx}: both passphrases open the vault"),
            (None, None) => panic!("{ctx}: neither passphrase opens the vault"),
        };
        assert!(v.check().expect("check").is_intact(), "{ctx}: integrity");
        assert_eq!(contents(&v), want, "{ctx}: contents changed");
        drop(v);
        verified = dump(&path);
    }
    (switched, kept)
}

#[test]
fn passwd_killed_at_random_moments_leaves_exactly_one_passphrase_and_loses_nothing() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    let runs = runs().max(2);
    let started = Instant::now();
    // Two vaults at once, one per core: the derivations, not the kills, take the time.
    let loops: Vec<_> = (0..2u64)
        .map(|i| std::thread::spawn(move || kill_loop(runs / 2, seed.wrapping_add(i * 0x9e37))))
        .collect();
    let (mut switched, mut kept) = (0, 0);
    for l in loops {
        let (s, k) = l.join().expect("a kill loop failed");
        switched += s;
        kept += k;
    }
    eprintln!(
        "{runs} kills (seed {seed}): {switched} after the commit, {kept} before; {:?}",
        started.elapsed()
    );
    assert_eq!(switched + kept, runs / 2 * 2);
    // The window covers both sides of the commit, so both outcomes must have been seen.
    assert!(switched > 0 && kept > 0, "switched {switched}, kept {kept}");
}
