"""A run's arrays read back under a size cap (`read_arrays`), and an attack's scores from its
scores.npz beside the membership masks of its observations.npz (`attack_scores`): the ROC
curves the report draws (`mia_defense.report.charts.run_roc`) and the ties at the top of the
non-member scores its caveats count (`mia_defense.report.runs.folder_problem`)."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.constraints import shown_path
from mia_defense.errors import DataError
from mia_defense.files import (
    no_regular_file,
    npz_member_bytes,
    require_regular_file,
    require_zip,
)
from mia_defense.metrics import roc_metrics
from mia_defense.metrics.roc import AttackMetrics, fpr_key, fpr_read_at, fpr_read_key

__all__ = [
    "MAX_ARRAY_BYTES", "SAME_AUC", "AttackScores", "ScoresRead", "attack_scores",
    "checked_figures", "other_auc", "read_arrays", "read_scores", "recorded_scores_problem",
]

# The largest array the report reads, inflated (a run's masks [K, N], scores [T, N], labels):
# above it, an .npz is no run's (a zip bomb: zeros compress a thousandfold).
MAX_ARRAY_BYTES = 2**31


def read_arrays(path: Path, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The arrays ``names`` of the .npz at ``path``, and no other: observations.npz also holds
    log_probs [K, A, N, C], gigabytes for a large run, which the report does not need.

    Raises:
        DataError: naming ``path``: not a regular file, corrupt, an array missing or larger
            than `MAX_ARRAY_BYTES` inflated.
    """
    require_regular_file(path)  # (a FIFO would block the report)
    try:
        require_zip(path, advice="; the run's files are not the ones it wrote: rerun it")
        with np.load(path, allow_pickle=False) as data:
            for name in names:
                if name not in data.files:
                    raise DataError(f"{shown_path(path)}: no array {name!r}; the run's files "
                                    "are incomplete")
                size = data.zip.getinfo(f"{name}.npy").file_size
                if size > MAX_ARRAY_BYTES:
                    raise DataError(
                        f"{shown_path(path)}: {name} holds {size} bytes inflated, more than any "
                        f"run writes ({MAX_ARRAY_BYTES}); not read"
                    )
                # the shape its header claims, against its entry: numpy allocates the claim
                # first (a forged (10**12,) was a raw MemoryError of 931 GiB)
                npz_member_bytes(data.zip, f"{name}.npy", file=path, size=os.stat(path).st_size)
            return {name: data[name] for name in names}
    except DataError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError, NotImplementedError,
            RuntimeError) as exc:  # (an unknown compression method, an encrypted entry)
        raise DataError(f"{shown_path(path)}: corrupt or not an .npz archive of plain arrays "
                        f"({exc})") from None


# How far the AUC of a run's scores.npz may lie from the one results.json records (rounded
# to 6 decimals there): a curve of another run's scores was drawn under this run's name.
SAME_AUC = 1e-4


@dataclass(frozen=True)
class AttackScores:
    """One attack's scores of a run, canaries left out as the run's pooled figures leave them.

    Attributes:
        targets: [T] the target models' indices.
        scores: [T, N] the attack's scores of the records that are no canary.
        members: [T, N] whether each of those records trained the target.
        path: the scores.npz they were read from.
        canaries: [all records] which are canaries (its ``is_canary``), left out above.
    """

    targets: np.ndarray
    scores: np.ndarray
    members: np.ndarray
    path: Path
    canaries: np.ndarray


@dataclass(frozen=True)
class ScoresRead:
    """What reading attack ``name``'s scores of a run gave (`read_scores`): ``found``, or
    the ``error`` that says why they could not be read."""

    name: str
    found: AttackScores | None = None
    error: DataError | None = None


def read_scores(run_dir: Path, name: str) -> ScoresRead:
    """`attack_scores` of attack ``name``, its error kept: mia-report reads a run's strongest
    attack's scores once and passes them to each check and to its ROC curve (each read them
    again: up to four times a run)."""
    try:
        return ScoresRead(name, found=attack_scores(run_dir, name))
    except DataError as exc:
        return ScoresRead(name, error=exc)


def attack_scores(run_dir: Path, name: str, read: ScoresRead | None = None) -> AttackScores:
    """The scores of attack ``name`` in ``run_dir``'s scores.npz, with the masks of its
    observations.npz, checked to be what a run writes: a file edited or of another run was
    an IndexError or a ValueError traceback (targets beyond K, scores of another N), or a
    curve of other rows (a target -1 read the last model's masks). ``read``: what
    `read_scores` gave for this run, used where it is attack ``name``'s.

    Raises:
        DataError: a file is missing or corrupt, the attack is not in scores.npz, or the
            arrays' shapes and types do not fit together.
    """
    if read is not None and read.name == name:
        if read.found is None:
            raise DataError(str(read.error))
        return read.found
    key = f"scores/{name}"
    scores_path, obs_path = run_dir / "scores.npz", run_dir / "observations.npz"
    scores_file = read_arrays(scores_path, ["targets", key])
    targets, scores = scores_file["targets"], scores_file[key]
    masks = read_arrays(obs_path, ["masks"])["masks"]
    if masks.ndim != 2 or masks.dtype != bool:
        raise DataError(f"{shown_path(obs_path)}: masks has shape {masks.shape} and dtype "
                        f"{masks.dtype}, not bool [K, N]; the run's files are not the ones it "
                        "wrote")
    if targets.ndim != 1 or targets.dtype.kind not in "iu" or not len(targets) or (
            targets.min() < 0 or targets.max() >= len(masks)):
        raise DataError(f"{shown_path(scores_path)}: targets must be model indices in "
                        f"[0, {len(masks)}) (the K of {shown_path(obs_path.name)}); the run's "
                        "files are not the ones it wrote")
    if scores.dtype.kind != "f" or scores.shape != (len(targets), masks.shape[1]):
        raise DataError(
            f"{shown_path(scores_path)}: {key} has shape {scores.shape} and dtype "
            f"{scores.dtype}, not float [targets, N] = [{len(targets)}, {masks.shape[1]}]; the "
            "run's files are not the ones it wrote"
        )
    canaries = _canaries(scores_path, masks.shape[1])  # (left out of the run's figures too)
    return AttackScores(targets, scores[:, ~canaries], masks[targets][:, ~canaries], scores_path,
                        canaries)


def other_auc(
    found: AttackScores, name: str, recorded: object, auc: float | None = None
) -> str | None:
    """Why ``found``'s scores are not those results.json's ``recorded`` AUC of attack
    ``name`` was measured on (the scores.npz of another run, or edited), or ``None``: the
    same AUC to `SAME_AUC`, or no float recorded. ``auc``: theirs, when already computed."""
    if not isinstance(recorded, float):
        return None
    if auc is None:
        auc = roc_metrics(found.scores, found.members, fprs=()).auc
    if abs(auc - recorded) <= SAME_AUC:
        return None
    return (
        f"{shown_path(found.path)}: its {name} scores give an AUC of {auc:.4f}, results.json "
        f"records {recorded:.4f}: not the scores the run's figures were measured on (the "
        "scores.npz of another run, or edited); the run's files are not the ones it wrote"
    )


def recorded_scores_problem(run_dir: Path, payload: Mapping[str, Any]) -> str | None:
    """Why ``run_dir``'s scores.npz is not the one its results.json (``payload``) figures
    were measured on (another run's copied in, or edited: results.json records no sha256 of
    it), or its figures not those of its scores (edited), or ``None``: the same, or nothing
    to tell (scores.npz or observations.npz missing, no AUC recorded). The strongest
    attack's AUC (else the first recorded) is measured on the file (`other_auc`: one sort of
    its scores), then its TPRs at the run's ``attack.fprs`` and the FPRs they were read at
    (`_other_tpr`); an attack the file lacks is named (`_scores_check`). mia-report asks
    `checked_figures` instead."""
    kind, text = _scores_check(run_dir, payload, None)
    return text if kind in (_EDITED, _UNREAD) else None


def checked_figures(
    run_dir: Path, payload: Mapping[str, Any], scores: ScoresRead | None
) -> tuple[str | None, str | None]:
    """mia-report's `_scores_check` of a run: ``(skip, caveat)``. ``skip``: a TPR its scores
    contradict, their AUC the one recorded (the scores are the run's: its results.json was
    edited). ``caveat``: on a run of mia-train or mia-attack (``payload`` holds the block
    only their writer writes, `mia_defense.report.checks.headline.writer_mark`) whose
    figures its folder cannot check: its scores.npz or observations.npz missing or no
    regular file, its scores unreadable or not those the run recorded (such a file leaves
    the figures standing and draws no ROC curve): else a TPR lowered by hand in a run whose
    scores.npz is gone would rank as measured, where beside it it is skipped. No caveat on
    a file of a tool of the user's own (no scores.npz to expect) or a run that records
    nothing to check."""
    from mia_defense.report.checks.headline import writer_mark  # (heavy: only where asked)

    kind, text = _scores_check(run_dir, payload, scores)
    if kind == _EDITED:
        return text, None
    if kind == _SAME or writer_mark(payload) is None:
        return None, None
    return None, (f"its figures are not checked against its scores: {text}; a figure edited "
                  "in its results.json would read as the run's (a TPR lowered by hand ranks it "
                  "as leaking less): put back the run's own files, or rerun it to know")


# What `_scores_check` found: the figures are those of the run's scores, or not (edited), or
# could not be checked (a file missing, or its scores unreadable or another run's).
_SAME, _EDITED, _MISSING, _UNREAD = "same", "edited", "missing", "unread"


def _scores_check(
    run_dir: Path, payload: Mapping[str, Any], scores: ScoresRead | None
) -> tuple[str, str | None]:
    """`recorded_scores_problem`'s check: ``(kind, why)`` with kind `_SAME` (nothing to
    tell, or nothing recorded to check), `_EDITED` (figures its scores contradict, their AUC
    the one recorded), `_MISSING` (scores.npz or observations.npz not a regular file of the
    folder) or `_UNREAD` (the scores unreadable, or not those the AUC was measured on)."""
    from mia_defense.report.checks import strongest_attack  # (heavy: only where asked)

    attacks = payload.get("attacks")
    if not isinstance(attacks, Mapping):
        return _SAME, None
    recorded = [(n, a["auc"]) for n, a in attacks.items()
                if isinstance(a, Mapping) and isinstance(a.get("auc"), float)]  # fmt: skip
    strongest, _ = strongest_attack(payload)
    name, auc = next(((n, a) for n, a in recorded if n == strongest), recorded[0] if recorded
                     else (None, None))  # fmt: skip
    if name is None:
        return _SAME, None
    for file in ("scores.npz", "observations.npz"):
        path = run_dir / file
        if not path.is_file():  # (a link to a missing file: 'a link to ...: file not found')
            what = no_regular_file(path) if os.path.lexists(path) else None
            return _MISSING, f"its folder's {file} is {what or 'missing (deleted or moved)'}"
    try:
        found = attack_scores(run_dir, name, scores)
    except DataError as exc:
        return _UNREAD, str(exc)
    measured = roc_metrics(found.scores, found.members, fprs=_recorded_fprs(payload))
    other = other_auc(found, name, auc, measured.auc)
    if other is not None:
        return _UNREAD, other
    problem = _other_tpr(found, name, attacks[name], measured, name)
    if problem or name == strongest or not isinstance(attacks.get(strongest), Mapping):
        return (_EDITED, problem) if problem else (_SAME, None)
    # the strongest attack records no AUC (null, deleted): the file is the run's by another
    # attack's (``name``), and the TPRs the report ranks by are the strongest's
    try:
        own = attack_scores(run_dir, strongest, scores)
    except DataError as exc:
        return _UNREAD, str(exc)
    again = roc_metrics(own.scores, own.members, fprs=_recorded_fprs(payload))
    problem = _other_tpr(own, strongest, attacks[strongest], again, name)
    return (_EDITED, problem) if problem else (_SAME, None)


# The FPR the report ranks runs at (`mia_defense.report.table.LEAK_TPR`'s), and how many of
# a run's FPRs its scores are read at: a run reads a few; a config edited to list 300,000
# took the report seconds per run (each one a pass over the ROC curve).
_RANKING_FPR = 0.001
_CHECKED_FPRS = 16


def _recorded_fprs(payload: Mapping[str, Any]) -> list[float]:
    """The FPRs the run read its TPRs at (``config.attack.fprs``, as it gave them to
    `roc_metrics`; the ranking one and the first `_CHECKED_FPRS` of them), or none where
    its config does not say."""
    config = payload.get("config")
    attack = config.get("attack") if isinstance(config, Mapping) else None
    fprs = attack.get("fprs") if isinstance(attack, Mapping) else None
    if not isinstance(fprs, list):
        return []
    first = [f for f in fprs[:_CHECKED_FPRS] if isinstance(f, float) and 0.0 < f < 1.0]
    return list(dict.fromkeys([*([_RANKING_FPR] if _RANKING_FPR in fprs else []), *first]))


def _other_tpr(
    found: AttackScores,
    name: str,
    recorded: Mapping[str, Any],
    measured: AttackMetrics,
    measured_by: str,
) -> str | None:
    """How a TPR results.json records for attack ``name`` (``recorded``), or the FPR it was
    read at (``fpr_read@...``), differs from what its scores give at that FPR (``measured``:
    their ROC at the run's FPRs), or ``None``; ``measured_by``: the attack whose AUC showed
    the scores are the run's. Measured: every TPR at 0.1% FPR of a tiny run's results.json
    replaced by 0.0 (its AUCs and headline copies left alone, or replaced alike) ranked it
    first on the front as the least leaky, the AUC check blind to it; an FPR read raised
    from 0 to the column's own (0.001 at 0.1%) took away the caveat that tied scores span
    it, and its row's read-with-care mark on the front. An FPR read is one of the ROC's
    (a count of non-members over theirs): held to it within `SAME_AUC` of the FPR."""
    whose = "their" if measured_by == name else f"its {measured_by} scores'"
    for fpr, tpr in measured.tpr_at_fpr.items():
        read = fpr_read_at(measured.fpr, measured.tpr, fpr)
        for key, figure, within in ((fpr_key(fpr), tpr, SAME_AUC),
                                    (fpr_read_key(fpr), read, SAME_AUC * fpr)):  # fmt: skip
            value = recorded.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    abs(value - figure) > within):  # fmt: skip (NaN: no curve, not compared)
                continue
            return (
                f"{shown_path(found.path)}: its {name} scores give a {key} of {figure:.4g}, "
                f"results.json records {value:.4g} (attacks.{name}.{key}), though {whose} AUC "
                "is the one it records: results.json's figure was changed after the run; rerun "
                "it, or put its own results.json back"
            )
    return None


def _canaries(path: Path, records: int) -> np.ndarray:
    """scores.npz's ``is_canary`` [N] (the run's canaries, which its pooled figures leave
    out), or no record flagged where the file holds none of that shape."""
    try:
        flags = read_arrays(path, ["is_canary"])["is_canary"]
    except DataError:
        flags = None
    if flags is None or flags.dtype != bool or flags.shape != (records,):
        return np.zeros(records, dtype=bool)
    return flags
