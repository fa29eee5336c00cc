"""README's `mia-attack RUN attack.num_targets=4` on the default run (1,000 records) warned
and noted 'raise plan.population_size': 4 targets of 16 models leave 38 records a member of
every target, so the 1,958 non-member scores were of 962 records, though the population
holds 1,000. The advice names attack.num_targets there, plan.population_size where the
population itself is too small."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.attacks.runner import _warn_pooled_fprs
from mia_defense.metrics.roc import pooled_only_text
from mia_defense.pipeline.evaluate import RunResult
from mia_defense.report.checks.notes import resolution_note
from mia_defense.report.run_table import _pooled_lines


@pytest.mark.parametrize(("scores", "records", "population", "advice"), [
    (1958, 962, 1000, "raise attack.num_targets: 38 of the 1000 records train every target"),
    (4000, 500, 500, "raise plan.population_size to at least 1000 records"),
])  # fmt: skip
def test_the_advice_names_what_adds_non_member_records(caplog, scores, records, population,
                                                       advice):
    with caplog.at_level(logging.WARNING):
        _warn_pooled_fprs(scores, [0.1, 0.001], records=records, population=population)
    assert advice in caplog.text
    result = RunResult(utility={}, attacks={}, strongest_attack=None, defense={}, privacy={},
                       wall_seconds=0.0, nonmember_scores=scores, nonmember_records=records,
                       judged=np.arange(population + 7) < population)  # (7 canaries)
    [note] = _pooled_lines(result, [0.1, 0.001])
    caveat = resolution_note({"nonmember_scores": scores, "nonmember_records": records,
                              "population_size": population},
                             leakage="max_attack.tpr@0.1%fpr")  # fmt: skip
    # (one text, each place its own prefix: the run's warning, its table, mia-report)
    text = pooled_only_text(scores, records, [0.001], population=population)
    assert advice in text
    assert caveat == f"its tpr@0.1%fpr: the {text}"
    assert note == f"NOTE: the {text}"
    assert f"the attacks' {text}" in [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize(("targets", "records", "population", "audit", "said"), [
    (4, 962, 1000, 0, "raise attack.num_targets: 38 of the 1000 records train every target"),
    (None, 500, 500, 0, "raise plan.population_size to at least 1000 records"),
    # (300 records: more targets cannot back 0.1%; the caveat offered them, the run's
    # warning said 'more targets add scores of the same records')
    (4, 290, 300, 0, "raise plan.population_size to at least 1000 records (more targets add"),
    # (the one-run audit's canaries are in population_size too, not in 'canaries')
    (4, 290, 300, 800, "raise plan.population_size to at least 1000 records (more targets"),
])  # fmt: skip
def test_mia_reports_caveat_gives_the_runs_advice(targets, records, population, audit, said):
    payload = {"nonmember_scores": 1958, "nonmember_records": records, "num_models": 16,
               "population_size": population + 7 + audit, "canaries": 7,
               "config": {"attack": {"num_targets": targets, "audit": "one_run",
                                     "audit_canaries": audit}}}
    note = resolution_note(payload, leakage="max_attack.tpr@0.1%fpr")
    assert f"; {said}" in note
    assert ("attack.num_targets" in note) == said.startswith("raise attack.num_targets")
