"""Fully connected models (no normalisation layers, so Opacus can train them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import nn

from mia_defense.constraints import as_integer, is_fraction, is_integer, show, shown
from mia_defense.errors import ConfigError

__all__ = ["MAX_WIDTH", "MLP", "LogisticRegression", "check_data_sizes", "check_dropout",
           "check_widths"]

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "elu": nn.ELU,
}


# The widest layer (2**31 - 1): torch's sizes are int64, which a Linear's in x out weights
# stay inside; the memory check (mia_defense.budget) refuses what no machine holds.
MAX_WIDTH = 2**31 - 1


def check_widths(key: str, value: int | Sequence[int], *, most: int = MAX_WIDTH,
                 listed: bool | None = None) -> None:
    """Refuse a layer width (or list of them) that is not an integer in [1, ``most``]: a
    width of 0 builds a model whose output ignores its input (it learns the class prior, and
    looks private to every attack); 2**63 ended in torch's 'Overflow when unpacking long
    long', naming no key. ``listed``: the setting is a list (True) or one width (False);
    from Python, MLP(hidden=64) and SmallCNN(hidden=[8]) raised a raw TypeError."""
    many = isinstance(value, Sequence) and not isinstance(value, str | bytes)  # (b"@": 64)
    if listed is not None and many != listed:
        raise ConfigError(f"{key}={show(value)}: must be "
                          + (f"a list of widths, e.g. {_listed_example(value)}" if listed else
                             "one width, an integer >= 1, not a list"))  # fmt: skip
    for width in value if many else [value]:  # (a text '64' one width, not '6' and '4')
        if not is_integer(width, low=1):
            raise ConfigError(
                f"{key}={show(value)}: every width must be an integer >= 1, not {shown(width)}"
            )
        if width > most:
            raise ConfigError(
                f"{key}={show(value)}: every width must be an integer in [1, {most}], not "
                f"{shown(width)} (torch's layer sizes overflow beyond)"
            )


def _listed_example(value: object) -> str:
    """A list of widths to show for ``value``, a setting given otherwise: ``[64]`` for a
    width of 64; a list that builds for text, an array or a set (``['64']`` was shown)."""
    return f"[{show(value)}]" if is_integer(value, low=1) else "[128] or [256, 128]"


def check_data_sizes(model: str, input_shape: Sequence[int], num_classes: int) -> None:
    """Refuse an input shape or a class count that a model built from Python was given and
    the data cannot have: a bool, 2.5 or 0 built a model silently (``int()`` cut 2.5 to 2, a
    0-wide input or a 0-class head learned nothing), -1 or 10**30 raised torch's raw errors.
    From the config they are the dataset's (`Dataset.input_shape`, ``num_classes``)."""
    if isinstance(input_shape, str | bytes) or not isinstance(input_shape, Sequence) or (
        not input_shape
    ):
        raise ConfigError(f"{model}: input_shape={show(input_shape)}: must be the shape of one "
                          "sample, a non-empty sequence of sizes, e.g. (64,) or (1, 28, 28) "
                          "(Dataset.input_shape)")  # fmt: skip
    check_widths(f"{model}: input_shape", input_shape)
    as_integer(num_classes, key=f"{model}: num_classes", low=2, high=MAX_WIDTH,
               note="the dataset's number of classes (Dataset.num_classes)")


def check_dropout(key: str, dropout: float) -> None:
    """Refuse a dropout rate outside [0, 1) (1 drops every unit)."""
    if not is_fraction(dropout, zero=True):
        raise ConfigError(f"{key}={show(dropout)}: must lie in [0, 1)")


class MLP(nn.Sequential):
    """Flatten, then ``Linear -> activation [-> Dropout]`` per hidden width, then a linear head."""

    @staticmethod
    def check_options(
        *, hidden: Sequence[int] = (128,), activation: str = "relu", dropout: float = 0.0
    ) -> None:
        """Refuse bad settings (a `ConfigError` naming the key): what the constructor checks
        first, and what the config check calls before any data is loaded."""
        if not isinstance(activation, str) or activation not in _ACTIVATIONS:  # (a list)
            raise ConfigError(
                f"model.activation={activation!r}: unexpected activation, "
                f"choose from {sorted(_ACTIVATIONS)}"
            )
        check_dropout("model.dropout", dropout)
        check_widths("model.hidden", hidden, listed=True)

    def __init__(
        self,
        *,
        input_shape: Sequence[int],
        num_classes: int,
        hidden: Sequence[int] = (128,),
        activation: str = "relu",
        dropout: float = 0.0,
    ) -> None:
        check_data_sizes(type(self).__name__, input_shape, num_classes)
        MLP.check_options(hidden=hidden, activation=activation, dropout=dropout)
        layers: list[nn.Module] = [nn.Flatten()]
        width = int(np.prod(input_shape))
        for out in hidden:
            layers += [nn.Linear(width, int(out)), _ACTIVATIONS[activation]()]
            if dropout > 0:
                layers.append(nn.Dropout(float(dropout)))  # (a Fraction: torch's TypeError)
            width = int(out)
        layers.append(nn.Linear(width, num_classes))
        super().__init__(*layers)


class LogisticRegression(MLP):
    """Multinomial logistic regression: an MLP with no hidden layer."""

    @staticmethod
    def check_options() -> None:  # type: ignore[override]
        """No settings of its own."""

    def __init__(self, *, input_shape: Sequence[int], num_classes: int) -> None:
        super().__init__(input_shape=input_shape, num_classes=num_classes, hidden=())
