"""defense=dropout on a built-in model with no hidden layer (model=logistic, model=mlp
'model.hidden=[]', model=resnet: one nn.Linear), alone or in a stack, was refused only once
the data was loaded, leaving a run directory that held the error's log; the model's layers do
not depend on the data, so the config check refuses it before the directory is made, with
the same message (h216)."""

from __future__ import annotations

import pytest

from mia_defense.config import check_defense_stack
from mia_defense.errors import UnsupportedModelError
from tests.helpers import refused_before_run_dir

MESSAGE = ("UnsupportedModelError: defense.dropout: model LogisticRegression has 1 nn.Linear "
           "layer(s) and so no hidden features to drop; use a model with a hidden layer (e.g. "
           "model=mlp) or drop the dropout defense")  # fmt: skip


@pytest.mark.parametrize("overrides", [("defense=dropout", "model=logistic"),
                                       ("defense=[dp,dropout]", "model=mlp", "model.hidden=[]"),
                                       ("defense=dropout", "model=resnet", "model.depth=8")],
                         ids=["logistic", "mlp-no-hidden", "resnet"])  # fmt: skip
def test_dropout_without_hidden_features_is_refused_by_the_config_check(make_cfg, overrides):
    with pytest.raises(UnsupportedModelError, match="no hidden features to drop"):
        check_defense_stack(make_cfg(*overrides))


@pytest.mark.parametrize("overrides", [("defense=dropout",),
                                       ("defense=dropout", "model=cnn", "dataset=digits_images"),
                                       ("defense=label_smoothing", "model=logistic")],
                         ids=["mlp", "cnn", "no-dropout"])  # fmt: skip
def test_models_with_hidden_features_pass(make_cfg, overrides):
    check_defense_stack(make_cfg(*overrides))


def test_mia_train_leaves_no_run_directory(tmp_path):
    err = refused_before_run_dir("defense=dropout", "model=logistic", "plan.num_models=2",
                                 "train.epochs=2", cwd=tmp_path)  # fmt: skip
    assert MESSAGE in err
    assert "Traceback" not in err
