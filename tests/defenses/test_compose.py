"""Defenses compose from the command line, stack in the right order, and refuse unsound mixes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hydra.utils import instantiate

from mia_defense.attacks import lira, loss_attack
from mia_defense.attacks.shadow import with_shadow_observations
from mia_defense.cli.train import build_experiment, run
from mia_defense.defenses import (
    DPSGD,
    DefenseFactory,
    LabelSmoothing,
    Mixup,
    RelaxLoss,
    TrainingDefense,
    prepare_model,
)
from mia_defense.errors import ConfigError
from tests.helpers import LEAN_ATTACKS, synthetic_observations


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], []),
        (["defense=dp"], ["dp"]),
        (["defense=[dp,label_smoothing]"], ["dp", "label_smoothing"]),
        (["defense=[label_smoothing,dp]"], ["dp", "label_smoothing"]),  # DP always wraps first
        (["+defense=mixup"], ["mixup"]),
        (["defense=[]"], []),
    ],
)
def test_defense_selection_syntax(make_cfg, overrides, expected):
    experiment = build_experiment(make_cfg(*overrides))
    assert [d.name for d in experiment.build_defenses()] == expected


def test_options_land_under_their_name_and_are_tunable(make_cfg):
    cfg = make_cfg("defense=[dp,label_smoothing]", "defense.dp.target_epsilon=1",
                   "defense.label_smoothing.smoothing=0.2", "release=topk", "release.k=2")
    dp, smoothing = build_experiment(cfg).build_defenses()
    assert isinstance(dp, DPSGD) and dp.target_epsilon == 1.0
    assert isinstance(smoothing, LabelSmoothing) and smoothing.smoothing == 0.2
    assert instantiate(cfg.release).k == 2
    # fresh objects per model: defenses hold per-model state
    factory = build_experiment(cfg).build_defenses
    assert factory()[0] is not factory()[0]


def test_unsound_stacks_are_refused_with_every_reason():
    with pytest.raises(ConfigError, match=r"dp \+ mixup.*sensitivity"):
        DefenseFactory([lambda: DPSGD(noise_multiplier=1.0), Mixup])
    with pytest.raises(ConfigError, match=r"dp \+ relaxloss.*only one can"):
        DefenseFactory([lambda: DPSGD(noise_multiplier=1.0), RelaxLoss, LabelSmoothing])


class _OwnForward(TrainingDefense):
    """A user's defense that runs the training forward pass itself."""

    name = "own_forward"

    def forward(self, batch, ctx):
        return ctx.stack.forward(batch.x)


def test_two_defenses_that_run_the_forward_pass_are_refused():
    # the engine would take the first one's logits: DP-SGD's taps, or the other's pass,
    # silently lost
    with pytest.raises(ConfigError, match=r"\['dp', 'own_forward'\] each run the training "
                                          r"forward pass and only one can"):
        DefenseFactory([lambda: DPSGD(noise_multiplier=1.0), _OwnForward])


def test_dp_label_smoothing_and_top1_release_end_to_end(make_cfg, tmp_path):
    cfg = make_cfg("defense=[dp,label_smoothing]", "defense.dp.target_epsilon=4", "release=topk")
    result = run(cfg, tmp_path)
    assert result.defense["defense"] == "dp+label_smoothing"
    assert result.defense["release"] == "topk" and result.defense["release.k"] == 1
    assert result.privacy["epsilon"] == pytest.approx(4.0, abs=0.05)
    released = np.load(tmp_path / "observations.npz")["log_probs"]
    assert (np.isfinite(released).sum(-1) == 1).all()  # one probability per query, no more
    assert {"loss", "shokri", "lira_online", "lira_offline", "rmia"} <= set(result.attacks)


def test_undefended_shadows_with_the_target_as_its_own_shadow_change_nothing():
    obs = synthetic_observations(num_models=8, num_samples=100)
    targets = np.arange(8)
    wrapped = with_shadow_observations({"lira": lira, "loss": loss_attack}, obs)
    np.testing.assert_allclose(wrapped["lira"](obs, targets), lira(obs, targets))
    np.testing.assert_allclose(wrapped["loss"](obs, targets), loss_attack(obs, targets))


def test_undefended_shadow_recipe_trains_plain_shadows(make_cfg, tmp_path):
    smoothed = ["defense=label_smoothing", "defense.label_smoothing.smoothing=0.5",
                *LEAN_ATTACKS]  # fmt: skip
    result = run(make_cfg(*smoothed, "attack.shadow_recipe=undefended"), tmp_path)
    assert result.defense["shadow_recipe"] == "undefended"
    assert len(list((tmp_path / "checkpoints_undefended").glob("model_*.pt"))) == 4
    same = run(make_cfg(*smoothed), tmp_path / "same")
    # the targets are the same models; only the attacker's shadows differ
    assert result.utility == same.utility
    assert result.attacks["loss"]["auc"] == same.attacks["loss"]["auc"]  # needs no shadows
    assert result.attacks["lira_online"]["auc"] != same.attacks["lira_online"]["auc"]


def test_bad_shadow_recipe_is_named(make_cfg, tmp_path):
    with pytest.raises(ConfigError, match=r"attack\.shadow_recipe='naive'"):
        run(make_cfg("attack.shadow_recipe=naive"), tmp_path)


class _ForgetsToReturn(TrainingDefense):
    def prepare_model(self, model):
        model.tagged = True  # no return: the model would become None


def test_a_prepare_model_that_returns_no_module_is_refused_by_name():
    with pytest.raises(ConfigError, match=r"defense _ForgetsToReturn: its prepare_model must "
                       r"return the model \(an nn.Module\), not NoneType"):  # fmt: skip
        prepare_model(torch.nn.Linear(2, 2), [_ForgetsToReturn()])
