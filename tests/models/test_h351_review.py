"""h351's review of the user-model messages (bca5f196, b7a975ec): a user's exception whose
``__str__`` raises, or whose message runs over many lines, is said in one line."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from mia_defense.defenses.dp import DPSGD
from mia_defense.errors import UnsupportedModelError
from mia_defense.observe import gradient_norms
from mia_defense.training.config import TrainConfig
from mia_defense.training.engine import train_chunk
from mia_defense.training.stack import ModelStack, vmap_blocker


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message")


class _Raises(nn.Module):
    """Raises ``error`` where torch.func runs it (a weight read outside its layer keeps the
    white-box norms off the ghost path, onto vmap)."""

    error: Exception = _Unprintable()

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch._C._functorch.is_functorch_wrapped_tensor(x):
            raise self.error
        return self.fc(x) * self.scale


@pytest.mark.parametrize("error, said", [
    (_Unprintable(), "_Unprintable: (its message cannot be read: RuntimeError)"),
    (ValueError("first\n" + "x" * 100_000 + "\nlast"), "ValueError: first"),
])
def test_a_hostile_message_is_one_line(monkeypatch, caplog, error, said) -> None:
    """Before: gradient_norms raised the RuntimeError of ``__str__`` (it warned, through a
    logging error, before bca5f196), and so did the stacking probe (b7a975ec's
    stacking_failure, then vmap_blocker); a message of many lines went whole into the
    one-at-a-time warning."""
    monkeypatch.setattr(_Raises, "error", error)
    with caplog.at_level(logging.WARNING, logger="mia_defense.observe"):
        assert gradient_norms([_Raises()], np.zeros((3, 4), np.float32),
                              np.zeros(3, np.int64)) is None
    assert said in caplog.text and len(caplog.text.splitlines()) == 1
    reason = vmap_blocker(_Raises(), (4,))
    assert reason == f"torch.func cannot run _Raises: {said}"


class _WarnsOnce(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        warnings.warn("a note of the user's model, once", UserWarning, stacklevel=1)
        return self.fc(x)


def test_a_model_s_once_only_warning_is_said_once_over_stacks() -> None:
    """Before: each ModelStack built (training, the probe, each query) added 3e7142cb's
    weight_norm filter again, and each filter added resets Python's once-a-place records:
    the user model's warning came again with each stack."""
    models = [_WarnsOnce(), _WarnsOnce()]
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("default")
        for _ in range(3):
            ModelStack(models, [2]).forward(torch.zeros(3, 4), shared=True)
    assert [str(w.message) for w in said] == ["a note of the user's model, once"]


class _ReentrantCheckpointed(nn.Module):
    """torch.utils.checkpoint's older form (use_reentrant=True, long its default): the
    function runs under torch.no_grad() in the forward pass, outside autograd's graph."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(6, 8), nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(checkpoint(lambda t: torch.relu(self.fc1(t)), x, use_reentrant=True))


def test_dp_on_a_reentrant_checkpoint_is_refused_in_words() -> None:
    """Before: 0ef35943 switched DP-SGD's ghost norms to vmap(grad) on a CheckpointError
    alone, and a reentrant checkpoint's is a RuntimeError ('The differentiated Tensor at
    index 0 appears to not have been used in the graph'): raw, where the use_reentrant=False
    model is refused naming the checkpointing (as both were before 0ef35943)."""
    x, y = torch.randn((16, 6)), torch.randint(0, 3, (16,))
    dp = DPSGD(noise_multiplier=1.0, max_grad_norm=1.0, poisson_sampling=False,
               allow_unaccounted_sampling=True)  # fmt: skip
    with warnings.catch_warnings(), pytest.raises(
            UnsupportedModelError, match="neither engine can train it with DP-SGD: its forward "
            "recomputes layers in the backward pass"):  # fmt: skip
        warnings.simplefilter("ignore")  # (torch's: none of the inputs requires grad)
        train_chunk([_ReentrantCheckpointed()], x=x, y=y,
                    masks=torch.ones((1, 16), dtype=torch.bool), x_test=x, y_test=y,
                    num_classes=3, config=TrainConfig(epochs=1, batch_size=8),
                    generators=[torch.Generator().manual_seed(0)], defenses=[dp],
                    vectorised=False)  # fmt: skip


class _Reversal(torch.autograd.Function):
    """A gradient reversal written as torch's older autograd.Function (no setup_context)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return -grad


class _Reversed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(6, 8), nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(_Reversal.apply(torch.relu(self.fc1(x))))


def test_an_autograd_function_of_the_user_s_is_not_said_to_recompute_layers() -> None:
    """Before: b7a975ec's words for a checkpointed model, 'its forward recomputes layers in
    the backward pass ...; call them directly', for a function that recomputes nothing."""
    said = vmap_blocker(_Reversed(), (6,))
    assert said == ("torch.func cannot stack _Reversed: its forward calls a "
                    "torch.autograd.Function without a setup_context staticmethod (as "
                    "torch.utils.checkpoint(..., use_reentrant=True) does); call the layers "
                    "directly instead of through checkpoint(...), or give the Function a "
                    "setup_context staticmethod and generate_vmap_rule = True to stack them")
