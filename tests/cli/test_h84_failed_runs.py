"""A run stopped by an error records status ``failed`` (not ``running``) and is run again on
the next launch; mia-report names the error and does not rank the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError

SMALL = ["plan.num_models=2", "plan.population_size=100", "train.epochs=1", "train.batch_size=16",
         "figures=false"]  # fmt: skip


class FailsOnRelease(nn.Module):
    """Raises on the release's batches once ``saved`` (a model's checkpoint) exists: models
    saved, while ``fail`` is set."""

    fail = True
    saved: Path | None = None

    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        saved = FailsOnRelease.saved
        if FailsOnRelease.fail and not self.training and saved is not None and saved.exists():
            raise RuntimeError("boom on release")
        return self.fc(x.flatten(1))


def _status(run_dir) -> dict:
    return json.loads((run_dir / "results.json").read_text())


@pytest.mark.slow  # two runs of mia-train's pipeline, 2-4 s each
def test_a_run_stopped_by_an_error_records_failed_and_is_run_again(make_cfg, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    from mia_defense.cli.train import run
    from mia_defense.report.checks import payload_problem

    cfg = make_cfg("model=custom", f"model._target_={__name__}.FailsOnRelease", *SMALL)
    monkeypatch.setattr(FailsOnRelease, "saved", tmp_path / "checkpoints" / "model_0000.pt")
    with pytest.raises(UnsupportedModelError, match="raised RuntimeError during the run"):
        run(cfg, tmp_path)
    payload = _status(tmp_path)
    assert payload["status"] == "failed"
    assert payload["failed"]["error"] == "UnsupportedModelError"
    assert "boom on release" in payload["failed"]["message"]
    problem = payload_problem(payload)
    assert problem.startswith("status is 'failed', not 'complete' (failed with an error")
    assert "not ranked" in problem and "boom on release" in problem
    monkeypatch.setattr(FailsOnRelease, "fail", False)  # the cause fixed: the same command
    run(cfg, tmp_path)
    assert _status(tmp_path)["status"] == "complete"


@pytest.mark.slow
def test_a_bug_of_ours_records_failed_and_keeps_its_exception(make_cfg, tmp_path, monkeypatch):
    import mia_defense.experiment as experiment
    from mia_defense.cli.train import run

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    cfg = make_cfg(*SMALL)
    monkeypatch.setattr(experiment, "release_population", broken)
    with pytest.raises(KeyError, match="a bug"):  # the traceback's exception, raised on
        run(cfg, tmp_path)
    assert _status(tmp_path)["status"] == "failed"
    assert _status(tmp_path)["failed"] == {"error": "KeyError", "message": "'a bug'"}
    monkeypatch.undo()
    run(cfg, tmp_path)
    assert _status(tmp_path)["status"] == "complete"
