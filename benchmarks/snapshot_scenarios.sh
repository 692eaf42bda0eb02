#!/usr/bin/env bash
# Run every shipped scenario at a fixed seed and path count into OUTDIR/<name>/, so two
# versions of btcsim can be compared file by file (summary.csv, percentiles.csv, inputs.csv).
#
# Usage, from a checkout's root:  bash PATH/TO/snapshot_scenarios.sh OUTDIR [PATHS] [SEED]
# To run an older checkout with the same installed environment, put it first on the path:
#   (cd ../old && PYTHONPATH=$PWD bash ../main/benchmarks/snapshot_scenarios.sh /tmp/before)
#   bash benchmarks/snapshot_scenarios.sh /tmp/after
#   for d in /tmp/before/*; do for f in summary.csv percentiles.csv inputs.csv; do
#     cmp -s "$d/$f" "/tmp/after/$(basename "$d")/$f" || echo "DIFF $(basename "$d")/$f"; done; done
set -euo pipefail
out="$1"
paths="${2:-1500}"
seed="${3:-7}"
mkdir -p "$out"
find scenarios -name '*.toml' -not -path '*/parts/*' | sort | while read -r f; do
  name=$(echo "$f" | sed 's#^scenarios/##; s#/#__#g; s#\.toml$##')
  extra=()  # from_history starts from a history file: the real one beside the checkout
  [ "$(basename "$f")" = from_history.toml ] && extra=(--set scenario.start_from=../shared/data/btc_daily.csv)
  btcsim run "$f" --paths "$paths" --seed "$seed" --quiet --out "$out/$name" --backend serial \
    --overwrite "${extra[@]}"
done
echo "wrote $(find "$out" -name summary.csv | wc -l) scenario folders to $out"
