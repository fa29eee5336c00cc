"""Observations: what K models released on N population samples. A torch-free, documented
file format (``observations.npz``) that every black-box attack reads, whoever trained the
models: the attacks and metrics import nothing from torch or the training code.

File format (``np.savez_compressed``, read with ``allow_pickle=False``):
    log_probs   float32 [K, N, C]  released log-probabilities (-inf where withheld)
    masks       bool    [K, N]     masks[k, n]: record n trained model k
    labels      int     [N]        true labels
    augmented   float32 [K, A, N, C], optional: releases on A perturbed copies
    grad_norms  float   [K, N], optional: white-box per-sample gradient norms
    schema_version  int            `SCHEMA_VERSION` of the writer
plus any extra arrays a writer adds (mia-train: is_canary, population_idx, test_idx).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mia_defense.errors import ConfigError, DataError
from mia_defense.files import atomic_write, load_npz

__all__ = [
    "OBSERVATIONS_VERSION",
    "MissingObservationError",
    "Observations",
    "QueryConfig",
]

# Version of the observations.npz layout above.
OBSERVATIONS_VERSION = 1
_OPTIONAL = ("augmented", "grad_norms")


class MissingObservationError(ConfigError):
    """An attack needs observations the run did not make (augmented queries, gradients)."""


@dataclass(frozen=True)
class Observations:
    """The released outputs of K models on N population samples.

    Attributes:
        log_probs: [K, N, C] float32 released log-probabilities (``-inf`` where withheld).
        labels: [N] int true labels.
        masks: [K, N] bool membership of each sample in each model's training set.
        augmented: [K, A, N, C] released log-probabilities on A perturbed copies of every
            sample (the same copies for every model), or ``None`` when not queried.
        grad_norms: [K, N] white-box per-sample gradient norms of the loss with respect to
            the parameters, or ``None`` when not computed.
    """

    log_probs: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    augmented: np.ndarray | None = None
    grad_norms: np.ndarray | None = None

    def __post_init__(self) -> None:
        k, n, c = self.log_probs.shape
        if self.masks.shape != (k, n) or self.labels.shape != (n,):
            raise ValueError(
                f"inconsistent shapes: log_probs {self.log_probs.shape}, "
                f"masks {self.masks.shape}, labels {self.labels.shape}"
            )
        aug = self.augmented
        if aug is not None and (aug.ndim != 4 or aug.shape[0] != k or aug.shape[2:] != (n, c)):
            raise ValueError(f"augmented has shape {aug.shape}, expected [{k}, A, {n}, {c}]")
        if self.grad_norms is not None and self.grad_norms.shape != (k, n):
            raise ValueError(f"grad_norms has shape {self.grad_norms.shape}, expected [{k}, {n}]")

    @property
    def num_models(self) -> int:
        return int(self.log_probs.shape[0])

    @property
    def num_classes(self) -> int:
        return int(self.log_probs.shape[2])

    def save(self, path: Path, **extra: np.ndarray) -> None:
        """Write the file format of this module (atomically), with ``extra`` arrays beside."""
        arrays = {"log_probs": self.log_probs, "masks": self.masks, "labels": self.labels}
        arrays.update({k: getattr(self, k) for k in _OPTIONAL if getattr(self, k) is not None})
        arrays["schema_version"] = np.array(OBSERVATIONS_VERSION)
        atomic_write(Path(path), lambda handle: np.savez_compressed(handle, **arrays, **extra))

    @classmethod
    def load(cls, path: Path) -> Observations:
        """Read an observations file without unpickling; a `DataError` names what is wrong."""
        arrays = load_npz(Path(path))
        missing = [k for k in ("log_probs", "masks", "labels") if k not in arrays]
        if missing:
            raise DataError(f"{path}: not an observations file (no {', '.join(missing)})")
        version = int(arrays.get("schema_version", np.array(-1)))
        if version != OBSERVATIONS_VERSION:
            raise DataError(
                f"{path}: observations format version {version}, this version reads "
                f"{OBSERVATIONS_VERSION}"
            )
        try:
            return cls(
                log_probs=arrays["log_probs"],
                labels=arrays["labels"],
                masks=arrays["masks"].astype(bool),
                **{k: arrays[k] for k in _OPTIONAL if k in arrays},
            )
        except (ValueError, IndexError) as exc:
            raise DataError(f"{path}: inconsistent arrays ({exc})") from None

    def take(self, models: np.ndarray | Sequence[int]) -> Observations:
        """The observations of a subset of the models."""
        models = np.asarray(models)
        return Observations(
            self.log_probs[models],
            self.labels,
            self.masks[models],
            None if self.augmented is None else self.augmented[models],
            None if self.grad_norms is None else self.grad_norms[models],
        )

    def with_log_probs(self, log_probs: np.ndarray) -> Observations:
        """A copy with other released outputs (and no augmented queries or gradients)."""
        return replace(self, log_probs=log_probs, augmented=None, grad_norms=None)

    def require(self, name: str, *, attack: str, fix: str) -> np.ndarray:
        """The optional field ``name``; raises `MissingObservationError` naming the fix."""
        value = getattr(self, name)
        if value is None:
            raise MissingObservationError(f"attack {attack} needs observations.{name}; {fix}")
        return value


@dataclass(frozen=True)
class QueryConfig:
    """How the models are queried on perturbed copies of the population (augmented queries).

    Attributes:
        num_augmented: A perturbed copies per sample (0 = none).
        noise_std: Gaussian noise, in units of each feature's standard deviation
            (flat/tabular inputs; images get it too when ``max_shift`` is 0 and not ``flip``).
        max_shift: images [C, H, W]: random translations of up to this many pixels.
        flip: images: every other copy is mirrored horizontally.
    """

    num_augmented: int = 0
    noise_std: float = 0.1
    max_shift: int = 1
    flip: bool = False

    def __post_init__(self) -> None:
        if self.num_augmented < 0 or self.noise_std < 0 or self.max_shift < 0:
            raise ConfigError(
                f"attack.queries={self}: num_augmented, noise_std and max_shift must be >= 0"
            )
