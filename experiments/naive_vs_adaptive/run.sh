#!/usr/bin/env bash
# Study 3: how much a naive evaluation (undefended shadow models, average records)
# overstates each defense.
# Usage: experiments/naive_vs_adaptive/run.sh [ROOT [OVERRIDE...]]
# OVERRIDEs go to every run (e.g. train.epochs=1; defense=[],[dp] replaces the preset's
# sweep over the defenses). Only a study run into its own folder (OWN_ROOT) without
# overrides records its tables into experiments/naive_vs_adaptive/results; any other writes
# them into ROOT/results.
set -euo pipefail
cd "$(dirname "$0")/../.."
OWN_ROOT=${OWN_ROOT:-multirun/study_naive_vs_adaptive}
ROOT=${1:-$OWN_ROOT}
EXTRA=("${@:2}")
BIN=${BIN:-.venv/bin}
source experiments/lib.sh  # hydra_value: ROOT as one Hydra value (a comma in it is no sweep)
check_root "$ROOT"  # (an override given as ROOT: refused)
HERE=experiments/naive_vs_adaptive
foreground "$BIN/mia-train" -m +experiment=study_naive_vs_adaptive '~attack.attacks.gradient_norm' \
  "hydra.sweep.dir=$(hydra_value "$ROOT")" ${EXTRA[@]+"${EXTRA[@]}"}
# The tables go beside the runs they read, unless lib.sh's records_into records them.
OUT="$ROOT/results"
if records_into "$HERE" "$OWN_ROOT" "$ROOT" ${#EXTRA[@]} ${EXTRA[@]+"${EXTRA[@]}"} \
    "$ROOT"; then
  OUT="$HERE/results"
fi
"$BIN/python" "$HERE/compare.py" "$ROOT" --out "$OUT"
