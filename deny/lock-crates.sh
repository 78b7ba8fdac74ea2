# Sourced by scripts/refresh-advisories.sh and deny/check.sh, so both read the same crate list.
#
# lock_crates ROOT: the name of every registry crate in every Cargo.lock under ROOT (build
# output and node_modules skipped), sorted, once each.
lock_crates() {
  lock_files "$1" | while read -r lock; do lock_crates_of "$lock"; done | sort -u
}

# lock_files ROOT: every Cargo.lock under ROOT, relative paths, sorted.
lock_files() {
  (cd "$1" && find . \( -name target -o -name node_modules -o -name .git \) -prune -o \
    -name Cargo.lock -print | sed 's|^\./||' | sort)
}

# lock_crates_of FILE: the registry crates of one Cargo.lock (workspace members have no source).
lock_crates_of() {
  awk '
    /^\[\[package\]\]/ { if (name != "" && reg) print name; name = ""; reg = 0; next }
    /^name = /         { name = $3; gsub(/"/, "", name) }
    /^source = "registry\+/ { reg = 1 }
    END                { if (name != "" && reg) print name }
  ' "$1" | sort -u
}
