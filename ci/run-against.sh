#!/usr/bin/env bash
# Start a WebSocket server, wait for its port, run wsprobe against it, stop it.
#
#   ci/run-against.sh 'CMD' PORT [wsprobe run args...]
#
# CMD is run with `sh -c` (so it may use pipes and variables); PORT is where it
# listens on 127.0.0.1. Everything after PORT goes to `wsprobe run`, e.g.
#   ci/run-against.sh 'node server.js 9001' 9001 \
#     --baseline reports/baselines/my-server.yaml --report-dir wsprobe-report
# Exit status: wsprobe's (0 pass or as baseline, 1 failures or baseline
# differences, 2 usage, 3 unreachable), or 4 when the server never opened PORT
# or died during the run.
#
# Environment:
#   WSPROBE       wsprobe binary (default: `wsprobe` on PATH, else target/release/wsprobe)
#   WSPROBE_PATH  request path (default /)
#   WSPROBE_SCHEME  ws (default) or wss (give the certificate with --ca-cert)
#   WAIT_SECONDS  how long to wait for the port (default 30)
#   GITHUB_STEP_SUMMARY  when set (GitHub Actions), a markdown summary is appended to it
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 'SERVER COMMAND' PORT [wsprobe run args...]" >&2
  exit 2
fi
cmd=$1
port=$2
shift 2

bin=${WSPROBE:-}
if [ -z "$bin" ]; then
  if command -v wsprobe >/dev/null 2>&1; then
    bin=wsprobe
  else
    bin="$(cd "$(dirname "$0")/.." && pwd)/target/release/wsprobe"
  fi
fi

# Its own process group, so cleanup reaches children (sh -c, npm, ...); its
# stdout goes to stderr so it never holds a pipe of the caller open.
setsid sh -c "$cmd" >&2 &
server=$!
cleanup() {
  kill -TERM -- "-$server" 2>/dev/null
  wait "$server" 2>/dev/null
}
trap cleanup EXIT

deadline=$((SECONDS + ${WAIT_SECONDS:-30}))
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "run-against: the server command exited before opening port $port: $cmd" >&2
    exit 4
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "run-against: nothing listens on 127.0.0.1:$port after ${WAIT_SECONDS:-30}s: $cmd" >&2
    exit 4
  fi
  sleep 0.1
done

out=$(mktemp)
"$bin" run "${WSPROBE_SCHEME:-ws}://127.0.0.1:$port${WSPROBE_PATH:-/}" --color never "$@" | tee "$out"
code=${PIPESTATUS[0]}

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "### wsprobe against \`$cmd\`"
    echo
    echo "| result | |"
    echo "|---|---|"
    echo "| exit code | $code |"
    echo "| summary | $(grep -E '^[0-9]+ cases, ' "$out" | tail -1) |"
    baseline_line=$(grep -E '^baseline ' "$out" | tail -1)
    [ -n "$baseline_line" ] && echo "| baseline | ${baseline_line#baseline } |"
    echo
    if grep -qE '^  (REGRESSION|IMPROVED|CHANGED|NEW) ' "$out"; then
      echo "| change | case |"
      echo "|---|---|"
      grep -E '^  (REGRESSION|IMPROVED|CHANGED|NEW) ' "$out" | head -50 |
        sed -E 's/^  ([A-Z]+) +(.*)$/| \1 | \2 |/'
    fi
  } >>"$GITHUB_STEP_SUMMARY"
fi
rm -f "$out"

if ! kill -0 "$server" 2>/dev/null; then
  echo "run-against: the server exited during the run" >&2
  [ "$code" -eq 0 ] && code=4
fi
exit "$code"
