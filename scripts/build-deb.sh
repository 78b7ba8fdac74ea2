#!/usr/bin/env bash
# Build the desktop app's .deb with the Tauri bundler (release build, UI included) and copy it to
# <target>/deb/<package>_<version>_<arch>.deb, Debian's own file naming. Prints that path.
#   scripts/build-deb.sh           the release package, for people to install
#   scripts/build-deb.sh --debug   the same package from the dev build the tests already compiled
#                                  (what scripts/test.sh installs and drives; no second compile)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
profile=release
flags=()
if [ "${1:-}" = "--debug" ]; then
  profile=debug
  flags=(--debug)
fi
(cd "$root/src-tauri" && npx tauri build "${flags[@]}" --bundles deb >&2)
built=$(ls -t "$target/$profile"/bundle/deb/*.deb | head -n 1)
name="$(dpkg-deb -f "$built" Package)_$(dpkg-deb -f "$built" Version)_$(dpkg-deb -f "$built" Architecture).deb"
out="$target/deb"
[ "$profile" = debug ] && out="$target/deb/debug"
mkdir -p "$out"
cp "$built" "$out/$name"
echo "$out/$name"
