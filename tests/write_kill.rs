//! Ordinary writes (field set, grant issue, revoke) killed with SIGKILL at random moments, 1,000
//! runs by default: afterwards the vault opens, passes its whole-vault check, and holds every
//! write that reported success; the one write in flight is there entirely or not at all.
//!
//! A writer process (this test binary, re-run on its ignored test [`child_writes_until_killed`])
//! unlocks the vault once, reports what it found, and then writes in a loop, printing
//! `begin <seq> …` before each write and `ack <seq> …` only after it returned Ok. The parent
//! kills it at a random moment after it is ready: each writer derives the key once and spends
//! the rest of its life writing. Like the CLI and the app, it records the generation outside the
//! file after every write; that record must never get ahead of the file.
//!
//! Who checks a kill: the next writer. It is a new process opening the vault the killed one left
//! (WAL recovery and all), exactly as the parent would, and it has to derive the key anyway; its
//! report (check result, generation, every field and grant) is held against the parent's model
//! of every acknowledged write. One derivation per kill instead of two halves the run time on a
//! 2-core machine. The last kill on each vault is checked by the parent opening the vault itself.
//!
//! The generation grows by exactly one per committed write, so it tells whether the
//! unacknowledged write landed, and the vault must then show all of it (and no status-list bit
//! may belong to two grants).
//!
//! `VOUCHSAFE_WRITE_KILL_RUNS` sets the number of kills, `VOUCHSAFE_WRITE_KILL_SEED` replays a
//! seed printed by a failure (the same writes and kill delays; where a kill lands still depends
//! on the machine's timing).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{PASS, TEST_KDF, name, request, unlock};
use vouchsafe::{AnchorStore, FileAnchorStore, GrantState, NewBrand, Passphrase, Vault};

/// How many times a writer is killed (`VOUCHSAFE_WRITE_KILL_RUNS` overrides, for a quick local
/// run or a longer soak).
fn runs() -> usize {
    std::env::var("VOUCHSAFE_WRITE_KILL_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

/// Kill loops running at once, each on its own vault: one per core of a CI machine.
const SHARDS: usize = 2;
/// A shard starts a fresh vault after this many kills. Every check reads the whole vault (each
/// grant and audit entry opened, the chain walked), so its cost grows with the vault: ≈ 70 ms
/// at 230 writes, beside ≈ 140 ms of key derivation, and a writer does 4–13 writes before its
/// kill (more on a quieter machine). A fresh vault every 50 kills keeps the average check
/// below the derivation, while the state still accumulates over 50 writers: hundreds of writes
/// per vault (the WAL reaches SQLite's 1,000-page checkpoint every ≈ 200 of them, so a kill
/// can land in one) and dozens of grants.
const RUNS_PER_VAULT: usize = 50;
/// The writer sets `custom.k00` … and overwrites them again.
const FIELD_SLOTS: u64 = 24;
const BRANDS: [&str; 2] = ["acme", "shoes"];
/// The kill comes within this long after the writer is ready (uniformly spread).
const KILL_WINDOW: Duration = Duration::from_millis(100);

const CHILD_TEST: &str = "child_writes_until_killed";
const ENV_VAULT: &str = "VOUCHSAFE_WRITE_KILL_VAULT";
const ENV_ANCHORS: &str = "VOUCHSAFE_WRITE_KILL_ANCHORS";
const ENV_FIRST: &str = "VOUCHSAFE_WRITE_KILL_FIRST";
const ENV_SEED: &str = "VOUCHSAFE_WRITE_KILL_CHILD_SEED";
/// A writer the parent lost track of stops on its own after this long.
const CHILD_LIMIT: Duration = Duration::from_secs(20);

/// A small xorshift generator: writes and kill moments only need to be spread and replayable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

fn slot_name(slot: u64) -> String {
    format!("custom.k{slot:02}")
}

/// A grant state as the writer reports it.
fn state_name(s: GrantState) -> String {
    format!("{s:?}")
}

fn env_u64(key: &str) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key} is not set"))
}

/// What a fresh open of the vault shows: the check's verdict and everything the model covers.
#[derive(Debug, Default)]
struct State {
    /// Why it did not open, or why the check could not run.
    error: Option<String>,
    problems: Vec<String>,
    generation: u64,
    /// The generation recorded outside the file.
    seen: Option<u64>,
    fields: BTreeMap<String, String>,
    /// Grant id → (state, brand, status index).
    grants: BTreeMap<String, (String, String, usize)>,
}

impl State {
    /// Open the vault at `path` as a new process does, and read it.
    fn open(path: &Path, anchors: &Path) -> (State, Option<Vault>) {
        match unlock(path, PASS) {
            Ok(v) => (State::read(&v, anchors), Some(v)),
            Err(e) => (
                State {
                    error: Some(format!("the vault does not open: {e}")),
                    ..State::default()
                },
                None,
            ),
        }
    }

    /// What `vouchsafe check` does (the whole-vault check, then every sealed record opened),
    /// then everything the model covers.
    fn read(v: &Vault, anchors: &Path) -> State {
        let mut s = State::default();
        match v.check() {
            Ok(r) => s.problems = r.problems.iter().map(ToString::to_string).collect(),
            Err(e) => s.error = Some(format!("the check failed: {e}")),
        }
        if s.error.is_some() || !s.problems.is_empty() {
            return s;
        }
        if let Err(e) = v.verify_records() {
            s.error = Some(format!("a record does not open: {e}"));
            return s;
        }
        s.generation = v.generation().expect("generation").expect("anchored");
        let id = v.vault_id().expect("vault id");
        s.seen = FileAnchorStore::new(anchors)
            .last_seen(&id)
            .expect("anchor store");
        s.fields = v
            .fields()
            .list()
            .expect("fields")
            .into_iter()
            .map(|f| (f.name.to_string(), f.value.to_string()))
            .collect();
        s.grants = v
            .grants()
            .list(None)
            .expect("grants")
            .into_iter()
            .map(|g| (g.id, (state_name(g.state), g.brand, g.status_idx)))
            .collect();
        s
    }

    /// One line per fact, for a writer to hand its state to the parent (no value has a space).
    fn to_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(e) = &self.error {
            out.push(format!("state error {e}"));
        }
        for p in &self.problems {
            out.push(format!("state problem {p}"));
        }
        out.push(format!("state generation {}", self.generation));
        if let Some(s) = self.seen {
            out.push(format!("state seen {s}"));
        }
        for (n, v) in &self.fields {
            out.push(format!("state field {n} {v}"));
        }
        for (id, (st, brand, idx)) in &self.grants {
            out.push(format!("state grant {id} {st} {brand} {idx}"));
        }
        out.push("state end".into());
        out
    }

    /// The state a writer printed, if it printed it whole.
    fn from_lines(lines: &[String]) -> Option<State> {
        let mut s = State::default();
        for line in lines {
            let Some(rest) = line.strip_prefix("state ") else {
                continue;
            };
            let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            let w: Vec<&str> = rest.split_whitespace().collect();
            match (kind, w.as_slice()) {
                ("error", _) => s.error = Some(rest.into()),
                ("problem", _) => s.problems.push(rest.into()),
                ("generation", [g]) => s.generation = g.parse().ok()?,
                ("seen", [g]) => s.seen = Some(g.parse().ok()?),
                ("field", [n, v]) => {
                    s.fields.insert((*n).into(), (*v).into());
                }
                ("grant", [id, st, brand, idx]) => {
                    s.grants.insert(
                        (*id).into(),
                        ((*st).into(), (*brand).into(), idx.parse().ok()?),
                    );
                }
                ("end", []) => return Some(s),
                _ => return None,
            }
        }
        None
    }
}

/// The writer. Not a test of its own: `ordinary_writes_killed_…` runs it in a child process
/// with the vault to write to, and kills it.
#[test]
#[ignore = "the child half of ordinary_writes_killed_at_random_moments_lose_nothing, run by it"]
fn child_writes_until_killed() {
    let path = PathBuf::from(
        std::env::var_os(ENV_VAULT)
            .expect("run by ordinary_writes_killed_at_random_moments_lose_nothing, not by hand"),
    );
    let anchors = PathBuf::from(std::env::var_os(ENV_ANCHORS).expect("anchor dir"));
    let first = env_u64(ENV_FIRST);
    let mut rng = Rng(env_u64(ENV_SEED) | 1);

    let mut out = std::io::stdout().lock();
    let mut say = |line: &str| {
        writeln!(out, "{line}").expect("stdout");
        out.flush().expect("stdout");
    };
    // What the last kill left, for the parent to check; a vault that does not open or check is
    // reported, not written to.
    let (state, v) = State::open(&path, &anchors);
    for line in state.to_lines() {
        say(&line);
    }
    let Some(mut v) = v.filter(|_| state.error.is_none() && state.problems.is_empty()) else {
        return;
    };
    // As the CLI and the app do: the generation is recorded outside the file after each write.
    v.track_generations(Box::new(FileAnchorStore::new(anchors)))
        .expect("track generations");
    let mut active: Vec<String> = state
        .grants
        .iter()
        .filter(|(_, (st, ..))| *st == state_name(GrantState::Active))
        .map(|(id, _)| id.clone())
        .collect();

    say("ready");
    let started = Instant::now();
    for seq in first.. {
        assert!(
            started.elapsed() < CHILD_LIMIT,
            "the parent never killed this writer"
        );
        match rng.below(4) {
            0 | 1 => {
                let slot = rng.below(FIELD_SLOTS);
                say(&format!("begin {seq} set {slot}"));
                v.fields_mut()
                    .set(&name(&slot_name(slot)), &format!("v{seq}"), None)
                    .expect("set");
                say(&format!("ack {seq} set {slot}"));
            }
            2 | 3 if rng.below(3) == 0 || active.is_empty() => {
                let brand = BRANDS[rng.below(2) as usize];
                let field = slot_name(rng.below(FIELD_SLOTS));
                say(&format!("begin {seq} issue {brand}"));
                let g = v
                    .grants_mut()
                    .issue(&request(brand, &field))
                    .expect("issue");
                say(&format!("ack {seq} issue {brand} {}", g.id));
                active.push(g.id);
            }
            _ => {
                let id = active.swap_remove(rng.below(active.len() as u64) as usize);
                say(&format!("begin {seq} revoke {id}"));
                v.grants_mut().revoke(&id).expect("revoke");
                say(&format!("ack {seq} revoke {id}"));
            }
        }
    }
}

/// One write as the writer announced it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Set { slot: u64 },
    Issue { brand: String },
    Revoke { id: String },
}

/// What a killed writer printed: the writes begun, and of each acknowledged issue its grant.
#[derive(Debug, Default)]
struct Transcript {
    begun: Vec<(u64, Op)>,
    acked: usize,
    issued: Vec<String>,
}

impl Transcript {
    fn parse(lines: &[String], ctx: &str) -> Self {
        let mut t = Transcript::default();
        for line in lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["begin", seq, rest @ ..] => {
                    assert_eq!(
                        t.acked,
                        t.begun.len(),
                        "{ctx}: a write began before the last ack"
                    );
                    let op = match rest {
                        ["set", slot] => Op::Set {
                            slot: slot.parse().expect("slot"),
                        },
                        ["issue", brand] => Op::Issue {
                            brand: (*brand).into(),
                        },
                        ["revoke", id] => Op::Revoke { id: (*id).into() },
                        _ => panic!("{ctx}: unreadable line {line:?}"),
                    };
                    t.begun.push((seq.parse().expect("seq"), op));
                }
                ["ack", seq, rest @ ..] => {
                    let (want, _) = t.begun.last().expect("an ack without a begin");
                    assert_eq!(seq.parse::<u64>().ok(), Some(*want), "{ctx}: {line:?}");
                    assert_eq!(t.acked + 1, t.begun.len(), "{ctx}: acked twice: {line:?}");
                    if let ["issue", _, id] = rest {
                        t.issued.push((*id).into());
                    }
                    t.acked += 1;
                }
                // The state report, `ready`, libtest's own lines.
                _ => {}
            }
        }
        t
    }

    /// The write that was begun and not acknowledged, if the kill came during one.
    fn in_flight(&self) -> Option<&(u64, Op)> {
        self.begun.get(self.acked)
    }
}

/// Every write a shard's vault must hold: the acknowledged ones, and the unacknowledged ones
/// seen to have landed.
#[derive(Debug, Default)]
struct Model {
    fields: BTreeMap<String, String>,
    /// Grant id → revoked.
    grants: BTreeMap<String, bool>,
    generation: u64,
    next_seq: u64,
}

/// Counters over a shard's runs.
#[derive(Default, Debug, Clone, Copy)]
struct Tally {
    runs: usize,
    /// Killed between `begin` and `ack`.
    mid_write: usize,
    /// Of those, the write was in the vault afterwards.
    landed: usize,
    writes_acked: usize,
    /// From spawning each writer to its `ready` (the key derivation and the check are most of
    /// it), summed: where the time goes.
    to_ready: Duration,
}

impl Tally {
    /// Check a kill (its writer's transcript and how to name it) against `state`, and count it.
    fn settle(&mut self, state: &State, model: &mut Model, (t, ctx): (Transcript, String)) {
        let landed = verify(state, model, &t, &ctx);
        self.runs += 1;
        self.writes_acked += t.acked;
        if t.in_flight().is_some() {
            self.mid_write += 1;
            self.landed += usize::from(landed);
        }
    }
}

fn fresh_vault(path: &Path) -> Model {
    let mut v = Vault::create(path, &Passphrase::new(PASS), TEST_KDF).expect("create");
    let mut model = Model::default();
    v.fields_mut()
        .set_many((0..FIELD_SLOTS).map(|s| (name(&slot_name(s)), "init", None)))
        .expect("fields");
    for s in 0..FIELD_SLOTS {
        model.fields.insert(slot_name(s), "init".into());
    }
    for id in BRANDS {
        v.brands_mut()
            .add(&NewBrand {
                id,
                name: id,
                ..NewBrand::default()
            })
            .expect("brand");
    }
    model.generation = v.generation().expect("generation").expect("anchored");
    model
}

/// Hold a fresh open's `state` against the model after a kill whose writer printed `t`, and
/// bring the model up to date (with the write in flight, if it landed). Returns whether it did.
fn verify(state: &State, model: &mut Model, t: &Transcript, ctx: &str) -> bool {
    if let Some(e) = &state.error {
        panic!("{ctx}: {e}");
    }
    assert!(
        state.problems.is_empty(),
        "{ctx}: the integrity check found problems: {:?}",
        state.problems
    );
    let generation = state.generation;
    assert!(
        state.seen.is_none_or(|s| s <= generation),
        "{ctx}: the generation recorded outside ({:?}) is ahead of the file's ({generation})",
        state.seen
    );

    // Each committed write raises the generation by one: the acked ones, and maybe one more.
    let committed = generation
        .checked_sub(model.generation)
        .unwrap_or_else(|| panic!("{ctx}: the generation went back to {generation}"));
    let landed = match committed.checked_sub(t.acked as u64) {
        Some(0) => false,
        Some(1) if t.in_flight().is_some() => true,
        _ => panic!(
            "{ctx}: generation {} → {generation} after {} acknowledged writes, in flight {:?}",
            model.generation,
            t.acked,
            t.in_flight()
        ),
    };

    // The acknowledged writes, in order.
    let mut issued = t.issued.iter();
    for (seq, op) in &t.begun[..t.acked] {
        match op {
            Op::Set { slot } => {
                model.fields.insert(slot_name(*slot), format!("v{seq}"));
            }
            Op::Issue { .. } => {
                let id = issued.next().expect("issued id");
                model.grants.insert(id.clone(), false);
            }
            Op::Revoke { id } => {
                let was = model.grants.insert(id.clone(), true);
                assert_eq!(was, Some(false), "{ctx}: revoke of {id}");
            }
        }
    }

    // The write in flight is there whole, or not at all: what it changes must agree with what
    // the generation says.
    if let Some((seq, op)) = t.in_flight() {
        match op {
            Op::Set { slot } => {
                let now = state.fields.get(&slot_name(*slot));
                let new = format!("v{seq}");
                assert_eq!(
                    now == Some(&new),
                    landed,
                    "{ctx}: set of slot {slot} in flight: value {now:?}, landed by generation {landed}"
                );
                if landed {
                    model.fields.insert(slot_name(*slot), new);
                }
            }
            Op::Issue { brand } => {
                let new: Vec<&String> = state
                    .grants
                    .keys()
                    .filter(|id| !model.grants.contains_key(*id))
                    .collect();
                assert_eq!(
                    new.len(),
                    usize::from(landed),
                    "{ctx}: issue in flight, new grants {new:?}, landed by generation {landed}"
                );
                if let Some(id) = new.first() {
                    assert_eq!(state.grants[*id].1, *brand, "{ctx}: the new grant's brand");
                    model.grants.insert((*id).clone(), false);
                }
            }
            Op::Revoke { id } => {
                let revoked = state
                    .grants
                    .get(id)
                    .map(|g| g.0 == state_name(GrantState::Revoked));
                assert_eq!(revoked, Some(landed), "{ctx}: revoke of {id} in flight");
                if landed {
                    model.grants.insert(id.clone(), true);
                }
            }
        }
    }

    // Every field and grant, exactly as the model says; no status bit given out twice.
    assert_eq!(state.fields, model.fields, "{ctx}: fields");
    let mut grants = state.grants.clone();
    for (id, revoked) in &model.grants {
        let (st, ..) = grants
            .remove(id)
            .unwrap_or_else(|| panic!("{ctx}: acknowledged grant {id} is gone"));
        let want = state_name(if *revoked {
            GrantState::Revoked
        } else {
            GrantState::Active
        });
        assert_eq!(st, want, "{ctx}: grant {id}");
    }
    assert!(grants.is_empty(), "{ctx}: grants nobody issued: {grants:?}");
    let mut bits = BTreeSet::new();
    for (_, brand, idx) in state.grants.values() {
        assert!(
            bits.insert((brand, idx)),
            "{ctx}: status index {idx} of {brand} twice"
        );
    }

    model.generation = generation;
    landed
}

fn writer(exe: &Path, dir: &Path, vault: &Path, first: u64, seed: u64) -> Command {
    let mut c = Command::new(exe);
    c.args(["--exact", CHILD_TEST, "--ignored", "--nocapture", "-q"])
        .args(["--test-threads", "1"])
        .env(ENV_VAULT, vault)
        .env(ENV_ANCHORS, dir.join("anchors"))
        .env(ENV_FIRST, first.to_string())
        .env(ENV_SEED, seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("writer.stderr")).expect("stderr file"),
        ));
    c
}

/// Start a writer and kill it `delay` after it is ready. Returns what it printed, whether it
/// got ready (and how long that took), and how it ended.
fn run_and_kill(
    exe: &Path,
    dir: &Path,
    vault: &Path,
    first: u64,
    seed: u64,
    delay: Duration,
) -> (Vec<String>, Option<Duration>, ExitStatus) {
    let started = Instant::now();
    let mut proc = writer(exe, dir, vault, first, seed).spawn().expect("spawn");
    let stdout = proc.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let mut ready = false;
    // Until `ready`, or until the writer ends on its own (the channel closes).
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(60)) {
        ready = l == "ready";
        lines.push(l);
        if ready {
            break;
        }
    }
    let ready = ready.then(|| started.elapsed());
    if ready.is_some() {
        std::thread::sleep(delay);
    }
    let _ = proc.kill(); // SIGKILL
    let status = proc.wait().expect("wait");
    reader.join().expect("reader");
    lines.extend(rx.try_iter());
    (lines, ready, status)
}

/// One shard: `runs` kills on its own vaults (a fresh one every [`RUNS_PER_VAULT`]).
fn kill_loop(exe: &Path, shard: usize, runs: usize, seed: u64) -> Tally {
    let dir = tempfile::tempdir().expect("tempdir");
    let anchors = dir.path().join("anchors");
    let mut rng = Rng(seed.wrapping_add(shard as u64 * 0x9e37_79b9) | 1);
    let mut tally = Tally::default();
    let mut vault = PathBuf::new();
    let mut model = Model::default();
    // The last kill not checked yet, and how to name it.
    let mut pending: Option<(Transcript, String)> = None;
    for run in 0..=runs {
        if run % RUNS_PER_VAULT == 0 || run == runs {
            // The parent checks the last kill on a vault itself.
            if let Some(p) = pending.take() {
                tally.settle(&State::open(&vault, &anchors).0, &mut model, p);
            }
            if run == runs {
                break;
            }
            vault = dir
                .path()
                .join(format!("vault-{}.db", run / RUNS_PER_VAULT));
            model = fresh_vault(&vault);
        }
        let delay = Duration::from_micros(rng.below(KILL_WINDOW.as_micros() as u64));
        let child_seed = rng.next();
        let ctx = format!(
            "shard {shard} run {run} (VOUCHSAFE_WRITE_KILL_SEED={seed}, writer seed \
             {child_seed}, {}), killed {delay:?} after ready",
            vault.display()
        );
        let (lines, to_ready, status) =
            run_and_kill(exe, dir.path(), &vault, model.next_seq, child_seed, delay);
        let err = || std::fs::read_to_string(dir.path().join("writer.stderr")).unwrap_or_default();
        // The writer opened the vault before writing: that is the check of the previous kill.
        let state = State::from_lines(&lines).unwrap_or_else(|| {
            panic!(
                "{ctx}: the writer reported no state ({status}); stderr:\n{}",
                err()
            )
        });
        if let Some(p) = pending.take() {
            tally.settle(&state, &mut model, p);
        }
        assert!(
            to_ready.is_some() && status.signal() == Some(9),
            "{ctx}: the writer was not killed while writing ({status}); stderr:\n{}",
            err()
        );
        let t = Transcript::parse(&lines, &ctx);
        if let Some((seq, _)) = t.begun.last() {
            model.next_seq = seq + 1;
        }
        tally.to_ready += to_ready.unwrap_or_default();
        pending = Some((t, ctx));
    }
    tally
}

#[test]
fn ordinary_writes_killed_at_random_moments_lose_nothing() {
    let seed = std::env::var("VOUCHSAFE_WRITE_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let runs = runs().max(SHARDS);
    // The writers run a private copy of this binary: a rebuild replacing the original while
    // the loop runs (a shared target directory) would otherwise make every later spawn fail.
    // Copied before any thread starts, so no writer inherits the copy's open file.
    let bin = tempfile::tempdir().expect("tempdir");
    let exe = bin.path().join("write-kill-writer");
    std::fs::copy(std::env::current_exe().expect("test binary"), &exe).expect("copy");
    let started = Instant::now();
    let loops: Vec<_> = (0..SHARDS)
        .map(|i| {
            let exe = exe.clone();
            std::thread::spawn(move || kill_loop(&exe, i, runs / SHARDS, seed))
        })
        .collect();
    let mut total = Tally::default();
    for l in loops {
        let t = l
            .join()
            .unwrap_or_else(|_| panic!("a kill loop failed (VOUCHSAFE_WRITE_KILL_SEED={seed})"));
        total.runs += t.runs;
        total.mid_write += t.mid_write;
        total.landed += t.landed;
        total.writes_acked += t.writes_acked;
        total.to_ready += t.to_ready;
    }
    eprintln!(
        "{} kills (seed {seed}): {} mid-write ({} of those writes landed), {} acknowledged \
         writes kept; {:?} ({:?} per writer from start to ready)",
        total.runs,
        total.mid_write,
        total.landed,
        total.writes_acked,
        started.elapsed(),
        total.to_ready / u32::try_from(total.runs.max(1)).unwrap_or(u32::MAX)
    );
    assert_eq!(total.runs, runs / SHARDS * SHARDS);
    // The kills must really land inside writes, and the writers must really write (checked on
    // a count large enough that chance cannot fail it: each run writes for up to 100 ms).
    if total.runs >= 100 {
        assert!(
            total.mid_write * 2 >= total.runs && total.writes_acked >= total.runs,
            "{total:?}"
        );
    }
}
