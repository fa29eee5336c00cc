"""An attack that gave each target's records one score measured nothing: the run warns so
before the table, but its row in the end-of-run table (`format_table`) read as an attack
that found no leak (the entropy of one-hot outputs under release=label_only: AUC 0.500, TPR
0.000 in every column). The table now names such attacks in a note under it, judged on the
records the figures pool (canaries aside), as the warning is."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.attacks.threshold import loss_attack
from mia_defense.pipeline.evaluate import attack_observations
from mia_defense.report.run_table import format_table
from tests.attacks.synthetic import full_observations

N = 200
CANARIES = np.arange(N) >= N - 20


def _constant(obs, targets):
    return np.zeros((len(targets), len(obs.labels)))


def _constant_but_canaries(obs, targets):  # (tied on the judged records only)
    scores = np.zeros((len(targets), len(obs.labels)))
    scores[:, CANARIES] = loss_attack(obs, targets)[:, CANARIES]
    return scores


def _table(attacks, is_canary):
    obs = full_observations(signal=1.0, num_models=4, num_samples=N)
    result, _ = attack_observations(
        obs, attacks, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.01, 0.1), bootstrap=0),
        is_canary=is_canary, population_idx=np.arange(N),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.1},
        privacy={}, defense={}, training={},
    )  # fmt: skip
    return format_table(result, [0.01, 0.1]).splitlines()


def test_an_attack_of_one_score_is_named_under_the_table():
    lines = _table({"loss": loss_attack, "flat": _constant}, np.zeros(N, bool))
    notes = [line for line in lines if "one score, which measures no leak" in line]
    assert notes == ["NOTE: flat gave each target's records one score, which measures no leak "
                     "(it ranks whole models, not members): its figures never decide the "
                     "verdict"]  # fmt: skip


def test_tied_on_the_judged_records_is_named_though_the_canaries_differ():
    lines = _table({"loss": loss_attack, "flat": _constant_but_canaries}, CANARIES)
    assert any(line.startswith("NOTE: flat gave each target's records one score")
               for line in lines)  # fmt: skip


def test_attacks_that_measured_something_get_no_note():
    lines = _table({"loss": loss_attack}, np.zeros(N, bool))
    assert not any("one score, which measures no leak" in line for line in lines)
