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
  # The same against `wsprobe serve` in its own process, so the figures are the client's alone.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" serve --port "$port" 2>/dev/null &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  sleep 0.3
  for jobs in default 1; do
    args=(); [ "$jobs" = default ] || args=(--jobs "$jobs")
    /usr/bin/time -v "$bin" run "ws://127.0.0.1:$port/" "${args[@]}" >/tmp/wsprobe-bench.out 2>/tmp/wsprobe-bench.time || true
    wall=$(grep "Elapsed (wall clock)" /tmp/wsprobe-bench.time | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" /tmp/wsprobe-bench.time | awk '{print $NF}')
    echo "separate-process serve, jobs=$jobs wall=$wall client_peak_rss_kb=$rss :: $(tail -1 /tmp/wsprobe-bench.out)"
  done
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
  # wss: the same catalogue over TLS (serve --tls, self-signed, trusted with --ca-cert).
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cert=$(mktemp --suffix=.pem)
  "$bin" serve --tls --port "$port" --cert-out "$cert" 2>/dev/null &
  server=$!
  sleep 0.5
  /usr/bin/time -v "$bin" run "wss://127.0.0.1:$port/" --ca-cert "$cert" >/tmp/wsprobe-bench.out 2>/tmp/wsprobe-bench.time || true
  wall=$(grep "Elapsed (wall clock)" /tmp/wsprobe-bench.time | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" /tmp/wsprobe-bench.time | awk '{print $NF}')
  echo "wss serve --tls, jobs=default wall=$wall client_peak_rss_kb=$rss :: $(tail -1 /tmp/wsprobe-bench.out)"
  kill $server 2>/dev/null || true
  # The permessage-deflate group against the hand-written server, which negotiates it.
  for i in 1 2 3; do
    /usr/bin/time -v "$bin" demo --fault none --cases 'deflate/**' >/tmp/wsprobe-bench.out 2>/tmp/wsprobe-bench.time || true
    wall=$(grep "Elapsed (wall clock)" /tmp/wsprobe-bench.time | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" /tmp/wsprobe-bench.time | awk '{print $NF}')
    echo "deflate group (hand-written server, same process) run=$i wall=$wall peak_rss_kb=$rss :: $(tail -1 /tmp/wsprobe-bench.out)"
  done
  # A single-threaded server that 32 cases at once saturate (serve --fault
  # slow, its own process): wall time with and without confirmation, and
  # the verdicts of five default runs against one case at a time.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" serve --fault slow --port "$port" 2>/dev/null &
  server=$!
  sleep 0.3
  slow=$(mktemp -d)
  for run in 1 2 3 4 5; do
    /usr/bin/time -v "$bin" run "ws://127.0.0.1:$port/" --format json >"$slow/default-$run.json" 2>/tmp/wsprobe-bench.time || true
    wall=$(grep "Elapsed (wall clock)" /tmp/wsprobe-bench.time | awk '{print $NF}')
    echo "serve --fault slow, default run=$run wall=$wall"
  done
  for mode in --no-confirm "--jobs 1"; do
    # shellcheck disable=SC2086
    /usr/bin/time -v "$bin" run "ws://127.0.0.1:$port/" $mode --format json >"$slow/${mode// /}.json" 2>/tmp/wsprobe-bench.time || true
    wall=$(grep "Elapsed (wall clock)" /tmp/wsprobe-bench.time | awk '{print $NF}')
    echo "serve --fault slow, $mode wall=$wall"
  done
  python3 - "$slow" <<'PY'
import json, sys, glob
d = sys.argv[1]
def verdicts(p):
    r = json.load(open(p))
    return {c["case"]["id"]: (c["judgement"]["verdict"], c["judgement"]["behavior"], c["judgement"]["close"]) for c in r["results"]}, r
alone, _ = verdicts(f"{d}/--jobs1.json")
for p in sorted(glob.glob(f"{d}/default-*.json")) + [f"{d}/--no-confirm.json"]:
    v, r = verdicts(p)
    differ = [k for k in alone if v.get(k) != alone[k]]
    c = r["confirmation"]
    print(f"  {p.split('/')[-1]}: {len(differ)} verdicts differ from --jobs 1 {differ[:5]}; summary {r['summary']}; confirmed {c['cases']} in {c['elapsed_ms']/1000:.1f}s, {c['flaky']} flaky, window cut {c['load_cuts']} times, down to {c['lowest_jobs']}")
PY
  kill $server 2>/dev/null || true
  # Hostile servers that flood after the handshake (they echo the first
  # message, so every case runs): peak memory of the whole catalogue.
  cargo build --release --quiet --example flood_run
  for fault in ping-flood close-flood continuation-flood; do
    /usr/bin/time -v target/release/examples/flood_run "$fault" >/tmp/wsprobe-bench.out 2>/tmp/wsprobe-bench.time || true
    rss=$(grep "Maximum resident set size" /tmp/wsprobe-bench.time | awk '{print $NF}')
    echo "flood $fault peak_rss_kb=$rss (client and server, one process) :: $(tail -1 /tmp/wsprobe-bench.out)"
  done
  # Autobahn|Python 26.10.2 (the library behind Autobahn|Testsuite, asyncio,
  # permessage-deflate on): a slow single-threaded server, where verdicts
  # used to change between runs. Three runs, and how many verdicts differ.
  venv=target/ci-venv
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "autobahn==26.10.2"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$venv/bin/python" ci/servers/autobahn_python_echo.py "$port" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break; sleep 0.2; done
  ab=$(mktemp -d)
  for run in 1 2 3; do
    /usr/bin/time -v "$bin" run "ws://127.0.0.1:$port/" --format json >"$ab/$run.json" 2>/tmp/wsprobe-bench.time || true
    wall=$(grep "Elapsed (wall clock)" /tmp/wsprobe-bench.time | awk '{print $NF}')
    echo "autobahn-python 26.10.2 run=$run wall=$wall"
  done
  python3 - "$ab" <<'PY'
import json, sys
d = sys.argv[1]
runs = [json.load(open(f"{d}/{i}.json")) for i in (1, 2, 3)]
v = [{c["case"]["id"]: c["judgement"]["verdict"] for c in r["results"]} for r in runs]
for i, r in enumerate(runs, 1):
    print(f"  run {i}: {r['summary']}, confirmed {r['confirmation']['cases']}, flaky {r['confirmation']['flaky']}")
print(f"  verdicts differing between runs: 1-2 {sum(v[0][k] != v[1][k] for k in v[0])}, 2-3 {sum(v[1][k] != v[2][k] for k in v[1])}")
PY
  kill $server 2>/dev/null || true
  # The codec alone.
  cargo run --release --quiet --example deflate_throughput
} | tee "$out"
