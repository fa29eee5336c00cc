"""The end-of-run table (`format_table`, printed by mia-train, mia-attack and
`AuditResult.table`) gave the verdict of a run some of whose models learned nothing without
its caveat: 'SOME MODELS AT CHANCE' was a log warning only, said before the table (train.lr=0.2
on digits, K=8: 4 models at chance, the table read 'strongest attack at 0.1% FPR: ...' as any
run's). The table now says it under the verdict, in the warning's words."""

from __future__ import annotations

import logging

from mia_defense.report.run_table import format_table
from tests.attacks.synthetic import full_observations
from tests.test_h112_models_at_chance import _attacked


def test_the_table_says_some_models_at_chance_under_the_verdict(caplog):
    obs = full_observations(signal=1.0, num_models=4, num_samples=100)
    with caplog.at_level(logging.WARNING):
        result, _ = _attacked(obs, at_chance=2)
    lines = format_table(result, [0.001]).splitlines()
    said = [line for line in lines if line.startswith("SOME MODELS AT CHANCE: ")]
    warned = next(r.getMessage() for r in caplog.records
                  if r.getMessage().startswith("SOME MODELS AT CHANCE: "))  # fmt: skip
    assert said == [warned]
    verdict = next(i for i, line in enumerate(lines) if line.startswith("strongest attack at"))
    assert lines.index(said[0]) > verdict


def test_no_caveat_without_models_at_chance_or_without_a_verdict():
    obs = full_observations(signal=1.0, num_models=4, num_samples=100)
    for at_chance, accuracy in ((0, 0.6), (2, 0.5)):
        result, _ = _attacked(obs, at_chance=at_chance, accuracy=accuracy)
        assert "SOME MODELS AT CHANCE" not in format_table(result, [0.001]), at_chance

