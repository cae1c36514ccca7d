#!/usr/bin/env bash
# Run the catalogue, through ci/run-against.sh, against the embedded reference
# server and against third-party servers from package registries (Python
# `websockets` and aiohttp from PyPI, Node `ws` from npm, soketto from
# crates.io, all pinned), each compared with its committed baseline in reports/baselines/ (known deviations carry their
# reason there). A baseline must never pin a harness error.
#
#   ci/third-party.sh            compare (CI)
#   ci/third-party.sh --update   rewrite the baselines from this machine's runs
#
# The targets run concurrently, WSPROBE_CI_JOBS at a time (default 3), each
# writing to target/third-party/NAME.log, printed in order at the end: the
# verdicts do not depend on the load (wsprobe follows the server's latency
# and confirms time-decided verdicts), and the runs spend most of their time
# waiting on the network, not computing.
set -euo pipefail
cd "$(dirname "$0")/.."
# WSPROBE=PATH uses that binary as it is (our CI passes the one `cargo test`
# built); WSPROBE_PROFILE=dev builds the dev profile; verdicts do not depend
# on how fast wsprobe is.
if [ -n "${WSPROBE:-}" ]; then
  [ -x "$WSPROBE" ] || { echo "third-party: WSPROBE=$WSPROBE is not an executable" >&2; exit 2; }
elif [ "${WSPROBE_PROFILE:-release}" = dev ]; then
  cargo build --quiet
  export WSPROBE=$PWD/target/debug/wsprobe
else
  cargo build --release --quiet
  export WSPROBE=$PWD/target/release/wsprobe
fi
mode=()
[ "${1:-}" = --update ] && mode=(--update-baseline)
mkdir -p target/third-party

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

jobs_max=${WSPROBE_CI_JOBS:-3}
names=()
pids=()
# Runs `"$@"` in the background as target NAME, with its output in NAME.log;
# waits while jobs_max are running.
spawn() { # name command...
  local name=$1
  shift
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  echo "-- started $name"
  ("$@") >"target/third-party/$name.log" 2>&1 &
  names+=("$name")
  pids+=($!)
}

against() { # name 'server command with PORT' [more wsprobe args]
  local name=$1 cmd=$2 port
  shift 2
  port=$(free_port)
  grep -q "verdict: error" "reports/baselines/$name.yaml" 2>/dev/null &&
    { echo "reports/baselines/$name.yaml pins a harness error" >&2; exit 1; }
  ci/run-against.sh "${cmd//PORT/$port}" "$port" --agent "$name" \
    --baseline "reports/baselines/$name.yaml" ${mode[@]+"${mode[@]}"} \
    --report-dir "target/third-party/$name" "$@" | tail -3
}

# Set-up first (registries, a certificate, the soketto build), then the runs.
# soketto (Rust, permessage-deflate), built on its own so its flate2 keeps
# the backend it has for any user (see ci/servers/soketto-echo/Cargo.toml);
# it builds while pip and npm download.
cargo build --release --quiet --manifest-path ci/servers/soketto-echo/Cargo.toml &
soketto_build=$!
venv=target/ci-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "websockets==17.4" "aiohttp==3.14.5" "junitparser==5.0.3"
node_dir=target/ci-node
if [ ! -d "$node_dir/node_modules/ws" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund ws@8.23.0 >/dev/null)
fi
tls_dir=target/third-party/tls
mkdir -p "$tls_dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -addext "basicConstraints=critical,CA:FALSE" \
  -keyout "$tls_dir/key.pem" -out "$tls_dir/cert.pem" 2>/dev/null
wait $soketto_build

# Clients under test (wsprobe test-client): one client process per case.
against_client() { # name command... ({url} is the case URL)
  local name=$1
  shift
  "$WSPROBE" test-client --agent "$name" --baseline "reports/baselines/$name.yaml" ${mode[@]+"${mode[@]}"} \
    --report-dir "target/third-party/$name" -- "$@" | tail -2
}

# The Autobahn URL protocol (serve-cases), driven the way client libraries'
# own Autobahn scripts do; every case must come back in the agent's report.
# (The protocol is under test here, not the cases: the UTF-8 vectors and
# large messages are left to the test-client runs.)
autobahn_protocol() {
  local port serve_cases
  port=$(free_port)
  "$WSPROBE" serve-cases --port "$port" --report-dir target/third-party/serve-cases \
    --exclude 'client/utf8/**' --exclude 'client/limits/**' 2>/dev/null &
  serve_cases=$!
  sleep 0.5
  "$venv/bin/python" ci/clients/python_websockets_autobahn.py "ws://127.0.0.1:$port" python-websockets
  kill $serve_cases
  "$venv/bin/python" - <<'PY'
import json
d = json.load(open("target/third-party/serve-cases/python-websockets/results.json"))
s = d["summary"]
# Every case came back in the report, and none failed (python-websockets-client's baseline has the details).
assert len(d["results"]) > 100 and s["fail"] == 0 and s["error"] == 0, s
print(f"serve-cases (Autobahn protocol): {len(d['results'])} cases, none failed: {s}")
PY
}

# `wsprobe wstest`, as a project moving from Autobahn runs it: Autobahn's
# spec format and report layout. Every Autobahn number must be in
# index.json, and under --profile autobahn (wstest's default) the 12.x and
# 13.x cases carry Autobahn's 1000 messages (four of them here; the whole
# set with 1000 messages is bench/wstest.sh's, minutes per server).
wstest_compat() { # name 'server command with PORT'
  local name=$1 cmd=$2 port server dir=target/third-party/wstest-$1
  port=$(free_port)
  ${cmd//PORT/$port} >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break; sleep 0.2; done
  mkdir -p "$dir"
  printf '{"outdir": "%s/all", "servers": [{"agent": "%s", "url": "ws://127.0.0.1:%s"}], "cases": ["*"]}\n' \
    "$dir" "$name" "$port" >"$dir/all.json"
  printf '{"outdir": "%s/series", "servers": [{"agent": "%s", "url": "ws://127.0.0.1:%s"}], "cases": ["12.1.1", "12.1.2", "13.1.1", "13.2.1"]}\n' \
    "$dir" "$name" "$port" >"$dir/series.json"
  "$WSPROBE" wstest -m fuzzingclient -s "$dir/all.json" --profile default | tail -1
  "$WSPROBE" wstest -m fuzzingclient -s "$dir/series.json" | tail -1
  kill $server
  python3 - "$dir" "$name" <<'PY'
import json, os, sys
d, name = sys.argv[1], sys.argv[2]
index = json.load(open(f"{d}/all/index.json"))[name]
assert len(index) == 517, len(index)
failed = [n for n, c in index.items() if c["behavior"] == "FAILED"]
assert not failed, failed
series = json.load(open(f"{d}/series/index.json"))[name]
for n, c in series.items():
    stats = json.load(open(f"{d}/series/{c['reportfile']}"))["trafficStats"]
    assert stats["incomingWebSocketMessages"] == 1000, (n, stats)
print(f"wstest: all 517 Autobahn numbers in index.json, none FAILED; {len(series)} 12.x/13.x cases echoed 1000 messages each")
PY
}

# The longest runs first, so the short ones fill in around them.
NODE_PATH="$node_dir/node_modules" spawn node-ws-client against_client node-ws-client node ci/clients/node_ws_client.js {url} {ca}
spawn python-websockets-client against_client python-websockets-client "$venv/bin/python" ci/clients/python_websockets_client.py {url} {ca}
spawn python-websockets against python-websockets "$venv/bin/python ci/servers/python_websockets_echo.py PORT"
NODE_PATH="$node_dir/node_modules" spawn node-ws against node-ws "node ci/servers/node_ws_echo.js PORT"
# aiohttp (Python, its own frame codec and permessage-deflate), the whole catalogue.
spawn aiohttp against aiohttp "$venv/bin/python ci/servers/aiohttp_echo.py PORT"
# The embedded reference server, in its own process.
spawn tokio-tungstenite-echo against tokio-tungstenite-echo "$WSPROBE serve --port PORT"
# The RFC 7692 groups only: soketto is here as a second permessage-deflate implementation.
spawn soketto against soketto "ci/servers/soketto-echo/target/release/soketto-echo PORT 2>/dev/null" --cases 'deflate/**'
# Python websockets over wss://, serving one origin: the handshake group with
# the TLS and Origin cases (RFC 6455 4.2.2, 10.2) against a real server.
WSPROBE_SCHEME=wss spawn python-websockets-wss against python-websockets-wss \
  "$venv/bin/python ci/servers/python_websockets_echo.py PORT --tls $tls_dir/cert.pem $tls_dir/key.pem --origins https://app.wsprobe.test" \
  --cases 'handshake/**' --ca-cert "$tls_dir/cert.pem" --origin-allow https://app.wsprobe.test
spawn serve-cases autobahn_protocol
spawn wstest-python-websockets wstest_compat python-websockets "$venv/bin/python ci/servers/python_websockets_echo.py PORT"
NODE_PATH="$node_dir/node_modules" spawn wstest-node-ws wstest_compat node-ws "node ci/servers/node_ws_echo.js PORT"

failed=()
for i in "${!names[@]}"; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  echo "== ${names[$i]} (exit $rc)"
  cat "target/third-party/${names[$i]}.log"
  [ $rc = 0 ] || failed+=("${names[$i]}")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "third-party: failed: ${failed[*]}" >&2
  exit 1
fi

# One page comparing them.
"$WSPROBE" report matrix target/third-party/{tokio-tungstenite-echo,python-websockets,node-ws,aiohttp,soketto} \
  -o target/third-party/matrix.html

# The JUnit files must read back, in an independent JUnit reader, as what results.json says.
"$venv/bin/python" ci/check_junit.py target/third-party/{tokio-tungstenite-echo,python-websockets,python-websockets-wss,node-ws,aiohttp,soketto,python-websockets-client,node-ws-client}
