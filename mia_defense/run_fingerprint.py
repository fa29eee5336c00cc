"""What determines a run's trained models: the config parts that shape them, the data
they train on and the code that trains them, hashed into one short fingerprint that every
checkpoint carries (a resumed run reuses a checkpoint only under the same one)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["FINGERPRINT_KEYS", "TARGETS_STAGE", "config_fingerprint", "finished_fingerprints",
           "stage_fingerprint", "training_parts"]

# The config parts that determine the trained models (attack.canaries changes the data, and
# attack.audit_gradient_canaries the weights where they ride: `_riding_gradient_canaries`).
FINGERPRINT_KEYS = ("dataset", "model", "plan", "train", "defense", "seed")
# The seed stream of a run's target models, whose checkpoints carry the run's fingerprint.
TARGETS_STAGE = "model"
# Train settings that do not change what is computed (memory and placement only).
_NEUTRAL_TRAIN_KEYS = ("chunk_size", "device", "eval_every", "threads")


def training_parts(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config parts that train the models (`FINGERPRINT_KEYS`), whose
    `mia_defense.code_digest.code_digest` is the code a checkpoint's fingerprint holds
    (results.json's ``versions.training_code``). A user's attack or release, which reads the
    trained models and changes none, is left out: fixed after it failed on a run's models,
    the run resumes from their checkpoints instead of being refused as trained by other
    code."""
    return {key: config.get(key) for key in FINGERPRINT_KEYS}


def config_fingerprint(
    config: Mapping[str, Any], *, data: str | None = None, code: str | None = None,
    gradient_canaries: bool = True,
) -> str | None:
    """A short hash of the resolved config parts that determine the models, of ``data``
    (the content hash of the arrays they train on, `TrainingData.fingerprint`) and of
    ``code`` (`mia_defense.code_digest.code_digest` of `training_parts`; of the whole config
    in runs from before: a checkpoint half-trained by other code is not finished by this one).

    ``gradient_canaries=False`` leaves out the one-run audit's gradient canaries
    (`_riding_gradient_canaries`), as runs trained before the fingerprint held them did
    (`finished_fingerprints`).

    ``None`` for an empty config (a run built in code without one): nothing to compare.
    """
    if not config:
        return None
    parts: dict[str, Any] = {key: config.get(key) for key in FINGERPRINT_KEYS}
    parts["data"] = data
    train = parts["train"] if isinstance(parts["train"], Mapping) else {}
    parts["train"] = {k: v for k, v in train.items() if k not in _NEUTRAL_TRAIN_KEYS}
    # (an attack section that is no mapping, as in a hand-edited results.json: no canaries
    # read from it, where .get was an AttributeError traceback out of mia-report)
    attack = config.get("attack")
    parts["canaries"] = attack.get("canaries") if isinstance(attack, Mapping) else None
    riding = _riding_gradient_canaries(config) if gradient_canaries else None
    if riding is not None:  # (absent otherwise: every other run's fingerprint as before)
        parts["gradient_canaries"] = riding
    if code is not None:  # runs from before results.json recorded the code have none
        parts["code"] = code
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def finished_fingerprints(
    config: Mapping[str, Any], *, data: str | None, code: str | None
) -> tuple[str | None, ...]:
    """The fingerprints the target checkpoints of a finished run of ``config`` (its
    results.json's) may carry: `config_fingerprint`'s, then, where the one-run audit's
    gradient canaries ride, the one of runs trained before the fingerprint held them (they
    rode all the same: a resume was refused under another ``attack.audit`` while
    results.json was there), so that those runs still read (mia-report,
    `load_trained_model`). A resume asks `config_fingerprint`'s alone."""
    first = config_fingerprint(config, data=data, code=code)
    earlier = config_fingerprint(config, data=data, code=code, gradient_canaries=False)
    return (first,) if earlier == first else (first, earlier)


def _riding_gradient_canaries(config: Mapping[str, Any]) -> Any:
    """``attack.audit_gradient_canaries`` where the one-run audit's Dirac canaries ride on
    DP-SGD's clipped sums, and so change the trained weights (their coordinates, draws and
    size come from it, the seed, the model and defense.dp, which the fingerprint holds
    already), else ``None``. Decided from the config as
    `mia_defense.pipeline.train.gradient_canaries_ride` decides it from the built defenses:
    ``attack.audit=one_run`` with ``attack.white_box`` and canaries, off
    ``train.engine=opacus``, and a DP-SGD among the defenses: mia-defense's own
    (``_target_`` ``mia_defense.defenses.DPSGD``), or any user's class, which may subclass it
    (the config alone cannot tell: such an audit run's checkpoints are then not reused
    without the audit, nor the reverse). Left out of the fingerprint, canary-trained models
    were resumed as plain ones once results.json was gone (``attack.audit=none``), and plain
    ones were trained again under the audit with only a warning."""
    attack, train, defenses = (config.get(key) for key in ("attack", "train", "defense"))
    if not isinstance(attack, Mapping) or attack.get("audit") != "one_run":
        return None
    num = attack.get("audit_gradient_canaries")
    if not attack.get("white_box") or not num:
        return None
    if isinstance(train, Mapping) and train.get("engine") == "opacus":
        return None
    nodes = defenses.values() if isinstance(defenses, Mapping) else ()
    if not any(_may_be_dp_sgd(node) for node in nodes):
        return None
    return num


def _may_be_dp_sgd(node: Any) -> bool:
    """Whether a defense's config node may build a DP-SGD: mia-defense's DPSGD, or a class
    of the user's (not mia-defense's), which may subclass it."""
    target = node.get("_target_") if isinstance(node, Mapping) else None
    if not isinstance(target, str):
        return False
    return not target.startswith("mia_defense.") or target.rpartition(".")[2] == "DPSGD"


def stage_fingerprint(fingerprint: str | None, stage: str) -> str | None:
    """The fingerprint the checkpoints of seed stream ``stage`` carry: ``fingerprint`` itself
    for the target models (`TARGETS_STAGE`), one of it and ``stage`` for another ensemble of
    the run (``undefended``: a naive attacker's shadows, trained on the same masks under the
    same config). With one fingerprint for both, checkpoints/ copied over
    checkpoints_undefended/ (or the reverse) were resumed as the other ensemble's models."""
    if fingerprint is None or stage == TARGETS_STAGE:
        return fingerprint
    return hashlib.sha256(f"{fingerprint}/{stage}".encode()).hexdigest()[:16]
