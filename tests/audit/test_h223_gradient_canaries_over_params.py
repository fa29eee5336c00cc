"""attack.audit_gradient_canaries above the model's parameter count (each Dirac canary takes
a coordinate of its own) was refused only at DP-SGD's first step, once the run directory held
the run's log and a failed results.json: 'model=logistic defense=dp attack.audit=one_run' (650
parameters on digits, 1000 canaries by default). It is refused with the config check now,
before anything is made, where the config alone decides the dataset's shape."""

from __future__ import annotations

import pytest

from mia_defense.config import check_config, check_defense_stack
from mia_defense.errors import ConfigError
from mia_defense.models import LogisticRegression

AUDIT = ("defense=dp", "attack.audit=one_run", "attack.white_box=true")


@pytest.mark.parametrize(("overrides", "count"), [
    (("model=logistic",), 650),  # 64 x 10 + 10, the default 1000 canaries
    (("model=logistic", "attack.audit_gradient_canaries=651"), 650),
    (("model=mlp", "model.hidden=[]"), 650),
    (("model=logistic", "dataset=breast_cancer"), 62),  # 30 x 2 + 2
    (("model=logistic", "dataset=purchase_like", "dataset.num_features=20",
      "dataset.num_classes=5", "dataset.num_samples=500", "dataset.basket_size=5"), 105),
])  # fmt: skip
def test_more_gradient_canaries_than_parameters_is_refused_before_the_run(
    make_cfg, overrides, count
):
    cfg = make_cfg(*AUDIT, *overrides)
    check_config(cfg)  # (each key alone is fine)
    with pytest.raises(ConfigError, match=(
        rf"attack.audit_gradient_canaries=\d+: the white-box audit's Dirac canaries each need "
        rf"a parameter of their own, and model._target_=\S+ has {count} on this dataset; "
        rf"lower it to at most {count}"
    )):  # fmt: skip
        check_defense_stack(cfg)


def test_the_count_is_the_models_own():
    model = LogisticRegression(input_shape=(64,), num_classes=10)
    assert sum(p.numel() for p in model.parameters()) == 650


@pytest.mark.parametrize("overrides", [
    ("model=logistic", "attack.audit_gradient_canaries=650"),  # one each
    ("model=logistic", "attack.white_box=false"),  # no gradient canaries
    ("model=logistic", "attack.audit=none"),
    ("model=logistic", "train.engine=opacus"),  # (the black-box side's)
    ("model=mlp",),  # 9738 parameters
    ("model=cnn", "dataset=digits_images"),
])  # fmt: skip
def test_canaries_the_model_can_hold_pass(make_cfg, overrides):
    check_defense_stack(make_cfg(*AUDIT, *overrides))
