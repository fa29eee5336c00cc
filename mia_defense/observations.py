"""Observations: what K models released on N population samples. A torch-free, documented
file format (``observations.npz``) that every black-box attack reads, whoever trained the
models: the attacks and metrics import nothing from torch or the training code.

File format (``np.savez_compressed``, read with ``allow_pickle=False``):
    log_probs   float32 [K, N, C]  released log-probabilities (-inf where withheld)
    masks       bool    [K, N]     masks[k, n]: record n trained model k
    labels      int     [N]        true labels
    augmented_logits       float32 [K, A, N], optional: on A perturbed copies of every
                           sample, the released true-class logit log(p_y / (1 - p_y))
    augmented_predictions  uint    [K, A, N], optional: on the same copies, the predicted
                           label (argmax of the released output)
    grad_norms  float   [K, N], optional: white-box per-sample gradient norms
    schema_version  int            `OBSERVATIONS_VERSION` of the writer
plus any extra arrays a writer adds (mia-train: is_canary, population_idx, test_idx).

The augmented queries keep what the attacks read of them (LiRA the true-class logit,
label-only the predicted label), not the [K, A, N, C] outputs: memory and file size grow
with K·A·N, not K·A·N·C (11.5 GB at K=64, A=8, N=50,000, C=100). Version 1 files stored
those outputs (``augmented``) and are refused (`Observations.load`).
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

# Version of the observations.npz layout above (2: augmented queries as [K, A, N] signals).
OBSERVATIONS_VERSION = 2
_AUGMENTED = ("augmented_logits", "augmented_predictions")
_OPTIONAL = (*_AUGMENTED, "grad_norms")


class MissingObservationError(ConfigError):
    """An attack needs observations the run did not make (augmented queries, gradients)."""


@dataclass(frozen=True)
class Observations:
    """The released outputs of K models on N population samples.

    Attributes:
        log_probs: [K, N, C] float32 released log-probabilities (``-inf`` where withheld).
        labels: [N] int true labels.
        masks: [K, N] bool membership of each sample in each model's training set.
        augmented_logits: [K, A, N] float32 true-class logit log(p_y / (1 - p_y)) released
            on A perturbed copies of every sample (the same copies for every model;
            `mia_defense.attacks.signals.query_signals`), or ``None`` when not queried.
        augmented_predictions: [K, A, N] unsigned int predicted label (argmax of the
            released output) on the same copies; given together with ``augmented_logits``.
        grad_norms: [K, N] white-box per-sample gradient norms of the loss with respect to
            the parameters, or ``None`` when not computed.
    """

    log_probs: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    augmented_logits: np.ndarray | None = None
    augmented_predictions: np.ndarray | None = None
    grad_norms: np.ndarray | None = None

    def __post_init__(self) -> None:
        k, n, _ = self.log_probs.shape
        if self.masks.shape != (k, n) or self.labels.shape != (n,):
            raise ValueError(
                f"inconsistent shapes: log_probs {self.log_probs.shape}, "
                f"masks {self.masks.shape}, labels {self.labels.shape}"
            )
        self._check_augmented(k, n)
        if self.grad_norms is not None and self.grad_norms.shape != (k, n):
            raise ValueError(f"grad_norms has shape {self.grad_norms.shape}, expected [{k}, {n}]")

    def _check_augmented(self, k: int, n: int) -> None:
        logits, predictions = self.augmented_logits, self.augmented_predictions
        if (logits is None) != (predictions is None):
            raise ValueError(
                "augmented_logits and augmented_predictions go together: give both or neither"
            )
        if logits is None or predictions is None:
            return
        for name, value in zip(_AUGMENTED, (logits, predictions), strict=True):
            if value.ndim != 3 or value.shape[0] != k or value.shape[2] != n:
                raise ValueError(f"{name} has shape {value.shape}, expected [{k}, A, {n}]")
        if logits.shape != predictions.shape:
            raise ValueError(
                f"augmented_logits {logits.shape} and augmented_predictions "
                f"{predictions.shape} differ in A"
            )
        if not np.issubdtype(predictions.dtype, np.integer):
            raise ValueError(f"augmented_predictions has dtype {predictions.dtype}, expected int")

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
                f"{OBSERVATIONS_VERSION}; write the file again with this version "
                "(mia-train, or Observations.save)"
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
            **{k: None if getattr(self, k) is None else getattr(self, k)[models]
               for k in _OPTIONAL},
        )  # fmt: skip

    def with_log_probs(self, log_probs: np.ndarray) -> Observations:
        """A copy with other released outputs (and no augmented queries or gradients)."""
        return replace(self, log_probs=log_probs, **dict.fromkeys(_OPTIONAL))

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
