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
# Into the same target directory with the workspace's dev profile, so the
# dependencies the tests built are reused (the packaged manifest has no
# [profile]); the binary it leaves in target/debug is the same code.
cargo build --quiet --manifest-path "$unpacked/wsprobe-$version/Cargo.toml" \
  --target-dir target \
  --config 'profile.dev.opt-level=1' --config 'profile.dev.package."*".opt-level=2'
packaged=$(target/debug/wsprobe list | wc -l)
packaged_clients=$(target/debug/wsprobe list --clients | wc -l)
echo "packaged $crate ($(du -h "$crate" | cut -f1)): $packaged server cases, $packaged_clients client cases (workspace: $here, $here_clients)"
[ "$packaged" -gt 0 ] && [ "$packaged" = "$here" ] && [ "$packaged_clients" = "$here_clients" ]
