"""make_plan (the library API) warns of unscaled features as mia-train does for a user's
dataset (data.checks.unscaled): the API said nothing where the CLI warned."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense import api

WARNED = "used as they are: scale them in your code before make_plan and training"


def _labels(n: int) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 3, n)


@pytest.mark.parametrize(
    ("x", "what"),
    [
        (np.random.default_rng(0).integers(0, 256, (60, 16)).astype(np.uint8),
         "is uint8 with values up to 255"),
        (np.random.default_rng(0).integers(0, 256, (60, 1, 4, 4)).astype(np.float32),
         "holds images of whole numbers up to 255"),
        (np.random.default_rng(0).normal(size=(60, 4)) * [1, 1, 5e4, 1],
         "has features up to"),
    ],
    ids=["uint8-flat", "float-pixels", "large-column"],
)
def test_make_plan_warns_of_unscaled_features_as_mia_train_does(caplog, x, what):
    with caplog.at_level("WARNING"):
        api.make_plan(x, _labels(len(x)), num_models=2)
    assert f"dataset 'your data': features {what}" in caplog.text
    assert WARNED in caplog.text


def test_make_plan_says_nothing_of_scaled_features(caplog):
    x = np.random.default_rng(0).integers(0, 256, (60, 1, 4, 4)) / 255.0
    with caplog.at_level("WARNING"):
        api.make_plan(x, _labels(len(x)), num_models=2)
    assert "scale them" not in caplog.text


@pytest.mark.parametrize(("errors", "said"), [(0.0, "determines the label"),
                                              (0.01, "is nearly a copy of the labels")])
def test_make_plan_warns_of_a_label_copy_among_the_features_as_the_loaders_do(
        caplog, errors, said):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    copy = np.where(rng.random(600) < errors, (y + 1) % 3, y)
    x = np.column_stack([rng.normal(size=600), copy])
    with caplog.at_level("WARNING"):
        api.make_plan(x, y, num_models=2)
    assert f"dataset 'your data': feature column [1] (counting from 0) {said}" in caplog.text
