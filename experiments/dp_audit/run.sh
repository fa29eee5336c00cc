#!/usr/bin/env bash
# Study 5: the DP accountant's ε against the attacks' empirical lower bound on ε, then
# study 5b: the one-run audit (one_run.sh).
# Usage: experiments/dp_audit/run.sh [ROOT [OVERRIDE...]]
# OVERRIDEs go to every run (e.g. train.epochs=1). Only a study run into its own folder
# (OWN_ROOT) without overrides records its tables into experiments/dp_audit/results; any
# other writes them into ROOT/results (study 5b's: ROOT_one_run/results).
set -euo pipefail
cd "$(dirname "$0")/../.."
OWN_ROOT=${OWN_ROOT:-multirun/study_dp_audit}
ROOT=${1:-$OWN_ROOT}
EXTRA=("${@:2}")
BIN=${BIN:-.venv/bin}
source experiments/lib.sh  # hydra_value: ROOT as one Hydra value (a comma in it is no sweep)
check_root "$ROOT"  # (an override given as ROOT: refused)
HERE=experiments/dp_audit
foreground "$BIN/mia-train" -m +experiment=study_dp_audit '~attack.attacks.gradient_norm' \
    "hydra.sweep.dir=$(hydra_value "$ROOT")" ${EXTRA[@]+"${EXTRA[@]}"}
# The tables go beside the runs they read, unless lib.sh's records_into records them.
OUT="$ROOT/results"
if records_into "$HERE" "$OWN_ROOT" "$ROOT" ${#EXTRA[@]} ${EXTRA[@]+"${EXTRA[@]}"} \
    "$ROOT"; then
  OUT="$HERE/results"
fi
"$BIN/python" "$HERE/audit.py" "$ROOT" --out "$OUT"
# Study 5b: the one-run audit (results/one_run.*), its own folder beside this one's
OWN_ROOT=${OWN_ROOT}_one_run foreground "$HERE/one_run.sh" "${ROOT}_one_run" \
  ${EXTRA[@]+"${EXTRA[@]}"}
