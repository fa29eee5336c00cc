"""scikit-learn's digits as 8x8 images: the image models with nothing to download."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.cli.train import run
from mia_defense.data import load_digits
from mia_defense.errors import ConfigError
from mia_defense.tracking import read_json
from tests.helpers import LEAN_ATTACKS


@pytest.mark.parametrize("standardize", [False, True])
def test_the_images_are_the_flat_records_in_8x8(standardize):
    flat = load_digits(standardize=standardize)
    images = load_digits(standardize=standardize, images=True)
    assert images.x.shape == (1797, 1, 8, 8) and images.input_shape == (1, 8, 8)
    # row-major pixels: sklearn's own digits.images are data reshaped so
    np.testing.assert_array_equal(images.x.reshape(1797, 64), flat.x)
    np.testing.assert_array_equal(images.y, flat.y)
    assert images.name == flat.name == "digits"


def test_images_must_be_a_flag():
    with pytest.raises(ConfigError, match=r"dataset\.images='yes': must be true or false"):
        load_digits(images="yes")


def test_the_cnn_trains_on_the_bundled_digits_images(make_cfg, tmp_path):
    # model=cnn on dataset=digits is refused (flat features); digits_images is its data
    cfg = make_cfg("dataset=digits_images", "model=cnn", "plan.num_models=2",
                   "plan.population_size=400", "train.epochs=10", "model.channels=[4,8]",
                   "model.hidden=16", "train.eval_every=10", *LEAN_ATTACKS)  # fmt: skip
    result = run(cfg, tmp_path / "run")
    payload = read_json(tmp_path / "run" / "results.json")
    assert payload["dataset"] == "digits" and payload["config"]["dataset"]["images"] is True
    assert result.utility["test_accuracy"] > 0.3  # 10 classes: chance 0.1
