"""Convolutional models for small images, with GroupNorm or no norm so Opacus can train them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

from mia_defense.constraints import as_integer, show
from mia_defense.data.checks import LAST_CHANNELS, looks_channels_last
from mia_defense.errors import ConfigError
from mia_defense.models.mlp import check_data_sizes, check_dropout, check_widths

__all__ = ["SmallCNN", "check_norm", "image_shape", "make_norm"]

_NORMS = ("group", "none")
# The finest pooled grid (128 x 128): finer repeats the pixels of any image this is for.
MAX_POOLED = 2**7
# torch's sizes are int64: a layer of more weights ends in "Overflow when unpacking long long".
_MOST_WEIGHTS = 2**63 - 1


def check_norm(norm: str, groups: int) -> None:
    """Refuse a norm `make_norm` does not know and a group count below 1 (0 divided by
    zero there; a negative one built a GroupNorm of -1 groups)."""
    if norm not in _NORMS:
        raise ConfigError(f"model.norm={norm!r}: unexpected norm, choose from {_NORMS}")
    as_integer(groups, key="model.groups", low=1,
               note="GroupNorm's groups, reduced to divide each width")


def make_norm(norm: str, channels: int, *, groups: int) -> nn.Module:
    """GroupNorm over ``min(groups, channels)`` groups, or identity; never BatchNorm (DP-safe)."""
    check_norm(norm, groups)
    if norm == "none":
        return nn.Identity()
    count = min(groups, channels)
    while channels % count:
        count -= 1
    return nn.GroupNorm(count, channels)


def image_shape(input_shape: Sequence[int], *, model: str) -> tuple[int, int, int]:
    """``(C, H, W)`` of image inputs; a `ConfigError` when the data are not images."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 2:  # [H, W] grey images
        shape = (1, *shape)
    if len(shape) != 3 or min(shape[1:]) < 4:
        raise ConfigError(
            f"model={model} needs images [C, H, W] (at least 4x4), but the dataset's samples "
            f"have shape {list(input_shape)}; use model=mlp for flat features"
            + _channels_last(shape)
        )
    if looks_channels_last(shape):  # [32, 32, 4] RGBA trained as 32 channels of 32x4 pixels
        raise ConfigError(
            f"model={model} needs images [C, H, W], but the dataset's samples have shape "
            f"{list(input_shape)}, read as {shape[0]} channels of {shape[1]}x{shape[2]} pixels"
            + _channels_last(shape)
        )
    return shape  # type: ignore[return-value]


def _channels_last(shape: tuple[int, ...]) -> str:
    """What to do with images stored channels-last [H, W, C] (numpy's, PIL's and
    TensorFlow's layout: ``np.savez(x=cifar)`` of [N, 32, 32, 3]), or "" for other shapes."""
    if len(shape) != 3 or shape[2] > LAST_CHANNELS or min(shape[:2]) < 4:
        return ""
    return (f"; images stored channels-last [H, W, C] = {list(shape)}: transpose them to "
            "[N, C, H, W] (x.transpose(0, 3, 1, 2)) and save them again")


def _check_layer_sizes(
    in_channels: int, *, channels: Sequence[int], hidden: int, pooled: int
) -> None:
    """Refuse widths (each in range) whose product overflows one layer's weight count (a
    3x3 conv's 9 x in x out, the head's channels x pooled² x hidden), naming the keys."""
    widths = [in_channels, *(int(c) for c in channels)]
    convs = [9 * a * b for a, b in itertools.pairwise(widths)]
    largest = max([*convs, widths[-1] * int(pooled) ** 2 * int(hidden)])
    if largest > _MOST_WEIGHTS:
        raise ConfigError(
            f"model.channels={show(list(channels))}, model.hidden={show(hidden)}, "
            f"model.pooled={show(pooled)}: one layer would hold {largest:.3g} weights, past "
            "torch's int64 sizes (and any memory); lower them"
        )


class SmallCNN(nn.Module):
    """``[conv3x3 -> norm -> act -> maxpool] x len(channels)``, then an MLP head.

    Sized for 28x28 (MNIST) and 32x32 (CIFAR) images; any size >= 4x4 works because the
    features are average-pooled to a fixed ``pooled x pooled`` grid before the head.
    """

    @staticmethod
    def check_options(
        *,
        channels: Sequence[int] = (32, 64),
        hidden: int = 128,
        norm: str = "group",
        groups: int = 8,
        pooled: int = 4,
        dropout: float = 0.0,
    ) -> None:
        """Refuse bad settings (a `ConfigError` naming the key): what the constructor checks
        after the input shape, and what the config check calls before any data is loaded."""
        if not channels:
            raise ConfigError("model.channels is empty: give at least one conv width")
        check_dropout("model.dropout", dropout)
        check_widths("model.channels", channels, listed=True)
        check_widths("model.hidden", hidden, listed=False)
        check_widths("model.pooled", pooled, most=MAX_POOLED, listed=False)
        check_norm(norm, groups)

    def __init__(
        self,
        *,
        input_shape: Sequence[int],
        num_classes: int,
        channels: Sequence[int] = (32, 64),
        hidden: int = 128,
        norm: str = "group",
        groups: int = 8,
        pooled: int = 4,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        check_data_sizes("SmallCNN", input_shape, num_classes)
        in_channels, _, _ = image_shape(input_shape, model="cnn")
        self.input_shape = tuple(int(s) for s in input_shape)
        self.check_options(channels=channels, hidden=hidden, norm=norm, groups=groups,
                           pooled=pooled, dropout=dropout)  # fmt: skip
        _check_layer_sizes(in_channels, channels=channels, hidden=hidden, pooled=pooled)
        layers: list[nn.Module] = []
        width = in_channels
        for out in channels:
            layers += [
                nn.Conv2d(width, int(out), kernel_size=3, padding=1),
                make_norm(norm, int(out), groups=groups),
                nn.ReLU(),
                nn.MaxPool2d(2, ceil_mode=True),
            ]
            width = int(out)
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(pooled))
        head: list[nn.Module] = [
            nn.Flatten(),
            nn.Linear(width * pooled * pooled, hidden),
            nn.ReLU(),
        ]
        if dropout > 0:
            head.append(nn.Dropout(float(dropout)))  # (a Fraction: torch's TypeError)
        head.append(nn.Linear(hidden, num_classes))
        self.head = nn.Sequential(*head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:  # [N, H, W] grey images
            x = x.unsqueeze(1)
        return self.head(self.features(x))
