"""What determines a run's trained models: the config parts that shape them, the data
they train on and the code that trains them, hashed into one short fingerprint that every
checkpoint carries (a resumed run reuses a checkpoint only under the same one)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["FINGERPRINT_KEYS", "TARGETS_STAGE", "config_fingerprint", "stage_fingerprint",
           "training_parts"]

# The config parts that determine the trained models (attack.canaries changes the data).
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
    config: Mapping[str, Any], *, data: str | None = None, code: str | None = None
) -> str | None:
    """A short hash of the resolved config parts that determine the models, of ``data``
    (the content hash of the arrays they train on, `TrainingData.fingerprint`) and of
    ``code`` (`mia_defense.code_digest.code_digest` of `training_parts`; of the whole config
    in runs from before: a checkpoint half-trained by other code is not finished by this one).

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
    if code is not None:  # runs from before results.json recorded the code have none
        parts["code"] = code
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stage_fingerprint(fingerprint: str | None, stage: str) -> str | None:
    """The fingerprint the checkpoints of seed stream ``stage`` carry: ``fingerprint`` itself
    for the target models (`TARGETS_STAGE`), one of it and ``stage`` for another ensemble of
    the run (``undefended``: a naive attacker's shadows, trained on the same masks under the
    same config). With one fingerprint for both, checkpoints/ copied over
    checkpoints_undefended/ (or the reverse) were resumed as the other ensemble's models."""
    if fingerprint is None or stage == TARGETS_STAGE:
        return fingerprint
    return hashlib.sha256(f"{fingerprint}/{stage}".encode()).hexdigest()[:16]
