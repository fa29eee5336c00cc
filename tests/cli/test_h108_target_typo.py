"""A typo in the class of a user's ``model._target_`` (``my_pkg.MyNett``) got only Hydra's
"No module named 'my_pkg.MyNett'; 'my_pkg' is not a package", which blames the module. The
refusal, its words kept, adds what was found and what was not, with the closest name (h108)."""

from __future__ import annotations

import sys

from mia_defense.config import _missing_attribute
from tests.helpers import mia_train

_MODEL = """from torch import nn


class MyNet(nn.Module):
    def __init__(self, in_features, num_classes):
        super().__init__()
        self.layer = nn.Linear(in_features, num_classes)

    def forward(self, x):
        return self.layer(x)
"""


def test_a_misspelt_class_of_a_user_module_is_named(tmp_path):
    (tmp_path / "h108_user_model.py").write_text(_MODEL)
    try:
        done = mia_train("model._target_=h108_user_model.MyNett", cwd=tmp_path)
    finally:
        sys.modules.pop("h108_user_model", None)
    assert done.returncode == 2
    assert ("ConfigError: model._target_='h108_user_model.MyNett': cannot import it (" in
            done.stderr)  # fmt: skip
    assert ("); point it at an importable class or function (module 'h108_user_model' is "
            "found, but has no attribute 'MyNett'; did you mean 'MyNet'?)") in done.stderr


def test_what_is_missing_is_named_at_any_depth():
    assert _missing_attribute("mia_defense.models.MLPP") == (
        " (module 'mia_defense.models' is found, but has no attribute 'MLPP'; did you mean "
        "'MLP'?)"
    )
    assert _missing_attribute("mia_defense.models.MLP.nowhere_xyz") == (
        " ('mia_defense.models.MLP' is found, but has no attribute 'nowhere_xyz')"
    )


def test_a_missing_module_adds_nothing():
    assert _missing_attribute("nowhere_h108.MyNet") == ""
    assert _missing_attribute("nowhere_h108") == ""
