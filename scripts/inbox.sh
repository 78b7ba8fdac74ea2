#!/usr/bin/env bash
# Build and start the brand's inbox (embedded SQLite by default). Every argument goes to
# `vouchsafe-inbox serve`; see docs/inbox.md.
#   scripts/inbox.sh --origin https://shop.example --db sqlite:/var/lib/vouchsafe/inbox.db
#   scripts/inbox.sh --origin http://127.0.0.1:8080            # local trial on loopback
#   scripts/inbox.sh --origin https://shop.example --db postgres://inbox@db.internal/inbox
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked --manifest-path "$root/Cargo.toml" -p vouchsafe-inbox >&2
exec "${CARGO_TARGET_DIR:-$root/target}/release/vouchsafe-inbox" serve "$@"
