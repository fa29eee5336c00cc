"""The dropout defense beside a built-in model's own dropout is said before training (h220):
``defense=dropout model.dropout=0.5`` applied both dropouts to the same hidden features
without a word, keeping a quarter of them (one dropout at rate 0.75, where the run named
0.5). A warning naming both keys, not a refusal: a baseline with the model's dropout
beside the defense added to it is a fair comparison."""

from __future__ import annotations

import logging

import pytest
import torch
from hydra import compose, initialize_config_module

from mia_defense.defenses import Dropout, LabelSmoothing
from mia_defense.defenses.compose import warn_dropout_twice
from mia_defense.models import MLP

MLP_CFG = {"_target_": "mia_defense.models.MLP", "hidden": [16], "dropout": 0.5}


def test_both_dropouts_keep_a_quarter_of_the_features() -> None:
    """What the warning says: the model's dropout and the defense's hook compound."""
    model = Dropout(p=0.5).prepare_model(MLP(input_shape=(8,), num_classes=2, hidden=[4000],
                                             dropout=0.5))  # fmt: skip
    seen: list[torch.Tensor] = []
    model[-1].register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    torch.manual_seed(0)
    model.eval()(torch.ones(1, 8))  # (no dropout: the features ReLU leaves nonzero)
    model.train()(torch.ones(1, 8))
    alive = seen[0] != 0
    kept = (seen[1][alive] != 0).float().mean().item()
    assert kept == pytest.approx(0.25, abs=0.03)
    assert torch.allclose(seen[1][seen[1] != 0], 4 * seen[0][seen[1] != 0])  # (1/0.25)


def test_the_warning_names_both_keys_and_the_rate(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        warn_dropout_twice([Dropout(p=0.5)], model=MLP_CFG)
    assert ("defense.dropout.p=0.5 beside model.dropout=0.5: the model's own dropout and the "
            "defense's both drop its hidden features") in caplog.text
    assert "kept with probability (1 - 0.5)(1 - 0.5) = 0.25, as one dropout at rate 0.75, " \
           "not 0.5; set model.dropout=0" in caplog.text  # fmt: skip


@pytest.mark.parametrize(("defenses", "model"), [
    ([Dropout(p=0.5)], {**MLP_CFG, "dropout": 0.0}),
    ([Dropout(p=0.0)], MLP_CFG),  # (a defense that does nothing: warn_inactive_defenses')
    ([LabelSmoothing()], MLP_CFG),
    ([Dropout(p=0.5)], {**MLP_CFG, "_target_": "mine.Net"}),  # (its dropout: anywhere)
    ([Dropout(p=0.5)], {}),
])  # fmt: skip
def test_no_warning_with_one_dropout(defenses, model, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        warn_dropout_twice(defenses, model=model)
    assert "beside model.dropout" not in caplog.text


@pytest.mark.parametrize(("dropout", "warned"), [("0.3", True), ("0.0", False)])
def test_the_pipeline_warns_before_training(dropout: str, warned: bool, caplog) -> None:
    from mia_defense.cli.build import build_experiment
    from mia_defense.pipeline.data import prepare_data

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=["defense=[dropout]", f"model.dropout={dropout}",
                                           "plan.num_models=2", "train.epochs=1"])  # fmt: skip
    with caplog.at_level(logging.WARNING):
        prepare_data(build_experiment(cfg))
    said = "defense.dropout.p=0.5 beside model.dropout=0.3" in caplog.text
    assert said == warned
