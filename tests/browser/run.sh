#!/usr/bin/env bash
# Runs careleaf's browser tests locally or in CI: builds the binary, installs
# the pinned npm packages (playwright-core, axe-core, vnu-jar; never a
# browser) and runs run.mjs against Debian's Chromium.
#   bash tests/browser/run.sh
# Environment: CHROMIUM (default /usr/bin/chromium), CARELEAF_BIN (skip the
# cargo build and test this binary), CI=true (a missing browser fails),
# CARELEAF_BROWSER_ONLY (a regular expression over check names, e.g.
# CARELEAF_BROWSER_ONLY=search runs only the search checks).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if [ -z "${CARELEAF_BIN:-}" ]; then
  cargo build --manifest-path "$ROOT/Cargo.toml" --locked --quiet
  export CARELEAF_BIN="$ROOT/target/debug/careleaf"
fi
cd "$HERE"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
exec node run.mjs
