"""A tool's main() called in-process runs under a fresh process's torch settings, the
caller's put back after: a notebook that had set float64 as torch's default dtype, or turned
gradients off to evaluate, got a failed mia-train run (torch's traceback, exit 1,
results.json 'failed': "expected scalar type Double but found Float", "element 0 of tensors
does not require grad") where the same command in a shell trained; `cli.build.run` had
those settings already (h389)."""

from __future__ import annotations

import json
import sys

import pytest
import torch

from mia_defense.cli import train

TINY = ("plan.num_models=2", "train.epochs=1", "figures=false", "progress=false")


@pytest.fixture
def float64():
    dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(dtype)


@pytest.fixture
def no_grad():
    with torch.no_grad():
        yield


@pytest.mark.parametrize("setting", ["float64", "no_grad"])
def test_a_notebooks_torch_settings_do_not_fail_the_run(setting, request, tmp_path, monkeypatch):
    request.getfixturevalue(setting)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", ["mia-train", *TINY, f"hydra.run.dir={tmp_path / 'run'}"])
    train.main()  # (exit 0: returns)
    assert json.loads((tmp_path / "run" / "results.json").read_text())["status"] == "complete"
    assert torch.get_default_dtype() == (torch.float64 if setting == "float64" else torch.float32)
    assert torch.is_grad_enabled() is (setting != "no_grad")
