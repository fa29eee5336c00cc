"""What a module's forward does besides computing its outputs, probed on copies of it with
random samples: whether it keeps state across calls, draws from Python's or numpy's random
generators, or mixes the samples of a batch. The stacked engine asks
(`mia_defense.training.stack.vmap_blocker`): each is a model that K stacked copies would
not train as K separate ones. And whether it draws from torch's generator (`stacked_draws`):
stacked models then train on draws of their own, said in the log and results.json.
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

from mia_defense.errors import first_few
from mia_defense.models.alike import MODULE_INTERNALS
from mia_defense.models.validation import padding_moves_rows
from mia_defense.seeding import seed_global_torch, torch_rng_kept, torch_rng_state

__all__ = ["OTHER_SEEDS", "backward_hooked_layer", "differ", "draws_outside_torch",
           "forward_hooked", "held_blocker", "hook_not_transformed", "keeps_state",
           "kept_between_passes", "kept_from_a_pass", "mixes_samples", "own_state",
           "probed_blocker", "seeded_outputs", "stacked_draws", "stale_after_a_step",
           "state_changes", "state_outside", "written_through"]


def mixes_samples(outputs: dict[str, tuple[torch.Tensor, ...]]) -> str | None:
    """The mode (``"training mode"``, ``"eval mode"``) in which a model gives a sample
    another output when the other samples of its batch change (`seeded_outputs`), or
    ``None``: it treats each sample on its own (or cannot run on random samples).

    Stacked, a model whose batch is shorter than the longest of its chunk runs on its
    batch padded with other members (masked out of the loss only), and its members are
    evaluated padded alike: a BatchNorm1d(track_running_stats=False) model's weights
    trained stacked ended 0.1 from the same model's trained alone (3 epochs, members of 45,
    60 and 30). Both batches have one size and are run under one seed, so dropout draws
    one mask in both.
    """
    return next((mode for mode, (first, _, other, _) in outputs.items()
                 if differ(first[:2], other[:2])), None)  # fmt: skip


def keeps_state(outputs: dict[str, tuple[torch.Tensor, ...]]) -> str | None:
    """The mode in which a model answers the same batch differently the second time, under
    the same random seeds (`seeded_outputs`), or ``None``. Such a module keeps state
    outside its buffers that its forward changes (a step counter in an attribute, a
    torch.Generator of its own); stacked, the K models all run the first model's, which
    counts the chunk's steps: a model scaling its logits by 1 / (1 + 0.01 * steps) ended
    1.4e-3 from itself trained alone, and the other K-1 models were released with their
    counters at 0."""
    return next((mode for mode, (first, again, _, _) in outputs.items()
                 if differ(first, again)), None)  # fmt: skip


def draws_outside_torch(outputs: dict[str, tuple[torch.Tensor, ...]]) -> str | None:
    """The mode in which a model's output changes with the state of Python's or numpy's
    global generator (`seeded_outputs`), or ``None``. vmap gives each stacked model its
    own draws from torch's generator only: a draw from ``random`` or ``numpy.random`` in
    forward is one Python call, the same for all K models (stochastic depth by
    ``random.random() < p``: three stacked copies of one model on the same members stayed
    identical, where dropout set them 0.2 apart)."""
    return next((mode for mode, (*_, others) in outputs.items()
                 if any(differ(others[0], other) for other in others[1:])), None)  # fmt: skip


def backward_hooked_layer(model: nn.Module) -> str | None:
    """The name of the first of ``model``'s layers with a backward hook or backward pre-hook
    (``register_full_backward_hook``; ``"<root>"``: the model itself), or ``None``.
    torch.func's passes (the stacked engine's, its per-sample gradients under DP) never run
    one."""
    return next((n or "<root>" for n, m in model.named_modules()
                 if m._backward_hooks or m._backward_pre_hooks), None)  # fmt: skip


def forward_hooked(module: nn.Module) -> bool:
    """Whether ``module`` runs a forward hook (``register_forward_hook``, or a global
    ``register_module_forward_hook``), which may change its output, or keep it for a later
    use, after the layer ran: per-sample gradients formed from the gradient of a layer's
    output (ghost norms, Opacus' grad samplers) are then those of the hook's output, not of
    the layer's (``o * 3``: a third of each). A forward pre-hook is not one: both read the
    input it gives."""
    return bool(module._forward_hooks or nn.modules.module._global_forward_hooks)


def hook_not_transformed(model: nn.Module, failed: str) -> str | None:
    """What of ``model`` torch.func cannot differentiate per sample where its error
    ``failed`` is a backward hook's (`backward_hooked_layer`), or ``None``: PyTorch runs a
    module's backward hooks through a torch.autograd.Function without ``setup_context``,
    which torch.func refuses in words that name no hook (the checkpoint's, as if the model
    recomputed layers)."""
    layer = backward_hooked_layer(model)
    if layer is None or "setup_context" not in failed:
        return None
    return (f"its layer {layer!r} has a backward hook (register_full_backward_hook), which "
            "PyTorch runs through a torch.autograd.Function that torch.func cannot "
            "transform, so no per-sample gradient passes it")


def _span(t: torch.Tensor) -> tuple[int, int, int]:
    """``t``'s storage and the range of its elements there (``[start, end)``)."""
    start = t.storage_offset()
    end = start + sum((n - 1) * s for n, s in zip(t.shape, t.stride(), strict=True)) + 1
    return t.untyped_storage().data_ptr(), start * t.element_size(), end * t.element_size()


def held_blocker(model: nn.Module) -> str | None:
    """Why stacked copies of ``model`` would not train as it does, from how it holds its
    parameters (no pass run), or ``None``: a gradient hook on a parameter or a backward hook
    on a layer, which torch.func's stacked pass never runs; two Parameters on one storage
    (``nn.Parameter(self.out.weight.data)``), which the stacked leaves train apart where the
    module steps the one tensor with both gradients (its weights ended 0.28 from the module
    run as written, tied again when written back)."""
    name = type(model).__name__
    hooked = next((n for n, p in model.named_parameters()
                   if p._backward_hooks or getattr(p, "_post_accumulate_grad_hooks", None)),
                  None)  # fmt: skip
    if hooked:
        return (f"{name} has a gradient hook on its parameter {hooked!r} "
                "(Tensor.register_hook), which the stacked copies of its parameters would not run")
    if layer := backward_hooked_layer(model):
        return (f"{name} has a backward hook on its layer {layer!r} "
                "(register_full_backward_hook), which torch.func's stacked pass would not run")
    spans = [(n, _span(p)) for n, p in model.named_parameters()  # (one Parameter: once)
             if p.numel() and p.untyped_storage().data_ptr()]  # fmt: skip
    for i, (a, (ptr, start, end)) in enumerate(spans):
        b = next((b for b, (o, s, e) in spans[i + 1:] if o == ptr and s < end and start < e), None)
        if b is not None:
            return (f"{name} holds its parameters {a!r} and {b!r} on one storage (two "
                    "Parameters of one tensor: nn.Parameter(self.out.weight.data)), which "
                    "stacked models would train apart, where the module steps the one tensor "
                    "with both gradients")
    return None


def differ(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape != b.shape or not torch.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)


# Seeds of Python's and numpy's generators `draws_outside_torch` tries: a coin flipped
# with probability 1/2 in forward lands the same way under all 8 with probability 2**-7.
OTHER_SEEDS = 8


def _probe_batches(input_shape: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """`seeded_outputs`' two batches of three random samples: the same first two, another
    third."""
    gen = torch.Generator().manual_seed(0)
    first, second = (torch.randn((3, *input_shape), generator=gen) for _ in range(2))
    second[:2] = first[:2]
    return first, second


def _passes_changes(
    model: nn.Module, input_shape: Sequence[int], mode: str, batches: Sequence[int]
) -> tuple[list[torch.Tensor], list[list[str]]]:
    """A copy of ``model`` in ``mode`` run on `_probe_batches` ``batches`` (0: the first, 1:
    the second) one after another, each under torch's seed 0: its outputs, and the
    attributes each pass set or changed (`state_changes`)."""
    device = next(model.parameters()).device
    probe = copy.deepcopy(model).train(mode == "training mode")
    inputs = [x.to(device) for x in _probe_batches(input_shape)]
    outs, changed = [], []
    with torch_rng_kept(device), torch.no_grad():
        for i in batches:
            before = own_state(probe)
            seed_global_torch(0, [device])
            outs.append(probe(inputs[i].clone()))  # (its own: a forward may change it in place)
            changed.append(state_changes(before, own_state(probe)))
    return outs, changed


def kept_from_a_pass(model: nn.Module, input_shape: Sequence[int], mode: str) -> list[str]:
    """The attributes (``self.cache``) a copy of ``model`` sets or changes in a pass in
    ``mode`` on `seeded_outputs`' first batch (`state_changes`), where its outputs mix the
    samples of a batch (`mixes_samples`) through them alone: after that pass, the copy gives
    the first two samples the same outputs on the batch whose third is another (a cache
    ``x.mean()`` set at its first call). Empty otherwise, or when it cannot run them."""
    try:
        (out, again), (kept, _) = _passes_changes(model, input_shape, mode, (0, 1))
        if not kept or differ(out[:2], again[:2]):
            return []
    except Exception:  # (what it cannot run, the checks name)
        return []
    return [f"self.{name}" for name in kept]


def kept_between_passes(model: nn.Module, input_shape: Sequence[int], mode: str) -> list[str]:
    """The attributes a copy of ``model`` sets or changes in two passes in ``mode`` on
    `seeded_outputs`' first batch (`state_changes` after each: ``self.steps`` of a step
    counter, ``self.gen`` of a torch.Generator of its own drawn from), where `keeps_state`
    found that it answers that batch differently the second time. Empty when it changes
    none (the state is elsewhere: `state_outside`), or cannot run them."""
    try:
        _, changed = _passes_changes(model, input_shape, mode, (0, 0))
    except Exception:  # (what it cannot run, the checks name)
        return []
    return [f"self.{name}" for name in sorted({*changed[0], *changed[1]})]


def stale_after_a_step(model: nn.Module, input_shape: Sequence[int]) -> bool:
    """Whether a copy of ``model`` (no pass run yet), run once in training mode on
    `_probe_batches`' first batch, then its trainable weights moved (in place, as an
    optimiser's step moves them), answers that batch otherwise than a copy that held the
    moved weights from its first pass on (its buffers then set to the first copy's: a
    running statistic, a power iteration's vector, as the step left them): its forward keeps
    a value computed from its weights at its first call (``self.w =
    self.fc.weight.t().contiguous()``, a clone), which later passes read though the weights
    moved. Each pass runs under the same random states (torch's seed 0, Python's and
    numpy's, put back after). ``False`` when it cannot run them (the checks name why)."""
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    try:
        device = next(model.parameters()).device
        x = _probe_batches(input_shape)[0].to(device)
        gen = torch.Generator().manual_seed(0)
        stepped, moved = copy.deepcopy(model).train(), copy.deepcopy(model).train()

        def run(probe: nn.Module) -> torch.Tensor:
            seed_global_torch(0, [device])
            random.setstate(python_state)
            np.random.set_state(numpy_state)  # noqa: NPY002
            return probe(x.clone())

        with torch_rng_kept(device):
            with torch.no_grad():
                for p in moved.parameters():
                    if p.requires_grad and p.is_floating_point():
                        p.add_(0.5 * torch.randn(p.shape, generator=gen).to(p))
            run(stepped), run(moved)
            with torch.no_grad():
                for mine, theirs in ((stepped.parameters(), moved.parameters()),
                                     (moved.buffers(), stepped.buffers())):  # fmt: skip
                    for a, b in zip(mine, theirs, strict=True):
                        a.copy_(b)
            return differ(run(stepped), run(moved))
    except Exception:  # (what it cannot run, the checks name)
        return False
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002


def seeded_outputs(
    model: nn.Module, input_shape: Sequence[int]
) -> dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Per mode (``"training mode"``, ``"eval mode"``): a copy of ``model``'s outputs on a
    batch of three random samples, then on it again, a fresh copy's on a batch whose
    first two samples are the same, the third another, each call under the same random
    states (torch's, Python's and numpy's, put back after); and fresh copies' on the first
    batch under torch's same seed, Python's and numpy's generators seeded by 0, 1, ...,
    `OTHER_SEEDS` - 1 (stacked [OTHER_SEEDS, ...]). Empty when it cannot run them."""
    first, second = _probe_batches(input_shape)
    device = next(model.parameters()).device
    # (numpy's legacy global generator: the one a user's forward would draw from)
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002

    def seeded(probe: nn.Module, x: torch.Tensor, *, other: int | None = None) -> torch.Tensor:
        with torch_rng_kept(device), torch.no_grad():
            seed_global_torch(0, [device])
            random.setstate(python_state)
            np.random.set_state(numpy_state)  # noqa: NPY002
            if other is not None:  # Python's and numpy's generators seeded by ``other``
                random.seed(other)
                np.random.seed(other)  # noqa: NPY002
            out = probe(x.to(device).clone())  # (its own: a forward may change it in place)
        if not isinstance(out, torch.Tensor):
            raise TypeError(type(out).__name__)
        return out

    found = {}
    try:
        for training, mode in ((True, "training mode"), (False, "eval mode")):
            probe = copy.deepcopy(model).train(training)
            outs = (seeded(probe, first), seeded(probe, first))
            found[mode] = (*outs, seeded(copy.deepcopy(model).train(training), second),
                           torch.stack([seeded(copy.deepcopy(model).train(training), first,
                                               other=seed) for seed in range(OTHER_SEEDS)]))
    except Exception:
        return {}
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002
    return found


# What the probes of a model's outputs (`seeded_outputs`) find that stacked models would not
# do as each model alone does, and why.
_PROBED = (
    (keeps_state, "{model} answers the same batch differently the second time in {found}, "
     "under the same random seed: its forward changes state kept outside its buffers (a step "
     "counter, a torch.Generator of its own), and stacked models would all run the first "
     "model's"),
    (draws_outside_torch, "{model} draws from Python's or numpy's random generator in {found} "
     "(random.random(), numpy.random): stacked models would all get one draw, where each model "
     "alone gets its own; torch's generator gives each its own"),
    (mixes_samples, "{model}'s output on a sample depends on the other samples of its batch in "
     "{found} (BatchNorm without running statistics, a mean over the batch), and stacked "
     "models' batches are padded to the longest model's"),
)
# mixes_samples', where a pass keeps a value on the module that later ones read
# (`kept_from_a_pass`): no sample of another batch is read, but another pass's.
_KEPT_FROM_A_PASS = (
    "{model}'s output on a sample depends on another pass's batch in {found}: it keeps a "
    "value from a pass in {kept} (a cache set at its first call), which later passes read, "
    "and stacked models, all run through the first model's module, would share it where "
    "each model alone keeps its own; compute it anew in every forward to stack them"
)
# keeps_state's, where a pass changes attributes of the model (`kept_between_passes`).
_KEPT_BETWEEN_PASSES = (
    "{model} answers the same batch differently the second time in {found}, under the same "
    "random seed: its forward changes {kept}, state kept outside its buffers (a step "
    "counter, a torch.Generator of its own), and stacked models would all run the first "
    "model's"
)
# `padding_moves_rows`', asked after the probes above.
_BATCH_SIZED = (
    "{model} gives the samples of a batch other gradients once rows are appended to it: its "
    "output depends on the batch's size (len(x) in forward), and stacked models' batches "
    "are padded at their end to the longest model's"
)
# keeps_state's, where the state is outside the model (`state_outside`): one at a time
# shares it too, and says so (the reason above read as if one at a time kept it apart).
_KEPT_OUTSIDE = (
    "{model} answers the same batch differently the second time in {found}, under the same "
    "random seed: its forward changes {outside} outside the model, which one at a time does "
    "not keep apart either (each model starts where the one before stopped), but any such "
    "state it keeps on itself (a torch.Generator of its own) stacked models would all run "
    "the first model's"
)


# Where a copy's forward changes the model it was copied from (`written_through`).
_WRITES_THROUGH = (
    "{model}'s forward, run on a copy of it, changes the model itself ({changed}): a hook or "
    "function it holds refers to the model it was made for (a closure over self, as "
    "register_forward_hook(lambda m, a, o: setattr(self, 'kept', o))), so a copy writes "
    "there and reads its own, another pass's, and stacked copies would all write to "
    "models[0]; to stack them, use a layer's output where forward calls it (h = self.fc(x)) "
    "instead of keeping it in the model"
)


def _held(value: Any) -> tuple[Any, ...]:
    """What `state_changes` compares of a value: the object, and a list's or dict's items (64 at
    most); a torch.Generator by its state (the object stays where it is drawn from)."""

    def kept(item: Any) -> Any:
        return bytes(item.get_state().numpy()) if isinstance(item, torch.Generator) else item

    if isinstance(value, list | dict) and len(value) <= 64:
        return (value, *map(kept, value.values() if isinstance(value, dict) else value))
    return value, kept(value)


def own_state(model: nn.Module) -> dict[str, tuple[Any, ...]]:
    """``model``'s plain attributes (``fc._kept``: ``_kept`` of its layer ``fc``; torch's own
    of a module left out), as `state_changes` compares them."""
    return {f"{name}.{k}".lstrip("."): _held(v) for name, m in model.named_modules()
            for k, v in vars(m).items() if k not in MODULE_INTERNALS}  # fmt: skip


def state_changes(
    before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]
) -> list[str]:
    """The attributes of two `own_state` that differ: set, replaced, changed in a list or
    dict (64 items at most), or removed (their `_held` values compared)."""
    return sorted(name for name in before.keys() | after.keys() if name not in before
                  or name not in after or len(after[name]) != len(before[name]) or any(
                      a != b if isinstance(a, bytes) else a is not b
                      for a, b in zip(after[name], before[name], strict=True)))  # fmt: skip


@contextmanager
def written_through(model: nn.Module) -> Iterator[list[str]]:
    """Around probes that run copies of ``model``: yields a list that then holds which of
    ``model``'s attributes their forward passes changed (``fc._kept``: ``_kept`` of its
    layer ``fc``; removed ones too), and puts them back as they were. A forward hook
    closing over ``self`` (``self._kept = o``) writes to the model it was made for from any
    copy: stacked, a copy's vmapped call leaves a batched tensor there, which the next copy
    fails on (NotImplementedError: Cannot access storage of BatchedTensorImpl); the copy
    reads its own attribute, another pass's."""
    attrs = [(vars(m), dict(vars(m))) for m in model.modules()]
    lists = [(v, v.copy()) for _, kept in attrs for k, v in kept.items()
             if k not in MODULE_INTERNALS and isinstance(v, list | dict)]  # fmt: skip
    before, found = own_state(model), []
    try:
        yield found
    finally:
        found += state_changes(before, own_state(model))
        for attributes, kept in attrs if found else ():  # (each as it was, a list's items too)
            attributes.clear()
            attributes.update(kept)
        for value, items in lists if found else ():
            value.clear()
            value.extend(items) if isinstance(value, list) else value.update(items)


def probed_blocker(model: nn.Module, input_shape: Sequence[int]) -> str | None:
    """Why ``model`` cannot train stacked by what the probes of its outputs find
    (`seeded_outputs`: `keeps_state`, `draws_outside_torch`, `mixes_samples`), or ``None``:
    what `mia_defense.training.stack.vmap_blocker` asks of them. Then whether rows appended
    to a batch change its samples' gradients (`padding_moves_rows`, on the same three random
    samples): ``fc(x) * 64 / len(x)`` gives the first three the same outputs in both of
    `mixes_samples`' batches, one size, but stacked, a model's last batch is padded to its
    chunk's longest, and such a model trained stacked ended 9.6e-3 from itself trained alone
    (K=4, 3 epochs), where a plain one matched to 4e-9. A model whose output depends on a
    sample's position alone (``torch.arange(len(x))``) trains stacked: padding at the end
    leaves every position as it was (DP-SGD, which differentiates each sample alone, asks
    `mia_defense.models.validation.depends_on_batch_position` and refuses it)."""
    with written_through(model) as changed:
        outputs = seeded_outputs(model, input_shape)
    if changed:
        return _WRITES_THROUGH.format(model=type(model).__name__, changed=first_few(changed, 3))
    for finds, why in _PROBED:
        if found := finds(outputs):
            outside = state_outside(model, input_shape) if finds is keeps_state else []
            kept = (kept_from_a_pass(model, input_shape, found) if finds is mixes_samples
                    else kept_between_passes(model, input_shape, found)
                    if finds is keeps_state and not outside else [])  # fmt: skip
            if kept:
                why = _KEPT_FROM_A_PASS if finds is mixes_samples else _KEPT_BETWEEN_PASSES
            return (_KEPT_OUTSIDE if outside else why).format(
                model=type(model).__name__, found=found, outside=first_few(outside, 3),
                kept=first_few(kept, 3))
    if outputs:  # (one it cannot run on random samples: the stacked call names why)
        rows = torch.randn((3, *input_shape), generator=torch.Generator().manual_seed(0))
        if padding_moves_rows(model, rows.to(next(model.parameters()).device)):
            return _BATCH_SIZED.format(model=type(model).__name__)
    return None


def stacked_draws(model: nn.Module, input_shape: Sequence[int]) -> str | None:
    """What a run says of stacked models whose forward draws from torch's global generator
    (``None``: it draws nothing from it, on a batch of two rows of zeros through a copy in
    training mode and in eval mode; the generators put back after).

    Any such draw (nn.Dropout, F.dropout, torch.rand_like, torch.randn(shape), a mask
    ``torch.rand(h.shape) < p``, the dropout defense's hooks) is drawn under vmap's
    ``randomness="different"``: each stacked model gets its own values, from the one stream
    of its chunk (seeded from the chunk's first model). The same config draws them again,
    but a model trained alone (``train.chunk_size=1``, a fallback) draws others, so its
    weights differ. Drawing each model's values from its own seed's stream would take a
    pass per model, which stacking exists to avoid: stacked draws stay, said."""
    found = []
    try:
        device = next(model.parameters()).device
        x = torch.zeros((2, *input_shape), device=device)
        with torch_rng_kept(device), torch.no_grad():
            for training, mode in ((True, "training mode"), (False, "eval mode")):
                probe = copy.deepcopy(model).train(training)
                before = torch_rng_state(device)
                probe(x)
                if not all(map(torch.equal, before, torch_rng_state(device))):
                    found.append(mode)
    except Exception:  # (what the model cannot run, the stacking check named already)
        return None
    if not found:
        return None
    return (f"{type(model).__name__}'s forward draws from torch's random generator in "
            f"{' and '.join(found)} (dropout, torch.rand_like, ...): each stacked model gets "
            "its own draws, the same under the same seed and train.chunk_size, but not those "
            "it draws trained alone (train.chunk_size=1), so its weights differ from a "
            "separate run's beyond rounding")


def state_outside(model: nn.Module, input_shape: Sequence[int]) -> list[str]:
    """What a forward of ``model`` changes at every call outside the model (a copy of it, in
    training mode on two rows of zeros, after a first call: a value set once is no counter):
    a global of the file that defines one of its classes (``STEP += 1``, ``CALLS[0] += 1``, a
    ``torch.Generator`` drawn from, in a list or dict too), a class attribute, a variable of
    ``forward``'s closure. Its classes from torch and mia_defense (the shipped models) are not
    looked at, and cost nothing.

    Such state is shared by the run's models whichever engine trains them: stacked, a
    chunk's K models count one call per step; one at a time, each starts where the one
    before it stopped. The output probes (`keeps_state`) miss a counter that changes the
    outputs only later (one annealing after 200 calls)."""
    own = {type(m) for m in model.modules()} - {nn.Module}
    own = [c for c in own if not c.__module__.startswith(("torch", "mia_defense"))]
    if not own:
        return []

    def places() -> Iterator[tuple[str, Any]]:
        for cls in own:
            yield from ((f"{cls.__module__}.{k}", v)
                        for k, v in vars(sys.modules.get(cls.__module__, cls)).items())
            yield from ((f"{cls.__qualname__}.{k}", v) for k, v in vars(cls).items())
            forward = getattr(cls.forward, "__code__", None)
            for name, cell in zip(forward.co_freevars if forward else (),
                                  cls.forward.__closure__ or (), strict=False):  # fmt: skip
                yield f"{cls.__qualname__}.forward's {name}", cell.cell_contents

    def held() -> dict[str, tuple[Any, ...]]:  # the objects (no id reused), a container's own
        return {name: _held(value) for name, value in places()}  # (GEN = torch.Generator())

    try:
        probe = copy.deepcopy(model).train()
        x = torch.zeros((2, *input_shape), device=next(model.parameters()).device)
        with torch_rng_kept(x.device), torch.no_grad():
            probe(x)
            before = held()
            probe(x)
            after = held()
    except Exception:  # (what it cannot run, the checks name)
        return []
    return [name for name in state_changes(before, after) if name in before and name in after]
