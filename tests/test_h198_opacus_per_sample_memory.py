"""train.engine=opacus under DP-SGD holds a whole batch's per-sample gradients at once
(batch size x parameters: a 100M-parameter model at train.batch_size=64 needs 26 GB), which
the memory check left out: a run that fit the models alone went on to be killed for memory.
Such a run is now refused before training, naming the engine and what to do."""

from __future__ import annotations

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError
from mia_defense.tracking import read_json
from tests.helpers import FAST

SMALL = ["plan.num_models=2", "plan.population_size=100", "train.epochs=1",
         "train.batch_size=32", "model.hidden=[512]"]  # fmt: skip
# digits MLP 64-512-10: 38,410 parameters; its batch's per-sample gradients: 2 x 4.9 MB
# the run's weights, outputs and activations (about 18 MB) fit; Opacus' 9.8 MB more do not
BUDGET = 24_000_000


@pytest.fixture
def small_memory(monkeypatch):
    monkeypatch.setattr("mia_defense.budget.available_memory", lambda: BUDGET)


def test_opacus_per_sample_gradients_beyond_memory_are_refused(make_cfg, tmp_path,
                                                               small_memory):
    cfg = make_cfg("defense=dp", "train.engine=opacus", *SMALL)
    with pytest.raises(ConfigError) as caught:
        run(cfg, tmp_path)
    said = str(caught.value)
    assert ("train.engine=opacus: Opacus' per-sample gradients of a batch (train.batch_size=32 "
            "x 38410 parameters, two copies) need about 9.83 MB") in said
    assert "set train.engine=stacked" in said
    assert not (tmp_path / "checkpoints").exists()


# (the stacked engine one model at a time: one copy of a batch's per-sample gradients, where
# Opacus holds two; since 14895365 the budget counts the stacked engine's too)
@pytest.mark.parametrize("overrides", [["defense=dp", "train.chunk_size=1"],
                                       ["train.engine=opacus"]])
def test_without_opacus_per_sample_gradients_the_same_run_is_not_refused(
    make_cfg, tmp_path, small_memory, overrides
):
    """(The stacked engine bounds its per-sample gradients; without DP none are formed.)"""
    run(make_cfg(*overrides, *SMALL, *FAST), tmp_path)
    assert read_json(tmp_path / "results.json")["status"] == "complete"
