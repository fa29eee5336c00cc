"""train.threads was left out of the resume check (a neutral key, as for a finished run's
skip), yet it changes the weights trained: torch splits a sum of many values into one among
its threads, and a model that standardises a layer's weight by their RMS trains other
weights under 1 and 2 threads. An unfinished run whose saved models were trained under one
thread count was finished under another, a mix neither gives. It is now held as
train.chunk_size and train.device are: in results.json's config (`resume_differences`) and
in each checkpoint's settings (results.json lost); 0 stands for the cores it gives
(helper h210)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from mia_defense.budget import usable_cores
from mia_defense.cli.train import run
from mia_defense.errors import ConfigError
from mia_defense.training.checkpoints import load_checkpoint
from tests.helpers import FAST

needs_two_cores = pytest.mark.skipif(usable_cores() < 2, reason="train.threads=2 needs 2 cores")
TINY = [*FAST, "plan.num_models=2", "train.chunk_size=1"]


class WeightStandardised(nn.Module):
    """A hidden layer whose weight is divided by its RMS over all its 65,536 values: one sum,
    which torch splits among its threads."""

    def __init__(self, input_shape: tuple[int, ...], num_classes: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1024, int(torch.tensor(input_shape).prod())) * .1)
        self.out = nn.Linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.weight / self.weight.pow(2).mean().sqrt()
        return self.out(torch.relu(x.flatten(1) @ weight.T))


@needs_two_cores
def test_the_thread_count_changes_the_weights_trained(make_cfg, tmp_path):
    custom = ["model=custom", f"model._target_={__name__}.WeightStandardised"]
    weights = []
    for threads in (1, 2):
        run_dir = tmp_path / f"threads{threads}"
        run(make_cfg(*TINY, *custom, "train.epochs=1", f"train.threads={threads}"), run_dir)
        weights.append(load_checkpoint(run_dir / "checkpoints" / "model_0000.pt")["state_dict"])
    assert not torch.equal(weights[0]["weight"], weights[1]["weight"])


def _interrupted(make_cfg, run_dir, *, keep_results: bool) -> None:
    """A run under train.threads=1 stopped after its first model was saved."""
    run(make_cfg(*TINY, "train.threads=1"), run_dir)
    (run_dir / "checkpoints" / "model_0001.pt").unlink()
    results = run_dir / "results.json"
    if not keep_results:
        results.unlink()
        return
    payload = json.loads(results.read_text())
    payload["status"] = "interrupted"
    results.write_text(json.dumps(payload))


@needs_two_cores
@pytest.mark.parametrize("keep_results", [True, False], ids=["results.json", "lost"])
def test_a_resume_under_another_thread_count_is_refused(make_cfg, tmp_path, keep_results):
    run_dir = tmp_path / "run"
    _interrupted(make_cfg, run_dir, keep_results=keep_results)
    before = (run_dir / "results.json").read_bytes() if keep_results else None
    with pytest.raises(ConfigError, match=r"under other settings \(train\.threads: 1 -> 2\), "
                       r"which change the models trained \(the float sums torch splits among "
                       r"its threads\), so a resume would mix the two; nothing was (changed|"
                       r"trained)\. Resume with train\.threads=1"):
        run(make_cfg(*TINY, "train.threads=2"), run_dir)
    assert not (run_dir / "checkpoints" / "model_0001.pt").exists()  # nothing trained
    if keep_results:
        assert (run_dir / "results.json").read_bytes() == before
    run(make_cfg(*TINY, "train.threads=1"), run_dir)  # the same count resumes
    assert json.loads((run_dir / "results.json").read_text())["status"] == "complete"
    saved = load_checkpoint(run_dir / "checkpoints" / "model_0001.pt")["settings"]
    assert saved["train.threads"] == 1


def test_zero_threads_resumes_a_run_saved_under_the_cores_it_gives(make_cfg, tmp_path):
    run_dir = tmp_path / "run"
    run(make_cfg(*TINY, f"train.threads={usable_cores()}"), run_dir)
    (run_dir / "checkpoints" / "model_0001.pt").unlink()
    (run_dir / "results.json").unlink()
    run(make_cfg(*TINY, "train.threads=0"), run_dir)
    assert (run_dir / "results.json").is_file()
