"""A defense of the user's own whose loss turned NaN after the run's first step (which
`check_loss_trains` checks) was reported as 'training diverged ... likely cause:
train.lr=0.001 ... (lower the learning rate first)': the learning rate was blamed for the
user's hook. The divergence hint now names the defense of one's own first (h582's item 5)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mia_defense.cli.build import run
from mia_defense.defenses import FullRelease, TrainingDefense, WeightDecay
from mia_defense.defenses.base import cross_entropy
from mia_defense.errors import DivergedError
from mia_defense.experiment import _divergence_hint
from mia_defense.tracking.artifacts import read_json

TINY = ("plan.num_models=2", "plan.population_size=100", "train.batch_size=16",
        "train.epochs=2", "attack.bootstrap=0", "figures=false")  # fmt: skip


class LateNaN(TrainingDefense):
    """A user's loss that gives NaN from its third step on (a log of a value that reaches 0)."""

    name = "late_nan"

    def __init__(self) -> None:
        self.steps = 0

    def loss(self, logits, batch, ctx):
        self.steps += 1
        loss = cross_entropy(logits, batch)
        return loss * float("nan") if self.steps > 2 else loss


def _experiment(*defenses):
    return SimpleNamespace(
        train=SimpleNamespace(lr=1e-3, weight_decay=0.0, optimizer="adam", momentum=0.9),
        build_defenses=lambda: list(defenses), release=FullRelease(), shadow_recipe="same",
    )  # fmt: skip


def test_the_hint_names_a_defense_of_ones_own_before_the_learning_rate():
    hint = _divergence_hint(_experiment(WeightDecay(), LateNaN()))
    assert hint.startswith(f"likely cause: late_nan ({__name__}.LateNaN), a defense of your own")
    assert "if training still diverges, likely cause: train.lr=0.001" in hint


def test_mias_own_defenses_keep_the_learning_rate_first():
    assert _divergence_hint(_experiment(WeightDecay())).startswith("likely cause: train.lr=")


def test_a_run_whose_own_loss_turns_nan_names_it(make_cfg, tmp_path):
    with pytest.raises(DivergedError):
        run(make_cfg(*TINY, f"+defense.late._target_={__name__}.LateNaN"), tmp_path)
    reason = read_json(tmp_path / "results.json")["diverged"]["reason"]
    assert f"likely cause: late_nan ({__name__}.LateNaN), a defense of your own" in reason
