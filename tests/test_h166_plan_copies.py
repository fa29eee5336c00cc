"""Exact copies among the population (a CSV whose rows repeat) got independent memberships:
a copy left out of a model that trained on its twin was counted as that model's non-member
although the model had trained on those very features, so the attacks pooled member-like
scores among the non-members and understated the leak. Digits' 300 rows saved twice, 400
of them as the population, K=4, an MLP overfit for 100 epochs: the strongest attack's
TPR@0.1%FPR read 0.0025 and lira_offline's AUC 0.659 (the best eps_emp 0.39); with copies
sharing their memberships, 0.036, 0.79 and 2.35. The plan now gives every copy the
memberships of its first copy (`copy_leaders`); each model still trains half the records.
"""

from __future__ import annotations

import numpy as np

from mia_defense.data.dataset import Dataset
from mia_defense.metrics.roc import roc_metrics
from mia_defense.plan import copy_leaders, make_plan


def _twice(rows: int = 150, *, images: bool = False) -> Dataset:
    rng = np.random.default_rng(0)
    shape = (rows, 1, 3, 3) if images else (rows, 4)
    x = rng.normal(size=shape).astype(np.float32)
    y = rng.integers(0, 2, rows)
    order = rng.permutation(2 * rows)
    return Dataset(x=np.concatenate([x, x])[order], y=np.concatenate([y, y])[order],
                   num_classes=2, name="twice")


def _groups(data: Dataset, idx: np.ndarray) -> dict[bytes, list[int]]:
    groups: dict[bytes, list[int]] = {}
    for pos, row in enumerate(data.x[idx]):
        groups.setdefault(row.tobytes(), []).append(pos)
    return groups


def test_copies_in_the_population_train_the_same_models():
    for images in (False, True):
        data = _twice(images=images)
        plan = make_plan(data, num_models=6, population_size=200, test_size=50, seed=0)
        pairs = [g for g in _groups(data, plan.population_idx).values() if len(g) > 1]
        assert len(pairs) > 20  # many records have both copies in the population
        for group in pairs:
            for pos in group[1:]:
                np.testing.assert_array_equal(plan.masks[:, pos], plan.masks[:, group[0]])
        np.testing.assert_array_equal(plan.masks.sum(axis=0), 3)  # still K/2 per record


def test_an_attack_that_knows_each_models_training_features_scores_auc_1():
    # the perfect attack: score 1 where the model trained on these exact features. Against
    # the plan's truth it must be perfect; with copies outside their twin's models it read
    # a member's score among the non-members (AUC 0.76 here).
    data = _twice()
    plan = make_plan(data, num_models=4, population_size=240, test_size=None, seed=1)
    x = data.x[plan.population_idx]
    keys = [row.tobytes() for row in x]
    for k in range(plan.num_models):
        trained = {keys[n] for n in np.flatnonzero(plan.masks[k])}
        scores = np.array([key in trained for key in keys], dtype=float)
        metrics = roc_metrics(scores, plan.masks[k], fprs=(0.1,))
        assert metrics.auc == 1.0, (k, metrics.auc)
        assert metrics.tpr_at_fpr[0.1] == 1.0


def test_copy_leaders_finds_exact_copies_only():
    x = np.array([[1.0, 2.0], [0.0, -0.0], [1.0, 2.0], [-0.0, 0.0], [1.0, 2.000001],
                  [0.0, 0.0]], dtype=np.float32)
    np.testing.assert_array_equal(copy_leaders(x, np.arange(6)), [0, 1, 0, 1, 4, 1])
    # positions are within idx, whatever the order of idx
    np.testing.assert_array_equal(copy_leaders(x, np.array([4, 2, 0])), [0, 1, 1])
    assert copy_leaders(x, np.array([], dtype=int)).shape == (0,)


def test_data_without_copies_keeps_its_masks(monkeypatch):
    # the masks of data without copies are those drawn before the change (same seed)
    rng = np.random.default_rng(3)
    data = Dataset(x=rng.normal(size=(300, 4)).astype(np.float32), y=rng.integers(0, 2, 300),
                   num_classes=2, name="unique")
    plan = make_plan(data, num_models=4, population_size=200, test_size=100, seed=2)
    from mia_defense import plan as plan_module

    monkeypatch.setattr(plan_module, "copy_leaders", lambda x, idx: np.arange(len(idx)))
    again = make_plan(data, num_models=4, population_size=200, test_size=100, seed=2)
    np.testing.assert_array_equal(plan.masks, again.masks)


def test_the_test_set_takes_no_copy_of_a_population_record_while_others_are_left():
    # digits' rows saved twice: test accuracy was measured partly on copies of members
    data = _twice(rows=300)
    for test_size in (100, None):
        plan = make_plan(data, num_models=4, population_size=300, test_size=test_size, seed=0)
        population = {row.tobytes() for row in data.x[plan.population_idx]}
        copied = [row.tobytes() in population for row in data.x[plan.test_idx]]
        assert not any(copied), (test_size, sum(copied))
        assert not set(plan.test_idx) & set(plan.population_idx)
    assert len(make_plan(data, num_models=4, population_size=300, test_size=100,
                         seed=0).test_idx) == 100  # a given size is kept
    # null: all that is left, copies aside (300 rows left, those copying none of the 300
    # population rows); with only copies left, they stay (a test set it is)
    left = make_plan(data, num_models=4, population_size=300, test_size=None, seed=0)
    assert 0 < len(left.test_idx) < 300
    same = Dataset(x=np.zeros((4, 2), np.float32), y=np.array([0, 1, 0, 1]), num_classes=2,
                   name="same")
    assert len(make_plan(same, num_models=2, population_size=2, test_size=None,
                         seed=0).test_idx) == 2  # only copies are left: they stay


def test_one_copy_left_out_of_the_test_set_is_said_in_the_singular(caplog):
    # "plan: 1 rows that copy a population record exactly are left out ..."
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    data = Dataset(x=np.concatenate([x, x[:1]]), y=np.arange(41) % 2, num_classes=2, name="one")
    for seed in range(50):  # a seed whose population holds row 0, so that its copy is left
        plan = make_plan(data, num_models=2, population_size=20, test_size=None, seed=seed,
                         say=False)
        if 0 in plan.population_idx and 40 not in plan.population_idx:
            break
    caplog.set_level("INFO", logger="mia_defense.plan")
    make_plan(data, num_models=2, population_size=20, test_size=None, seed=seed)
    assert "plan: 1 row that copies a population record exactly is left out of the test set" \
        in caplog.text  # fmt: skip
