"""h448: the generated datasets' size refusals named a setting the user had not changed
and left out the one they had. mia-train dataset=purchase_like dataset.num_features=10 was
refused as 'dataset.basket_size=40: must lie in [1, 10]' (the default basket; the 10 is
num_features), and dataset.num_classes=1000000000 as 'dataset.num_samples=10000: must be
>= 2 * num_classes (2000000000)'. Each now names the setting that sets the bound."""

from __future__ import annotations

import pytest

from mia_defense.data import make_purchase_like, make_texas_like
from mia_defense.errors import ConfigError
from tests.helpers import refused_before_run_dir


@pytest.mark.parametrize(("make", "settings", "said"), [
    (make_purchase_like, {"num_samples": 2000, "num_features": 10},
     r"dataset\.basket_size=40: must lie in \[1, 10\] \(at most dataset\.num_features=10\)"),
    (make_purchase_like, {"num_samples": 300, "num_classes": 10, "num_profiles": 301},
     r"dataset\.num_profiles=301: must lie in \[1, 300\] \(at most dataset\.num_samples=300\)"),
    (make_purchase_like, {"num_samples": 300, "num_classes": 200},
     r"dataset\.num_samples=300: must be >= 2 \* num_classes \(400\) for purchase_like, with "
     r"dataset\.num_classes=200; raise dataset\.num_samples or lower dataset\.num_classes"),
    (make_texas_like, {"num_samples": 300, "num_features": 200, "codes_per_class": 200},
     r"dataset\.codes_per_class=200: must lie in \[1, 127\] \(at most "
     r"dataset\.num_features=200 less the 73 features of the patient attributes\)"),
])
def test_the_refusal_names_the_setting_that_bounds_it(make, settings, said):
    with pytest.raises(ConfigError, match=said):
        make(**settings)


def test_mia_train_names_num_features(tmp_path):
    stderr = refused_before_run_dir(
        "dataset=purchase_like", "dataset.num_samples=2000", "dataset.num_features=10",
        "plan.num_models=2", "train.epochs=1", cwd=tmp_path)
    assert ("ConfigError: dataset.basket_size=40: must lie in [1, 10] (at most "
            "dataset.num_features=10)") in stderr
    assert "Traceback" not in stderr
