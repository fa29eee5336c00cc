#!/usr/bin/env bash
# Study 5: the DP accountant's ε against the attacks' empirical lower bound on ε, then
# study 5b: the one-run audit (one_run.sh).
# Usage: experiments/dp_audit/run.sh [ROOT [OVERRIDE...]]
# OVERRIDEs go to every run (e.g. train.epochs=1); a study run with them writes its tables
# into ROOT/results, not into experiments/dp_audit/results.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-multirun/study_dp_audit}
EXTRA=("${@:2}")
BIN=${BIN:-.venv/bin}
source experiments/lib.sh  # hydra_value: ROOT as one Hydra value (a comma in it is no sweep)
check_root "$ROOT"  # (an override given as ROOT: refused)
HERE=experiments/dp_audit
OUT="$HERE/results"
[ ${#EXTRA[@]} -gt 0 ] && OUT="$ROOT/results"
foreground "$BIN/mia-train" -m +experiment=study_dp_audit '~attack.attacks.gradient_norm' \
    "hydra.sweep.dir=$(hydra_value "$ROOT")" ${EXTRA[@]+"${EXTRA[@]}"}
if [ "$OUT" = "$HERE/results" ] && mixed_sweeps "$OUT" "$ROOT"; then
  OUT="$ROOT/results"  # (the tables still come, beside the runs they read)
fi
"$BIN/python" "$HERE/audit.py" "$ROOT" --out "$OUT"
# Study 5b: the one-run audit (results/one_run.*)
foreground "$HERE/one_run.sh" "${ROOT}_one_run" ${EXTRA[@]+"${EXTRA[@]}"}
