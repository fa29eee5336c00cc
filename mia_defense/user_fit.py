"""``train.fit``: the user's own training function trains every model instead of the engine.

The rest of the pipeline is unchanged: the same membership plan, seeds, checkpoints (a
resumed run loads what was saved), observations and attacks. Kept apart from the training
package: the engine knows nothing of it, and it shares with the engine only how models
are built and seeded (`training.ensemble.start_models`), checkpointed and checked.
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parameter import is_lazy
from tqdm.auto import tqdm

from mia_defense.constraints import imported_target, missing_attribute
from mia_defense.errors import ConfigError
from mia_defense.models.copies import weights_digest
from mia_defense.seeding import derive_seed, global_torch_seeded, seed_global_torch
from mia_defense.training.checkpoints import (
    load_model,
    save_model,
    shape_differences,
    state_mismatch,
)
from mia_defense.training.config import TrainConfig
from mia_defense.training.divergence import check_trained
from mia_defense.training.ensemble import check_data_unchanged, start_models
from mia_defense.training.loop import Ensemble, EpochRecord, ModelHistory, stage_models
from mia_defense.training_start import training_begins

__all__ = ["Members", "check_user_fit", "load_user_fit", "train_with_user_fit"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Members:
    """What a user's training function (``train.fit``) gets besides the model and the recipe.

    Attributes:
        x: [M, ...] float32 features of the model's members (its row of the masks), in
            the data's row order: a file sorted by label gives them sorted, so draw the
            batches in a shuffled order (as the built-in engine does each epoch).
        y: [M] int64 labels of the members.
        num_classes: C.
        index: k, the model's row in the masks and in observations.npz.
        seed: model k's own seed (`mia_defense.seeding.derive_seed` of the run's seed, the
            stage and k); torch's, numpy's (``np.random.*``) and Python's (``random``)
            global generators are seeded with it for the call (and put back after), so
            batch orders and noise drawn from any of them make the run reproducible.
        stage: ``model``: the plan's K models, each a target and every other target's
            shadow/reference model (the adaptive attacker's shadows are these models).
        device: where the model is (``train.device``).
        x_test, y_test: the held-out test set, to watch the test loss (never train on it).
    """

    x: np.ndarray
    y: np.ndarray
    num_classes: int
    index: int
    seed: int
    stage: str
    device: torch.device
    x_test: np.ndarray
    y_test: np.ndarray


def load_user_fit(spec: Any) -> Callable[..., nn.Module] | None:
    """The training function ``train.fit`` names (``{_target_: my_pkg.fit, ...}``) with its
    other keys bound as keyword options, or ``None`` for the built-in engine."""
    if spec is None:
        return None
    target = spec.get("_target_") if isinstance(spec, Mapping) else None
    if not isinstance(target, str) or not target:
        raise ConfigError(
            f"train.fit={spec!r}: must be null (the built-in engine) or a mapping naming your "
            "training function, e.g. 'train.fit={_target_:my_pkg.fit}'"
        )
    function = imported_target("train.fit._target_", target, advice="; start mia-train from "
                               "the folder that holds your module, or install it")  # fmt: skip
    if not callable(function) or isinstance(function, type):
        # (a misspelt name, my_pkg.fitt: what is missing and the closest name)
        raise ConfigError(
            f"train.fit._target_={target}: not a function; name one that takes (model, "
            f"members, recipe) and returns the trained model{missing_attribute(target)}"
        )
    options = {k: v for k, v in spec.items() if k not in ("_target_", "_partial_")}
    return functools.partial(function, **options) if options else function


def check_user_fit(config: TrainConfig, *, defenses: Sequence[Any]) -> None:
    """With ``train.fit``, training is the user's: the built-in engine's settings and the
    training-time defenses (hooks into that engine) cannot apply; refuse them by name."""
    if config.fit is None:
        return
    target = config.fit["_target_"]
    if defenses:
        names = ",".join(getattr(d, "name", type(d).__name__) for d in defenses)
        raise ConfigError(
            f"train.fit._target_={target} with defense=[{names}]: training-time defenses hook "
            "into the built-in engine, which your function replaces; apply them inside your "
            "function and drop defense= (release= still applies to the outputs)"
        )
    if config.engine != "stacked":
        raise ConfigError(
            f"train.engine={config.engine} with train.fit._target_={target}: your function "
            "trains the models, not an engine; drop train.engine"
        )


def train_with_user_fit(
    *,
    build_model: Callable[[], nn.Module],
    x: np.ndarray,
    y: np.ndarray,
    masks: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    num_classes: int,
    config: TrainConfig,
    seed: int,
    checkpoint_dir: Path | None = None,
    stage: str = "model",
    progress: bool = True,
    fingerprint: str | None = None,
) -> Ensemble:
    """Train model k with the user's ``fit(model, members, recipe)`` on ``x[masks[k]]``, one
    model at a time (torch's generator seeded with model k's seed), each checkpointed as the
    engine's are; a saved model is loaded, not trained again. Its history is one record,
    measured after ``fit`` returns, at the recipe's last epoch. The arguments are
    `mia_defense.training.train_ensemble`'s."""
    fit = load_user_fit(config.fit)
    if fit is None:
        raise ConfigError("train.fit is null: the built-in engine trains the models")
    models, paths, saved, settings, expected, device = start_models(
        build_model, len(masks), config=config, seed=seed, stage=stage,
        checkpoint_dir=checkpoint_dir, fingerprint=fingerprint)  # fmt: skip
    if any(saved):  # (a resumed run is told what it keeps)
        log.info("resuming: %d of %d %s already trained", sum(saved), len(masks),
                 stage_models(stage))  # fmt: skip
    # every saved model is loaded (and checked) before any trains: one refused trains none
    loaded = {k: load_model(path, models[k], fingerprint=fingerprint, settings=expected)
              for k, path in enumerate(paths) if saved[k]}  # fmt: skip
    tensors = [torch.as_tensor(a, dtype=t, device=device)
               for a, t in ((x_test, torch.float32), (y_test, torch.long))]  # fmt: skip
    data = dict(zip(("x_test", "y_test"), tensors, strict=True))
    versions = {name: tensor._version for name, tensor in data.items()}
    histories = []
    digests: dict[bytes, int] = {}  # of the models so far: none may copy another
    returned: dict[int, bytes | None] = {}  # model k's digest when fit was done with it
    for k in tqdm(range(len(models)), disable=not progress, unit="model",
                  desc=f"training {stage_models(stage)} (train.fit)"):  # fmt: skip
        path = paths[k]
        model = models[k]
        if k in loaded:
            histories.append(loaded[k])
            continue
        # Copies: what fit does to its arrays in place (normalising members.x, say) can
        # change neither the next model's data nor what this one is measured on below.
        members = Members(
            x=x[masks[k]], y=y[masks[k]], num_classes=num_classes, index=k,
            seed=derive_seed(seed, stage, k), stage=stage, device=device,
            x_test=x_test.copy(), y_test=y_test.copy(),
        )  # fmt: skip
        dtypes, built = _float_dtypes(model), _layout(model)
        initial = _initial_digest(model)
        # torch's, numpy's legacy and Python's global generators seeded with members.seed
        # (a fit's np.random.permutation or random.shuffle: the same models each launch)
        with global_torch_seeded(seed, stage, k, devices=[device]):
            training_begins()  # a failure from here on is the run's, not a refusal
            try:  # a copy: what fit writes on it (a schedule's recipe.lr *= 0.5) stays there
                trained = fit(model, members, copy.deepcopy(config))
            except Exception as exc:  # the user's code: named, not a traceback of it
                raise ConfigError(
                    f"train.fit._target_={config.fit['_target_']} raised "
                    f"{type(exc).__name__}: {str(exc)[:300]} (model {k}); fix it (call it on "
                    "one model outside mia-train to debug)"
                ) from exc
            except SystemExit as exc:  # (exit 1 or argparse's 2, results.json left 'running')
                raise ConfigError(
                    f"train.fit._target_={config.fit['_target_']} called sys.exit("
                    f"{repr(exc.code)[:200]}) (model {k}) instead of returning the trained "
                    "model; a training function must return it (an argparse parse_args() in "
                    "it reads mia-train's own command line: pass its settings as train.fit "
                    "options instead); fix it"
                ) from None
            _refuse_earlier_model(trained, models[:k], k, config)
            _adopt(model, trained, config=config, index=k, dtypes=dtypes, built=built)
        member_x = torch.as_tensor(x[masks[k]], dtype=torch.float32, device=device)
        member_y = torch.as_tensor(y[masks[k]], dtype=torch.long, device=device)
        train_loss, train_acc = _evaluate(model, member_x, member_y)
        test_loss, test_acc = _evaluate(model, *tensors)
        check_data_unchanged(data, versions, model)  # (its batches are views of the test set)
        record = EpochRecord(config.epochs - 1, train_loss, train_acc, test_loss, test_acc)
        history = ModelHistory(epochs=[record], epoch_stats=[{} for _ in range(config.epochs)])
        check_trained({k: (model, history)}, stage=stage, num=len(masks),
                      left=sum(j not in loaded for j in range(k + 1, len(masks))))
        _refuse_untrained(model, k, initial, config)
        _refuse_copy(model, k, digests, config)
        _refuse_unsaved_behaviour(model, build_model, member_x[:_REBUILT_ROWS], k, config,
                                  seed=members.seed)  # fmt: skip
        returned[k] = weights_digest(model)  # (what is saved, observed and attacked)
        if path is not None:
            save_model(path, model, history, fingerprint=fingerprint, settings=settings)
        histories.append(history)
    _refuse_changed_after(models, returned, config, paths=paths)
    for model in models:
        model.eval()
    return Ensemble(models=[m.cpu() for m in models], histories=histories, engine="user")


# Member rows on which a returned model is compared with the model its weights rebuild.
_REBUILT_ROWS = 64


def _refuse_unsaved_behaviour(
    model: nn.Module,
    build_model: Callable[[], nn.Module],
    rows: torch.Tensor,
    k: int,
    config: TrainConfig,
    *,
    seed: int,
) -> None:
    """A `ConfigError`, before model ``k`` is saved, when the model ``fit`` returned answers
    ``rows`` otherwise than the model its config builds (from model k's ``seed``, as a
    resumed run builds it), given the same weights: ``fit``
    changed it outside its weights (a forward hook, a patched ``forward``, an attribute the
    forward reads). The run observed and attacked that model, but its checkpoint holds the
    weights alone, so a resumed run (which loads them into a built model) and
    `load_trained_model` gave another one: a hook scaling the logits by 5 left the released
    log-probabilities 1054 away from the checkpoint's. Not asked of a model whose own
    answers differ from call to call (randomness in eval mode), nor where the config's
    model cannot be built and loaded here."""
    was_training = model.training
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            model.eval()
            first, again = model(rows), model(rows)
            if not (isinstance(first, torch.Tensor) and torch.equal(first, again)):
                return
            seed_global_torch(seed, [rows.device])  # (what weights do not hold: a random buffer)
            rebuilt = build_model().to(rows.device)
            rebuilt.load_state_dict(model.state_dict())
            rebuilt.eval()
            found = rebuilt(rows)
    except Exception:  # not rebuilt here: left to the resume and load_trained_model
        return
    finally:
        model.train(was_training)
    if isinstance(found, torch.Tensor) and found.shape == first.shape and torch.allclose(
        found, first, rtol=1e-5, atol=1e-6, equal_nan=True
    ):
        return
    raise ConfigError(
        f"train.fit._target_={config.fit['_target_']} returned model {k} answering otherwise "
        "than the model its config builds with the same weights: it changed the model outside "
        "its weights (a forward hook, a patched forward, an attribute the forward reads), which "
        "its checkpoint does not keep, so a resumed run and load_trained_model would rebuild "
        "another model than the one observed and attacked; put that computation in the model "
        "class (model._target_), or apply it in your training loop only"
    )


def _refuse_earlier_model(
    trained: object, earlier: Sequence[nn.Module], k: int, config: TrainConfig
) -> None:
    """A `ConfigError` when ``fit`` returned, for model ``k``, the module it was given for an
    earlier model j (kept from that call): model j is then trained again on model k's
    members after it was saved, observed and attacked as model j."""
    j = next((j for j, other in enumerate(earlier) if trained is other), None)
    if j is not None:
        raise ConfigError(
            f"train.fit._target_={config.fit['_target_']} returned for model {k} the module "
            f"it was given for model {j} (kept from that call): it trains one model on every "
            f"model's members, so model {j} is no longer the model its members trained; "
            "train and return the model each call is given"
        )


def _refuse_changed_after(
    models: Sequence[nn.Module],
    returned: Mapping[int, bytes | None],
    config: TrainConfig,
    *,
    paths: Sequence[Path | None],
) -> None:
    """A `ConfigError` when a model's weights changed after ``fit`` was done with it
    (``returned``: each model's digest then, in training order): a thread it started kept
    training it, or a later call trained it again (kept in a global), so the models saved
    from it on may hold another model's training too. Their checkpoints, saved by this call,
    are deleted first: a run again would have loaded them as trained. The run would observe
    and attack other weights than its checkpoint holds, and another model in each launch."""
    changed = next((k for k, digest in returned.items()
                    if digest is not None and weights_digest(models[k]) != digest),
                   None)  # fmt: skip
    if changed is None:
        return
    deleted = [k for k in returned if k >= changed and paths[k] is not None]
    for k in deleted:
        paths[k].unlink(missing_ok=True)
    raise ConfigError(
        f"train.fit._target_={config.fit['_target_']}: model {changed}'s weights changed "
        "after the call that trained it returned (a thread it started still trains it, or a "
        "later call trained it again), so its checkpoint, its observations and a resumed run "
        "would each see another model; finish training before returning (join your threads) "
        "and leave the model alone after"
        + (f" (the checkpoints of models {deleted[0]}-{deleted[-1]} were deleted, to train "
           "again)" if deleted else "")
    )


def _refuse_copy(model: nn.Module, k: int, seen: dict[bytes, int], config: TrainConfig) -> None:
    """A `ConfigError`, before model ``k`` is saved, when the user's fit returned it with
    exactly the weights of an earlier model (``seen``: digests of the models so far, to
    which its own is added): the fit ignored the members (re-seeded and trained every model
    on the same data, the test set say), so the attacks saw no leak and the test accuracy
    was of data the models may have trained on."""
    digest = weights_digest(model)
    j = k if digest is None else seen.setdefault(digest, k)
    if j != k:
        raise ConfigError(
            f"train.fit._target_={config.fit['_target_']} returned model {k} with exactly "
            f"the weights of model {j}: it trains every model alike, whatever its members "
            "(each must train on its own members.x, members.y only, from the model it is "
            "given), so no attack could see a leak; fix it"
        )


def _initial_digest(model: nn.Module) -> bytes | None:
    """`weights_digest` of the model ``fit`` is given, for `_refuse_untrained`; ``None``
    when a weight is lazy (it takes its values in training)."""
    if any(is_lazy(value) for value in model.state_dict().values()):
        return None
    return weights_digest(model)


def _refuse_untrained(
    model: nn.Module, k: int, initial: bytes | None, config: TrainConfig
) -> None:
    """A `ConfigError`, before model ``k`` is saved, when the user's fit returned it with
    the weights it was given, value for value (``initial``: their digest): it trained
    nothing (a fit that trained a copy and returned the original left digits' models at
    their random initialisation, 0.109-0.125 test accuracy against the majority class's
    0.103-0.106, and each run got a privacy verdict of untrained models)."""
    if initial is None or weights_digest(model) != initial:
        return
    raise ConfigError(
        f"train.fit._target_={config.fit['_target_']} returned model {k} with the weights "
        "it was given, value for value: it trained nothing (it trained a copy and returned "
        "the original, its optimiser holds other parameters, or every step was zero), so it "
        "is an untrained model and no attack on it says anything about privacy; train the "
        "model it is given in place, or return the trained copy"
    )


def _float_dtypes(model: nn.Module) -> dict[str, torch.dtype]:
    """The dtype of each floating-point weight and buffer of ``model``."""
    return {k: v.dtype for k, v in model.state_dict().items() if v.is_floating_point()}


def _layout(model: nn.Module) -> dict[str, tuple[tuple[int, ...] | None, torch.device]]:
    """The shape (``None`` for a lazy weight, which takes its shape in training) and device
    of each weight and buffer of ``model``."""
    return {k: (None if is_lazy(v) else tuple(v.shape), v.device)
            for k, v in model.state_dict().items()}  # fmt: skip


def _layout_problem(model: nn.Module, built: dict[str, Any]) -> tuple[str, str] | None:
    """How ``model``'s weights differ from ``built`` (`_layout`), with the fix: layers added,
    removed or resized, a weight moved to another device; ``None`` when they do not."""
    own = _layout(model)
    if changed := shape_differences({k: shape for k, (shape, _) in built.items()},
                                    model.state_dict(), built="as built"):
        return ("its layers changed: " + changed,
                "train the model it was given in place (change model= for another "
                "architecture)")  # fmt: skip
    moved = [(k, own[k][1], device) for k, (_, device) in built.items() if own[k][1] != device]
    if moved:
        key, now, device = moved[0]
        return (f"{key} on device {now}, not {device} as built (train.device)",
                f"return it on {device} (model.to(members.device))")
    return None


def _adopt(
    model: nn.Module,
    trained: object,
    *,
    config: TrainConfig,
    index: int,
    dtypes: dict[str, torch.dtype],
    built: dict[str, Any],
) -> None:
    """Make ``model`` the module ``fit`` returned: the same object (with the layers,
    devices and dtypes it was built with: the run queries and checkpoints those, and
    rebuilds it from the config to resume), or the weights of a module of the same
    architecture (a copy it trained)."""
    target = config.fit["_target_"]
    if not isinstance(trained, nn.Module):
        raise ConfigError(
            f"train.fit._target_={target} returned {type(trained).__name__} for model {index}; "
            "it must return the trained torch.nn.Module (the model it was given, trained)"
        )
    if trained is model:
        # (a head replaced or a layer added trained and saved, then a resumed run could not
        # load the checkpoint; a model moved to another device was a raw RuntimeError)
        found = _layout_problem(model, built)
        if found is not None:
            problem, fix = found
            raise ConfigError(
                f"train.fit._target_={target} returned model {index} with {problem}: the run "
                "queries it with its data on the device it was built on, and rebuilds it from "
                f"the config to resume; {fix}"
            )
        changed = [(k, v.dtype) for k, v in model.state_dict().items()
                   if k in dtypes and v.dtype != dtypes[k]]  # fmt: skip
        if changed:
            key, dtype = changed[0]
            raise ConfigError(
                f"train.fit._target_={target} returned model {index} with {key} of dtype "
                f"{dtype}, not {dtypes[key]} as built; return it in {dtypes[key]} "
                f"(model.to({dtypes[key]}))"
            )
        return
    problem = state_mismatch(model, trained.state_dict())
    if problem is None:
        try:
            model.load_state_dict(trained.state_dict())
        except (RuntimeError, ValueError) as exc:
            problem = " ".join(str(exc).split())[:300]
    if problem is not None:
        raise ConfigError(
            f"train.fit._target_={target} returned for model {index} a module whose weights do "
            f"not fit the model it was given ({problem}); return that model, trained"
        )


@torch.no_grad()
def _evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, chunk_size: int = 4096
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``(x, y)`` in eval mode.

    Evaluated ``chunk_size`` samples at a time, so a large image test set fits in memory.
    """
    was_training = model.training
    model.eval()
    loss_sum, correct = 0.0, 0
    for xb, yb in zip(x.split(chunk_size), y.split(chunk_size), strict=True):
        logits = model(xb)
        loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
        correct += int((logits.argmax(dim=1) == yb).sum().item())
    model.train(was_training)
    return loss_sum / len(y), correct / len(y)
