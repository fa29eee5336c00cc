"""More one-run audit canaries than half the population (attack.audit_canaries=1000 with
plan.population_size=100) went on without a word, while attack.canaries.num is held to half
of it: the models trained mostly on canaries (digits, DP-SGD ε 50, 30 epochs: test accuracy
0.08, below chance, against 0.33 with 40). mia-train now warns before training, with the
same bound; the audit itself is left to run (its bound holds for any number of canaries)."""

from __future__ import annotations

import logging

import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.pipeline.data import prepare_data

AUDIT = ["defense=dp", "attack.audit=one_run", "plan.population_size=100", "train.batch_size=32"]


@pytest.mark.parametrize(("overrides", "said"), [
    (["attack.audit_canaries=1000"],
     "attack.audit_canaries=1000: 1000 canaries train beside the population's 100 regular "
     "records, more than half of them (attack.canaries.num is held to at most 50"),
    (["attack.audit_canaries=30", "attack.canaries.num=30"],
     "attack.audit_canaries=30 and attack.canaries.num=30: 60 canaries train beside"),
], ids=["audit", "with_canaries"])  # fmt: skip
def test_audit_canaries_beyond_half_the_population_are_warned(make_cfg, caplog, overrides,
                                                              said) -> None:  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="mia_defense.pipeline.data"):
        data = prepare_data(build_experiment(make_cfg(*AUDIT, *overrides)))
    assert said in caplog.text
    assert "keep the canaries to at most 50 in all, or raise plan.population_size" in caplog.text
    assert int(data.is_canary.sum()) == sum(int(o.split("=")[1]) for o in overrides)


def test_canaries_up_to_half_the_population_are_not_warned(make_cfg, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="mia_defense.pipeline.data"):
        prepare_data(build_experiment(make_cfg(*AUDIT, "attack.audit_canaries=50")))
        prepare_data(build_experiment(make_cfg(*AUDIT[:1], *AUDIT[2:],
                                               "attack.audit_canaries=1000")))  # (no audit)
    assert "audit_canaries" not in caplog.text
