#!/usr/bin/env bash
# Run the catalogue against a third-party server from a package registry
# (Python `websockets`, pinned) and check the verdicts against the known
# deviations in ci/expected/python-websockets.txt: the harness must grade every
# case (no ERROR verdicts) and the failing cases must be exactly those listed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "websockets==17.4"
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/python" ci/servers/python_websockets_echo.py "$port" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.1
done
cargo build --release --quiet
set +e
target/release/wsprobe run "ws://127.0.0.1:$port/" --format json > target/python-websockets.json
code=$?
set -e
echo "wsprobe exit code against python websockets 17.4: $code"
"$venv/bin/python" - target/python-websockets.json ci/expected/python-websockets.txt <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
expected = {l.split()[0] for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")}
verdicts = {r["case"]["id"]: r["judgement"]["verdict"] for r in report["results"]}
errors = sorted(i for i, v in verdicts.items() if v == "error")
failed = {i for i, v in verdicts.items() if v == "fail"}
counts = {}
for v in verdicts.values():
    counts[v] = counts.get(v, 0) + 1
print(f"{len(verdicts)} cases: {counts}")
problems = []
if errors:
    problems.append(f"harness errors: {errors}")
if failed != expected:
    problems.append(f"unexpected failures: {sorted(failed - expected)}; expected failures that passed: {sorted(expected - failed)}")
if problems:
    sys.exit("\n".join(problems))
PY
