#!/usr/bin/env bash
# Every test Vouchsafe has, from a fresh clone: installs what it needs, then runs the UI checks,
# format and lint checks, the Rust tests (unit, property, snapshot, integration, CLI end to end,
# PyJWT/jose interop, reference vectors, the desktop command layer), builds the .deb, installs it
# and runs the desktop end-to-end test in a real window against the installed app, then a short
# run of every fuzz target. Exits non-zero on any failure.
#
# Where the time goes, and why it is laid out this way (docs/ci.md has the figures):
# - clippy checks the workspace once; the tests then build it once (dev profile, dependencies
#   unoptimised except the hot crypto/SQLite crates, see Cargo.toml);
# - the .deb packages that same dev build (`build-deb.sh --debug`: `tauri bundle`, no compile),
#   so nothing is compiled a second time in release or with another feature set; the desktop
#   end-to-end test runs once, against the installed package;
# - tests run under cargo-nextest (all test binaries in parallel, not one after another).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-$root/target}"

started=$SECONDS
timings=()
mark() { timings+=("$(printf '%5ds  %s' $((SECONDS - step_started)) "$step")"); }
step() {
  [ -n "${step:-}" ] && mark
  step="$1"
  step_started=$SECONDS
  echo "==> $step"
}
stop_pg() { :; }
trap 'stop_pg; [ -n "${step:-}" ] && mark; printf "%s\n" "==> time per step:" "${timings[@]}" "$(printf "%5ds  total" $((SECONDS - started)))"' EXIT

step "setup (system packages, npm, interop libraries, tauri-driver, cargo-fuzz)"
"$root/scripts/setup.sh" --test

# Tools the tests need must be there: a missing one fails instead of skipping.
export VOUCHSAFE_INTEROP=1 VOUCHSAFE_INBOX_REQUIRE_INTEROP=1

step "PostgreSQL on loopback for the brand inbox's tests"
# A throwaway server on 127.0.0.1:54329 (trust auth, loopback only); the inbox suite runs on
# SQLite always and on this server too because the variable is set.
# Under /tmp, which the postgres user can reach (a clone under /root may not be).
INBOX_PG_DIR=$(mktemp -d /tmp/vouchsafe-inbox-pg.XXXXXX)
chmod 755 "$INBOX_PG_DIR"
export INBOX_PG_DIR
stop_pg() { "$root/scripts/inbox-pg.sh" stop >/dev/null 2>&1 || true; rm -rf "$INBOX_PG_DIR"; }
VOUCHSAFE_INBOX_TEST_PG=$("$root/scripts/inbox-pg.sh" start)
export VOUCHSAFE_INBOX_TEST_PG
echo "PostgreSQL at $VOUCHSAFE_INBOX_TEST_PG"

step "UI: type check, unit tests (Vitest), production build with its CSP check"
npm --prefix ui run check
npm --prefix ui test
npm --prefix ui run build

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo deny check (licences, bans, sources; advisories from the dated snapshot deny/advisory-db)"
"$root/deny/check.sh"

step "Rust tests (the desktop app built with its UI embedded)"
features=(--features vouchsafe-desktop/custom-protocol)
# All test binaries in parallel; the desktop end-to-end test runs once, below, on the package.
# The CLI's connect tests use the inbox binary this build makes (see crates/vouchsafe-cli/tests/
# connect.rs) instead of building it again with other features.
VOUCHSAFE_INBOX_BIN="$target/debug/vouchsafe-inbox" \
  cargo nextest run --workspace --locked "${features[@]}" --no-fail-fast --status-level fail \
  -E 'not (package(vouchsafe-desktop) & binary(/^e2e/))'
cargo test --workspace --locked "${features[@]}" --doc

step ".deb: bundle the tested build, install it, end-to-end test in a real window"
deb=$("$root/scripts/build-deb.sh" --debug)
ls -l "$deb"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$deb" >/dev/null
# Same package selection and features as the test run above, so the test binary is reused, not
# rebuilt with the desktop's own feature set. `--no-capture` also runs the window tests one
# at a time.
VOUCHSAFE_E2E=1 VOUCHSAFE_APP=/usr/bin/vouchsafe-desktop VOUCHSAFE_INBOX_BIN="$target/debug/vouchsafe-inbox" \
  cargo nextest run --workspace --locked "${features[@]}" --no-capture \
  -E 'package(vouchsafe-desktop) & binary(/^e2e/)'

echo "screenshots of every screen: $target/e2e-screenshots/"

if [ -f "$root/fuzz/Cargo.toml" ]; then
  step "fuzz smoke run of every target"
  FUZZ_SECONDS="${FUZZ_SECONDS:-20}" "$root/scripts/fuzz-smoke.sh"
fi

step "done"
echo "==> all tests passed"
