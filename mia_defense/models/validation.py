"""Can Opacus train this model with DP-SGD? Every problem, with its module and the fix."""

from __future__ import annotations

import contextlib
import copy
import os
import sys
from collections.abc import Iterator, Mapping, Sequence

import torch
from torch import nn

from mia_defense.errors import ConfigError, UnsupportedModelError, first_line
from mia_defense.models.alike import MODULE_INTERNALS
from mia_defense.seeding import seed_global_torch
from mia_defense.torch_notes import warnings_silenced

__all__ = [
    "check_dp_compatible",
    "depends_on_batch_position",
    "ensure_dp_compatible",
    "fix_for_dp",
    "group_norm_for",
    "mixes_samples",
    "neither_engine",
    "opacus_grad_samples",
    "opacus_rows_not_own",
    "own_row_grads",
    "padding_moves_rows",
    "per_sample_grad_error",
    "probe_copy",
    "recomputed",
    "recomputed_part",
    "refuse_without_opacus",
    "row_weights",
    "rows_not_own",
    "used_outside_their_layers",
    "without_grad_samples",
]

# Short reasons and fixes, by the Opacus validator's finding.
_FIXES: dict[type[nn.Module], str] = {
    nn.modules.batchnorm._BatchNorm: (
        "BatchNorm mixes the samples of a batch, which DP-SGD cannot account for; replace it "
        "with GroupNorm (defense.dp.auto_fix=true does this), or use model=cnn / model=resnet"
    ),
    nn.modules.instancenorm._InstanceNorm: (
        "InstanceNorm with track_running_stats=True keeps statistics of the training data; "
        "set track_running_stats=False or use GroupNorm"
    ),
    nn.LSTM: "nn.LSTM has no per-sample gradients; use opacus.layers.DPLSTM instead",
    nn.GRU: "nn.GRU has no per-sample gradients; use opacus.layers.DPGRU instead",
    nn.RNN: "nn.RNN has no per-sample gradients; use opacus.layers.DPRNN instead",
    nn.MultiheadAttention: (
        "nn.MultiheadAttention has no per-sample gradients; use "
        "opacus.layers.DPMultiheadAttention instead"
    ),
}

# The layer types Opacus' ModuleValidator has validators for (``ModuleValidator.VALIDATORS``,
# keyed by exact type; a test holds this equal to Opacus' registry). A model with none of
# them gets no finding from Opacus, which is then not imported: 1.3 s of a DP run.
# Validators a user registers come with an imported Opacus, which is then always asked.
OPACUS_VALIDATED: frozenset[type[nn.Module]] = frozenset({
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm,
    nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
    nn.LSTM, nn.GRU, nn.MultiheadAttention,
})  # fmt: skip


# Parameter dtypes DP-SGD refuses (`check_dp_compatible`).
_LOW_PRECISION = (torch.float16, torch.bfloat16)


def _opacus_validators(model: nn.Module) -> dict:
    """Opacus' validators by layer type; empty without importing Opacus where ``model``
    has no layer of a type it validates and Opacus is not imported yet."""
    types = {type(module) for module in model.modules()}
    if sys.modules.get("opacus") is None and not types & OPACUS_VALIDATED:
        return {}
    layers = ", ".join(sorted({t.__name__ for t in types & OPACUS_VALIDATED}))
    refuse_without_opacus(  # (a bare ModuleNotFoundError; on first use: Opacus is slow)
        f"checking {type(model).__name__} for DP-SGD (Opacus' validators of its {layers} "
        "layers)", instead="use a model without them (model=mlp, cnn and resnet have none)")
    from opacus.validators import ModuleValidator

    return ModuleValidator.VALIDATORS


def refuse_without_opacus(needs: str, *, instead: str) -> None:
    """A `ConfigError` where ``import opacus`` fails, naming why where it can: Opacus not
    installed, or a file named like a standard-library module Opacus imports (``profile.py``
    beside a user's script, first on its import path under ``python script.py``, ``-m`` or
    ``-c``) imported in that module's place. ``needs``: what needs Opacus, as the error
    says it (``defense.dp: train.engine=opacus``); ``instead``: the way without it. The
    engine's check blamed the model's forward pass for it ("fails under Opacus'
    GradSampleModule hooks"), the layers' check gave a bare ModuleNotFoundError."""
    try:
        import opacus.validators  # noqa: F401  (imported already where it works)
    except Exception as exc:
        said = first_line(exc)
        failed = (f"{needs} needs Opacus, and importing it failed "
                  f"({type(exc).__name__}: {said})")  # fmt: skip
        if isinstance(exc, ModuleNotFoundError) and str(exc.name).split(".")[0] == "opacus":
            raise ConfigError(f"{failed}: it is not installed in {sys.prefix}. Fix: pip "
                              f"install 'opacus>=1.5' there (mia-defense needs it), or "
                              f"{instead}") from exc  # fmt: skip
        shadow = _standard_library_shadow(exc)
        if shadow:
            raise ConfigError(
                f"{failed}: {shadow[1]} has the name of the standard-library module "
                f"{shadow[0]!r}, which Opacus imports, and was imported in its place (its "
                "folder is first on the import path: a script's own folder, or the current "
                "one under python -m or -c); nothing was trained. Fix: rename it (and import "
                "it under its new name), or start from another folder"
            ) from exc
        raise ConfigError(f"{failed}, which is no fault of the model. Fix: repair the Opacus "
                          "install (python -c 'import opacus' shows where it fails), or "
                          f"{instead}") from exc  # fmt: skip


def _standard_library_shadow(exc: BaseException) -> tuple[str, str] | None:
    """The name and file of a module named like a standard-library one but not installed
    with the interpreter: run by the failed import (a frame of ``exc``'s traceback) or
    imported before (``sys.modules``)."""
    import sysconfig
    import traceback

    paths = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")  # (setuptools' distutils: no shadow)
    installed = tuple(os.path.realpath(paths[k]) + os.sep for k in keys if k in paths)
    files = [frame.f_code.co_filename for frame, _ in traceback.walk_tb(exc.__traceback__)]
    files += [getattr(sys.modules.get(name), "__file__", None) or ""
              for name in sorted(sys.stdlib_module_names)]  # fmt: skip
    for file in files:
        stem, parent = os.path.splitext(os.path.basename(file))[0], os.path.dirname(file)
        name = os.path.basename(parent) if stem == "__init__" else stem
        if (name in sys.stdlib_module_names and os.path.isfile(file)
                and not os.path.realpath(file).startswith(installed)):  # fmt: skip
            return name, file
    return None


def _fix_for(module: nn.Module, fallback: str) -> str:
    for kind, fix in _FIXES.items():
        if isinstance(module, kind):
            return fix
    return fallback


def check_dp_compatible(model: nn.Module) -> list[str]:
    """Every reason Opacus cannot train ``model`` with DP-SGD, one message each (empty: fine).

    Applies Opacus' ``ModuleValidator`` validators and ``GradSampleModule.validate``'s rule per
    named submodule, so each message names the offending module; also flags BatchNorm without
    affine parameters, which Opacus does not see but which still mixes samples.
    """
    validators = _opacus_validators(model)
    problems: list[str] = []
    scripted: list[str] = []
    for name, module in model.named_modules():
        label = f"{name or '<root>'} ({type(module).__name__})"
        if isinstance(module, torch.jit.ScriptModule):  # (both engines' DP-SGD stopped in
            # a raw "register_forward_hook is not supported on ScriptModules")
            # (its layers are scripted too: named once, the outermost; "" is the root's)
            if not any(not s or name.startswith(f"{s}.") for s in scripted):
                scripted.append(name)
                problems.append(
                    f"{label}: a TorchScript module (torch.jit.script or trace) takes no "
                    "forward hooks, which DP-SGD's per-sample gradients and checks put on the "
                    "layers; train the plain nn.Module (script it after training)"
                )
            continue
        trainable = any(p.requires_grad for p in module.parameters(recurse=False))
        validator = validators.get(type(module))
        found = [str(e) for e in validator(module)] if trainable and validator else []
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            found = found or ["BatchNorm"]
        if type(module) is nn.RNN and trainable:  # (Opacus has no validator for it: each
            found = ["nn.RNN"]  # engine refused it naming the other as the fix)
        if not found and trainable and any(True for _ in module.buffers()):
            # GradSampleModule.validate's rule: buffers of a trained layer are not private
            found = [
                "a trainable layer with buffers, which Opacus does not support (its buffers "
                "would escape the privacy accounting); remove the buffers or freeze the layer"
            ]
        problems += [f"{label}: {_fix_for(module, text)}" for text in found]
    if not any(p.requires_grad for p in model.parameters()):
        problems.append("<model>: has no trainable parameters")
    low = sorted({str(p.dtype).removeprefix("torch.") for p in model.parameters()
                  if p.requires_grad and p.dtype in _LOW_PRECISION})  # fmt: skip
    if low:  # (both engines ended in a dtype-mismatch traceback)
        problems.append(
            f"<model>: trainable parameters in {' and '.join(low)}, in which the per-sample "
            "gradients are not clipped and noised (they are formed in float32); hold the "
            "model in float32 (drop its .half() or .to(torch.bfloat16))"
        )
    return problems


def ensure_dp_compatible(model: nn.Module, *, name: str = "model") -> None:
    """Raise `UnsupportedModelError` listing every problem `check_dp_compatible` finds."""
    problems = check_dp_compatible(model)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise UnsupportedModelError(
            f"{name} cannot be trained with DP-SGD (Opacus) because of {len(problems)} "
            f"problem(s):\n{listing}"
        )


def group_norm_for(norm: nn.modules.batchnorm._BatchNorm) -> nn.GroupNorm:
    """The GroupNorm that replaces a BatchNorm layer under DP-SGD, its affine parameters kept.

    ``BatchNorm1d`` normalises features with no spatial extent: a group of one channel would
    hold a single value and normalise it to zero (Opacus' GroupNorm(min(32, C), C) on a
    32-wide layer zeroes every activation), and a group of a few channels keeps little more
    than their order, so it gets one group over all C features (a per-sample LayerNorm).
    ``BatchNorm2d``/``3d`` channels have spatial extent: the largest group count up to 32
    (Wu & He's default) that divides C with at least two channels per group.
    """
    channels = norm.num_features
    groups = 1
    if not isinstance(norm, nn.BatchNorm1d):
        groups = max(
            (g for g in range(1, min(32, channels // 2) + 1) if channels % g == 0), default=1
        )
    fixed = nn.GroupNorm(groups, channels, eps=norm.eps, affine=norm.affine)
    if norm.affine:
        fixed.weight.data.copy_(norm.weight.data)
        fixed.bias.data.copy_(norm.bias.data)
    return fixed


def fix_for_dp(model: nn.Module) -> nn.Module:
    """A copy of ``model`` that Opacus can train: BatchNorm layers become `group_norm_for`'s
    GroupNorm, InstanceNorm ones keep no running statistics (``track_running_stats=False``,
    as built so: no buffers), then Opacus' ``ModuleValidator.fix`` handles the rest (e.g.
    LSTM -> DPLSTM)."""
    refuse_without_opacus(f"replacing {type(model).__name__}'s layers for DP-SGD (Opacus' "
                          "ModuleValidator.fix)", instead="use a model without them "
                          "(model=mlp, cnn and resnet have none)")  # fmt: skip
    from opacus.validators import ModuleValidator

    model = copy.deepcopy(model)
    for norm in model.modules():  # (Opacus' fix kept the running buffers, refused after it)
        if isinstance(norm, nn.modules.instancenorm._InstanceNorm) and norm.track_running_stats:
            norm.track_running_stats = False
            norm.running_mean = norm.running_var = norm.num_batches_tracked = None
    if isinstance(model, nn.modules.batchnorm._BatchNorm):
        return group_norm_for(model)
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and name:
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, group_norm_for(module))
    # (only where Opacus finds more to fix: its fix copies the model through torch.save,
    # which a parametrized one, spectral_norm or weight_norm, refuses in a bare traceback)
    return ModuleValidator.fix(model) if ModuleValidator.validate(model) else model


def mixes_samples(
    model: nn.Module, input_shape: Sequence[int], *, rows: torch.Tensor | None = None
) -> bool:
    """Whether a training-mode forward of (a copy of) ``model`` gives one sample an output
    that depends on the other samples of its batch: a batch mean, a softmax over the batch,
    BatchNorm's statistics. DP-SGD bounds each member's influence by clipping its own
    gradient, which such a model does not confine to that member's term (BatchNorm, which
    Opacus refuses by type, is one case of it; a hand-written batch mean was trained with
    ε reported valid). Two batches that differ in all but their first row, each run with the
    same random draws (dropout alike), must give that row the same output. So must the
    later rows (`_later_rows_read_others`): a cumulative mean over the batch, or attention
    with a causal mask over it, leaves the first row alone, and a check of that row only
    passed them (ε reported valid). The batches are random; where the model cannot run on
    random inputs (token ids as features: ``nn.Embedding(x.long())`` fails on negative
    ones, and a batch mean of its embeddings passed unchecked), they are 6 of ``rows``
    [R, *input_shape], the run's own records, if given. ``False`` when it runs on neither
    (its training names why)."""
    gen = torch.Generator().manual_seed(0)
    first = torch.randn((3, *input_shape), generator=gen)
    other = 1 + 4 * torch.randn((3, *input_shape), generator=gen)  # (other statistics)
    # (and of the other sign: a branch on the batch's sum took the same way in both)
    moved = _moves_other_rows(model, first, other) or _moves_other_rows(model, first, -other)
    if moved is None and rows is not None and len(rows) >= 6:
        moved = _moves_other_rows(model, rows[:3], rows[3:6])
    return bool(moved)


def _moves_other_rows(model: nn.Module, first: torch.Tensor, other: torch.Tensor) -> bool | None:
    """`mixes_samples` on the batch ``first`` [3, ...] and ``other``'s rows; ``None`` where
    the model cannot run on them or gives no finite output per row."""
    params = list(model.parameters())
    device = params[0].device if params else torch.device("cpu")
    probe = copy.deepcopy(model).train()

    def run(batch: torch.Tensor, seed: int = 0) -> torch.Tensor:
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            seed_global_torch(seed, [device])
            return probe(batch.to(device)).float()

    try:
        base = run(first)
        if base.dim() == 0 or len(base) != len(first) or not bool(torch.isfinite(base).all()):
            return None  # (no output per row: the run's output check names it)
        kept = [run(torch.cat([first[:1], other[1:]]))]
        draws = not torch.equal(run(first, seed=1), base)
        if not draws:  # no random draw in training mode: each later row kept alike
            kept += [run(torch.cat([other[:row], first[row : row + 1], other[row + 1 :]]))
                     for row in range(1, len(first))]  # fmt: skip
    except Exception:
        return None
    if any(out.shape != base.shape for out in kept):
        return None
    if any(not torch.allclose(base[row], out[row], rtol=1e-4, atol=1e-5)
           for row, out in enumerate(kept)):  # fmt: skip
        return True
    return draws and _later_rows_read_others(probe, first.to(device))


def _later_rows_read_others(probe: nn.Module, first: torch.Tensor) -> bool:
    """Whether, in one pass of ``probe`` over ``first`` [3, ...] in training mode or in eval
    mode, the output of a row after the first has a gradient with respect to another row's
    input. For a model that draws at random in training mode: in batches of other values, a
    draw whose count depends on the values (a Gamma or Beta sample, a Poisson one) moves
    the later rows' draws and so their outputs, though no row reads another (such a model
    was refused as mixing the samples); within one pass, the draws are the same for every
    row's gradient (eval mode too: dropout may cut a row's every path in the one). A mixing
    that no gradient sees (the inputs cast to integers) is the first row's check's."""
    others = [torch.arange(len(first), device=first.device) != row for row in range(len(first))]
    try:
        for training in (True, False):
            x = first.clone().requires_grad_(True)
            probe.train(training)
            with torch.random.fork_rng(devices=[]):
                seed_global_torch(0, [x.device])
                out = probe(x).float()
            for row in range(1, len(x)):
                (grad,) = torch.autograd.grad(out[row].sum(), x, retain_graph=True,
                                              allow_unused=True)  # fmt: skip
                if grad is not None and bool((grad[others[row]].abs() > 0).any()):
                    return True
    except Exception:  # (no gradient to the inputs, or none to take: nothing seen)
        return False
    return False


def without_grad_samples(model: nn.Module, inputs: torch.Tensor) -> dict[str, str | None]:
    """The trainable parameters of ``model`` that Opacus' ``GradSampleModule`` gives no
    per-sample gradient on a training-mode forward and backward pass over ``inputs`` (a few
    rows; a copy of the model, the global random state kept), by name, each with the module
    that holds it (``None``: the forward pass does not use the parameter at all).

    Opacus forms a parameter's per-sample gradient from a forward call of the module that
    holds it: one the model indexes but never calls (an ``nn.ParameterList``) gives none,
    and its ``DPOptimizer`` then stops at the first step with a bare ``ValueError``
    ("Per sample gradient is not initialized"). Empty when the pass itself fails (training
    names why); Opacus' error when only the pass under its hooks fails (an in-place op on a
    layer's output, ``h = self.fc(x); h.add_(1)``: its hooks make that output a view)."""
    return opacus_grad_samples(model, inputs)[0]


def opacus_grad_samples(
    model: nn.Module, inputs: torch.Tensor
) -> tuple[dict[str, str | None], dict[str, int]]:
    """`without_grad_samples`, and the trainable parameters whose per-sample gradient Opacus
    forms with another number of rows than ``inputs`` has, each with that number: a layer
    applied to several rows of each sample (``x.reshape(B * T, F)``), whose rows Opacus
    clips as samples (one sample's clipped gradient had norm 2.76·C). One pass for both."""
    from opacus import GradSampleModule  # on first use: importing Opacus is slow

    probe = copy.deepcopy(model).train()
    devices = [inputs.device] if inputs.device.type == "cuda" else []

    def run(module: nn.Module) -> None:
        # (Opacus' "Full backward hook is firing")
        with torch.random.fork_rng(devices=devices), warnings_silenced():
            seed_global_torch(0, devices)
            module(inputs).float().sum().backward()

    try:
        run(GradSampleModule(probe))
    except Exception:
        try:
            run(copy.deepcopy(model).train())
        except Exception:
            return {}, {}
        raise
    rows = {name: len(param.grad_sample) for name, param in probe.named_parameters()
            if param.requires_grad and getattr(param, "grad_sample", None) is not None
            and len(param.grad_sample) != len(inputs)}  # fmt: skip
    missing: dict[str, str | None] = {}
    for name, param in probe.named_parameters():
        if not param.requires_grad or getattr(param, "grad_sample", None) is not None:
            continue
        holder = None
        if param.grad is not None:
            path = name.rpartition(".")[0]
            module = probe.get_submodule(path)
            holder = f"{path or '<root>'} ({type(module).__name__})"
        missing[name] = holder
    return missing, rows


def probe_copy(model: nn.Module) -> nn.Module:
    """``copy.deepcopy(model)`` for a probe, a tensor with autograd history that a forward
    left in a plain attribute (``self.seen.append(out)``, or in a tuple or dict) copied
    detached: deepcopy refuses one ('Only Tensors created explicitly by the user (graph
    leaves) support the deepcopy protocol'), and a model trained one at a time holds its
    last pass's."""
    memo: dict[int, object] = {}
    for m in model.modules():
        for key, value in vars(m).items():
            items = value.values() if isinstance(value, dict) else value if isinstance(
                value, list | tuple) else (value,)  # fmt: skip
            memo.update((id(t), t.detach().clone()) for t in items if key not in
                        MODULE_INTERNALS and isinstance(t, torch.Tensor) and t.grad_fn)
    return copy.deepcopy(model, memo)


def used_outside_their_layers(model: nn.Module, inputs: torch.Tensor) -> list[str]:
    """The trainable parameters of ``model`` part of whose gradient, on a training-mode pass
    over ``inputs`` (a few rows; a copy of the model, the global random state kept), comes
    from outside the calls of the modules that hold them: a weight its forward reads
    elsewhere (a decoder tied to its encoder, ``F.linear(z, self.enc.weight.t())``).
    Per-sample gradients formed layer by layer (Opacus' hooks, ghost norms) drop that part:
    DP-SGD without clipping or noise ended 2.5e-2 from plain SGD, in both engines. Each
    call's part is its module run again on its inputs, detached. Empty when the pass fails
    (training names why)."""
    from torch.utils._pytree import tree_leaves

    probe = probe_copy(model).train()
    calls: list[tuple[nn.Module, tuple, dict, object]] = []

    def keep(module: nn.Module, args: tuple, kwargs: dict, out: object) -> None:
        calls.append((module, args, kwargs, out))

    named = [(n, p) for n, p in probe.named_parameters() if p.requires_grad]
    # Each parameter's holders, a layer's own alias of a sublayer's left out: Opacus' DPLSTM
    # holds its cells' weights too, whose calls alone form them (counted twice, Opacus' own
    # layer was refused). Layers side by side sharing one (tied) are each its holder.
    holders: dict[int, list[str]] = {}
    for name, m in probe.named_modules():
        for p in m.parameters(recurse=False):
            kept = [h for h in holders.get(id(p), []) if h and not name.startswith(f"{h}.")]
            holders[id(p)] = [*kept, name]
    handles = [m.register_forward_hook(keep, with_kwargs=True) for m in probe.modules()
               if any(p.requires_grad for p in m.parameters(recurse=False))]  # fmt: skip
    where = {id(m): name for name, m in probe.named_modules()}
    devices = [inputs.device] if inputs.device.type == "cuda" else []

    def leaves(value: object) -> list[torch.Tensor]:
        return [t for t in tree_leaves(value) if isinstance(t, torch.Tensor)]

    def detached(value: object) -> object:
        from torch.utils._pytree import tree_map

        return tree_map(lambda t: t.detach() if isinstance(t, torch.Tensor) else t, value)

    try:
        with torch.random.fork_rng(devices=devices), warnings_silenced():
            seed_global_torch(0, devices)
            out = probe(inputs).float()
            for handle in handles:
                handle.remove()
            loss = (out * torch.randn(out.shape, generator=torch.Generator().manual_seed(0))
                    .to(out.device)).sum()  # fmt: skip
            outs = [[t for t in leaves(o) if t.requires_grad] for *_, o in calls]
            wrt = [p for _, p in named] + [t for ts in outs for t in ts]
            grads = torch.autograd.grad(loss, wrt, allow_unused=True, retain_graph=True)
            total, rest = grads[: len(named)], list(grads[len(named):])
            through = {id(p): torch.zeros_like(p) for _, p in named}
            for (module, args, kwargs, _), tensors in zip(calls, outs, strict=True):
                given = [rest.pop(0) for _ in tensors]
                # (forward, not the hooks again: the inputs are those its pre-hooks gave,
                # and a hook drawing noise, defense=dropout's, would draw anew)
                again = [t for t in leaves(module.forward(*detached(args), **detached(kwargs)))
                         if t.requires_grad]  # fmt: skip
                pairs = [(t, g) for t, g in zip(again, given, strict=False) if g is not None]
                own = [p for p in module.parameters(recurse=False)
                       if p.requires_grad and where[id(module)] in holders[id(p)]]  # fmt: skip
                if not pairs or not own:
                    continue
                # (a scalar, not grad_outputs: torch checks those with its symbolic shapes,
                # whose first use imports sympy, 0.4 s of the default run)
                local = torch.autograd.grad(sum((t * g).sum() for t, g in pairs), own,
                                            allow_unused=True)  # fmt: skip
                for p, part in zip(own, local, strict=True):
                    if part is not None:
                        through[id(p)] += part
    except Exception:
        return []
    finally:
        for handle in handles:
            handle.remove()
    return [name for (name, p), grad in zip(named, total, strict=True)
            if grad is not None and not torch.allclose(through[id(p)], grad, rtol=1e-3,
                                                       atol=1e-6)]  # fmt: skip


def per_sample_grad_error(
    model: nn.Module, inputs: torch.Tensor, *, models: int = 1
) -> str | None:
    """Why ``torch.func`` cannot form per-sample gradients of ``model`` (a copy, training
    mode, the global random state kept) on the rows ``inputs`` as the stacked engine's
    DP-SGD does (over a model axis of ``models`` copies and the samples), or ``None``: it
    can. A forward that branches on a tensor's value (``if x.sum() > 0``, ``if
    self.fc.weight.sum() > 0``) fails there, and gives Opacus no per-sample gradient for the
    branch not taken: neither engine trains it. Some fail over several models only
    (PReLU before nn.Bilinear)."""
    from torch.func import functional_call, grad, vmap

    probe = copy.deepcopy(model).train()
    params = {n: p.detach() for n, p in probe.named_parameters() if p.requires_grad}
    buffers = dict(probe.named_buffers())

    def loss(p: dict[str, torch.Tensor], xi: torch.Tensor) -> torch.Tensor:
        return functional_call(probe, (p, buffers), (xi[None],)).float().sum()

    devices = [inputs.device] if inputs.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices), warnings_silenced():
            per_sample = vmap(grad(loss), in_dims=(None, 0), randomness="different")
            # (over a model axis too, as the stacked engine: a branch on the weights fails)
            stacked = {n: p.expand(models, *p.shape) for n, p in params.items()}
            vmap(per_sample, in_dims=(0, None), randomness="different")(stacked, inputs)
    except Exception as exc:
        return f"{type(exc).__name__}: {first_line(exc)[:200]}"
    return None



def recomputed(failed: str) -> bool:
    """Whether torch.func's error ``failed`` comes from layers recomputed in the backward
    pass (torch.utils.checkpoint: saved-tensor hooks, or its autograd.Function when
    reentrant), where Opacus' hooks miss those layers' calls too."""
    return "saved tensor hooks" in failed or "setup_context" in failed

def recomputed_part(failed: str) -> tuple[str, str]:
    """What of a model torch.func cannot run, where `recomputed` (its error ``failed``), and
    the fix: layers recomputed in the backward pass (saved-tensor hooks: torch.utils.checkpoint),
    or a torch.autograd.Function without ``setup_context``, which a reentrant checkpoint is
    and a user's own (a gradient reversal, say) may be: it recomputes nothing."""
    if "saved tensor hooks" in failed:
        return ("its forward recomputes layers in the backward pass (torch.utils.checkpoint, "
                "or a torch.autograd.Function)",
                "call the layers directly instead of through checkpoint(...)")
    return ("its forward calls a torch.autograd.Function without a setup_context staticmethod "
            "(as torch.utils.checkpoint(..., use_reentrant=True) does)",
            "call the layers directly instead of through checkpoint(...), or give the Function "
            "a setup_context staticmethod and generate_vmap_rule = True")


def neither_engine(failed: str, *, unused: bool = False, hooks: str | None = None) -> str:
    """Why neither engine's DP-SGD can train a model, and what does, from torch.func's error
    ``failed`` (`per_sample_grad_error`) where Opacus forms no per-sample gradient either
    (``unused``: for a parameter the pass did not use), or its hooks fail on the model
    (``hooks``: their error). A checkpointed model was sent by the stacked engine to
    train.engine=opacus, and by Opacus back to train.engine=stacked. (One with PReLU before
    nn.Bilinear is not such a model: torch.func forms its per-sample gradients for one
    model at a time, and the stacked engine trains it with train.chunk_size=1, as
    `mia_defense.defenses.dp_models.refuse_stacked_per_sample` says.)"""
    if recomputed(failed):
        return (
            "neither engine can train it with DP-SGD: its forward recomputes layers in the "
            "backward pass (torch.utils.checkpoint, or a torch.autograd.Function), which "
            f"torch.func cannot differentiate per sample ({failed}) and in which Opacus' hooks "
            "miss those layers' calls. Call the layers directly instead of through "
            "checkpoint(...) (it saves memory, not results), or train it without defense=dp"
        )
    if hooks is not None:
        return ("neither engine can train it as written: torch.func cannot form its per-sample "
                f"gradients (train.engine=stacked, the default: {failed}), and Opacus' hooks "
                f"fail on its forward and backward pass (train.engine=opacus: {hooks}); replace "
                "the layers that fail in its forward, or train it without defense=dp")
    said = (f"neither engine can train it as written: torch.func cannot form its per-sample "
            f"gradients either ({failed})")
    if not unused:
        return f"{said}; change that in its forward, or train it without defense=dp"
    return (f"{said}, as when its forward branches on a tensor's value (an if on the data or "
            "the weights), taking one branch's parameters only; compute every branch and pick "
            "with torch.where, or freeze the parameters of the branch never taken")

# Per-sample gradients an engine forms and each sample's own agree to float rounding (a
# batch's matrix products round otherwise than a single sample's; about 1e-6 in float32 on
# the CPU, 1e-3 where CUDA convolutions take TF32): relative to each row's norm, and
# absolutely to this fraction of the largest sample's whole gradient. Another sample's
# gradient in a row differs by its whole size.
_OWN_RTOL, _OWN_ATOL = 1e-2, 1e-5


def own_row_grads(
    out: torch.Tensor, params: Mapping[str, torch.Tensor], weights: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Each row's own gradient within one pass: ``{name: [n, *shape]}``, row i the gradient
    of ``(out[i] * weights[i]).sum()`` with respect to ``params`` (the leaves ``out`` [n,
    ...] was computed from; zero where a row does not reach one). One backward per row:
    the truth DP-SGD's per-sample gradients are held to, whatever the model does with the
    batch's rows inside (the pass's random draws are the engines' too)."""
    names = list(params)
    rows = []
    for i in range(len(out)):
        grads = torch.autograd.grad((out[i] * weights[i]).sum(), [params[n] for n in names],
                                    retain_graph=True, allow_unused=True)  # fmt: skip
        rows.append([torch.zeros_like(params[n]) if g is None else g
                     for n, g in zip(names, grads, strict=True)])  # fmt: skip
    return {n: torch.stack([row[j] for row in rows]) for j, n in enumerate(names)}


def rows_not_own(
    formed: Mapping[str, torch.Tensor], own: Mapping[str, torch.Tensor]
) -> list[str]:
    """The names of ``formed`` ``{name: [n, ...]}`` (an engine's per-sample gradients, or
    norms, of n samples) whose rows are not each sample's own (``own``, alike: row i
    sample i's), or ``[]`` where every row of ``formed`` is, for every name at once, some
    sample's own and every sample's is one row's: an engine that reorders the samples
    consistently (the whole model on ``x[perm]``) still clips each sample's gradient
    whole. Equal to float rounding (`_OWN_RTOL`, `_OWN_ATOL`)."""
    if not formed:
        return []
    flat = {n: (formed[n].reshape(len(formed[n]), -1).double(),
                own[n].reshape(len(own[n]), -1).double()) for n in formed}  # fmt: skip
    scale = max(float(torch.linalg.vector_norm(torch.cat([o for _, o in flat.values()], 1),
                                               dim=1).max()), 1e-30)  # fmt: skip
    alike = None  # [n rows, n samples]: the row is the sample's own for every name so far
    diagonal = []
    for name, (f, o) in flat.items():
        distance = torch.cdist(f, o)
        size = torch.maximum(f.norm(dim=1)[:, None], o.norm(dim=1)[None, :])
        close = distance <= _OWN_RTOL * size + _OWN_ATOL * scale
        alike = close if alike is None else alike & close
        if not bool(close.diagonal().all()):
            diagonal.append(name)
    assert alike is not None
    if bool(alike.any(1).all()) and bool(alike.any(0).all()):
        return []
    return diagonal or list(formed)


@contextlib.contextmanager
def _seeded(inputs: torch.Tensor, seed: int = 0) -> Iterator[None]:
    """The global generators forked and seeded (``inputs``' CUDA device's too)."""
    devices = [inputs.device] if inputs.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), warnings_silenced():
        seed_global_torch(seed, devices)
        yield


def row_weights(out: torch.Tensor) -> torch.Tensor:
    """Random weights for each row's output ``out`` [n, ...] (a loss's gradient with respect
    to it), the same every run: what `own_row_grads` weights the rows with."""
    gen = torch.Generator().manual_seed(0)
    return torch.randn(out.shape, generator=gen, dtype=torch.float32).to(out.device)


def _own_pass(
    probe: nn.Module, inputs: torch.Tensor, seed: int = 0, *, alone: bool = False,
    summed: bool = False, replay: bool = False, padding: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The output of a pass of ``probe`` over ``inputs`` under ``seed`` and each row's own
    gradient in it (`own_row_grads`, rows weighted by `row_weights`), or with ``summed``
    their sum alone ([1, ...] per parameter: one backward pass). ``alone``: each row in a
    call of its own, a batch of one, under ``vmap`` (its ``randomness="different"`` draws
    what the batch's pass draws: dropout's masks) or, where ``vmap`` cannot run the model,
    one call after another; with ``replay`` one after another, each from the generator
    state the batch's pass drew from (a draw made once for the batch draws it again).
    ``padding``: rows the batch's pass runs after ``inputs``, their outputs left out.
    Plain autograd, not ``torch.func.grad``, whose first use imports torch._dynamo (2.4 s)."""
    from torch.func import functional_call, vmap

    params = {n: p.detach().clone().requires_grad_(True)
              for n, p in probe.named_parameters() if p.requires_grad}  # fmt: skip

    def one(xi: torch.Tensor) -> torch.Tensor:
        return functional_call(probe, params, (xi[None],))[0]

    with _seeded(inputs, seed):
        if not alone:
            batch = inputs if padding is None else torch.cat([inputs, padding])
            out = functional_call(probe, params, (batch,))[: len(inputs)]
        elif replay:
            rows = []
            for xi in inputs:
                seed_global_torch(seed, [inputs.device])
                rows.append(one(xi))
            out = torch.stack(rows)
        else:
            try:
                out = vmap(one, randomness="different")(inputs)
            except Exception:  # (what torch.func cannot batch)
                seed_global_torch(seed, [inputs.device])
                out = torch.stack([one(xi) for xi in inputs])
    out = out.float()
    if out.dim() == 0 or len(out) != len(inputs):
        raise ValueError("no output per row")  # (the run's output check names it)
    if not summed:
        return out.detach(), own_row_grads(out, params, row_weights(out))
    grads = torch.autograd.grad((out * row_weights(out)).sum(), list(params.values()),
                                allow_unused=True)  # fmt: skip
    return out.detach(), {n: (torch.zeros_like(p) if g is None else g)[None]
                          for (n, p), g in zip(params.items(), grads, strict=True)}


def depends_on_batch_position(model: nn.Module, inputs: torch.Tensor) -> bool:
    """Whether a sample's gradient under ``model`` (a copy, training mode) in a batch of
    the rows ``inputs`` [n, ...] differs from its gradient alone, in a batch of one (the
    stacked engine forms its per-sample gradients alone, by ``vmap(grad)``); the sums over
    the rows, each weighted at random (`row_weights`), are compared: one backward pass
    each, where a row's that differs moves its pass's sum. Its output then depends on
    where the sample sits in its batch, or on the batch's size (``torch.arange(len(x))``
    in forward), which `mixes_samples` does not see, and one member joining a Poisson batch
    moves every later sample's term. Random draws (dropout) are the batch's under
    ``vmap``; a model whose draws are not (their count depends on the values: a Beta
    sample) is compared in eval mode too, as `_later_rows_read_others` does, each sample
    also alone from the batch pass's generator state, so that one noise drawn for the whole
    batch there (``torch.randn(h.shape[-1])``) is not taken for its position (the engines
    name that draw: `mia_defense.defenses.dp_stacked.check_replayed`). ``False`` where the
    passes cannot run (training names why)."""
    probe = copy.deepcopy(model)
    try:
        for training in (True, False):
            probe.train(training)
            out, own = _own_pass(probe, inputs, summed=True)
            alone, own_alone = _own_pass(probe, inputs, alone=True, summed=True)
            if alone.shape != out.shape:
                return False  # (another output for a batch of one: the output checks')
            if not rows_not_own(own_alone, own):
                return False
            if not training and not rows_not_own(
                    _own_pass(probe, inputs, alone=True, summed=True, replay=True)[1], own):
                return False  # (one draw for the whole batch in eval mode too: not the batch's)
            if not training or torch.equal(_own_pass(probe, inputs, 1, summed=True)[0], out):
                return True  # (no random draw in training mode: the difference is the model's)
    except Exception:
        return False
    return True


def padding_moves_rows(model: nn.Module, inputs: torch.Tensor) -> bool:
    """Whether rows appended to a batch of the rows ``inputs`` [n, ...] change the gradient
    of those rows' outputs under ``model`` (a copy, training mode, then eval mode): the
    stacked engine pads a model's batch at its end to its chunk's longest, which a model
    trained alone never sees. An output that depends on the batch's size (``fc(x) * 64 /
    len(x)``) moves; one that depends on where its sample sits (``torch.arange(len(x))``)
    does not, as padding leaves every row where it was. Random draws (dropout) are set apart
    as `depends_on_batch_position` sets them: a difference they may explain is asked again
    in eval mode. ``False`` where the passes cannot run (training names why)."""
    probe = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(1)
    padding = torch.randn(inputs.shape, generator=gen).to(inputs.device, inputs.dtype)
    try:
        for training in (True, False):
            probe.train(training)
            out, own = _own_pass(probe, inputs, summed=True)
            if not rows_not_own(_own_pass(probe, inputs, summed=True, padding=padding)[1], own):
                return False
            if not training or torch.equal(_own_pass(probe, inputs, 1, summed=True)[0], out):
                return True  # (no random draw in training mode: the difference is the model's)
    except Exception:
        return False
    return True


def opacus_rows_not_own(model: nn.Module, inputs: torch.Tensor) -> list[str]:
    """The trainable parameters of ``model`` (a copy, training mode) whose per-sample
    gradients under Opacus' ``GradSampleModule``, on a pass over the rows ``inputs`` [n,
    ...], are not each sample's own (`rows_not_own` against `own_row_grads` of a pass under
    the same seed: the same random draws). Opacus gives a layer's row i to sample i: a
    model that reorders the batch around a layer (``h = self.fc(x[perm])[inverse]``) has it
    clip mixtures of samples' gradients, one sample's reaching up to √(layers)·C. Empty
    where the passes cannot run or give no output per row (other checks name why)."""
    from opacus import GradSampleModule  # on first use: importing Opacus is slow

    try:
        own = _own_pass(copy.deepcopy(model).train(), inputs)[1]
        probe = copy.deepcopy(model).train()
        with _seeded(inputs):
            logits = GradSampleModule(probe, loss_reduction="sum")(inputs).float()
            (logits * row_weights(logits)).sum().backward()
    except Exception:
        return []
    formed = {n: p.grad_sample for n, p in probe.named_parameters()
              if p.requires_grad and getattr(p, "grad_sample", None) is not None
              and len(p.grad_sample) == len(inputs)}  # fmt: skip
    return rows_not_own(formed, {n: own[n] for n in formed})
