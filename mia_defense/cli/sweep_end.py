"""The end of a ``mia-train -m`` sweep (`SweepSummary`, a Hydra callback): its HParams
experiment config, the points refused, failed or diverged, a search without a result, and
the commands that compare its runs; and the state of this process's sweep that
`mia_defense.cli.train` and `mia_defense.cli.stopped` read."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, ListConfig

from mia_defense.cli.commands import shell_path, tool_command
from mia_defense.cli.run_records import (
    RESULTS,
    TRAIN_LOG,
    diverged_since,
    failed_after_start,
    failed_unrecorded,
    holds_a_complete_run,
    log_sizes,
    models_kept,
    refused_since,
    results_identities,
    results_of,
    stopped_on_a_setting,
    sweep_files,
    written_since,
)
from mia_defense.cli.sweep_checks import override_keys
from mia_defense.cli.sweep_refusals import (
    carry,
    in_use_refusal,
    launched_folders,
    print_points,
    print_refused,
    refused_run,
    returned,
    valued_folders,
    valued_jobs,
)
from mia_defense.errors import MiaDefenseError
from mia_defense.hydra_setup import plugin_is

log = logging.getLogger("mia_defense.cli.train")  # (its lines read as mia-train's)


# The runs of this process's sweep that diverged, found when it ends: the sweep then
# exits 2 (each point runs; a diverged one does not stop the others).
SWEEP_DIVERGED: list[Path] = []

# The points of this process's sweep refused with a user error (a bad value in one point of
# a grid, such as train.lr=-1, or a directory in use): each is logged in its own train.log
# (never in another run's), the others still run, and the sweep names them at its end and
# exits 2.
SWEEP_FAILED: list[tuple[Path, str]] = []

# The run directories of this process's sweep whose task started (refused ones too): a sweep
# whose every point was refused says so in one line at its end.
SWEEP_RUNS: list[Path] = []

# The SweepSummary of the sweep in progress with its config: a sweeper that raises after its
# trials (Optuna's "No trials are completed yet." when every trial was refused) skips
# Hydra's on_multirun_end, so the sweep's end is said from `lost_workers_stop_cleanly`.
SWEEP_SUMMARY: list[tuple[Any, DictConfig]] = []

# Set when a multi-objective Optuna search ended with no trial that returned a value: its
# sweeper ends as a success (an empty Pareto front), so the sweep exits 2 itself.
SEARCH_WITHOUT_RESULT: list[bool] = []

# The sweep (as in `SWEEP_SUMMARY`) whose jobs had all returned as its end began to be said
# (on_multirun_end): a Ctrl-C after that, with none of its runs left to resume, says the
# sweep finished (`ended_sweep_finished`), not 'run the same command again to resume'.
SWEEP_ENDED: list[tuple[Any, DictConfig]] = []


class SweepSummary(Callback):
    """Hydra callback: a finished run or sweep gets its one HParams experiment config (the
    columns TensorBoard compares: `mia_defense.tracking.hparams`), and a sweep ends by
    naming its directory and the two commands that compare its runs (TensorBoard and the
    tradeoff report)."""

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        job_return = kwargs.get("job_return")
        hydra_cfg = getattr(job_return, "hydra_cfg", None)
        if hydra_cfg is None:
            return
        run_dir = Path(hydra_cfg.hydra.runtime.output_dir)
        # one run: the keys set on the command line and what it defends are its columns
        keys = [*override_keys(config, sweeps_only=False), "defense", "release"]
        _write_hparams_experiment(run_dir, log_dir=run_dir / "tb", swept=keys)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        files = sweep_files(Path(config.hydra.sweep.dir))
        self._results = results_identities(files[RESULTS])
        self._log_sizes = log_sizes(files[TRAIN_LOG])
        SWEEP_SUMMARY[:] = [(self, config)]

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        carry(job_return)  # a refusal, for the sweep's end where the job ran elsewhere

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        SWEEP_ENDED[:] = [(self, config)]  # (its jobs have all returned)
        SWEEP_SUMMARY.clear()  # (its end is said: said once, where it fails part way)
        try:
            self._say_the_end(config)
        except KeyboardInterrupt:  # (what the sweep keeps is said then, as during its runs)
            SWEEP_SUMMARY[:] = [(self, config)]
            raise

    def _say_the_end(self, config: DictConfig) -> None:
        root = Path(config.hydra.sweep.dir)
        files = sweep_files(root)  # (one walk: nothing below writes a run's files)
        _write_hparams_experiment(root, log_dir=None, swept=override_keys(config),
                                  results=files[RESULTS])  # fmt: skip
        sweep_dir = shell_path(config.hydra.sweep.dir)
        # (the results.json files of before: one written since differs, whatever its mtime)
        before = getattr(self, "_results", {})
        # this sweep's folders: another sweep sharing hydra.sweep.dir at the same time wrote
        # its own runs and refusals there, which this one named (and exited 2 for) as its own
        ours = {os.path.abspath(run_dir) for run_dir in SWEEP_RUNS} | launched_folders()

        def mine(run_dir: Path) -> bool:
            return not ours or os.path.abspath(run_dir) in ours

        # (a folder whose train.log grew: a point of this sweep ran there, or was skipped)
        grown = [train_log.parent for train_log, size in log_sizes(files[TRAIN_LOG]).items()
                 if size > getattr(self, "_log_sizes", {}).get(train_log, 0)]  # fmt: skip
        SWEEP_DIVERGED[:] = filter(mine, diverged_since(files[RESULTS], before, grown))
        # refused in other processes (joblib, submitit, Ray): their JobReturns say why, else
        # (a job without this callback) their train.log
        SWEEP_FAILED.extend(returned(SWEEP_FAILED))
        known = {Path(run_dir).absolute() for run_dir, _ in SWEEP_FAILED}
        SWEEP_FAILED.extend(
            (run_dir, said)
            for run_dir, said in refused_since(files[TRAIN_LOG], before,
                                                getattr(self, "_log_sizes", {}))
            if run_dir.absolute() not in known and mine(run_dir)
        )  # fmt: skip
        failed = [(run_dir, said) for run_dir, said in SWEEP_FAILED
                  if failed_after_start(run_dir, said, before)]  # fmt: skip
        unrecorded = [(run_dir, said) for run_dir, said in SWEEP_FAILED
                      if (run_dir, said) not in failed
                      and failed_unrecorded(run_dir, said, before)]  # fmt: skip
        from mia_defense.files import FOLDER_GONE

        gone = [point for point in SWEEP_FAILED if FOLDER_GONE in point[1]]
        refusals = [point for point in SWEEP_FAILED if point not in failed + unrecorded + gone]
        # points refused in their folder, in use, by a run of this sweep that has finished
        # there since it started: two Optuna trials drawing the same values at once (a
        # choice, an int range; launcher=joblib). That run stands for both: the sweep was
        # said to have refused it, to wait for it 'still going', and with no other point
        # that "nothing was trained, a search has no result", exit 2. (A run that holds it
        # and was killed, results.json still 'running', is no twin: the refusal stands.)
        twins = [(run_dir, said) for run_dir, said in refusals if in_use_refusal(said)
                 and written_since(Path(run_dir) / "results.json", before)
                 and results_of(Path(run_dir), ("complete",)) is not None
                 and _of_its_config(Path(run_dir))]  # fmt: skip
        if twins:
            SWEEP_FAILED[:] = [point for point in SWEEP_FAILED if point not in twins]
            refusals = [point for point in refusals if point not in twins]
            # (or another process's run of its overrides: a second sweep started into this
            # folder at the same time, which the refusal's holder line does not tell apart)
            print_points(f"{len(twins)} point(s) of this sweep found their folder in use by a "
                         "run of its overrides that finished there since (another point "
                         "drawing the same values at the same time, as an Optuna search may, "
                         "or another mia-train run into this folder meanwhile, named below): "
                         "the run there stands for both", twins)
        _say_refusals([_held_by_other_config(point) for point in refusals])
        _say_failures(failed, unrecorded, gone)
        if SWEEP_DIVERGED:
            print(f"\n{len(SWEEP_DIVERGED)} run(s) of this sweep diverged (no privacy "
                  "verdict; the reason is in each results.json):")
            for run_dir in SWEEP_DIVERGED:
                print(f"  {shell_path(run_dir)}")
        print(f"\nsweep directory: {sweep_dir}")
        print(f"compare runs:    {tool_command('tensorboard')} --logdir {sweep_dir}")
        if holds_a_complete_run(files[RESULTS]):  # (else mia-report has nothing to rank)
            print(f"tradeoff report: {tool_command('mia-report')} {sweep_dir}")
        ran = {run_dir.absolute() for run_dir in SWEEP_RUNS}
        ran.update(run_dir.absolute() for run_dir in grown if mine(run_dir))
        refused = {Path(run_dir).absolute() for run_dir, _ in refusals}
        self.all_refused = bool(refusals) and ran <= refused
        if self.all_refused:
            # (refused after its run completed: an objective its results.json lacks)
            trained = sum(written_since(Path(run_dir) / "results.json", before)
                          and results_of(Path(run_dir), ("complete",)) is not None
                          for run_dir, _ in refusals)  # fmt: skip
            print(_all_refused_line(trained), file=sys.stderr)
        elif why := _search_without_result(config):
            SEARCH_WITHOUT_RESULT[:] = [True]
            print(f"\n{why}", file=sys.stderr)
        if idle := _idle_trials(config, valued_folders()):
            print_points(f"{len(idle)} trial(s) of this search ran with a defense that did not "
                         "act (results.json's training.defenses_idle): the sweeper got their "
                         "figures as measured, those of models trained as without it, so where "
                         "the search names one of them best, its setting is one where that "
                         "defense does nothing, no point of it (mia-report marks them '(did "
                         "not act)')", idle)  # fmt: skip


def _held_by_other_config(point: tuple[Path, str]) -> tuple[Path, str]:
    """``point`` (run directory, its refusal), its refusal for the folder in use followed by
    the rerun's where the run there is of another config than the point's
    (`_against_its_point`): the sweep's end said "wait for the run that holds it (still
    going) to end, then run the same command again", which then refused the point as "holds
    a complete run of another config" (two sweeps at once whose subdir names the folder
    alike). Such a point counts among those holding a run of other settings
    (`_say_refusals`)."""
    run_dir, said = point
    other = _against_its_point(Path(run_dir)) if in_use_refusal(said) else None
    return (run_dir, f"{said}. The run there is not this point's: {other}") if other else point


def _of_its_config(run_dir: Path) -> bool:
    """Whether the complete run in ``run_dir`` is one of the config, data and code of the
    point of this sweep refused there for its folder in use (`_against_its_point`): a run of
    other settings finished there (another sweep's, whose subdir names the folder alike)
    stood for the point, exit 0, its values never run. A point whose job carried back none:
    no."""
    return _against_its_point(run_dir) == ""


def _against_its_point(run_dir: Path) -> str | None:
    """How the run in ``run_dir`` is of another config, data or code than the point of this
    sweep refused there for its folder in use (`refused_run`, `other_run`'s words), "" where
    it is the point's own, ``None`` where that is not known (the point's job carried back
    none, or the folder cannot be read)."""
    from mia_defense.tracking.run_dir import other_run

    run = refused_run(run_dir)
    if run is None:
        return None
    config, fingerprint = run
    try:
        return other_run(run_dir, config=config, data_fingerprint=fingerprint) or ""
    except (MiaDefenseError, OSError):
        return None


def _say_refusals(refusals: list[tuple[Path, str]]) -> None:
    """The sweep's end's list of its points refused before they ran (``refusals``: run
    directory, message), and how many of them hold a run of other settings, which the same
    command refuses again."""
    if not refusals:
        return
    held = sum(" run of another config (" in message for _, message in refusals)
    # (each such: "fix the value and run the same command again", which refuses it again)
    print_refused(refusals, nothing="nothing was run there",
                  fix="fix the value and run the same command again" if held < len(refusals)
                  else "each folder holds a run of other settings, see below")  # fmt: skip
    if held:
        print(f"  ({held} of them: the folder this sweep names for the run holds a "
              "run of other settings, as where hydra.sweep.subdir numbers the runs or "
              "the folder names leave the changed key out; running the same command "
              "again refuses them again: put the earlier settings back, or give this "
              "sweep a new hydra.sweep.dir)")


def _say_failures(
    failed: list[tuple[Path, str]], unrecorded: list[tuple[Path, str]], gone: list[tuple[Path, str]]
) -> None:
    """The sweep's end's lists of its points that failed after they began, each with its
    fix: ``failed`` (results.json says so; those that failed on a setting apart, as nothing
    there is left to resume), ``unrecorded`` (results.json still says running) and ``gone``
    (their folder moved or removed while they ran)."""
    on_a_setting = [point for point in failed if stopped_on_a_setting(Path(point[0]))]
    if on_a_setting:
        print_points(f"{len(on_a_setting)} run(s) of this sweep failed on a setting "
                     "(results.json says failed, with no trained model saved; the same "
                     "command fails them again): run with the setting fixed in a new "
                     "hydra.sweep.dir, or delete those runs' folders and run with it "
                     "fixed", on_a_setting)  # fmt: skip
    if failed := [point for point in failed if point not in on_a_setting]:
        print_points(f"{len(failed)} run(s) of this sweep failed after they began "
                     f"(results.json says failed; {models_kept(failed)}: fix the cause, "
                     "such as a full disk, and run the same command again to resume "
                     "them)", failed)  # fmt: skip
    if unrecorded:
        print_points(f"{len(unrecorded)} run(s) of this sweep failed after they began and "
                     "could not record it (results.json still says running: its disk is "
                     f"full, most likely; {models_kept(unrecorded)}: free disk space and "
                     "run the same command again to resume them)", unrecorded)  # fmt: skip
    if gone:  # (refused "nothing was run there; fix the value", though they had run)
        print_points(f"{len(gone)} run(s) of this sweep stopped because their folder was "
                     "moved or removed while they ran (a folder moved keeps what the run "
                     "had saved, its results.json saying interrupted: move it back and run "
                     "the same command again to resume it, or run the same command again "
                     "to run it anew)", gone)  # fmt: skip


def _search_without_result(config: DictConfig) -> str | None:
    """Why the search of ``config`` has no result although its sweeper named one, or
    ``None``: no trial of several objectives gave its values (an empty Pareto front), or no
    trial has a privacy verdict (the best it names is a stand-in)."""
    if _several_objectives(config) and launched_folders() and not valued_jobs():
        return ("no trial of this search of several objectives gave its values (each was "
                "refused, failed, diverged or gave an objective value the sweeper cannot "
                "take, as logged above): the search has no result (its Pareto front is empty)")
    if _searched_without_verdict(config, valued_folders()):
        return ("no trial of this search gave its sweeper a measured figure (each is at "
                "chance, its training blew up, its attack scores are inverted or its outputs "
                "saturated, as logged above): each gave a stand-in, for want of a privacy "
                "verdict the worst for the sweeper's direction (the most leaking where it "
                "minimises, the least where it maximises) and for inverted scores or saturated "
                "outputs the most leaking there is (1, infinity) "
                "either way, so the best trial it names holds no result; widen the search "
                "space toward models that learn the task (saturated outputs: standardise the "
                "features, dataset.standardize=true)")
    return None


def _idle_trials(config: DictConfig, folders: set[str]) -> list[tuple[Path, str]]:
    """The trials of the Optuna search of ``config`` that gave values (``folders``) whose
    defense did not act (`mia_defense.report.checks.idle_defenses`), each with its defenses
    and their reasons in mia-report's words (`idle_defense_notes`): the sweeper scored them
    as measured (`objectives`), a real point of the models they trained but not of the
    defense their settings name."""
    from mia_defense.report.checks.notes import idle_defense_notes
    from mia_defense.tracking import read_json

    if not folders or not plugin_is(config.hydra.sweeper, "optuna"):
        return []
    idle = []
    for folder in sorted(folders):
        try:
            payload = read_json(Path(folder) / "results.json")
        except Exception:  # (changed since it was read: not this search's to judge)
            continue
        said = "; ".join(idle_defense_notes(payload))  # (mia-report's words)
        if said:
            idle.append((Path(folder), said))
    return idle


def _searched_without_verdict(config: DictConfig, folders: set[str]) -> bool:
    """Whether ``config`` is an Optuna search each of whose trials that gave values
    (``folders``, one at least) gave a stand-in in place of a figure
    (`mia_defense.report.objectives.objectives`: the worst for the sweeper's direction for
    want of a privacy verdict, the most leaking for inverted scores or saturated outputs:
    `mia_defense.report.objectives.understated_leak`): its sweeper still named
    a best trial ('Best value: 1' or 'inf'; 0 or '-inf' maximised without a verdict; or a
    Pareto front of such trials)."""
    from mia_defense.report.objectives import objective, objectives
    from mia_defense.tracking import read_json

    if not folders or not plugin_is(config.hydra.sweeper, "optuna"):
        return False
    names = objective_names(config)
    judged = [name for name in names if name.startswith("max_attack.") or name in WORST_CASED]
    if not judged:
        return False  # (utility or accountant figures alone: measured, verdict or not)
    for folder in folders:
        try:
            payload = read_json(Path(folder) / "results.json")
            given = objectives(payload, judged,
                               maximized=maximized(config.hydra.sweeper, names))
            measured = [objective(payload, name) for name in judged]
        except Exception:  # (changed since it was read: not this search's verdict to judge)
            return False
        if given == measured:
            return False
    return True


def objective_names(cfg: DictConfig) -> list[str]:
    """The figures a run of ``cfg`` returns to a sweeper: its ``objectives``, else the
    strongest attack's TPR at the lowest of its ``attack.fprs``."""
    from mia_defense.metrics.roc import fpr_key

    lowest = min(float(f) for f in cfg.attack.fprs)
    names = cfg.get("objectives")  # ([] is refused: `check_objective_names`)
    if names is None:
        return [f"max_attack.{fpr_key(lowest)}"]
    # (a string, objectives=utility.test_accuracy, is one name, not one per letter: each run
    # of a sweep over it was refused for its 'i' listed twice; check_config refuses it)
    return [str(n) for n in names] if isinstance(names, ListConfig | list) else [str(names)]


def maximized(sweeper: DictConfig, names: list[str]) -> set[str]:
    """Which of ``names`` (the objectives, in order) an Optuna ``sweeper`` maximises, by its
    ``direction`` (one, or one per objective): a stand-in for a figure without a verdict is
    the least there is for them (`mia_defense.report.objectives.objectives`)."""
    if not plugin_is(sweeper, "optuna"):
        return set()
    direction = sweeper.get("direction")
    ways = list(direction) if isinstance(direction, ListConfig | list) else [direction]
    return {name for name, way in zip(names, ways, strict=False) if way == "maximize"}


def _several_objectives(config: DictConfig) -> bool:
    """Whether the sweep of ``config`` is an Optuna search of several objectives: its
    sweeper ends with an empty Pareto front, not an error, when no trial gave its values (a
    search of one raises "No trials are completed yet.": `end_search_without_result`)."""
    sweeper = config.hydra.sweeper
    direction = sweeper.get("direction")
    return plugin_is(sweeper, "optuna") and isinstance(
        direction, ListConfig | list) and len(direction) > 1


def _all_refused_line(trained: int = 0) -> str:
    """The one line that ends a sweep whose every point (every Optuna trial) was refused:
    the first refusal's message, which is most often every one's (a fixed setting that
    clashes with the search, such as DP-SGD's target_epsilon with a searched
    noise_multiplier). ``trained``: how many were refused only once their run completed (an
    objective their results.json lacks): 'nothing was trained' was said of them too."""
    first = SWEEP_FAILED[0][1]
    what = "nothing was trained" if not trained else (
        f"{trained} trained first, refused once complete, their runs kept")
    return (f"\nevery run of this sweep was refused ({len(SWEEP_FAILED)} of "
            f"{len(SWEEP_FAILED)}; {what}, a search has no result): the first "
            f"refusal: {first}")


def _write_hparams_experiment(
    root: Path, *, log_dir: Path | None, swept: list[str], results: list[Path] | None = None
) -> None:
    """The HParams experiment config of the finished runs under ``root`` (their
    ``results`` files where walked already), in ``log_dir``, or (None) in the sweep's own
    folder of ``root`` (`write_sweep_experiment`); a failure to write it is logged, not
    raised: the runs themselves are complete."""
    from mia_defense.tracking.hparams import (
        sessions_under,
        write_experiment,
        write_sweep_experiment,
    )

    sessions = sessions_under(root, results=results)
    if not sessions:
        return
    try:
        if log_dir is None:
            write_sweep_experiment(root, sessions, swept=swept)
        else:
            write_experiment(log_dir, sessions, swept=swept, again="run the same command again",
                             elsewhere="a new hydra.run.dir")  # (one run, no sweep)
    except MiaDefenseError as exc:
        log.warning("%s: %s", type(exc).__name__, exc)


# Figures other than max_attack's that a sweeper gets as their worst for want of a verdict
# (`mia_defense.report.objectives.objectives`), each with why it can be so: the gap is worst-
# cased only for a model that learned nothing (inverted scores leave it measured).
WORST_CASED = {
    "privacy.empirical_epsilon": "the run has no privacy verdict, its outputs are saturated "
                                 "or an attack's scores are inverted",
    "utility.generalization_gap": "the run is at chance or its training blew up (a model that "
                                  "learned nothing has no gap: 0 or below, the best a search "
                                  "minimising it could find)",
}  # fmt: skip
