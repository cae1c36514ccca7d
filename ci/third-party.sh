#!/usr/bin/env bash
# Run the catalogue against third-party servers from package registries
# (Python `websockets` from PyPI, Node `ws` from npm, both pinned) and check the
# verdicts against the known deviations in ci/expected/<server>.txt: the
# harness must grade every case (no ERROR verdicts) and the failing cases must
# be exactly those listed, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
mkdir -p target/third-party

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

check() { # name port
  set +e
  target/release/wsprobe run "ws://127.0.0.1:$2/" --format json > "target/third-party/$1.json"
  code=$?
  set -e
  echo "wsprobe exit code against $1: $code"
  python3 - "target/third-party/$1.json" "ci/expected/$1.txt" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
expected = {l.split()[0] for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")}
verdicts = {r["case"]["id"]: r["judgement"]["verdict"] for r in report["results"]}
errors = sorted(i for i, v in verdicts.items() if v == "error")
failed = {i for i, v in verdicts.items() if v == "fail"}
counts = {}
for v in verdicts.values():
    counts[v] = counts.get(v, 0) + 1
print(f"  {len(verdicts)} cases: {counts}")
problems = []
if errors:
    problems.append(f"harness errors: {errors}")
if failed != expected:
    problems.append(f"unexpected failures: {sorted(failed - expected)}; expected failures that passed: {sorted(expected - failed)}")
if problems:
    sys.exit("\n".join(problems))
PY
}

# Python websockets
venv=target/ci-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "websockets==17.4"
port=$(free_port)
"$venv/bin/python" ci/servers/python_websockets_echo.py "$port" &
py=$!
trap 'kill $py 2>/dev/null || true' EXIT
wait_port "$port"
check python-websockets "$port"
kill $py 2>/dev/null || true

# Node ws
node_dir=target/ci-node
if [ ! -d "$node_dir/node_modules/ws" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund ws@8.23.0 >/dev/null)
fi
port=$(free_port)
NODE_PATH="$node_dir/node_modules" node ci/servers/node_ws_echo.js "$port" &
nd=$!
trap 'kill $nd 2>/dev/null || true' EXIT
wait_port "$port"
check node-ws "$port"
