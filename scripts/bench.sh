#!/usr/bin/env bash
# Prints figures, asserts nothing: first-load sizes of /activate (raw and brotli) against the 120 KB budget,
# request throughput/latency on loopback, and the metering job for 100,000 usage rows. Expects `cargo leptos
# build --release` to have run (make bench).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/guance-portal/target}"
port=${BENCH_PORT:-3200}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

PORTAL_ENV=dev LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$PWD/target/site" \
  DATABASE_URL="sqlite://$work/bench.db?mode=rwc" AWS_EC2_METADATA_DISABLED=true RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/server" &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
node scripts/bench.mjs "http://127.0.0.1:$port" "$PWD/target/site" "$pid"

# The metering job for 100,000 usage rows (its own release build of the example, in the shared target dir).
echo
cargo run -q --release -p server --example metering_bench
cargo run -q --release -p server --example activate_bench
