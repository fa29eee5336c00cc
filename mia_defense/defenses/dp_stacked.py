"""DP-SGD on the stacked engine: Poisson draws, per-sample clipping, noise, steps counted.

The stacked form of `mia_defense.defenses.dp.DPSGD` (its hooks call it; the engine does
not), for every model of a chunk at once:

- each model draws its own Poisson batches (`poisson_mask`, rate q), empty ones included;
- each sample's gradient is its contribution to the model's batch loss (what Opacus computes
  with ``loss_reduction="mean"``: the loss's gradient with respect to the sample's logits,
  times the batch count), clipped jointly over all trainable parameters (a frozen one,
  requires_grad=False, gets no gradient, as in Opacus) with Opacus' factor
  ``min(1, C / (norm + 1e-6))`` and summed;
- one `gaussian_noise` vector of std ``σC`` per model over the trainable parameters (in
  ``stack.names`` order, as Opacus' path draws it) is added, and the sum is divided by the
  model's expected batch size.

The loss hook is whatever the defenses chose: only ``G = d loss / d logits`` is read from it.
Per-sample norms and clipped sums come from one pass of the models, so every sample's
clipped term has norm at most C whatever the model does. Three strategies, picked per model
by `per_sample_strategy`:

- ``ghost``: every parameterised layer has a rule in `GHOST_RULES` (``nn.Linear`` on
  [B, features] inputs: the default MLP and logistic regression). Norms come from each
  layer's input a_i and output gradient g_i (``||g_i a_i^T|| = ||g_i|| ||a_i||``, Opacus'
  ghost clipping) and sums from ``Σ c_i g_i a_i^T``: no per-sample gradient is formed.
  The pass is the engine's own forward pass, tapped (`ghost_forward`, which DP-SGD's
  ``forward`` hook runs), then one backward pass to the taps (`ghost_clipped_sums`).
- ``mixed``: some layers have a rule (a CNN's or ResNet's ``nn.Linear`` head): the other
  parameters' per-sample gradients are formed by ``vmap(grad)``, a chunk of samples at a
  time so memory stays bounded, and the ruled layers get ghost norms from the same pass.
- ``materialised``: ``vmap(grad)`` for every parameter (no rule applies).

``mixed`` and ``materialised`` run a second pass of the same models on the same inputs,
replaying the random draws of the engine's pass (dropout; the caller restores the global
generator); a model whose outputs there are not the engine pass's (a draw made once for the
whole batch, drawn per sample there) is refused (`check_replayed`).

A layer whose input does not suit its rule (``nn.Linear`` on [B, T, features]), that runs
twice (shared weights) or not at all sends the model to ``materialised``. A layer that
holds a parameter another layer holds too (tied weights), or has a forward hook (which may
change its output: the taps would read the gradient of the hook's output), has no ghost
rule: its per-sample gradients are formed. A rule takes a layer's input and output-gradient
row i as sample i's; `DPSGD.setup` holds the ghost norms to each sample's own on 4 of the
run's records (`ghost_norms_not_own`) and sends a model whose rows are not (one that
reorders the batch around a layer) to ``materialised``.

One audit hook, off by default: inside `gradient_canaries` (the one-run audit,
`mia_defense.audit`), each `PrivateSteps` adds Dirac canary gradients to the clipped sums
and shows the auditor the noisy sums at the canaries' coordinates, and the members' own
clipped sums there (`GradientCanaries`); a resumed run loads a saved chunk only with the
canaries' record saved beside it (`resumed_chunks`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

import torch
from torch import nn
from torch.func import functional_call, grad, vmap
from torch.nn.utils.rnn import pad_sequence

from mia_defense.budget import BOUNDED_BYTES
from mia_defense.defenses.accounting import epsilon_spent
from mia_defense.defenses.dp_mechanism import (
    DPSchedule,
    RandomSource,
    gaussian_noise,
    poisson_mask,
)
from mia_defense.errors import (
    ConfigError,
    UnsupportedModelError,
    counted,
    first_line,
    out_of_memory,
)
from mia_defense.models.probes import forward_hooked, hook_not_transformed
from mia_defense.models.validation import (
    neither_engine,
    opacus_grad_samples,
    own_row_grads,
    row_weights,
    rows_not_own,
)
from mia_defense.seeding import seed_global_torch
from mia_defense.training.stack import ModelStack

__all__ = [
    "GHOST_RULES",
    "MATERIALISED_BUDGET",
    "GhostRule",
    "GhostTaps",
    "GradientCanaries",
    "NotGhostable",
    "PrivateSteps",
    "check_replayed",
    "clipped_grad_sums",
    "ghost_clipped_sums",
    "ghost_forward",
    "ghost_layers",
    "ghost_norms_not_own",
    "ghost_plan",
    "gradient_canaries",
    "no_per_sample_grads",
    "per_sample_strategy",
    "register_ghost_rule",
    "resumed_chunks",
    "sample_output_grads",
]

STRATEGIES = ("ghost", "mixed", "materialised")
# Per-sample gradients held at once by the materialised strategy, in bytes (float32): the
# bound the budget check counts (`mia_defense.budget.BOUNDED_BYTES`).
MATERIALISED_BUDGET = BOUNDED_BYTES


@dataclass(frozen=True)
class GhostRule:
    """How one layer type gives per-sample gradient norms and clipped sums without
    forming per-sample gradients, from its input ``a`` [K, B, ...] and the gradient ``g``
    [K, B, ...] of the batch surrogate with respect to its output.

    Attributes:
        accepts: whether the layer's input (one model's, [B, ...]) suits the rule.
        output_shape: one sample's output shape.
        squared_norms: [K, B] squared norms of each sample's gradient over the layer's
            parameters.
        sums: ``{parameter name: [K, ...]}``, the sums over samples of ``g`` (already
            scaled by each sample's clipping factor) times the samples' gradients.
    """

    accepts: Callable[[nn.Module, torch.Tensor], bool]
    output_shape: Callable[[nn.Module], tuple[int, ...]]
    squared_norms: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]
    sums: Callable[[nn.Module, torch.Tensor, torch.Tensor], dict[str, torch.Tensor]]


def _linear_norms(module: nn.Module, a: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    g2 = g.square().sum(-1)
    extra = 1.0 if module.bias is not None else 0.0  # the bias gradient is g itself
    return g2 * (a.square().sum(-1) + extra)


def _linear_sums(module: nn.Module, a: torch.Tensor, g: torch.Tensor) -> dict[str, torch.Tensor]:
    out = {"weight": torch.bmm(g.transpose(1, 2), a)}
    if module.bias is not None:
        out["bias"] = g.sum(1)
    return out


# Layer type -> rule (exact types: a subclass may compute something else).
GHOST_RULES: dict[type[nn.Module], GhostRule] = {}


def register_ghost_rule(layer: type[nn.Module], rule: GhostRule) -> None:
    """Add a `GhostRule` for ``layer``; an existing entry is never replaced silently."""
    if layer in GHOST_RULES:
        raise ValueError(f"a ghost rule for {layer.__name__} exists already")
    GHOST_RULES[layer] = rule


register_ghost_rule(
    nn.Linear,
    GhostRule(
        accepts=lambda module, a: a.dim() == 2,
        output_shape=lambda module: (module.out_features,),
        squared_norms=_linear_norms,
        sums=_linear_sums,
    ),
)


class _Layer(NamedTuple):
    """A parameterised layer with a ghost rule: its name in the model, itself, its rule."""

    prefix: str
    module: nn.Module
    rule: GhostRule


def ghost_layers(model: nn.Module) -> tuple[list[_Layer], bool]:
    """The trained layers of ``model`` that have a ghost rule, and whether every trained
    layer has one. A layer whose parameters are all frozen (requires_grad=False) is not
    trained: no gradient, as Opacus; one partly frozen gets formed per-sample gradients."""
    layers, complete = [], True
    # a parameter held by two layers (tied weights: self.c.weight = self.a.weight): its
    # per-sample gradient is the sum of both layers', whose ghost norms and sums, each
    # layer's alone, missed it (DP-SGD without noise or clipping was not plain SGD)
    held = Counter(id(p) for _, p in model.named_parameters(remove_duplicate=False))
    for prefix, module in model.named_modules():
        own = list(module.parameters(recurse=False))
        trains = [p.requires_grad for p in own]
        if not any(trains):
            continue
        rule = GHOST_RULES.get(type(module))
        # (a forward hook runs before the tap, which read the gradient of its output: o * 3
        # or a clamp left the sums of DP-SGD without clipping 0.5 to 0.97 from the model's)
        if (rule is None or forward_hooked(module) or not all(trains)
                or any(held[id(p)] > 1 for p in own)):
            complete = False
        else:
            layers.append(_Layer(prefix, module, rule))
    return layers, complete


def per_sample_strategy(model: nn.Module) -> str:
    """How the per-sample norms of ``model`` are computed: ``ghost`` when every
    parameterised layer has a `GHOST_RULES` entry, ``mixed`` when some do (ghost norms for
    those, ``vmap(grad)`` for the others), else ``materialised``."""
    return ghost_plan(model)[0]


def ghost_plan(model: nn.Module) -> tuple[str, list[_Layer]]:
    """`per_sample_strategy` and the layers of `ghost_layers`, from one walk of ``model``."""
    layers, complete = ghost_layers(model)
    return "ghost" if complete else "mixed" if layers else "materialised", layers


def sample_output_grads(
    logits: torch.Tensor, loss: torch.Tensor, valid: torch.Tensor
) -> torch.Tensor:
    """Each sample's gradient of its model's batch loss with respect to its logits, times the
    batch count: G [K, B, C], zero on padding.

    With a mean loss this is the gradient of the sample's own loss: the per-sample gradient
    is then ``J_i^T G_i``, what Opacus computes with ``loss_reduction="mean"``.
    """
    (out,) = torch.autograd.grad(loss.sum(), logits)
    counts = valid.sum(1).clamp(min=1).to(out.dtype)
    mask = valid.to(out.dtype) * counts[:, None]
    return (out * mask.view(*mask.shape, *[1] * (out.dim() - 2))).detach()


class NotGhostable(Exception):
    """A layer's input does not suit its rule, or a layer runs twice (shared weights) or
    not at all."""


def _tapped_call(
    base: nn.Module,
    params: Mapping[str, torch.Tensor],
    buffers: Mapping[str, torch.Tensor],
    x: torch.Tensor,
    layers: Sequence[_Layer],
    probes: Sequence[torch.Tensor],
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``base`` called on ``x`` with ``params``, each ghost layer's input recorded and a zero
    ``probe`` added to its output (the probe's gradient is the layer's output gradient).
    A layer whose output has other rows than the probe's one per sample (a layer on
    ``x.reshape(B * T, F)``) is `NotGhostable`: broadcast over them, a one-sample draw
    clipped each row apart, 3.4·C for one sample of 8 rows."""
    index = {id(layer.module): i for i, layer in enumerate(layers)}
    inputs: list[torch.Tensor | None] = [None] * len(layers)

    def hook(module: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor) -> torch.Tensor:
        i = index[id(module)]
        if inputs[i] is not None or not layers[i].rule.accepts(module, args[0]) or (
            out.shape != probes[i].shape
        ):
            raise NotGhostable(layers[i].prefix)
        inputs[i] = args[0]
        return out + probes[i]

    handles = [layer.module.register_forward_hook(hook) for layer in layers]
    try:
        out = functional_call(base, (dict(params), dict(buffers)), (x,))
    finally:
        for handle in handles:
            handle.remove()
    if any(a is None for a in inputs):
        raise NotGhostable("a layer did not run")
    return out, inputs  # type: ignore[return-value]


def ghost_norms_not_own(
    model: nn.Module, inputs: torch.Tensor, layers: Sequence[_Layer] | None = None
) -> list[str]:
    """The ghost layers of ``model`` (in training mode, its parameters, buffers and the
    global random state left as they were) whose ghost norms on a pass over the rows
    ``inputs`` [n, ...] are not each sample's own gradient norms there
    (`mia_defense.models.validation.rows_not_own` against `own_row_grads` of the same pass:
    the same random draws), for a model whose every trained layer has a rule (the ``ghost``
    strategy, whose ``layers`` `ghost_plan` gives; ``mixed`` takes its ghost norms in
    single-sample calls). A rule takes a layer's input and output-gradient row i as sample
    i's: a model that reorders the batch around a layer (``h = self.fc(x[perm])[inverse]``)
    would have each sample clipped in parts, up to √(layers)·C. Empty where the pass does
    not suit the rules (`NotGhostable`: the engine forms per-sample gradients then) or
    cannot run."""
    if layers is None:
        layers, complete = ghost_layers(model)
        layers = layers if complete else []
    if not layers:
        return []
    params = {n: p.detach().clone().requires_grad_(True)
              for n, p in model.named_parameters() if p.requires_grad}  # fmt: skip
    buffers = {n: b.clone() for n, b in model.named_buffers()}
    devices = [inputs.device] if inputs.device.type == "cuda" else []
    was_training = model.training
    try:
        probes = [inputs.new_zeros((len(inputs), *layer.rule.output_shape(layer.module)),
                                   requires_grad=True) for layer in layers]  # fmt: skip
        with torch.random.fork_rng(devices=devices):
            seed_global_torch(0, devices)
            model.train()
            out, taps = _tapped_call(model, params, buffers, inputs, layers, probes)
        out = out.float()
        if out.dim() == 0 or len(out) != len(inputs):
            return []  # (no output per row: the run's output check names it)
        weights = row_weights(out)
        probe_grads = torch.autograd.grad((out * weights).sum(), probes, retain_graph=True,
                                          allow_unused=True)  # fmt: skip
        own = own_row_grads(out, params, weights)
    except Exception:  # (NotGhostable, or a pass that fails: training names why)
        return []
    finally:
        model.train(was_training)
    ghost, truth = {}, {}
    for layer, a, g, zero in zip(layers, taps, probe_grads, probes, strict=True):
        g = torch.zeros_like(zero) if g is None else g
        squared = layer.rule.squared_norms(layer.module, a.detach()[None], g[None])[0]
        ghost[layer.prefix] = squared.clamp(min=0).sqrt()[:, None]
        names = [f"{layer.prefix}.{n}" if layer.prefix else n
                 for n, _ in layer.module.named_parameters(recurse=False)]  # fmt: skip
        if not all(n in own for n in names):
            return []  # (held under another name: not the layer a rule clips alone)
        truth[layer.prefix] = torch.stack(
            [own[n].reshape(len(inputs), -1).double().square().sum(1) for n in names]
        ).sum(0).sqrt()[:, None]
    return rows_not_own(ghost, truth)


def _clip_factors(squared: torch.Tensor, valid: torch.Tensor, max_grad_norm: float) -> torch.Tensor:
    """Opacus' per-sample factors ``min(1, C / (norm + 1e-6))`` [K, B], zero on padding."""
    return (max_grad_norm / (squared.sqrt() + 1e-6)).clamp(max=1.0) * valid


def _ghost_parts(
    layers: Sequence[_Layer], inputs: Sequence[torch.Tensor], out_grads: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, Callable[[torch.Tensor], dict[str, torch.Tensor]]]:
    """The ghost layers' squared per-sample norms [K, B] (inputs and output gradients
    [K, B, ...]), and a function from clipping factors [K, B] to their clipped sums."""
    squared = sum(
        layer.rule.squared_norms(layer.module, a, g)
        for layer, a, g in zip(layers, inputs, out_grads, strict=True)
    )

    def sums(clip: torch.Tensor) -> dict[str, torch.Tensor]:
        out = {}
        for layer, a, g in zip(layers, inputs, out_grads, strict=True):
            scaled = g * clip.view(*clip.shape, *[1] * (g.dim() - 2))
            for local, value in layer.rule.sums(layer.module, a, scaled).items():
                out[f"{layer.prefix}.{local}" if layer.prefix else local] = value
        return out

    return torch.as_tensor(squared), sums


class GhostTaps(NamedTuple):
    """A forward pass recorded for ghost clipping: the logits [K, B, C], each ghost layer's
    input [K, B, ...] and the zero probe [K, B, ...] added to its output (whose gradient is
    the layer's output gradient)."""

    logits: torch.Tensor
    inputs: list[torch.Tensor]
    probes: list[torch.Tensor]
    layers: Sequence[_Layer]


def ghost_forward(stack: ModelStack, x: torch.Tensor, layers: Sequence[_Layer]) -> GhostTaps:
    """The models' forward pass on ``x`` [K, B, ...] with the ghost ``layers`` (`ghost_layers`)
    tapped: the engine's own forward pass when DP-SGD runs it, so the per-sample norms need
    no second one. Raises `NotGhostable` when a layer's input does not suit its rule or a
    layer runs twice (shared weights) or not at all."""
    num, width = x.shape[:2]
    base = stack.models[0]
    params = {name: p.detach() for name, p in stack.stacked().items()}
    probes = [
        x.new_zeros((num, width, *layer.rule.output_shape(layer.module)), requires_grad=True)
        for layer in layers
    ]
    if stack.vectorised:
        def tapped(
            p: dict[str, torch.Tensor], b: dict[str, torch.Tensor], xk: torch.Tensor,
            probe: list[torch.Tensor],
        ) -> tuple[torch.Tensor, list[torch.Tensor]]:
            return _tapped_call(base, p, b, xk, layers, probe)

        logits, inputs = vmap(tapped, randomness="different")(params, stack.buffers, x, probes)
    else:  # module mode (K=1): the module as itself, as the engine runs it
        one, acts = _tapped_call(base, {n: v[0] for n, v in params.items()}, {}, x[0], layers,
                                 [q[0] for q in probes])  # fmt: skip
        logits, inputs = one.unsqueeze(0), [a.unsqueeze(0) for a in acts]
    return GhostTaps(logits, inputs, probes, layers)


def ghost_clipped_sums(
    taps: GhostTaps, out_grads: torch.Tensor, valid: torch.Tensor, max_grad_norm: float
) -> dict[str, torch.Tensor]:
    """Clipped sums of a model whose every parameterised layer is a ghost layer, from its
    tapped forward pass: one backward pass to the probes, no per-sample gradient formed.
    `NotGhostable` where a layer ran outside autograd's graph (its probe unused: a
    ``checkpoint(..., use_reentrant=True)`` runs its function under ``torch.no_grad()``)."""
    grads = torch.autograd.grad((taps.logits * out_grads).sum(), taps.probes, allow_unused=True)
    if any(grad is None for grad in grads):
        raise NotGhostable("a layer ran outside autograd's graph")
    squared, sums = _ghost_parts(taps.layers, taps.inputs, grads)
    return sums(_clip_factors(squared, valid, max_grad_norm))


def _formed_sums(
    stack: ModelStack,
    x: torch.Tensor,
    out_grads: torch.Tensor,
    valid: torch.Tensor,
    max_grad_norm: float,
    chunk: int | None,
    layers: Sequence[_Layer],
    logits: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Clipped sums from per-sample gradients formed by ``vmap(grad)`` for every parameter
    outside the ghost ``layers`` (whose norms and sums are ghost ones, from taps in the same
    per-sample pass), ``chunk`` samples per model at a time (``None``: as many as fit in
    256 MiB); the pass's outputs held to the engine's ``logits`` [K, B, C] (`check_replayed`)."""
    base = stack.models[0]
    params = {name: p.detach() for name, p in stack.stacked().items()}
    ghost = {
        f"{layer.prefix}.{local}" if layer.prefix else local
        for layer in layers
        for local, _ in layer.module.named_parameters(recurse=False)
    }
    trained = set(stack.trainable_names)  # a frozen parameter: no gradient, no norm
    formed = {name: p for name, p in params.items() if name in trained and name not in ghost}
    fixed = {name: p for name, p in params.items() if name not in formed}
    num, width = valid.shape
    numel = sum(p[0].numel() for p in formed.values())
    if chunk is None:
        chunk = max(1, MATERIALISED_BUDGET // (4 * num * max(numel, 1)))

    def surrogate(
        p: dict[str, torch.Tensor], q: dict[str, torch.Tensor], b: dict[str, torch.Tensor],
        xi: torch.Tensor, gi: torch.Tensor, probes: list[torch.Tensor],
    ) -> tuple[torch.Tensor, tuple[list[torch.Tensor], torch.Tensor]]:
        out, inputs = _tapped_call(base, {**q, **p}, b, xi.unsqueeze(0), layers, probes)
        return (out[0] * gi).sum(), (inputs, out[0].detach())

    per_sample = vmap(
        grad(surrogate, argnums=(0, 5), has_aux=True),
        in_dims=(None, None, None, 0, 0, 0), randomness="different",
    )
    per_model = vmap(per_sample, in_dims=0, randomness="different")
    sums = {name: torch.zeros_like(p) for name, p in formed.items()}
    for start in range(0, width, chunk):
        part = slice(start, min(start + chunk, width))
        probes = [
            x.new_zeros((num, part.stop - start, 1, *layer.rule.output_shape(layer.module)))
            for layer in layers
        ]
        try:
            (grads, probe_grads), (inputs, replayed) = per_model(
                formed, fixed, dict(stack.buffers), x[:, part], out_grads[:, part], probes
            )
        except (RuntimeError, NotImplementedError, TypeError, ValueError) as err:
            if out_of_memory(err):  # (was said as torch.func's failure: train.engine=opacus)
                rows = part.stop - start
                fixes = [f"defense.dp.max_physical_batch_size={rows // 2}"] if rows > 1 else []
                fixes += [f"train.chunk_size={num // 2}"] if num > 1 else []
                raise ConfigError(
                    f"defense.dp: the per-sample gradients of {counted(num, 'model')}, "
                    f"{counted(rows, 'sample')} each at a time, ran out of memory "
                    f"({type(err).__name__}: {first_line(err)}); "
                    + (f"set {' or '.join(fixes)}" if fixes else "free memory for the run")
                ) from err
            raise UnsupportedModelError(no_per_sample_grads(base, x[0, :2], err)) from err
        if logits is not None:
            check_replayed(base, logits[:, part][valid[:, part]], replayed[valid[:, part]])
        squared = sum(
            torch.linalg.vector_norm(g.reshape(*g.shape[:2], -1), dim=-1).square()
            for g in grads.values()  # (reshape: a 0-dim parameter's are [K, chunk])
        )
        # the taps saw batches of one sample: [K, chunk, 1, ...] -> [K, chunk, ...]
        ghost_squared, ghost_sums = _ghost_parts(
            layers, [a.squeeze(2) for a in inputs], [g.squeeze(2) for g in probe_grads]
        )
        clip = _clip_factors(squared + ghost_squared, valid[:, part], max_grad_norm)
        for name, g in grads.items():
            sums[name] += torch.einsum("kb,kb...->k...", clip, g)
        for name, value in ghost_sums(clip).items():
            sums[name] = sums[name] + value if name in sums else value
    return sums


def check_replayed(
    model: nn.Module, batch: torch.Tensor, replayed: torch.Tensor, *, where: str = "defense.dp",
    fix: str = "draw per sample instead (torch.randn_like(h), dropout), or train with Opacus' "
               "own DP-SGD, which clips the batch's own pass: train.engine=opacus",
) -> None:
    """`UnsupportedModelError` (starting ``where``, ending ``fix``) where a per-sample pass's
    outputs, ``replayed`` under the batch pass's random draws, are not the batch pass's
    ``batch``: a draw without the batch dimension (``torch.randn(shape)``, one noise for the
    whole batch) is drawn again for each sample there, so each sample's gradient would be of
    another model than the one trained or queried. A per-sample draw (dropout,
    torch.randn_like) replays as it was drawn."""
    batch, replayed = batch.detach().float(), replayed.float()
    tolerance = 1e-2 * (1 + float(batch.abs().max())) if batch.numel() else 0.0
    if batch.shape == replayed.shape and bool(((batch - replayed).abs() <= tolerance).all()):
        return
    raise UnsupportedModelError(
        f"{where}: {type(model).__name__}'s outputs on one sample at a time are not those "
        "of its batch under the same random draws, so its per-sample gradients would be of "
        "another model than the one that answers the batch: a draw made once for the whole "
        "batch (e.g. torch.randn(h.shape[-1]), one noise for every sample) is drawn afresh "
        f"for each sample there; {fix}"
    )


def no_per_sample_grads(model: nn.Module, rows: torch.Tensor, err: Exception | str) -> str:
    """Why torch.func cannot form per-sample gradients of ``model`` (``err``, or its words as
    `per_sample_grad_error` gives them), and the fix: Opacus' DP-SGD, unless it forms none
    for some parameter on ``rows`` either (a checkpointed model: each engine sent it to the
    other). A backward hook on a layer is named (`hook_not_transformed`), not torch's words
    on an autograd.Function."""
    failed = err if isinstance(err, str) else f"{type(err).__name__}: {first_line(err)}"
    said = f"defense.dp: torch.func cannot form per-sample gradients of {type(model).__name__}"
    instead = "train it with Opacus' own DP-SGD instead: train.engine=opacus"
    if hooked := hook_not_transformed(model, failed):
        said, instead = f"{said}: {hooked}", f"remove the hook, or {instead}"
    try:
        missing, _ = opacus_grad_samples(model, rows)
    except ImportError:  # (Opacus itself missing: train.engine=opacus says so)
        missing = {}
    except Exception as exc:  # its hooks fail on the model
        hooks = f"{type(exc).__name__}: {first_line(exc)}"
        return f"defense.dp: {type(model).__name__}: {neither_engine(failed, hooks=hooks)}"
    if missing:
        return f"defense.dp: {type(model).__name__}: {neither_engine(failed)}"
    return f"{said} ({failed}); {instead}"


def clipped_grad_sums(
    stack: ModelStack,
    x: torch.Tensor,
    out_grads: torch.Tensor,
    valid: torch.Tensor,
    *,
    max_grad_norm: float,
    strategy: str,
    chunk: int | None = None,
    logits: torch.Tensor | None = None,
) -> tuple[dict[str, torch.Tensor], str]:
    """Per model, the sum over its valid samples of each sample's gradient clipped jointly
    over all trainable parameters to ``max_grad_norm`` (a frozen one is not clipped, as in
    Opacus).

    Args:
        stack: the engine's `ModelStack` (its current parameters).
        x: the inputs [K, B, ...] the engine's forward pass ran on.
        out_grads: G [K, B, C] from `sample_output_grads`.
        valid: [K, B] bool, the real samples.
        max_grad_norm: C.
        strategy: ``ghost``, ``mixed`` or ``materialised`` (`per_sample_strategy`).
        chunk: samples per model per ``vmap(grad)`` call (``mixed``, ``materialised``).
        logits: the engine's pass's logits [K, B, C], which the per-sample pass must give
            again (``mixed``, ``materialised``; ``None``: not checked).

    Returns:
        ``{name: [K, ...]}`` of the trainable parameters (what Opacus' ``DPOptimizer`` holds
        in ``summed_grad``), and the strategy used: ``ghost`` and ``mixed`` turn
        ``materialised`` when a layer's input does not suit its rule (e.g. a 3-D input to
        ``nn.Linear``) or a layer runs twice (shared weights) or not at all.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unexpected strategy {strategy!r}, choose from {STRATEGIES}")
    layers, complete = ghost_layers(stack.models[0])
    try:
        if strategy == "ghost" and complete:
            taps = ghost_forward(stack, x, layers)
            return ghost_clipped_sums(taps, out_grads, valid, max_grad_norm), strategy
        if strategy == "mixed" and layers:
            return _formed_sums(stack, x, out_grads, valid, max_grad_norm, chunk, layers,
                                logits), strategy  # fmt: skip
    except NotGhostable:
        pass
    sums = _formed_sums(stack, x, out_grads, valid, max_grad_norm, chunk, [], logits)
    return {name: sums[name] for name in stack.trainable_names}, "materialised"


class GradientCanaries(Protocol):
    """White-box audit canaries of the K models of one chunk (Nasr et al. 2023's Dirac
    canaries; `mia_defense.audit.gradient` implements it).

    Each canary is a per-sample gradient that is zero except at one coordinate of the
    flat parameter vector (``names`` order); it joins a step like a member, and is clipped
    like every sample.

    Attributes:
        coordinates: [m] long, each canary's coordinate.
    """

    coordinates: torch.Tensor

    def draw(self, counted: torch.Tensor) -> torch.Tensor:
        """[K, m] each canary's gradient at its coordinate this step, before clipping (0:
        not drawn); ``counted`` [K] the models that step."""
        ...

    def observe(self, noisy: torch.Tensor, members: torch.Tensor, counted: torch.Tensor) -> None:
        """Sees [K, m] the noisy sums (clipped sum + noise, before the division by E[B]) at
        the coordinates, what a white-box auditor of every step reads, and [K, m] the
        members' own clipped sum there (without the canaries): what an auditor who knows
        every other record, as DP-SGD's analysis allows, subtracts."""
        ...

    def finish(self) -> None:
        """The chunk's training ended: what the auditor saw of it is complete."""
        ...


class CanaryFactory(Protocol):
    """Makes each chunk's `GradientCanaries` (set by `gradient_canaries`)."""

    def __call__(self, steps: PrivateSteps, num_params: int) -> GradientCanaries:
        """The canaries of the chunk of ``steps``, at its first step."""
        ...

    def resume(
        self, directory: Path | None, chunks: Sequence[Sequence[int]], saved: Sequence[bool],
        *, fingerprint: str | None,
    ) -> list[bool]:
        """`resumed_chunks` inside `gradient_canaries`: which saved chunks have their
        canaries' record too (restored); the others train next, in order."""
        ...


_CANARY_FACTORY: ContextVar[CanaryFactory | None] = ContextVar("gradient_canaries", default=None)


@contextmanager
def gradient_canaries(factory: CanaryFactory) -> Iterator[None]:
    """Every `PrivateSteps` created in the block gets canaries from ``factory`` (called
    once, at its first step): the one-run audit's hook into DP-SGD. Outside the block
    DP-SGD has none and pays nothing."""
    token = _CANARY_FACTORY.set(factory)
    try:
        yield
    finally:
        _CANARY_FACTORY.reset(token)


def resumed_chunks(
    directory: Path | None, chunks: Sequence[Sequence[int]], saved: Sequence[bool], *,
    fingerprint: str | None,
) -> list[bool]:
    """Which ``chunks`` of models (indices, in the order they train) load from their
    checkpoints in ``directory`` instead of training: those whose models are all ``saved``,
    and inside `gradient_canaries` only those whose canaries' record is saved too (the
    auditor's view of their training, restored to the audit)."""
    factory = _CANARY_FACTORY.get()
    if factory is None:
        return list(saved)
    return factory.resume(directory, chunks, saved, fingerprint=fingerprint)


class PrivateSteps:
    """The DP-SGD state of the K models of one chunk: their schedules, randomness, noise
    and the steps each has taken (and the accountant counts).

    Args:
        sizes: members per model.
        batch_size: the recipe's nominal batch size.
        sigma: the noise multiplier σ shared by the ensemble.
        max_grad_norm: C.
        deltas: each model's δ.
        sources: each model's `RandomSource` (its sampling and its noise).
        accountant: ``rdp``, ``prv`` or ``gdp``.
    """

    def __init__(
        self,
        *,
        sizes: Sequence[int],
        batch_size: int,
        sigma: float,
        max_grad_norm: float,
        deltas: Sequence[float],
        sources: Sequence[RandomSource],
        accountant: str,
    ) -> None:
        self.sizes = list(sizes)
        self.schedules = [DPSchedule.of(n, batch_size) for n in sizes]
        self.sigma = float(sigma)
        self.max_grad_norm = float(max_grad_norm)
        self.deltas = [float(d) for d in deltas]
        self.sources = list(sources)
        self.accountant = accountant
        self.steps = [0] * len(self.sizes)
        self._canary_factory = _CANARY_FACTORY.get()
        self.canaries: GradientCanaries | None = None

    def draws(
        self, active: torch.Tensor
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """One epoch of Poisson draws: positions [K, b] into each model's members, valid
        [K, b] and stepping [K] (model k steps ``steps_per_epoch`` times, empty draws
        included). Models no longer ``active`` [K] draw nothing."""
        device = active.device
        steps = [s.steps_per_epoch for s in self.schedules]
        drawing = active.tolist()
        for step in range(max(steps)):
            stepping = [n > step for n in steps]
            masks = [
                poisson_mask(size, schedule.sample_rate, source)
                if stepping[k] and drawing[k]
                else torch.zeros(size, dtype=torch.bool)
                for k, (size, schedule, source) in enumerate(
                    zip(self.sizes, self.schedules, self.sources, strict=True)
                )
            ]
            chosen = pad_sequence(masks, batch_first=True).to(device)  # [K, max(sizes)]
            drawn = int(chosen.sum(1).max())
            # The chosen positions first, in increasing order (a stable sort of "not chosen").
            pos = torch.argsort((~chosen).to(torch.int8), dim=1, stable=True)[:, :drawn]
            yield pos, chosen.gather(1, pos), torch.tensor(stepping, device=device)

    def noisy_grads(
        self, sums: Mapping[str, torch.Tensor], names: Sequence[str], counted: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """``(sum + noise) / E[B]`` for each ``counted`` [K] model (zeros for the others),
        noise one `gaussian_noise` vector of std σC over every parameter in ``names``
        order; counts each counted model's step."""
        flat = torch.cat([sums[name].reshape(len(sums[name]), -1) for name in names], dim=1)
        canaries = None
        if self._canary_factory is not None:  # the one-run audit's hook (off by default)
            canaries, members, flat = self._add_canaries(self._canary_factory, flat, counted)
        std = self.sigma * self.max_grad_norm
        rows = counted.tolist()
        noise = torch.stack([
            gaussian_noise(flat.shape[1], std, source, device=flat.device)
            if row else flat.new_zeros(flat.shape[1])
            for row, source in zip(rows, self.sources, strict=True)
        ])
        scale = torch.tensor(
            [row / s.expected_batch_size for row, s in zip(rows, self.schedules, strict=True)],
            dtype=flat.dtype, device=flat.device,
        )
        flat = flat + noise
        if canaries is not None:
            canaries.observe(flat[:, canaries.coordinates.to(flat.device)], members, counted)
        flat = flat * scale[:, None]  # zeros for the models not counted
        for k, row in enumerate(rows):
            self.steps[k] += int(row)
        sizes = [sums[name][0].numel() for name in names]
        # Contiguous: CPU fused optimisers (torch 2.13) step wrongly on strided gradients.
        return {
            name: part.contiguous().view_as(sums[name])
            for name, part in zip(names, flat.split(sizes, dim=1), strict=True)
        }

    def _add_canaries(
        self, factory: CanaryFactory, flat: torch.Tensor, counted: torch.Tensor
    ) -> tuple[GradientCanaries, torch.Tensor, torch.Tensor]:
        """The chunk's canaries (made by ``factory`` at the first step), the members'
        clipped sums [K, m] at their coordinates, and ``flat`` [K, P] plus this step's
        canary gradients, each clipped with the factor every sample gets (a canary is a
        member the auditor wrote)."""
        if self.canaries is None:
            self.canaries = factory(self, flat.shape[1])
        coordinates = self.canaries.coordinates.to(flat.device)
        raw = self.canaries.draw(counted).to(flat)
        clipped = raw * _clip_factors(raw.square(), raw != 0, self.max_grad_norm)
        return self.canaries, flat[:, coordinates], flat.index_add(1, coordinates, clipped)

    def epsilon(self, k: int, steps: int | None = None) -> float:
        """ε spent by model k after ``steps`` (default: those taken; 0 before any step, ∞
        without noise)."""
        steps = self.steps[k] if steps is None else steps
        if steps == 0:
            return 0.0
        if not self.sigma:
            return math.inf
        history = ((self.sigma, float(self.schedules[k].sample_rate), int(steps)),)
        return epsilon_spent(self.accountant, history, self.deltas[k])

    def stats(self, k: int, steps: int | None = None) -> dict[str, float]:
        """Model k's privacy figures (`accounting.PER_MODEL_KEYS`)."""
        steps = self.steps[k] if steps is None else steps
        return {
            "epsilon": self.epsilon(k, steps),
            "delta": self.deltas[k],
            "noise_multiplier": self.sigma,
            "sample_rate": float(self.schedules[k].sample_rate),
            "steps": float(steps),
        }
