#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script: build every target in fuzz/ with
# the sanitizer the service asks for (cargo fuzz build -O picks it up from
# $SANITIZER through the base image), and ship seeds and dictionaries.
cd "$SRC/wsprobe"
cargo run --quiet --example fuzz_seeds -- fuzz/seeds
cd fuzz
cargo fuzz build -O
for t in $(cargo fuzz list); do
  cp "target/x86_64-unknown-linux-gnu/release/$t" "$OUT/"
  cp "dict/$t.dict" "$OUT/$t.dict"
  (cd "seeds/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
done
