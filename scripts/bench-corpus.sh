#!/usr/bin/env bash
# Generates a careleaf benchmark site: the shared corpus (../shared/bench/gen_corpus.py,
# `--layout plain`) mapped onto careleaf's front matter, with site.yaml, people.yaml,
# benefits.yaml and treatments.yaml matching the generated ids (see scripts/bench/gen_corpus.py).
#
# Usage: scripts/bench-corpus.sh N OUT [SEED]
#   e.g. scripts/bench-corpus.sh 10000 /tmp/careleaf-10000 && target/release/careleaf build -r /tmp/careleaf-10000
# CARELEAF_SHARED_BENCH overrides where the shared gen_corpus.py lives.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 N OUT [SEED]" >&2; exit 2; }
exec python3 "$here/bench/gen_corpus.py" --n "$1" --layout plain --out "$2" --seed "${3:-42}"
