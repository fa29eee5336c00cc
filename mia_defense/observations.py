"""Observations: what K models released on N population samples. A torch-free, documented
file format (``observations.npz``, specified in docs/observations.md) that every black-box
attack reads, whoever trained the models: the attacks and metrics import nothing from torch
or the training code.

File format (``np.savez_compressed``, read with ``allow_pickle=False``):
    log_probs   float32 [K, N, C]  released log-probabilities (-inf where withheld), as an
                                   attacker who knows the release reads them; or
    outputs     float   [K, N, C]  the released outputs as ``output_kind`` states
    output_kind str                ``log_probabilities``, ``probabilities`` or ``logits``
                                   (required with ``outputs``)
    masks       bool    [K, N]     masks[k, n]: record n trained model k
    labels      int     [N]        true labels
    augmented_logits       float32 [K, A, N], optional: on A perturbed copies of every
                           sample, the released true-class logit log(p_y / (1 - p_y))
    augmented_predictions  uint    [K, A, N], optional: on the same copies, the predicted
                           label (argmax of the released output)
    grad_norms  float   [K, N], optional: white-box per-sample gradient norms
    test_log_probs (or test_outputs, as output_kind) [K, M, C] and test_labels [M],
                optional: the released outputs on M held-out records (utility)
    metadata    str, optional: a JSON object (free form: dataset, model, defense, ...)
    schema_version  int            `OBSERVATIONS_VERSION` of the writer
plus any extra arrays a writer adds (mia-train: is_canary, population_idx, test_idx, and
copy_groups [N] int where the population holds exact copies: the position of each record's
first copy, which the attacks' bootstrap draws together and which keeps the attacks' bound
from judging a per-record DP claim; `COPY_GROUPS`, `copy_group_problem`).

The augmented queries keep what the attacks read of them (LiRA the true-class logit,
label-only the predicted label), not the [K, A, N, C] outputs: memory and file size grow
with K·A·N, not K·A·N·C (11.5 GB at K=64, A=8, N=50,000, C=100). Version 1 files stored
those outputs (``augmented``) and are refused (`Observations.load`). The optional fields
(``outputs``/``output_kind``, the test set, ``metadata``) came later within version 2: a
file that has them still holds every field an earlier version-2 reader needs, except a file
storing ``outputs`` instead of ``log_probs``, which such a reader refuses (no log_probs).

`Observations.load` and `Observations.from_arrays` check every field (shapes, dtypes,
values, output kind, masks of 0/1 with every record IN for some model and OUT for another,
but the canaries a writer's ``is_canary`` flags, K >= 2) and raise one `DataError` listing
every problem, each naming its field (`observation_problems`, in
`mia_defense.observation_checks`); `Observations.save` refuses to write such a file, in the
same words.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.constraints import shown_path
from mia_defense.errors import ConfigError, DataError, a_type, closest, first_few
from mia_defense.files import (
    MAX_JSON_DEPTH,
    atomic_write,
    home_expanded,
    json_depth,
    load_npz,
    save_npz,
)
from mia_defense.observation_checks import (
    _AUGMENTED,
    _SHOWN,
    OUTPUT_KINDS,
    RESERVED_METADATA,
    _blocks,
    _log_softmax,
    _mass_notes,
    _metadata,
    _output_kind,
    labels_only,
    looks_like_probabilities,
    normalisation_problems,
    observation_problems,
    zero_one_flags,
)

log = logging.getLogger(__name__)

__all__ = [
    "COPY_GROUPS",
    "GRAD_NORMS_SKIPPED",
    "OBSERVATIONS_VERSION",
    "OUTPUT_KINDS",
    "QUERIES_IN_OBSERVATIONS",
    "QUERIES_OF_MIA_TRAIN",
    "RESERVED_METADATA",
    "MissingObservationError",
    "Observations",
    "RecordedMetadata",
    "attacked_as_given",
    "checked_extra",
    "copy_group_problem",
    "grad_norms_fix",
    "is_attacked_as_given",
    "labels_only",
    "load_file",
    "looks_like_probabilities",
    "normalisation_problems",
    "observation_problems",
    "queries_fix",
    "reserved_message",
    "warn_nonfinite_metadata",
    "zero_one_flags",
]

# Version of the observations.npz layout above (2: augmented queries as [K, A, N] signals).
OBSERVATIONS_VERSION = 2
# The extra array of [N] copy groups mia-train writes only where the population holds
# exact copies (`copy_group_problem`); files without it read as records without copies.
COPY_GROUPS = "copy_groups"
# The extras mia-attack reads, by these names only (docs/observations.md): one spelt
# otherwise is kept in the file and read by none.
_READ_EXTRAS = ("is_canary", "population_idx", "test_idx", COPY_GROUPS)
# How an attack gets perturbed queries (label_only, LiRA's augmented variant), in the words
# of the warnings and mia-report's caveats that ask for them: observations made elsewhere
# (a file, arrays) hold their own, which mia-attack and api.audit only read (their
# attack.queries cannot change them); mia-train makes them.
QUERIES_IN_OBSERVATIONS = ("perturbed queries in the observations (augmented_logits and "
                           "augmented_predictions, docs/observations.md)")
QUERIES_OF_MIA_TRAIN = "attack.queries.num_augmented=8 and a noise_std above 0"
# True while observations made before are attacked as given (mia-attack, the API:
# `attacked_as_given`): no setting of the tool in use adds their queries or gradient norms,
# so the attacks that lack them point to a mia-train run that makes them (`queries_fix`).
_AS_GIVEN: ContextVar[bool] = ContextVar("mia_defense_observations_as_given", default=False)
_OPTIONAL = (*_AUGMENTED, "grad_norms")


# mia-train's metadata key (true) where attack.white_box=true asked for gradient norms that
# could not be computed: the gradient attack's skip says so, not "set attack.white_box=true".
GRAD_NORMS_SKIPPED = "grad_norms_skipped"


@contextmanager
def attacked_as_given() -> Iterator[None]:
    """While the body runs, the observations attacked were made before and are attacked as
    given (mia-attack of a file or run folder, the API's audit): an attack lacking their
    perturbed queries or gradient norms says how to get them there (`queries_fix`,
    `grad_norms_fix`), not attack.queries or attack.white_box, which only mia-train acts on."""
    token = _AS_GIVEN.set(True)
    try:
        yield
    finally:
        _AS_GIVEN.reset(token)


def is_attacked_as_given() -> bool:
    """Whether the observations attacked now are attacked as given (`attacked_as_given`)."""
    return _AS_GIVEN.get()


def queries_fix() -> str:
    """How observations without perturbed queries get them, for the tool in use: mia-train's
    settings, or (`attacked_as_given`) a mia-train run that makes them or a file holding them."""
    if _AS_GIVEN.get():
        return (f"these observations hold none and no setting here adds them: attack a "
                f"mia-train run made with {QUERIES_OF_MIA_TRAIN} (its run folder), or give "
                f"{QUERIES_IN_OBSERVATIONS}")  # fmt: skip
    return f"give it {QUERIES_OF_MIA_TRAIN}, or {QUERIES_IN_OBSERVATIONS}"


def grad_norms_fix() -> str:
    """How observations without gradient norms get them, as `queries_fix`."""
    if _AS_GIVEN.get():
        return ("these observations hold none and no setting here adds them: attack a "
                "mia-train run made with attack.white_box=true (its run folder), or give "
                "observations of your own their grad_norms (docs/observations.md)")
    return ("set attack.white_box=true (needs the models), or give observations of your own "
            "their grad_norms (docs/observations.md)")


class RecordedMetadata(dict):
    """Metadata recorded with the outputs, not given beside them: a file's ``metadata`` (as
    `Observations.load` and `Observations.from_arrays` read it) or `mia_defense.api.
    observe_models`' record of its own queries; the one kind that may hold a key of
    `RESERVED_METADATA` (`reserved_message`). A plain mapping holding one is refused."""


def reserved_message(key: str) -> str:
    """Why a caller's metadata may not hold ``key`` of `RESERVED_METADATA`, and what to do:
    the words of ``Observations(metadata=...)`` and `mia_defense.api.observations_from_arrays`."""
    return (f"metadata: {key!r} is reserved: observe_models writes it of the queries it made "
            "itself (outputs averaging several answers of a randomized release), and it sets "
            "results.json's figures (the train accuracy, privacy.randomized_release_repeats) "
            "and skips the mask check's comparison with the test set; leave it out, or let "
            "observe_models(..., repeats=...) make such observations (saved and loaded, they "
            "keep it)")  # fmt: skip


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
        test_log_probs: [K, M, C] released log-probabilities on M held-out records (the
            utility of models trained outside mia-train), or ``None``.
        test_labels: [M] int labels of those records; given together with ``test_log_probs``.
        metadata: free-form facts about the models (dataset, model, defense, ...), saved as
            JSON; the attacks never read it. Its keys `RESERVED_METADATA`
            (``randomized_release_repeats``, ``train_accuracy_one_answer``) are
            ``api.observe_models``' record of its own averaged queries, which set the train
            accuracy, the query budget and the mask check: a mapping given here that holds
            one is refused (`ConfigError`); observations read from a file, or made by
            ``observe_models``, keep theirs (`RecordedMetadata`).
    """

    log_probs: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    augmented_logits: np.ndarray | None = None
    augmented_predictions: np.ndarray | None = None
    grad_norms: np.ndarray | None = None
    test_log_probs: np.ndarray | None = None
    test_labels: np.ndarray | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _refuse_no_arrays(self.log_probs, self.masks, self.labels)
        for name in (*_OPTIONAL, "test_log_probs", "test_labels"):  # (lists: AttributeError)
            value = getattr(self, name)
            if value is not None and not isinstance(getattr(value, "shape", None), tuple):
                raise DataError(f"Observations: {name} is {a_type(value)}, not an "
                                "array; give np.asarray(...) or None")  # fmt: skip
        # (metadata=None, or a list, was a raw AttributeError 'get' in api.audit)
        if self.metadata is None:
            object.__setattr__(self, "metadata", {})
        if not isinstance(self.metadata, Mapping):
            raise DataError(
                f"Observations: metadata is {a_type(self.metadata)}, not a mapping; "
                "give a dict of facts, e.g. {'dataset': 'digits'}, or leave it out"
            )
        reserved = [key for key in RESERVED_METADATA if key in self.metadata]
        if reserved and not isinstance(self.metadata, RecordedMetadata):
            # (metadata={'train_accuracy_one_answer': 0.9}: api.audit recorded train accuracy
            # 0.9 whatever the outputs said)
            raise ConfigError(f"Observations: {reserved_message(reserved[0])}")
        k, n, c = self.log_probs.shape
        if self.masks.shape != (k, n) or self.labels.shape != (n,):
            raise DataError(
                f"Observations: inconsistent shapes: log_probs {self.log_probs.shape}, "
                f"masks {self.masks.shape}, labels {self.labels.shape}; give masks [K, N] "
                "and labels [N] of log_probs' [K, N, C]"
            )
        self._check_augmented(k, n)
        if self.grad_norms is not None and self.grad_norms.shape != (k, n):
            raise DataError(f"Observations: grad_norms has shape {self.grad_norms.shape}, "
                            f"expected [{k}, {n}]")  # fmt: skip
        test, test_labels = self.test_log_probs, self.test_labels
        if (test is None) != (test_labels is None):
            raise DataError("Observations: test_log_probs and test_labels go together: give "
                            "both or neither")  # fmt: skip
        if test is not None and test_labels is not None and (
            test.ndim != 3 or test.shape[::2] != (k, c) or test_labels.shape != test.shape[1:2]
        ):
            raise DataError(
                f"Observations: test_log_probs has shape {test.shape} and test_labels "
                f"{test_labels.shape}, expected [{k}, M, {c}] and [M]"
            )

    def _check_augmented(self, k: int, n: int) -> None:
        logits, predictions = self.augmented_logits, self.augmented_predictions
        if (logits is None) != (predictions is None):
            raise DataError(
                "Observations: augmented_logits and augmented_predictions go together: give "
                "both or neither"
            )
        if logits is None or predictions is None:
            return
        for name, value in zip(_AUGMENTED, (logits, predictions), strict=True):
            if value.ndim != 3 or value.shape[0] != k or value.shape[2] != n:
                raise DataError(f"Observations: {name} has shape {value.shape}, expected "
                                f"[{k}, A, {n}]")  # fmt: skip
        if logits.shape != predictions.shape:
            raise DataError(
                f"Observations: augmented_logits {logits.shape} and augmented_predictions "
                f"{predictions.shape} differ in A"
            )
        if not np.issubdtype(predictions.dtype, np.integer):
            raise DataError(f"Observations: augmented_predictions has dtype "
                            f"{predictions.dtype}, expected int")  # fmt: skip

    @property
    def num_models(self) -> int:
        return int(self.log_probs.shape[0])

    @property
    def num_classes(self) -> int:
        return int(self.log_probs.shape[2])

    @cached_property
    def released_labels_only(self) -> bool:
        """`labels_only` of these outputs, found once: mia-attack's two warnings and the
        attack stage's record ask it of the same observations (a full scan on a label
        release)."""
        return labels_only(self.log_probs)

    def save(self, path: Path, **extra: np.ndarray) -> None:
        """Write the file format of this module (atomically), with ``extra`` arrays beside;
        the folders of ``path`` that are missing are made, as every writer of mia-defense
        makes them (numpy.savez and torch.save do not); a leading ``~`` is the home folder,
        as `load` and the command lines read it (`home_expanded`)."""
        if not isinstance(path, (str, os.PathLike)):  # (a raw TypeError from pathlib)
            raise ConfigError(f"Observations.save: path={path!r}: give the path of the .npz "
                              "to write, e.g. 'observations.npz'")  # fmt: skip
        if not Path(path).name:  # ('' or '/': a raw ValueError 'has an empty name')
            raise ConfigError(f"Observations.save: path={str(path)!r} names no file; give the "
                              "path of the .npz to write, e.g. 'observations.npz'")  # fmt: skip
        # ('~/obs.npz' was refused, which load_observations reads as the home folder's;
        # unexpanded, save made a folder named '~' in the current folder)
        path = home_expanded(path, where="Observations.save")
        arrays = self._file_arrays(extra)
        # what `load` refuses, in its words: a file of NaN outputs, masks never OUT or labels
        # beyond C was written without a word and refused by its own reader
        _refuse_problems(f"Observations.save: {shown_path(path)}", observation_problems(arrays))
        groups = arrays.get(COPY_GROUPS)  # (api.load_observations and mia-attack refuse them)
        problem = None if groups is None else copy_group_problem(groups, arrays["masks"])
        if problem:
            raise DataError(f"Observations.save: {shown_path(path)}: {COPY_GROUPS}: {problem}")
        n = len(self.labels)  # (and is_canary of 2s or text, population_idx with repeats)
        for name, default in (("is_canary", np.zeros(n, bool)), ("population_idx", np.arange(n))):
            try:
                checked_extra(Path(path), arrays, name, default)
            except DataError as exc:
                raise DataError(f"Observations.save: {exc}") from None
        warn_nonfinite_metadata(self.metadata,
                                where=f"Observations.save: {shown_path(path)}")  # (null)
        _warn_misspelt_extras(path, extra)
        try:
            atomic_write(Path(path), lambda handle: save_npz(handle, arrays))
        except DataError as exc:
            raise _save_error(path, exc) from None

    def saved_sha256(self, **extra: np.ndarray) -> str:
        """The sha256 of the file `save` writes with ``extra``, without writing it: the same
        arrays give the same bytes (its zip members carry no time), so mia-attack knows its
        finished run's copy (results.json ``sha256``) of these observations."""
        buffer = io.BytesIO()
        save_npz(buffer, self._file_arrays(extra))
        return hashlib.sha256(buffer.getbuffer()).hexdigest()

    def _file_arrays(self, extra: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The arrays `save` writes, in its order: the format's fields, then ``extra``.

        An extra named as a field of the format is refused: it replaced the field in the
        file (``save(path, masks=other)`` wrote other masks, ``labels=...`` other labels,
        without a word)."""
        taken = sorted(_FIELDS.intersection(extra))
        if taken:
            raise ConfigError(
                f"Observations.save: extra array {', '.join(map(repr, taken))}: names a field of "
                "the observations file format, which it would replace in the file; give the "
                "observations that field (dataclasses.replace(obs, ...)) or name the extra "
                "array otherwise"
            )
        arrays = {"log_probs": self.log_probs, "masks": self.masks, "labels": self.labels}
        arrays.update({k: getattr(self, k) for k in _OPTIONAL if getattr(self, k) is not None})
        if self.test_log_probs is not None and self.test_labels is not None:
            arrays.update(test_log_probs=self.test_log_probs, test_labels=self.test_labels)
        if self.metadata:
            arrays["metadata"] = np.array(_metadata_json(self.metadata))
        arrays["output_kind"] = np.array(OUTPUT_KINDS[0])
        arrays["schema_version"] = np.array(OBSERVATIONS_VERSION)
        return {name: _plain_array(name, value) for name, value in {**arrays, **extra}.items()}

    @classmethod
    def load(cls, path: Path) -> Observations:
        """Read an observations file without unpickling; a `DataError` names the file and
        every field that is wrong (`from_arrays`)."""
        if not isinstance(path, (str, os.PathLike)):  # (None: a raw TypeError from pathlib)
            raise ConfigError(f"Observations.load: path={path!r}: give the path of an "
                              "observations .npz, e.g. 'observations.npz'")  # fmt: skip
        return load_file(home_expanded(path, where="Observations.load"))[0]

    @classmethod
    def _from_file(cls, path: Path, arrays: Mapping[str, np.ndarray]) -> Observations:
        """`load`'s checks (an observations file, of this version, valid) on its arrays."""
        outputs = "log_probs" if "log_probs" in arrays or "outputs" not in arrays else "outputs"
        missing = [k for k in (outputs, "masks", "labels") if k not in arrays]
        if missing:
            raise DataError(f"{shown_path(path)}: not an observations file (no "
                            f"{', '.join(missing)})")
        if "schema_version" not in arrays:
            raise DataError(
                f"{shown_path(path)}: schema_version: missing; an observations file states its "
                f"format version: add schema_version={OBSERVATIONS_VERSION} (docs/observations.md) "
                "or write it with Observations.save"
            )
        version = _scalar_int(arrays["schema_version"])
        if isinstance(version, str):
            raise DataError(
                f"{shown_path(path)}: schema_version: {version} is not an integer; it must be the "
                f"integer {OBSERVATIONS_VERSION} (np.array({OBSERVATIONS_VERSION})), the format "
                "version this file's layout follows (docs/observations.md)"
            )
        if version != OBSERVATIONS_VERSION:
            raise DataError(
                f"{shown_path(path)}: observations format version {version}, this version reads "
                f"{OBSERVATIONS_VERSION}; write the file again with this version "
                "(mia-train, or Observations.save)"
            )
        return cls.from_arrays(arrays, source=shown_path(path))

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, Any], *, source: str, attacked: bool = True
    ) -> Observations:
        """Checked observations from the fields of the file format (``outputs`` of any
        `OUTPUT_KINDS`, converted to log-probabilities); ``source`` names the file or the
        caller in the `DataError` that lists every problem (`observation_problems`;
        ``attacked=False``: without the membership checks only attacks need)."""
        arrays, problems = _as_arrays(arrays)
        _refuse_problems(source, problems or observation_problems(arrays, attacked=attacked))
        name = "log_probs" if "log_probs" in arrays else "outputs"
        kind = _output_kind(arrays)
        test = arrays.get("test_log_probs", arrays.get("test_outputs"))
        log_probs = _log_probs(arrays[name], kind)
        for note in _mass_notes(log_probs):
            log.warning("%s: %s: %s", source, name, note)
        return cls(
            log_probs=log_probs,
            labels=arrays["labels"].astype(np.int64, copy=False),
            masks=arrays["masks"].astype(bool),
            **{k: arrays[k] for k in _OPTIONAL if k in arrays and not _no_queries(arrays, k)},
            test_log_probs=None if test is None else _log_probs(test, kind),
            test_labels=None if test is None else arrays["test_labels"].astype(np.int64),
            metadata=RecordedMetadata(_metadata(arrays) or {}),
        )

    def take(self, models: np.ndarray | Sequence[int]) -> Observations:
        """The observations of a subset of the models."""
        models = np.asarray(models)
        return replace(
            self,
            log_probs=self.log_probs[models],
            masks=self.masks[models],
            test_log_probs=None if self.test_log_probs is None else self.test_log_probs[models],
            **{k: None if getattr(self, k) is None else getattr(self, k)[models]
               for k in _OPTIONAL},
        )  # fmt: skip

    def with_log_probs(self, log_probs: np.ndarray) -> Observations:
        """A copy with other released outputs (and no augmented queries, gradients or test
        outputs: they came from the release replaced)."""
        return replace(
            self, log_probs=log_probs, test_log_probs=None, test_labels=None,
            **dict.fromkeys(_OPTIONAL),
        )  # fmt: skip

    def require(self, name: str, *, attack: str, fix: str) -> np.ndarray:
        """The optional field ``name``; raises `MissingObservationError` naming the fix."""
        value = getattr(self, name)
        if value is None:
            raise MissingObservationError(f"attack {attack} needs observations.{name}; {fix}")
        return value


def copy_group_problem(groups: np.ndarray, masks: np.ndarray) -> str | None:
    """Why ``groups`` cannot be the `COPY_GROUPS` of records with ``masks`` [K, N], or
    ``None``: one integer label per record, equal for exact copies (mia-train writes each
    record's first copy, `mia_defense.plan.copy_leaders`), and copies train the same models
    (the plan gives them one mask column), so records of a group with other masks are no
    copies of each other."""
    n = masks.shape[1]
    if groups.shape != (n,) or groups.dtype.kind not in "iu":
        return (f"shape {groups.shape} and dtype {groups.dtype}, expected [{n}] integers (a "
                "label per record, equal for exact copies)")
    if not n:
        return None
    _, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    differ = (masks != masks[:, first[inverse]]).any(axis=0)
    if differ.any():
        shown = ", ".join(str(i) for i in np.flatnonzero(differ)[:_SHOWN])
        return (f"records {shown} ({int(differ.sum())} of {n}) are grouped with records that "
                "trained other models (masks), so they are no copies of them; copies train "
                "the same models: give each record the label of its first exact copy "
                "(mia_defense.plan.copy_leaders), or leave copy_groups out")
    return None


def _refuse_problems(source: str, problems: Sequence[str]) -> None:
    """The `DataError` of `Observations.from_arrays` (so `load`) and `Observations.save`
    for ``problems`` of `observation_problems`, ``source`` naming the file or the caller."""
    if len(problems) == 1:
        line = problems[0]
        shape = line.startswith("inconsistent shapes")
        raise DataError(f"{source}: inconsistent arrays ({line})" if shape else
                        f"{source}: {line}")  # fmt: skip
    if problems:
        lines = "\n".join(f"  {line}" for line in problems)
        raise DataError(f"{source}: {len(problems)} problems in the observations:\n{lines}")


def _refuse_no_arrays(log_probs: Any, masks: Any, labels: Any) -> None:
    """A `DataError` (a ValueError, as the shape checks' errors) for fields that are no
    arrays of the format's ranks: a list was a raw AttributeError ('list' object has no
    attribute 'shape'), log-probabilities [N, C] a raw 'not enough values to unpack'."""
    for name, value, rank, shape in (("log_probs", log_probs, 3, "[K, N, C]"),
                                     ("masks", masks, 2, "[K, N]"),
                                     ("labels", labels, 1, "[N]")):  # fmt: skip
        given = getattr(value, "shape", None)
        if not isinstance(given, tuple):  # (torch.Size is a tuple)
            raise DataError(
                f"Observations: {name} is {a_type(value)}, not an array; give "
                f"np.asarray(...) of shape {shape} (api.observations_from_arrays takes lists "
                "and checks every field)"
            )
        if len(given) != rank:
            raise DataError(f"Observations: {name} has shape {tuple(given)}, expected {shape}")


def warn_nonfinite_metadata(metadata: Any, *, where: str) -> None:
    """Warn, naming each, of the NaN and infinite numbers in ``metadata`` (values JSON has
    no word for, which the file stores as null, as results.json does): they were saved as
    null without a word, so a read-back loss of NaN was a missing one. Not refused: the
    value can be saved, as JSON's null. ``where`` names the caller; ``metadata`` has passed
    its JSON checks (no cycles, not nested too deep)."""
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif isinstance(value, float) and not np.isfinite(value):
            found.append(f"{path}={value!r}")

    walk(metadata, "")
    if found:
        log.warning("%s: metadata: %s: JSON has no NaN or infinite number, so they are "
                    "saved as null (as results.json writes them); give such a value as text "
                    "(e.g. 'nan') to keep it", where, first_few(found, _SHOWN, more=True))


def _metadata_json(metadata: Mapping[str, Any]) -> str:
    """``metadata`` as the file's JSON text: numpy numbers and arrays as their values (a
    raw TypeError 'Object of type int64 is not JSON serializable' before), NaN and infinite
    numbers as null, as `mia_defense.api.observations_from_arrays` and results.json write
    them (the file held ``NaN``, which no strict JSON reader takes); a `DataError` for what
    JSON cannot hold, or nests deeper than `Observations.load` reads (saved, such a file was
    refused by its own reader)."""
    from mia_defense.tracking.artifacts import jsonable  # (torch-free)

    try:
        text = json.dumps(jsonable(dict(metadata)), allow_nan=False)
        depth = json_depth(json.loads(text))
    except (TypeError, ValueError, RecursionError) as exc:
        said = " ".join(str(exc).split())[:160]
        raise DataError(
            f"Observations: metadata: cannot be saved as a JSON object ({said}); give a "
            "mapping of text, numbers, lists and mappings, e.g. {'dataset': 'digits'}"
        ) from None
    if depth > MAX_JSON_DEPTH:
        raise DataError(
            f"Observations: metadata: nested {depth} levels deep; keep it to at most "
            f"{MAX_JSON_DEPTH} (facts such as dataset, model, defense), as files are read"
        )
    merged = merged_keys(dict(metadata))
    if merged:  # ({1: 'a', '1': 'b'} was saved as {'1': 'b'})
        raise DataError(f"Observations: metadata: {merged_keys_said(*merged)}")
    return text


def merged_keys(value: Any) -> tuple[Any, Any] | None:
    """The first two keys of a dict in ``value`` (nested in dicts, lists and tuples, as
    `jsonable` reads it) that become one text key in JSON (``1`` and ``'1'``), or ``None``;
    ``value`` holds no cycle (`jsonable` has read it)."""
    items = value.values() if isinstance(value, dict) else value
    if isinstance(value, dict):
        seen: dict[str, Any] = {}
        for key in value:
            if seen.setdefault(str(key), key) is not key:
                return seen[str(key)], key
    if isinstance(value, (dict, list, tuple)):
        for item in items:
            found = merged_keys(item)
            if found:
                return found
    return None


def merged_keys_said(first: Any, second: Any) -> str:
    """What is wrong with metadata holding keys ``first`` and ``second`` (`merged_keys`)."""
    return (f"keys {first!r} and {second!r} are one key, {str(first)!r}, in the JSON the file "
            "stores (its keys are text), so one fact would be lost; give each fact a distinct "
            "text key")


def _plain_array(name: str, value: Any) -> np.ndarray:
    """``value`` as the array the file stores, or a `DataError` naming it: object arrays
    (which ``allow_pickle=False`` cannot write) and tensors numpy cannot read (that require
    grad, on a GPU) were raw errors from the writer, after part of the file was written."""
    try:
        array = np.asanyarray(value)
    except (TypeError, ValueError, RuntimeError) as exc:
        said = " ".join(str(exc).split())[:160]
        raise DataError(f"Observations.save: {name}: not an array numpy can write ({said}); "
                        "give numpy arrays (tensor.detach().cpu().numpy())") from None  # fmt: skip
    if array.dtype.hasobject:
        raise DataError(
            f"Observations.save: {name}: dtype {array.dtype} (Python objects), which the file "
            "format cannot hold (it is read without unpickling); give numbers, booleans or text"
        )
    return array


def _save_error(path: Any, exc: DataError) -> DataError:
    """`atomic_write`'s ``exc`` in the words of `Observations.save` called from Python: its
    advice named a tool's run folder ('choose a writable run directory (hydra.run.dir=...)'),
    a setting a caller of save has none of. Inside mia-train and mia-attack, which set the
    setting that chooses their folder (`RUN_FOLDER_SETTING`), ``exc`` as it is."""
    import errno

    from mia_defense.files import RUN_FOLDER_SETTING, write_advice

    if RUN_FOLDER_SETTING.get(None) is not None:
        return exc
    fix = (f"give the path of a file in it, e.g. {shown_path(Path(path) / 'observations.npz')}"
           if exc.errno == errno.EISDIR else
           "a file stands where one of its folders should be; give a path through folders"
           if exc.errno in (errno.EEXIST, errno.ENOTDIR) else
           "give the path of a file to write in a folder this user can write")  # fmt: skip
    error = DataError(f"Observations.save: {shown_path(path)}: cannot write it ({exc.reason}); "
                      f"{write_advice(exc, fix=fix, where='another path')}")  # fmt: skip
    error.reason, error.errno = exc.reason, exc.errno
    return error


def _warn_misspelt_extras(path: Any, extra: Mapping[str, Any]) -> None:
    """Warn of an extra named nearly as one of `_READ_EXTRAS` (``is_canaries=flags``): kept
    in the file under that name, it was read by no tool, without a word (the canaries
    pooled into every figure and the verdict, copies drawn apart in the bootstrap). Not
    refused: an extra's name is the writer's, and mia-attack copies a file's extras."""
    for name in extra:
        meant = None if name in _READ_EXTRAS else closest(name, _READ_EXTRAS, cutoff=0.75)
        if meant:
            log.warning(
                "Observations.save: %s: extra array %r: did you mean %r? mia-attack reads %s "
                "by that name only, so the file reads as one without it; obs.save(path, %s=...)",
                path, name, meant, meant, meant,
            )  # fmt: skip


# Fields of the format (besides the optional ones in _OPTIONAL): the rest are a writer's extras.
_FIELDS = frozenset({
    "log_probs", "outputs", "output_kind", "masks", "labels", *_OPTIONAL, "test_log_probs",
    "test_outputs", "test_labels", "metadata", "schema_version",
})  # fmt: skip


def load_file(path: Path) -> tuple[Observations, dict[str, np.ndarray]]:
    """`Observations.load`, and the file's other arrays (a writer's extras, such as
    mia-train's ``is_canary``, ``population_idx`` and ``test_idx``), read once."""
    arrays = load_npz(Path(path))
    obs = Observations._from_file(Path(path), arrays)
    return obs, {k: v for k, v in arrays.items() if k not in _FIELDS}


def checked_extra(
    file: Path, extras: Mapping[str, np.ndarray], name: str, default: np.ndarray
) -> np.ndarray:
    """An extra array of [N] records of ``file`` (``is_canary``, ``population_idx``) as
    mia-attack and `mia_defense.api.load_observations` take it, or a `DataError` naming
    ``file`` and ``name``; ``default`` when the file has none (its shape and dtype kind are
    the ones expected)."""
    value = extras.get(name)
    if value is None:
        return default
    if default.dtype == bool and value.shape == default.shape and value.dtype.kind in "iuf":
        value = _flags(file, name, value)  # 0/1 numbers, as masks and api.audit take them
    if value.shape != default.shape or value.dtype.kind != default.dtype.kind:
        raise DataError(
            f"{shown_path(file)}: {name} has shape {value.shape} and dtype {value.dtype}, "
            f"expected {list(default.shape)} {default.dtype} (one per record of labels)"
        )
    problem = _extra_problem(name, np.asarray(value))
    if problem:
        raise DataError(f"{shown_path(file)}: {name}: {problem}")
    return np.asarray(value)


def _flags(file: Path, name: str, value: np.ndarray) -> np.ndarray:
    """A numeric flag array (``is_canary``) as bool: 0/1 values only (`zero_one_flags`)."""
    flags = zero_one_flags(value)
    if flags is None:
        odd = value[~np.isin(value, (0, 1))].flat[0]
        raise DataError(f"{shown_path(file)}: {name}: values must be 0/1 or true/false (canary or "
                        f"not), found {odd:g}")  # fmt: skip
    return flags


def _extra_problem(name: str, value: np.ndarray) -> str | None:
    """Values an extra array cannot hold: rows of the dataset that are negative or repeated
    (``population_idx``: results.json names them as dataset rows), or every record a canary
    (``is_canary``: nothing left to pool)."""
    if name == "population_idx" and len(value):
        rows, counts = np.unique(value, return_counts=True)
        if rows[0] < 0 or counts.max() > 1:
            found = f"{rows[0]}" if rows[0] < 0 else f"{rows[counts > 1][0]} twice"
            return (f"values must be distinct rows >= 0 of the dataset, found {found}; drop "
                    "population_idx or write each record's own row")  # fmt: skip
    if name == "is_canary" and value.all():
        return ("every record is a canary, so no record is left for the pooled metrics; flag "
                "only the canaries")  # fmt: skip
    return None


# -- reading the fields of the file format (their checks: mia_defense.observation_checks) ----


def _no_queries(arrays: Mapping[str, np.ndarray], name: str) -> bool:
    """Whether ``name`` is an augmented-query field holding A=0 queries: none were made (as
    its absence says; LiRA's augmented variant ran on the plain query alone, and was
    reported as augmented)."""
    return name in _AUGMENTED and arrays[name].shape[1] == 0


def _scalar_int(value: np.ndarray) -> int | str:
    """A format version: one integer (0-d, an integer dtype), or how the value shows when it
    is none (``int()`` read "2", 2.5 and [2] as 2, and True as 1)."""
    if value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    shown = value.tolist() if value.size <= _SHOWN else f"[{value.size} values]"
    return f"{shown!r} (dtype {value.dtype}, shape {value.shape})"


def _log_probs(outputs: np.ndarray, kind: str) -> np.ndarray:
    """Released outputs [K, N, C] of ``kind`` as float32 log-probabilities (``-inf`` where
    p = 0), computed in float32 at least. Logits are converted a block at a time (`_blocks`)
    into the float32 result: the whole array's float64 log-softmax took 4x the outputs on
    top of them (610 MiB for 152)."""
    if kind == "probabilities":
        # (our own copy, its log in place; in float32 at least: float16's log of 1,000
        # distinct probabilities in [0.25, 0.5) gave 150 values, members and others tied)
        wide = np.promote_types(outputs.dtype, np.float32)
        with np.errstate(divide="ignore"):
            clipped = np.clip(outputs, 0.0, 1.0).astype(wide, copy=False)
            return np.log(clipped, out=clipped).astype(np.float32, copy=False)
    if kind == "logits":
        log_probs = np.empty(outputs.shape, np.float32)
        for cells in _blocks(outputs):
            log_probs[cells] = _log_softmax(outputs[cells])
        return log_probs
    return outputs.astype(np.float32, copy=False)


def _as_arrays(fields: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], list[str]]:
    """``fields`` as numpy arrays, and a problem naming each field numpy cannot make one
    array of (nested lists of rows of different lengths were a raw ValueError)."""
    arrays, problems = {}, []
    for key, value in fields.items():
        try:
            arrays[key] = np.asarray(value)
        except (ValueError, TypeError) as exc:
            said = " ".join(str(exc).split())[:200]
            problems.append(f"{key}: not one rectangular array ({said}); give rows of equal "
                            "length, e.g. np.stack of the per-model arrays")  # fmt: skip
    return arrays, problems

