#!/usr/bin/env bash
# Study 1: the privacy-utility tradeoff of every defense on digits.
# Four sweeps (training-time defenses, the two that train on the reference split, DP-SGD over
# ε, output releases) under one root, then one mia-report over all of them.
# Usage: experiments/digits_tradeoff/run.sh [ROOT [OVERRIDE...]]
# OVERRIDEs go to every run (e.g. train.epochs=5). Only a study run into its own folder
# (OWN_ROOT) without overrides is recorded into HERE/results.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Study 2 runs this script with its own folder (OWN_ROOT), preset and record (PRESET, HERE),
# and its own name for the messages (STUDY_SCRIPT).
OWN_ROOT=${OWN_ROOT:-multirun/study_digits}
ROOT=${1:-$OWN_ROOT}
EXTRA=("${@:2}")
BIN=${BIN:-.venv/bin}
PRESET=${PRESET:-study_digits}
HERE=${HERE:-experiments/digits_tradeoff}
source experiments/lib.sh  # hydra_value: ROOT as one Hydra value (a comma in it is no sweep)
check_root "$ROOT"  # (an override given as ROOT: refused)
# An OVERRIDE of a key the sweeps below set (defense=[dp], release=label_only) was dropped by
# the sweeps that set it (a value, then a sweep: mia-train keeps the sweep without a word)
# and kept by the others, so the report mixed runs of both (defense=[dp]: DP-SGD under the
# five releases only). Refused before anything runs.
for extra in ${EXTRA[@]+"${EXTRA[@]}"}; do
  key=${extra%%=*} key=${key#\~} key=${key#+} key=${key#+}
  case $key in
    defense | release | defense.dp.target_epsilon)
      echo "${STUDY_SCRIPT:-$0}: $extra: the study sweeps $key itself, so your value would be dropped by" \
        "the sweeps that set it and kept by the others, mixing runs of both in one report;" \
        "nothing was run. Give overrides of other keys (e.g. train.epochs=5), or run your" \
        "own sweep (.venv/bin/mia-train -m +experiment=$PRESET $key=...)" >&2
      exit 2 ;;
  esac
done
# The error a failed sweep's log (or mia-train's output) ends on, as ': ConfigError: ...'
# (none: ''), read from stdin: a misspelt override (run.sh ROOT trian.epochs=1) said only
# 'sweep training failed: see ROOT/training.log' for each sweep, the key named in the logs alone.
said_error() {
  local said
  said=$(grep -E '(^|\] - |: )[A-Z][A-Za-z]*(Error|Exception): ' 2>/dev/null | tail -n 1 \
    | sed -E 's/^\[[^]]*\]\[[^]]*\]\[[A-Z]+\] - //') || true
  [ -z "$said" ] || printf ': %s' "$said"
}
# The OVERRIDEs checked once against the study's preset before anything runs (mia-train --cfg
# job: composes the config, runs nothing, well under a second): a misspelt one (run.sh ROOT
# trian.epochs=1) made ROOT and failed each of the three sweeps, one error per sweep. (Checked
# against the preset's own defense and release: a key of one defense, which the runs without
# it would refuse, is refused here too.)
if [ ${#EXTRA[@]} -gt 0 ]; then
  if ! checked=$("$BIN/mia-train" --cfg job "+experiment=$PRESET" '~attack.attacks.gradient_norm' \
      "${EXTRA[@]}" 2>&1 >/dev/null); then
    said=$(said_error <<<"$checked")
    [ -n "$said" ] || printf '%s\n' "$checked" >&2
    echo "${STUDY_SCRIPT:-$0}${said:-: mia-train refused the overrides (above)}; nothing was run" \
      "(each OVERRIDE goes to every run of the study: give keys each run has, e.g. train.epochs=5)" >&2
    exit 2
  fi
fi
# Shared by every run: the default experiment (digits, K=16 MLPs, 1000 population
# samples, 30 epochs) with 300 reference samples for the defenses that need them;
# black-box attacks only: the white-box gradient_norm attack would bypass the releases.
# One model store for the four sweeps: the undefended models trained once serve the
# baseline point and every release (cache_dir is not part of a run's directory name).
mkdir -p "$ROOT"
STORE="$(cd "$ROOT" && pwd)/.model_store"
COMMON=("+experiment=$PRESET" '~attack.attacks.gradient_norm' "cache_dir=$(hydra_value "$STORE")"
        ${EXTRA[@]+"${EXTRA[@]}"})

# Three processes at once (one thread each: the same numbers as one after the other), so
# the cores stay busy and start-up is paid while others work: the training-time defenses;
# DP-SGD over epsilon; the output releases (one training, then only releases), followed by
# AdvReg and distillation, the two defenses that train on the reference split, so that the
# three finish together. Each sweep's output goes to ROOT/NAME.log; a failed sweep fails the
# study.
sweep() {
  local name=$1; shift
  "$BIN/mia-train" -m "${COMMON[@]}" "hydra.sweep.dir=$(hydra_value "$ROOT/$name")" "$@" >"$ROOT/$name.log" 2>&1 \
    || { echo "sweep $name failed$(said_error <"$ROOT/$name.log"): see $ROOT/$name.log" >&2; return 1; }
  echo "sweep $name done: $ROOT/$name"
}
sweep training \
  'defense=[],[weight_decay],[dropout],[label_smoothing],[early_stopping],[mixup],[relaxloss]' &
TRAINING=$!
sweep dp defense=dp defense.dp.target_epsilon=0.5,1,2,4,8 &
DP=$!
{ sweep release release=topk,rounding,label_only,noise,temperature \
    && sweep reference_data 'defense=[advreg],[distillation]'; } &
RELEASE=$!
# Background jobs of a script ignore Ctrl-C: pass it on (a rerun resumes what was cut), to
# the sweeps too: the jobs above are subshells, and killed alone (a TERM sent to this script
# by kill or a scheduler) they left their mia-train processes running on without it.
stop() {
  local sweeps
  sweeps=$(pgrep -P "$TRAINING,$DP,$RELEASE" || true)
  kill -TERM "$TRAINING" "$DP" "$RELEASE" 2>/dev/null || true
  [ -z "$sweeps" ] || interrupt $sweeps  # (INT, then TERM where INT is ignored)
  exit 130
}
trap stop INT TERM
status=0
for pid in "$TRAINING" "$DP" "$RELEASE"; do wait "$pid" || status=1; done
[ "$status" = 0 ] || exit 1
"$BIN/mia-report" "$ROOT/training" "$ROOT/reference_data" "$ROOT/dp" "$ROOT/release" \
  --out "$ROOT/report"
# The recorded outputs kept in the repository (no run directories, no npz); RECORD=0 (the
# bench's timing) leaves them as they are.
[ "${RECORD:-1}" = 0 ] && exit 0
# (lib.sh's records_into: only a run into OWN_ROOT without overrides; the report stays in
# ROOT/report otherwise)
records_into "$HERE" "$OWN_ROOT" "$ROOT" ${#EXTRA[@]} ${EXTRA[@]+"${EXTRA[@]}"} \
  "$ROOT"/{training,reference_data,dp,release} || exit 0
# The report's files are recorded whole or not at all: each is copied to a temporary name in
# results/, then, all copied, each renamed into place (a plain cp cut by a full disk left a
# recorded table cut where the disk filled, the earlier study's lost).
mkdir -p "$HERE/results"
temps=() targets=()
for source in "$ROOT"/report/{tradeoff.md,tradeoff.csv,runs.csv} "$ROOT"/report/*.png \
    "$ROOT/report/README.md"; do
  name=$(basename "$source")
  [ "$name" = README.md ] && name=summary.md
  temp="$HERE/results/.$name.$$.tmp"
  temps+=("$temp") targets+=("$HERE/results/$name")
  if ! cp "$source" "$temp"; then
    rm -f "${temps[@]}"
    echo "${STUDY_SCRIPT:-$0}: not recorded into $HERE/results (cp failed: see above); the" \
      "files recorded there before are kept, the report is in $ROOT/report" >&2
    exit 1
  fi
done
for i in "${!temps[@]}"; do mv -f "${temps[i]}" "${targets[i]}"; done
