"""Helper h304's leftovers: what a resumed run says it reuses; recurrent models' fallback
reasons in words; a sparse gradient from a forward's own call refused in words."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.training.config import TrainConfig
from mia_defense.training.ensemble import train_ensemble

N, C, D = 40, 3, 6


def _data():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn((N, D), generator=gen), torch.randint(0, C, (N,), generator=gen)
    return dict(x=x.numpy(), y=y.numpy(), x_test=x[:10].numpy(), y_test=y[:10].numpy(),
                num_classes=C, seed=0, progress=False)  # fmt: skip


def test_a_resume_counts_only_the_models_it_reuses(tmp_path, caplog) -> None:
    """Before: a chunk saved in part (Ctrl-C while its checkpoints were written) was
    counted as trained ('resuming: 3 of 4 models already trained') and trained again whole."""
    common = dict(build_model=lambda: nn.Linear(D, C), masks=np.ones((4, N), bool),
                  config=TrainConfig(epochs=1, batch_size=16, chunk_size=2),
                  checkpoint_dir=tmp_path, **_data())  # fmt: skip
    train_ensemble(**common)
    (tmp_path / "model_0003.pt").unlink()
    with caplog.at_level(logging.INFO, logger="mia_defense.training.ensemble"):
        train_ensemble(**common)
    assert "resuming: 2 of 4 models already trained" in caplog.text


def test_ctrl_c_after_the_folder_moved_stays_an_interrupt(tmp_path, monkeypatch):
    """Before: the interrupt's 'interrupted' mark, written to the folder gone, was refused
    (require_held: 'the run folder was removed or moved') and the run ended on that
    DataError; then its last line said to run the same command again, which runs anew. The
    folder at its new place is still marked interrupted."""
    import os

    import mia_defense.experiment as experiment
    from mia_defense.tracking import read_json
    from tests.helpers import mia_train

    run_dir, moved = tmp_path / "run", tmp_path / "moved"

    def moved_then_interrupted(*args, **kwargs):
        os.rename(run_dir, moved)
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "_run_pipeline", moved_then_interrupted)
    done = mia_train("progress=false", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 130 and "DataError" not in done.stderr, done.stderr[-2000:]
    assert "interrupted; the run's folder was moved or removed" in done.stderr
    assert read_json(moved / "results.json")["status"] == "interrupted"


def _dplstm() -> nn.Module:
    from opacus.layers import DPLSTM

    return DPLSTM(3, 4)


@pytest.mark.parametrize(("build", "said"), [
    (lambda: nn.LSTM(3, 4), "torch.func cannot stack nn.LSTM's fused weights (in <root>)"),
    (_dplstm, "models[1] holds another cells (in <root>: its own layers again, in a plain list, "
              "as Opacus' DPLSTM, DPGRU and DPRNN keep their cells), where stacked models all "
              "run models[0]'s"),
])  # fmt: skip
def test_recurrent_models_are_said_why_they_are_not_stacked(build, said) -> None:
    """Before: 'models[1] holds another _flat_weight_refs (in <root>)' (nn.LSTM) and
    'holds another cells' (Opacus' DPLSTM), torch's and Opacus' internals named bare."""
    from mia_defense.models.alike import unlike

    assert unlike([build(), build()]) == said


class SparseCall(nn.Module):
    """A forward calling F.embedding(..., sparse=True): no layer has a sparse flag."""

    def __init__(self, num_classes: int = 10, **kwargs) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(17, 4))
        self.head = nn.Linear(4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        idx = x.flatten(1).long().clamp(0, 16)
        return self.head(nn.functional.embedding(idx, self.weight, sparse=True).mean(1))


def test_a_forward_making_sparse_gradients_is_refused_in_words(make_cfg, tmp_path) -> None:
    """Before: torch's traceback at the first step ('Adam does not support sparse
    gradients'); 57f7696a's refusal read only the layers' sparse flags."""
    from mia_defense.cli.build import run
    from mia_defense.errors import UnsupportedModelError

    cfg = make_cfg("model=custom", f"model._target_={__name__}.SparseCall")
    with pytest.raises(UnsupportedModelError, match=r"SparseCall: its forward makes sparse "
                       r"gradients .*torch: Adam does not support sparse gradients"):
        run(cfg, tmp_path / "run")
    # a refusal, as the layers' flags': no 'failed' run of this config (h307), so the same
    # folder takes the model called with sparse=False
    assert not (tmp_path / "run" / "results.json").exists()
