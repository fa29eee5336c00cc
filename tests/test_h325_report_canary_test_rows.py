"""mia-report read a run with canaries as an edited file: ``population_size`` counts the
canaries beside the regular records the default split drew, and mislabeled canaries take
rows of the test set (`mia_defense.canaries`), so ``test_size`` is below the plan's."""

from __future__ import annotations

import pytest

from mia_defense.report.checks.provenance import _test_size_problem


@pytest.mark.parametrize("plan, size, kind, edited", [
    ({"population_size": None, "test_size": None}, 113, "mislabeled", False),  # breast_cancer
    ({"population_size": None, "test_size": None}, 143, "outlier", False),
    ({"population_size": None, "test_size": None}, 113, "outlier", True),
    ({"population_size": None, "test_size": 300}, 270, "mislabeled", False),
    ({"population_size": None, "test_size": 300}, 269, "mislabeled", True),
])
def test_the_report_takes_the_test_rows_canaries_took_for_no_edit(plan, size, kind, edited):
    # mia-train dataset=breast_cancer attack.canaries.num=30: population 426 + 30 canaries,
    # test set 143 - 30; mia-report skipped it as an edited file
    payload = {"test_size": size, "population_size": 456, "canaries": 30,
               "config": {"plan": plan, "attack": {"canaries": {"num": 30, "kind": kind}}}}
    assert (_test_size_problem(payload) is not None) == edited
