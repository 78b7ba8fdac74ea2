#!/usr/bin/env bash
# Install what Vouchsafe needs to build, run and test on Debian/Ubuntu. Idempotent.
#   scripts/setup.sh          system packages for the desktop app (WebKitGTK, Xvfb, CJK fonts)
#   scripts/setup.sh --test   also the test tools: tauri-driver, cargo-nextest, cargo-fuzz,
#                             cargo-deny, PyJWT, jose, UI dev dependencies
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(
  build-essential pkg-config curl file ca-certificates
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth fonts-noto-cjk
)
[ "$want_test" = 1 ] && packages+=(webkit2gtk-driver imagemagick python3-venv python3-jwt postgresql strace dbus dunst)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is missing: install it with rustup (https://rustup.rs), Rust 1.95 or newer." >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "==> installing Node.js and npm"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

if [ -f "$root/ui/package.json" ]; then
  echo "==> UI dependencies"
  (cd "$root/ui" && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ -f "$root/src-tauri/package.json" ]; then
  (cd "$root/src-tauri" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "$want_test" = 1 ]; then
  echo "==> interop libraries (PyJWT, jose)"
  "$root/scripts/setup-interop.sh"
  (cd "$root/crates/vouchsafe-inbox/tests/interop" && npm ci --no-audit --no-fund --loglevel=error)
  if ! cargo nextest --version >/dev/null 2>&1; then
    echo "==> cargo-nextest"
    cargo install cargo-nextest --locked --quiet
  fi
  # Pinned: deny.toml and deny/check.sh rely on this version's advisory-db layout.
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny 0.20.2" ]; then
    echo "==> cargo-deny 0.20.2 (≈ 3–4 min to compile)"
    cargo install cargo-deny --version 0.20.2 --locked --quiet
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> cargo-fuzz (fuzz targets run on the nightly toolchain)"
    cargo install cargo-fuzz --locked --quiet
  fi
  if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    echo "==> tauri-driver"
    cargo install tauri-driver --version '^2' --locked --quiet
  fi
fi
