#!/usr/bin/env bash
# Fuzz smoke run: builds the cargo-fuzz crate once, then runs every target listed in
# fuzz/Cargo.toml for FUZZ_SECONDS seconds each (default 20), seeded from fuzz/seeds/<target>:
# the token and core targets, and the brand inbox's parsers of untrusted input (brand_token,
# set_verify, inbox_delivery).
# Exits non-zero if any target crashes; libFuzzer leaves the input in fuzz/artifacts/<target>/.
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^vouchsafe-fuzz$')

cargo +nightly fuzz build --release
failed=()
for target in $targets; do
  mkdir -p "fuzz/corpus/$target"
  seeds=()
  [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
  echo "== $target (${seconds}s)"
  if ! cargo +nightly fuzz run --release "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
      -max_total_time="$seconds" -print_final_stats=1 2>"fuzz/$target.log"; then
    failed+=("$target")
    tail -n 40 "fuzz/$target.log"
  else
    grep -E '^stat::number_of_executed_units|^Done' "fuzz/$target.log" || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke: crash in ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz smoke: all targets ran ${seconds}s without a crash"
