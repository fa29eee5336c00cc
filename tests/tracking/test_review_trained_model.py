"""Review of load_trained_model's size check on the meta device."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from mia_defense.models.build import ModelBuilder
from mia_defense.tracking.trained_model import _refuse_larger_than


class _WithATable(nn.Module):
    """An own model with a non-persistent buffer: in buffers(), never in its state_dict."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.fc = nn.Linear(input_shape[0], num_classes)
        self.register_buffer("table", torch.zeros(1000), persistent=False)

    def forward(self, x):
        return self.fc(x)


def test_a_non_persistent_buffer_is_not_counted_against_the_checkpoint():
    # the check counted parameters and buffers (1010 values) against the checkpoint's
    # state_dict (10 values), so the run's own checkpoint was refused as 'does not fit'
    saved = _WithATable((4,), 2).state_dict()
    values = sum(v.numel() for v in saved.values())
    _refuse_larger_than(ModelBuilder(_WithATable), (4,), 2, path=Path("model_0000.pt"),
                        values=values)  # fmt: skip


class _Tied(nn.Module):
    """Two layers sharing one weight, and a persistent buffer that is an expanded view."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.a = nn.Linear(input_shape[0], input_shape[0], bias=False)
        self.b = nn.Linear(input_shape[0], input_shape[0], bias=False)
        self.b.weight = self.a.weight
        self.out = nn.Linear(input_shape[0], num_classes)
        self.register_buffer("pos", torch.zeros(1, input_shape[0]).expand(50, input_shape[0]))

    def forward(self, x):
        return self.out(self.b(self.a(x)) + self.pos[0])


def test_tied_weights_and_expanded_buffers_are_counted_alike_on_both_sides(tmp_path):
    from mia_defense.archives import stored_values
    from mia_defense.training.checkpoints import load_checkpoint, save_checkpoint

    path = tmp_path / "model_0000.pt"
    save_checkpoint(path, {"state_dict": _Tied((4,), 2).state_dict(), "fingerprint": "f",
                           "history": {"epochs": [], "stats": {}}})  # fmt: skip
    values = stored_values(load_checkpoint(path)["state_dict"])
    assert values == 16 + 10 + 4  # the shared weight once, the buffer's stored row
    _refuse_larger_than(ModelBuilder(_Tied), (4,), 2, path=path, values=values)


def test_a_view_claiming_more_values_than_stored_is_neither_allocated_nor_counted(tmp_path):
    # torch.zeros(1).expand(2**30): a 1.5 KB checkpoint that loads as 2^30 values. The
    # finiteness check allocated a 1 GB mask over the view (2^34 values: 16 GB), and
    # load_trained_model counted the view's 2^30 values, so a forged results.json's model of
    # that size was built before its shapes were compared
    import resource

    from mia_defense.archives import stored_values
    from mia_defense.errors import DataError
    from mia_defense.training.checkpoints import load_checkpoint, save_checkpoint

    history = {"epochs": [], "stats": {}}
    path = tmp_path / "model_0000.pt"
    save_checkpoint(path, {"state_dict": {"w": torch.zeros(1).expand(2**30)},
                           "fingerprint": "f", "history": history})  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    state = load_checkpoint(path)["state_dict"]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 256 * 1024
    assert stored_values(state) == 1
    nan = tmp_path / "model_0001.pt"
    save_checkpoint(nan, {"state_dict": {"w": torch.tensor([float("nan")]).expand(8)},
                          "fingerprint": "f", "history": history})  # fmt: skip
    with pytest.raises(DataError, match="non-finite weights"):
        load_checkpoint(nan)
