"""Leftovers of helper h303: refusals that quote a user's value, and their advice."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mia_defense.cli.arguments import shadowed_configs
from mia_defense.config import check_config
from mia_defense.constraints import PATH_LIMIT, shape_refusal
from mia_defense.data.checks import require_path
from mia_defense.errors import ConfigError, DataError
from mia_defense.observations import GRAD_NORMS_SKIPPED, MissingObservationError, Observations
from tests.conftest import compose_cfg
from tests.helpers import composition_refused

LONG = "a" * 100_000


def test_a_long_value_is_shortened_in_its_refusal(tmp_path):
    """A 100,000-character dataset.path (or string setting) was echoed whole."""
    with pytest.raises(DataError) as path_error:
        require_path(str(tmp_path / LONG), name="npz", expected="an .npz file")
    with pytest.raises(ConfigError) as key_error:
        check_config(compose_cfg(f"train.device={LONG}"))
    from mia_defense.defenses.dp import DPSGD

    with pytest.raises(ConfigError) as dp_error:
        DPSGD(target_epsilon=8.0, accountant=LONG)
    shapes = [shape_refusal("attack.attacks", f"[{LONG}]", [LONG], {"loss": {}}),
              shape_refusal("dataset.drop_columns", f"{{{LONG}: 1}}", {LONG: 1}, [])]
    for message in [*(str(error.value) for error in (path_error, key_error, dp_error)), *shapes]:
        limit = PATH_LIMIT + 400 if message == str(path_error.value) else 1000  # (h473)
        assert len(message) < limit and "characters)" in message, message[:300]


@pytest.mark.parametrize(("args", "primary", "select"), [
    (["--config-name", "model/mlp"], "config", "mia-train model=mlp"),
    (["--config-name=experiment/tradeoff_dp"], "config", "mia-train +experiment=tradeoff_dp"),
    (["--config-name", "attack/default"], "mia_attack", "mia-attack PATH attack=default"),
])
def test_a_group_option_given_as_the_primary_config_is_selected_as_a_group(args, primary,
                                                                          select):
    """--config-name model/mlp was refused with "keep '- hydra: default'", and
    experiment/tradeoff_dp with Hydra's "Could not override 'defense'"."""
    message = shadowed_configs(args, config_name=primary)
    assert message is not None and select in message and "not a primary config" in message


def test_a_clipping_norm_whose_calibrated_noise_overflows_is_refused_by_its_key():
    """defense.dp.max_grad_norm=1e30 at target ε 8 trained models Adam could not step (σ·C
    squared overflows float32) and was refused after training for "train.lr"."""
    from mia_defense.defenses.dp import DPSGD

    dp = DPSGD(target_epsilon=8.0, max_grad_norm=1e30)
    with pytest.raises(ConfigError, match=r"defense\.dp\.max_grad_norm=1e\+30 with the σ="):
        dp.plan(sizes=[500], batch_size=64, epochs=1)


@pytest.mark.parametrize(("metadata", "says"), [
    ({}, "set attack.white_box=true (needs the models), or give observations of your own "
         "their grad_norms"),
    ({GRAD_NORMS_SKIPPED: True}, "could not be computed"),
])
def test_the_gradient_attack_skip_says_why_the_norms_are_missing(metadata, says):
    """With attack.white_box=true and the norms not computed (torch.func refused the
    models), the skip still said 'set attack.white_box=true', already set."""
    from mia_defense.attacks.gradient import gradient_norm

    obs = Observations(log_probs=np.full((4, 6, 2), np.log(0.5), np.float32),
                       labels=np.zeros(6, int), masks=np.eye(4, 6, dtype=bool),
                       metadata=metadata)
    with pytest.raises(MissingObservationError, match=re.escape(says)):
        gradient_norm(obs, np.arange(1))


def test_a_key_below_a_chosen_optimizer_names_the_choice():
    """train.optimizer=sgd train.optimizer._target_=X said 'holds a value (adam by
    default)': the packaged default, not the one chosen on the same command line."""
    from mia_defense.hydra_setup import setup_hydra

    setup_hydra()  # (as the tools compose: Hydra's loader guarded)
    refused = composition_refused(["train.optimizer=sgd", "train.optimizer._target_=X"])
    assert "train.optimizer holds a value (sgd, as set)" in str(refused)


def test_a_group_choice_too_long_for_a_file_name_is_refused_in_words():
    """dataset=<300 characters> was Hydra's OSError traceback 'File name too long'."""
    from mia_defense.hydra_setup import setup_hydra

    setup_hydra()
    refused = composition_refused([f"dataset={'a' * 300}"])
    assert isinstance(refused, ConfigError) and "(308 characters): no config of the group " \
        "dataset has a name that long" in str(refused)
