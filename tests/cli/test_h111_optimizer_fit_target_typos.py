"""A misspelt ``train.optimizer._target_`` (torch.optim.Adamm) or ``train.fit._target_``
(my_pkg.fitt) is refused naming what is missing and the closest name, as every other
``_target_`` is since 081ae25 (`missing_attribute`), the existing words kept; and a
``train.fit`` that cannot be loaded is refused by the config check, before the run directory
is made (it was refused once Hydra had made the folder and its train.log) (h111)."""

from __future__ import annotations

import sys

import pytest

from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from mia_defense.training.config import optimizer_class
from mia_defense.user_fit import load_user_fit
from tests.helpers import refused_before_run_dir

_FIT = "def fit(model, members, recipe):\n    return model\n"


def test_a_misspelt_optimizer_class_names_the_closest_and_makes_no_folder(tmp_path):
    stderr = refused_before_run_dir("train.optimizer={_target_: torch.optim.Adamm}",
                                    cwd=tmp_path)
    assert ("ConfigError: train.optimizer._target_=torch.optim.Adamm: not a torch.optim."
            "Optimizer class; name one, e.g. torch.optim.AdamW (module 'torch.optim' is found, "
            "but has no attribute 'Adamm'; did you mean 'Adam'?)") in stderr  # fmt: skip


def test_a_misspelt_optimizer_module_names_the_closest():
    with pytest.raises(ConfigError) as info:
        optimizer_class({"_target_": "torch.optimm.Adam"})
    assert str(info.value) == (
        "train.optimizer._target_=torch.optimm.Adam: cannot import it (No module named "
        "'torch.optimm') (module 'torch' is found, but has no attribute 'optimm'; did you "
        "mean 'optim'?)"
    )


def test_a_misspelt_training_function_is_refused_before_the_run_directory(tmp_path):
    (tmp_path / "h111_user_fit.py").write_text(_FIT)
    try:
        stderr = refused_before_run_dir("+train.fit._target_=h111_user_fit.fitt", cwd=tmp_path)
    finally:
        sys.modules.pop("h111_user_fit", None)
    assert ("ConfigError: train.fit._target_=h111_user_fit.fitt: not a function; name one "
            "that takes (model, members, recipe) and returns the trained model (module "
            "'h111_user_fit' is found, but has no attribute 'fitt'; did you mean 'fit'?)"
            ) in stderr  # fmt: skip


def test_the_config_check_loads_the_training_function(make_cfg):
    with pytest.raises(ConfigError, match=r"^train.fit._target_=mia_defense.user_fit.fitt: "
                       r"not a function; .*has no attribute 'fitt'\)$"):  # fmt: skip
        check_config(make_cfg("+train.fit._target_=mia_defense.user_fit.fitt"))
    check_config(make_cfg("+train.fit._target_=tests.cli.test_h111_optimizer_fit_target_typos."
                          "_fit"))  # fmt: skip


def _fit(model, members, recipe):  # never called
    return model


def test_nothing_is_added_where_nothing_of_the_name_imports():
    with pytest.raises(ConfigError) as info:
        load_user_fit({"_target_": "nowhere_h111.fit"})
    assert str(info.value) == (
        "train.fit._target_=nowhere_h111.fit: cannot import it (No module named "
        "'nowhere_h111'); start mia-train from the folder that holds your module, or install it"
    )
