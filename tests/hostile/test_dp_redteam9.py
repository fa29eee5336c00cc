"""DP-SGD red team 9: runs that reported an ε more private than the mechanism that ran."""

from __future__ import annotations

import pytest

from mia_defense.defenses import DPSGD
from mia_defense.defenses.dp import preprocessing_note

STATS = {"epsilon": 2.0, "noise_multiplier": 1.1, "sample_rate": 0.1, "steps": 30,
         "delta": 1e-4}  # fmt: skip


@pytest.mark.parametrize("dataset", [{"standardize": True}, {"normalize": True, "path": "x"}])
def test_features_scaled_with_the_members_statistics_make_epsilon_invalid(dataset):
    # dataset.standardize=true computes means and standard deviations over every record,
    # members included, before training: results.json said epsilon_valid: true
    key = next(iter(dataset))
    privacy = DPSGD(noise_multiplier=1.1).privacy_report(
        [STATS], preprocessing=preprocessing_note(dataset))
    assert privacy["epsilon_valid"] is False
    reason = privacy["epsilon_invalid_reason"]
    assert reason.startswith(f"dataset.{key}=true: the features were scaled")
    assert f"set dataset.{key}=false" in reason
    assert type(privacy["preprocessing"]) is str  # results.json holds a plain string


@pytest.mark.parametrize("dataset", [{"standardize": False}, {"normalize": False}, {}])
def test_features_on_a_fixed_scale_keep_epsilon_valid(dataset):
    privacy = DPSGD(noise_multiplier=1.1).privacy_report(
        [STATS], preprocessing=preprocessing_note(dataset))
    assert privacy["epsilon_valid"] is True and "epsilon_invalid_reason" not in privacy
