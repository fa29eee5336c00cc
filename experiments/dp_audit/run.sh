#!/usr/bin/env bash
# Study 5: the DP accountant's ε against the attacks' empirical lower bound on ε, then
# study 5b: the one-run audit (one_run.sh).
# Usage: experiments/dp_audit/run.sh [ROOT]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-multirun/study_dp_audit}
BIN=${BIN:-.venv/bin}
HERE=experiments/dp_audit
"$BIN/mia-train" -m +experiment=study_dp_audit '~attack.attacks.gradient_norm' hydra.sweep.dir="$ROOT"
"$BIN/python" "$HERE/audit.py" "$ROOT" --out "$HERE/results"
# Study 5b: the one-run audit (results/one_run.*)
"$HERE/one_run.sh" "${ROOT}_one_run"
