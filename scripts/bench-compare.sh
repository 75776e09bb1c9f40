#!/usr/bin/env bash
# Whole-site benchmark: careleaf against Hugo on the same generated corpus, in one
# run, builds interleaved (../shared/bench/compare.sh), careleaf's site adapted by
# scripts/bench/gen_corpus.py.
#
# Usage: scripts/bench-compare.sh [N ...]        (default sizes: 1000 10000)
#   Builds and times target/release/careleaf, or CARELEAF=path/to/careleaf. Everything compare.sh reads is passed
#   through: RUNS (default 5), HUGO (hugo on PATH; HUGO=skip leaves it out), ZOLA,
#   SEED, WORK, BUILD_TIMEOUT, VMEM_CAP_KB, CARELEAF_ARGS.
#   CARELEAF_SHARED_BENCH: folder of the shared compare.sh and gen_corpus.py
#   (default ../shared/bench next to the repository).
# Output: a Markdown table (wall time, cpu, peak memory) on stdout.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${CARELEAF_SHARED_BENCH:-$(cd "$repo/.." && pwd)/shared/bench}
export CARELEAF_SHARED_BENCH=$shared
if [ -z "${CARELEAF:-}" ]; then
  (cd "$repo" && cargo build --release --quiet)
  export CARELEAF=$repo/target/release/careleaf
fi
# compare.sh runs gen_corpus.py from its own folder: give it one where that is ours.
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
ln -s "$shared/compare.sh" "$shim/compare.sh"
ln -s "$repo/scripts/bench/gen_corpus.py" "$shim/gen_corpus.py"
bash "$shim/compare.sh" "$@"
