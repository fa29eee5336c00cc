"""load_trained_model(run, 0) on a checkpoint no run saves (NaN weights, a state dict
holding no tensors) whose sha256 results.json records too (both edited after the run: its
sha256 updated to the file) told the user 'results.json was edited after the run (its
config, num_classes or input_shape); put the run's own results.json back, and keep the
checkpoint (it is the run's model)': the broken checkpoint kept, the run's own results.json
put back then refused it as another file. The file's own content is refused as both files
edited, put back from a copy (h591)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import torch

from mia_defense.errors import DataError
from mia_defense.tracking.trained_model import load_trained_model

_FIRST = "checkpoints/model_0000.pt"


def _forged(fast_run, tmp_path: Path, change) -> Path:
    """A copy of the run whose first checkpoint ``change`` edited, results.json's sha256
    updated to it."""
    run = Path(shutil.copytree(fast_run.run_dir, tmp_path / "run"))
    path = run / _FIRST
    payload = torch.load(path, weights_only=True)
    change(payload["state_dict"])
    torch.save(payload, path)
    results = json.loads((run / "results.json").read_text())
    results["sha256"][_FIRST] = hashlib.sha256(path.read_bytes()).hexdigest()
    (run / "results.json").write_text(json.dumps(results))
    return run


def _nan(state: dict) -> None:
    next(iter(state.values())).fill_(float("nan"))


def _no_tensor(state: dict) -> None:
    state[next(iter(state))] = torch.zeros(2).tolist()


@pytest.mark.parametrize(("change", "said"), [
    (_nan, "holds non-finite weights"),
    (_no_tensor, "malformed 'state_dict'"),
], ids=["nan", "no tensor"])  # fmt: skip
def test_a_checkpoint_no_run_saves_is_not_kept_as_the_runs_model(
        fast_run, tmp_path, change, said):  # fmt: skip
    run = _forged(fast_run, tmp_path, change)
    with pytest.raises(DataError) as caught:
        load_trained_model(run, 0)
    message = str(caught.value)
    assert "keep the checkpoint" not in message, message
    assert said in message, message
    assert f"{_FIRST}: no run saves this file, yet its sha256 is the one results.json records" \
           in message, message
    assert "both were edited or damaged after the run; put the run's own files back" \
           in message, message
