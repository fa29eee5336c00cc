"""A trained model of a finished run, rebuilt from its checkpoint and its results.json."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from torch import nn

from mia_defense.archives import stored_values
from mia_defense.constraints import shown_path
from mia_defense.errors import ConfigError, DataError, a_type
from mia_defense.run_fingerprint import finished_fingerprints, stage_fingerprint
from mia_defense.tracking.artifacts import CHECKPOINTS, UNDEFENDED_CHECKPOINTS
from mia_defense.training.checkpoints import (
    checkpoint_path,
    load_checkpoint,
    load_state,
    refuse_other_fingerprint,
)

if TYPE_CHECKING:
    from mia_defense.data.dataset import Dataset

__all__ = ["load_trained_model"]

log = logging.getLogger(__name__)


def load_trained_model(
    run_dir: str | os.PathLike[str],
    index: int,
    *,
    undefended: bool = False,
    dataset: Dataset | None = None,
) -> nn.Module:
    """Model ``index`` of a mia-train run, rebuilt from its checkpoint: on CPU, in eval mode.

    The module is built from the config in the run's ``results.json`` (``model``, changed
    as the run's training-time defenses change it, e.g. ``defense.dp.auto_fix``) for the
    dataset's input shape and classes, then the weights of ``checkpoints/model_<index>.pt``
    are loaded with ``torch.load(weights_only=True)`` (no pickled code runs). Model ``index``
    is row ``index`` of observations.npz's ``log_probs`` and ``masks``: its log-softmax on
    the population (``population_idx``) is what the run observed under ``release=full``.

    Args:
        run_dir: the run's directory (it holds results.json and checkpoints/).
        index: which of the run's K models, 0 <= index < K.
        undefended: a naive attacker's shadow model (``checkpoints_undefended/``, written
            with ``attack.shadow_recipe=undefended``) instead of a target model.
        dataset: the run's dataset, if already loaded; ``None`` loads it from the config
            (the data file must still be where the run read it).

    Raises:
        DataError: no results.json, or one of another layout (its ``schema_version`` not
            exactly `SCHEMA_VERSION`), no such checkpoint, a corrupt one, or one written
            under another config or on other data (its fingerprint differs).
        ConfigError: ``index`` out of range, a config that no longer builds, or one whose
            ``_target_`` names what mia-train refuses (the standard library, Hydra's call,
            torch's and numpy's file functions).
    """
    from mia_defense.data.dataset import Dataset
    from mia_defense.targets import refuse_forbidden_targets
    from mia_defense.tracking.artifacts import read_json, schema_problem

    # (None, 3 or bytes were a raw TypeError from pathlib; undefended="no" loaded the
    # undefended shadow model, a truthy string; a dataset of another type went unread)
    if not isinstance(run_dir, (str, os.PathLike)) or isinstance(os.fspath(run_dir), bytes):
        raise ConfigError(f"load_trained_model: run_dir={run_dir!r}: give the path of a "
                          "mia-train run directory (a str or pathlib.Path)")  # fmt: skip
    if not isinstance(undefended, bool | np.bool_):
        raise ConfigError(f"load_trained_model: undefended={undefended!r}: must be True or "
                          "False")  # fmt: skip
    if dataset is not None and not isinstance(dataset, Dataset):
        raise ConfigError(
            f"load_trained_model: dataset is {a_type(dataset)}, not a "
            "mia_defense.data.Dataset; pass the run's loaded Dataset, or None to load it"
        )
    run_dir = Path(run_dir)
    results = read_json(run_dir / "results.json")
    attacked = results.get("source")
    if isinstance(attacked, Mapping):  # mia-attack's record: the attacked run's config, no models
        where = attacked.get("path")
        raise DataError(
            f"{shown_path(run_dir / 'results.json')}: mia-attack's record of an attack"
            + (f" on {shown_path(where)}" if isinstance(where, str) else "")
            + " (results.json holds its 'source'): no model was trained in that folder; "
            "load the model from the mia-train run that trained it"
            + (f" (load_trained_model({where!r}, {index!r}))"
               if isinstance(where, str) and attacked.get("kind") == "run_directory" else "")
        )
    config = results.get("config")
    if not isinstance(config, Mapping) or "model" not in config:
        raise DataError(f"{shown_path(run_dir / 'results.json')}: holds no run config; point "
                        "run_dir at a directory written by mia-train")
    version = schema_problem(results)
    if version:  # another layout: its config may build another model than it trained
        raise DataError(f"{shown_path(run_dir / 'results.json')}: {version}; load it with the "
                        "mia-defense version that wrote it, or train the run again with this "
                        "one")  # fmt: skip
    problem = _results_problem(results, config)
    if problem:
        raise DataError(f"{shown_path(run_dir / 'results.json')}: {problem}; point run_dir at a "
                        "directory written by mia-train")  # fmt: skip
    # a run received from someone else: nothing it names is built before this check
    refuse_forbidden_targets(config, where=f"{shown_path(run_dir / 'results.json')} config")
    _refuse_unbuildable_targets(
        config, where=f"{shown_path(run_dir / 'results.json')} config",
        dataset=dataset is None and (results.get("input_shape") is None
                                     or results.get("num_classes") is None),
    )  # fmt: skip
    _check_index(index, config, run_dir=run_dir)
    index = int(index)
    folder = run_dir / (UNDEFENDED_CHECKPOINTS if undefended else CHECKPOINTS)
    naive = ((config.get("attack") or {}).get("shadow_recipe") == "undefended"
             if isinstance(config.get("attack"), Mapping) else False)  # fmt: skip
    if undefended and not folder.exists() and naive and not config.get("defense"):
        raise DataError(f"{shown_path(folder)}: this run of attack.shadow_recipe=undefended "
                        "has no training-time defense (config.defense is empty), so its undefended "
                        "shadow models are its target models, which it trained once: load "
                        f"model {index} with undefended=False")  # fmt: skip
    if undefended and not folder.exists():
        raise DataError(f"{shown_path(folder)}: this run trained no undefended shadow models; "
                        "they are written with attack.shadow_recipe=undefended: load a target "
                        "model (undefended=False) or train a run with that setting")  # fmt: skip
    path = checkpoint_path(folder, index)
    if not path.is_file():
        status = results.get("status", "unknown")
        raise DataError(
            f"{shown_path(path)}: no checkpoint of model {index} (the run's status: {status}); "
            + ("finish the run (mia-train with the same config and directory resumes it)"
               if status != "complete" else "it was deleted or moved: put it back, or train "
               "the run again in a new directory (mia-train with the same config and a new "
               "hydra.run.dir: a finished run's directory is never trained again)")
        )
    versions = results.get("versions")
    # the code the checkpoints' fingerprint holds: the training code's digest, or, in a run
    # from before results.json recorded it, the whole config's
    code = (versions.get("training_code", versions.get("code"))
            if isinstance(versions, Mapping) else None)
    fingerprint = _carried_fingerprint(path, finished_fingerprints(
        config, data=results.get("data_fingerprint"), code=code), undefended=undefended)
    with _results_edited(run_dir, results, path, content=True):
        payload = load_checkpoint(path)  # (what no run saves: corrupt, non-finite weights)
    with _results_edited(run_dir, results, path):
        refuse_other_fingerprint(path, payload, fingerprint)  # (names another model's file)
    _check_sha256(run_dir, results, path)  # edited, or another run's of the same fingerprint
    values = stored_values(payload["state_dict"])  # (not what views of it claim)
    with _results_edited(run_dir, results, path):
        model = _build_run_model(config, results, dataset=dataset, undefended=undefended,
                                 fits=(path, values))  # fmt: skip
        load_state(model, payload["state_dict"], path=path,
                   what=f"the model of {shown_path(run_dir / 'results.json')}")  # fmt: skip
    return model.cpu().eval()


def _carried_fingerprint(
    path: Path, fingerprints: tuple[str | None, ...], *, undefended: bool
) -> str | None:
    """The fingerprint the model at ``path`` must carry: the one of the run's
    (`finished_fingerprints`) it carries, else the first; for an undefended shadow model its
    ensemble's (`stage_fingerprint`) of one of them, or the run's own, which shadows carried
    in runs written before they had one (then `_check_sha256` holds the file to the one
    results.json records, as it holds a target model copied there in a later run)."""
    from mia_defense.tracking.artifacts import checkpoint_fingerprint

    if fingerprints[0] is None:
        return None
    accepted = [stage_fingerprint(f, "undefended") for f in fingerprints] if undefended else []
    accepted += fingerprints
    if len(accepted) == 1:
        return accepted[0]
    found = checkpoint_fingerprint(path)
    return found if found in accepted else accepted[0]


@contextmanager
def _results_edited(
    run_dir: Path, results: Mapping[str, Any], path: Path, *, content: bool = False
) -> Iterator[None]:
    """A checkpoint refused in the body (written under another config, or not fitting the
    model results.json describes) that is the very file the run wrote (its sha256 is the
    one results.json records): results.json was edited after the run (its config, classes or
    input shape), and the refusal's fix, delete the checkpoint to retrain, lost the run's
    only copy of a model no finished run trains again. Said so, naming results.json. A
    checkpoint of a finished run that is not the file it wrote (another run's, damaged) is
    refused with the same fix in front: put the run's own files back, since deleting it
    retrains nothing. ``content``: the body refuses the file itself (corrupt, non-finite
    weights), which no run saves: one results.json records was edited with it (its
    sha256 updated), and keeping it as the run's model was the wrong fix."""
    from mia_defense.tracking.artifacts import matches_recorded_sha256

    try:
        yield
    except DataError as exc:
        name = path.relative_to(run_dir).as_posix()
        try:
            own = matches_recorded_sha256(run_dir, results, name)
        except (ValueError, OSError):
            own = None
        if own is False and results.get("status") == "complete":
            raise DataError(
                f"{shown_path(path)}: not the file this finished run wrote (its sha256 differs "
                f"from results.json's sha256[{name!r}]): it or results.json was replaced, "
                "edited or "
                "damaged after the run; put the run's own files back. Deleting it retrains "
                "nothing: a finished run's directory is never trained again (train the run "
                f"again in a new directory). The refusal: {exc}"
            ) from None
        if not own:
            raise
        if content:
            raise DataError(
                f"{shown_path(path)}: no run saves this file, yet its sha256 is the one "
                f"results.json records (sha256[{name!r}]): both were edited or damaged after "
                "the run; put the run's own files back (from a copy of the run), or train the "
                f"run again in a new directory. The refusal: {exc}"
            ) from None
        raise DataError(
            f"{shown_path(run_dir / 'results.json')}: does not describe the model of "
            f"{shown_path(path)}, which is the file the run wrote (its sha256 is the one "
            f"results.json records, sha256[{name!r}]):"
            " results.json was edited after the run (its config, num_classes or input_shape); "
            "put the run's own results.json back, and keep the checkpoint (it is the run's "
            f"model). The refusal: {exc}"
        ) from None


def _target_nodes(node: Any, path: str) -> list[tuple[str, str]]:
    """``(key, target)`` of every ``_target_`` string under ``node``, at any depth."""
    found: list[tuple[str, str]] = []
    if isinstance(node, Mapping):
        if isinstance(node.get("_target_"), str):
            found.append((f"{path}._target_", node["_target_"]))
        for key, value in node.items():
            found += _target_nodes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _target_nodes(value, f"{path}[{i}]")
    return found


def _refuse_unbuildable_targets(config: Mapping[str, Any], *, where: str, dataset: bool) -> None:
    """Refuse a received run's config unless every ``_target_`` this function builds is a
    class of what it names: under ``model`` a `torch.nn.Module` subclass, under ``defense``
    a `TrainingDefense` (or module) subclass, and, when the dataset is built (``dataset``),
    one of mia-defense's loaders. The standard library is refused by name already, but a
    function of any other package ran with the config's arguments when the model was built:
    ``model: {_target_: torch.utils.collect_env.run, command: ...}`` ran a shell command,
    ``mia_defense.tracking.artifacts.write_json`` would write any file."""
    from hydra._internal.utils import _locate

    from mia_defense.defenses.base import TrainingDefense

    parts = [("model", (nn.Module,))]
    parts += [(f"defense.{name}", (TrainingDefense, nn.Module))
              for name in (config.get("defense") or {})]  # fmt: skip
    nodes = [(key, target, kinds) for part, kinds in parts
             for key, target in _target_nodes(_config_part(config, part), part)]  # fmt: skip
    if dataset:
        nodes += [(key, target, None) for key, target in _target_nodes(config.get("dataset"),
                                                                        "dataset")]  # fmt: skip
    problems = []
    for key, target, kinds in nodes:
        try:
            found = _locate(target)
        except Exception:
            found = None
        if kinds is None:  # a dataset: only mia-defense's loaders (they read no pickle)
            module = getattr(found, "__module__", None) or ""
            if callable(found) and module.startswith("mia_defense.data"):
                continue
            problems.append(f"{key}={target!r} is not one of mia-defense's dataset loaders; "
                            "pass the dataset yourself (dataset=...)")  # fmt: skip
        elif not (isinstance(found, type) and issubclass(found, kinds)):
            labels = {nn.Module: "torch.nn.Module", TrainingDefense: "TrainingDefense"}
            what = " or ".join(labels[kind] for kind in kinds)
            problems.append(
                f"{key}={target!r} is not a {what} class (load_trained_model builds only "
                "those: a function or another object could run anything when built); "
                "build the model yourself and load the checkpoint's 'state_dict' with "
                "torch.load(path, weights_only=True)"
            )
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))


def _config_part(config: Mapping[str, Any], part: str) -> Any:
    node: Any = config
    for key in part.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _refuse_larger_than(
    builder: Any, shape: tuple[int, ...], classes: int, *, path: Path, values: int
) -> None:
    """Refuse, before it is allocated, a model that holds more values than the checkpoint at
    ``path`` (``values``): it could not load them, and a received results.json's
    ``input_shape: [100000000]`` or ``model.hidden`` made load_trained_model allocate tens of
    GB. The model is built on the meta device to count them (no memory); one that cannot be
    built there is left to the usual checks."""
    import torch

    data = {"input_shape": shape, "num_classes": classes}
    kwargs = {**builder.keywords, **{k: data[k] for k in builder._passes}}
    try:
        with torch.device("meta"), torch.random.fork_rng(devices=[]):
            probe = builder.func(*builder.args, **kwargs)
        # what its state_dict stores, as the checkpoint is counted (`stored_values`): each
        # parameter once (a tied one too), the buffers saved (not a non-persistent one),
        # an expanded buffer by its storage
        saved = set(probe.state_dict())
        tensors = [*probe.parameters(), *(b for n, b in probe.named_buffers() if n in saved)]
        needed = sum(min(t.numel(), t.untyped_storage().nbytes() // max(t.element_size(), 1))
                     for t in tensors)  # fmt: skip
    except Exception:  # not buildable on the meta device: loading checks the shapes
        return
    if needed > values:
        raise DataError(
            f"checkpoint {shown_path(path)} does not fit the model of its results.json: the "
            f"config builds a model of {needed} values (input_shape {list(shape)}, {classes} "
            "classes), the "
            f"checkpoint holds {values}; point run_dir at the run that wrote it"
        )


def _check_sha256(run_dir: Path, results: Mapping[str, Any], path: Path) -> None:
    """Refuse the checkpoint at ``path`` unless its sha256 is the one results.json records
    (weights edited and saved again, or another run's of the same config, data and code,
    pass the fingerprint and the model index: they were taken for row ``index`` of the
    run's observations); a run written before runs recorded them is loaded with a warning."""
    from mia_defense.tracking.artifacts import matches_recorded_sha256

    name = path.relative_to(run_dir).as_posix()
    try:
        matches = matches_recorded_sha256(run_dir, results, name)
    except ValueError as exc:
        raise DataError(f"{shown_path(run_dir / 'results.json')}: {exc}; load_trained_model "
                        "checks the checkpoints against it: put the run's own results.json "
                        "back") from None
    if matches is None:
        log.warning("%s records no sha256 of %s (written before runs recorded them): that it "
                    "is the run's own checkpoint is checked only by its fingerprint",
                    shown_path(run_dir / "results.json"), name)  # fmt: skip
        return
    if not matches:
        raise DataError(
            f"{shown_path(path)}: not the checkpoint this run wrote: its sha256 differs from the "
            f"one results.json records (sha256[{name!r}]); it was replaced or edited after the run "
            "(edited, or another run's): put the run's own file back, or train the run again "
            "in a new directory"
        )


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _results_problem(results: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    """Why results.json cannot say which model to build (a plan that is no object, a count
    of classes or an input shape that is no size), or ``None``: a list plan was a raw
    AttributeError, ``num_classes: "x"`` a ValueError, a bad shape blamed ``model.*``."""
    plan = config.get("plan")
    if plan is not None and not isinstance(plan, Mapping):
        return f"config.plan is {_kind(plan)} {plan!r:.60}, not an object"
    classes = results.get("num_classes")
    if classes is not None and (isinstance(classes, bool) or not isinstance(classes, int)
                                or classes < 1):  # fmt: skip
        return f"num_classes is {_kind(classes)} {classes!r:.60}, not an integer >= 1"
    shape = results.get("input_shape")
    if shape is not None and not (isinstance(shape, list) and shape and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape)):
        return f"input_shape is {_kind(shape)} {shape!r:.60}, not a list of sizes >= 1"
    return None


def _check_index(index: int, config: Mapping[str, Any], *, run_dir: Path) -> None:
    count = (config.get("plan") or {}).get("num_models")
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0 or (
        isinstance(count, int) and index >= count
    ):
        raise ConfigError(
            f"index={index!r}: the run in {shown_path(run_dir)} has models "
            f"0..{count - 1 if count else '?'} (plan.num_models); pass one of them"
        )


def _build_run_model(
    config: Mapping[str, Any],
    results: Mapping[str, Any],
    *,
    dataset: Dataset | None,
    undefended: bool,
    fits: tuple[Path, int] | None = None,
) -> nn.Module:
    """The untrained module of the run: ``model`` for the data's shape, prepared by the
    run's training-time defenses unless ``undefended``."""
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from mia_defense.defenses.compose import DefenseFactory, prepare_model
    from mia_defense.errors import MiaDefenseError
    from mia_defense.models import model_builder

    def build(key: str, **kwargs: Any) -> Any:
        try:
            return instantiate(OmegaConf.create(dict(config[key])), **kwargs)
        except InstantiationException as exc:
            if isinstance(exc.__cause__, MiaDefenseError):
                raise exc.__cause__ from None
            raise ConfigError(f"results.json config.{key}: cannot build it now ({exc})") from exc

    shape, classes = results.get("input_shape"), results.get("num_classes")
    if shape is None or classes is None:
        data = dataset if dataset is not None else build("dataset")
        shape, classes = data.input_shape, data.num_classes
    builder = model_builder(build("model", _partial_=True))
    if fits is not None:
        _refuse_larger_than(builder, tuple(shape), int(classes), path=fits[0], values=fits[1])
    model = builder(input_shape=tuple(shape), num_classes=int(classes))
    defenses = config.get("defense") or {}
    if undefended or not defenses:
        return model
    factory = DefenseFactory([
        instantiate(OmegaConf.create(dict(spec)), _partial_=True) for spec in defenses.values()
    ])  # fmt: skip
    return prepare_model(model, factory())
