"""A user's model that returns logits [2, C] on the checks' two rows and another shape on the
run's larger batches (fewer columns, a flat [B], an extra dimension) stopped mia-train with
torch's traceback from the loss ('Target 9 is out of bounds', 'Expected target size ...'),
exit 1, its model never named (a raise inside the model, and more columns, were already
named). The run's failure now names model._target_, the batch and the shape it returned."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from mia_defense.errors import UnsupportedModelError


class _Net(nn.Module):
    def __init__(self, input_shape, num_classes: int) -> None:
        super().__init__()
        self.fc = nn.Linear(int(torch.tensor(input_shape).prod()), num_classes)


class NarrowerOnLargeBatches(_Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x.flatten(1))
        return out[:, :-1] if x.shape[0] > 2 else out


class FlatOnLargeBatches(_Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x.flatten(1))
        return out[:, 0] if x.shape[0] > 2 else out


class Fine(_Net):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))


def _spec(model: type[nn.Module]):
    """What `_output_shape_error` reads of an experiment and its data: 40 rows of 6 features."""
    data = SimpleNamespace(
        dataset=SimpleNamespace(x=np.zeros((40, 6), dtype=np.float32), num_classes=3,
                                input_shape=(6,)),
        plan=SimpleNamespace(test_idx=np.arange(10)),
    )  # fmt: skip
    experiment = SimpleNamespace(
        train=SimpleNamespace(batch_size=16), seed=0,
        config={"model": {"_target_": f"my.{model.__name__}"}},
        build_model=lambda input_shape, num_classes: model(input_shape, num_classes),
    )  # fmt: skip
    return experiment, data


@pytest.mark.parametrize(("model", "shape"), [
    (NarrowerOnLargeBatches, "shape [10, 2] on a batch of 10 rows in training mode, not [10, 3]"),
    (FlatOnLargeBatches, "shape [10] on a batch of 10 rows in training mode, not [10, 3]"),
])  # fmt: skip
def test_the_model_and_the_shape_it_returned_are_named(model, shape):
    from mia_defense.experiment import _output_shape_error

    error = _output_shape_error(*_spec(model))
    assert isinstance(error, UnsupportedModelError)
    assert str(error).startswith(f"model._target_=my.{model.__name__} returned {shape}")
    assert "it must return logits [batch, 3] for every batch size" in str(error)


def test_a_model_of_the_right_shape_leaves_the_error_as_it_was():
    from mia_defense.experiment import _output_shape_error

    assert _output_shape_error(*_spec(Fine)) is None


@pytest.mark.slow  # 2-4 s: a run of mia-train's pipeline
def test_the_run_stops_naming_the_model_and_records_it(make_cfg, tmp_path):
    from mia_defense.cli.train import run

    cfg = make_cfg("model=custom", f"model._target_={__name__}.NarrowerOnLargeBatches",
                   "plan.num_models=2", "plan.population_size=100", "train.epochs=1",
                   "train.batch_size=16", "figures=false")  # fmt: skip
    message = (rf"model._target_={__name__}.NarrowerOnLargeBatches returned shape \[16, 9\] on "
               r"a batch of 16 rows in training mode, not \[16, 10\]")
    with pytest.raises(UnsupportedModelError, match=message):
        run(cfg, tmp_path)
    failed = json.loads((tmp_path / "results.json").read_text())
    assert failed["status"] == "failed"
    assert failed["failed"]["error"] == "UnsupportedModelError"


class NaNOnLargeEvalBatches(_Net):
    """Finite logits in training and on two rows; NaN on larger batches in eval mode."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.fc(x.flatten(1))
        return out * float("nan") if not self.training and x.shape[0] > 2 else out


def test_untrained_nan_logits_are_the_hint_not_the_learning_rate():
    # such a run 'diverged' with "likely cause: train.lr=0.001 (lower the learning rate
    # first)", which no learning rate fixes
    from mia_defense.experiment import _untrained_non_finite_hint

    hint = _untrained_non_finite_hint(*_spec(NaNOnLargeEvalBatches))
    assert hint == ("likely cause: model._target_=my.NaNOnLargeEvalBatches, which returns 30 NaN "
                    "or +inf logits on a batch of 10 rows in eval mode before any training (on "
                    "the checks' batch of two rows its logits were finite): fix the model's "
                    "forward; no learning rate changes that")
    assert _untrained_non_finite_hint(*_spec(Fine)) is None


@pytest.mark.slow  # 2-4 s: a run of mia-train's pipeline
def test_the_divergence_names_the_model_that_returns_nan_untrained(make_cfg, tmp_path):
    from mia_defense.cli.train import run
    from mia_defense.errors import DivergedError

    cfg = make_cfg("model=custom", f"model._target_={__name__}.NaNOnLargeEvalBatches",
                   "plan.num_models=2", "plan.population_size=100", "train.epochs=1",
                   "train.batch_size=16", "figures=false")  # fmt: skip
    with pytest.raises(DivergedError, match=rf"likely cause: model._target_={__name__}."
                       r"NaNOnLargeEvalBatches, which returns \d+ NaN or \+inf logits") as caught:
        run(cfg, tmp_path)
    assert "learning rate first" not in str(caught.value)


def test_only_the_errors_torch_gives_for_shapes_are_probed():
    from mia_defense.experiment import _shape_error_kind

    assert _shape_error_kind(IndexError("Target 9 is out of bounds."))
    assert _shape_error_kind(RuntimeError("Expected target size [489, 1], got [489]"))
    # out of memory: probing the model on more rows could only repeat it
    assert not _shape_error_kind(torch.OutOfMemoryError("CUDA out of memory"))
    assert not _shape_error_kind(MemoryError())
    assert not _shape_error_kind(RuntimeError(  # (torch's CPU allocator: h352)
        "[enforce fail at alloc_cpu.cpp:83] . DefaultCPUAllocator: can't allocate memory"))
    assert not _shape_error_kind(KeyError("x"))
