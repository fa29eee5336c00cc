"""The one pipeline: plan, train, release, observe, attack, evaluate, record.

`run_experiment` runs the stages in order, each a module of `mia_defense.pipeline`:
`data` (the plan and its arrays), `train` (the K models), `release` (what they let out),
`evaluate` (the attacks and what they measured, `claim` for a DP claim), `record` (the run
directory)."""

from __future__ import annotations

import contextlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.attacks.references import target_models
from mia_defense.attacks.runner import Attack, EvaluationConfig
from mia_defense.audit import DiracCanaryAudit, audit_report, audit_training
from mia_defense.code_digest import code_digest, defining_file
from mia_defense.defenses.dp import DPSGD
from mia_defense.defenses.release import release_idle
from mia_defense.errors import (
    ConfigError,
    DataError,
    DivergedError,
    MiaDefenseError,
    UnsupportedModelError,
    out_of_memory,
)
from mia_defense.files import FOLDER_GONE, atomic_write, require_held
from mia_defense.observations import COPY_GROUPS, Observations
from mia_defense.pipeline.data import TrainingData, prepare_data
from mia_defense.pipeline.evaluate import (
    RANDOMIZED_RELEASE_REPEATS,
    RunResult,
    attack_observations,
    fpr_key,
)
from mia_defense.pipeline.record import (
    RunFacts,
    defense_names,
    defense_settings,
    record_diverged,
    record_run,
    run_facts,
)
from mia_defense.pipeline.release import (
    release_members_once,
    release_population,
    release_test,
)
from mia_defense.pipeline.spec import Experiment, PlanConfig
from mia_defense.pipeline.train import (
    attacks_for_recipe,
    check_checkpoint_folders,
    gradient_canaries_ride,
    idle_defenses,
    model_store,
    privacy_figures,
    recorded_as_trained,
    train_models,
)
from mia_defense.pipeline.utility import judged_accuracy, released_accuracy, utility_figures
from mia_defense.run_fingerprint import TARGETS_STAGE, config_fingerprint, training_parts
from mia_defense.seeding import global_torch_seeded, torch_generator
from mia_defense.store import ModelStore
from mia_defense.timing import Stopwatch
from mia_defense.tracking.artifacts import CHECKPOINTS, UNDEFENDED_CHECKPOINTS
from mia_defense.tracking.run_dir import RESULTS, mark_run
from mia_defense.training.checkpoints import resume_settings
from mia_defense.training.config import optimizer_options, takes_momentum
from mia_defense.training.loop import Ensemble
from mia_defense.training_start import TrainingStart, watching_training_start

__all__ = [
    "Experiment",
    "PlanConfig",
    "RunFacts",
    "RunResult",
    "TrainingData",
    "attack_observations",
    "below_chance_cause",
    "fpr_key",
    "judged_accuracy",
    "prepare_data",
    "record_run",
    "released_accuracy",
    "run_experiment",
]


def run_experiment(
    experiment: Experiment,
    run_dir: Path,
    *,
    data: TrainingData | None = None,
    progress: bool = True,
    figures: bool = True,
    trial: str = "",
) -> RunResult:
    """Run the whole pipeline and write results.json, observations.npz, scores.npz, tb/
    (``trial``: what begins the run's Trial ID in TensorBoard, `log_run`).

    The caller owns ``run_dir`` (`mia_defense.tracking.run_dir.claim_run_dir`). results.json
    says ``running`` from the start, ``interrupted`` after Ctrl-C, ``diverged`` (and the run
    stops with a `DivergedError`) when training or the release gave non-finite numbers,
    ``failed`` (the exception's type and message) after another error, which is raised on; a
    refusal before training began and before any model was saved leaves the file as it found
    it.
    """
    start = time.perf_counter()
    run_dir = Path(run_dir)
    stopwatch = Stopwatch()
    # (stdout: the results table only, as below; a user's dataset or release may print)
    with stopwatch.stage("data"), redirect_stdout(sys.stderr):
        data = data or prepare_data(experiment, disk_dir=run_dir)
    fingerprint = config_fingerprint(  # (a user's attack or release trains nothing)
        experiment.config, data=data.fingerprint,
        code=code_digest(training_parts(experiment.config)),
    )
    trained = check_checkpoint_folders(run_dir, fingerprint=fingerprint,  # before any write
                                       settings=resume_settings(experiment.train),
                                       num_models=experiment.plan.num_models)  # fmt: skip
    experiment = recorded_as_trained(experiment, trained, run_dir)
    # what the defenses report, read after training: checked now (a print: to stderr)
    with _named_user_errors(experiment.config), redirect_stdout(sys.stderr):
        defense_settings(experiment)
    mark = {"config": experiment.config, "data_fingerprint": data.fingerprint}
    found = _found_state(run_dir)
    try:
        mark_run(run_dir, status="running", **mark)
    except KeyboardInterrupt:  # landed as the mark was written (syncing the folder)
        _mark_interrupted(run_dir, mark)
        raise
    training = TrainingStart()
    store = model_store(experiment)
    try:
        # stdout carries only the results table (printed after): a print in a user's model
        # or defense goes to stderr with the log, not into `mia-train ... | parse`
        with (_named_user_errors(experiment.config), redirect_stdout(sys.stderr),
              watching_training_start(training)):
            return _run_pipeline(
                experiment, run_dir, data, fingerprint=fingerprint, progress=progress,
                start=start, stopwatch=stopwatch, figures=figures, trial=trial, store=store,
            )
    except DivergedError as exc:
        hint = _untrained_non_finite_hint(experiment, data) or _divergence_hint(
            experiment, setting=exc.setting
        )
        reason = f"{exc}; {hint}"
        # (the code that diverged: a rerun of this config skips it only under the same code;
        # with the training code's, as a complete run's, which its checkpoints' names hold)
        mark_run(run_dir, status="diverged", diverged={"reason": reason}, versions={
            "code": code_digest(experiment.config),
            "training_code": code_digest(training_parts(experiment.config)),
        }, **mark)  # fmt: skip
        record_diverged(run_dir, hparams={**experiment.hparams, **defense_names(experiment)},
                        reason=reason, histories=exc.histories,
                        trial=trial)  # (after: results.json's)
        raise DivergedError(f"training diverged: {reason}") from None
    except KeyboardInterrupt:  # (the store's models a resume loads: what is kept, said)
        _mark_interrupted(run_dir, {**mark, **({"model_store": store.loading}
                                               if store and store.loading else {})})
        raise
    except MiaDefenseError as exc:
        blamed = _untrained_hint(experiment, exc)
        # a failure once training began (its first batch: no model saved yet) is recorded
        if training.begun or not _restore_if_nothing_saved(run_dir, found):
            _mark_failed(run_dir, blamed or exc, mark)
        if blamed is not None:
            raise blamed from None
        raise
    except Exception as exc:  # a bug's traceback: the record says so, the next launch reruns it
        # (or a model's output torch refused: asked of the errors torch gives for shapes)
        shape = _output_shape_error(experiment, data) if _shape_error_kind(exc) else None
        _mark_failed(run_dir, shape or exc, mark)
        if shape is not None:
            raise shape from exc
        raise


# Batch sizes a run feeds its models besides train.batch_size: the engine's evaluation
# chunks, and the largest batch `_output_shape_error` asks for (its memory bound).
_PROBED_BATCHES = (256, 4096)


def _output_shape_error(
    experiment: Experiment, data: TrainingData
) -> UnsupportedModelError | None:
    """After a run failed with an error no code of the user's raised (torch's loss refusing
    the logits: 'Target 9 is out of bounds', 'Expected target size [489, 1]'), whether a
    fresh model of the config returns other than logits [batch, C] on the run's batch sizes
    (`_probe_outputs`): a model that passed the checks' two rows and returned another width
    or rank on larger batches stopped the run with torch's traceback, exit 1, its model
    never named. The error naming it, or ``None`` (the model is not at fault, or it cannot
    be built here: the original error stands)."""
    found = _probe_outputs(experiment, data, _misshapen)
    if found is None:
        return None
    classes = data.dataset.num_classes
    return UnsupportedModelError(
        f"model._target_={_model_target(experiment)} returned {found}, and the run stopped on "
        f"it (on the checks' batch of two rows it returned [2, {classes}]); it must return "
        f"logits [batch, {classes}] for every batch size: make its output depend on the batch "
        "only through its first dimension, then run the same command again"
    )


def _shape_error_kind(exc: Exception) -> bool:
    """Whether ``exc`` is of the kinds torch raises for logits of the wrong shape (a
    RuntimeError, IndexError or ValueError), not a lack of memory (`out_of_memory`: the CPU
    allocator's RuntimeError too), which probing a model on more rows could only repeat."""
    return isinstance(exc, RuntimeError | IndexError | ValueError) and not out_of_memory(exc)


def _untrained_non_finite_hint(experiment: Experiment, data: TrainingData) -> str | None:
    """The divergence hint for a model that returns non-finite logits untrained, on the data's
    own rows at the run's batch sizes (`_probe_outputs`), or ``None``: such a run was blamed on
    train.lr ('lower the learning rate first'), which no learning rate fixes."""
    found = _probe_outputs(experiment, data, _non_finite)
    if found is None:
        return None
    return (f"likely cause: model._target_={_model_target(experiment)}, which returns {found} "
            "before any training (on the checks' batch of two rows its logits were finite): "
            "fix the model's forward; no learning rate changes that")


def _model_target(experiment: Experiment) -> str:
    return str((experiment.config.get("model") or {}).get("_target_", "?"))


def _probe_outputs(
    experiment: Experiment, data: TrainingData, check: Callable[[Any, int, int, str], str | None]
) -> str | None:
    """The first problem ``check(output, rows, classes, mode)`` finds in a fresh model's outputs
    (target model 0's initial weights, from the run's seed, not torch's global random state)
    on the data's first rows, at the run's batch sizes (train.batch_size, the evaluation's
    chunks, the test set, `_PROBED_BATCHES`; at most the data), in training and eval mode; only
    asked once a run has failed. ``None`` when there is none, or when the model cannot be
    built or called here (the run's own error then stands)."""
    import torch

    x, classes = data.dataset.x, data.dataset.num_classes
    sizes = sorted({min(s, len(x)) for s in (experiment.train.batch_size, len(data.plan.test_idx),
                                             *_PROBED_BATCHES) if s > 2})  # fmt: skip
    try:
        with global_torch_seeded(experiment.seed, TARGETS_STAGE, 0), torch.no_grad():
            model = experiment.build_model(input_shape=data.dataset.input_shape,
                                           num_classes=classes)  # fmt: skip
            for size in sizes:
                rows = torch.as_tensor(x[:size], dtype=torch.float32)
                for mode in ("training", "eval"):
                    model.train(mode == "training")
                    found = check(model(rows), size, classes, mode)
                    if found is not None:
                        return found
    except Exception:  # not buildable or callable here: the original error says more
        return None
    return None


def _misshapen(out: Any, rows: int, classes: int, mode: str) -> str | None:
    """What a model returned on ``rows`` rows in ``mode`` when it is not logits [rows, classes],
    said for `_output_shape_error`; ``None`` when it is."""
    import torch

    shape = list(out.shape) if isinstance(out, torch.Tensor) else None
    if shape == [rows, classes]:
        return None
    found = f"shape {shape}" if shape is not None else type(out).__name__
    return f"{found} on a batch of {rows} rows in {mode} mode, not [{rows}, {classes}]"


def _non_finite(out: Any, rows: int, classes: int, mode: str) -> str | None:
    """NaN or +inf logits a model returned on ``rows`` rows in ``mode``, said for
    `_untrained_non_finite_hint`; ``None`` when there are none (-inf may rule out a class,
    as `check_first_batch_logits` has it), or the output is not a tensor of floats."""
    import torch

    if not isinstance(out, torch.Tensor) or not out.is_floating_point():
        return None
    bad = int((torch.isnan(out) | torch.isposinf(out)).sum())
    if bad == 0:
        return None
    return f"{bad} NaN or +inf logits on a batch of {rows} rows in {mode} mode"


def _mark_interrupted(run_dir: Path, mark: Mapping[str, Any]) -> None:
    """Mark the run ``interrupted`` after Ctrl-C. In a folder moved away while the run wrote
    it, the mark is refused (`require_held`); the folder at its new place is marked by
    `claim_run_dir` as the interrupt passes, and the interrupt stays one (exit 130, not the
    refusal's 2)."""
    try:
        with _interrupts_held():
            mark_run(run_dir, status="interrupted", **mark)
    except DataError as exc:
        if FOLDER_GONE not in str(exc):
            raise


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold a Ctrl-C or SIGTERM that arrives while the body runs, then deliver it: a second
    interrupt that reached a run as it wrote its ``interrupted`` mark (later than run_entry
    ignores one; at once in a pool worker's job) cut the write short, and results.json kept
    reading ``running``, which mia-report and mia-attack took for a killed run. Only in the
    main thread, and only for handlers of Python's (a C handler cannot be put back)."""
    import signal

    held: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(signum)
            if handler is not None:
                previous[signum] = signal.signal(signum, lambda n, _frame: held.append(n))
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(held):
            signal.raise_signal(signum)


def _mark_failed(run_dir: Path, exc: Exception, mark: Mapping[str, Any]) -> None:
    """Record status ``failed`` with the exception's type and message (``running`` read as
    still running); a run that is not complete is run again on the next launch. A record that
    cannot be written leaves ``exc`` to be raised, not the write's error."""
    failed = {"error": type(exc).__name__, "message": " ".join(str(exc).split())[:1000]}
    with contextlib.suppress(MiaDefenseError, OSError):
        mark_run(run_dir, status="failed", failed=failed, **mark)


def _found_state(run_dir: Path) -> tuple[bytes | None, bool, frozenset[Path]]:
    """results.json's bytes (``None``: none, or unreadable), whether a file was there, and
    the model checkpoints: what a run refused before saving anything puts back."""
    path = run_dir / RESULTS
    try:
        previous = path.read_bytes() if path.is_file() else None
    except OSError:
        previous = None
    return previous, os.path.lexists(path), _saved_models(run_dir)


def _saved_models(run_dir: Path) -> frozenset[Path]:
    return frozenset(p for folder in (CHECKPOINTS, UNDEFENDED_CHECKPOINTS)
                     for p in (run_dir / folder).glob("*.pt"))  # fmt: skip


def _restore_if_nothing_saved(
    run_dir: Path, found: tuple[bytes | None, bool, frozenset[Path]]
) -> bool:
    """A run refused (a config or data error) before it saved a model leaves results.json as
    it found it: its ``running`` mark held the refused config, so the corrected one was
    refused in the same directory as 'a running run of another config'. Whether it did (or
    the folder is no longer this run's, `require_held`: nothing there is touched)."""
    previous, existed, models = found
    try:
        require_held(run_dir)
    except DataError:  # removed, or made anew by another run (its results.json is not ours)
        return True
    if _saved_models(run_dir) != models or (existed and previous is None):
        return False  # models of this config saved (its resume needs the mark), or unreadable
    path = run_dir / RESULTS
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write(path, lambda handle: handle.write(previous))
    return True


@contextmanager
def _named_user_errors(config: Mapping[str, Any]) -> Iterator[None]:
    """Whatever the code of a user's ``_target_`` raises in the body, as `_user_code_error`
    names it."""
    try:
        yield
    except MiaDefenseError:
        raise
    except Exception as exc:
        error = _user_code_error(config, exc)
        if error is None:
            raise
        raise error from exc
    except (KeyboardInterrupt, GeneratorExit):
        raise  # (Ctrl-C is recorded as interrupted; a generator's close is no error)
    except BaseException as exc:  # sys.exit in a user's model, a BaseException of its own:
        error = _user_code_error(config, exc)  # results.json was left saying 'running'
        if error is None:
            raise
        raise error from exc


def _config_targets(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """``(dotted key, target)`` of every ``_target_`` string in a tree of mappings and lists."""
    if isinstance(node, Mapping):
        target = node.get("_target_")
        if isinstance(target, str):
            yield (f"{key}._target_" if key else "_target_"), target
        for name, value in node.items():
            yield from _config_targets(value, f"{key}.{name}" if key else str(name))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            yield from _config_targets(value, f"{key}[{i}]")


def _source_file(target: str) -> str | None:
    """The real path of the file that defines ``target`` (already imported by the run:
    nothing new is imported), or ``None``."""
    source = defining_file(target, sys.modules.get)[1]
    return os.path.realpath(source) if source else None


def _user_code_error(config: Mapping[str, Any], exc: BaseException) -> MiaDefenseError | None:
    """The error to report when ``exc`` was raised inside the code of a ``_target_`` of the
    run's config that is not mia-defense's (a user's model failing on a training batch of
    another size than the checks' two rows: a raw traceback and exit 1), naming the key and
    where it raised; ``None`` when no such code is on the traceback."""
    import sysconfig

    paths = sysconfig.get_paths()
    installed = tuple(os.path.realpath(paths[k]) + os.sep for k in ("stdlib", "purelib", "platlib"))
    files: dict[str, list[tuple[str, str]]] = {}
    for key, target in _config_targets(config):
        if "." in target and not target.startswith("mia_defense."):
            source = _source_file(target)
            # a library's file (torch.nn.Linear) is no user's code: its errors keep their
            # traceback, which may be ours
            if source and not source.startswith(installed):
                files.setdefault(source, []).append((key, target))
    error: BaseException | None = exc
    while error is not None and files:
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            owners = files.get(os.path.realpath(frame.filename))
            if owners:
                key, target = owners[0]
                text = " ".join(str(exc).split())[:300]
                model = key.startswith("model.")
                kind = UnsupportedModelError if model else ConfigError
                checked = " (it passed the checks on two rows; the run's batches are larger)"
                if not isinstance(exc, Exception):
                    return kind(_ended_run(exc, key, target, frame))
                return kind(
                    f"{key}={target} raised {type(exc).__name__} during the run: {text} (at "
                    f"{frame.filename}:{frame.lineno}, in {frame.name}); fix that code"
                    f"{checked if model else ''}, then run the same command again"
                )
        error = error.__cause__
    return None


def _ended_run(exc: BaseException, key: str, target: str, frame: traceback.FrameSummary) -> str:
    """`_user_code_error`'s words for a user's code that raised no `Exception`: a
    ``sys.exit`` (SystemExit), or an exception class of its own derived from BaseException,
    which ended mia-train as an exit would, past the record of a failed run."""
    at = f"(at {frame.filename}:{frame.lineno}, in {frame.name})"
    if isinstance(exc, SystemExit):
        did = f"called sys.exit({repr(exc.code)[:200]}) during the run {at}"
    else:
        text = " ".join(str(exc).split())[:300]
        did = (f"raised {type(exc).__name__} during the run: {text} {at}, a BaseException "
               "that is no Exception (derive errors from Exception)")
    return (f"{key}={target} {did}; code called by a run must raise an error or return, not "
            "end the process: fix that code, then run the same command again")


def _run_pipeline(
    experiment: Experiment,
    run_dir: Path,
    data: TrainingData,
    *,
    fingerprint: str | None,
    progress: bool,
    start: float,
    stopwatch: Stopwatch,
    figures: bool = True,
    trial: str = "",
    store: ModelStore | None = None,
) -> RunResult:
    """The stages in order: train, release, attack, summarise, record (each one timed);
    the models through ``store`` (`model_store`) where there is one."""
    with (
        stopwatch.stage("training"),
        audit_training(experiment.audit, seed=experiment.seed,
                       ride=gradient_canaries_ride(experiment)) as gradient_canaries,
    ):
        ensemble = train_models(
            experiment, data, run_dir / CHECKPOINTS, stage="model", defended=True,
            fingerprint=fingerprint, progress=progress, store=store,
        )
        idle = idle_defenses(experiment, ensemble) + release_idle(
            experiment.release, num_classes=data.dataset.num_classes,
            models=experiment.plan.num_models)
    with stopwatch.stage("observation"), _targets_curves(ensemble):
        generator = torch_generator(experiment.seed, "release")  # population, then test set
        obs = release_population(
            experiment, data, ensemble.models, generator=generator, stage="release",
            progress=progress,
        )
        test_log_probs = release_test(experiment, data, ensemble.models, generator=generator)
        for what, released in (("population", obs.log_probs), ("test", test_log_probs)):
            _check_classes(experiment, released, data.dataset.num_classes, what=what)
        groups = _copy_groups(data)  # (saved only where the population holds copies)
        obs.save(
            run_dir / "observations.npz",
            is_canary=data.is_canary,
            population_idx=data.plan.population_idx,
            test_idx=data.plan.test_idx,
            **({} if groups is None else {COPY_GROUPS: groups}),
        )
    with stopwatch.stage("attacker's models"), _targets_curves(ensemble):
        attacks, shadows = attacks_for_recipe(
            experiment, data, run_dir, fingerprint=fingerprint, progress=progress, store=store
        )
    with stopwatch.stage("attacks and bootstrap"):
        result, vulnerability = _attack(experiment, data, ensemble, obs, test_log_probs, attacks,
                                        copy_groups=groups, gradient_canaries=gradient_canaries,
                                        run_dir=run_dir, shadows=shadows)  # fmt: skip
    result.training.update(store.summary() if store else {"reused": 0, "store": None})
    # (a defense that did not act: mia-report lists the run under its caveats; written where
    # every defense acted too, [], so that a field deleted by hand is told from that)
    result.training["defenses_idle"] = idle
    record_run(
        run_dir, result, vulnerability, obs, facts=run_facts(experiment, data),
        targets=_targets(experiment, data), is_canary=data.is_canary,
        histories=ensemble.histories, stopwatch=stopwatch, start=start, figures=figures,
        trial=trial,
    )
    return result


@contextmanager
def _targets_curves(ensemble: Ensemble) -> Iterator[None]:
    """A `DivergedError` of a stage after the targets trained (their release, an undefended
    attacker's models) carries the targets' curves, the run's for its TensorBoard, not the
    attacker's models' (or none)."""
    try:
        yield
    except DivergedError as exc:
        exc.histories = ensemble.histories
        raise


def _check_classes(
    experiment: Experiment, released: np.ndarray, num_classes: int, *, what: str
) -> None:
    """Refuse outputs [K, N, C] whose C is not the dataset's class count: a model that
    returns [batch, C] on the checks' two rows and another width on larger batches trained
    and was attacked on classes the data does not have, and the run exited 0."""
    width = released.shape[-1]
    if width != num_classes:
        target = (experiment.config.get("model") or {}).get("_target_", "?")
        raise UnsupportedModelError(
            f"model._target_={target} returned {width} outputs per {what} record, for the "
            f"dataset's {num_classes} classes (on the checks' batch of two rows it returned "
            f"{num_classes}): it must return logits [batch, {num_classes}] for every batch "
            "size; make its output width independent of the batch"
        )


def _divergence_hint(experiment: Experiment, *, setting: str | None = None) -> str:
    """The settings that most often make training diverge, with this run's values; with a
    training function of the user's own, that function (it trains the models: train.lr and
    the defenses' settings reach them only if it reads them). A defense setting far beyond
    its usual range (`_far_settings`) is named first: lowering the learning rate beside
    defense.weight_decay.coefficient=1e30 fixes nothing. ``setting``: the key the error's
    raiser blamed (`DivergedError.setting`), named before all: the list's '(lower the learning
    rate first)' after train.lr read as train.lr's where defense.advreg.attack_lr=1e30 had
    diverged."""
    hint = _settings_hint(experiment)
    far = _far_settings(experiment)
    if far:
        hint = (f"likely cause: {', '.join(far)}, far beyond the usual range: lower "
                f"{'it' if len(far) == 1 else 'them'} first; if training still diverges, {hint}")
    own = _own_defenses(experiment)
    if own:  # (its loss or gradients, not train.lr: a NaN it gives after the first step)
        hint = (f"likely cause: {own}, a defense of your own: its hooks (loss, transform, "
                "forward, backward) give the losses and gradients the models train on; check "
                f"them on a few batches first; if training still diverges, {hint}")
    unscaled_hint = _unscaled_features_hint(experiment)
    if unscaled_hint is not None:
        hint = f"{unscaled_hint}; if training still diverges, {hint}"
    if setting is not None:
        hint = f"lower {setting} first, not train.lr; if training still diverges, {hint}"
    overflow = _narrow_logits_hint(experiment)
    return hint if overflow is None else f"{overflow}; if float32 logits still diverge, {hint}"


def _own_defenses(experiment: Experiment) -> str | None:
    """The training-time defenses of the user's own in this run (a class outside
    mia_defense), as ``name (module.Class)``, or ``None``: a NaN its loss gave after the
    first step read 'likely cause: train.lr=0.001 ... (lower the learning rate first)'."""
    build = getattr(experiment, "build_defenses", None)
    own = [d for d in (build() if build is not None else ())
           if not type(d).__module__.startswith("mia_defense.")]  # fmt: skip
    return ", ".join(f"{getattr(d, 'name', '?')} ({type(d).__module__}.{type(d).__qualname__})"
                     for d in own) or None  # fmt: skip


def _unscaled_features_hint(experiment: Experiment) -> str | None:
    """The first clause of `_divergence_hint` where the features the models trained on look
    unscaled (`mia_defense.data.checks.unscaled`: features of 4e10 with
    dataset.standardize=false), or ``None``: such a run diverged with 'likely cause:
    train.lr=0.001 ... (lower the learning rate first)', and a learning rate low enough to
    train on them left outputs so saturated that the attacks read no leak."""
    from mia_defense.data.checks import unscaled

    data = getattr(experiment, "dataset", None)
    found = None if data is None else unscaled(data.x)
    if found is None:
        return None
    return (f"likely cause: {data.description} {found[1]}, used unscaled: scale them first "
            "(dataset.standardize=true, or in your loader)")


def _settings_hint(experiment: Experiment) -> str:
    """The settings part of `_divergence_hint`."""
    train = experiment.train
    fit = getattr(train, "fit", None)  # (a recipe without the key: the built-in engine)
    if fit is not None:
        return (f"likely cause: train.fit._target_={fit['_target_']}, which trained "
                "the models (the built-in engine did not): it returned a model whose weights "
                "or losses are not finite; call it on one model outside mia-train to debug")
    own = optimizer_options(train.optimizer)  # train.optimizer={_target_: ..., lr: ...}
    causes = [f"train.optimizer.lr={own['lr']}" if "lr" in own else f"train.lr={train.lr:g}"]
    causes += [f"train.optimizer.{key}={value}" for key, value in own.items() if key != "lr"
               and isinstance(value, int | float) and not isinstance(value, bool)]  # fmt: skip
    if train.weight_decay:
        causes.append(f"train.weight_decay={train.weight_decay:g}")
    if takes_momentum(train.optimizer):  # (its own momentum is among `own`)
        causes.append(f"train.momentum={train.momentum:g}")
    for name, value in defense_settings(experiment).items():
        if name.endswith(("max_grad_norm", "noise_multiplier", "temperature", "alpha", "attack_lr",
                          "strength", "weight_decay.coefficient")) or (
            name.endswith(".lr") and value != "recipe"
        ):
            causes.append(f"{'' if name.startswith('release.') else 'defense.'}{name}={value}")
    return "likely cause: " + ", ".join(causes) + " (lower the learning rate first)"


# Settings that scale a training loss or its gradients, as `defense_settings` names them (and
# train.weight_decay), with the largest value in their usual range and that range: beyond it,
# a failed training is theirs (gradients so large that the optimiser's float32 steps overflow
# or come out zero), not the learning rate's.
_USUAL_RANGES = {
    "train.weight_decay": (1.0, "usually 1e-4 to 1e-2"),
    "defense.weight_decay.coefficient": (1.0, "usually 1e-4 to 1e-2, 0.005 by default"),
    "defense.advreg.strength": (100.0, "usually 1 to 10, 3 by default"),
}


def _far_settings(experiment: Experiment) -> list[str]:
    """This run's settings beyond their usual range (`_USUAL_RANGES`), as ``key=value (usual
    range)``; none with a training function of the user's own (it need not read them)."""
    if getattr(experiment.train, "fit", None) is not None:
        return []
    values = {f"defense.{name}": value for name, value in defense_settings(experiment).items()}
    values["train.weight_decay"] = experiment.train.weight_decay
    return [f"{key}={values[key]:g} ({usual})" for key, (largest, usual) in _USUAL_RANGES.items()
            if isinstance(values.get(key), int | float) and values[key] > largest]  # fmt: skip


def below_chance_cause(experiment: Experiment) -> str | None:
    """The likely cause of a run that trained to chance without failing, for the end-of-run
    table's line under 'UTILITY BELOW CHANCE' (`format_table`'s ``cause``): this run's settings
    far beyond their usual range (`_far_settings`), or ``None``. mia-train
    defense.weight_decay.coefficient=1e10 or defense.advreg.strength=1e10 trained every model
    to chance and the table's verdict named no setting."""
    far = _far_settings(experiment)
    if not far:
        return None
    return (f"{', '.join(far)}, far beyond the usual range: lower "
            f"{'it' if len(far) == 1 else 'them'} (no learning rate fixes that)")


# What `mia_defense.training.divergence.check_trained` says of a model training left as it was.
_UNTRAINED = ": training changed none of its weights: "


def _untrained_hint(experiment: Experiment, exc: Exception) -> ConfigError | None:
    """``exc`` with the likely cause put first when training changed no weight of a model
    (`check_trained`'s refusal) beside a setting far beyond its usual range, else ``None``:
    that refusal's advice, to raise the learning rate, fixes nothing there (with Adam,
    gradients scaled by defense.weight_decay.coefficient=1e30 overflow its float32 second
    moment and every step comes out zero)."""
    untrained = isinstance(exc, ConfigError) and _UNTRAINED in str(exc)
    far = _far_settings(experiment) if untrained else []
    if not far:
        return None
    return ConfigError(
        f"likely cause: {', '.join(far)}, far beyond the usual range (gradients scaled that "
        "much overflow float32 in the optimiser's steps, which then come out zero; no "
        f"learning rate fixes that): lower {'it' if len(far) == 1 else 'them'}. {exc}"
    )


def _narrow_logits_hint(experiment: Experiment) -> str | None:
    """The first clause of `_divergence_hint` for a model whose logits are of a dtype of
    narrower range than float32's (float16: up to 65504), or ``None``: they overflow to inf
    where float32's would not, and the run was blamed on train.lr alone."""
    import torch

    builder = getattr(experiment, "build_model", None)
    dtype = getattr(builder, "logits_dtype", None)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        return None
    largest = torch.finfo(dtype).max
    if largest >= torch.finfo(torch.float32).max:
        return None
    name = getattr(builder, "name", "the model")
    return (f"likely cause: model._target_={name} returns its logits in "
            f"{str(dtype).removeprefix('torch.')}, whose largest finite value is {largest:g}: "
            "they most likely overflowed to inf, long before float32's would (3.4e38); return "
            "them in float32 (logits.float() at the end of its forward, or drop its .half())")


def _targets(experiment: Experiment, data: TrainingData) -> np.ndarray:
    return target_models(data.plan.num_models, experiment.num_targets)


def _attack(
    experiment: Experiment,
    data: TrainingData,
    ensemble: Ensemble,
    obs: Observations,
    test_log_probs: np.ndarray,
    attacks: Mapping[str, Attack],
    *,
    copy_groups: np.ndarray | None,
    gradient_canaries: DiracCanaryAudit | None,
    run_dir: Path,
    shadows: Observations | None = None,
) -> tuple[RunResult, dict[str, np.ndarray]]:
    """mia-train's attack stage: `attack_observations` beside the trained models' utility,
    privacy accounting and engine; ``copy_groups`` as observations.npz holds them. The
    one-run audit's bounds (``privacy.audit``, `audit_report`) come first, so that the DP
    claim is judged once on them and the attacks' together. ``shadows``: a naive attacker's
    undefended shadow models' outputs (`attacks_for_recipe`)."""
    privacy = privacy_figures(experiment, ensemble)
    if experiment.release.randomized is True:  # its figures hold for this many queries only
        privacy[RANDOMIZED_RELEASE_REPEATS] = experiment.queries.repeats
    if experiment.audit.enabled:  # the one-run audit's bounds beside the accountant's ε
        privacy["audit"] = audit_report(
            experiment.audit, obs=obs, white_box=gradient_canaries, privacy=privacy,
            confidence=experiment.confidence, run_dir=run_dir,
            default_delta=any(isinstance(d, DPSGD) and d.delta is None
                              for d in experiment.build_defenses()),
        )
    _, y_test = data.split(data.plan.test_idx)
    return attack_observations(
        obs, attacks, targets=_targets(experiment, data),
        evaluation=EvaluationConfig(
            fprs=experiment.fprs, bootstrap=experiment.bootstrap,
            confidence=experiment.confidence, seed=experiment.seed,
        ),
        is_canary=data.is_canary, population_idx=data.plan.population_idx,
        utility=utility_figures(
            ensemble, test_log_probs, y_test, obs,
            members_once=release_members_once(experiment, data, ensemble.models),
        ), privacy=privacy,
        defense=defense_settings(experiment),
        training={"engine": ensemble.engine, "fallback_reason": ensemble.fallback_reason,
                  "stacked_draws": ensemble.stacked_draws,
                  # (the model check's NO_GRADIENT warning: mia-report reads it with care)
                  "parameters_without_gradient":
                      getattr(experiment.build_model, "no_gradient", None) or None},
        copy_groups=copy_groups, shadows=shadows,
    )  # fmt: skip


def _copy_groups(data: TrainingData) -> np.ndarray | None:
    """[N] the position of each population record's first exact copy, canaries each on
    their own (the plan gives copies the same models and found them once,
    `mia_defense.plan.MembershipPlan.leaders`); ``None`` when the population holds no copy
    (observations.npz then holds no groups)."""
    if not data.duplicates:
        return None
    groups = data.plan.leaders(data.dataset.x, is_canary=data.is_canary)
    return groups if (groups != np.arange(len(groups))).any() else None
