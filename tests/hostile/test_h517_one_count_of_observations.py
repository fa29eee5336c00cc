"""mia-attack's check of the attacks' own memory (`attack_setup.check_observed_budget`)
held the observations' masks, labels and test labels beside the attacks; mia-train's of the
same attacks before training (`budget.check_budget`) held the outputs, test outputs, queries
and gradient norms but neither the bool masks [K, N] nor the labels [N] and [T]: two counts
of what the attacks hold. Both now count it with `budget.observations_bytes` (helper h517).
The memory is patched; nothing large is allocated."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from mia_defense import attack_setup, budget
from mia_defense.budget import _bytes
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg, run_to_budget_check
from tests.helpers import synthetic_observations

# --- mia-train: the masks and labels beside the label-only attack's copies ------------------

K, A = 2, 20000
RUN = (f"plan.num_models={K}", "train.epochs=1", "attack.bootstrap=0",
       "attack.white_box=false", f"attack.queries.num_augmented={A}",
       "~attack.attacks.shokri", "~attack.attacks.lira_online_augmented")  # fmt: skip


def _available(monkeypatch, size: int) -> None:
    monkeypatch.setattr(budget, "available_memory", lambda: size)


def _held(monkeypatch, tmp_path, budget_asked) -> tuple[int, int]:
    """(what the attacks hold beside their own arrays: the released outputs [K, N + T, C],
    the queries' float32 logits and uint8 labels [K, A, N], the models, the bool masks
    [K, N], the int64 labels [N + T]; the label-only attack's copies) of the run."""
    _available(monkeypatch, 10**15)
    run_to_budget_check(tmp_path / "sizes", *RUN)
    asked = budget_asked[-1]
    k, n, t, c = (asked[key] for key in ("num_models", "population_size", "test_size",
                                         "num_classes"))  # fmt: skip
    models = 4 * k * asked["num_params"]
    held = 4 * k * (n + t) * c + 5 * k * A * n + models + k * n + 8 * (n + t)
    (label,) = [w.memory for w in asked["attack_memory"] if w.key.endswith("label_only")]
    budget_asked.clear()
    return held, label


def test_mia_train_holds_the_masks_and_labels(monkeypatch, tmp_path, budget_asked):
    held, label = _held(monkeypatch, tmp_path, budget_asked)
    _available(monkeypatch, held + label - 1)
    from mia_defense.cli.build import run

    with pytest.raises(ConfigError) as refused:
        run(compose_cfg(*RUN), tmp_path / "refused")
    said = str(refused.value)
    found = re.fullmatch(r"attack\.attacks\.label_only: .* beside the released outputs' and "
                         r"the models' (\S+ \S+), but .*", said)  # fmt: skip
    assert found, said
    assert found[1] == _bytes(held)


def test_mia_train_runs_where_they_fit(monkeypatch, tmp_path, budget_asked):
    held, label = _held(monkeypatch, tmp_path, budget_asked)
    _available(monkeypatch, held + label)
    run_to_budget_check(tmp_path / "run", *RUN)


# --- one count: mia-train's of the observations it makes is mia-attack's of them -------------

MODELS, RECORDS, CLASSES, QUERIES, TESTS = 4, 60, 5, 8, 30


def _made_by_mia_train() -> attack_setup.Observations:
    """Observations of mia-train's dtypes: float32 outputs, logits and norms, int64 labels,
    bool masks, uint8 predictions (5 classes), with a test set."""
    obs = synthetic_observations(num_models=MODELS, num_samples=RECORDS, num_classes=CLASSES)
    rng = np.random.default_rng(1)
    shape = (MODELS, QUERIES, RECORDS)
    test = rng.normal(size=(MODELS, TESTS, CLASSES))
    return dataclasses.replace(
        obs, labels=obs.labels.astype(np.int64), masks=obs.masks.astype(bool),
        log_probs=obs.log_probs.astype(np.float32),
        augmented_logits=rng.normal(size=shape).astype(np.float32),
        augmented_predictions=rng.integers(0, CLASSES, shape).astype(np.uint8),
        grad_norms=rng.random((MODELS, RECORDS)).astype(np.float32),
        test_log_probs=(test - np.log(np.exp(test).sum(-1, keepdims=True))).astype(np.float32),
        test_labels=rng.integers(0, CLASSES, TESTS).astype(np.int64),
    )  # fmt: skip


def _held_by(monkeypatch, target, name: str) -> list[int]:
    seen: list[int] = []
    real = getattr(target, name)

    def recorded(*args, held, **kwargs):
        seen.append(held)
        return real(*args, held=held, **kwargs)

    monkeypatch.setattr(target, name, recorded)
    return seen


def test_both_hold_the_same_observations(monkeypatch):
    obs = _made_by_mia_train()
    arrays = (obs.log_probs, obs.labels, obs.masks, obs.augmented_logits,
              obs.augmented_predictions, obs.grad_norms, obs.test_log_probs, obs.test_labels)
    attacked = _held_by(monkeypatch, attack_setup, "check_attack_budget")
    settings = attack_setup.attack_settings(
        attack_setup.attack_config(["attack.bootstrap=0"]), num_models=MODELS,
        num_classes=CLASSES, defended=False)  # fmt: skip
    attack_setup.check_observed_budget(settings, obs)
    assert attacked == [sum(a.nbytes for a in arrays)]  # (as it counted before h517)

    trained = _held_by(monkeypatch, budget, "_attack_memory_problems")
    sizes = dict(num_models=MODELS, population_size=RECORDS, test_size=TESTS,
                 num_classes=CLASSES, num_params=100, num_augmented=QUERIES, epochs=1,
                 batch_size=32)  # fmt: skip
    budget.check_budget(**sizes, white_box=True, memory_bytes=10**12)
    models = budget.estimate(**sizes, white_box=True).models
    assert trained == [attacked[0] + models]
