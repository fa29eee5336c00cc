"""Observe: query trained models for what they release on every population sample (and on
perturbed copies); the result is `mia_defense.observations.Observations`."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from mia_defense.attacks.signals import per_model, query_signals
from mia_defense.budget import QUERY_BATCH, QUERY_ROWS
from mia_defense.defenses.dp_stacked import GHOST_RULES, MATERIALISED_BUDGET, check_replayed
from mia_defense.defenses.release import Release, attacker_view_of
from mia_defense.errors import ConfigError, UnsupportedModelError, first_line, out_of_memory
from mia_defense.library_call import cleared_after_each_call
from mia_defense.models.alike import unlike
from mia_defense.models.probes import forward_hooked, hook_not_transformed
from mia_defense.models.validation import recomputed, recomputed_part, used_outside_their_layers
from mia_defense.queries import QueryConfig
from mia_defense.seeding import seed_global_torch, torch_rng_kept, torch_rng_state
from mia_defense.torch_notes import ignore_performance_note
from mia_defense.training.stack import ModelStack

__all__ = [
    "floats_per_row",
    "gradient_norms",
    "observe",
    "observe_augmented",
    "perturbed_copies",
]

log = logging.getLogger(__name__)


# Seconds the augmented queries run before their progress bar shows (most runs: never).
_PROGRESS_DELAY = 5.0


def _shift(images: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Translate [N, C, H, W] by (dy, dx) pixels, filling with zeros."""
    out = torch.zeros_like(images)
    h, w = images.shape[-2:]
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
        ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def perturbed_copies(x: np.ndarray, *, queries: QueryConfig, seed: int) -> list[torch.Tensor]:
    """A perturbed copies of ``x`` [N, ...]: shifts/flips for images, feature noise otherwise."""
    return list(_iter_copies(x, queries=queries, seed=seed))


def _iter_copies(x: np.ndarray, *, queries: QueryConfig, seed: int) -> Iterator[torch.Tensor]:
    """The copies of `perturbed_copies`, one at a time (one copy of ``x`` in memory, not A)."""
    inputs = torch.as_tensor(x, dtype=torch.float32)
    rng = np.random.default_rng(seed)
    image = queries.shifts_images(tuple(inputs.shape[1:]))
    scale = inputs.std(dim=0, keepdim=True).clamp_min(1e-6)
    for a in range(queries.num_augmented):
        if image:
            dy, dx = (int(v) for v in rng.integers(-queries.max_shift, queries.max_shift + 1, 2))
            copy = _shift(inputs, dy, dx)
            yield copy.flip(-1) if queries.flip and a % 2 == 0 else copy
        else:
            noise = torch.as_tensor(rng.standard_normal(inputs.shape), dtype=torch.float32)
            yield inputs + queries.noise_std * scale * noise


# The first model of the models whose stacked query ran out of memory: their later queries
# (the test set's, each perturbed copy's) go one at a time at once, said once; a later call
# (a notebook's, with memory freed since) tries them stacked again.
_ONE_AT_A_TIME: weakref.WeakSet[nn.Module] = cleared_after_each_call(weakref.WeakSet())


@torch.no_grad()
def _all_logits(
    models: Sequence[nn.Module], inputs: torch.Tensor, batch_size: int, *,
    floats: int | None = None,
) -> torch.Tensor:
    """Logits [K, N, C] of every model, in eval mode.

    Models of one architecture run as one stacked forward pass (``vmap`` over the model
    axis, `ModelStack`) of ``batch_size`` x `QUERY_ROWS` / `QUERY_BATCH` rows over the K
    models (`QUERY_ROWS` at the default batch, as `mia_defense.budget` counts them); a
    module ``torch.func`` cannot run is queried on its own, ``batch_size`` rows at a time.
    Both bounded in bytes by the floats one row takes (``floats``: the caller's
    `_eval_floats` of such inputs, the models then in eval mode; ``None``: measured here).
    """
    floats = _eval_floats(models, inputs) if floats is None else floats
    if _stackable(models) and models[0] not in _ONE_AT_A_TIME:
        stack = ModelStack(models, [len(models)])
        rows = _rows_within(batch_size * QUERY_ROWS // QUERY_BATCH // len(models),
                            len(models) * floats)  # fmt: skip
        try:
            chunks = (stack.forward(chunk, shared=True) for chunk in inputs.split(rows))
            return _filled(chunks, len(models), len(inputs))
        except RuntimeError as err:  # e.g. a user module with an op vmap cannot batch
            if not out_of_memory(err):
                log.debug("querying the models one by one: vmap failed: %s", err)
            else:  # (was said as vmap's failure: one at a time holds fewer rows at once)
                _ONE_AT_A_TIME.add(models[0])
                log.warning("querying the %d models one at a time (slower): their stacked query "
                            "ran out of memory (%s)", len(models), first_line(err))
    out: torch.Tensor | None = None
    rows = _rows_within(batch_size, floats)
    for k, model in enumerate(models):  # into one [K, N, C] tensor, not a list then a stack
        logits = torch.cat([_unchanged_input(model, k, chunk) for chunk in inputs.split(rows)])
        if out is None:
            out = logits.new_empty((len(models), *logits.shape))
        out[k] = logits
    assert out is not None, "no models to query"
    return out


def _unchanged_input(model: nn.Module, k: int, chunk: torch.Tensor) -> torch.Tensor:
    """``model(chunk)``, or an `UnsupportedModelError` where that forward modified ``chunk``
    in place: the chunks are views of the rows every model is queried on, so each model
    after it got the rows it changed (a module doubling batches of more than two rows, which
    the two-row probe of api.observe_models passed: log-probabilities off by up to 13)."""
    version = chunk._version
    logits = model(chunk)
    if chunk._version != version:
        raise _input_changed(model, k, f"a batch of {len(chunk)} rows")
    return logits


def _input_changed(model: nn.Module, k: int, where: str) -> UnsupportedModelError:
    """The error for ``models[k]``, whose forward modified its input (``where``) in place."""
    return UnsupportedModelError(
        f"models[{k}] ({type(model).__name__}) modifies its input in place on {where} (e.g. "
        "x.mul_(), x[...] = ..., an inplace=True first layer): every model queried after it "
        "would get the rows it changed, not x's; compute a new tensor instead (x = x * 2)"
    )


def _rows_within(rows: int, floats_per_row: int) -> int:
    """``rows``, or fewer where they would hold more than ``MATERIALISED_BUDGET`` bytes
    (256 MiB, the bound of DP-SGD's per-sample gradients) of float32 ``floats_per_row``
    each: a fixed row count held ~8 GB of activations for model=cnn on 32x32x3 images
    (K=16), an out-of-memory kill after training; ``floats_per_row`` 0 (not measured):
    ``rows``."""
    if floats_per_row <= 0:
        return max(1, rows)
    return max(1, min(rows, MATERIALISED_BUDGET // (4 * floats_per_row)))


def _eval_floats(models: Sequence[nn.Module], inputs: torch.Tensor) -> int:
    """``models`` put in eval mode, as they are queried, and `floats_per_row` of the first on
    ``inputs``: what bounds `_all_logits`' rows per forward."""
    for model in models:
        model.eval()
    return floats_per_row(models[0], inputs)


def floats_per_row(model: nn.Module, inputs: torch.Tensor) -> int:
    """Floats one row of ``inputs`` takes in ``model``'s forward: the row and every leaf
    module's output together, from one forward of up to two rows (`_paired_logits`: the
    run's random draws and the buffers put back). What a backward pass keeps; a forward
    without one frees as it goes but held up to 4x its widest output at once (GroupNorm
    under vmap), about this sum for model=cnn. Outputs of functional ops between modules
    are not seen. 0 where that forward fails (the query itself then says why) or the
    module takes no hooks (a ScriptModule): it never raises."""
    rows = min(2, len(inputs))
    if rows == 0:
        return 0
    floats = [inputs[0].numel()]

    def count(module: nn.Module, args: object, out: object) -> None:
        outs = out if isinstance(out, tuple | list) else (out,)
        floats.append(-(-sum(o.numel() for o in outs if isinstance(o, torch.Tensor)) // rows))

    handles = []
    try:  # (a ScriptModule takes no hooks: the query stage refused it on this probe)
        for leaf in (m for m in model.modules() if next(m.children(), None) is None):
            handles.append(leaf.register_forward_hook(count))
        _paired_logits(model, inputs[:rows], seed=0)
    except Exception as err:  # not this probe's to judge
        log.debug("activation sizes not measured: %s", err)
        return 0
    finally:
        for handle in handles:
            handle.remove()
    return sum(floats)


def _filled(chunks: Iterator[torch.Tensor], num_models: int, num_rows: int) -> torch.Tensor:
    """[K, N, C] from consecutive row chunks [K, rows, C], written in place (no second copy
    of the [K, N, C] logits, as ``torch.cat`` of the chunks would hold at its peak)."""
    out: torch.Tensor | None = None
    start = 0
    for chunk in chunks:
        if out is None:
            out = chunk.new_empty((num_models, num_rows, *chunk.shape[2:]))
        out[:, start : start + chunk.shape[1]] = chunk
        start += chunk.shape[1]
    if out is None:  # no rows
        raise RuntimeError("no inputs to query")
    return out


def _stackable(models: Sequence[nn.Module]) -> bool:
    """Whether the models share one architecture that ``vmap`` can run in eval mode."""
    # (requires_grad too: one model's frozen layer was torch.func's raw RuntimeError 'Expected
    # 0.weight from each model to have the same .requires_grad' from api.observe_models)
    shapes = [(p.shape, p.dtype, p.device, p.requires_grad) for p in models[0].parameters()]
    same = all(
        type(m) is type(models[0])
        and [(p.shape, p.dtype, p.device, p.requires_grad) for p in m.parameters()] == shapes
        and repr(m) == repr(models[0])
        for m in models[1:]
    )
    # a parameter held under two names (self.b = self.a): functional_call put plain tensors
    # back in place of the first model's, which then failed ("requires_grad") or never trained
    shared = len(list(models[0].named_parameters(remove_duplicate=False))) != len(shapes)
    return same and bool(shapes) and not shared and not any(
        getattr(m, "track_running_stats", False) for m in models[0].modules()
    ) and unlike(models) is None


def _release_all(
    logits: torch.Tensor, release: Release, generator: torch.Generator | None
) -> torch.Tensor:
    """The release applied to each model's logits in turn (noise drawn in model order).

    Each model's released outputs overwrite its logits (when of their shape and dtype), so
    the [K, N, C] array exists once.
    """
    out: torch.Tensor | None = None
    for k, model_logits in enumerate(logits):
        released = _apply(release, model_logits, generator)
        if out is None:
            same = released.shape == model_logits.shape and released.dtype == logits.dtype
            out = logits if same else released.new_empty((len(logits), *released.shape))
        out[k] = released
    assert out is not None, "no models to release"
    return out


def _apply(
    release: Release, logits: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    """``release(logits, generator)``, which must be a tensor of the logits' shape: a release
    of one's own that passed `probe_release` on 8 random logits and answers a larger batch
    with one class fewer had the released outputs [K, N, C-1] blamed on the model
    (``model._target_ returned 9 outputs``), or stopped in an IndexError traceback."""
    released = release(logits, generator)
    if not isinstance(released, torch.Tensor) or released.shape != logits.shape:
        cls = type(release)
        got = (f"shape {list(released.shape)}" if isinstance(released, torch.Tensor)
               else type(released).__name__)  # fmt: skip
        raise ConfigError(
            f"release {cls.__module__}.{cls.__qualname__}: returned {got} for logits "
            f"{list(logits.shape)} (on random logits [8, {logits.shape[-1]}] before training "
            "it returned their shape); a release must return one log-probability per class "
            "for every batch: make its output's shape the logits' whatever their number"
        )
    return released


def observe(
    models: Sequence[nn.Module],
    x: np.ndarray,
    *,
    release: Release,
    generator: torch.Generator | None = None,
    batch_size: int = QUERY_BATCH,
    repeats: int = 1,
    check_batch: bool = True,
) -> np.ndarray:
    """Released log-probabilities [K, N, C] of every model on every row of ``x``.

    With ``repeats`` > 1 and a randomized release, each query is released ``repeats``
    times and the log of the mean probability is kept: what an attacker who repeats a
    query sees (the noise averaged). A deterministic release is released once.
    ``check_batch``: warn of a first model whose answers depend on the other records of
    the query batch (`_warn_batch_dependent`); once per set of models is enough.
    """
    inputs = torch.as_tensor(x, dtype=torch.float32)
    logits = _all_logits(models, inputs, batch_size)
    if check_batch:
        _warn_batch_dependent(models[0], inputs, logits[0])
        _warn_squashed(models[0], logits[0])
    return _released(logits, release, generator, repeats=repeats).numpy()


@torch.no_grad()
def _paired_logits(model: nn.Module, inputs: torch.Tensor, *, seed: int) -> torch.Tensor:
    """``model``'s logits for ``inputs`` queried two by two, under random draws of ``seed``
    (the global generators put back, as the run's draws must not move) and with its
    buffers put back (statistics a training-mode BatchNorm updates)."""
    params = list(model.parameters())
    device = params[0].device if params else inputs.device
    buffers = {key: value.clone() for key, value in model.named_buffers()}
    try:
        with torch_rng_kept(device):
            seed_global_torch(seed, [device])
            return torch.cat([model(pair.to(device)) for pair in inputs.split(2)])
    finally:
        for key, value in model.named_buffers():
            if key in buffers:
                value.copy_(buffers[key])


# Records queried two by two to compare with their answers inside the query batch.
_PAIRED = 4
# Largest difference (of the largest logit's size, plus one) between a record's logits
# queried in a pair and in the batch still taken for float rounding (TF32 convolutions).
_BATCH_TOLERANCE = 1e-2


def _warn_batch_dependent(model: nn.Module, inputs: torch.Tensor, logits: torch.Tensor) -> None:
    """Warn when ``model`` answers its first records (``logits`` [N, C], queried in batches
    of the run's size) otherwise queried two by two: its answer to a record depends on the
    other records of the batch (normalised by the batch's statistics in eval mode, a
    BatchNorm kept in training mode), so each record's membership score mixes in the
    others'. Costs four forward passes of two records. A model they fail on, or that
    answers the same pair differently under other random draws (warned of as such when
    built), is not judged here."""
    rows = min(_PAIRED, len(inputs)) // 2 * 2
    if len(inputs) <= 2 or rows < 2:  # the pairs would be the whole batch
        return
    try:
        paired = [_paired_logits(model, inputs[:rows], seed=seed).to(logits.device).float()
                  for seed in (0, 1)]
    except Exception as err:  # a model that cannot answer two records: not judged here
        log.debug("batch-composition check skipped: %s", err)
        return
    batched = logits[:rows].float()
    if any(p.shape != batched.shape for p in paired):  # outputs of another shape: refused
        return  # where the outputs' shapes are checked, not judged here
    scale = 1 + float(batched.abs().max())
    if not float((paired[0] - paired[1]).abs().max()) <= _BATCH_TOLERANCE * scale:
        return  # random answers: dropout left on, not the batch
    gap = float((paired[0] - batched).abs().max())
    if not gap <= _BATCH_TOLERANCE * scale:
        cls = type(model)
        log.warning(
            "model %s.%s answers a record differently depending on the other records queried "
            "with it (its logits for records queried two by two differ from those queried in "
            "the run's batches by up to %.3g): its eval-mode forward reads the batch (its "
            "statistics or its size, or a BatchNorm kept in training mode); each record's "
            "membership score then mixes in the other records' and the attacks' verdict "
            "mixes records: make its eval-mode forward treat each record on its own "
            "(BatchNorm's running statistics: model.eval() must reach it; no division by "
            "len(x))", cls.__module__, cls.__qualname__, gap,
        )


def _warn_squashed(model: nn.Module, logits: torch.Tensor) -> None:
    """Warn when a trained ``model``'s outputs ``logits`` [N, C] all lie in [0, 1], spread
    over most of it: a final sigmoid, which the checks before training cannot tell (on zeros
    its outputs do not sum to 1). Taken as logits, they cap the softmax at e/(e+C-1), so
    training's cross-entropy never falls below its log, and outputs saturated at 0 or 1 in
    float32 tie records the attacks would otherwise tell apart."""
    if logits.numel() < 64 or logits.shape[-1] < 2 or not logits.is_floating_point():
        return
    low, high = (float(v) for v in torch.aminmax(logits.detach().float()))
    if 0.0 <= low and high <= 1.0 and high - low > 0.5:
        cls, cap = type(model), np.e / (np.e + logits.shape[-1] - 1)
        log.warning(
            "model %s.%s returns outputs that all lie in [0, 1] (from %.3g to %.3g on %d "
            "records): a final sigmoid? They are taken as logits, whose softmax gives no class "
            "more than %.2f, so training's cross-entropy never fell below %.2f, and outputs "
            "saturated at 0 or 1 tie records the attacks would tell apart: drop the final "
            "sigmoid (return the scores before it)",
            cls.__module__, cls.__qualname__, low, high, len(logits), cap, -np.log(cap),
        )


def _released(
    logits: torch.Tensor, release: Release, generator: torch.Generator | None, *, repeats: int
) -> torch.Tensor:
    """``release`` of every model's ``logits`` [K, N, C]; a randomized release asked
    ``repeats`` times and averaged (`_repeated_release`), a deterministic one once; then
    what an attacker who knows the release's settings reads of it (`_attacker_views`)."""
    if repeats > 1 and release.randomized:
        released = _repeated_release(logits, release, generator, repeats=repeats)
    else:
        released = _release_all(logits, release, generator)
    return _attacker_views(released, release)


def _attacker_views(released: torch.Tensor, release: Release) -> torch.Tensor:
    """``release.attacker_view`` of each model's released outputs [K, N, C], written over
    them (one [N, C] at a time in float64, not a second [K, N, C]): the observations, every
    attack and the released utility read what an adaptive attacker reads (release=temperature
    undone, `mia_defense.defenses.release.TemperatureRelease.attacker_view`). The default
    view (the outputs as released) costs nothing."""
    if getattr(type(release), "attacker_view", Release.attacker_view) is Release.attacker_view:
        return released
    for k in range(len(released)):
        released[k] = attacker_view_of(release, released[k])
    return released


def _repeated_release(
    logits: torch.Tensor, release: Release, generator: torch.Generator | None, *, repeats: int
) -> torch.Tensor:
    """log of the mean released probability over ``repeats`` releases, model by model."""
    out = torch.empty(logits.shape, dtype=torch.float32)
    for k, model_logits in enumerate(logits):
        total = torch.zeros(model_logits.shape, dtype=torch.float64)
        for _ in range(repeats):
            total += _apply(release, model_logits, generator).double().exp()
        out[k] = torch.log(total / repeats).float()
    return out


def observe_augmented(
    models: Sequence[nn.Module],
    x: np.ndarray,
    y: np.ndarray,
    *,
    release: Release,
    queries: QueryConfig,
    seed: int,
    generator: torch.Generator | None = None,
    batch_size: int = QUERY_BATCH,
    check: Callable[[np.ndarray], None] | None = None,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """What the attacks read of the releases on A perturbed copies of ``x`` [N, ...] with
    labels ``y`` [N]: the true-class logits [K, A, N] and the predicted labels [K, A, N]
    (`mia_defense.attacks.signals.query_signals`).

    Every model is queried on the same copies, so reference models calibrate the target.
    The copies are made, queried and released one at a time (noise drawn copy by copy, in
    model order), so memory holds one copy's [K, N, C] outputs, never [K, A, N, C]. A
    randomized release is asked ``queries.repeats`` times per copy and averaged, as for the
    population's own queries: the attacker repeats every query it can.

    Args:
        check: called on each copy's released log-probabilities [K, N, C] (e.g. to refuse
            NaN), as they are made.
        progress: a progress bar over the copies, shown once they take over 5 s
            (attack.queries.num_augmented=100000 queried for a quarter of an hour unsaid).
    """
    labels = np.asarray(y)
    logits: np.ndarray | None = None
    predictions: np.ndarray | None = None
    copies = tqdm(_iter_copies(x, queries=queries, seed=seed), total=queries.num_augmented,
                  disable=not progress, delay=_PROGRESS_DELAY, unit="copy", leave=False,
                  desc=f"querying {len(models)} models on perturbed copies")
    # one probe forward for every copy (each has x's shape): it ran once a copy
    floats = _eval_floats(models, torch.as_tensor(x[:2], dtype=torch.float32))
    for a, copy in enumerate(copies):
        logit, prediction = _query_signals(
            models, copy, labels, release=release, generator=generator,
            batch_size=batch_size, check=check, repeats=queries.repeats, floats=floats,
        )  # fmt: skip
        if logits is None or predictions is None:
            shape = (logit.shape[0], queries.num_augmented, logit.shape[1])
            logits = np.empty(shape, dtype=logit.dtype)
            predictions = np.empty(shape, dtype=prediction.dtype)
        logits[:, a], predictions[:, a] = logit, prediction
    if logits is None or predictions is None:
        raise ValueError("observe_augmented needs queries.num_augmented > 0")
    return logits, predictions


def _query_signals(
    models: Sequence[nn.Module],
    inputs: torch.Tensor,
    labels: np.ndarray,
    *,
    release: Release,
    generator: torch.Generator | None,
    batch_size: int,
    check: Callable[[np.ndarray], None] | None,
    repeats: int,
    floats: int,
) -> tuple[np.ndarray, np.ndarray]:
    """`query_signals` [K, N] of every model's release on one perturbed copy (a randomized
    release averaged over ``repeats`` askings, as `observe` does); the copy's [K, N, C]
    outputs are freed on return; ``floats``: `_all_logits`'."""
    logits = _all_logits(models, inputs, batch_size, floats=floats)
    log_probs = _released(logits, release, generator, repeats=repeats).numpy()
    if check is not None:
        check(log_probs)
    # a block of models a call (`per_model`): 16 models x 8 copies were 128 calls
    return per_model(query_signals, log_probs, labels)


def _ghost_grad_norms(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, batch_size: int,
    shared_ok: dict[type, bool] | None = None,
) -> np.ndarray | None:
    """[N] per-sample gradient norms without forming per-sample gradients, for a model whose
    every parameterised layer has a ghost rule (`mia_defense.defenses.dp_stacked.GHOST_RULES`,
    the rules DP-SGD's clipping uses: ``nn.Linear`` on [B, features], so the MLP and
    logistic regression): each layer's squared norm from its input and output gradient, one
    batched forward and backward pass. ``None`` for any other model, a layer its rule does
    not accept, or one that runs twice or not at all: `_grad_norms` then forms them with
    ``vmap``."""
    layers = [m for m in model.modules() if any(True for _ in m.parameters(recurse=False))]
    # (a forward hook of the model's runs before the taps: a clamp read the gradient of its
    # output, not the layer's, norms up to 1.9x off where the probe below saw it idle)
    if not layers or any(type(m) not in GHOST_RULES or forward_hooked(m) for m in layers):
        return None
    # a weight two layers hold (tied), or one forward reads outside its layer's call (a
    # decoder tied to its encoder): its per-sample gradient sums several uses, whose norms
    # layer by layer are not its norm (the white-box signal was off by up to 2x). The probe
    # costs ~20 ms: once per model class of the call (the K models share one architecture).
    if len(list(model.named_parameters(remove_duplicate=False))) != len(
        list(model.parameters())
    ):
        return None
    shared_ok = {} if shared_ok is None else shared_ok
    if type(model) not in shared_ok:
        shared_ok[type(model)] = not used_outside_their_layers(model, inputs[:2])
    if not shared_ok[type(model)]:
        return None
    model.eval()
    taps: list[tuple[nn.Module, torch.Tensor, torch.Tensor]] = []
    handles = [
        m.register_forward_hook(lambda m, args, out: taps.append((m, args[0], out)))
        for m in layers
    ]
    norms = []
    try:
        for xs, ys in zip(inputs.split(batch_size), targets.split(batch_size), strict=True):
            taps.clear()
            with torch.enable_grad():
                loss = nn.functional.cross_entropy(model(xs), ys, reduction="sum")
                once = len(taps) == len({id(m) for m, _, _ in taps}) == len(layers)
                if not once or not all(GHOST_RULES[type(m)].accepts(m, a) for m, a, _ in taps):
                    return None
                seen = list(taps)  # (torch.utils.checkpoint calls the layers again in backward)
                out_grads = torch.autograd.grad(loss, [out for _, _, out in seen])
            pairs = [(m, a.detach(), g) for (m, a, _), g in zip(seen, out_grads, strict=True)]
            squared = torch.as_tensor(
                sum(GHOST_RULES[type(m)].squared_norms(m, a, g) for m, a, g in pairs))
            if not squared.isfinite().all():  # (see _finite_norms)
                squared = sum(GHOST_RULES[type(m)].squared_norms(m, a.double(), g.double())
                              for m, a, g in pairs)
            norms.append(squared.sqrt().float())
    except RuntimeError as err:  # e.g. frozen parameters: left to the vmap path
        if out_of_memory(err):  # (not the vmap path's to try: it holds more)
            raise
        return None
    finally:
        for handle in handles:
            handle.remove()
    return torch.cat(norms).float().numpy()  # (a bfloat16 model's: numpy has no bfloat16)


def _grad_norms(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, batch_size: int,
    shared_ok: dict[type, bool],
) -> np.ndarray:
    """[N] per-sample gradient norms of one model: ghost norms where every parameterised
    layer has a ghost rule (`_ghost_grad_norms`), else ``torch.func`` (vmap over samples)."""
    from torch.func import functional_call, grad, vmap

    ghost = _ghost_grad_norms(model, inputs, targets, batch_size, shared_ok)
    if ghost is not None:
        return ghost

    model.eval()
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def loss(p: dict, xi: torch.Tensor, yi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = functional_call(model, (p, buffers), (xi[None],))
        return nn.functional.cross_entropy(logits, yi[None]), logits[0].detach()

    per_sample = vmap(grad(loss, has_aux=True), in_dims=(None, 0, 0), randomness="different")
    device = next(iter(params.values())).device if params else inputs.device
    # a row's gradient (a float per parameter), the squares of its largest parameter's
    # below (measured: 2.3x the gradient for model=cnn) and the activations backward keeps
    sizes = [p.numel() for p in params.values()]
    floats = sum(sizes) + max(sizes, default=0) + floats_per_row(model, inputs)
    rows = _rows_within(batch_size, floats)
    norms = []
    for xs, ys in zip(inputs.split(rows), targets.split(rows), strict=True):
        drawn = torch_rng_state(device)
        grads, replayed = per_sample(params, xs, ys)
        if not all(map(torch.equal, drawn, torch_rng_state(device))):
            # an eval-mode draw: the batch's pass under the same draws must answer the same
            with torch_rng_kept(device, drawn), torch.no_grad():
                check_replayed(model, model(xs), replayed, where="attack.white_box",
                               fix="draw per sample instead (torch.randn_like(h)), or set "
                                   "attack.white_box=false to leave the white-box attack out")
        # (reshape: a 0-dim parameter's per-sample gradients are [B], which flatten(1) refused)
        norms.append(_finite_norms([g.reshape(len(g), -1) for g in grads.values()]))
    return torch.cat(norms).float().numpy()  # (a bfloat16 model's: numpy has no bfloat16)


def _finite_norms(rows: list[torch.Tensor]) -> torch.Tensor:
    """[B] float32 L2 norms over the rows [B, P] of every parameter's per-sample gradients,
    summed in float64 where float32's squares overflow: gradients of 1e19 (unscaled features
    under the 1.8e19 the data check lets through) have norms float32 holds but squares it
    does not, and the inf ended the run at Observations.save ('grad_norms: must be finite')
    after training."""
    norms = sum(r.pow(2).sum(1) for r in rows).sqrt()
    if not norms.isfinite().all():
        norms = sum(r.double().pow(2).sum(1) for r in rows).sqrt()
    return norms.float()


def gradient_norms(
    models: Sequence[nn.Module], x: np.ndarray, y: np.ndarray, *, batch_size: int = 512
) -> np.ndarray | None:
    """White-box signal: L2 norm of each sample's loss gradient w.r.t. the parameters [K, N].

    Returns ``None`` with a warning for a model ``torch.func`` cannot differentiate per
    sample (the gradient attack is then skipped).
    """
    # (torch.func loops over the samples of an nn.LSTM, and torch warned so every run;
    # before any model runs)
    ignore_performance_note("aten::mkldnn_rnn_layer")
    inputs = torch.as_tensor(x, dtype=torch.float32)
    targets = torch.as_tensor(y, dtype=torch.long)
    version = inputs._version
    norms: list[np.ndarray] = []
    try:
        shared_ok: dict[type, bool] = {}  # (per model class: no weight read outside its layer)
        for model in models:
            norms.append(_grad_norms(model, inputs, targets, batch_size, shared_ok))
            if inputs._version != version:  # (the later models' norms: of the rows it changed)
                break
    except Exception as exc:  # any model torch.func rejects: skip the signal, keep the run
        log.warning("white-box gradient norms skipped: %s", _no_grad_norms(models[0], exc))
        return None
    if inputs._version != version:  # (raised here: not a model torch.func rejects)
        k = len(norms) - 1
        raise _input_changed(models[k], k, "the batches of its per-sample gradient norms")
    return np.stack(norms)


def _no_grad_norms(model: nn.Module, exc: Exception) -> str:
    """Which part of ``model`` gives no per-sample gradients (torch.func raised ``exc``) and
    what to do: the warning was torch's bare error ('zip() argument 2 is shorter than
    argument 1' for a checkpointed model, a broadcast shape for nn.GRU)."""
    if isinstance(exc, UnsupportedModelError):  # (its own words: check_replayed's)
        return str(exc)
    failed = f"{type(exc).__name__}: {first_line(exc)}"
    if out_of_memory(exc):  # (was said as torch.func's failure to form them)
        return (f"the per-sample gradients of {type(model).__name__} ran out of memory "
                f"({failed}); free memory for the run (fewer runs or other jobs at once) or "
                "set attack.white_box=false to leave the white-box attack out")
    # (nn.LSTM runs: torch.func falls back to a loop over the samples for it)
    rnn = next(((n, m) for n, m in model.named_modules() if type(m) in (nn.GRU, nn.RNN)), None)
    if rnn is not None:
        kind = type(rnn[1]).__name__
        return (f"torch.func cannot run {rnn[0] or '<root>'} (nn.{kind}) per sample ({failed}), "
                "so the models give no per-sample gradients. Build it with "
                f"opacus.layers.DP{kind} instead (the same layer in cells torch.func runs), or "
                "set attack.white_box=false")
    if hooked := hook_not_transformed(model, failed):
        return (f"torch.func cannot form per-sample gradients of {type(model).__name__}: "
                f"{hooked} ({failed}). Remove the hook, or set attack.white_box=false")
    if recomputed(failed):
        what, fix = recomputed_part(failed)
        return (f"torch.func cannot form per-sample gradients of {type(model).__name__}: {what} "
                f"({failed}). {fix[0].upper()}{fix[1:]}, or set attack.white_box=false")
    return (f"torch.func cannot form per-sample gradients of {type(model).__name__} "
            f"({failed}); set attack.white_box=false to leave the white-box attack out")
