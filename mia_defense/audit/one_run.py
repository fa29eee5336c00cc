"""The one-run audit of a training run (``attack.audit=one_run``): canaries in, ε bound out.

Steinke, Nasr, Jagielski, "Privacy Auditing with One (1) Training Run" (NeurIPS 2023,
arXiv 2305.08846). The run's K models are trained once, with two kinds of canaries whose
inclusion is drawn independently with probability 1/2 for every (model, canary) pair:

- black-box: ``audit_canaries`` input-space canaries (`mia_defense.canaries`, kind
  ``attack.canaries.kind``) appended to the population with Bernoulli masks; a pair's
  score is the canary's loss on that model below its median loss over the K models (no
  other pair's inclusion bit is read, as the bound requires);
- white-box: ``audit_gradient_canaries`` Dirac canaries per model in DP-SGD's clipped sums
  (`mia_defense.audit.gradient`), scored from every step's noisy sums.

Each kind gives an ε lower bound at the run's δ with `one_run_bound` (the pairs are its m
canaries), recorded in results.json's ``privacy.audit`` beside the accountant's ε, with
the scores and truth in ``audit.npz`` to recompute it (docs/run_directory.md):

- ``black_box/scores``, ``black_box/included``: [K, m] float and bool, row k model k (as
  observations.npz's rows), column j the j-th of the population's last m records (the
  input canaries);
- ``white_box/scores``, ``white_box/included``, ``white_box/sums``: [pairs] flat, in the
  order the models TRAINED, not by model index: the models sorted by their number of
  members (observations.npz's ``masks[k].sum()``, fewest first; ties by index) and taken
  chunk by chunk, each model's ``attack.audit_gradient_canaries`` pairs in turn; a model
  that took no DP-SGD step with canaries has none. The model of a pair is not stored: pair
  i is the (i // canaries per model)-th model of that order when every model took a step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mia_defense.audit.gradient import DiracCanaryAudit
from mia_defense.canaries import AUDIT_KINDS, CanaryInsertion, insert_canaries
from mia_defense.data.dataset import Dataset
from mia_defense.defenses.dp_stacked import gradient_canaries
from mia_defense.errors import ConfigError
from mia_defense.metrics.epsilon import level_text
from mia_defense.metrics.one_run_audit import OneRunBound, one_run_bound, one_run_ceiling
from mia_defense.observations import Observations
from mia_defense.plan import MembershipPlan
from mia_defense.tracking.artifacts import write_npz

__all__ = [
    "AuditConfig",
    "audit_lines",
    "audit_report",
    "audit_training",
    "delta_term_note",
    "input_canary_scores",
    "warn_delta_terms",
    "with_audit_canaries",
]

log = logging.getLogger(__name__)

METHOD = "one_run (Steinke, Nasr, Jagielski 2023, arXiv 2305.08846)"
# δ when the run has no accountant's (not DP): the empirical ε's convention.
DEFAULT_DELTA = 1e-5
# A ceiling below this ε (that of a strong DP claim) cannot tell a leaky run from a
# private one: the audit's line then says so, with or without an accountant's ε.
SMALL_EPSILON = 1.0
# Each side's canaries per model.
_SIDE_KEYS = {"black_box": "attack.audit_canaries", "white_box": "attack.audit_gradient_canaries"}
# The δ a too weak audit is advised to lower DP-SGD's to, where that alone would do.
_SUGGESTED_DELTA = 1e-6
_LOWER_DELTA = "lower defense.dp.delta (e.g. 1e-6), or "
_MORE_CANARIES = (
    "add canaries while 2·m·δ stays well below 1 (attack.audit_canaries, "
    "attack.audit_gradient_canaries)"
)


@dataclass(frozen=True)
class AuditConfig:
    """``attack.audit*``: which audit runs and with how many canaries.

    Attributes:
        kind: ``none`` or ``one_run``.
        canaries: input-space canaries (black-box audit), appended to the population.
        gradient_canaries: Dirac canaries per model (white-box audit; 0: none).
        white_box: ``attack.white_box``: the gradient canaries run only with it.
    """

    kind: str = "none"
    canaries: int = 0
    gradient_canaries: int = 0
    white_box: bool = True

    def __post_init__(self) -> None:
        if self.kind not in AUDIT_KINDS:
            raise ConfigError(f"attack.audit={self.kind!r}: choose from {AUDIT_KINDS}")
        for key, value in (("audit_canaries", self.canaries),
                           ("audit_gradient_canaries", self.gradient_canaries)):
            if value < 0:
                raise ConfigError(f"attack.{key}={value}: must be >= 0")

    @property
    def enabled(self) -> bool:
        return self.kind == "one_run"

    @property
    def input_canaries(self) -> int:
        """Input canaries to append to the population (0 without the audit)."""
        return self.canaries if self.enabled else 0

    @property
    def dirac_canaries(self) -> int:
        """Gradient canaries per model (0 without the audit or white-box access)."""
        return self.gradient_canaries if self.enabled and self.white_box else 0

    def riding_canaries(self, *, engine: str, dp_sgd: bool) -> int:
        """Gradient canaries per model that ride on training (`dirac_canaries`): DP-SGD
        (``dp_sgd``: one among the defenses) carries them in its clipped sums on the
        stacked engine; none without it, or on ``engine`` opacus, whose sums carry none."""
        return self.dirac_canaries if dp_sgd and engine != "opacus" else 0


def delta_term_note(
    *, models: int, per_model: int, key: str, delta: float, dp_delta: bool,
    moves: bool = False,
) -> str | None:
    """Why an audit side's bound says next to nothing whatever the guesses, or ``None``:
    its m = ``models`` x ``per_model`` pairs (``key``: the setting of ``per_model``) at
    ``delta`` give 2·m·δ above 1, and the bound's δ term then dominates it. ``dp_delta``:
    whether δ is DP-SGD's (defense.dp.delta), else the audit's own (`DEFAULT_DELTA`);
    ``moves``: whether δ moves with ``per_model`` (DP-SGD's default 1/(10·N), where the
    input canaries are among the N members), so that no count of them is named as enough.
    `audit_report` says it after training; `warn_delta_terms` before."""
    m = models * per_model
    if not 2 * m * delta > 1:
        return None
    most = int(1 / (2 * models * delta) + 1e-9)  # per model, keeping 2·m·δ at most 1
    if moves:
        fix = (f"lower {key}, or set defense.dp.delta (e.g. 1e-6): its default 1/(10·N) "
               "falls as the canaries join the N members, but slower than m grows")
    else:
        fix = (f"keep {key} at most {most}" if most else f"lower {key}") + (
            " or lower defense.dp.delta (e.g. 1e-6)" if dp_delta and delta > _SUGGESTED_DELTA
            else "")
    return (
        f"{key}={per_model} over {models} model(s): m={m} pairs at δ {delta:.2g}, "
        f"2·m·δ = {2 * m * delta:.3g} above 1, where the bound's δ term dominates, so the "
        f"audit shows next to nothing whatever its guesses; {fix}"
    )


def warn_delta_terms(
    audit: AuditConfig, *, models: int, delta: float | None, riding: int,
    default_delta: bool = False,
) -> None:
    """Say before training what `audit_report` says after it of a side whose 2·m·δ passes
    1 (`delta_term_note`): attack.audit_canaries=100000 under DP-SGD trained for minutes
    before it. ``models``: K; ``delta``: DP-SGD's δ as results.json's privacy block records
    it (the largest of the models'), ``None`` without DP-SGD (the audit's `DEFAULT_DELTA`);
    ``riding``: gradient canaries per model that ride on training (`riding_canaries`);
    ``default_delta``: DP-SGD's δ is its default 1/(10·N), which the input canaries move."""
    for name, per_model, key in (("black_box", audit.input_canaries, "attack.audit_canaries"),
                                 ("white_box", riding, "attack.audit_gradient_canaries")):
        note = delta_term_note(models=models, per_model=per_model, key=key,
                               delta=delta or DEFAULT_DELTA, dp_delta=delta is not None,
                               moves=default_delta and name == "black_box")  # fmt: skip
        if note is not None:
            log.warning("one-run audit (%s): %s", name, note)


def with_audit_canaries(
    audit: AuditConfig,
    dataset: Dataset,
    plan: MembershipPlan,
    is_canary: np.ndarray,
    *,
    kind: str,
    seed: int,
) -> CanaryInsertion:
    """The population with the audit's input canaries appended last (Bernoulli masks; kind
    ``attack.canaries.kind``), flagged as canaries so the attacks' metrics leave them out."""
    if not audit.input_canaries:
        return CanaryInsertion(dataset, plan, is_canary)
    return insert_canaries(
        dataset, plan, num=audit.input_canaries, kind=kind, seed=seed, inclusion="bernoulli",
        is_canary=is_canary,
    )


@contextmanager
def audit_training(
    audit: AuditConfig, *, seed: int, ride: bool = True
) -> Iterator[DiracCanaryAudit | None]:
    """Train the audited models in this block: DP-SGD then carries the gradient canaries
    (yielded, to score after training); ``None`` when the audit has none. ``ride=False``
    (no DP-SGD among the defenses) yields them unhooked: none is added, the models may be
    resumed from checkpoints, and the white-box side says no DP-SGD step ran."""
    if not audit.dirac_canaries:
        yield None
        return
    canaries = DiracCanaryAudit(num=audit.dirac_canaries, seed=seed)
    with gradient_canaries(canaries) if ride else nullcontext():
        yield canaries


def input_canary_scores(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Black-box scores [K, m] of m input canaries: each one's loss on its median loss over
    the K models minus its loss on model k (higher: more likely a member of model k).

    Args:
        log_probs: [K, m, C] released log-probabilities of the canaries (-inf: withheld).
        labels: [m] the canaries' labels.
    """
    picked = np.take_along_axis(log_probs, labels[None, :, None].astype(np.int64), axis=2)
    loss = -picked[..., 0].astype(np.float64)
    finite = loss[np.isfinite(loss)]
    cap = (finite.max() if finite.size else 0.0) + 1.0  # a withheld label: the worst loss
    loss = np.minimum(np.nan_to_num(loss, nan=cap, posinf=cap), cap)
    return np.median(loss, axis=0, keepdims=True) - loss


def _bound_entry(bound: OneRunBound, *, score: str, **extra: Any) -> dict[str, Any]:
    """One side's bound, its counts and ``max_epsilon``: the bound had every guess been
    right (`one_run_ceiling`), the most this audit could show."""
    ceiling = one_run_ceiling(bound.canaries, delta=bound.delta, confidence=bound.confidence)
    return {**bound.as_dict(), "max_epsilon": ceiling, "score": score, **extra}


def _weak_note(entry: dict[str, Any], accountant: Any) -> str | None:
    """Why a side's bound cannot test the accountant's ε (its ceiling is at or below it),
    or ``None``: a low bound from such an audit is no evidence of privacy."""
    ceiling = entry.get("max_epsilon")
    if not isinstance(ceiling, float) or not isinstance(accountant, int | float):
        return None
    if isinstance(accountant, bool) or not ceiling <= accountant < float("inf"):
        return None
    lower = _LOWER_DELTA if _lower_delta_tests(entry, accountant) else ""
    return (
        f"too weak to test the accountant's ε {accountant:.3g}: with m={entry['canaries']} "
        f"pairs at δ {entry['delta']:.2g} it could show at most ε >= {ceiling:.3g} (every "
        f"guess right), so its bound says nothing of privacy; {lower}{_MORE_CANARIES}"
    )


def _lower_delta_tests(entry: dict[str, Any], accountant: float) -> bool:
    """Whether δ = `_SUGGESTED_DELTA` alone would let a side's m pairs test the accountant's
    ε: 'lower defense.dp.delta (e.g. 1e-6)' was advised at δ 1e-6 itself, and to 2 pairs,
    which no δ lets show any ε (h583)."""
    if not entry["delta"] > _SUGGESTED_DELTA:
        return False
    ceiling = one_run_ceiling(int(entry["canaries"]), delta=_SUGGESTED_DELTA,
                              confidence=float(entry["confidence"]))  # fmt: skip
    return ceiling > accountant


def _small_note(entry: dict[str, Any], delta: float) -> str | None:
    """Why a side's bound says little whatever the claim (none, or one it could test), or
    ``None``: its ceiling is below `SMALL_EPSILON`, so even a leaky run could have shown no
    more than a small ε (4 pairs: at most 0), and its low bound is no evidence of privacy."""
    ceiling = entry.get("max_epsilon")
    if not isinstance(ceiling, float) or not ceiling < SMALL_EPSILON:
        return None
    return (
        f"could show at most ε >= {ceiling:.3g} with m={entry['canaries']} pairs at δ "
        f"{delta:.2g} (every guess right), below {SMALL_EPSILON:g}: a low bound is no "
        f"evidence of privacy; {_MORE_CANARIES}"
    )


def audit_report(
    audit: AuditConfig,
    *,
    obs: Observations,
    white_box: DiracCanaryAudit | None,
    privacy: dict[str, Any],
    confidence: float,
    run_dir: Path,
    default_delta: bool = False,
) -> dict[str, Any]:
    """results.json's ``privacy.audit``: each audit's ε lower bound and its counts, beside
    the accountant's ε; writes ``audit.npz`` (every pair's score and inclusion).

    Args:
        audit: the audit's settings.
        obs: the released outputs on the population, whose last ``audit.input_canaries``
            records are the audit's input canaries (`with_audit_canaries`).
        white_box: the gradient canaries' record (`audit_training`), or ``None``.
        privacy: the run's ``privacy`` block (accountant's ``epsilon`` and ``delta``).
        confidence: level of the bounds.
        run_dir: where ``audit.npz`` goes.
        default_delta: DP-SGD's δ is its default 1/(10·N), which the input canaries move
            (`delta_term_note`).
    """
    delta = float(privacy.get("delta") or DEFAULT_DELTA)
    block: dict[str, Any] = {
        "method": METHOD,
        "confidence": confidence,
        "delta": delta,
        "accountant_epsilon": privacy.get("epsilon"),
    }
    arrays: dict[str, np.ndarray] = {}
    if audit.input_canaries:
        rows = slice(obs.log_probs.shape[1] - audit.input_canaries, None)
        scores = input_canary_scores(obs.log_probs[:, rows], obs.labels[rows])
        truth = obs.masks[:, rows]
        bound = one_run_bound(scores.ravel(), truth.ravel(), delta=delta, confidence=confidence)
        block["black_box"] = _bound_entry(
            bound, score="loss below the canary's median loss over the K models",
            models=int(truth.shape[0]), canaries_per_model=audit.input_canaries,
        )
        arrays.update({"black_box/scores": scores, "black_box/included": truth})
    else:
        block["black_box"] = {"skipped": "attack.audit_canaries=0"}
    block["white_box"] = _white_box(audit, white_box, delta=delta, confidence=confidence,
                                    arrays=arrays)  # fmt: skip
    for name in ("black_box", "white_box"):
        weak = _weak_note(block[name], block["accountant_epsilon"])
        if weak is not None:
            block[name]["weak"] = weak
            log.warning("one-run audit (%s): %s", name, weak)
        entry = block[name]
        note = None if "canaries" not in entry else delta_term_note(
            models=int(entry["models"]), per_model=int(entry["canaries_per_model"]),
            key=_SIDE_KEYS[name], delta=delta, dp_delta=privacy.get("delta") is not None,
            moves=default_delta and name == "black_box")
        if note is not None:
            log.warning("one-run audit (%s): %s", name, note)
    if arrays:
        write_npz(run_dir / "audit.npz", **arrays)
    return block


def _white_box(
    audit: AuditConfig,
    canaries: DiracCanaryAudit | None,
    *,
    delta: float,
    confidence: float,
    arrays: dict[str, np.ndarray],
) -> dict[str, Any]:
    """The gradient canaries' bound, or why there is none."""
    if canaries is None:
        reason = "attack.white_box=false" if not audit.white_box else (
            "attack.audit_gradient_canaries=0")  # fmt: skip
        return {"skipped": reason}
    record = canaries.scores()
    if record.models == 0:
        return {"skipped": (
            "no DP-SGD step of the stacked engine ran with them (the gradient "
            "canaries ride on its clipped sums: defense=dp, train.engine=stacked; models "
            "taken from the model store carry none)"
        )}  # fmt: skip
    bound = one_run_bound(record.scores, record.included, delta=delta, confidence=confidence)
    arrays.update({
        "white_box/scores": record.scores, "white_box/included": record.included,
        "white_box/sums": record.sums,
    })  # fmt: skip
    return _bound_entry(
        bound, score="log-likelihood ratio of the noisy sums at the canary's coordinate",
        models=record.models, canaries_per_model=canaries.num,
    )


def audit_lines(privacy: dict[str, Any]) -> list[str]:
    """The end-of-run summary's lines of the one-run audit (none without one)."""
    block = privacy.get("audit")
    if not isinstance(block, dict):
        return []
    accountant = block.get("accountant_epsilon")
    claimed = "no accountant" if accountant is None else f"accountant ε {accountant:.3g}"
    lines = []
    for name in ("white_box", "black_box"):
        entry = block.get(name, {})
        label = name.replace("_", "-")
        if "epsilon" not in entry:
            lines.append(f"one-run audit, {label}: skipped ({entry.get('skipped', '?')})")
            continue
        lines.append(
            f"one-run audit, {label}: ε >= {entry['epsilon']:.3f} ({claimed}, δ "
            f"{block['delta']:.2g}, {level_text(block['confidence'])} confidence; "
            f"m={entry['canaries']} pairs, {entry['correct']}/{entry['guesses']} guesses right)"
        )
        note = entry.get("weak") or _small_note(entry, block["delta"])
        if note:
            lines.append(f"  ({label}: {note})")
    return lines
