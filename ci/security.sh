#!/usr/bin/env bash
# The security group's CVE reproductions (cases/security/cve/) against the
# last vulnerable and the first fixed version of each library, installed
# pinned from its registry: the vulnerable one must fail with the advisory's
# own symptom (the server goes down, or its answer time grows faster than the
# input, or its memory past the case's bound), the fixed one must pass. Each
# row is one case against a fresh server that wsprobe starts (--spawn) and
# watches, compared with reports/baselines/security/NAME.yaml, whose reasons
# name the advisory.
#
#   ci/security.sh             check (CI)
#   ci/security.sh --update    rewrite the baselines from this machine's runs
#   ci/security.sh --prepare   only install and build what the rows run
#   SECURITY_ONLY=REGEX ci/security.sh   only the rows whose name matches
#
# WSPROBE=PATH uses that binary (our CI passes the one `cargo test` built).
set -euo pipefail
cd "$(dirname "$0")/.."
update=()
[ "${1:-}" = --update ] && update=(--update-baseline)
dir=target/ci-security
mkdir -p "$dir"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# npm NAME@VERSION into its own directory (once).
npm_pin() { # dir-name spec
  [ -d "$dir/$1/node_modules" ] ||
    (mkdir -p "$dir/$1" && cd "$dir/$1" && npm install --silent --no-audit --no-fund "$2" >/dev/null)
}

# faye-websocket 0.11.4 with websocket-driver 0.7.4 and websocket-extensions
# at VERSION (npm overrides: faye's own ranges would take the newest).
faye_pin() { # dir-name websocket-extensions-version
  [ -d "$dir/$1/node_modules" ] && return
  mkdir -p "$dir/$1"
  printf '{"private": true, "dependencies": {"faye-websocket": "0.11.4", "websocket-driver": "0.7.4", "websocket-extensions": "%s"}, "overrides": {"websocket-extensions": "%s", "websocket-driver": "0.7.4"}}\n' \
    "$2" "$2" >"$dir/$1/package.json"
  (cd "$dir/$1" && npm install --silent --no-audit --no-fund >/dev/null)
}

# What the rows run, pinned, installed once under target/ci-security/.
npm_pins="ws@1.1.0 ws@1.1.1 ws@3.3.0 ws@3.3.1 ws@7.4.5 ws@7.4.6 ws@8.17.0 ws@8.17.1
  ws@8.20.1 ws@8.21.0 ws@8.21.1 engine.io@6.1.0 engine.io@6.1.1 engine.io@6.2.0 engine.io@6.2.1
  engine.io@6.6.12"
# Python websockets 4.0.1 does not import on 3.7: both run on 3.6 (pyenv).
py36=${PYTHON36:-$HOME/.pyenv/versions/3.6.15/bin/python3}
# Two Rust packages (one lockfile cannot hold tungstenite 0.20.0 and
# 0.20.1), each locked, built into one target directory.
rust=$PWD/$dir/rust
prepare() {
  local p v venv d
  for p in $npm_pins; do npm_pin "${p/@/-}" "$p"; done
  for v in 0.1.3 0.1.4; do faye_pin "faye-websocket-extensions-$v" "$v"; done
  if [ -x "$py36" ]; then
    for v in 4.0.1 5.0; do
      venv="$dir/py36-websockets-$v"
      [ -x "$venv/bin/python" ] ||
        { "$py36" -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check "websockets==$v"; }
    done
  fi
  for d in vulnerable fixed; do
    CARGO_TARGET_DIR=$rust cargo build --release --locked --quiet \
      --manifest-path "ci/servers/rust-advisories/$d/Cargo.toml"
  done
}
prepare
# Our CI prepares while other steps wait on sockets, and runs the rows later.
[ "${1:-}" = --prepare ] && exit 0
if [ -z "${WSPROBE:-}" ]; then
  cargo build --release --quiet
  WSPROBE=$PWD/target/release/wsprobe
fi

failed=()
# One case against a fresh server: the outcome must be WANT (pass; down:
# failed, the server went down; slow: failed on how its answer time grows),
# and the run must match the baseline.
# wsprobe starts each server itself (--spawn): it reads the server's memory
# and CPU from /proc for every case (the memory-bounded cases are judged by
# them; the others record them), says how a server that went down ended (a
# signal, an exit status), and stops it after the run.
row() { # name 'server command with PORT' case want [url-path]
  local name=$1 cmd=$2 case=$3 want=$4 path=${5:-/} port out rc=0
  if [ -n "${SECURITY_ONLY:-}" ] && ! [[ $name =~ $SECURITY_ONLY ]]; then return; fi
  port=$(free_port)
  out="$dir/$name/${case//\//_}"
  mkdir -p "$out"
  # exec (through env, for the VAR=value prefix): the server is the process
  # wsprobe watches, not a shell around it. Its output goes to wsprobe's
  # stderr, so to console.txt.
  "$WSPROBE" run "ws://127.0.0.1:$port$path" --agent "$name" --cases "$case" --jobs 1 \
    --baseline "reports/baselines/security/$name.yaml" ${update[@]+"${update[@]}"} --report-dir "$out" \
    --spawn "exec env ${cmd//PORT/$port}" >"$out/console.txt" 2>&1 || rc=$?
  python3 - "$out/results.json" "$case" "$want" "$rc" "$name" "$out/console.txt" <<'PY' || failed+=("$name $case")
import json, sys
path, case, want, rc, name, log = sys.argv[1:]
r = next(r for r in json.load(open(path))["results"] if r["case"]["id"] == case)
v, down = r["judgement"]["verdict"], r["crashed_server"]
why = r["judgement"]["behavior_reason"]
# wsprobe started it and stopped it after the run: up unless the case
# found it gone (and started it again).
alive = "no" if down else "yes"
# want: pass (server up), down (fails, the server gone), slow (fails on the
# answer time's growth, the server up), memory (fails on the server's
# memory growth, the server up).
ok = rc == "0" and {
    "pass": v == "pass" and not down and alive == "yes",
    # The process itself ended (--spawn saw its exit), not only the port.
    "down": v == "fail" and down and "the server process" in why,
    "slow": v == "fail" and not down and alive == "yes" and "faster than the input grows" in why,
    "memory": v == "fail" and not down and "resident memory grew by" in why,
}[want]
used = r.get("server")
if used:
    why_mem = f"  (server {used['rss_before_kib'] // 1024} to {used['rss_peak_kib'] // 1024} MiB)"
else:
    why_mem = ""
# The server's own last words: a Node exception, a Rust allocation abort.
first = next((l.strip() for l in open(log) if "Error" in l or "memory allocation of" in l), "")
print(f"{'ok ' if ok else 'BAD'} {name:<22} {case:<62} {v:<5} server {'up' if alive == 'yes' else 'down'}"
      + (f"  ({first[:90]})" if alive == "no" and first else "")
      + (f"  ({why[:110]})" if want == "slow" else "") + why_mem + (f"  wsprobe exit {rc}" if rc != "0" else ""))
sys.exit(0 if ok else 1)
PY
}

node=ci/servers/node_ws_any_echo.js
# npm ws: CVE-2016-10542 (NSP 120), fixed in 1.1.1 (maxPayload, 100 MiB).
for v in 1.1.0:memory 1.1.1:pass; do
  row "ws-${v%:*}" "NODE_PATH=$dir/ws-${v%:*}/node_modules node $node PORT" security/cve/ws-cve-2016-10542 "${v#*:}"
done
# npm ws: GHSA-96hv-2xvq-fx4p (CVE-2026-48779, memory from tiny fragments),
# fixed in 8.21.0 (maxFragments): the generic tiny-fragments case.
for v in 8.20.1:memory 8.21.0:pass; do
  row "ws-${v%:*}" "NODE_PATH=$dir/ws-${v%:*}/node_modules node $node PORT" security/dos/tiny-fragments-held "${v#*:}"
done
# npm ws: CVE-2026-62389 (the 8.21.0 fix's default maxFragments, 131072, is
# too high on many connections at once), fixed in 8.21.1 (16384).
for v in 8.21.0:memory 8.21.1:pass; do
  row "ws-${v%:*}" "NODE_PATH=$dir/ws-${v%:*}/node_modules node $node PORT" security/cve/ws-cve-2026-62389 "${v#*:}"
done
# npm ws: CVE-2024-37890 (GHSA-3h5v-q93c-6h6q), fixed in 8.17.1.
for v in 8.17.0:down 8.17.1:pass; do
  row "ws-${v%:*}" "NODE_PATH=$dir/ws-${v%:*}/node_modules node $node PORT" security/cve/ws-cve-2024-37890 "${v#*:}"
done
# npm ws: CVE-2021-32640 (GHSA-6fc8-4gx4-v693), fixed in 7.4.6.
for v in 7.4.5:slow 7.4.6:pass; do
  row "ws-${v%:*}" "NODE_PATH=$dir/ws-${v%:*}/node_modules node $node PORT" security/cve/ws-cve-2021-32640 "${v#*:}"
done
# npm ws: GHSA-5v72-xg48-5rpm, fixed in 3.3.1.
for v in 3.3.0:down 3.3.1:pass; do
  for x in extension-named-constructor parameter-named-constructor extension-named-proto; do
    row "ws-${v%:*}" "NODE_PATH=$dir/ws-${v%:*}/node_modules node $node PORT" "security/cve/ws-ghsa-5v72-xg48-5rpm/$x" "${v#*:}"
  done
done

# npm websocket-extensions: CVE-2020-7662 (GHSA-g78m-2chm-r7qv), fixed in 0.1.4.
for v in 0.1.3:slow 0.1.4:pass; do
  row "websocket-extensions-${v%:*}" "NODE_PATH=$dir/faye-websocket-extensions-${v%:*}/node_modules node ci/servers/faye_echo.js PORT" \
    security/cve/websocket-extensions-cve-2020-7662 "${v#*:}"
done

# npm engine.io: CVE-2022-21676 (GHSA-273r-mgr4-v34f), fixed in 6.1.1, and
# CVE-2022-41940 (GHSA-r7qp-cfhv-p84w), fixed in 6.2.1. The 6.2.1 fix
# handles a reset once the upgrade is answered; a reset before the answer
# still crashes it (the second 41940 case) until 6.6.12 keeps the error
# listener on the socket throughout.
eio() { # version case want
  row "engine.io-$1" "NODE_PATH=$dir/engine.io-$1/node_modules node ci/servers/engine_io_echo.js PORT" "$2" "$3" \
    '/engine.io/?EIO=4&transport=websocket'
}
eio 6.1.0 security/cve/engine.io-cve-2022-21676 down
eio 6.1.1 security/cve/engine.io-cve-2022-21676 pass
eio 6.2.0 security/cve/engine.io-cve-2022-41940/reset-after-a-second down
eio 6.2.1 security/cve/engine.io-cve-2022-41940/reset-after-a-second pass
eio 6.2.1 security/cve/engine.io-cve-2022-41940/reset-while-unanswered down
eio 6.6.12 security/cve/engine.io-cve-2022-41940/reset-while-unanswered pass

# PyPI websockets: CVE-2018-1000518, fixed in 5.0 (4.0.1 inflates a whole
# message before its max_size check).
for v in 4.0.1:memory 5.0:pass; do
  venv="$dir/py36-websockets-${v%:*}"
  if [ ! -x "$py36" ]; then
    echo "BAD websockets-${v%:*}: no Python 3.6 at $py36 (set PYTHON36)" >&2
    failed+=("websockets-${v%:*}")
    continue
  fi
  row "websockets-${v%:*}" "$venv/bin/python ci/servers/python_websockets_legacy_echo.py PORT" \
    security/cve/websockets-cve-2018-1000518 "${v#*:}"
done

# crates.io tungstenite: CVE-2023-43669 (RUSTSEC-2023-0065), fixed in 0.20.1;
# websocket (rust-websocket): CVE-2022-35922 (RUSTSEC-2022-0035), fixed in
# 0.26.5.
for v in 0.20.0:slow 0.20.1:pass; do
  ver=${v%:*}
  row "tungstenite-$ver" "$rust/release/tungstenite-${ver//./_}-echo PORT" security/cve/tungstenite-cve-2023-43669 "${v#*:}"
done
for v in 0.26.4:down 0.26.5:pass; do
  ver=${v%:*}
  row "websocket-$ver" "$rust/release/websocket-${ver//./_}-echo PORT" security/cve/websocket-cve-2022-35922 "${v#*:}"
done

if [ ${#failed[@]} -gt 0 ]; then
  printf 'security: not as the advisory says: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "security: every vulnerable version fails with its advisory's symptom, every fixed one passes"
