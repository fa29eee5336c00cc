#!/usr/bin/env bash
# Study 3: how much a naive evaluation (undefended shadow models, average records)
# overstates each defense. Usage: experiments/naive_vs_adaptive/run.sh [ROOT]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-multirun/study_naive_vs_adaptive}
BIN=${BIN:-.venv/bin}
HERE=experiments/naive_vs_adaptive
"$BIN/mia-train" -m +experiment=study_naive_vs_adaptive '~attack.attacks.gradient_norm' \
  hydra.sweep.dir="$ROOT"
"$BIN/python" "$HERE/compare.py" "$ROOT" --out "$HERE/results"
