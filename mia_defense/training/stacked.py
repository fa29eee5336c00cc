"""K fully connected models held as one stacked parameter tensor, run with ``bmm``.

Why: on a few CPU cores a Python loop over K small models spends its time in per-op
overhead; one ``bmm`` over a model axis costs about as much as one wide model. The
gradients of each linear layer are formed from its input activations and output
gradients, which also gives DP-SGD's per-sample gradient norms for free (the
"ghost norm" of Opacus' ghost clipping: ``||g_i a_i^T|| = ||g_i|| ||a_i||``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

__all__ = ["StackedMLP", "Tape", "stacking_blocker"]

# Element-wise modules with no parameters or buffers: applied as they are to [K, B, H].
_ELEMENTWISE: tuple[type[nn.Module], ...] = (
    nn.ReLU,
    nn.Tanh,
    nn.GELU,
    nn.ELU,
    nn.LeakyReLU,
    nn.Sigmoid,
    nn.SiLU,
    nn.Identity,
)


@dataclass
class Tape:
    """What the forward pass keeps for the backward pass.

    ``inputs`` holds each linear layer's input (its weight gradient is formed from it);
    ``saved`` holds, in forward order, per activation what :func:`_activation_grad`
    needs and per dropout layer its mask.
    """

    inputs: list[torch.Tensor] = field(default_factory=list)
    saved: list = field(default_factory=list)  # type: ignore[type-arg]


def _activate(
    module: nn.Module, h: torch.Tensor, tape: Tape | None, *, owned: bool
) -> torch.Tensor:
    """``module(h)``; ReLU works in place when ``owned`` (``h`` was made by this forward
    pass, not handed in by the caller)."""
    if type(module) is nn.ReLU:
        out = h.clamp_min_(0) if owned else h.clamp_min(0)
        saved = out
    elif type(module) in (nn.Tanh, nn.Sigmoid):
        out = module(h)
        saved = out
    elif type(module) is nn.Identity:
        out = saved = h
    else:
        out, saved = module(h), h  # generic: autograd re-runs the module on its input
    if tape is not None:
        tape.saved.append(saved)
    return out


def _activation_grad(module: nn.Module, saved: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """The gradient at the activation's input, from ``g`` at its output."""
    kind = type(module)
    if kind is nn.ReLU:  # saved: the output, > 0 exactly where the input is
        return torch.ops.aten.threshold_backward(g, saved, 0)
    if kind is nn.Tanh:
        return g * (1 - saved * saved)
    if kind is nn.Sigmoid:
        return g * saved * (1 - saved)
    if kind is nn.Identity:
        return g
    with torch.enable_grad():  # saved: the input
        leaf = saved.detach().requires_grad_()
        (grad,) = torch.autograd.grad(module(leaf), leaf, g)
    return grad


@dataclass(frozen=True)
class _Op:
    """One step of the forward pass: a linear layer, an element-wise module or dropout."""

    kind: str  # "linear" | "elementwise" | "dropout"
    index: int = -1  # linear layer number
    module: nn.Module | None = None
    p: float = 0.0


def _children(model: nn.Module) -> list[nn.Module] | str:
    if type(model) is nn.Linear:
        return [model]
    if not isinstance(model, nn.Sequential) or type(model).forward is not nn.Sequential.forward:
        return f"{type(model).__name__} is not an nn.Sequential of supported layers"
    return list(model)


def stacking_blocker(model: nn.Module, input_shape: Sequence[int]) -> str | None:
    """Why ``model`` cannot be trained as a stacked ensemble, or ``None`` when it can.

    Supported: an ``nn.Sequential`` (e.g. ``MLP``, ``LogisticRegression``) of an optional
    leading ``Flatten``, ``Linear`` layers, parameter-free element-wise activations and
    ``Dropout``, ending in a ``Linear``.
    """
    children = _children(model)
    if isinstance(children, str):
        return children
    hooked = [
        name or type(model).__name__
        for name, module in model.named_modules()
        if module._forward_hooks or module._forward_pre_hooks or module._backward_hooks
    ]
    if hooked:
        return f"modules {', '.join(hooked)} carry hooks (e.g. a dropout defense)"
    if any(True for _ in model.buffers()):
        return f"{type(model).__name__} has buffers (e.g. normalisation statistics)"
    flat = len(input_shape) == 1
    last_linear = False
    for position, child in enumerate(children):
        kind = type(child)
        if kind is nn.Flatten and position == 0 and child.start_dim == 1 and child.end_dim == -1:
            flat = True
            continue
        if kind is nn.Linear:
            if not flat:
                return "a Linear layer receives non-flat inputs (add a leading nn.Flatten)"
            last_linear = True
            continue
        last_linear = False
        if kind in _ELEMENTWISE or kind is nn.Dropout:
            continue
        return f"layer {position} ({kind.__name__}) is not supported by the stacked ensemble"
    if not last_linear:
        return "the model does not end in a Linear layer"
    if not all(p.requires_grad for p in model.parameters()):
        return "some parameters are frozen (requires_grad=False)"
    return None


class StackedMLP:
    """The parameters of K same-shaped fully connected models as one ``[K, P]`` tensor.

    ``flat`` is updated in place by the optimisers; ``weights``/``biases`` are views into it.
    Build it with :meth:`from_models` after checking :func:`stacking_blocker`.
    """

    def __init__(self, ops: list[_Op], shapes: list[tuple[int, int, bool]], flat: torch.Tensor):
        self.ops, self.shapes, self.flat = ops, shapes, flat
        self.weights: list[torch.Tensor] = []
        self.biases: list[torch.Tensor | None] = []
        offset = 0
        for out_features, in_features, has_bias in shapes:
            size = out_features * in_features
            self.weights.append(flat[:, offset : offset + size].view(-1, out_features, in_features))
            offset += size
            if has_bias:
                self.biases.append(flat[:, offset : offset + out_features])
                offset += out_features
            else:
                self.biases.append(None)

    @classmethod
    def from_models(
        cls, models: Sequence[nn.Module], *, device: torch.device | None = None
    ) -> StackedMLP:
        """Stack the parameters of ``models`` (same architecture, already initialised)."""
        ops: list[_Op] = []
        shapes: list[tuple[int, int, bool]] = []
        for child in _children(models[0]):  # type: ignore[union-attr]
            if type(child) is nn.Linear:
                ops.append(_Op("linear", index=len(shapes)))
                shapes.append((child.out_features, child.in_features, child.bias is not None))
            elif type(child) is nn.Dropout:
                if child.p > 0:
                    ops.append(_Op("dropout", p=float(child.p)))
            elif type(child) is not nn.Flatten:
                ops.append(_Op("elementwise", module=child))
        flat = torch.stack(
            [torch.cat([p.detach().reshape(-1) for p in model.parameters()]) for model in models]
        )
        return cls(ops, shapes, flat.to(device).contiguous())

    @property
    def num_models(self) -> int:
        return int(self.flat.shape[0])

    @property
    def dropout_probs(self) -> list[float]:
        """The drop probability of each dropout layer, in forward order."""
        return [op.p for op in self.ops if op.kind == "dropout"]

    def hidden_widths(self) -> list[int]:
        """The width of the input of each dropout layer, in forward order."""
        widths, width = [], 0
        for op in self.ops:
            if op.kind == "linear":
                width = self.shapes[op.index][0]
            elif op.kind == "dropout":
                widths.append(width)
        return widths

    def write_to(self, models: Sequence[nn.Module]) -> None:
        """Copy the stacked parameters back into ``models`` (one row each)."""
        with torch.no_grad():
            for row, model in zip(self.flat, models, strict=True):
                offset = 0
                for param in model.parameters():
                    param.copy_(row[offset : offset + param.numel()].view_as(param))
                    offset += param.numel()

    def _linear(self, index: int, h: torch.Tensor) -> torch.Tensor:
        weight_t, bias = self.weights[index].transpose(1, 2), self.biases[index]
        if h.dim() == 2:  # the same inputs for every model: one wide matmul
            num, out_features = weight_t.shape[0], weight_t.shape[2]
            wide = self.weights[index].reshape(num * out_features, -1).t()
            out = h @ wide if bias is None else torch.addmm(bias.reshape(-1), h, wide)
            return out.view(len(h), num, out_features).transpose(0, 1)
        out = torch.bmm(h, weight_t)  # then the bias in place: a little faster than baddbmm
        return out if bias is None else out.add_(bias.unsqueeze(1))

    def forward(
        self,
        h: torch.Tensor,
        *,
        dropout_masks: Sequence[torch.Tensor] = (),
        record: bool = False,
    ) -> tuple[torch.Tensor, Tape | None]:
        """Logits [K, B, C] of every model, and (``record``) the tape :meth:`backward` needs.

        Runs without autograd: the backward pass is written out by hand (see
        :meth:`backward`), which on small models costs a fraction of autograd's overhead.

        Args:
            h: flat inputs, [K, B, D] (one batch per model) or [B, D] (shared).
            dropout_masks: one scaled keep-mask [K, B, H] per dropout layer (training only).
            record: keep what the backward pass needs (layer inputs, activation outputs).
        """
        tape = Tape() if record else None
        masks = iter(dropout_masks)
        owned = False  # whether h was made here (the caller's inputs are never changed)
        with torch.no_grad():
            for op in self.ops:
                if op.kind == "linear":
                    if tape is not None:
                        tape.inputs.append(h)
                    h, owned = self._linear(op.index, h), True
                elif op.kind == "elementwise":
                    out = _activate(op.module, h, tape, owned=owned)  # type: ignore[arg-type]
                    owned = owned or out is not h
                    h = out
                else:
                    mask = next(masks, None)
                    if mask is not None:
                        h, owned = h * mask, True
                    if tape is not None:
                        tape.saved.append(mask)
        return h, tape

    def backward(self, tape: Tape, grad_logits: torch.Tensor) -> list[torch.Tensor]:
        """The gradient [K, B, out] of each linear layer's output, from that of the logits.

        Walks the ops backwards: a linear layer passes ``g @ W`` down (skipped below the
        first layer, where no parameter needs it), an activation multiplies by its
        derivative, dropout by its mask.
        """
        out_grads: list[torch.Tensor] = [grad_logits] * len(self.shapes)
        saved = iter(reversed(tape.saved))
        g = grad_logits
        with torch.no_grad():
            for op in reversed(self.ops):
                if op.kind == "linear":
                    out_grads[op.index] = g
                    if op.index > 0:
                        g = torch.bmm(g, self.weights[op.index])
                elif op.kind == "elementwise":
                    g = _activation_grad(op.module, next(saved), g)  # type: ignore[arg-type]
                else:
                    mask = next(saved)
                    if mask is not None:
                        g = g * mask
        return out_grads

    def grads_from(
        self, inputs: Sequence[torch.Tensor], out_grads: Sequence[torch.Tensor]
    ) -> torch.Tensor:
        """The summed parameter gradients [K, P] from each layer's inputs and output gradients."""
        parts = []
        for (_, _, has_bias), a, g in zip(self.shapes, inputs, out_grads, strict=True):
            parts.append(torch.bmm(g.transpose(1, 2), a).flatten(1))
            if has_bias:
                parts.append(g.sum(dim=1))
        return torch.cat(parts, dim=1)

    def per_sample_norms(
        self, inputs: Sequence[torch.Tensor], out_grads: Sequence[torch.Tensor]
    ) -> torch.Tensor:
        """Per-sample gradient norms [K, B] over all parameters, without forming the gradients.

        For a linear layer on flat inputs the per-sample weight gradient is the outer
        product ``g_i a_i^T``, whose norm is ``||g_i|| ||a_i||``; the bias gradient is ``g_i``.
        """
        total = out_grads[0].new_zeros(out_grads[0].shape[:2])
        for (_, _, has_bias), a, g in zip(self.shapes, inputs, out_grads, strict=True):
            g2 = g.square().sum(-1)
            a2 = a.square().sum(-1)
            total = total + g2 * (a2 + 1.0 if has_bias else a2)
        return total.sqrt()
