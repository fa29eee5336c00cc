"""Number settings of the defenses and attacks given from Python, where no config check runs
first (h264): each is refused with a `ConfigError` naming the key, never read as another
value (True as 1), left to a raw TypeError or OverflowError, or taken where it makes an
attack read a leak as chance."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attack_source_facts import _privacy_problem
from mia_defense.attacks import rmia
from mia_defense.attacks.rmia import MAX_GAMMA, check_gamma
from mia_defense.attacks.shokri import MAX_SEED, check_seed
from mia_defense.defenses import TrainingDefense, WeightDecay
from mia_defense.defenses.compose import DefenseFactory
from mia_defense.errors import ConfigError
from tests.helpers import synthetic_observations


@pytest.mark.parametrize(("gamma", "said"), [
    (True, r"gamma=True: must be a number in \[1, 1000000\]"),  # (read as gamma 1)
    (np.True_, r"gamma=np\.True_: must be a number in \[1, 1000000\]"),
    ("2", r"gamma='2': must be a number in \[1, 1000000\]"),  # (a raw TypeError)
    (10**400, r"gamma=1000.*: must be a number in \[1, 1000000\]"),  # (numpy's TypeError)
    (1e10, r"gamma=1e\+10: must be at most 1000000 .*every score 0, a leak read as chance"),
], ids=["true", "numpy-true", "text", "int-beyond-a-float", "1e10"])  # fmt: skip
def test_rmia_refuses_a_gamma_that_is_no_number_in_its_range(gamma, said) -> None:
    obs = synthetic_observations(num_models=4, num_samples=60)
    with pytest.raises(ConfigError, match=rf"^attack rmia {said}"):
        rmia(obs, np.array([0]), gamma=gamma)


@pytest.mark.parametrize(("gamma", "said"), [
    (float("nan"), "gamma=nan: must be >= 1"),  # (the words tests elsewhere pin, kept)
    (float("inf"), "gamma=inf: must be >= 1 and finite"),
    (0.5, "gamma=0.5: must be >= 1"),
])  # fmt: skip
def test_rmia_keeps_its_words_for_gamma_below_one_or_not_finite(gamma, said) -> None:
    with pytest.raises(ConfigError, match=said):
        check_gamma(gamma)


def test_rmia_takes_gamma_up_to_the_configs_bound() -> None:
    for gamma in (1, 1.0, 2, np.float32(1.5), np.int64(3), MAX_GAMMA, float(MAX_GAMMA)):
        check_gamma(gamma)


@pytest.mark.parametrize("seed", [True, 2.0, -1, MAX_SEED + 1, "3"])
def test_shokri_check_seed_refuses_what_is_no_seed_in_range(seed) -> None:
    """Its own check, which the config check runs: True and 2.0 passed (in range)."""
    with pytest.raises(ConfigError, match=rf"^attack shokri seed=.*: must be an integer in "
                                          rf"\[0, {MAX_SEED}\]$"):  # fmt: skip
        check_seed(seed)


def test_a_defense_of_ones_own_ordered_by_a_huge_integer_is_sorted() -> None:
    """An integer is a finite order however large: math.isfinite(10**400) raised
    OverflowError, a traceback as the stack was built."""

    class Last(TrainingDefense):
        name = "last"
        order = 10**400

    stack = DefenseFactory([Last, WeightDecay])()
    assert [d.name for d in stack] == ["weight_decay", "last"]


def test_a_results_json_epsilon_beyond_a_float_is_a_problem_not_a_traceback() -> None:
    """mia-attack on a run whose results.json says privacy.epsilon=10**400 ended in
    math.isnan's OverflowError (exit 1, a traceback); now refused as mia-report words it."""
    problem = _privacy_problem({"epsilon": 10**400, "delta": 1e-5})
    assert problem is not None
    assert problem.startswith("privacy.epsilon is an integer of 401 digits, too large for a float")


@pytest.mark.parametrize(("delta", "said"), [
    (True, "privacy.delta is bool True, not a number in (0, 1)"),
    (0, "privacy.delta is int 0, not a number in (0, 1)"),
    (float("nan"), "privacy.delta is float nan, not a number in (0, 1)"),
])  # fmt: skip
def test_a_results_json_delta_keeps_its_words_through_the_shared_rule(delta, said) -> None:
    assert _privacy_problem({"delta": delta}) == said


def test_mia_train_refuses_an_integer_of_more_digits_than_hydra_reads(tmp_path) -> None:
    """``defense.dp.target_epsilon=999...`` (5,000 digits) ended in Hydra's raw ValueError
    ('Exceeds the limit (4300 digits) for integer string conversion'), a traceback naming
    no key."""
    from tests.helpers import refused_before_run_dir

    err = refused_before_run_dir("defense=dp", "defense.dp.target_epsilon=" + "9" * 5000,
                                 cwd=tmp_path)  # fmt: skip
    assert ("ConfigError: defense.dp.target_epsilon=<an integer of 5000 digits>: more digits "
            "than Hydra reads in an integer (4300, Python's limit)") in err
    assert "Traceback" not in err


@pytest.mark.parametrize("a", [np.complex128(0.5), np.complex64(0.5 + 2j)])
def test_rmia_refuses_a_complex_a(a) -> None:
    """numpy's complex numbers passed as a number in [0, 1] and ran with the imaginary part
    dropped (a ComplexWarning only); Python's complex was refused already."""
    obs = synthetic_observations(num_models=4, num_samples=60)
    with pytest.raises(ConfigError, match=r"^attack rmia a=.*: must be a number in \[0, 1\] "):
        rmia(obs, np.array([0]), a=a)


def test_run_audit_refuses_a_claimed_epsilon_beyond_a_float() -> None:
    """The API's run_audit(privacy=...) reads the claim through the same check: an ε of
    10**400 was math.isnan's OverflowError there too."""
    from mia_defense import api

    obs = synthetic_observations(num_models=4, num_samples=60)
    cfg = api.attack_config(["attack.bootstrap=0"])
    with pytest.raises(ConfigError, match=r"^run_audit: privacy\.epsilon is an integer of 401 "
                                          r"digits, too large for a float"):  # fmt: skip
        api.run_audit(obs, cfg, defended=True, privacy={"epsilon": 10**400, "delta": 1e-5})


@pytest.mark.parametrize("decay", [True, "0.01", float("nan"), -1.0, 10**400])
def test_a_defense_giving_a_weight_decay_that_is_no_decay_is_named(decay) -> None:
    """A defense of one's own whose optimizer_options give weight_decay=True ran with a
    decay of 1; text, NaN or -1 reached the optimiser (torch's raw error at the first step),
    10**400 beside a recipe's decay was an OverflowError."""
    from mia_defense.defenses.contract import defense_optimizer_options
    from mia_defense.training.config import TrainConfig

    class OwnDecay(TrainingDefense):
        name = "own_decay"

        def optimizer_options(self) -> dict:
            return {"weight_decay": decay}

    for recipe in (0.0, 0.01):
        with pytest.raises(ConfigError, match=r"^defense own_decay: its optimizer_options give "
                                              r"weight_decay=.*, which must be a finite number "
                                              r">= 0"):  # fmt: skip
            defense_optimizer_options([OwnDecay()], TrainConfig(weight_decay=recipe))


def test_a_defense_weight_decay_of_numpy_or_torch_is_taken() -> None:
    from mia_defense.defenses.contract import defense_optimizer_options
    from mia_defense.training.config import TrainConfig

    assert defense_optimizer_options([WeightDecay()], TrainConfig()) == {"weight_decay": 0.005}

    class OwnDecay(TrainingDefense):
        name = "own_decay"

        def optimizer_options(self) -> dict:
            return {"weight_decay": np.float32(0.01)}

    assert defense_optimizer_options([OwnDecay()], TrainConfig()) == {"weight_decay": 0.01}
