#!/usr/bin/env bash
# Every test Vouchsafe has, from a fresh clone: installs what it needs, then runs format and lint
# checks, the Rust tests (unit, integration, CLI end to end, PyJWT/jose interop), the UI tests and
# the desktop end-to-end tests. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

"$root/scripts/setup.sh" --test

# Tools the tests need must be there: a missing one fails instead of skipping.
export VOUCHSAFE_INTEROP=1

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo build --workspace --locked --bins
cargo test --workspace --locked
echo "==> all tests passed"
