#!/usr/bin/env bash
# Study 2: the privacy-utility tradeoff of every defense on the Purchase100-like task.
# The sweeps of study 1 (experiments/digits_tradeoff/run.sh, three processes at once) with
# +experiment=study_purchase. Usage: experiments/purchase_tradeoff/run.sh [ROOT [OVERRIDE...]]
set -euo pipefail
STUDY_SCRIPT=$0  # named in study 1's refusals, as the user ran it (before the cd)
export STUDY_SCRIPT
cd "$(dirname "$0")/../.."
OWN_ROOT=multirun/study_purchase PRESET=study_purchase HERE=experiments/purchase_tradeoff \
  exec experiments/digits_tradeoff/run.sh "${1:-multirun/study_purchase}" "${@:2}"
