"""Leftovers of h333: the mislabeled-canary refusal's advice, objectives listed twice in
two spellings, symlinked run folders of a sweep."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.canaries import insert_canaries
from mia_defense.data import Dataset
from mia_defense.errors import ConfigError
from mia_defense.plan import make_plan


@pytest.mark.parametrize(("rows", "population", "test", "num", "advice"), [
    # 20 rows, the default split: no canary possible and no population frees one
    (20, None, None, 3, "use attack.canaries.kind=outlier"),
    # a null test set keeps 100 records: a smaller population of 150 spares the rest
    (200, 150, None, 3, "use a smaller plan.population_size or attack.canaries.kind=outlier"),
    # a fixed test set: 20 rows outside, and a smaller population leaves more there
    (60, 20, 20, 30, "use at most 20 canaries, a smaller plan.population_size, or "
                     "attack.canaries.kind=outlier"),
])
def test_mislabeled_canary_refusal_advises_what_frees_rows(rows, population, test, num, advice):
    data = Dataset(x=np.arange(2 * rows, dtype=np.float32).reshape(rows, 2),
                   y=np.arange(rows) % 2, num_classes=2, name="rows")
    plan = make_plan(data, num_models=2, population_size=population, test_size=test, seed=0,
                     say=False)
    with pytest.raises(ConfigError) as refused:
        insert_canaries(data, plan, num=num, kind="mislabeled", seed=0)
    assert str(refused.value).endswith(f"; {advice}")


@pytest.mark.parametrize(("names", "fprs"), [
    (["max_attack.tpr@1%fpr", "max_attack.TPR@1.0%FPR"], None),  # (the sweep's check, fprs swept)
    (["max_attack.auc", "utility.test_accuracy", "max_attack.AUC"], [0.01, 0.001]),
])
def test_an_objective_listed_twice_in_two_spellings_is_refused(names, fprs):
    from mia_defense.report.objectives import check_objective_names

    with pytest.raises(ConfigError, match=rf"^objectives: '{names[0]}' \(as '{names[-1]}'\) "
                       "is listed more than once"):
        check_objective_names(names, fprs=fprs)
    check_objective_names(names[:-1], fprs=fprs)  # (each once: taken)
