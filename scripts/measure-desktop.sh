#!/usr/bin/env bash
# Measure the desktop app and write docs/desktop-performance.md:
#   1. start-up: launch → the unlock screen's passphrase field is visible to WebDriver
#      (process start, GTK/WebKit initialisation, loading the UI, its first IPC call, rendering);
#      several launches, the first one right after the build;
#   2. memory: VmRSS (/proc/PID/status) of the app, and with its WebKit helper processes, on the
#      unlock screen and after unlocking a vault of 1,000 fields and 1,000 grants (10 brands)
#      and opening the profile (all 1,000 fields rendered) and grants screens;
#   3. the .deb's size (and the installed size it declares).
# Needs what the end-to-end test needs (see src-tauri/tests/e2e.rs) plus Node for the Tauri CLI.
# Runs under Xvfb when DISPLAY is unset. Usage: scripts/measure-desktop.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-$root/target}"
runs="${1:-5}"

echo "==> release build and .deb (cd src-tauri && npm run build)"
[ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund >/dev/null
[ -d src-tauri/node_modules ] || npm --prefix src-tauri ci --no-audit --no-fund >/dev/null
(cd src-tauri && npm run build)
app="$target/release/vouchsafe-desktop"
deb="$(ls -t "$target"/release/bundle/deb/*.deb | head -n 1)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export VOUCHSAFE_PASSPHRASE="measure: violet tractor 93 unwise lagoon"
echo "==> a vault of 1,000 fields and 1,000 grants (Argon2id at the app's default parameters)"
cargo run --quiet --release -p vouchsafe-app --example big_vault -- "$work/big.db" 1000 1000

# Drop the page cache so the first launch reads the binary and WebKit from disk, if allowed
# (it is not in most containers; the result says which).
cold="no (page cache warm)"
if sync && echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then cold="yes (page cache dropped)"; fi

echo "==> measuring ($runs launches)"
VOUCHSAFE_MEASURE=1 VOUCHSAFE_APP="$app" VOUCHSAFE_MEASURE_VAULT="$work/big.db" \
  VOUCHSAFE_MEASURE_OUT="$work/result.json" VOUCHSAFE_MEASURE_RUNS="$runs" \
  cargo test --quiet -p vouchsafe-desktop --features custom-protocol --test measure -- --nocapture

deb_bytes="$(stat -c %s "$deb")"
installed_kib="$(dpkg-deb -f "$deb" Installed-Size 2>/dev/null || echo '?')"
depends="$(dpkg-deb -f "$deb" Depends 2>/dev/null || echo '?')"
bin_bytes="$(stat -c %s "$app")"

RESULT="$work/result.json" DEB="$(basename "$deb")" DEB_BYTES="$deb_bytes" INSTALLED_KIB="$installed_kib" \
DEPENDS="$depends" BIN_BYTES="$bin_bytes" COLD="$cold" \
CPU="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
MEM="$(free -g | awk '/Mem:/ {print $2}') GiB" OS="$(. /etc/os-release && echo "$PRETTY_NAME")" \
WEBKIT="$(dpkg-query -W -f '${Version}' libwebkit2gtk-4.1-0 2>/dev/null || echo '?')" \
node - >"$root/docs/desktop-performance.md" <<'JS'
const fs = require('fs');
const r = JSON.parse(fs.readFileSync(process.env.RESULT, 'utf8'));
const e = process.env;
const mib = (kib) => (kib / 1024).toFixed(1) + ' MiB';
const ms = (x) => Math.round(x) + ' ms';
const helpers = r.webkit_helpers.map((h) => `${h.name} ${mib(h.rss_kib)}`).join(', ');
console.log(`# Desktop app performance

Measured by \`scripts/measure-desktop.sh\` on ${new Date().toISOString().slice(0, 10)}: ${e.OS}, ${e.CPU}, ${e.MEM},
WebKitGTK ${e.WEBKIT}, under Xvfb, release build with symbols stripped (\`cd src-tauri && npm run build\`). Re-run the script to update this page.

| what | result |
|---|---|
| start-up to the unlock screen, median of ${r.startup_ms.length} | **${ms(r.startup_median_ms)}** |
| start-up, each launch (first = right after the build) | ${r.startup_ms.map(ms).join(', ')} |
| first launch from a cold page cache | ${e.COLD} |
| unlock (Argon2id 256 MiB, t=3, p=2) → profile screen with 1,000 fields rendered | ${ms(r.unlock_to_profile_ms)} |
| RSS on the unlock screen: app / app + WebKit helpers | ${mib(r.rss_locked_kib.app)} / ${mib(r.rss_locked_kib.with_webkit)} |
| RSS after unlocking 1,000 fields + 1,000 grants, profile and grants screens opened: app / app + WebKit helpers | **${mib(r.rss_unlocked_kib.app)}** / **${mib(r.rss_unlocked_kib.with_webkit)}** |
| WebKit helper processes (unlocked) | ${helpers} |
| \`.deb\` (${e.DEB}) | **${(e.DEB_BYTES / 1048576).toFixed(2)} MiB** (${e.DEB_BYTES} bytes); installed ${e.INSTALLED_KIB} KiB |
| release binary | ${(e.BIN_BYTES / 1048576).toFixed(1)} MiB |
| \`.deb\` depends | ${e.DEPENDS} |

## How it is measured
- **Start-up**: \`src-tauri/tests/measure.rs\` asks tauri-driver for a WebDriver session, which
  launches the app, and stops the clock when WebDriver sees \`[data-testid=unlock-passphrase]\`.
  This includes process start, GTK and WebKit initialisation, loading the UI from the binary, its
  first \`app_status\` call and the first render, plus a little WebDriver overhead (session set-up,
  polling every 100 ms) — an upper bound of what a person waits.
- **Memory**: \`VmRSS\` from \`/proc/PID/status\` of the app process and of its child processes
  (WebKit's web content and network processes), on the unlock screen and 3 s after the grants
  screen loaded. The vault (\`cargo run --release -p vouchsafe-app --example big_vault\`) has
  1,000 fields (5 standard, 995 \`custom.*\`) and 1,000 grants over 10 brands, protected with
  the app's default Argon2id parameters. Argon2id's 256 MiB is freed right after the unlock, so it
  does not show in the unlocked figure.
- **Package**: the size of the \`.deb\` file and its \`Installed-Size\` field.
`);
JS
cat "$root/docs/desktop-performance.md"
