"""A built-in model refused for the data's shape ('model=cnn' on digits' flat features) was
refused once the data was loaded, after the run directory held the run's log (train.log).
Where the config alone decides the shape, it is refused with the config check, before the
run directory is made."""

from __future__ import annotations

import pytest

from mia_defense.config import check_defense_stack
from mia_defense.errors import ConfigError
from tests.helpers import mia_train


@pytest.mark.parametrize(("overrides", "said"), [
    (("model=cnn",), r"model=cnn needs images \[C, H, W\] \(at least 4x4\), but the dataset's "
     r"samples have shape \[64\]; use model=mlp for flat features"),
    (("model=resnet", "dataset=breast_cancer"), r"model=resnet needs images .* shape \[30\]"),
])  # fmt: skip
def test_a_model_unfit_for_the_datas_shape_is_refused_with_the_config(make_cfg, overrides, said):
    with pytest.raises(ConfigError, match=said):
        check_defense_stack(make_cfg(*overrides))


@pytest.mark.parametrize("overrides", [
    ("model=cnn", "dataset=digits_images"),
    ("model=mlp",),
    ("model=logistic", "dataset=breast_cancer"),
])  # fmt: skip
def test_a_model_fit_for_the_data_passes(make_cfg, overrides):
    check_defense_stack(make_cfg(*overrides))


def test_mia_train_makes_no_run_directory_for_it(tmp_path):
    run = tmp_path / "run"
    done = mia_train("model=cnn", "plan.num_models=2", f"hydra.run.dir={run}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "ConfigError: model=cnn needs images" in done.stderr
    assert not run.exists()
