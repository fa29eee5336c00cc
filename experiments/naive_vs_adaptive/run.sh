#!/usr/bin/env bash
# Study 3: how much a naive evaluation (undefended shadow models, average records)
# overstates each defense.
# Usage: experiments/naive_vs_adaptive/run.sh [ROOT [OVERRIDE...]]
# OVERRIDEs go to every run (e.g. train.epochs=1; defense=[],[dp] replaces the preset's
# sweep over the defenses); a study run with them writes its tables into ROOT/results, not
# into experiments/naive_vs_adaptive/results.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-multirun/study_naive_vs_adaptive}
EXTRA=("${@:2}")
BIN=${BIN:-.venv/bin}
source experiments/lib.sh  # hydra_value: ROOT as one Hydra value (a comma in it is no sweep)
check_root "$ROOT"  # (an override given as ROOT: refused)
HERE=experiments/naive_vs_adaptive
OUT="$HERE/results"
[ ${#EXTRA[@]} -gt 0 ] && OUT="$ROOT/results"
foreground "$BIN/mia-train" -m +experiment=study_naive_vs_adaptive '~attack.attacks.gradient_norm' \
  "hydra.sweep.dir=$(hydra_value "$ROOT")" ${EXTRA[@]+"${EXTRA[@]}"}
if [ "$OUT" = "$HERE/results" ] && mixed_sweeps "$OUT" "$ROOT"; then
  OUT="$ROOT/results"  # (the tables still come, beside the runs they read)
fi
"$BIN/python" "$HERE/compare.py" "$ROOT" --out "$OUT"
