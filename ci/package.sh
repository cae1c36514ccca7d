#!/usr/bin/env bash
# The published crate must carry the catalogue: package wsprobe, build the
# packaged copy (not the workspace), and check that it lists as many cases as
# the workspace build. A copy without its cases would test nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# The workspace's binary: WSPROBE (our CI passes the one `cargo test` built),
# else a build.
if [ -z "${WSPROBE:-}" ]; then
  cargo build --quiet
  WSPROBE=target/debug/wsprobe
fi
here=$("$WSPROBE" list | wc -l)
here_clients=$("$WSPROBE" list --clients | wc -l)
cargo package -p wsprobe --no-verify --quiet --allow-dirty
version=$("$WSPROBE" --version | awk '{print $2}')
crate=target/package/wsprobe-$version.crate
# Where `cargo package` itself unpacks to verify: one fixed place, so cargo
# tracks the copy's files from run to run.
unpacked=target/package
rm -rf "$unpacked/wsprobe-$version"
tar -xzf "$crate" -C "$unpacked"
# Into the same target directory with the workspace's dev profile for the
# dependencies, so the ones the tests built are reused (the packaged
# manifest has no [profile]); wsprobe itself unoptimised, as this copy only
# lists its cases (half the build time). Its binary is taken from cargo's
# own report of what it built, so it is this copy's, whatever target/debug
# holds.
bin=$(cargo build --quiet --manifest-path "$unpacked/wsprobe-$version/Cargo.toml" \
  --target-dir target --message-format json \
  --config 'profile.dev.opt-level=0' --config 'profile.dev.package."*".opt-level=2' \
  --config 'profile.dev.debug="line-tables-only"' |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "wsprobe" and m.get("executable"):
        print(m["executable"])')
packaged=$("$bin" list | wc -l)
packaged_clients=$("$bin" list --clients | wc -l)
echo "packaged $crate ($(du -h "$crate" | cut -f1)): $packaged server cases, $packaged_clients client cases (workspace: $here, $here_clients)"
[ "$packaged" -gt 0 ] && [ "$packaged" = "$here" ] && [ "$packaged_clients" = "$here_clients" ]
