#!/usr/bin/env bash
# Study 5b: the one-run audit (Steinke, Nasr, Jagielski 2023) of DP-SGD at ε ∈ {1, 2, 4, 8}:
# the accountant's ε, today's K-model bound, and the one-run black-box and white-box bounds,
# all from the same 4 runs; plus ε = 8 with seeds 1 and 2 (the spread of the bound), and
# ε = 8 at the default δ = 1/(10·members), to show the bound's 2·m·δ term.
# Usage: experiments/dp_audit/one_run.sh [ROOT [OVERRIDE...]]
# OVERRIDEs go to every run. Only a study run into its own folder (OWN_ROOT) without
# overrides records its tables into experiments/dp_audit/results; any other writes them
# into ROOT/results.
set -euo pipefail
cd "$(dirname "$0")/../.."
OWN_ROOT=${OWN_ROOT:-multirun/study_dp_audit_one_run}
ROOT=${1:-$OWN_ROOT}
EXTRA=("${@:2}")
BIN=${BIN:-.venv/bin}
source experiments/lib.sh  # hydra_value: ROOT as one Hydra value (a comma in it is no sweep)
check_root "$ROOT"  # (an override given as ROOT: refused)
HERE=experiments/dp_audit
AUDIT=(attack.audit=one_run attack.audit_canaries=100 attack.audit_gradient_canaries=1000
       attack.white_box=true '~attack.attacks.gradient_norm' ${EXTRA[@]+"${EXTRA[@]}"})
foreground "$BIN/mia-train" -m +experiment=study_dp_audit "${AUDIT[@]}" defense.dp.delta=1e-6 \
    'defense.dp.target_epsilon=1,2,4,8' "hydra.sweep.dir=$(hydra_value "$ROOT/delta_1e-6")"
foreground "$BIN/mia-train" -m +experiment=study_dp_audit "${AUDIT[@]}" defense.dp.delta=1e-6 \
    defense.dp.target_epsilon=8 'seed=1,2' "hydra.sweep.dir=$(hydra_value "$ROOT/seeds")"
# (a sweep of one run: the preset's sweep values are refused in a single run)
foreground "$BIN/mia-train" -m +experiment=study_dp_audit "${AUDIT[@]}" defense.dp.target_epsilon=8 \
    "hydra.sweep.dir=$(hydra_value "$ROOT/default_delta")"
# The tables go beside the runs they read, unless lib.sh's records_into records them.
OUT="$ROOT/results"
if records_into "$HERE" "$OWN_ROOT" "$ROOT" ${#EXTRA[@]} ${EXTRA[@]+"${EXTRA[@]}"} \
    "$ROOT"/{delta_1e-6,seeds,default_delta}; then
  OUT="$HERE/results"
fi
"$BIN/python" "$HERE/one_run.py" "$ROOT" --out "$OUT"
