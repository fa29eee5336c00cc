"""DP-SGD's ε is no guarantee beside a training defense of the user's own: results.json
says so (``privacy.epsilon_valid: false`` with the reason), and the run warns before
training."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from mia_defense.cli.train import run
from mia_defense.defenses.base import Batch, TrainContext, TrainingDefense
from mia_defense.tracking import read_json

DP = ["defense=dp", "defense.dp.target_epsilon=2", "~attack.attacks.shokri"]


class BatchMean(TrainingDefense):
    """Adds the batch's mean to every sample: one record then reaches every other record's
    clipped gradient, which DP-SGD's accounting does not cover."""

    name = "batch_mean"

    def transform(self, batch: Batch, ctx: TrainContext) -> Batch:
        return dataclasses.replace(batch, x=batch.x + batch.x.mean(dim=1, keepdim=True))


@pytest.mark.slow  # ~4 s: two whole DP runs
def test_dp_beside_a_defense_of_your_own_says_epsilon_is_no_guarantee(make_cfg, tmp_path,
                                                                      caplog):  # fmt: skip
    # the run recorded ε with epsilon_valid: true
    own = f"+defense.mine._target_={__name__}.BatchMean"
    with caplog.at_level(logging.WARNING):
        run(make_cfg(*DP, own), tmp_path / "own")
    privacy = read_json(tmp_path / "own" / "results.json")["privacy"]
    assert privacy["epsilon_valid"] is False
    assert f"defenses of your own ({__name__}.BatchMean)" in privacy["epsilon_invalid_reason"]
    assert "ε will not be a guarantee (privacy.epsilon_valid: false)" in caplog.text
    # mia-defense's own defenses beside DP-SGD keep it (on features not scaled with the
    # members' statistics: dataset.standardize=true makes ε invalid too)
    run(make_cfg("defense=[dp,label_smoothing]", *DP[1:], "dataset.standardize=false"),
        tmp_path / "ours")
    privacy = read_json(tmp_path / "ours" / "results.json")["privacy"]
    assert privacy["epsilon_valid"] is True and "epsilon_invalid_reason" not in privacy
    assert privacy["preprocessing"].startswith("outside the accounting: no data-dependent")

