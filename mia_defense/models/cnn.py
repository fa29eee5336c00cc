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

__all__ = ["SmallCNN", "check_norm", "image_shape", "lone_values", "lone_values_refusal",
           "make_norm"]

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


def _group_count(channels: int, groups: int) -> int:
    """The GroupNorm groups `make_norm` gives ``channels``: the most that divide them, up
    to ``groups``."""
    count = min(groups, channels)
    while channels % count:
        count -= 1
    return count


def make_norm(norm: str, channels: int, *, groups: int) -> nn.Module:
    """GroupNorm over ``min(groups, channels)`` groups, or identity; never BatchNorm (DP-safe)."""
    check_norm(norm, groups)
    if norm == "none":
        return nn.Identity()
    return nn.GroupNorm(_group_count(channels, groups), channels)


def lone_values(norm: str, channels: int, *, groups: int, pixels: tuple[int, int]) -> bool:
    """Whether `make_norm`'s GroupNorm of ``channels`` on ``pixels`` (height, width) holds
    one value in each group: it normalises each to 0, so its output is its bias whatever
    the input (model=cnn dataset=digits_images model.channels=[8,8,8,8]: the 4th conv runs
    on 1x1 pixels, and every image got the same output)."""
    return (norm == "group" and pixels == (1, 1)
            and _group_count(channels, groups) == channels)


def lone_values_refusal(
    keys: str, shape: Sequence[int], where: str, channels: int, groups: int, fix: str
) -> ConfigError:
    """The refusal of a model whose GroupNorm `where` has groups of one value
    (`lone_values`): it can learn nothing, and its run would be measured all the same.
    Fewer groups are advised only where there are some: a group of one channel stays one
    value (model.channels=[1, ...]: 'model.groups below 1' is refused in turn)."""
    fewer_groups = f", model.groups below {channels}" if channels > 1 else ""
    return ConfigError(
        f"{keys}: on {shape[1]}x{shape[2]} images {where} works on 1x1 pixels, where "
        f"GroupNorm's {_group_count(channels, groups)} groups of its {channels} channels hold "
        "one value each, normalised to 0: every image gets the same output and the model "
        f"cannot learn; {fix}{fewer_groups}, or model.norm=none"
    )


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
        shape = image_shape(input_shape, model="cnn")
        in_channels = shape[0]
        self.input_shape = tuple(int(s) for s in input_shape)
        self.check_options(channels=channels, hidden=hidden, norm=norm, groups=groups,
                           pooled=pooled, dropout=dropout)  # fmt: skip
        _check_layer_sizes(in_channels, channels=channels, hidden=hidden, pooled=pooled)
        pixels = shape[1:]
        for i, out in enumerate(channels):
            if lone_values(norm, int(out), groups=groups, pixels=pixels):
                raise lone_values_refusal(
                    f"model.channels={show(list(channels))}, model.groups={show(groups)}",
                    shape, f"conv {i + 1} of {len(channels)}", int(out), groups,
                    f"use at most {i} widths in model.channels")
            pixels = (-(-pixels[0] // 2), -(-pixels[1] // 2))  # MaxPool2d(2, ceil_mode=True)
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
