#!/usr/bin/env bash
# Prints figures, asserts nothing: first-load bytes of /activate as sent (br) against the 185 KB budget,
# request throughput/latency on loopback (SQLite; PostgreSQL with one and two instances), Lighthouse, the
# metering job for 100,000 usage rows, the reconciliation with AWS's agreements for 10,000 licenses, webhook
# deliveries per second to a local receiver and Activate
# transactions per second on both backends. Expects `cargo leptos build --release` to have run (make bench).
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
# An activation session's cookie, as AWS's Set Up Your Account starts one: portal URL, AWS account id.
session_cookie() {
  local token
  token=$(curl -fsS -H 'content-type: application/json' -d "{\"aws_account_id\":\"$2\"}" "$1/_sim/aws/tokens" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  curl -fsS -o /dev/null -D - --data-urlencode "x-amzn-marketplace-token=$token" "$1/marketplace/aws" |
    sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1
}
# SSR /activate (with a session) beside bare axum serving the same bytes: wrk, 2 threads, 50 connections.
base="http://127.0.0.1:$port"
cookie=$(session_cookie "$base" 123456789012)
curl -fsS -H "cookie: $cookie" "$base/activate" >"$work/activate.html"
cargo build -q --release -p server --example bare_axum
bare_port=$((port + 1))
"$CARGO_TARGET_DIR/release/examples/bare_axum" "127.0.0.1:$bare_port" "$work/activate.html" &
bare=$!
trap 'kill "$pid" "$bare" 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 0.5
seconds=${BENCH_WRK_SECONDS:-10}
wrk_line() { # name, then wrk's arguments
  local name=$1 out
  shift
  out=$(wrk -t2 -c50 -d"${seconds}s" --latency "$@")
  printf '%-44s %9s req/s   p99 %s\n' "$name" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")"
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
}
echo "Request rates on loopback (wrk -t2 -c50 -d${seconds}s, release build, SQLite)"
wrk_line "bare axum, the same bytes" "http://127.0.0.1:$bare_port/activate"
bare_rps=$rps
wrk_line "GET /activate (SSR, with a session)" -H "cookie: $cookie" "$base/activate"
ssr_rps=$rps
wrk_line "GET /activate, Accept-Encoding: br" -H "cookie: $cookie" -H "accept-encoding: br" "$base/activate"
wrk_line "GET /healthz" "$base/healthz"
awk -v a="$ssr_rps" -v b="$bare_rps" \
  'BEGIN { printf "ratio SSR /activate : bare axum = %.3f (goal >= 0.18)\n", a / b }'
kill "$bare" 2>/dev/null || true

# PostgreSQL: page views per second with one instance, and with two sharing the database (each instance on one
# tokio worker, as if on a core of its own; wrk splits its 50 connections between them). On a machine with fewer
# cores than instances + PostgreSQL + wrk, the second figure measures the cores, not the design: see nproc.
cargo build -q --release -p server --example throwaway_pg
"$CARGO_TARGET_DIR/release/examples/throwaway_pg" >"$work/pg_url" &
pg=$!
trap 'kill "$pid" "$pg" ${pg_a:-} ${pg_b:-} 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
  [ -s "$work/pg_url" ] && break
  sleep 0.1
done
pg_url=$(head -1 "$work/pg_url")
pg_instance() { # port
  PORTAL_ENV=dev LEPTOS_SITE_ADDR="127.0.0.1:$1" LEPTOS_SITE_ROOT="$PWD/target/site" DATABASE_URL="$pg_url"     TOKIO_WORKER_THREADS=1 AWS_EC2_METADATA_DISABLED=true RUST_LOG=warn "$CARGO_TARGET_DIR/release/server" &
}
pg_a_port=$((port + 2)) pg_b_port=$((port + 3))
pg_instance "$pg_a_port"
pg_a=$!
sleep 1 # the first instance migrates the database
pg_instance "$pg_b_port"
pg_b=$!
for p in "$pg_a_port" "$pg_b_port"; do
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
a="http://127.0.0.1:$pg_a_port"
pg_cookie=$(session_cookie "$a" 123456789013)
echo
echo "PostgreSQL page views: GET /activate with a session, $(nproc) cores here (wrk -c50 -d${seconds}s)"
one=$(wrk -t2 -c50 -d"${seconds}s" -H "cookie: $pg_cookie" "$a/activate" | awk '/Requests\/sec/ {print $2}')
printf '%-44s %9s req/s\n' "one instance" "$one"
wrk -t1 -c25 -d"${seconds}s" -H "cookie: $pg_cookie" "http://127.0.0.1:$pg_b_port/activate" >"$work/wrk_b" &
wrk_b=$!
two_a=$(wrk -t1 -c25 -d"${seconds}s" -H "cookie: $pg_cookie" "$a/activate" | awk '/Requests\/sec/ {print $2}')
wait "$wrk_b"
two_b=$(awk '/Requests\/sec/ {print $2}' "$work/wrk_b")
two=$(awk -v a="$two_a" -v b="$two_b" 'BEGIN { printf "%.2f", a + b }')
printf '%-44s %9s req/s   (%s + %s)\n' "two instances, one database" "$two" "$two_a" "$two_b"
awk -v a="$two" -v b="$one" 'BEGIN { printf "two : one = %.2f (goal >= 1.6 with a core per instance)\n", a / b }'
kill "$pg_a" "$pg_b" "$pg" 2>/dev/null || true

# Lighthouse 12 (bench/package.json, npm) with Debian's Chromium, desktop preset: /activate (with a session)
# and /login.
if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  (cd bench && npm ci --no-audit --no-fund >/dev/null)
fi
echo
echo "Lighthouse (desktop preset, Chromium ${CHROMIUM_PATH:-/usr/bin/chromium})"
for page in activate login; do
  (cd bench && CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} npx lighthouse "$base/$page" --preset=desktop --quiet \
    --only-categories=performance,accessibility,best-practices,seo --output=json --output-path="$work/lh-$page.json" \
    --chrome-flags="--headless=new --no-sandbox" --extra-headers="{\"Cookie\":\"$cookie\"}")
  node -e 'const r = require(process.argv[1]);
    console.log(process.argv[2].padEnd(10), Object.values(r.categories).map((c) => `${c.id} ${Math.round(c.score * 100)}`).join("   "));' \
    "$work/lh-$page.json" "/$page"
done

node scripts/bench.mjs "http://127.0.0.1:$port" "$PWD/target/site" "$pid"
echo
node scripts/bench-transitions.mjs "http://127.0.0.1:$port"

# The metering job for 100,000 usage rows (its own release build of the example, in the shared target dir).
echo
cargo run -q --release -p server --example metering_bench
# Reconciliation with AWS's agreements for 10,000 licenses (the simulator's Agreement API through the SDK).
cargo run -q --release -p server --example reconcile_bench
# Webhook deliveries per second to a receiver on this machine (the worker's own pass, signed, audited).
cargo run -q --release -p server --example webhooks_bench
cargo run -q --release -p server --example activate_bench
