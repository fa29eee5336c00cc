"""K modules of one architecture held as one: stacked leaves and a ``torch.func`` forward.

Why: on a few CPU cores a Python loop over K small models spends its time in per-op
overhead; ``vmap(functional_call)`` runs the user's own ``nn.Module`` once over a model
axis, and autograd differentiates it (no hand-derived backward pass). A module that
``torch.func`` cannot run is held as itself (``vectorised=False``, K=1): the same engine
then trains it one model at a time.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from mia_defense.models.build import attributes_changed, changed_in_forward, stacking_failure
from mia_defense.models.probes import held_blocker, probed_blocker
from mia_defense.torch_notes import ignore_performance_note
from mia_defense.training.eager import lazy_compile_guards

__all__ = ["ModelStack", "batch_flops", "vmap_blocker"]


def vmap_blocker(model: nn.Module, input_shape: Sequence[int]) -> str | None:
    """Why ``model`` cannot train as a stacked ensemble (``None``: it can).

    Tries what the engine does, on two models and two samples: a vmapped forward in train
    mode and a backward through it, then a forward in eval mode, on a copy of ``model``
    (which it leaves as it was).
    """
    if any(b.is_floating_point() for b in model.buffers()) and any(
        getattr(m, "track_running_stats", False) for m in model.modules()
    ):
        return f"{type(model).__name__} updates buffers while training (BatchNorm statistics)"
    if any(isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters()):
        return f"{type(model).__name__} has lazy parameters (nn.Lazy*), which cannot be stacked"
    if held := held_blocker(model):  # (hooks, two parameters on one storage)
        return held
    # functional_call runs the stacked models on copies of their buffers and write_back
    # copies back only parameters: a hand-made running statistic (or counter) trained
    # stacked would silently keep its initial value
    updated = changed_in_forward(model, input_shape, kinds=("parameter", "buffer"))
    if updated and updated[0] == "parameter":  # (stacked, it lands on the vmapped leaves)
        return (f"{type(model).__name__} changes its parameter {updated[1]!r} in place in forward "
                "(Embedding(max_norm=...), weights clipped under torch.no_grad()), which stacked "
                "models would not keep")  # fmt: skip
    if updated:
        return (f"{type(model).__name__} updates its buffer {updated[1]!r} while training, "
                "which stacked models would not keep")  # fmt: skip
    if probed := probed_blocker(model, input_shape):
        return probed
    probe = copy.deepcopy(model)  # the stacked call may leave the module changed (below)
    params = dict(probe.named_parameters(remove_duplicate=False))
    try:
        stack = ModelStack([probe, probe], [2])
        x = torch.zeros((2, 2, *input_shape), device=next(model.parameters()).device)
        stack.forward(x).sum().backward()
    except Exception as err:
        return stacking_failure(model, input_shape, err)
    try:  # the engine's evaluation after an epoch: eval mode, on each model's rows or shared
        stack.train(False)
        with torch.no_grad():
            stack.forward(x)
            stack.forward(x[0], shared=True)
    except Exception as err:
        return stacking_failure(model, input_shape, err, eval_mode=True)
    if changed := attributes_changed(model, probe):  # (probe: a copy, run stacked)
        return changed
    if any(params.get(n) is not p for n, p in probe.named_parameters(remove_duplicate=False)):
        # a submodule registered under two names (self.b = self.a): functional_call puts
        # plain tensors back in place of its parameters, which then never train
        return (
            f"torch.func does not put back the parameters of {type(model).__name__} after a "
            "stacked call (e.g. a submodule held under two names: self.b = self.a)"
        )
    return None


def batch_flops(model: nn.Module, input_shape: Sequence[int], batch_size: int) -> float:
    """FLOP of ``model``'s forward pass over one batch, as torch counts them on one sample
    through a copy in eval mode (0 when it cannot run one alone)."""
    from torch.utils.flop_counter import FlopCounterMode

    lazy_compile_guards()
    probe = copy.deepcopy(model).eval()  # lazy layers, hooks and the generator stay as they are
    x = torch.zeros((1, *input_shape), device=next(model.parameters()).device)
    try:
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            with FlopCounterMode(display=False) as counter:
                probe(x)
    except Exception:
        return 0.0
    return float(counter.get_total_flops()) * batch_size


class ModelStack:
    """K initialised modules trained as one: their parameters stacked into leaves.

    Each parameter is one leaf stacked over the K models, which the forward pass reads as
    it is. The models are split into consecutive groups that always step together (same
    number of steps per epoch); the optimiser steps each group's rows of the leaves (views
    of them), so an element-wise optimiser (SGD, Adam, AdamW, RMSprop, ...) does for each
    model exactly what it would do for that model alone, and a group that takes no batch in
    a step gets ``grad=None`` and is skipped, as a separate run would not step.

    Args:
        models: K modules of one architecture (trained in place by `write_back`).
        groups: sizes of the consecutive groups of models that step together (sum K).
        vectorised: run the models with ``vmap`` (``False``: one model, run as itself).
    """

    def __init__(
        self, models: Sequence[nn.Module], groups: Sequence[int], *, vectorised: bool = True
    ) -> None:
        self.models = list(models)
        self.module: nn.Module = models[0]  # what runs the forward pass (DP may wrap it)
        self.vectorised = vectorised
        self.bounds = [0, *itertools.accumulate(groups)]
        # a frozen parameter (requires_grad=False: a pretrained layer kept as it is) stays
        # frozen: not stepped (`parameters`), and its stacked leaf takes no grad (torch.func's)
        named = dict(self.module.named_parameters())
        self.names = list(named)
        self._trains = [p.requires_grad for p in named.values()]
        self._stacked: dict[str, torch.Tensor] = {}  # (a model trained alone has none)
        if vectorised:  # (torch.func stacks weight_norm by a loop, and says so every run)
            ignore_performance_note("aten::_weight_norm")
            self._stacked, self.buffers = stack_module_state(self.models)
            # the groups' rows, for the optimiser: groups held as leaves of their own cost a
            # concatenation of every parameter at each forward pass and a split of its
            # gradient (an AdvReg inference model's step 691 -> 604 us, K=16 in 2 groups)
            self.leaves = [[self._stacked[name].detach()[a:b] for name in self.names]
                           for a, b in itertools.pairwise(self.bounds)]  # fmt: skip
            self._forward = vmap(self._call, in_dims=(0, 0, 0), randomness="different")
            self._forward_shared = vmap(self._call, in_dims=(0, 0, None), randomness="different")
        else:
            if len(self.models) != 1:
                raise ValueError("a module that is not vectorised trains alone (K=1)")
            self.buffers = {}
            self.leaves = [list(named.values())]

    def _call(
        self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], x: torch.Tensor
    ) -> torch.Tensor:
        return functional_call(self.models[0], (params, buffers), (x,))

    def __len__(self) -> int:
        return len(self.models)

    @property
    def parameters(self) -> list[torch.Tensor]:
        """What the optimiser updates: each group's rows of each trainable parameter."""
        return [leaf for group in self.leaves for leaf in itertools.compress(group, self._trains)]

    @property
    def trainable_names(self) -> list[str]:
        """`names` of the trainable parameters (a frozen one, requires_grad=False, gets no
        gradient: DP-SGD neither clips nor noises it, as Opacus)."""
        return list(itertools.compress(self.names, self._trains))

    def stacked(self) -> dict[str, torch.Tensor]:
        """The parameters stacked over models: ``{name: [K, ...]}`` (differentiable)."""
        if not self.vectorised:
            leaves = zip(self.names, self.leaves[0], strict=True)
            return {name: leaf.unsqueeze(0) for name, leaf in leaves}
        return dict(self._stacked)

    def forward(self, x: torch.Tensor, *, shared: bool = False) -> torch.Tensor:
        """Logits [K, B, C] of every model on its own inputs x [K, B, ...] (or on the same
        inputs x [B, ...] when ``shared``)."""
        if not self.vectorised:
            return self.module(x if shared else x[0]).unsqueeze(0)
        fn = self._forward_shared if shared else self._forward
        return fn(self.stacked(), self.buffers, x)

    def train(self, mode: bool = True) -> None:
        """Train/eval mode of the module the forward pass runs (dropout, norm layers)."""
        self.module.train(mode)

    def route_grads(self, stepping: torch.Tensor) -> None:
        """Hand each group the rows of the gradients a backward pass left on the stacked
        parameters (taking them off: the next backward starts from none); ``grad=None`` for
        the groups whose models take no step (``stepping`` [K] bool), which the optimiser
        then skips. Gradients given by `set_grads` stay where no backward pass left any."""
        grads = {name: leaf.grad for name, leaf in self._stacked.items()}
        for leaf in self._stacked.values():
            leaf.grad = None
        for group, (a, b) in zip(self.leaves, itertools.pairwise(self.bounds), strict=True):
            steps = stepping[a:b]
            takes_step = bool(steps.all())
            if not takes_step and bool(steps.any()):
                raise RuntimeError("a group of stacked models split: some step, some do not")
            for leaf, name in zip(group, self.names, strict=True):
                grad = grads.get(name)
                if not takes_step:
                    leaf.grad = None
                elif grad is not None:
                    leaf.grad = grad[a:b]

    def has_grads(self) -> bool:
        """Whether a gradient sits on the parameters: on the stacked leaves (where a backward
        pass leaves them) or the optimiser's (`set_grads`'s)."""
        stacked = self._stacked.values() if self.vectorised else ()  # (module mode: views)
        return any(p.grad is not None for p in (*stacked, *self.parameters))

    def set_grads(self, grads: dict[str, torch.Tensor]) -> None:
        """Give each group's trainable leaves its rows of ``grads`` (``{name: [K, ...]}``)."""
        for group, (a, b) in zip(self.leaves, itertools.pairwise(self.bounds), strict=True):
            for leaf, name in itertools.compress(zip(group, self.names, strict=True), self._trains):
                leaf.grad = grads[name][a:b].detach().reshape(leaf.shape).contiguous()

    def state(self) -> dict[str, torch.Tensor]:
        """What `snapshot` copies and `restore` puts back, as [K, ...] views: the parameters,
        and the buffers of a model trained alone (BatchNorm's running statistics, which its
        training updates; stacked models' buffers never change)."""
        state = self.stacked()
        if not self.vectorised:
            state |= {name: b.unsqueeze(0) for name, b in self.models[0].named_buffers()}
        return state

    @torch.no_grad()
    def unchanged(self, before: dict[str, torch.Tensor]) -> list[bool]:
        """Per model, whether its `state` named in ``before`` (copies, ``{name: [K,
        ...]}``, as `snapshot` makes) still hold those values, value for value."""
        now = self.state()
        # (reshape: a 0-dim parameter's stacked values are [K])
        same = [(now[name] == value).reshape(len(value), -1).all(1)
                for name, value in before.items()]  # fmt: skip
        return torch.stack(same).all(0).tolist()

    @torch.no_grad()
    def snapshot(self) -> dict[str, torch.Tensor]:
        """A copy of every model's `state`, ``{name: [K, ...]}``."""
        return {name: value.detach().clone() for name, value in self.state().items()}

    @torch.no_grad()
    def restore(self, saved: dict[str, torch.Tensor], which: torch.Tensor) -> None:
        """Put back the saved `state` of the models where ``which`` [K] is true (the
        buffers too: restored weights with the running statistics of other weights were a
        model that never was: early stopping's best epoch with the last epoch's BatchNorm
        statistics, a distilled student with its teacher's, computed on the members)."""
        for name, value in self.state().items():
            value[which] = saved[name][which]

    @torch.no_grad()
    def write_back(self) -> None:
        """Copy the stacked parameters into the models' own modules (a model alone has none)."""
        for name, stacked in self._stacked.items():
            for k, model in enumerate(self.models):
                model.get_parameter(name).copy_(stacked[k])
