#!/usr/bin/env bash
# `wsprobe wstest` over Autobahn's whole case set (517 numbers) against the
# CI's pinned third-party servers (Python websockets 17.4, Node ws 8.23.0),
# with --profile autobahn (12.x and 13.x with Autobahn's 1000 messages per
# case) and --profile default (10): wall time of each, how many 12.x/13.x
# case files show 1000 messages echoed, and the verdicts that differ
# between the two profiles. Autobahn|Testsuite needs about 10 minutes for
# 12.x and 13.x alone on this machine. Writes bench/wstest-results.txt.
# Figures, not assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/wsprobe
venv=target/ci-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "websockets==17.4"
node_dir=target/ci-node
if [ ! -d "$node_dir/node_modules/ws" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund ws@8.23.0 >/dev/null)
fi
out=bench/wstest-results.txt
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
{
  echo "# wsprobe wstest bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  for name in python-websockets node-ws; do
    port=$(free_port)
    case $name in
      python-websockets) "$venv/bin/python" ci/servers/python_websockets_echo.py "$port" >/dev/null 2>&1 & ;;
      node-ws) NODE_PATH="$node_dir/node_modules" node ci/servers/node_ws_echo.js "$port" >/dev/null 2>&1 & ;;
    esac
    server=$!
    for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break; sleep 0.2; done
    for profile in autobahn default; do
      dir="$work/$name-$profile"
      printf '{"outdir": "%s", "servers": [{"agent": "%s", "url": "ws://127.0.0.1:%s"}], "cases": ["*"]}\n' \
        "$dir" "$name" "$port" >"$work/spec.json"
      start=$(date +%s.%N)
      "$bin" wstest -m fuzzingclient -s "$work/spec.json" --profile "$profile" --exit-zero >"$work/out.txt" 2>&1 || true
      end=$(date +%s.%N)
      summary=$(grep " cases, " "$work/out.txt" | tail -1)
      echo "$name profile=$profile wall_s=$(python3 -c "print(round($end - $start, 1))") :: $summary"
    done
    kill $server 2>/dev/null || true
    python3 - "$work" "$name" <<'PY'
import json, os, sys
work, name = sys.argv[1], sys.argv[2]
def load(profile):
    d = os.path.join(work, f"{name}-{profile}")
    return d, json.load(open(os.path.join(d, "index.json")))[name]
d, ab = load("autobahn")
_, de = load("default")
series = [n for n in ab if n.startswith(("12.", "13."))]
full = 0
for n in series:
    stats = json.load(open(os.path.join(d, ab[n]["reportfile"]))).get("trafficStats") or {}
    full += stats.get("incomingWebSocketMessages") == 1000
print(f"  numbers in index.json: {len(ab)}; 12.x/13.x cases with 1000 messages echoed: {full} of {len(series)}")
diff = sorted((n for n in ab if n in de and ab[n]["behavior"] != de[n]["behavior"]), key=lambda n: [int(p) for p in n.split(".")])
print(f"  verdicts differing between the profiles: {len(diff)}" + "".join(f"\n    {n}: autobahn {ab[n]['behavior']}, default {de[n]['behavior']}" for n in diff))
PY
  done
} | tee -a "$out"
