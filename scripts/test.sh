#!/usr/bin/env bash
# Every test Vouchsafe has, from a fresh clone: installs what it needs, then runs the UI checks,
# format and lint checks, the Rust tests (unit, integration, CLI end to end, PyJWT/jose interop,
# the desktop command layer, the desktop end-to-end test in a real window), builds the .deb,
# installs it and runs the end-to-end test again against the installed app. Exits non-zero on
# any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-$root/target}"

"$root/scripts/setup.sh" --test

# Tools the tests need must be there: a missing one fails instead of skipping.
export VOUCHSAFE_INTEROP=1 VOUCHSAFE_E2E=1

echo "==> UI: type check, unit tests (Vitest), production build with its CSP check"
npm --prefix ui run check
npm --prefix ui test
npm --prefix ui run build

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> cargo test (the desktop app built with its UI embedded, for the end-to-end test)"
cargo build --workspace --locked --bins --features vouchsafe-desktop/custom-protocol
cargo test --workspace --locked --features vouchsafe-desktop/custom-protocol

echo "==> .deb: build, install, and the end-to-end test against the installed app"
deb=$("$root/scripts/build-deb.sh")
ls -l "$deb"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
VOUCHSAFE_APP=/usr/bin/vouchsafe-desktop \
  cargo test --locked -p vouchsafe-desktop --features custom-protocol --test e2e

echo "==> screenshots of every screen: $target/e2e-screenshots/"
echo "==> all tests passed"
