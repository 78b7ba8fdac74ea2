#!/usr/bin/env bash
# Build and run the Vouchsafe desktop app from a fresh clone (installs what it needs first).
# Needs a desktop session; on a headless machine: xvfb-run -a scripts/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
"$root/scripts/setup.sh"
npm --prefix ui run build
cargo build --release --locked -p vouchsafe-desktop --features custom-protocol --bin vouchsafe-desktop
cargo build --release --locked -p vouchsafe-cli -p vouchsafe-verify-cli --bins
exec "${CARGO_TARGET_DIR:-$root/target}/release/vouchsafe-desktop" "$@"
