#!/usr/bin/env bash
# Build the desktop app's .deb with the Tauri bundler (release build, UI included) and copy it to
# <target>/deb/<package>_<version>_<arch>.deb, Debian's own file naming. Prints that path.
#   scripts/build-deb.sh           the release package, for people to install
#   scripts/build-deb.sh --debug   the same package around the dev build the tests already compiled
#                                  (`cargo build --features vouchsafe-desktop/custom-protocol` after
#                                  `npm --prefix ui run build`): what scripts/test.sh installs and
#                                  drives. `tauri bundle` packages that binary as it is; `tauri build`
#                                  would rebuild ~200 crates with the desktop's own feature set.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
if [ "${1:-}" = "--debug" ]; then
  profile=debug
  if [ ! -x "$target/debug/vouchsafe-desktop" ]; then
    echo "build-deb: no $target/debug/vouchsafe-desktop; build it first (see --debug above)" >&2
    exit 1
  fi
  (cd "$root/src-tauri" && npx tauri bundle --debug --bundles deb >&2)
else
  profile=release
  (cd "$root/src-tauri" && npx tauri build --bundles deb >&2)
fi
built=$(ls -t "$target/$profile"/bundle/deb/*.deb | head -n 1)
# The package must register the vouchsafe:// scheme (tauri.conf.json plugins.deep-link), so a
# click on a link in a browser starts the app with the link (%u) as its argument.
desktop=$(dpkg-deb --fsys-tarfile "$built" | tar -xO --wildcards '*usr/share/applications/*.desktop')
if ! grep -q '^MimeType=.*x-scheme-handler/vouchsafe;' <<<"$desktop" || ! grep -q '^Exec=.* %u$' <<<"$desktop"; then
  echo "build-deb: $built does not register vouchsafe:// links; its .desktop file is:" >&2
  echo "$desktop" >&2
  exit 1
fi
name="$(dpkg-deb -f "$built" Package)_$(dpkg-deb -f "$built" Version)_$(dpkg-deb -f "$built" Architecture).deb"
out="$target/deb"
[ "$profile" = debug ] && out="$target/deb/debug"
mkdir -p "$out"
cp "$built" "$out/$name"
echo "$out/$name"
