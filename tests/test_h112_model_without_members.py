"""plan.population_size=4 at plan.num_models=4 can leave a model without any record (each
record trains 2 of the 4): 'train.batch_size=1 is larger than the smallest member set (0
samples); lower it or raise plan.population_size' asked for a batch size below 1. The words
stay; a sentence says that no batch size can train such a model."""

from __future__ import annotations

import pytest

from mia_defense.cli.train import run
from mia_defense.errors import ConfigError


def test_a_model_without_members_names_the_population_not_the_batch_size(make_cfg, tmp_path):
    cfg = make_cfg("plan.population_size=4", "plan.num_models=4", "train.batch_size=1")
    with pytest.raises(ConfigError) as info:
        run(cfg, tmp_path)
    assert str(info.value).startswith(
        "train.batch_size=1 is larger than the smallest member set (0 samples); lower it or "
        "raise plan.population_size; a model without members cannot train at any batch size: "
        "at plan.population_size=4 and plan.num_models=4 the draw left one without a record"
    )


def test_members_in_every_model_keep_the_words_alone(make_cfg, tmp_path):
    with pytest.raises(ConfigError) as info:
        run(make_cfg("train.batch_size=500"), tmp_path)
    assert str(info.value).endswith("lower it or raise plan.population_size")


def test_a_population_that_cannot_grow_asks_for_more_data(make_cfg, tmp_path):
    # a 3-row CSV: 'raise plan.population_size' could not be followed (2 population + 1 test
    # take every row); only the plan's next refusal said 'use more data' (h355)
    path = tmp_path / "n3.csv"
    path.write_text("a,b,label\n0.1,-0.1,1\n-0.5,0.4,0\n-0.7,-1.3,0\n")
    cfg = make_cfg("dataset=csv", f"dataset.path={path}", "dataset.label_column=label",
                   "plan.population_size=null", "plan.test_size=null", "plan.num_models=4",
                   "train.batch_size=1")
    with pytest.raises(ConfigError) as info:
        run(cfg, tmp_path / "run")
    message = str(info.value)
    assert "raise plan.population_size" not in message
    assert message.endswith(f"so use more data (the plan takes all 3 samples in dataset 'csv' "
                            f"(from {path}): 2 population, 1 test)")
