"""A run that attacked fewer models than it trained (attack.num_targets < plan.num_models)
was judged on every model's accuracy: train.lr=0.3 on digits, K=8, attack.num_targets=1,
seed=5 left target 0 at 0.077 on the records it did not train on (majority 0.118) while the
median model stood at 0.155, and the attacks' TPR on that untrained target was the run's
privacy verdict. Most targets at chance now withhold the verdict
(``privacy.no_verdict_reason``), as do most undefended shadow models at chance; and a DP
claim whose ε bounds no TPR at 0.1% FPR vouches for no blown-up training."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.metrics.utility import blown_up_loss
from mia_defense.observations import Observations
from mia_defense.pipeline.evaluate import attack_observations


def _observations(learned: list[bool], leak: bool) -> Observations:
    """K models on 200 records of 3 classes: one that learned answers the label, one that
    did not always answers class 1 (not the majority); members more surely with ``leak``."""
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 0, 1, 2], 50)
    masks = np.array([rng.permutation(200) < 100 for _ in learned])
    answer = np.stack([labels if ok else np.ones_like(labels) for ok in learned])
    sure = np.where(masks & leak, 0.9, 0.6) + rng.uniform(0, 0.05, masks.shape)
    probs = np.where(np.eye(3, dtype=bool)[answer], sure[..., None], (1 - sure[..., None]) / 2)
    return Observations(np.log(probs).astype(np.float32), labels, masks)


@pytest.mark.parametrize(("learned", "targets", "test", "leak", "idle"), [
    ([False, True, True, True], [0], 0.7, False, 1),  # the one target learned nothing
    ([False, False, True, True, True, True], [0, 1, 2], 0.7, False, 2),  # two of three
    ([False, True, True, True], [0, 1], 0.7, False, 0),  # half: the run's caveat, as before
    ([True, False, True, True], [0], 0.7, False, 0),  # the target learned
    ([False, False, False, True], [0, 1, 2, 3], float("nan"), False, 3),  # no test set
    ([False, False, False, True], [0, 1, 2, 3], 0.7, False, 0),  # the median model's: as before
    ([False, True, True, True], [0], 0.7, True, 0),  # a memoriser: its leak is the verdict
])
def test_a_run_whose_targets_learned_nothing_gets_no_verdict(learned, targets, test, leak,
                                                             idle):
    obs = _observations(learned, leak)
    utility = {"test_accuracy": test, "train_accuracy": 0.8, "generalization_gap": 0.1,
               "chance_accuracy": 0.5}
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.array(targets),
        evaluation=EvaluationConfig(bootstrap=0), is_canary=np.zeros(200, bool),
        population_idx=np.arange(200), utility=utility, privacy={}, defense={}, training={},
    )
    reason = result.privacy["no_verdict_reason"] or ""  # (null where judged: h315)
    if idle:
        assert reason.startswith(f"{idle} of the {len(targets)} target models"), reason
        assert f"of the {len(learned)} models) learned nothing" in reason
    else:
        assert "target models" not in reason, reason


@pytest.mark.parametrize("shadows_learned", [False, True])
def test_undefended_shadows_that_learned_nothing_withhold_the_verdict(shadows_learned):
    """attack.shadow_recipe=undefended defense=dp train.lr=1e4: DP's clipping kept the
    targets learning (0.61 against 0.11), the shadows trained without it were at chance,
    and the attacks calibrated on them gave the verdict."""
    obs = _observations([True] * 4, False)
    result, _ = attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(4),
        evaluation=EvaluationConfig(bootstrap=0), is_canary=np.zeros(200, bool),
        population_idx=np.arange(200), privacy={}, defense={}, training={},
        utility={"test_accuracy": 0.7, "train_accuracy": 0.8, "generalization_gap": 0.1,
                 "chance_accuracy": 0.5},
        shadows=_observations([shadows_learned] * 4, False),
    )
    reason = result.privacy["no_verdict_reason"] or ""  # (null where judged: h315)
    assert reason.startswith("4 of the 4 undefended shadow models") is not shadows_learned


@pytest.mark.parametrize(("epsilon", "vouched"), [(8.0, False), (1.0, True), (0.5, True)])
def test_an_epsilon_that_allows_any_tpr_vouches_for_no_blown_up_training(epsilon, vouched):
    """model=cnn dataset=digits_images defense=dp train.lr=1e4 plan.num_models=2 seed=3:
    loss 9.4e14, accuracy 0.174 against 0.104, its TPR 0 at 0.1% FPR the verdict because
    ε 8 'vouched' for it; ε 8 bounds that TPR by e^8 * 0.001 = 2.98, nothing."""
    reason = blown_up_loss({"train_loss": 9.4e14, "epochs_trained": 2.0}, 10, accuracy=0.174,
                           chance=0.104, privacy={"epsilon": epsilon, "epsilon_valid": True})
    assert (reason is None) is vouched
