"""h403: the Python API's calls (observe_models, audit, run_audit) run under a fresh
process's torch settings, as a tool's main() does, the caller's put back after: a notebook
that had set a default device (``torch.set_default_device("cuda")``; here the meta device,
the one at hand without a GPU) had observe_models blame the model ('models[0] (Sequential)
fails on 2 rows of x ...: Tensor on device cpu is not on the expected device meta!'), and one
querying under ``with torch.inference_mode():`` got torch's bare 'Inference tensors do not
track version counter' from the probe; mia-train's main() under inference mode failed its
run (grad mode alone does not leave it)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense import api
from mia_defense.cli import train

TINY = ("plan.num_models=2", "train.epochs=1", "figures=false", "progress=false")


def _setting() -> tuple[np.ndarray, np.ndarray, api.MembershipPlan, list[nn.Module]]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(160, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    plan = api.make_plan(x, y, num_models=4, population_size=100)
    torch.manual_seed(0)
    models = [nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)) for _ in range(4)]
    return x, y, plan, models


def _observed(x, y, plan, models) -> api.Observations:
    return api.observe_models(models, x, y, plan, white_box=True, num_augmented=2)


def test_observe_models_under_inference_mode_gives_the_scripts_observations() -> None:
    x, y, plan, models = _setting()
    expected = _observed(x, y, plan, models)
    with torch.inference_mode():
        got = _observed(x, y, plan, models)
        assert torch.is_inference_mode_enabled()  # (the caller's, put back)
    for field in ("log_probs", "test_log_probs", "grad_norms", "augmented_logits"):
        np.testing.assert_array_equal(getattr(got, field), getattr(expected, field))


@pytest.mark.skipif(not hasattr(torch, "get_default_device"), reason="torch < 2.3")
def test_observe_models_under_another_default_device_gives_the_scripts_observations() -> None:
    x, y, plan, models = _setting()
    expected = _observed(x, y, plan, models)
    torch.set_default_device("meta")
    try:
        got = _observed(x, y, plan, models)
        assert torch.get_default_device().type == "meta"  # (the caller's, put back)
    finally:
        torch.set_default_device(None)
    np.testing.assert_array_equal(got.log_probs, expected.log_probs)
    np.testing.assert_array_equal(got.augmented_logits, expected.augmented_logits)


def test_mia_train_main_under_inference_mode_trains(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setattr(sys, "argv", ["mia-train", *TINY, f"hydra.run.dir={tmp_path / 'run'}"])
    with torch.inference_mode():
        train.main()  # (exit 0: returns)
        assert torch.is_inference_mode_enabled()
    assert json.loads((tmp_path / "run" / "results.json").read_text())["status"] == "complete"
