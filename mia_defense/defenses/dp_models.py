"""The models DP-SGD cannot train as written, refused before training (`DPSGD.setup` calls
each): layers Opacus cannot train, a forward pass that changes the model or mixes the samples
of a batch, per-sample gradients that are not each sample's own (batch position, stacked
models, Opacus' rows, aliased submodules, forward hooks, parameters read outside their
layers), and what Opacus forms no per-sample gradient for. Each raises
`UnsupportedModelError` naming the problem and the fix."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from mia_defense.defenses.dp_stacked import no_per_sample_grads
from mia_defense.errors import UnsupportedModelError, first_line
from mia_defense.models import check_dp_compatible
from mia_defense.models.build import changed_in_forward
from mia_defense.models.probes import (
    backward_hooked_layer,
    forward_hooked,
    keeps_state,
    seeded_outputs,
)
from mia_defense.models.validation import (
    depends_on_batch_position,
    mixes_samples,
    neither_engine,
    opacus_grad_samples,
    opacus_rows_not_own,
    per_sample_grad_error,
    recomputed,
    refuse_without_opacus,
)
from mia_defense.seeding import torch_rng_kept

__all__ = [
    "guard_forward_hooks",
    "refuse_aliased_modules",
    "refuse_batch_mixing",
    "refuse_batch_position",
    "refuse_forward_hooked",
    "refuse_no_grad_samples",
    "refuse_opacus_rows_not_own",
    "refuse_stacked_per_sample",
    "refuse_unsupported",
    "refuse_updated_buffers",
    "refuse_used_outside",
]


# The layers `fix_for_dp` (defense.dp.auto_fix) replaces: BatchNorm, and those Opacus fixes.
_AUTO_FIXED = (nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm,
               nn.LSTM, nn.GRU, nn.MultiheadAttention)  # fmt: skip


def refuse_unsupported(model: nn.Module, *, key: str = "defense.dp") -> None:
    """Raise `UnsupportedModelError` listing every layer Opacus cannot train, and the fix.

    The per-layer problems come from `mia_defense.models.check_dp_compatible` (Opacus'
    ``ModuleValidator`` per named submodule: BatchNorm mixes the samples of a batch, so
    per-sample gradients and the DP guarantee do not exist for it).
    """
    problems = check_dp_compatible(model)
    if not problems:
        return
    listing = "\n".join(f"  - {p}" for p in problems)
    # (auto_fix was advised for float16 parameters too, which it leaves as they were)
    fix = (f"set {key}.auto_fix=true to replace the layers (BatchNorm -> GroupNorm, "
           "mia_defense.models.fix_for_dp), or use a model without them "
           "(model=mlp, cnn and resnet use GroupNorm)."
           if any(isinstance(m, _AUTO_FIXED) for m in model.modules())
           else "change the model itself, as each line says")  # fmt: skip
    raise UnsupportedModelError(
        f"{key}: Opacus cannot train this model with DP-SGD:\n{listing}\nFix: {fix}"
    )


def refuse_updated_buffers(
    model: nn.Module, input_shape: Sequence[int], *, key: str = "defense.dp"
) -> None:
    """Raise `UnsupportedModelError` when a training-mode forward of ``model`` changes one of
    its buffers or parameters itself: a running statistic of the members' inputs, kept
    without clipping or noise, reaches the released model outside DP-SGD's accounting.
    Opacus refuses buffers of layers with parameters (`refuse_unsupported`); this catches
    one in a layer without any (a hand-made running mean), or a parameter the forward
    pass writes to. A lazy parameter (``nn.LazyLinear``), which the first batch replaces,
    is refused as such (it was called a statistic of the members kept outside ε)."""
    lazy = [n for n, p in model.named_parameters() if isinstance(p, nn.UninitializedParameter)]
    if lazy:
        raise UnsupportedModelError(
            f"{key}: {type(model).__name__} has lazy parameters ({', '.join(lazy[:3])}: "
            "nn.Lazy* layers), which take their shape at the first batch, where DP-SGD's "
            "checks and per-sample gradients need them from the start; build those layers "
            "at their size (the constructor may take input_shape from the dataset: "
            "nn.Linear(math.prod(input_shape), ...))"
        )
    found = changed_in_forward(model, input_shape, kinds=("parameter", "buffer", "attribute"))
    if found is None:
        return
    what, name = found
    if what == "attribute":  # (self.scale = x.abs().mean(): trained and released outside ε)
        raise UnsupportedModelError(
            f"{key}: {type(model).__name__}'s forward changes the model itself while training "
            f"(after one pass it {name}): a value kept from a pass, which DP-SGD neither "
            "clips nor noises and its checks cannot tell from a statistic of the members "
            "kept outside ε; keep nothing from a pass in the model (only DP-SGD's noisy steps "
            "may change it), or train without defense=dp"
        )
    raise UnsupportedModelError(
        f"{key}: {type(model).__name__} updates its {what} {name!r} while training: a "
        "statistic of the members' data kept without clipping or noise, outside DP-SGD's "
        f"accounting, so ε would not hold; leave the {what} unchanged by the forward pass "
        "(only DP-SGD's noisy steps may change the model), or train without defense=dp"
    )


def refuse_batch_mixing(
    model: nn.Module, input_shape: Sequence[int], *, key: str = "defense.dp",
    rows: torch.Tensor | None = None,
) -> None:
    """Raise `UnsupportedModelError` when ``model`` gives a sample an output that depends on
    the other samples of its batch (`mia_defense.models.validation.mixes_samples`, on
    ``rows`` of the run's records where it cannot run on random inputs): DP-SGD clips each
    sample's gradient alone, so one member reaches every sample's term and ε does not hold
    (the run reported ``epsilon_valid: true``). A model whose forward changes state of its
    own (`mia_defense.models.probes.keeps_state`) also answers the probe's second batch
    otherwise, and is refused as such (it was told to use GroupNorm)."""
    if not mixes_samples(model, input_shape, rows=rows):
        return
    kept = keeps_state(seeded_outputs(model, input_shape))
    if kept:
        raise UnsupportedModelError(
            f"{key}: {type(model).__name__} answers the same batch differently the second "
            f"time in {kept}, under the same random seed: its forward changes state kept "
            "outside its parameters and buffers (an attribute set from the batch, a step "
            "counter, a torch.Generator of its own), which DP-SGD neither clips nor noises "
            "and its checks cannot tell from a statistic of the members kept outside ε; "
            "compute the forward from the weights and the sample alone (draw noise from "
            "torch's global generator), or train without defense=dp"
        )
    raise UnsupportedModelError(
        f"{key}: {type(model).__name__} mixes the samples of a batch (in training mode its "
        "output for one sample changes with the other samples: a batch mean or a statistic "
        "over the batch): DP-SGD clips each sample's gradient on its own, so one member "
        "would reach every sample's term and ε would not hold; compute each sample's "
        "output from that sample alone (GroupNorm or LayerNorm, not a batch statistic), or "
        "train without defense=dp"
    )


def refuse_batch_position(
    model: nn.Module, rows: torch.Tensor, *, key: str = "defense.dp"
) -> None:
    """Raise `UnsupportedModelError` when a sample's gradient under ``model`` in a batch of
    the run's records ``rows`` is not its gradient alone
    (`mia_defense.models.validation.depends_on_batch_position`): its output depends on where
    it sits in its batch or on the batch's size, so a member joining a Poisson batch moves
    every later sample's clipped term, and the stacked engine's per-sample gradients (each
    sample alone) are not the model's. A backward hook on a layer that changes the
    gradients is named as such: no position is to blame there."""
    if not depends_on_batch_position(model, rows):
        return
    if layer := backward_hooked_layer(model):  # (the passes alone, under vmap, skip it)
        raise UnsupportedModelError(
            f"{key}: {type(model).__name__} has a backward hook on its layer {layer!r} "
            "(register_full_backward_hook) that changes the gradients, which neither engine's "
            "DP-SGD runs as written: the stacked engine's per-sample gradients (torch.func) "
            "never run it, and train.engine=opacus runs it on the batch's mean-loss gradient, "
            "where each sample's is divided by the batch's size, so a hook that is not linear "
            "in it (a clamp) gives a sample another gradient in each size of Poisson batch and "
            "ε would not hold. DP-SGD already bounds each sample's gradient "
            "(defense.dp.max_grad_norm): remove the hook, or train without defense=dp"
        )
    raise UnsupportedModelError(
        f"{key}: {type(model).__name__} gives a sample in a batch another gradient than "
        f"alone (each of {len(rows)} of the run's records, its loss differentiated in their "
        "batch and in a batch of one): its output for a sample depends on where the sample "
        "sits in its batch or on the batch's size (e.g. torch.arange(len(x)) or len(x) in "
        "forward). DP-SGD's Poisson batches move every later sample when one member joins "
        "or leaves, so that member would reach other samples' clipped terms and ε would not "
        "hold; compute each sample's output from that sample alone, or train without "
        "defense=dp"
    )


def refuse_stacked_per_sample(model: nn.Module, rows: torch.Tensor) -> None:
    """Raise `UnsupportedModelError` where torch.func cannot form the per-sample gradients
    of ``model`` over stacked models (`per_sample_grad_error` over 3 models beside 2 of the
    run's records ``rows``), before training. A batching rule that mixes the models' axis
    with the samples' (nn.PReLU before nn.Bilinear, whose _trilinear torch.func runs by
    a fallback) fails where the two differ in size, the first step's traceback, and where a
    model's part of the batch holds one sample (defense.dp.max_physical_batch_size=1) gives
    wrong gradients silently: 0.7 from each sample's own at K=2. One model at a time forms
    them right: said as the fix."""
    failed = per_sample_grad_error(model, rows, models=3)
    if not failed:
        return
    if per_sample_grad_error(model, rows) is None:
        raise UnsupportedModelError(
            f"defense.dp: torch.func forms the per-sample gradients of {type(model).__name__} "
            f"for one model, but not for several stacked models ({failed}): a layer "
            "whose batching rule mixes the models with the samples (nn.PReLU before "
            "nn.Bilinear) fails there, or gives wrong gradients silently on a part of one "
            "sample; train its models one at a time: train.chunk_size=1"
        )
    raise UnsupportedModelError(no_per_sample_grads(model, rows, failed))


def refuse_opacus_rows_not_own(
    model: nn.Module, rows: torch.Tensor, *, key: str = "defense.dp"
) -> None:
    """Raise `UnsupportedModelError` for ``train.engine=opacus`` when Opacus' per-sample
    gradients of ``model`` on the run's records ``rows`` are not each sample's own
    (`mia_defense.models.validation.opacus_rows_not_own`): Opacus gives a layer's row i to
    sample i, and a model that reorders the batch around a layer had it clip mixtures of
    samples' gradients (up to √2·C for one sample, ε reported valid)."""
    # (in their order and reversed: a model that sorts the batch, by length or by value,
    # leaves rows already in its order in place; one of the two orders is not)
    names = opacus_rows_not_own(model, rows) or opacus_rows_not_own(model, rows.flip(0))
    if not names:
        return
    raise UnsupportedModelError(
        f"{key}: train.engine=opacus cannot train {type(model).__name__} with DP-SGD: "
        f"Opacus' per-sample gradients of {', '.join(names[:3])} on {len(rows)} of the "
        "run's records are not each sample's own gradient (Opacus gives a layer's row i to "
        "sample i, and the forward reorders the samples of the batch around that layer, "
        "as h = self.fc(x[perm])[inverse]), so it would clip mixtures of samples' "
        "gradients, one sample's reaching beyond the clipping norm C, and ε would not "
        "hold. Fix: set train.engine=stacked (the default), which checks its per-sample "
        "norms and forms each sample's gradient alone where they are not its own"
    )


def refuse_aliased_modules(model: nn.Module, *, key: str = "defense.dp") -> None:
    """Raise `UnsupportedModelError` when ``model`` holds one submodule with tensors of its
    own under two names (``self.b = self.a``) and the stacked engine forms its per-sample
    gradients: torch.func's ``functional_call`` puts the first name's tensors back, then the
    second's replacements over them, so the model alone (trained one at a time already)
    kept the first pass's vmapped tensors and the run ended in a vmap traceback blaming
    "the run's batches". Opacus' hooks train it."""
    seen: dict[int, str] = {}
    for name, module in model.named_modules(remove_duplicate=False):
        own = [*module.parameters(recurse=False), *module.buffers(recurse=False)]
        if own and id(module) in seen:
            raise UnsupportedModelError(
                f"{key}: {type(model).__name__} holds one submodule under two names "
                f"({seen[id(module)] or '<root>'} and {name}: self.b = self.a), whose "
                "parameters torch.func's per-sample gradients leave replaced by their "
                "own, so the stacked engine cannot train it with DP-SGD; set "
                "train.engine=opacus, or hold the submodule under one name and call it "
                "twice in forward"
            )
        seen.setdefault(id(module), name)


def _hooked_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """``model``'s layers that hold trainable parameters and run a forward hook
    (`forward_hooked`), by name (``"<root>"``: the model itself)."""
    return [(name or "<root>", m) for name, m in model.named_modules()
            if forward_hooked(m) and any(p.requires_grad for p in m.parameters(recurse=False))]


def _hook_refusal(model: nn.Module, layer: str, key: str,
                  what: str = "has a forward hook (register_forward_hook) that changes its "
                  "output") -> str:  # fmt: skip
    return (
        f"{key}: train.engine=opacus cannot train {type(model).__name__} with DP-SGD: its "
        f"layer {layer!r} {what}, and Opacus forms a layer's per-sample gradients from the "
        "gradient of its output after the hook (a hook returning o * 3 gives a third of "
        "each), so DP-SGD would train another model than the one written. Fix: set "
        "train.engine=stacked (the default), which forms its per-sample gradients through "
        "the hook, or remove the hook (one that only reads the output and returns None, as a "
        "logging hook, trains)"
    )


def guard_forward_hooks(
    model: nn.Module, *, key: str = "defense.dp", what: str = "has a forward hook "
    "(register_forward_hook) that changed its output in a training step"
) -> list[Any]:
    """Around the forward hooks of each layer of ``model`` that holds trainable parameters
    (`forward_hooked`): a hook run before them that notes the layer's output, and one run
    after them that raises `UnsupportedModelError` (`_hook_refusal`) in a training-mode
    forward with gradients where they left another output (a hook's returned value) or
    changed it in place (``o.mul_(3)``). Opacus' per-sample gradients of such a layer are
    those of the hooks' output, so only hooks that leave it as it was (a logging hook
    returning None) train as written; the guard holds at every step, where a probe on a few
    records passes a hook idle there (``o.clamp(-1, 1)`` on small rows). Returns the
    handles to remove (`DPSGD.finish`). A global forward hook (``register_module_forward_hook``)
    runs before a layer's own: it is refused outright (`refuse_forward_hooked`)."""
    handles = []
    for name, layer in _hooked_layers(model):
        noted: list[tuple[torch.Tensor, int]] = []

        def before(m: nn.Module, args: Any, out: Any, noted: list = noted) -> None:
            noted[:] = [(t, t._version) for t in _output_tensors(out)]

        def after(m: nn.Module, args: Any, out: Any, noted: list = noted,
                  name: str = name) -> None:  # fmt: skip
            now = _output_tensors(out)
            if m.training and torch.is_grad_enabled() and (len(now) != len(noted) or any(
                    t is not n or t._version != v for t, (n, v) in zip(now, noted,
                                                                       strict=False))):
                raise UnsupportedModelError(_hook_refusal(model, name, key, what))
            noted.clear()

        handles += [layer.register_forward_hook(before, prepend=True),
                    layer.register_forward_hook(after)]
    return handles


def _output_tensors(out: Any) -> list[torch.Tensor]:
    """The tensors of a layer's output: itself, or a tuple's or list's."""
    items = out if isinstance(out, tuple | list) else (out,)
    return [t for t in items if isinstance(t, torch.Tensor)]


def refuse_forward_hooked(
    model: nn.Module, rows: torch.Tensor, *, key: str = "defense.dp"
) -> None:
    """Raise `UnsupportedModelError` for ``train.engine=opacus`` where a layer of ``model``
    that holds trainable parameters has a forward hook (`forward_hooked`) that changes its
    output on the run's records ``rows`` (a copy in training mode, `guard_forward_hooks`),
    or a global forward hook: Opacus forms its per-sample gradients from the gradient of the
    hook's output (``o * 3``: a third of each, a clamp 0.85 from the model's). A hook that
    leaves the output as it was (logging, returning None) trains: the guard, on the trained
    model, stops the run at a step where it does not. The stacked engine differentiates
    through the hook."""
    layers = _hooked_layers(model)
    if layers and nn.modules.module._global_forward_hooks:  # (run before the layer's own)
        raise UnsupportedModelError(_hook_refusal(
            model, layers[0][0], key, "runs a global forward hook "
            "(register_module_forward_hook), which may change its output unseen"))
    if not layers:
        return
    probe = copy.deepcopy(model).train()
    handles = guard_forward_hooks(probe, key=key, what="has a forward hook "
                                  "(register_forward_hook) that changes its output")
    try:
        with torch_rng_kept(rows.device):
            probe(rows.clone())
    except UnsupportedModelError:
        raise
    except Exception:  # (what the model cannot run, the other checks name)
        pass
    finally:
        for handle in handles:
            handle.remove()


def refuse_used_outside(
    model: nn.Module, names: Sequence[str], *, key: str = "defense.dp"
) -> None:
    """Raise `UnsupportedModelError` for ``train.engine=opacus`` when ``model``'s forward
    reads trainable parameters ``names`` outside the calls of the modules that hold them
    (`mia_defense.models.validation.used_outside_their_layers`): Opacus' per-sample
    gradients, formed from those calls, silently drop that part of their gradient (the
    model trained as another than the one written)."""
    if names:
        raise UnsupportedModelError(
            f"{key}: train.engine=opacus cannot train {type(model).__name__} with DP-SGD: its "
            f"forward reads {', '.join(names[:3])} outside the calls of the module that holds "
            "it (e.g. F.linear(z, self.enc.weight.t()), a decoder tied to its encoder), and "
            "Opacus forms a parameter's per-sample gradient from those calls only, so it "
            "would silently drop the rest of its gradient. Fix: set train.engine=stacked "
            "(the default), which forms the whole model's per-sample gradients"
        )


def refuse_no_grad_samples(
    model: nn.Module, inputs: torch.Tensor, *, key: str = "defense.dp"
) -> None:
    """Raise `UnsupportedModelError` when Opacus would form no per-sample gradient for some
    trainable parameter of ``model`` (`mia_defense.models.validation.without_grad_samples`):
    weights held in an ``nn.ParameterList`` the model indexes, or a parameter the forward
    pass does not use. ``train.engine=opacus`` stopped at its first step with Opacus' bare
    ``ValueError: Per sample gradient is not initialized``; the stacked engine trains them."""
    refuse_without_opacus(f"{key}: train.engine=opacus",
                          instead="set train.engine=stacked (the default), which needs no Opacus")
    try:
        missing, rows = opacus_grad_samples(model, inputs)
    except Exception as exc:  # (Opacus' hooks alone fail: a bare traceback at the first step)
        said = first_line(exc)
        # (stacked, as train.engine=stacked would, not sent back there to fail too; 3 models
        # beside 2 samples: a batching rule that mixes the axes cannot broadcast one of them)
        if failed := per_sample_grad_error(model, inputs, models=3):
            if per_sample_grad_error(model, inputs) is None:  # (one at a time it trains)
                raise UnsupportedModelError(
                    f"{key}: train.engine=opacus cannot train {type(model).__name__} with "
                    f"DP-SGD: its forward and backward pass fails under Opacus' "
                    f"GradSampleModule hooks ({type(exc).__name__}: {said}). The stacked "
                    "engine forms its per-sample gradients for one model at a time, not for "
                    f"several stacked models ({failed}). Fix: set train.engine=stacked "
                    "train.chunk_size=1"
                ) from exc
            raise UnsupportedModelError(f"{key}: {type(model).__name__}: " + neither_engine(
                failed, hooks=f"{type(exc).__name__}: {said}")) from exc
        raise UnsupportedModelError(
            f"{key}: train.engine=opacus cannot train {type(model).__name__} with DP-SGD: its "
            f"forward and backward pass fails under Opacus' GradSampleModule hooks "
            f"({type(exc).__name__}: {said}), though it runs without them. Fix: set "
            "train.engine=stacked (the default), or compute a new tensor where its forward "
            "changes a layer's output in place (h = h + 1, not h.add_(1))"
        ) from exc
    if rows:  # (a layer on x.reshape(B * T, F): Opacus clips each of its rows as a sample)
        raise UnsupportedModelError(
            f"{key}: train.engine=opacus cannot train {type(model).__name__} with DP-SGD: "
            f"Opacus forms the per-sample gradients of {', '.join(list(rows)[:3])} with "
            f"{max(rows.values())} rows for {len(inputs)} samples (a layer applied to several "
            "rows of each sample, as on x.reshape(B * T, F)) and clips each row as if it were "
            "a sample, so one sample's gradient would reach several times the clipping norm "
            "C and ε would not hold. Fix: set train.engine=stacked (the default), which clips "
            "each sample's whole gradient, or give the layer [B, T, F] inputs "
            "(x.view(B, T, F)), whose rows Opacus sums per sample"
        )
    if not missing:
        return
    held: dict[str, list[str]] = {}
    for name, holder in missing.items():
        if holder is not None:
            held.setdefault(holder, []).append(name)
    unused = [name for name, holder in missing.items() if holder is None]
    reasons = [
        f"{', '.join(names)} (held by {holder}, which the model reads but never calls)"
        for holder, names in held.items()
    ]
    if unused:
        reasons.append(f"{', '.join(unused)} (not used by the forward pass)")
    fixes = ["set train.engine=stacked (the default), which forms the whole model's "
             "per-sample gradients"]
    if held:
        fixes.append("register the parameters directly on the model (or in layers it "
                     "calls, such as nn.Linear) instead of in a module it never calls")
    if unused:
        fixes.append("freeze the unused ones (requires_grad=False)")
    failed = per_sample_grad_error(model, inputs)
    if failed and recomputed(failed):  # (Opacus saw no call of the recomputed layers)
        raise UnsupportedModelError(f"{key}: {type(model).__name__}: {neither_engine(failed)}")
    if failed:  # (the stacked engine sent it here: 'train.engine=opacus')
        fixes = [neither_engine(failed, unused=bool(unused))]
    raise UnsupportedModelError(
        f"{key}: train.engine=opacus cannot train {type(model).__name__} with DP-SGD: "
        f"Opacus forms no per-sample gradient for {'; '.join(reasons)}. Opacus takes a "
        "parameter's per-sample gradient from a forward call of the module that holds it, "
        f"and would stop at the first step. Fix: {', or '.join(fixes)}"
    )
