"""h352's leftovers: small defects found in earlier reviews, each pinned by one test."""

from __future__ import annotations

import logging
import os
import sys
import warnings

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from torch import nn

from mia_defense.canaries import insert_canaries
from mia_defense.cli import user_code
from mia_defense.data import Dataset
from mia_defense.defenses import dp_stacked
from mia_defense.errors import ConfigError
from mia_defense.library_call import caller_state_kept
from mia_defense.observe import _all_logits, gradient_norms
from mia_defense.plan import make_plan
from mia_defense.training.stack import ModelStack

_OUT_OF_MEMORY = [
    torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
    RuntimeError("[enforce fail at alloc_cpu.cpp:83] . DefaultCPUAllocator: can't allocate "
                 "memory: you tried to allocate 1000000 bytes."),
]


def _mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Linear(8, 3))


@pytest.mark.parametrize("err", _OUT_OF_MEMORY, ids=["cuda", "cpu"])
def test_out_of_memory_said_as_memory(err, monkeypatch, caplog) -> None:
    """An out-of-memory error while forming per-sample gradients was said to be torch.func's
    failure: the white-box warning 'torch.func cannot form per-sample gradients', DP-SGD's
    'train it with Opacus' own DP-SGD instead: train.engine=opacus'."""

    def out_of_memory(*args, **kwargs):
        raise err

    torch.manual_seed(0)
    models = [_mlp(), _mlp()]
    x, y = np.random.default_rng(0).random((6, 4), dtype=np.float32), np.arange(6) % 3
    with monkeypatch.context() as patch, caplog.at_level(logging.WARNING):
        patch.setattr(nn.functional, "cross_entropy", out_of_memory)
        assert gradient_norms(models, x, y) is None
    assert "ran out of memory" in caplog.text and "torch.func" not in caplog.text

    # the stacked query's: one at a time, said once as memory (was a debug line 'vmap failed'
    # at every query: the test set's, each perturbed copy's)
    caplog.clear()
    with monkeypatch.context() as patch, caplog.at_level(logging.WARNING):
        patch.setattr(ModelStack, "forward", out_of_memory)
        first, second = (_all_logits(models, torch.as_tensor(x), 4) for _ in range(2))
    assert torch.equal(first, second) and torch.equal(first[1], models[1](torch.as_tensor(x)))
    assert caplog.text.count("stacked query ran out of memory") == 1

    stack = ModelStack([_mlp(), _mlp()], [2])
    inputs = torch.randn(2, 6, 4)
    out_grads = torch.randn_like(stack.forward(inputs))
    monkeypatch.setattr(dp_stacked, "_tapped_call", out_of_memory)
    with pytest.raises(ConfigError, match=r"ran out of memory .*max_physical_batch_size=3 or "
                                          r"train.chunk_size=1$"):  # fmt: skip
        dp_stacked.clipped_grad_sums(stack, inputs, out_grads, torch.ones(2, 6, dtype=torch.bool),
                                     max_grad_norm=1.0, strategy="materialised")  # fmt: skip


def test_launch_dir_env_put_back_after_the_run(monkeypatch, tmp_path) -> None:
    """MIA_DEFENSE_LAUNCH_DIR stayed set after an in-process mia-train (a notebook's, a
    test's): every process started later inherited the stale folder as 'ours'."""
    monkeypatch.delenv(user_code._LAUNCH_DIR_ENV, raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "path_hooks", list(sys.path_hooks))
    monkeypatch.setattr(user_code, "_ALLOWED", {})
    config = OmegaConf.create({"hydra": {"runtime": {"cwd": str(tmp_path)}}})
    callback = user_code.LaunchDirOnPath()
    with caller_state_kept():  # (a tool's main(): `put_back_as_call_ends` as it ends)
        callback.on_run_start(config)
        assert os.environ[user_code._LAUNCH_DIR_ENV] == str(tmp_path)  # (for its job processes)
    assert user_code._LAUNCH_DIR_ENV not in os.environ


class _Noted(nn.Module):
    """A model whose forward warns (a note its author shows once per process)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        warnings.warn("h352: the model's own note", stacklevel=1)
        return self.fc(x)


def test_white_box_shows_a_models_once_only_warning_once() -> None:
    """The white-box stage's first call (its filter for torch's LSTM note, then its probe of
    shared weights under catch_warnings) reset the warnings' once-a-place records: the
    model's note, shown in training, came back at every white-box call."""
    models = [_Noted(), _Noted()]
    x, y = np.random.default_rng(0).random((6, 4), dtype=np.float32), np.arange(6) % 3
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        models[0](torch.as_tensor(x))  # training's forward: the note shown
        gradient_norms(models, x, y)
    assert [str(w.message) for w in seen] == ["h352: the model's own note"]


@pytest.mark.parametrize(("rows", "population", "test", "advice"), [
    # no row with no copy left: the audit's warning said 'at most 0 avoid it'
    (20, None, None, "use attack.canaries.kind=outlier"),
    # one row: 'at most 1 canaries'
    (22, 20, 1, "use at most 1 canary, a smaller plan.population_size, or "
                "attack.canaries.kind=outlier"),
])
def test_canary_advice_counts_what_fits(rows, population, test, advice, caplog) -> None:
    """The mislabeled canaries' advice: the most there are rows for, never 'at most 0'."""
    data = Dataset(x=np.arange(2 * rows, dtype=np.float32).reshape(rows, 2),
                   y=np.arange(rows) % 2, num_classes=2, name="rows")
    plan = make_plan(data, num_models=2, population_size=population, test_size=test, seed=0,
                     say=False)
    with pytest.raises(ConfigError) as refused:
        insert_canaries(data, plan, num=3, kind="mislabeled", seed=0)
    with caplog.at_level(logging.WARNING):  # (the one-run audit's: copies, with a warning)
        insert_canaries(data, plan, num=3, kind="mislabeled", seed=0, inclusion="bernoulli")
    assert str(refused.value).endswith(f"; {advice}")
    assert caplog.text.rstrip().endswith(f"to avoid it {advice}")


@pytest.mark.parametrize("title", ["", "seed=3 defense=dp defense.dp.noise_multiplier=1.2 "
                                       "release=topk release.k=2 dataset=purchase_like"])
def test_class_figure_titles_inside_the_image(title) -> None:
    """A 3-class run's per-class heatmaps: the TPR panel's note ('3 of 3: TPR at FPR 0,
    under 1000 non-member scores') ran past the image's right edge, and a long figure title
    past both."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from mia_defense.tracking.figures import class_figure

    row = {"auc": 0.6, "tpr@0.1%fpr": 0.01, "nonmember_scores": 400, "nonmember_records": 50}
    slices = {a: {f"class_{c}": dict(row) for c in range(3)} for a in ("loss", "lira_online")}
    fig = class_figure(slices, title=title)
    renderer = FigureCanvasAgg(fig).get_renderer()
    texts = [fig._suptitle, *(ax.title for ax in fig.axes if ax.get_title())]
    assert len(texts) == 3
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1, text.get_text()
