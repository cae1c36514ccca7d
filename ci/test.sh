#!/usr/bin/env bash
# The tests, as `cargo test` runs them, but with the test binaries side by
# side. `cargo test` runs one binary after another, and ours spend most of
# their time waiting on sockets and timeouts (a fault server that never
# answers, a close that must time out), not on the CPU: two or three at once
# finish in about half the time on two cores. Each binary's output is
# printed whole when it ends, so the lines of two binaries never interleave.
#
#   ci/test.sh            every test binary, then the doctests
#   WSPROBE_TEST_JOBS=1   one binary at a time (as `cargo test`)
#
# Arguments after the script name go to every test binary (a filter,
# --nocapture). Exits non-zero if any binary fails, after all have run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${WSPROBE_TEST_JOBS:-3}
out=target/test-logs
rm -rf "$out"
mkdir -p "$out"

# Build every test target and list them: "name manifest-dir executable".
cargo test --workspace --no-run --message-format=json-render-diagnostics >"$out/build.json"
python3 - "$out/build.json" >"$out/binaries" <<'EOF'
import json, os, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        name = m["target"]["name"]
        kind = m["target"]["kind"][0]
        print(f"{name}-{kind}", os.path.dirname(m["manifest_path"]), m["executable"])
EOF

# Longest first, so the slow ones do not start last (figures from .ci/run).
order="catalogue_verdicts fuzz_live deflate clients cli"
{
  for n in $order; do grep "^$n-test " "$out/binaries" || true; done
  grep -v -E "^($(echo "$order" | tr ' ' '|'))-test " "$out/binaries" || true
} >"$out/ordered"

run_one() { # name dir exe args...
  local name=$1 dir=$2 exe=$3 t0=$SECONDS rc=0
  shift 3
  # cargo runs a test binary from its package's directory.
  (cd "$dir" && "$exe" "$@") >"$out/$name.log" 2>&1 || rc=$?
  {
    echo "== $name (exit $rc, $((SECONDS - t0)) s)"
    cat "$out/$name.log"
  } >"$out/$name.done"
  cat "$out/$name.done"
  [ "$rc" = 0 ] || echo "$name" >>"$out/failed"
}
export -f run_one
export out
extra=""
[ $# = 0 ] || extra=$(printf '%q ' "$@")
# One line per binary; xargs starts the next when one ends.
while read -r name dir exe; do printf '%s\0%s\0%s\0' "$name" "$dir" "$exe"; done <"$out/ordered" |
  xargs -0 -n 3 -P "$jobs" bash -c "run_one \"\$@\" $extra" _ || true

cargo test --workspace --doc -- "$@" 2>&1 | tee "$out/doctests.log" || echo doctests >>"$out/failed"

if [ -s "$out/failed" ]; then
  echo "test binaries failed: $(tr '\n' ' ' <"$out/failed")(logs in $out/)"
  exit 1
fi
echo "all $(wc -l <"$out/ordered") test binaries and the doctests passed ($jobs at a time)"
