"""``model=wide_resnet`` on flat features (the default digits) was refused as
'model=resnet needs images ...', naming a model the user did not choose; the run and a
search choosing it now name model=wide_resnet (model=resnet keeps its own name)."""

from __future__ import annotations

import pytest

from mia_defense.errors import ConfigError
from mia_defense.models import ResNet
from tests.helpers import mia_train


@pytest.mark.parametrize(("widen_factor", "name"), [(4, "wide_resnet"), (1, "resnet")])
def test_a_resnet_on_flat_features_is_named_as_chosen(widen_factor, name):
    with pytest.raises(ConfigError, match=rf"^model={name} needs images \[C, H, W\]"):
        ResNet(input_shape=(64,), num_classes=10, depth=16, widen_factor=widen_factor)


def test_mia_train_model_wide_resnet_on_digits_names_it(tmp_path):
    done = mia_train("model=wide_resnet", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "model=wide_resnet needs images [C, H, W]" in done.stderr, done.stderr[-2000:]
    assert "model=resnet" not in done.stderr
