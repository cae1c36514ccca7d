#!/usr/bin/env bash
# Build every cargo-fuzz target without a sanitizer (stable toolchain), replay
# the checked-in regression inputs, then run each target for a short fixed
# time from seeds generated from the catalogue.
#
#   fuzz/smoke.sh [SECONDS]     (default 20 per target)
#   WSPROBE_FUZZ_DEV=1          build the targets unoptimised (cargo fuzz
#                               --dev): a smoke test that they build and run
#                               needs no speed, and the build is much shorter
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
profile=()
[ -n "${WSPROBE_FUZZ_DEV:-}" ] && profile=(--dev)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo run --quiet --example fuzz_seeds -- fuzz/seeds
cd fuzz
cargo fuzz build -s none "${profile[@]}"
for t in $(cargo fuzz list); do
  mkdir -p "regressions/$t" "corpus/$t"
  # -runs=0 executes each regression input once; a panic fails the script.
  if [ -n "$(ls -A "regressions/$t")" ]; then
    cargo fuzz run -s none "${profile[@]}" "$t" "regressions/$t" -- -runs=0 2>&1 | tail -1
  fi
  cargo fuzz run -s none "${profile[@]}" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -dict="dict/$t.dict" -print_final_stats=1 2>&1 |
    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' |
    sed "s/^/$t: /"
done
