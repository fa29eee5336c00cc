"""A tool's main() called in-process runs on torch's default device of a fresh process, the
caller's put back after: a notebook that had set one (``torch.set_default_device("cuda")``;
here ``"meta"``, which any machine has) got its run's own tensors made there, beside the
data's on the CPU, and mia-train refused the run ("Adam refused its settings ... meta",
exit 2) where the same command in a shell trained (h389)."""

from __future__ import annotations

import json
import sys

import pytest
import torch

from mia_defense.cli import train

pytestmark = pytest.mark.skipif(not hasattr(torch, "get_default_device"),
                                reason="torch < 2.3: no default device to read")


@pytest.fixture
def on_meta():
    torch.set_default_device("meta")
    yield
    torch.set_default_device(None)


def test_a_notebooks_default_device_does_not_refuse_the_run(on_meta, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", [
        "mia-train", "plan.num_models=2", "train.epochs=1", "figures=false", "progress=false",
        f"hydra.run.dir={tmp_path / 'run'}"])
    train.main()  # (exit 0: returns)
    assert json.loads((tmp_path / "run" / "results.json").read_text())["status"] == "complete"
    assert torch.get_default_device().type == "meta"
