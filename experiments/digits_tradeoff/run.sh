#!/usr/bin/env bash
# Study 1: the privacy-utility tradeoff of every defense on digits.
# Three sweeps (training-time defenses, DP-SGD over ε, output releases) under one root,
# then one mia-report over all of them. Usage: experiments/digits_tradeoff/run.sh [ROOT]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-multirun/study_digits}
BIN=${BIN:-.venv/bin}
HERE=experiments/digits_tradeoff
# Shared by every run: the default experiment (digits, K=16 MLPs, 1000 population
# samples, 30 epochs) with 300 reference samples for the defenses that need them;
# black-box attacks only: the white-box gradient_norm attack would bypass the releases.
COMMON=(+experiment=study_digits '~attack.attacks.gradient_norm')

"$BIN/mia-train" -m "${COMMON[@]}" hydra.sweep.dir="$ROOT/training" \
  'defense=[],[weight_decay],[dropout],[label_smoothing],[early_stopping],[mixup],[relaxloss],[advreg],[distillation]'
"$BIN/mia-train" -m "${COMMON[@]}" hydra.sweep.dir="$ROOT/dp" defense=dp \
  defense.dp.target_epsilon=0.5,1,2,4,8
"$BIN/mia-train" -m "${COMMON[@]}" hydra.sweep.dir="$ROOT/release" \
  release=topk,rounding,label_only,noise,temperature
"$BIN/mia-report" "$ROOT/training" "$ROOT/dp" "$ROOT/release" --out "$ROOT/report"
# The recorded outputs kept in the repository (no run directories, no npz).
mkdir -p "$HERE/results"
cp "$ROOT"/report/tradeoff.{md,csv} "$ROOT"/report/*.png "$HERE/results/"
cp "$ROOT/report/README.md" "$HERE/results/summary.md"
