"""Stage 2: the K models trained (targets, and a naive attacker's undefended shadows),
through the model store when there is one; the accountant's figures they report."""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from torch import nn

from mia_defense.attacks.runner import (
    Attack,
)
from mia_defense.attacks.shadow import trains_undefended_shadows, with_shadow_observations
from mia_defense.canaries import canaries_reason
from mia_defense.constraints import shown_path, typed_path
from mia_defense.defenses.compose import inactive_setting, prepare_model
from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import DataError
from mia_defense.files import RUN_FOLDER_SETTING
from mia_defense.models.build import refuse_sparse_gradients, sparse_step_refusal
from mia_defense.pipeline.data import TrainingData
from mia_defense.pipeline.release import release_population
from mia_defense.run_fingerprint import stage_fingerprint
from mia_defense.seeding import torch_generator
from mia_defense.store import ModelStore, store_key
from mia_defense.tracking.artifacts import (
    CHECKPOINT_STAGES,
    CHECKPOINTS,
    STAGE_MODELS,
    UNDEFENDED_CHECKPOINTS,
    checkpoint_fingerprint,
)
from mia_defense.training.checkpoints import (
    check_checkpoint_dir,
    checkpoint_path,
    resume_settings,
    state_mismatch,
)
from mia_defense.training.ensemble import train_ensemble
from mia_defense.training.loop import Ensemble
from mia_defense.training_start import training_refused
from mia_defense.user_fit import train_with_user_fit

if TYPE_CHECKING:
    from mia_defense.observations import Observations
    from mia_defense.pipeline.spec import Experiment

__all__ = [
    "attacks_for_recipe",
    "check_checkpoint_folders",
    "check_defense_plans",
    "gradient_canaries_ride",
    "idle_defenses",
    "model_store",
    "privacy_figures",
    "train_models",
]

log = logging.getLogger(__name__)

# Each ensemble a run trains: its checkpoint folder, seed stream and what it is called.
_ENSEMBLES = {folder: (stage, STAGE_MODELS[stage]) for folder, stage in CHECKPOINT_STAGES.items()}


def train_models(
    experiment: Experiment,
    data: TrainingData,
    checkpoint_dir: Path,
    *,
    stage: str,
    defended: bool,
    fingerprint: str | None,
    progress: bool,
    store: ModelStore | None = None,
) -> Ensemble:
    """Train the K models of the plan: with the recipe's defenses (``defended``; the
    targets and an adaptive attacker's shadows) or without (a naive attacker's shadows);
    through the model ``store`` when there is one (then trained once per sweep). Their
    checkpoints carry ``fingerprint`` (`config_fingerprint`) as `stage_fingerprint` makes it
    theirs."""
    run_fingerprint, fingerprint = fingerprint, stage_fingerprint(fingerprint, stage)
    plan = data.plan
    x_pop, y_pop = data.split(plan.population_idx)
    x_test, y_test = data.split(plan.test_idx)
    x_ref, y_ref = data.split(plan.reference_idx)

    def build_model() -> nn.Module:
        model = experiment.build_model(
            input_shape=data.dataset.input_shape, num_classes=data.dataset.num_classes
        )
        if experiment.train.fit is None:  # (the user's own training may step sparse ones)
            refuse_sparse_gradients(model)
        return prepare_model(model, experiment.build_defenses()) if defended else model

    def train() -> Ensemble:
        common = dict(
            build_model=build_model, x=x_pop, y=y_pop, masks=plan.masks, x_test=x_test,
            y_test=y_test, num_classes=data.dataset.num_classes, config=experiment.train,
            seed=experiment.seed, checkpoint_dir=checkpoint_dir, stage=stage,
            progress=progress, fingerprint=fingerprint,
        )  # fmt: skip
        if experiment.train.fit is not None:  # the user's own training replaces the engine
            return train_with_user_fit(**common)
        try:
            return train_ensemble(
                **common, build_defenses=experiment.build_defenses if defended else tuple,
                x_reference=x_ref, y_reference=y_ref,
            )
        except RuntimeError as exc:  # a forward's own sparse call, which no layer's flag said
            refusal = sparse_step_refusal(build_model, exc)
            if refusal is None:
                raise
            training_refused()  # (nothing trained: the folder is left as found)
            raise refusal from None

    try:
        if store is None:
            ensemble = train()
        else:
            key = store_key(experiment.config, data=data.fingerprint, stage=stage,
                            defended=defended)  # fmt: skip
            ensemble = store.train_once(
                key, train, checkpoint_dir=checkpoint_dir, fingerprint=fingerprint,
                num_models=plan.num_models, stage=stage,
                fits=_fits(build_model), settings=resume_settings(experiment.train),
            )
    except DataError as exc:  # a checkpoint refused on loading: named if another ensemble's
        _refuse_other_ensembles(checkpoint_dir, run_fingerprint, refused=str(exc))
        raise
    if defended and experiment.train.fit is None:
        _refuse_other_privacy_stats(experiment, data, ensemble, checkpoint_dir)
    return ensemble


def _refuse_other_privacy_stats(
    experiment: Experiment, data: TrainingData, ensemble: Ensemble, checkpoint_dir: Path
) -> None:
    """Refuse (`DataError`) a model whose recorded DP-SGD σ, q, δ or steps are not what this
    run's settings give (`DPSGD.planned_stats`): results.json's ε is computed from them, so
    a resumed checkpoint or store entry edited (a larger σ, fewer steps) claimed a smaller ε."""
    sizes = [int(m.sum()) for m in data.plan.masks]
    for defense in experiment.build_defenses():
        planned = getattr(defense, "planned_stats", None)
        if not callable(planned) or not type(defense).__module__.startswith("mia_defense."):
            continue
        wanted = planned(sizes=sizes, batch_size=experiment.train.batch_size,
                         epochs=experiment.train.epochs)  # fmt: skip
        for k, (want, history) in enumerate(zip(wanted, ensemble.histories, strict=True)):
            got = history.stats
            bad = [f"{key} {got.get(key)!r}, this run's settings give {value:.6g}"
                   for key, value in (want or {}).items()
                   if key not in got or not (got[key] >= value if key == "steps"
                                             else math.isclose(got[key], value, rel_tol=1e-9))]
            if bad:
                path = checkpoint_path(checkpoint_dir, k)
                raise DataError(
                    f"checkpoint {path} (or the model store's entry it came from) records DP-SGD "
                    f"figures this run's settings do not give ({'; '.join(bad)}): edited or "
                    "written by another run, they would report another ε; nothing was attacked."
                    f" Delete {path} to retrain that model"
                )


def check_checkpoint_folders(
    run_dir: Path, *, fingerprint: str | None, settings: Mapping[str, Any], num_models: int
) -> dict[str, Any]:
    """Refuse, before anything is written, the checkpoint folders of ``run_dir`` that no
    resume of this run may use (`check_checkpoint_dir` on each, under its ensemble's
    `stage_fingerprint`), and first a folder whose first model is another ensemble's of
    this run (`_refuse_other_ensembles`), and two folders that are one (a link): the second
    ensemble resumed the first's models as its own. Later files are checked as each is
    loaded. Returns the ``settings`` (`resume_settings`) under which a folder holding all
    its models trained them, where they differ: those models are loaded, none trained
    again, so the run's record must name them (`recorded_as_trained`)."""
    targets, shadows = (run_dir / folder for folder in _ENSEMBLES)
    if targets.is_dir() and shadows.is_dir() and os.path.samefile(targets, shadows):
        links = [p for p in (shadows, targets) if p.is_symlink()] or [shadows]
        raise DataError(
            f"{shown_path(shadows)} and {shown_path(targets)} are one folder (a link), where "
            "each of the two ensembles "
            "would be saved over the other's models and taken for them; nothing was trained. "
            f"Remove the link (rm {' '.join(typed_path(p, instead='<that link>') for p in links)}):"
            " each "
            "ensemble keeps a folder of its own, which the run makes"
        )
    trained: dict[str, Any] = {}
    for folder, (stage, _) in _ENSEMBLES.items():
        _refuse_link_out(run_dir, run_dir / folder, num_models)
        _refuse_unusable_folder(run_dir / folder, num_models)
        _refuse_other_ensembles(run_dir / folder, fingerprint)
        found = check_checkpoint_dir(run_dir / folder, settings=settings, num_models=num_models,
                                     fingerprint=stage_fingerprint(fingerprint, stage))
        if isinstance(found, Mapping):  # (older checkpoints record none)
            trained.update({key: value for key, value in found.items()
                            if key in settings and value != settings[key]})  # fmt: skip
    return trained


def recorded_as_trained(
    experiment: Experiment, trained: Mapping[str, Any], run_dir: Path
) -> Experiment:
    """``experiment`` whose config (results.json's) names the ``trained`` settings
    (`check_checkpoint_folders`) its saved models were trained under, said in a warning: all
    K models saved under train.chunk_size=1, results.json deleted, the same command under
    train.chunk_size=2 loaded them and recorded chunk_size 2 beside their figures, which a
    run of that config does not give (defense=dropout: train loss 1.1930, 1.2020 anew)."""
    if not trained:
        return experiment
    config = dict(experiment.config)
    before = dict(config.get("train") or {})
    train = {**before, **{key.split(".", 1)[1]: value for key, value in trained.items()}}
    shown = ", ".join(f"{key}={value} (this run: {before.get(key.split('.', 1)[1])})"
                      for key, value in trained.items())  # fmt: skip
    log.warning("%s: its saved models are all there, trained under %s: they are loaded as "
                "trained (none is trained again), so results.json records those settings, "
                "which its figures come from (a run under this run's trains other models)",
                run_dir, shown)  # fmt: skip
    return dataclasses.replace(experiment, config={**config, "train": train})


def _refuse_link_out(run_dir: Path, folder: Path, num_models: int) -> None:
    """A `DataError` when the checkpoint ``folder`` is a link out of ``run_dir`` and a model
    is missing from it: the run would save its models through the link, into another folder
    (another run's checkpoints, a shared one), whose files a resume of that run then takes
    for its own. A link whose folder holds all ``num_models`` models is only read (loaded,
    none trained beside them); one to nothing is said where its models are looked for."""
    if not folder.is_symlink() or not folder.is_dir():
        return
    home, real = os.path.realpath(run_dir), os.path.realpath(folder)
    if os.path.commonpath([home, real]) == home or all(
            checkpoint_path(folder, k).exists() for k in range(num_models)):  # fmt: skip
        return
    raise DataError(
        f"{shown_path(folder)}: a link to {shown_path(real)}, outside the run's folder, where "
        "this run would save its "
        "models (writing into that folder, not this run's); nothing was trained. Remove the "
        f"link (rm {typed_path(folder, instead='<that link>')}: the run makes its own folder), "
        "or run in a "
        f"new directory ({RUN_FOLDER_SETTING.get()}=...)"
    )


def _refuse_unusable_folder(folder: Path, num_models: int) -> None:
    """A `DataError` when this user may not list and read the checkpoint ``folder`` (chmod
    000, another user's), or write it while a model is missing: training met a raw
    PermissionError looking for its saved models, or trained a missing one in vain."""
    if not folder.is_dir():
        return
    need = os.R_OK | os.X_OK
    if os.access(folder, need) and not all(
        checkpoint_path(folder, k).exists() for k in range(num_models)
    ):
        need |= os.W_OK
    if not os.access(folder, need):
        raise DataError(
            f"{shown_path(folder)}: this user may not list, read or write the models' "
            "checkpoints in it "
            "(its permissions); nothing was trained. Make it readable and writable (chmod "
            f"u+rwx {typed_path(folder, instead='<that folder>')}, or ask its owner), or run in "
            "a new directory "
            f"({RUN_FOLDER_SETTING.get()}=...)"
        )


def _refuse_other_ensembles(
    directory: Path, fingerprint: str | None, *, refused: str | None = None
) -> None:
    """A `DataError` when ``directory`` (one of `_ENSEMBLES`' folders) holds a model of
    another of this run's ensembles (its checkpoint carries that ensemble's
    `stage_fingerprint`): checkpoints/ and checkpoints_undefended/ renamed or copied over
    each other, whose target models were resumed as undefended shadows or the reverse (the
    generic refusal, 'a different config', said nothing of it). The first model only, or,
    after a checkpoint was refused with the message ``refused``, the one it names (read
    without torch, its pickled fields only)."""
    own = _ENSEMBLES.get(directory.name)
    if fingerprint is None or own is None or not directory.is_dir():
        return
    others = {stage_fingerprint(fingerprint, stage): what
              for folder, (stage, what) in _ENSEMBLES.items() if folder != directory.name}
    paths = sorted(directory.glob("model_*.pt"))
    if refused is not None:  # (the loader names the folder, then the file)
        paths = [p for p in paths if str(directory) in refused and p.name in refused]
    for path in paths if refused is not None else paths[:1]:
        what = others.get(checkpoint_fingerprint(path))
        if what is not None:
            raise DataError(
                f"checkpoint {path} holds one of this run's {what}, not of its {own[1]}, "
                f"which {directory.name}/ holds: the run's checkpoint folders were renamed or "
                "copied over each other. Put each model back in its own folder "
                f"({CHECKPOINTS}/: the target models, {UNDEFENDED_CHECKPOINTS}/: the "
                f"undefended shadow models), or delete {directory} to retrain its models"
            )


def check_defense_plans(experiment: Experiment, data: TrainingData) -> None:
    """Plan the recipe's defenses on the plan's member counts, as `train_ensemble` plans
    them for each chunk of the defended models, and raise what they refuse of the data:
    DP-SGD's δ at or above 1/N, a target ε no σ reaches. `claimed_run` asks this before it
    claims the run directory: found only once training began, these left the folder's
    ``.lock`` and, in a sweep, the model store's lock of the key behind (a σ searched here is
    cached, so training does not search it again). Only mia-defense's own defenses are
    planned here (a user's is planned in training, where what it raises is named); none with
    ``train.fit``, which trains without them."""
    if experiment.train.fit is not None:
        return
    sizes = [int(m.sum()) for m in data.plan.masks]
    for defense in experiment.build_defenses():
        if type(defense).__module__.startswith("mia_defense."):
            defense.plan(sizes=sizes, batch_size=experiment.train.batch_size,
                         epochs=experiment.train.epochs)  # fmt: skip


def _fits(build_model: Callable[[], nn.Module]) -> Callable[[dict[str, Any]], str | None]:
    """How a store entry's weights do not fit the model this run builds (built once, when
    an entry is there to check)."""
    model = functools.cache(build_model)
    return lambda state: state_mismatch(model(), state)


def gradient_canaries_ride(experiment: Experiment) -> bool:
    """Whether the one-run audit's gradient canaries ride on this run's training (added, and
    observed, as the models train): it has them and a DP-SGD among its defenses carries
    them on the stacked engine (a resume then loads a chunk of models only with its
    canaries' record: `mia_defense.defenses.dp_stacked.resumed_chunks`). Without one, or on
    ``train.engine=opacus`` (whose clipped sums carry none), none is added and the audit's
    white-box side is skipped, so the models may come from the model store too."""
    return bool(experiment.audit.dirac_canaries) and bool(experiment.audit.riding_canaries(
        engine=experiment.train.engine,
        dp_sgd=any(isinstance(defense, DPSGD) for defense in experiment.build_defenses())))


def model_store(experiment: Experiment) -> ModelStore | None:
    """The model store of ``cache_dir``; ``None`` when it is off, or when the one-run
    audit's gradient canaries ride on training (`gradient_canaries_ride`: models from the
    store would carry none)."""
    if experiment.cache_dir is None:
        return None
    if gradient_canaries_ride(experiment):
        log.info("model store not used: the one-run audit's gradient canaries need training")
        return None
    return ModelStore(Path(experiment.cache_dir))


def attacks_for_recipe(
    experiment: Experiment,
    data: TrainingData,
    run_dir: Path,
    *,
    fingerprint: str | None,
    progress: bool,
    store: ModelStore | None = None,
) -> tuple[Mapping[str, Attack], Observations | None]:
    """The configured attacks; a naive attacker's (``shadow_recipe=undefended``) read the
    outputs of K more models trained on the same masks without the defenses, returned
    beside them (``None`` where there are none) for the verdict to hold them to chance."""
    if not trains_undefended_shadows(experiment.shadow_recipe, list(experiment.build_defenses())):
        return experiment.attacks, None
    shadows = train_models(
        experiment, data, run_dir / UNDEFENDED_CHECKPOINTS,
        stage=CHECKPOINT_STAGES[UNDEFENDED_CHECKPOINTS], defended=False,
        fingerprint=fingerprint, progress=progress, store=store,
    )
    stage = "release_undefended"
    shadow_obs = release_population(
        experiment, data, shadows.models, generator=torch_generator(experiment.seed, stage),
        stage=stage, progress=progress,
    )
    return with_shadow_observations(experiment.attacks, shadow_obs), shadow_obs


def privacy_figures(experiment: Experiment, ensemble: Ensemble) -> dict[str, Any]:
    """results.json's ``privacy``: the accountant's figures reported by a defense (DP-SGD:
    ε as the maximum over the K models, each model's ε, σ, q, steps, δ and accountant, the
    noise source, whether ε holds, what preprocessing it leaves out); empty without one."""
    stats = [h.stats for h in ensemble.histories]
    defenses = list(experiment.build_defenses())
    for defense in defenses:
        report = getattr(defense, "privacy_report", None)
        if callable(report):
            dataset = experiment.config.get("dataset") or {}
            others = [d for d in defenses if d is not defense]
            figures = report(stats, dataset=dataset, stacked_with=others,
                             one_hot_columns=experiment.dataset.one_hot_columns)
            figures = _invalid_for(figures, _own_report_reason(defense))
            return _invalid_for(figures, canaries_reason(
                kind=experiment.canary_kind, num=experiment.num_canaries,
                audit=experiment.audit.input_canaries,
            ))  # fmt: skip
    return {}


# The longest reason results.json's training.defenses_idle keeps of a defense's idle_reason
# (the built-in ones: under 400 characters; mia-report shows 400).
_IDLE_REASON_CHARS = 1000


def idle_defenses(experiment: Experiment, ensemble: Ensemble) -> list[dict[str, Any]]:
    """results.json's ``training.defenses_idle``: each of the run's defenses that did not
    act on its target models, with why and in how many (``{"defense": name, "reason": ...,
    "idle_models": i, "models": m}``, `_idle_count`): at its setting (`inactive_setting`,
    said before training; every model), or as its own `idle_reason` reads the models'
    end-of-training stats, over all of the run's chunks; the latter said here, once a run
    (each chunk's defenses said it of their own: twice at train.chunk_size=2).
    Where a defense did nothing, mia-report's table named the run by it with no word:
    compared against the undefended run, it read as a defense that costs nothing and
    protects nothing, when it never ran. Empty for the user's own training (``train.fit``:
    no stats). A reason that is no str is refused, naming the defense (an int or an object
    was recorded as given, or by its repr); the rest is kept to one printable line of at
    most `_IDLE_REASON_CHARS` (a megabyte reason was written whole into results.json, and its
    line breaks and a terminal's escape codes into the log, forging lines). One that is
    blank on that line ("", spaces, control characters only) reads as ``None``, as the
    contract reads None: no reason (mia-report said 'did not act: ' with nothing after)."""
    from mia_defense.defenses.contract import hook_output
    from mia_defense.report.checks import idle_share_said, one_line

    stats = [h.stats for h in ensemble.histories]
    idle = []
    for defense in experiment.build_defenses():
        reason = inactive_setting(defense)
        count = len(stats)
        if reason is None:
            ask = getattr(defense, "idle_reason", None)  # (a defense of the user's may lack it)
            reason = ask(stats, epochs=experiment.train.epochs) if callable(ask) else None
            reason = hook_output(reason, "idle_reason", defense)
            if reason is not None:  # (one blank once made one line is no reason: None)
                reason = one_line(reason, limit=_IDLE_REASON_CHARS) or None
            if reason is not None:
                count = _idle_count(defense, stats)
                log.warning("DEFENSE DID NOT ACT%s: %s (results.json records it, "
                            "training.defenses_idle; mia-report lists the run under "
                            "'Figures to read with care')",
                            idle_share_said(None if count is None else (count, len(stats))),
                            reason)  # fmt: skip
        if reason is not None:
            idle.append({"defense": defense.name, "reason": reason}
                        | _counted(count, len(stats)))
    return idle


def _idle_count(defense: Any, stats: list[Mapping[str, float]]) -> int | None:
    """How many of the models of ``stats`` ``defense`` did not act in (its `idle_models`,
    checked: a whole number from 1 to ``len(stats)``), ``None`` where it does not count."""
    from mia_defense.defenses.contract import hook_output

    ask = getattr(defense, "idle_models", None)  # (a defense of the user's may lack it)
    count = ask(stats) if callable(ask) and stats else None
    return hook_output(count, "idle_models", defense, k=len(stats))


def _counted(idle: int | None, models: int) -> dict[str, int]:
    """A ``training.defenses_idle`` entry's count: ``idle_models`` of ``models``, which
    mia-report reads (it once read the count off the reason's words alone); none where the
    defense did not count (mia-report reads every model) or no model was trained."""
    return {"idle_models": idle, "models": models} if idle and models else {}


def _own_report_reason(defense: object) -> str | None:
    """Why the ε a defense other than mia-defense's DP-SGD (or a subclass, which says so
    itself) reports is no guarantee, or ``None``: any defense with a ``privacy_report``
    fills results.json's ``privacy``, and one of the user's own
    (``+defense.claim._target_=my.Claim``) that trained as without any defense and
    reported ε 0.5 was written ``epsilon_valid: true``, ranked by mia-report as a
    guarantee."""
    if isinstance(defense, DPSGD):
        return None
    kind = type(defense)
    return (f"the ε is the report of {kind.__module__}.{kind.__qualname__} (its "
            "privacy_report), not mia-defense's DP-SGD: mia-defense neither ran nor checked "
            "its mechanism or accounting")


def _invalid_for(privacy: dict[str, Any], reason: str | None) -> dict[str, Any]:
    """``privacy`` with ``epsilon_valid`` false and ``reason`` added to
    ``epsilon_invalid_reason`` (in its place, after the flag), where it states an ε; as it
    is without one or without a reason."""
    if reason is None or "epsilon" not in privacy:
        return privacy
    merged = "; ".join(filter(None, [privacy.get("epsilon_invalid_reason"), reason]))
    out: dict[str, Any] = {}
    for key, value in privacy.items():
        if key != "epsilon_invalid_reason":
            out[key] = False if key == "epsilon_valid" else value
        if key == "epsilon_valid":
            out["epsilon_invalid_reason"] = merged
    out.setdefault("epsilon_valid", False)
    out.setdefault("epsilon_invalid_reason", merged)
    return out
