"""The one-run audit's input canaries: Bernoulli members appended after the others, and
their black-box scores."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.audit import AuditConfig, input_canary_scores, with_audit_canaries
from mia_defense.canaries import insert_canaries
from mia_defense.data import load_digits
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


@pytest.fixture(scope="module")
def digits_plan():
    data = load_digits()
    return data, make_plan(data, num_models=16, population_size=400, test_size=200, seed=0)


def test_audit_canaries_follow_the_others_with_independent_membership(digits_plan):
    data, plan = digits_plan
    first = insert_canaries(data, plan, num=30, kind="mislabeled", seed=1)
    audit = AuditConfig(kind="one_run", canaries=500)
    out = with_audit_canaries(audit, first.dataset, first.plan, first.is_canary,
                              kind="mislabeled", seed=1)  # fmt: skip
    assert out.plan.population_size == 400 + 30 + 500
    assert np.array_equal(out.plan.masks[:, :430], first.plan.masks)  # nothing moved
    assert np.array_equal(out.is_canary, np.r_[np.zeros(400, bool), np.ones(530, bool)])
    counts = out.plan.masks[:, 430:].sum(axis=0)
    assert not np.all(counts == 8)  # not balanced: each (model, canary) is a coin
    assert abs(out.plan.masks[:, 430:].mean() - 0.5) < 0.02
    # mislabeled: the features of rows outside the splits (no regular twin), another label
    pop = out.plan.population_idx
    x, y = out.dataset.x[pop], out.dataset.y[pop]
    for row, label in zip(x[430:], y[430:], strict=True):
        twins = np.flatnonzero((data.x == row).all(axis=1))
        assert len(twins) == 1 and twins[0] not in pop[:400] and data.y[twins[0]] != label


def test_without_the_audit_the_population_is_untouched(digits_plan):
    data, plan = digits_plan
    is_canary = np.zeros(400, bool)
    out = with_audit_canaries(AuditConfig(canaries=100), data, plan, is_canary,
                              kind="mislabeled", seed=0)  # fmt: skip
    assert out.plan is plan and out.dataset is data and out.is_canary is is_canary


def test_scores_are_the_loss_below_the_median_over_models():
    # 3 models, 2 canaries, 2 classes: canary 0 labelled 1, canary 1 labelled 0
    probs = np.array([[[0.1, 0.9], [0.5, 0.5]],
                      [[0.5, 0.5], [0.8, 0.2]],
                      [[0.9, 0.1], [0.0, 1.0]]])  # fmt: skip
    with np.errstate(divide="ignore"):
        scores = input_canary_scores(np.log(probs), np.array([1, 0]))
    loss0 = -np.log([0.9, 0.5, 0.1])
    assert np.allclose(scores[:, 0], np.median(loss0) - loss0)
    # a withheld label (log 0) counts as the worst finite loss plus one, never inf
    assert np.isfinite(scores).all() and scores[2, 1] == scores[:, 1].min()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"kind": "twice"}, r"attack.audit='twice': choose from \('none', 'one_run'\)"),
     ({"canaries": -1}, r"attack.audit_canaries=-1: must be >= 0")],
)  # fmt: skip
def test_bad_audit_settings_are_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        AuditConfig(**kwargs)


@pytest.mark.parametrize(("inclusion", "key"), [("bernoulli", "attack.audit_canaries"),
                                                ("balanced", "attack.canaries.num")])
def test_more_canaries_than_memory_holds_are_refused_before_any_is_drawn(
    digits_plan, monkeypatch, inclusion, key
):
    """A typo of 10^9 canaries: the run stops at once, naming the key, instead of drawing
    hundreds of GiB of features (it swapped the machine before)."""
    from mia_defense.data import guards

    monkeypatch.setattr(guards, "MEMORY_BUDGET", 1 << 20)
    data, plan = digits_plan
    insert_canaries(data, plan, num=1000, kind="outlier", seed=0, inclusion=inclusion)  # 0.5 MiB
    with pytest.raises(ConfigError, match=rf"^{key}=10000: the canaries alone would need "
                                          r"5.\d MiB of memory, more than the 1.0 MiB"):
        insert_canaries(data, plan, num=10_000, kind="outlier", seed=0, inclusion=inclusion)
