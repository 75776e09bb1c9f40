#!/usr/bin/env bash
# `careleaf serve` rebuild benchmark (issue 5): full in-memory build, then an
# edit to one article -> incremental rebuild, then file save -> reload event
# through a running server. Prints timings; edits articles and restores them.
#
# Usage: scripts/bench-serve.sh [N] [SITE_DIR] [EDITS]
#   N         articles to generate when SITE_DIR does not exist (default 10000)
#   SITE_DIR  default /tmp/careleaf-serve-N
#   EDITS     edits to time (default 20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-10000}
dir=${2:-/tmp/careleaf-serve-$n}
edits=${3:-20}
if [ ! -f "$dir/site.yaml" ]; then
  "$here/bench-corpus.sh" "$n" "$dir"
fi
cd "$here/.."
exec cargo bench --bench serve -- "$dir" "$edits"
