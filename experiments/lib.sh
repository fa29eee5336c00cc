# Shell helpers shared by the studies' scripts (sourced from the repository root).

# A path as one quoted Hydra override value: a comma, space, bracket or = in it stays part
# of the path instead of making a sweep or a syntax error (hydra.sweep.dir=$(hydra_value
# "$ROOT")). In Hydra's quoted value a quote is escaped (\'), so are the backslashes before
# a quote or at the end (\\), and ${ would be an interpolation (\${).
hydra_value() {
  local rest=$1 out='' run='' c
  while [ -n "$rest" ]; do
    c=${rest:0:1} rest=${rest:1}
    case $c in
      \\) run+=$c; continue ;;
      \') out+="$run$run\\'" ;;
      *) out+="$run$c" ;;
    esac
    run=''
  done
  out+="$run$run"
  printf "'%s'" "${out//'${'/'\${'}"
}

# Stop (exit 2) where the ROOT given is a Hydra override given without a ROOT before it
# (run.sh train.epochs=1: KEY=VALUE, a key of letters, digits, _ . @ after an optional + or
# ~, and no such folder yet): the whole study ran at its own settings into a folder named
# after the override, and studies 3-5 recorded it. A path with a /, space or comma before
# its = is a folder, as is one that already exists.
check_root() {
  local root=$1
  [[ $root =~ ^[+~]{0,2}[A-Za-z_][A-Za-z0-9_.@]*= ]] || return 0
  [ ! -e "$root" ] || return 0
  # Study 2 runs study 1's script, which names the script the user ran (STUDY_SCRIPT).
  local script=${STUDY_SCRIPT:-$0}
  echo "$script: ROOT $root looks like a Hydra override, not a folder: the study would run at its" \
    "own settings into a folder of that name; nothing was run. Give the sweep root first" \
    "($script ROOT $root ...), or ./$root for a folder of that name" >&2
  exit 2
}

# Whether the sweep directories given after HERE hold runs of an earlier sweep of other
# settings beside the study's (mia-train keeps that sweep's record as multirun.N.yaml): the
# study's tables read every run there, so they would mix the two into what is recorded in
# HERE. Says so, naming the records, and succeeds then; fails (nothing said) otherwise.
mixed_sweeps() {
  local here=$1 kept
  shift
  kept=$(find "$@" -maxdepth 1 -name 'multirun.[0-9]*.yaml' 2>/dev/null | sort || true)
  [ -n "$kept" ] || return 1
  echo "not recorded into $here: runs of an earlier sweep with other settings lie beside the" \
    "study's (its record kept as ${kept//$'\n'/, }) and its tables count them too; delete" \
    "ROOT (or those runs) and run the study again to record it"
}

# Whether a study run records its tables into HERE/results, the recording kept in the
# repository: only a run into the study's own root (OWN_ROOT, as given) without overrides
# and beside no runs of an earlier sweep (mixed_sweeps) does; it succeeds then. Otherwise
# it says why not (one line) and fails; the study writes its tables beside the runs instead.
# A run into another root (a user checking the recorded figures, maybe on a machine whose
# CPU kernels give other last digits) rewrote the recorded tables of studies 3-5.
# Usage: records_into HERE OWN_ROOT ROOT N OVERRIDE_1 ... OVERRIDE_N SWEEP_DIR...
records_into() {
  local here=$1 own=$2 root=$3 count=$4
  shift 4
  local overrides=("${@:1:count}")
  shift "$count"
  if [ "$count" -gt 0 ]; then
    echo "not recorded into $here/results: the runs had overrides of their own (${overrides[*]})"
    return 1
  fi
  # (a run into another folder, e.g. to check the recorded figures, left them rewritten and
  # study 1's summary.md naming that folder)
  if [ "$root" != "$own" ]; then
    echo "not recorded into $here/results: ROOT is $root, not the study's own $own"
    return 1
  fi
  ! mixed_sweeps "$here/results" "$@"
}

# Whether SIGINT was ignored when the study started (in the background of another script,
# `nohup ... &`, some schedulers): bash cannot undo that, so its sweeps ignore INT too.
case "$(trap -p INT)" in "trap -- '' SIGINT") int_ignored=1 ;; *) int_ignored= ;; esac

# Stop the processes (or process groups: -- -PGID) given as mia-train stops on Ctrl-C, by
# INT (its runs marked interrupted; a rerun resumes them), and any still running five
# seconds later by TERM: a study started where SIGINT is ignored passes that on to its
# sweeps, which then cannot be interrupted, and they ran on after the study said it
# stopped. Such a study sends TERM at once (INT would only cost five seconds).
interrupt() {
  if [ -n "$int_ignored" ]; then
    kill -TERM "$@" 2>/dev/null || true
    return 0
  fi
  kill -INT "$@" 2>/dev/null || return 0
  local tick
  for tick in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
    kill -0 "$@" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -TERM "$@" 2>/dev/null || true
}

# Run a study step (a sweep: mia-train -m ...) and stop it with the study. A command in the
# foreground of a script outlived a TERM sent to the script alone (kill, a scheduler): bash
# died and left the sweep running. The step runs in a process group of its own (so a
# Ctrl-C at the terminal reaches it once, through the script), and an INT or TERM to the
# script is passed on to it by `interrupt` (INT, then TERM) (its runs marked interrupted; a
# rerun resumes them); the script then exits 130 once the step has ended. Returns the
# step's exit status.
foreground() {
  local child status=0
  set -m  # (job control while it starts: its own process group, SIGINT not ignored)
  "$@" &
  child=$!
  set +m
  trap "interrupt -- -$child; wait $child 2>/dev/null || true; exit 130" INT TERM
  wait "$child" || status=$?
  trap - INT TERM
  return "$status"
}
