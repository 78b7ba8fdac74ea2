#!/usr/bin/env bash
# `cargo deny check` (licences, advisories, bans, sources) for the whole workspace, with the
# advisories read from the committed snapshot deny/advisory-db instead of GitHub, which CI
# cannot reach. Fails, with what to do, when the snapshot does not cover a crate some
# Cargo.lock names, or when it is too old. Needs crates.io (to download every crate of the
# graph, all targets) and cargo-deny 0.20.2 (scripts/setup.sh --test).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
snap="$root/deny/advisory-db"
# Warn past this age, fail past MAX_DAYS (kept equal to `maximum-db-staleness` in deny.toml).
WARN_DAYS=60
MAX_DAYS=180

# shellcheck source=lock-crates.sh
. "$root/deny/lock-crates.sh"

# 1. Every registry crate of every Cargo.lock is in the snapshot's crate list.
missing=0
while read -r lock; do
  while read -r krate; do
    echo "advisory snapshot does not cover crate $krate (named in $lock): run scripts/refresh-advisories.sh" >&2
    missing=1
  done < <(comm -23 <(lock_crates_of "$lock") "$snap/CRATES")
done < <(lock_files "$root")
[ "$missing" = 0 ] || exit 1

# 2. The snapshot's age: the date of the advisory-db commit it was taken from.
snap_date=$(sed -n 's/^commit-date: //p' "$snap/SNAPSHOT")
snap_commit=$(sed -n 's/^commit: //p' "$snap/SNAPSHOT")
age_days=$((($(date +%s) - $(date -d "$snap_date" +%s)) / 86400))
echo "advisories: RustSec advisory-db ${snap_commit:0:12} of $snap_date ($age_days days old), $(wc -l <"$snap/CRATES") crates covered"
if [ "$age_days" -gt "$MAX_DAYS" ]; then
  echo "advisory snapshot is $age_days days old (limit $MAX_DAYS): run scripts/refresh-advisories.sh" >&2
  exit 1
elif [ "$age_days" -gt "$WARN_DAYS" ]; then
  echo "warning: advisory snapshot is $age_days days old: run scripts/refresh-advisories.sh soon" >&2
fi

# 3. cargo-deny opens a database only inside a git repository, named after its URL, and takes
# its age from the repository (FETCH_HEAD, else HEAD). A throwaway repository holding the
# snapshot, committed and dated at the snapshot's date, so its own staleness limit applies to
# the real age.
dbs=$(mktemp -d)
trap 'rm -rf "$dbs"' EXIT
db="$dbs/advisory-db-3157b0e258782691" # cargo-deny's name for https://github.com/rustsec/advisory-db
cp -R "$snap" "$db"
(
  cd "$db"
  export GIT_AUTHOR_DATE="$snap_date" GIT_COMMITTER_DATE="$snap_date"
  git init -q
  git add -A
  git -c user.name=snapshot -c user.email=snapshot@invalid -c commit.gpgsign=false \
    commit -q -m "RustSec advisory-db $snap_commit, filtered"
  touch -d "$snap_date" .git/HEAD
)

# 4. Every crate of the graph present (all targets: the licence check reads them all), then
# cargo-deny offline, so it reads the snapshot and fetches nothing. The duplicate-version
# warnings' inclusion graphs run to ~6,000 lines, so they are printed only when a check fails.
cargo fetch --locked --quiet
deny() { VOUCHSAFE_ADVISORY_DBS="$dbs" cargo deny --offline --workspace --locked check "$@"; }
if ! deny --hide-inclusion-graph; then
  echo "==> cargo deny failed; again with the inclusion graphs (where each crate comes from):" >&2
  deny || true
  exit 1
fi
