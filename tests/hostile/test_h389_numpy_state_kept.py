"""A library call or a tool's main() puts numpy's global random state back as it found it,
as it does Python's and torch's: a user's model drawing its initial weights from
``np.random`` (older code often does) moved the caller's seeded numpy stream, so a notebook
read other numbers after an in-process mia-train than without it (h389)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from mia_defense.library_call import caller_state_kept

NET = """import numpy as np, torch, torch.nn as nn
class Net(nn.Module):
    def __init__(self, in_features=64, num_classes=10, **kwargs):
        super().__init__()
        self.fc = nn.Linear(in_features, num_classes)
        with torch.no_grad():
            weights = np.random.randn(num_classes, in_features) * 0.01
            self.fc.weight.copy_(torch.from_numpy(weights))
    def forward(self, x):
        return self.fc(x)
"""


def _numpy_state() -> list[int]:
    return np.random.get_state()[1].tolist()  # noqa: NPY002 (the caller's own stream)


def test_a_call_that_draws_from_numpys_global_stream_puts_it_back() -> None:
    np.random.seed(389)  # noqa: NPY002
    before = _numpy_state()
    with caller_state_kept():
        np.random.rand(3)  # noqa: NPY002
    assert _numpy_state() == before


def test_an_in_process_run_of_a_model_drawing_from_numpy_leaves_the_callers_stream(
        tmp_path, monkeypatch) -> None:
    from mia_defense.cli import train

    (tmp_path / "h389_npnet.py").write_text(NET)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.delitem(sys.modules, "h389_npnet", raising=False)
    monkeypatch.setattr(sys, "argv", [
        "mia-train", "model=custom", "model._target_=h389_npnet.Net", "plan.num_models=2",
        "train.epochs=1", "figures=false", "progress=false", f"hydra.run.dir={tmp_path / 'run'}"])
    np.random.seed(389)  # noqa: NPY002
    before = _numpy_state()
    train.main()
    assert json.loads((tmp_path / "run" / "results.json").read_text())["status"] == "complete"
    assert _numpy_state() == before
    monkeypatch.delitem(sys.modules, "h389_npnet", raising=False)


@pytest.fixture(autouse=True)
def _numpy_stream_kept():
    state = np.random.get_state()  # noqa: NPY002
    yield
    np.random.set_state(state)  # noqa: NPY002
