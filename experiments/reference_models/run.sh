#!/usr/bin/env bash
# Study 4: LiRA and RMIA TPR@0.1%FPR against the number of reference models K.
# Usage: experiments/reference_models/run.sh [ROOT [OVERRIDE...]]
# OVERRIDEs go to every run (e.g. train.epochs=1); one of plan.num_models or seed replaces
# the study's sweep over it (plan.num_models=2,4 seed=0,1). Only a study run into its own
# folder (OWN_ROOT) without overrides records its tables into
# experiments/reference_models/results; any other writes them into ROOT/results.
set -euo pipefail
cd "$(dirname "$0")/../.."
OWN_ROOT=${OWN_ROOT:-multirun/study_reference_models}
ROOT=${1:-$OWN_ROOT}
EXTRA=("${@:2}")
BIN=${BIN:-.venv/bin}
source experiments/lib.sh  # hydra_value: ROOT as one Hydra value (a comma in it is no sweep)
check_root "$ROOT"  # (an override given as ROOT: refused)
HERE=experiments/reference_models
# The digits study settings; only the attacks under study (LiRA online/offline, RMIA),
# no perturbed queries. Every model (the first 16 at K=64: attack.num_targets=null) is a
# target, attacked with the other K-1 models;
# three seeds per K (data split, masks, initialisations all change with the seed).
# K=2 last: with two models every record is a member of exactly one, so each target's
# single reference model is always OUT where the target is IN.
DROP=()
for name in loss confidence entropy modified_entropy modified_entropy_class shokri \
    lira_online_augmented label_only gradient_norm; do
  DROP+=("~attack.attacks.$name")
done
# (mia-train refuses a key given twice: an OVERRIDE of K or the seed replaces the sweep's)
KS=plan.num_models=4,8,16,64,2
SEEDS=seed=0,1,2
for extra in ${EXTRA[@]+"${EXTRA[@]}"}; do
  case $extra in
    plan.num_models=*) KS= ;;
    seed=*) SEEDS= ;;
  esac
done
foreground "$BIN/mia-train" -m +experiment=study_reference_models "${DROP[@]}" \
  "hydra.sweep.dir=$(hydra_value "$ROOT")" ${KS:+"$KS"} ${SEEDS:+"$SEEDS"} ${EXTRA[@]+"${EXTRA[@]}"}
# The tables go beside the runs they read, unless lib.sh's records_into records them.
OUT="$ROOT/results"
if records_into "$HERE" "$OWN_ROOT" "$ROOT" ${#EXTRA[@]} ${EXTRA[@]+"${EXTRA[@]}"} \
    "$ROOT"; then
  OUT="$HERE/results"
fi
"$BIN/python" "$HERE/plot.py" "$ROOT" --out "$OUT"
