#!/usr/bin/env bash
# Wall time and peak memory of the full catalogue against the embedded
# tungstenite echo server, default jobs and --jobs 1 (release build).
# Writes bench/results.txt. Figures, not assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/wsprobe
out=bench/results.txt
{
  echo "# wsprobe bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cases: $($bin list | wc -l)"
  for jobs in default 1; do
    args=(); [ "$jobs" = default ] || args=(--jobs "$jobs")
    for i in 1 2 3; do
      /usr/bin/time -v "$bin" demo "${args[@]}" >/tmp/wsprobe-bench.out 2>/tmp/wsprobe-bench.time || true
      summary=$(tail -1 /tmp/wsprobe-bench.out)
      wall=$(grep "Elapsed (wall clock)" /tmp/wsprobe-bench.time | awk '{print $NF}')
      rss=$(grep "Maximum resident set size" /tmp/wsprobe-bench.time | awk '{print $NF}')
      echo "jobs=$jobs run=$i wall=$wall peak_rss_kb=$rss :: $summary"
    done
  done
} | tee "$out"
