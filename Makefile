# The two commands of the README: `make run` and `make test`. Everything else is a step of those two.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Cargo's target directory lives outside the clone so that every clone on this machine (CI's included)
# reuses one warm build. Override with CARGO_TARGET_DIR=...; with none present everything builds cold.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/guance-portal/target
# No incremental-compilation caches in the shared directory: one test run wrote 15 GB of them and filled the
# disk. Set CARGO_INCREMENTAL=1 for faster edit-compile loops of your own.
export CARGO_INCREMENTAL ?= 0
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# The AWS SDK must never probe the EC2 instance-metadata address from here.
export AWS_EC2_METADATA_DISABLED := true
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export CHROMIUM_PATH ?= /usr/bin/chromium
E2E_PORT ?= 3100

.PHONY: help run test tools target-guard fmt format layout clippy unit release e2e bench baselines

help:
	@echo "make run   - install what is missing, build, serve http://127.0.0.1:3000 (dev mode)"
	@echo "make test  - install what is missing, then fmt, clippy, cargo tests and Playwright"
	@echo "make bench - release build; print first-load sizes of /activate and request figures"

tools:
	scripts/install-tools.sh

# Dev mode is asked for by name: an unset PORTAL_ENV is prod.
run: tools target-guard
	PORTAL_ENV=dev cargo leptos watch

test: tools fmt layout clippy unit e2e

# The target directory is shared by every clone on the machine, and cargo decides freshness by file times:
# after another clone built, this clone's older sources could look fresh and its tests would run the other
# clone's binaries. So when the last build came from elsewhere, this clone's workspace sources are touched.
target-guard:
	@mkdir -p "$(CARGO_TARGET_DIR)"
	@if [ "$$(cat "$(CARGO_TARGET_DIR)/.portal-clone" 2>/dev/null)" != "$(CURDIR)" ]; then \
	  find app frontend server -type f \( -name '*.rs' -o -name '*.sql' \) -exec touch {} + ; \
	  echo "$(CURDIR)" > "$(CARGO_TARGET_DIR)/.portal-clone"; \
	fi

# rustfmt, and leptosfmt for the view! macros (leptosfmt.toml: rustfmt's width). To fix: `make format`.
fmt:
	cargo fmt --all -- --check
	leptosfmt --check app/src frontend/src

format:
	leptosfmt app/src frontend/src
	cargo fmt --all

# The crates' layout holds: no two modules (at any level) import each other.
layout:
	scripts/module-cycles.sh app/src
	scripts/module-cycles.sh server/src

clippy: target-guard
	cargo clippy -p app -p server --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

unit: target-guard
	scripts/prune-target.sh
	cargo test -p app -p server

# --precompress writes .br and .gz beside every asset, served as such (server/src/assets.rs).
release: target-guard
	cargo leptos build --release --precompress

# Playwright against the release build, on a fresh database.
PLAYWRIGHT = rm -rf target/e2e && mkdir -p target/e2e && cd end2end && \
	  PORTAL_BIN="$(CARGO_TARGET_DIR)/release/server" \
	  PORTAL_SITE_ROOT="$(CURDIR)/target/site" \
	  PORTAL_DATABASE_URL="sqlite://$(CURDIR)/target/e2e/portal.db?mode=rwc" \
	  E2E_PORT=$(E2E_PORT) \
	  npx playwright test

e2e: release
	$(PLAYWRIGHT)

bench: tools release
	scripts/bench.sh

# After an intended visual change: rewrite the screenshot baselines (end2end/tests/visual.spec.ts-snapshots/).
baselines: release
	$(PLAYWRIGHT) tests/visual.spec.ts --project js --update-snapshots
