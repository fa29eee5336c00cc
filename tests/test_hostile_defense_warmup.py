"""AdvReg's warm-up beside early stopping.

Early stopping could stop a model within ``defense.advreg.warmup_epochs``, or restore its
best epoch from it, so the model was released trained without the min-max game while
results.json reported advreg (digits, warmup_epochs=8, patience=3, K=4: model 3 stopped
after 8 epochs, its best the 4th, and never met the inference model).
"""

from __future__ import annotations

import pytest

from mia_defense.defenses import (
    AdversarialRegularization,
    DefenseFactory,
    EarlyStopping,
    check_defenses,
)
from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("advreg", "stopping", "how"), [
    ({"warmup_epochs": 8}, {"patience": 3}, "restore a model's best weights from the warm-up"),
    ({"warmup_epochs": 8}, {"patience": 30}, "restore a model's best weights from the warm-up"),
    ({"warmup_epochs": 8}, {"patience": 6, "restore_best": False},
     "stop a model within the warm-up"),
], ids=["restores", "restores-long-patience", "stops"])
def test_a_warm_up_early_stopping_can_release_is_refused(advreg, stopping, how):
    stack = [AdversarialRegularization(**advreg), EarlyStopping(**stopping)]
    with pytest.raises(ConfigError, match=rf"advreg \+ early_stopping: with defense\.advreg\."
                                          rf"warmup_epochs=8, early stopping may {how}.*"
                                          r"restore_best=false with patience >= 7"):
        check_defenses(stack, reference_size=100)


@pytest.mark.parametrize(("advreg", "stopping"), [
    ({"warmup_epochs": 0}, {"patience": 0}),
    ({"warmup_epochs": 8}, {"patience": 7, "restore_best": False}),
    ({"warmup_epochs": 8, "strength": 0.0}, {"patience": 0}),
], ids=["no-warm-up", "stops-after-it", "no-game"])
def test_a_warm_up_no_model_can_be_released_from_passes(advreg, stopping):
    check_defenses([AdversarialRegularization(**advreg), EarlyStopping(**stopping)],
                   reference_size=100)


def test_a_recorded_run_with_both_still_rebuilds():
    # load_trained_model rebuilds a finished run's stack through DefenseFactory
    factory = DefenseFactory([lambda: AdversarialRegularization(warmup_epochs=8),
                              EarlyStopping])
    assert [d.name for d in factory()] == ["advreg", "early_stopping"]
