"""The end of an Optuna search none of whose trials gave a measured figure said that 'the
sweeper got the worst leakage for each', also for an attacker's search (direction:
maximize) of trials with inverted scores, which since bb1dc3c5 get the most leaking
stand-ins (1, infinity): it now says which stand-in each kind of trial gave."""

import json

import pytest
from omegaconf import OmegaConf

import mia_defense.cli.sweep_end as ended
from tests.cli.test_h326_search_without_verdict import LEARNED, OPTUNA

# (test_h326's run that learned, its attack's scores inverted)
INVERTED = {**LEARNED,
            "attacks": {"loss": {"auc": 0.3, "tpr@0.1%fpr": 0.0, "tpr@1%fpr": 0.0,
                                 "empirical_epsilon": 0.05}},
            "privacy": {"empirical_epsilon": 0.05,
                        "attacks_inverted": "loss: AUC 0.3"}}  # fmt: skip


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_the_search_end_names_the_stand_ins_of_inverted_scores(tmp_path, monkeypatch, direction):
    (tmp_path / "0").mkdir()
    (tmp_path / "0" / "results.json").write_text(json.dumps(INVERTED))
    monkeypatch.setattr(ended, "valued_folders", lambda: {str(tmp_path / "0")})
    config = OmegaConf.create({
        "hydra": {"sweeper": {"_target_": OPTUNA, "direction": direction}},
        "attack": {"fprs": [0.001, 0.01]}, "objectives": ["privacy.empirical_epsilon"]})
    said = ended._search_without_result(config)
    assert said is not None and "holds no result" in said
    assert "got the worst leakage" not in said  # (maximised, it got the most leaking)
    assert ("for inverted scores or saturated outputs the most leaking there is (1, infinity) "
            "either way") in said
    assert "standardise the features, dataset.standardize=true" in said  # (saturated outputs)

