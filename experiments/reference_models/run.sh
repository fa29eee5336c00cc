#!/usr/bin/env bash
# Study 4: LiRA and RMIA TPR@0.1%FPR against the number of reference models K.
# Usage: experiments/reference_models/run.sh [ROOT]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-multirun/study_reference_models}
BIN=${BIN:-.venv/bin}
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
"$BIN/mia-train" -m +experiment=study_reference_models "${DROP[@]}" hydra.sweep.dir="$ROOT" \
  plan.num_models=4,8,16,64,2 seed=0,1,2
"$BIN/python" "$HERE/plot.py" "$ROOT" --out "$HERE/results"
