#!/usr/bin/env bash
# Installs everything the project needs, from the package registries only (crates.io, npm, Debian).
# Idempotent: every step is skipped when its tool is already there at the right version.
# Nothing here lets a tool download a binary of its own (no `npx playwright install`, no cargo-leptos downloads).
set -euo pipefail
cd "$(dirname "$0")/.."

LEPTOSFMT_VERSION=0.1.33     # formats the view! macros; `make test` checks them
CARGO_LEPTOS_VERSION=0.3.8   # 0.3.9+ needs a newer rustc than 1.95 (see TOOLCHAIN notes in README)
# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' Cargo.lock)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

say() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Rust: the toolchain of rust-toolchain.toml (machines of this kind provide it; rustup may be told not to
#    auto-install it) with the wasm32 target.
CHANNEL=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
if ! rustup toolchain list | grep -q "^$CHANNEL"; then
  say "installing the Rust $CHANNEL toolchain"
  rustup toolchain install "$CHANNEL" --profile minimal --component rustfmt,clippy --target wasm32-unknown-unknown
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. cargo-leptos, built from crates.io with its lock file; `no_downloads` makes a missing tool an error.
if ! cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (one time, ~25 min on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --force
fi

# 3. wasm-bindgen CLI equal to Cargo.lock (its own lock names a crate the registry no longer serves: no --locked).
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (one time, ~8 min)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# 3b. leptosfmt, from crates.io with its lock file (~1 min on 2 cores).
if ! leptosfmt --version 2>/dev/null | grep -qx "leptosfmt $LEPTOSFMT_VERSION"; then
  say "installing leptosfmt $LEPTOSFMT_VERSION"
  cargo install leptosfmt --version "$LEPTOSFMT_VERSION" --locked --force
fi

# 4. npm packages: binaryen's wasm-opt (Debian's binaryen is too old for Rust 1.95 output) and Playwright.
npm_install() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}
npm_install tools
npm_install end2end

# 5. Chromium for Playwright, from Debian.
if ! command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1; then
  say "installing Debian chromium"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

# 5b. A Chinese font for Chromium (Debian's WenQuanYi Micro Hei): without one, Chinese pages render as empty
#     boxes in the browser tests and their screenshots.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  say "installing Debian fonts-wqy-microhei"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-wqy-microhei
fi

# 5c. wrk, the load generator of `make bench` (request rates of the portal beside bare axum).
if ! command -v wrk >/dev/null 2>&1; then
  say "installing Debian wrk"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk
fi

# 6. PostgreSQL from Debian, for the tests that run the store on it (each starts its own throwaway cluster with
#    initdb; no server is left running) and for instances sharing one database.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing Debian postgresql"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
fi
