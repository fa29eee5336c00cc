"""Can Opacus train this model with DP-SGD? Every problem, with its module and the fix."""

from __future__ import annotations

from torch import nn

from mia_defense.errors import UnsupportedModelError

__all__ = ["check_dp_compatible", "ensure_dp_compatible"]

# Short reasons and fixes, by the Opacus validator's finding.
_FIXES: dict[type[nn.Module], str] = {
    nn.modules.batchnorm._BatchNorm: (
        "BatchNorm mixes the samples of a batch, which DP-SGD cannot account for; replace it "
        "with GroupNorm (opacus.validators.ModuleValidator.fix(model) does this), or use "
        "model=cnn / model=resnet"
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
    from opacus.validators import ModuleValidator  # on first use: importing Opacus is slow

    problems: list[str] = []
    for name, module in model.named_modules():
        label = f"{name or '<root>'} ({type(module).__name__})"
        trainable = any(p.requires_grad for p in module.parameters(recurse=False))
        validator = ModuleValidator.VALIDATORS.get(type(module))
        found = [str(e) for e in validator(module)] if trainable and validator else []
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            found = found or ["BatchNorm"]
        if not found and trainable and any(True for _ in module.buffers()):
            # GradSampleModule.validate's rule: buffers of a trained layer are not private
            found = [
                "a trainable layer with buffers, which Opacus does not support (its buffers "
                "would escape the privacy accounting); remove the buffers or freeze the layer"
            ]
        problems += [f"{label}: {_fix_for(module, text)}" for text in found]
    if not any(p.requires_grad for p in model.parameters()):
        problems.append("<model>: has no trainable parameters")
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
