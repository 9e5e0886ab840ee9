#!/usr/bin/env bash
# Keeps the shared target directory from filling the disk: every change to a workspace crate leaves a new
# ~1 GB test binary (and rlib) per test target behind in debug/deps, and cargo never removes the old ones.
# Keeps the newest two of each workspace artifact; dependencies are not touched.
set -euo pipefail
prune() {
  local deps=$1; shift
  [ -d "$deps" ] || return 0
  for name in "$@"; do
    # Artifacts are `<name>-<16 hex>[.ext]`; one hash per build.
    mapfile -t hashes < <(find "$deps" -maxdepth 1 -regextype posix-extended \
        -regex ".*/${name}-[0-9a-f]{16}(\.[a-z]+)?" -printf '%T@ %f\n' \
      | sort -rn | sed -E "s/^[^ ]+ ${name}-([0-9a-f]{16}).*/\1/" | awk '!seen[$0]++')
    for hash in "${hashes[@]:2}"; do
      rm -f "$deps/${name}-${hash}" "$deps/${name}-${hash}".*
    done
  done
}
prune "${CARGO_TARGET_DIR:?}/debug/deps" server app libserver libapp fulfillment metering events entitlements login multi_instance
# `cargo test` also builds the examples (the metering benchmark).
prune "$CARGO_TARGET_DIR/debug/examples" metering_bench activate_bench
