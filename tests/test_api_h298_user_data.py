"""Degenerate user data through the Python API (h298): exact copies in x that a plan made by
hand puts in different models (membership undefined: the attacks understated the leak,
TPR at 0.1% FPR 0.0025 for make_plan's 0.046, without a word)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from mia_defense import api
from mia_defense.errors import ConfigError


def test_hand_made_masks_that_split_exact_copies_are_refused() -> None:
    rng = np.random.default_rng(0)
    x = np.repeat(rng.normal(size=(30, 5)).astype(np.float32), 2, axis=0)  # each row twice
    y = np.repeat(rng.integers(0, 3, 30), 2)
    plan = api.make_plan(x, y, num_models=4, population_size=40, test_size=10)
    torch.manual_seed(0)
    models = [torch.nn.Linear(5, 3) for _ in range(4)]
    api.observe_models(models, x, y, plan)  # make_plan gives copies the same models
    rows: dict[bytes, int] = {}
    for n, i in enumerate(plan.population_idx):
        rows.setdefault(bytes(x[i]), n)
    twin = next(n for n, i in enumerate(plan.population_idx) if rows[bytes(x[i])] != n)
    masks = plan.masks.copy()
    masks[:, twin] = ~masks[:, twin]  # still IN half of the models, but not its copy's
    with pytest.raises(ConfigError, match=r"observe_models: plan\.masks: 1 of the 40 records "
                       rf"\(first: column {twin}, row \d+ of x\) are exact copies"):  # fmt: skip
        api.observe_models(models, x, y, replace(plan, masks=masks))


@pytest.mark.parametrize(("distinct", "why"), [(2, "exact copies of 2 distinct one"),
                                               (None, "the draw of 3 records left it none")])
def test_a_plan_with_a_model_of_no_member_is_refused(distinct, why) -> None:
    """x of 2 distinct rows gave 4 of 16 models no member (copies train the same models),
    which mia-train refuses; make_plan returned the plan."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5)) if distinct is None else np.repeat(rng.normal(size=(2, 5)),
                                                                   150, axis=0)
    with pytest.raises(ConfigError, match=rf"make_plan: num_models=16: model \d+ of the plan "
                       rf"has no member, as .*{why}"):  # fmt: skip
        api.make_plan(x, np.arange(len(x)) % 2, num_models=16)


def test_make_plan_names_a_column_below_float32(caplog) -> None:
    """x read in float32 (make_plan, observe_models): a float64 column of 1e-310 * normal
    values, which gave the labels, became zeros without a word."""
    x = np.random.default_rng(0).normal(size=(60, 3))
    x[:, 2] *= 1e-310
    api.make_plan(x, (x[:, 2] > 0).astype(int), num_models=4)
    assert "feature column [2] (counting from 0) holds values of" in caplog.text
