"""api's helpers for mia-attack's path called directly from Python: observed_settings
counted is_canary of 2, -1, NaN or text as canaries (and 3 flags for 30 records as 3),
attack_settings read defended='no' or 1 as a truth value and allocated its rehearsal for
any num_models (10**12: numpy's raw 'Unable to allocate 7.28 TiB')."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mia_defense import api
from mia_defense.errors import ConfigError


@pytest.fixture(scope="module")
def obs():
    rng = np.random.default_rng(0)
    masks = np.zeros((4, 30), bool)
    masks[:2, ::2] = masks[2:, 1::2] = True
    return api.observations_from_arrays(rng.normal(size=(4, 30, 3)), masks,
                                        rng.integers(0, 3, 30), kind="logits")  # fmt: skip


@pytest.mark.parametrize("flags", [np.full(30, 2), -np.ones(30), np.full(30, np.nan),
                                   np.array(["0"] * 30), np.ones(3, bool)])  # fmt: skip
def test_observed_settings_refuses_flags_that_are_not_one_0_1_per_record(obs, flags) -> None:
    with pytest.raises(ConfigError, match=r"observed_settings: is_canary: give \[30\] flags"):
        api.observed_settings(obs, flags)


def test_observed_settings_counts_0_1_flags(obs) -> None:
    flags = [0] * 27 + [1] * 3
    assert api.observed_settings(obs, flags)["canaries.num"] == 3
    assert api.observed_settings(obs, np.array(flags, float))["canaries.num"] == 3


@pytest.mark.parametrize("value", ["no", 1, 0, None])
def test_attack_settings_refuses_defended_that_is_no_bool(value) -> None:
    with pytest.raises(ConfigError, match=rf"attack_settings: defended={value!r}: must be True"):
        api.attack_settings(api.attack_config([]), num_models=4, num_classes=3, defended=value)


def test_attack_settings_takes_numpy_numbers() -> None:
    settings = api.attack_settings(api.attack_config([]), num_models=np.int64(4),
                                   num_classes=np.int32(3), defended=np.True_)  # fmt: skip
    assert settings.targets.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(("models", "classes"), [(10**12, 3), (4, 10**12),
                                                 (np.int64(2**40), np.int64(2**40))])
def test_attack_settings_refuses_sizes_before_allocating(models, classes) -> None:
    with pytest.raises(ConfigError, match=r"attack_settings: num_models=\d+, num_classes=\d+: "
                       "more outputs"):  # fmt: skip
        api.attack_settings(api.attack_config(["attack.num_targets=1"]), num_models=models,
                            num_classes=classes, defended=True)  # fmt: skip


@pytest.mark.parametrize("seed", [True, 1.5, float("nan"), None, "${oc.env:HOME}", -1, "3"])
def test_attack_config_refuses_a_seed_that_is_no_integer(seed) -> None:
    with pytest.raises(ConfigError, match=r"attack_config: seed=.*: must be an integer >= 0"):
        api.attack_config([], seed=seed)


def test_attack_config_takes_a_numpy_seed() -> None:
    assert api.attack_config([], seed=np.int64(3)).seed == 3


@pytest.mark.parametrize(("utility", "said"), [
    ({"train_accuracy": 0.9}, "utility.test_accuracy is missing"),
    ({**dict.fromkeys(("test_accuracy", "train_accuracy", "chance_accuracy"), 0.5),
      "generalization_gap": 0.0, "train_accuracy": "0.9"}, "utility.train_accuracy is str"),
    ({"test_accuracy": 0.5, "train_accuracy": 1.5, "generalization_gap": 1.0,
      "chance_accuracy": 0.3}, r"utility.train_accuracy is 1.5, outside \[0, 1\]"),
])  # fmt: skip
def test_run_audit_refuses_a_utility_that_is_no_run_s(obs, utility, said) -> None:
    cfg = api.attack_config(["attack.bootstrap=0"])
    with pytest.raises(ConfigError, match=rf"run_audit: {said}"):
        api.run_audit(obs, cfg, defended=True, utility=utility)


def test_run_audit_takes_released_utility_with_nan_and_numpy_figures(obs) -> None:
    cfg = api.attack_config(["attack.bootstrap=0"])
    utility = api.released_utility(obs)  # (no test set: test_accuracy NaN)
    utility["chance_accuracy"] = np.float32(utility["chance_accuracy"])
    done = api.run_audit(obs, cfg, defended=True, utility=utility)
    assert done.result.utility["train_accuracy"] == utility["train_accuracy"]


@pytest.mark.parametrize(("cfg", "own"), [({"attack": {}}, {}), (None, {}), ("config", [])])
def test_fixed_problem_refuses_what_is_no_config_or_mapping(cfg, own) -> None:
    named = r"(None|an? \w+)"
    with pytest.raises(ConfigError, match=rf"fixed_problem: cfg is {named} and own {named}: give"):
        api.fixed_problem(cfg, own, ["attack.white_box=true"], whose="w", reader="r")


def test_fixed_problem_with_a_list_as_own() -> None:
    cfg = api.attack_config([])
    with pytest.raises(ConfigError, match=r"fixed_problem: cfg is a DictConfig and own a list"):
        api.fixed_problem(cfg, [], ["attack.white_box=true"], whose="w", reader="r")
    assert "white_box" in api.fixed_problem(cfg, {"white_box": False}, ["attack.white_box=true"],
                                            whose="w", reader="r")  # fmt: skip


@pytest.mark.parametrize(("attack", "own"), [([], {}), ({}, []), ({"queries": None}, {}),
                                             ({"canaries": 3}, {})])  # fmt: skip
def test_record_settings_refuses_what_is_no_mapping(attack, own) -> None:
    named = r"(None|an? \w+)"
    with pytest.raises(ConfigError, match=rf"record_settings: attack is {named} and own {named}"):
        api.record_settings(attack, own)


def test_record_settings_writes_own_and_null() -> None:
    attack = {"queries": {"noise_std": 0.3}}
    api.record_settings(attack, {"queries.num_augmented": 2, "white_box": True})
    assert attack["queries"]["num_augmented"] == 2 and attack["queries"]["noise_std"] is None
    assert attack["white_box"] is True and attack["canaries"] == {"num": None, "kind": None}


class _BytesPath:
    def __fspath__(self) -> bytes:
        return b"/tmp/observations.npz"


@pytest.mark.parametrize("path", ["/tmp/a\0b.npz", _BytesPath()])
def test_load_observations_refuses_a_path_that_is_none(path) -> None:
    with pytest.raises(ConfigError, match=r"load_observations: path=.*: give the path"):
        api.load_observations(path)


def test_load_observations_names_a_path_too_long(tmp_path) -> None:
    from mia_defense.errors import DataError

    with pytest.raises(DataError, match=r"cannot read it \(File name too long\)"):
        api.load_observations(tmp_path / ("a" * 5000))


@pytest.mark.parametrize(("cfg", "said"), [(None, "None"), ("x", "a str"),
                                          ({"attack": {}}, "a dict")])
def test_check_attack_config_names_itself_for_what_is_no_config(cfg, said) -> None:
    with pytest.raises(ConfigError, match=rf"check_attack_config: cfg is {said}, "
                       "not a composed config"):  # fmt: skip
        api.check_attack_config(cfg)


@pytest.mark.parametrize(("privacy", "said"), [
    ({"epsilon": -1.0}, "privacy.epsilon is float -1.0, not a number >= 0"),
    ({"epsilon": True}, "privacy.epsilon is bool True"),
    ({"epsilon": "8"}, "privacy.epsilon is str '8'"),
    ({"epsilon": 8.0, "delta": 2.0}, r"privacy.delta is float 2.0, not a number in \(0, 1\)"),
])  # fmt: skip
def test_run_audit_refuses_accountant_figures_that_are_none(obs, privacy, said) -> None:
    cfg = api.attack_config(["attack.bootstrap=0"])
    with pytest.raises(ConfigError, match=rf"run_audit: {said}"):
        api.run_audit(obs, cfg, defended=True, privacy=privacy)


# (a Fraction's δ was refused as 'not a number in (0, 1): a figure was changed after the run')
@pytest.mark.parametrize("privacy", [{"epsilon": np.float32(8.0), "delta": np.float64(1e-5)},
                                     {"epsilon": Fraction(8), "delta": Fraction(1, 10**5)}])
def test_run_audit_holds_a_numpy_epsilon_to_the_attacks(obs, privacy) -> None:
    cfg = api.attack_config(["attack.bootstrap=0"])
    done = api.run_audit(obs, cfg, defended=True, privacy=privacy).result.privacy
    assert done["epsilon"] == 8.0 and done["epsilon_refuted"] is False
