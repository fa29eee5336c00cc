"""A CSV run (plan sizes null) logged 'plan: population ...' and 'plan: N rows that copy a
population record ...' twice: once from the loader's draw of the split it fits the encoding
on (`rows_outside_test`), once from the run's own plan. The loader's draw says nothing."""

import logging

import numpy as np

from mia_defense.data import Dataset
from mia_defense.data.encoding import rows_outside_test
from mia_defense.plan import make_plan


def test_the_plan_is_said_by_the_run_alone(caplog):
    x = np.arange(40, dtype=np.float32).reshape(40, 1)
    x[30:] = x[:10]  # (copies of rows: some land in the population, others outside)
    data = Dataset(x=x, y=np.arange(40) % 2, num_classes=2, name="copies")
    sizes = {"population_size": None, "test_size": None, "reference_size": 0}
    with caplog.at_level(logging.INFO, logger="mia_defense.plan"):
        rows_outside_test(data, sizes, seed=0)
        assert not caplog.records
        make_plan(data, num_models=2, population_size=None, test_size=None, seed=0)
    said = [r.getMessage().split(" ")[1:3] for r in caplog.records]
    assert said[0] == ["population", "30,"] and said[1][1] == "rows", said
