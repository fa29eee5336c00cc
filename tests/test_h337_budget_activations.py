"""The memory check counted weights, optimizer state and outputs but no activations: the CNN
on 8x8 digits (K=16) peaked 963 MB where the check counted 50 MB, a 4.3M-parameter MLP
(K=8) 1253 MB where it counted 697 MB, so a run the kernel would kill passed it. It now
counts the training's activations (per batch row and model trained at once) and the query
stage's bounded rows, from the floats one row takes in the built model's forward
(helper h337)."""

from __future__ import annotations

import pytest

import mia_defense.budget as budget
from mia_defense.cli.build import build_experiment
from mia_defense.defenses.dp_stacked import MATERIALISED_BUDGET
from mia_defense.errors import ConfigError
from mia_defense.pipeline import data as pipeline_data

RUN = dict(num_models=16, population_size=1000, test_size=797, num_classes=10,
           num_params=151498, num_augmented=0, epochs=1, batch_size=64, chunk_size=16)  # fmt: skip


def test_activations_of_the_training_and_the_queries_are_counted():
    """The CNN of the table: 12362 floats a row (its measured `floats_per_row`)."""
    without, with_ = (budget.estimate(**RUN, row_floats=f) for f in (0, 12362))
    training = 2 * 4 * 12362 * 64 * 16  # activations and their gradients, 16 models at once
    assert with_.activations == training + MATERIALISED_BUDGET  # the queries: bounded
    assert with_.memory == without.memory + with_.activations
    assert budget.BOUNDED_BYTES == MATERIALISED_BUDGET  # (the query and DP engine's bound)
    # the queries' rows, below the bound: the K models' rows of the population
    small = budget.estimate(**RUN, row_floats=10).activations
    assert small == 2 * 4 * 10 * 64 * 16 + 4 * 16 * 1000 * 10
    with pytest.raises(ConfigError, match=r"activations 3\d\d MB"):
        budget.check_budget(**RUN, row_floats=12362, memory_bytes=without.memory * 2)


def test_the_check_is_given_the_built_models_row_floats(make_cfg, monkeypatch):
    seen: list[dict] = []
    monkeypatch.setattr(pipeline_data, "check_budget", lambda **kw: seen.append(kw))
    pipeline_data.prepare_data(build_experiment(make_cfg("model=mlp", "model.hidden=[32]")))
    assert seen[-1]["row_floats"] > 32  # the input row, the hidden layer's outputs, ...


@pytest.mark.parametrize(("hidden", "held"), [
    ("[32]", 4 * 4 * 64 * (64 * 32 + 32 + 32 * 10 + 10)),  # 4 models x 64 rows x P floats
    ("[4096]", budget.BOUNDED_BYTES),  # formed a bounded share at a time
])  # fmt: skip
def test_the_stacked_dp_engines_per_sample_gradients_are_counted(make_cfg, monkeypatch,
                                                                 hidden, held):  # fmt: skip
    """8 MLPs of 4.3M parameters under DP-SGD (train.engine=stacked) peaked 311 MB over the
    same run without it, which the check did not count."""
    seen: list[dict] = []
    monkeypatch.setattr(pipeline_data, "check_budget", lambda **kw: seen.append(kw))
    pipeline_data.prepare_data(build_experiment(make_cfg(
        "dataset=digits", "model=mlp", f"model.hidden={hidden}", "defense=dp",
        "plan.num_models=4", "train.batch_size=64")))  # fmt: skip
    assert [w.memory for w in seen[-1]["extra"] if w.key == "train.batch_size"] == [held]
    assert seen[-1]["per_sample_bytes"] == 0  # (Opacus' own, apart)
