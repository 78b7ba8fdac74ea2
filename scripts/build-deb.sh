#!/usr/bin/env bash
# Build the desktop app's .deb with the Tauri bundler (release build, UI included) and copy it to
# <target>/deb/<package>_<version>_<arch>.deb, Debian's own file naming. Prints that path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root/src-tauri" && npx tauri build --bundles deb >&2)
built=$(ls -t "$target"/release/bundle/deb/*.deb | head -n 1)
name="$(dpkg-deb -f "$built" Package)_$(dpkg-deb -f "$built" Version)_$(dpkg-deb -f "$built" Architecture).deb"
mkdir -p "$target/deb"
cp "$built" "$target/deb/$name"
echo "$target/deb/$name"
