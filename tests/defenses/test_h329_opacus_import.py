"""train.engine=opacus where ``import opacus`` fails: `refuse_no_grad_samples` blamed the
model ("its forward and backward pass fails under Opacus' GradSampleModule hooks"); it
now names the import's failure and its cause (a ``profile.py`` beside a script, first on
its import path, in the standard library's place; Opacus not installed)."""

from __future__ import annotations

import sys

import pytest
import torch
from torch import nn

from mia_defense.defenses.dp import refuse_no_grad_samples
from mia_defense.errors import ConfigError


@pytest.fixture
def modules_kept():
    """sys.modules as it was before the test (the user's profile.py imported: gone)."""
    before = dict(sys.modules)
    yield
    for name in set(sys.modules) - set(before):
        del sys.modules[name]
    sys.modules.update(before)


@pytest.mark.parametrize(
    ("profile", "said"),
    [
        ("raise RuntimeError('a script of the user ran')\n", "profile.py has the name"),
        ("", "profile.py has the name"),  # imported, then lacking what is asked of it
        (None, "pip install 'opacus>=1.5'"),  # Opacus not installed
    ],
)
@pytest.mark.usefixtures("modules_kept")
def test_a_failed_import_of_opacus_is_named(tmp_path, monkeypatch, profile, said):
    monkeypatch.delitem(sys.modules, "opacus", raising=False)
    if profile is None:
        monkeypatch.setitem(sys.modules, "opacus", None)
    else:  # an Opacus that imports the standard library's profile, as its real one does
        (tmp_path / "opacus").mkdir()
        (tmp_path / "opacus" / "__init__.py").write_text("from profile import run\n")
        (tmp_path / "profile.py").write_text(profile)
        monkeypatch.delitem(sys.modules, "profile", raising=False)
        monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=r"train\.engine=opacus needs Opacus") as caught:
        refuse_no_grad_samples(nn.Linear(4, 2), torch.ones((2, 4)))
    assert said in str(caught.value) and "GradSampleModule" not in str(caught.value)
    if profile is not None:
        assert str(tmp_path / "profile.py") in str(caught.value)
