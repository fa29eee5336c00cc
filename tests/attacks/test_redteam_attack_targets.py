"""Red team (attacks and metrics): mia-attack and `api.audit` pick the targets mia-train picks."""

from __future__ import annotations

import numpy as np

from mia_defense.attack_setup import attack_config, attack_settings
from mia_defense.attacks.references import DEFAULT_MAX_TARGETS

_ONLY_LOSS = [f"~attack.attacks.{name}" for name in (
    "confidence", "entropy", "modified_entropy", "modified_entropy_class", "shokri",
    "lira_online", "lira_offline", "lira_online_augmented", "rmia", "label_only",
    "gradient_norm")]  # fmt: skip


def test_null_num_targets_attacks_at_most_16_models_as_mia_train_does():
    """attack.num_targets=null on observations of K=18 models attacked all 18 (mia-train:
    the first 16), so mia-attack on a run directory pooled other targets and its figures
    differed from the run's (loss AUC 0.5192 for 0.5212) at 18/16 of the cost."""
    cfg = attack_config(_ONLY_LOSS)
    settings = attack_settings(cfg, num_models=18, num_classes=3, defended=False)
    assert settings.targets.tolist() == list(range(DEFAULT_MAX_TARGETS))
    few = attack_settings(cfg, num_models=6, num_classes=3, defended=False)
    assert few.targets.tolist() == list(range(6))
    four = attack_settings(attack_config([*_ONLY_LOSS, "attack.num_targets=4"]), num_models=18,
                           num_classes=3, defended=False)
    assert np.array_equal(four.targets, np.arange(4))
