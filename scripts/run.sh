#!/usr/bin/env bash
# Build and run Vouchsafe from a fresh clone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
"$root/scripts/setup.sh"
cargo build --release --locked --bin vouchsafe
exec "$root/target/release/vouchsafe" "$@"
