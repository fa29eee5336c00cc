#!/usr/bin/env bash
# Study 2: the privacy-utility tradeoff of every defense on the Purchase100-like task.
# The sweeps of study 1 (experiments/digits_tradeoff) with +experiment=study_purchase.
# Usage: experiments/purchase_tradeoff/run.sh [ROOT]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-multirun/study_purchase}
BIN=${BIN:-.venv/bin}
HERE=experiments/purchase_tradeoff
COMMON=(+experiment=study_purchase '~attack.attacks.gradient_norm')

"$BIN/mia-train" -m "${COMMON[@]}" hydra.sweep.dir="$ROOT/training" \
  'defense=[],[weight_decay],[dropout],[label_smoothing],[early_stopping],[mixup],[relaxloss],[advreg],[distillation]'
"$BIN/mia-train" -m "${COMMON[@]}" hydra.sweep.dir="$ROOT/dp" defense=dp \
  defense.dp.target_epsilon=0.5,1,2,4,8
"$BIN/mia-train" -m "${COMMON[@]}" hydra.sweep.dir="$ROOT/release" \
  release=topk,rounding,label_only,noise,temperature
"$BIN/mia-report" "$ROOT/training" "$ROOT/dp" "$ROOT/release" --out "$ROOT/report"
mkdir -p "$HERE/results"
cp "$ROOT"/report/tradeoff.{md,csv} "$ROOT"/report/*.png "$HERE/results/"
cp "$ROOT/report/README.md" "$HERE/results/summary.md"
