"""A user's module whose backward pass fails alone (an in-place op on a tensor autograd
saved), or only under Opacus' hooks, and one that holds a submodule under two names under
DP-SGD: each ended in a bare traceback or a misleading one at the first step; each is now
refused before training, naming the key and the fix."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mia_defense.cli.train import run
from mia_defense.errors import UnsupportedModelError
from mia_defense.models.build import check_model_output
from mia_defense.tracking import read_json
from tests.helpers import FAST

SMALL = ["plan.num_models=2", "plan.population_size=100", "train.epochs=1",
         "train.batch_size=16", *FAST]  # fmt: skip
HERE = "tests.models.test_h198_user_model_backward"


class InplaceAfterRelu(nn.Module):
    """relu_ keeps its output for the backward pass, which add_ then changes."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.fc, self.head = nn.Linear(64, 16), nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.fc(x.flatten(1))
        h.relu_()
        h.add_(1.0)
        return self.head(h)


class InplaceOnLayerOutput(nn.Module):
    """Adds to a Linear layer's output in place: plain autograd (and the stacked engine's
    per-sample gradients) take it; Opacus' hooks make that output a view they forbid."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.fc, self.head = nn.Linear(64, 16), nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.fc(x.flatten(1) / 16)
        h.add_(1.0)
        return self.head(torch.tanh(h))


class SameLayerTwice(nn.Module):
    """One Linear registered under two names (self.second = self.first)."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.first = nn.Linear(64, 64)
        self.second = self.first
        self.head = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.first(x.flatten(1) / 16))
        return self.head(torch.tanh(self.second(h)))


@pytest.mark.parametrize("extra", [[], ["defense=dp"], ["defense=dp", "train.engine=opacus"]])
def test_a_model_whose_backward_fails_alone_is_refused_before_training(make_cfg, tmp_path,
                                                                      extra):
    """Before: torch's bare RuntimeError at the first step (the stacked engine first warned
    'training models one at a time: torch.func cannot run ...')."""
    cfg = make_cfg("model=custom", f"model._target_={HERE}.InplaceAfterRelu", *SMALL, *extra)
    with pytest.raises(UnsupportedModelError) as caught:
        run(cfg, tmp_path)
    said = str(caught.value)
    assert said.startswith(f"model._target_={HERE}.InplaceAfterRelu: the backward pass")
    assert "modified by an inplace operation" in said
    assert "compute a new tensor instead" in said
    assert not (tmp_path / "checkpoints").exists()


def test_the_backward_check_leaves_batchnorm_models_alone():
    """Its backward reads the running statistics: it must run before they are put back."""
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    check_model_output(model, input_shape=(4,), num_classes=3)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert all(p.grad is None for p in model.parameters())


def test_opacus_hooks_failing_on_an_in_place_op_are_refused_naming_the_engine(make_cfg,
                                                                             tmp_path):
    """Before: 'raised RuntimeError during the run: Output 0 of BackwardHookFunction is a
    view ... (it passed the checks on two rows; the run's batches are larger)'."""
    cfg = make_cfg("model=custom", f"model._target_={HERE}.InplaceOnLayerOutput",
                   "defense=dp", "train.engine=opacus", *SMALL)  # fmt: skip
    with pytest.raises(UnsupportedModelError) as caught:
        run(cfg, tmp_path)
    said = str(caught.value)
    assert said.startswith("defense.dp: train.engine=opacus cannot train InplaceOnLayerOutput")
    assert "fails under Opacus' GradSampleModule hooks" in said
    assert "BackwardHookFunction" in said
    assert "set train.engine=stacked" in said
    assert not list((tmp_path / "checkpoints").glob("*.pt"))


def test_a_submodule_under_two_names_is_refused_by_the_stacked_dp_engine(make_cfg, tmp_path):
    """Before: trained one at a time (torch.func does not put its parameters back), then the
    per-sample pass left vmapped tensors in it: 'raised RuntimeError during the run: Either
    your tensor may have escaped ... (it passed the checks on two rows ...)'."""
    cfg = make_cfg("model=custom", f"model._target_={HERE}.SameLayerTwice", "defense=dp",
                   *SMALL)  # fmt: skip
    with pytest.raises(UnsupportedModelError) as caught:
        run(cfg, tmp_path)
    said = str(caught.value)
    assert said.startswith("defense.dp: SameLayerTwice holds one submodule under two names "
                           "(first and second: self.b = self.a)")
    assert "set train.engine=opacus" in said
    assert not list((tmp_path / "checkpoints").glob("*.pt"))


def test_tied_parameters_and_one_name_per_module_pass_the_alias_check():
    from mia_defense.defenses.dp import refuse_aliased_modules

    class TiedWeights(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.first, self.second = nn.Linear(4, 4), nn.Linear(4, 4)
            self.second.weight = self.first.weight

    refuse_aliased_modules(TiedWeights())  # stacked DP-SGD trains it (test_h138_dp_tied_weights)
    refuse_aliased_modules(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.ReLU()))
    relu = nn.ReLU()
    refuse_aliased_modules(nn.Sequential(nn.Linear(4, 4), relu, relu))  # no tensors of its own


@pytest.mark.slow
def test_opacus_trains_a_submodule_under_two_names(make_cfg, tmp_path):
    cfg = make_cfg("model=custom", f"model._target_={HERE}.SameLayerTwice", "defense=dp",
                   "train.engine=opacus", *SMALL)  # fmt: skip
    run(cfg, tmp_path)
    assert read_json(tmp_path / "results.json")["status"] == "complete"
