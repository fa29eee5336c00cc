"""Hostile review (h332) of the day's new code paths: each test fails without its fix."""

from __future__ import annotations

import pytest

from mia_defense.report.checks.provenance import _test_size_problem


@pytest.mark.parametrize("audit, size, edited", [
    ("one_run", 100, False),  # 426 + 100 audit canaries; 43 test rows taken (143 -> 100)
    ("one_run", 40, True),
    ("none", 100, True),
])
def test_the_one_run_audits_canaries_are_counted_as_the_split_drew(audit, size, edited):
    # mia-train dataset=breast_cancer attack.audit=one_run: population_size 526 counts the
    # audit's 100 canaries, which took 43 test rows; mia-report skipped the run as edited
    payload = {"test_size": size, "population_size": 526 if audit == "one_run" else 426,
               "canaries": 0,
               "config": {"plan": {"population_size": None, "test_size": None},
                          "attack": {"canaries": {"num": 0, "kind": "mislabeled"},
                                     "audit": audit, "audit_canaries": 100}}}
    assert (_test_size_problem(payload) is not None) == edited


def test_a_memory_refusal_made_by_the_test_set_names_plan_test_size():
    # mia-train dataset=purchase_like dataset.num_samples=<10^8> plan.population_size=2000:
    # the test set (null: the rest) held the memory, and the refusal said only to lower
    # plan.num_models or plan.population_size (which grows the test set)
    from mia_defense.budget import check_budget
    from mia_defense.errors import ConfigError

    sizes = dict(num_models=16, population_size=2000, num_classes=100, num_params=10**5,
                 num_augmented=0, epochs=1, batch_size=64, memory_bytes=10**10)
    with pytest.raises(ConfigError, match=r"lower plan\.test_size \(the run's outputs on "
                       r"100000000 test records"):
        check_budget(test_size=10**8, **sizes)
    with pytest.raises(ConfigError) as refused:  # (the population's: no word of the test set)
        check_budget(test_size=100, **{**sizes, "population_size": 10**8})
    assert "plan.test_size" not in str(refused.value)
