"""A CIFAR ResNet / WideResNet with GroupNorm (or no norm), trainable by Opacus.

``depth=20, widen_factor=1`` is He et al.'s ResNet-20 for CIFAR; ``depth=16, widen_factor=4``
is the WRN-16-4 that De et al. (2022) train with DP-SGD. BatchNorm is replaced by GroupNorm
because it mixes samples within a batch, which DP-SGD cannot account for.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from mia_defense.budget import available_memory
from mia_defense.constraints import as_integer, is_integer, show, shown
from mia_defense.errors import ConfigError
from mia_defense.models.cnn import (
    check_norm,
    image_shape,
    lone_values,
    lone_values_refusal,
    make_norm,
)
from mia_defense.models.mlp import check_data_sizes

__all__ = ["ResNet"]


class _Block(nn.Module):
    """Pre-activation basic block: ``norm -> relu -> conv`` twice, plus a (projected) skip."""

    def __init__(self, in_ch: int, out_ch: int, *, stride: int, norm: str, groups: int) -> None:
        super().__init__()
        self.norm1 = make_norm(norm, in_ch, groups=groups)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)
        self.norm2 = make_norm(norm, out_ch, groups=groups)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)
        self.relu = nn.ReLU()
        self.skip: nn.Module = (
            nn.Identity()
            if stride == 1 and in_ch == out_ch
            else nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(self.relu(self.norm1(x)))
        out = self.conv2(self.relu(self.norm2(out)))
        return out + self.skip(x)


def _about(count: float) -> str:
    """``count`` to 3 digits; beyond a float (depth=10**400: OverflowError) its power of 10."""
    if count < 1e300:
        return f"{count:.3g}"
    return f"10^{int(int(count).bit_length() * 0.30103)}"


class ResNet(nn.Module):
    """CIFAR-style ResNet: a 3x3 stem, three stages of basic blocks (strides 1, 2, 2), a head.

    Args:
        input_shape: one image ``[C, H, W]``.
        num_classes: C.
        depth: ``6n + 2`` or ``6n + 4`` layers (n blocks per stage): 8, 14, 16, 20, 32, ...
        widen_factor: channel multiplier of the stages (16, 32, 64 times this).
        norm: ``group`` (GroupNorm) or ``none``.
        groups: GroupNorm groups (reduced to divide the channel count).
    """

    @staticmethod
    def check_options(
        *, depth: int = 20, widen_factor: int = 1, norm: str = "group", groups: int = 16
    ) -> None:
        """Refuse bad settings (a `ConfigError` naming the key): what the constructor checks
        after the input shape, and what the config check calls before any data is loaded."""
        if not is_integer(depth, low=8) or (depth - 2) % 6 not in (0, 2):
            raise ConfigError(
                f"model.depth={show(depth)}: must be 6n+2 or 6n+4 with n >= 1 (e.g. 8, 14, 16, "
                "20)"
            )
        as_integer(widen_factor, key="model.widen_factor", low=1)
        check_norm(norm, groups)
        # Fewer weights than it has: each block's second 3x3 conv (16, 32, 64 x widen_factor
        # channels). depth=10**30 built blocks until memory ran out, without a word.
        at_least = (depth - 2) // 6 * 9 * (16**2 + 32**2 + 64**2) * widen_factor**2
        available = available_memory()
        if 4 * at_least > available:
            raise ConfigError(
                f"model.depth={shown(depth)}, model.widen_factor={shown(widen_factor)}: the "
                f"ResNet would hold over {_about(at_least)} weights "
                f"({_about(4 * at_least // 10**9)} GB in float32), more "
                f"than the {available / 1e9:.3g} GB of memory available; lower model.depth or "
                "model.widen_factor (WRN-16-4: depth=16, widen_factor=4)"
            )

    def __init__(
        self,
        *,
        input_shape: Sequence[int],
        num_classes: int,
        depth: int = 20,
        widen_factor: int = 1,
        norm: str = "group",
        groups: int = 16,
    ) -> None:
        super().__init__()
        check_data_sizes("ResNet", input_shape, num_classes)
        # Named as the shipped configs differ (widen_factor 1: model=resnet, 4: wide_resnet):
        # model=wide_resnet on flat data said 'model=resnet needs images', run or searched.
        shape = image_shape(input_shape, model="resnet" if widen_factor == 1 else "wide_resnet")
        in_channels = shape[0]
        self.check_options(depth=depth, widen_factor=widen_factor, norm=norm, groups=groups)
        blocks = (depth - 2) // 6
        widths = [16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        last = (-(-shape[1] // 4), -(-shape[2] // 4))  # two stride-2 stages
        if lone_values(norm, widths[-1], groups=groups, pixels=last):  # the head's norm
            raise lone_values_refusal(
                f"model.groups={show(groups)}, model.widen_factor={show(widen_factor)}",
                shape, "the ResNet's last stage", widths[-1], groups, "use model=cnn")
        self.stem = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        layers: list[nn.Module] = []
        width = 16
        for stage, out in enumerate(widths):
            for b in range(blocks):
                stride = 2 if stage > 0 and b == 0 else 1
                layers.append(_Block(width, out, stride=stride, norm=norm, groups=groups))
                width = out
        self.stages = nn.Sequential(*layers)
        self.norm = make_norm(norm, width, groups=groups)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        out = self.relu(self.norm(self.stages(self.stem(x))))
        return self.fc(torch.flatten(self.pool(out), 1))
